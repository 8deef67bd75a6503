#!/usr/bin/env bash
# The PostgreSQL tests (TEST_DB=postgres, issue 19) run Debian's packaged server as a throwaway cluster
# of their own (initdb + pg_ctl on a free loopback port, test/helpers/pg-cluster.ts). Installs it with
# apt-get when missing; needs root, as on CI and the development machines. The tests never use the
# cluster Debian's package may set up as a service.
set -euo pipefail
if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  exit 0
fi
bash "$(dirname "$0")/apt-install.sh" "the PostgreSQL tests" postgresql
# Where no systemd runs, the package may have started its own service cluster on port 5432 just now;
# nothing here uses it, so it is stopped rather than left running. (A PostgreSQL that was already
# installed is left alone: the script returned above.)
if command -v pg_lsclusters >/dev/null 2>&1; then
  pg_lsclusters --no-header 2>/dev/null | awk '$4 == "online" { print $1, $2 }' | while read -r version cluster; do
    pg_ctlcluster "$version" "$cluster" stop || true
  done
fi
ls /usr/lib/postgresql/*/bin/initdb
