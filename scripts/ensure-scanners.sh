#!/usr/bin/env bash
# The security scan drives Debian's packaged scanners (sqlmap and wapiti, never a git checkout or a pip
# install), so the versions are the distribution's and are recorded in SECURITY.md. Installs whichever
# is missing with apt-get; needs root, as on CI and the development machines.
set -euo pipefail
missing=()
command -v sqlmap >/dev/null 2>&1 || missing+=(sqlmap)
command -v wapiti >/dev/null 2>&1 || missing+=(wapiti)
if [ "${#missing[@]}" -eq 0 ]; then
  exit 0
fi
bash "$(dirname "$0")/apt-install.sh" "the security scan" "${missing[@]}"
sqlmap --version
wapiti --version
