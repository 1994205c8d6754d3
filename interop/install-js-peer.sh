#!/usr/bin/env bash
# Installs the js peer's npm packages from package-lock.json. Skips the install when
# node_modules was installed from the same lock file, so that re-builds are fast.
set -euo pipefail
cd "$(dirname "$0")"
command -v node >/dev/null || { echo "interop: Node.js is needed for the js-libp2p interop peer (node 20+ on the PATH)" >&2; exit 1; }
command -v npm >/dev/null || { echo "interop: npm is needed to install the js-libp2p interop peer" >&2; exit 1; }
stamp=node_modules/.p2pboot-lock.sha256
wanted=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$wanted" ]; then
  echo "interop: node_modules matches package-lock.json"
  exit 0
fi
echo "interop: installing the js-libp2p peer from package-lock.json"
# Not npm ci: it rejects this lock file, which lists only the QUIC binary of the platform it was made on.
npm install --no-save --no-audit --no-fund --loglevel=error
echo "$wanted" > "$stamp"
