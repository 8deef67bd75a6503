#!/usr/bin/env bash
# Installs Debian packages that a test or a tool of this project drives (never a download of its own).
# Usage: scripts/apt-install.sh "what they are for" PACKAGE...   Needs root, as on CI and the development
# machines; anywhere else it says what to run and fails.
set -euo pipefail
purpose=$1
shift
if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "$purpose needs Debian's $*: run 'sudo apt-get install $*'." >&2
  exit 1
fi
echo "Installing Debian's $* for $purpose…"
export DEBIAN_FRONTEND=noninteractive
# Package lists on a machine image can be old enough that their versions are gone from the mirror.
apt-get update -qq
apt-get install -y -qq --no-install-recommends "$@" >/dev/null
