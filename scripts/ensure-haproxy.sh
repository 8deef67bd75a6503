#!/usr/bin/env bash
# The reverse-proxy test drives Debian's packaged HAProxy (the version a hospital's Debian server would
# run), so the example in docs/haproxy.cfg is proven against it. Installs it with apt-get when missing;
# needs root, as on CI and the development machines.
set -euo pipefail
if command -v haproxy >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "The reverse-proxy test needs Debian's haproxy: run 'sudo apt-get install haproxy'." >&2
  exit 1
fi
echo "Installing Debian's haproxy for the reverse-proxy test…"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# Debian's packaged service starts with a configuration that listens nowhere; the test runs its own
# process with its own configuration on a free loopback port.
apt-get install -y -qq --no-install-recommends haproxy >/dev/null
haproxy -v | head -1
