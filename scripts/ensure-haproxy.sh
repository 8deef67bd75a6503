#!/usr/bin/env bash
# The reverse-proxy test drives Debian's packaged HAProxy (the version a hospital's Debian server would
# run), so the example in deploy/haproxy.cfg is proven against it. Debian's packaged service starts with
# a configuration that listens nowhere; the test runs its own process on a free loopback port.
set -euo pipefail
command -v haproxy >/dev/null 2>&1 && exit 0
bash "$(dirname "$0")/apt-install.sh" "the reverse-proxy test" haproxy
haproxy -v | head -1
