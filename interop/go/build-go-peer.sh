#!/usr/bin/env bash
# Builds the go-libp2p interop peer (interop/go/target/gopeer) from go.mod and go.sum.
# Go's own build cache makes a re-build take seconds. Without Go: on CI (CI=true) the build fails;
# elsewhere it says so and the go interop tests are skipped, naming the missing tool.
set -euo pipefail
cd "$(dirname "$0")"
if ! command -v go >/dev/null; then
  if [ "${CI:-}" = "true" ]; then
    echo "interop: Go is needed on CI for the go-libp2p interop peer (go on the PATH)" >&2
    exit 1
  fi
  echo "interop: go is not on the PATH; the go-libp2p interop tests will be skipped" >&2
  exit 0
fi
start=$(date +%s)
# -mod=readonly: exactly the versions of go.sum, never a silent upgrade.
nice -n 10 go build -mod=readonly -buildvcs=false -o target/gopeer .
echo "interop: go-libp2p peer built in $(( $(date +%s) - start )) s ($(go version | cut -d' ' -f3))"
