#!/usr/bin/env bash
# Installs Debian's `postgresql` package when no /usr/lib/postgresql/*/bin/initdb exists (the
# import tests start a private server from those binaries). Idempotent; needs root or sudo.
set -euo pipefail

if compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null; then
  exit 0
fi
sudo=""
[[ "$(id -u)" == 0 ]] || sudo="sudo"
echo "installing PostgreSQL (Debian's postgresql package) for the import tests"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends postgresql >/dev/null
# The package starts a system cluster; the tests never use it.
if command -v pg_lsclusters >/dev/null; then
  pg_lsclusters --no-header 2>/dev/null | while read -r version cluster _; do
    $sudo pg_ctlcluster "$version" "$cluster" stop 2>/dev/null || true
  done
fi
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null
