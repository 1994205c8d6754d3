#!/usr/bin/env bash
# Builds the rust-libp2p interop peer (interop/rust/target/debug/rustpeer) from Cargo.lock.
# Cargo's target dir (interop/rust/target) makes a re-build take seconds; the dev profile of
# Cargo.toml keeps the cold build small. Without cargo: on CI (CI=true) the build fails; elsewhere
# it says so and the rust interop tests are skipped, naming the missing tool.
#
#   build-rust-peer.sh --check   only the check for cargo, and marks a build as coming (the interop
#                                pom runs this first, then the build itself in the background, so
#                                that a cold build overlaps the engine's compile and unit tests)
#   build-rust-peer.sh           the build; target/p2pboot-build.status says "running <pid>", then
#                                "ok" or "failed" (PeerProcess waits on it, its log beside it)
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p target
status=target/p2pboot-build.status
if ! command -v cargo >/dev/null; then
  if [ "${CI:-}" = "true" ]; then
    echo "interop: cargo is needed on CI for the rust-libp2p interop peer (cargo on the PATH)" >&2
    echo "failed: cargo is not on the PATH" > "$status"
    exit 1
  fi
  echo "interop: cargo is not on the PATH; the rust-libp2p interop tests will be skipped" >&2
  echo "missing: cargo is not on the PATH" > "$status"
  exit 0
fi
echo "running $$" > "$status"
if [ "${1:-}" = "--check" ]; then
  exit 0
fi
start=$(date +%s)
# --locked: exactly the versions of Cargo.lock. nice 19: the engine's tests run beside this build.
nice -n 19 cargo build --locked --quiet > target/p2pboot-build.log 2>&1 &
build=$!
trap 'kill "$build" 2>/dev/null; echo "failed: stopped" > "$status"; exit 143' TERM INT
if wait "$build"; then
  echo ok > "$status"
  echo "interop: rust-libp2p peer built in $(( $(date +%s) - start )) s ($(cargo --version | cut -d' ' -f1-2))"
else
  echo "failed: see $(pwd)/target/p2pboot-build.log" > "$status"
  cat target/p2pboot-build.log >&2
  exit 1
fi
