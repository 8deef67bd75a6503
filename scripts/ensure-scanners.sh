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
if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "The security scan needs Debian's ${missing[*]}: run 'sudo apt-get install ${missing[*]}'." >&2
  exit 1
fi
echo "Installing Debian's ${missing[*]} for the security scan…"
export DEBIAN_FRONTEND=noninteractive
# Refresh the package lists only when they do not know a package yet (a fresh container has none);
# an update on every run would make the scan depend on the mirror for nothing.
for pkg in "${missing[@]}"; do
  if ! apt-cache policy "$pkg" 2>/dev/null | grep -q 'Candidate: [0-9]'; then
    apt-get update -qq
    break
  fi
done
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
sqlmap --version
wapiti --version
