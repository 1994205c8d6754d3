#!/usr/bin/env bash
# Builds the go-libp2p interop peer (interop/go/target/gopeer) from go.mod and go.sum.
# Go's own build cache makes a re-build take seconds. Without Go: on CI (CI=true) the build fails;
# elsewhere it says so and the go interop tests are skipped, naming the missing tool.
#
#   build-go-peer.sh --check   only the check for go, and marks a build as coming (the interop pom
#                              runs this first, then the build itself in the background)
#   build-go-peer.sh           the build; target/p2pboot-build.status says "running <pid>", then
#                              "ok" or "failed" (PeerProcess waits on it, its log beside it)
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p target
status=target/p2pboot-build.status
if ! command -v go >/dev/null; then
  if [ "${CI:-}" = "true" ]; then
    echo "interop: Go is needed on CI for the go-libp2p interop peer (go on the PATH)" >&2
    echo "failed: go is not on the PATH" > "$status"
    exit 1
  fi
  echo "interop: go is not on the PATH; the go-libp2p interop tests will be skipped" >&2
  echo "missing: go is not on the PATH" > "$status"
  exit 0
fi
echo "running $$" > "$status"
if [ "${1:-}" = "--check" ]; then
  exit 0
fi
start=$(date +%s)
# -mod=readonly: exactly the versions of go.sum, never a silent upgrade.
nice -n 19 go build -mod=readonly -buildvcs=false -o target/gopeer . > target/p2pboot-build.log 2>&1 &
build=$!
trap 'kill "$build" 2>/dev/null; echo "failed: stopped" > "$status"; exit 143' TERM INT
if wait "$build"; then
  echo ok > "$status"
  echo "interop: go-libp2p peer built in $(( $(date +%s) - start )) s ($(go version | cut -d' ' -f3))"
else
  echo "failed: see $(pwd)/target/p2pboot-build.log" > "$status"
  cat target/p2pboot-build.log >&2
  exit 1
fi
