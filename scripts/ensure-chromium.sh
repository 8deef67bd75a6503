#!/usr/bin/env bash
# Browser tests drive Debian's Chromium (never a downloaded browser build). Installs it with apt-get
# when it is missing; needs root, as on CI and the development machines.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
bash "$(dirname "$0")/apt-install.sh" "the browser tests" chromium fonts-dejavu-core
/usr/bin/chromium --version
