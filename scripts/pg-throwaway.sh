#!/usr/bin/env bash
# Starts a throwaway PostgreSQL 15 server in a temp dir on a free local port
# and prints its URL. Stop it with: scripts/pg-throwaway.sh stop DIR
# Used by .ci/run and the benchmark; handy by hand too. PG_OPTS adds server
# options (e.g. "-c ssl=on -c ssl_cert_file=...").
set -euo pipefail

PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}

as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

if [ "${1:-}" = stop ]; then
  dir=$2
  as_pg "$PGBIN/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$dir"
  exit 0
fi

if [ ! -x "$PGBIN/initdb" ]; then
  echo "PostgreSQL server binaries not found in $PGBIN; installing postgresql-15" >&2
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15) >&2
fi

dir=$(mktemp -d /tmp/shishi-pg.XXXXXX)
chmod 755 "$dir"
if [ "$(id -u)" = 0 ]; then chown postgres "$dir"; fi
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
as_pg "$PGBIN/initdb" -D "$dir/data" -A trust -U postgres -E UTF8 --locale=C.UTF-8 >/dev/null
as_pg "$PGBIN/pg_ctl" -D "$dir/data" -w -l "$dir/log" \
  -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=on -c max_connections=300 ${PG_OPTS:-}" start >/dev/null
echo "PG_DIR=$dir"
echo "PG_URL=postgres://postgres@127.0.0.1:$port/postgres"
