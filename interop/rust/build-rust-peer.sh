#!/usr/bin/env bash
# Builds the rust-libp2p interop peer (interop/rust/target/debug/rustpeer) from Cargo.lock.
# Cargo's target dir (interop/rust/target) makes a re-build take seconds; the dev profile of
# Cargo.toml keeps the cold build small. Without cargo: on CI (CI=true) the build fails; elsewhere
# it says so and the rust interop tests are skipped, naming the missing tool.
set -euo pipefail
cd "$(dirname "$0")"
if ! command -v cargo >/dev/null; then
  if [ "${CI:-}" = "true" ]; then
    echo "interop: cargo is needed on CI for the rust-libp2p interop peer (cargo on the PATH)" >&2
    exit 1
  fi
  echo "interop: cargo is not on the PATH; the rust-libp2p interop tests will be skipped" >&2
  exit 0
fi
start=$(date +%s)
# --locked: exactly the versions of Cargo.lock. nice: the machine has 2 cores and a build of Java beside.
nice -n 10 cargo build --locked --quiet
echo "interop: rust-libp2p peer built in $(( $(date +%s) - start )) s ($(cargo --version | cut -d' ' -f1-2))"
