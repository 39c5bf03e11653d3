#!/usr/bin/env bash
# TLS to PostgreSQL with the libpq compiled into shishi: a throwaway server
# with ssl=on and a certificate this script makes; `shishi migrate` connects
# with sslmode=require and with verify-full (checking the certificate), is
# refused with verify-full against a certificate it does not trust, and the
# server's log shows the connections were encrypted.
# Usage: scripts/pg-tls-test.sh BIN
set -euo pipefail
BIN=$(realpath "$1")
cd "$(dirname "$0")/.."

work=$(mktemp -d /tmp/shishi-tls.XXXXXX)
chmod 755 "$work"
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=localhost" \
  -keyout "$work/server.key" -out "$work/server.crt" 2>/dev/null
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=localhost" \
  -keyout "$work/other.key" -out "$work/other.crt" 2>/dev/null
chmod 600 "$work/server.key"
if [ "$(id -u)" = 0 ]; then chown postgres "$work/server.key" "$work/server.crt"; fi

eval "$(PG_OPTS="-c ssl=on -c ssl_cert_file=$work/server.crt -c ssl_key_file=$work/server.key -c log_connections=on" scripts/pg-throwaway.sh)"
trap 'scripts/pg-throwaway.sh stop "$PG_DIR"; rm -rf "$work"' EXIT
port=${PG_URL##*:}; port=${port%%/*}
base="postgres://postgres@localhost:$port/postgres"

"$BIN" migrate --database-url "$base?sslmode=require" >/dev/null
echo "sslmode=require: migrated"
"$BIN" migrate --database-url "$base?sslmode=verify-full&sslrootcert=$work/server.crt" >/dev/null
echo "sslmode=verify-full with the server's certificate: connected"
if "$BIN" migrate --database-url "$base?sslmode=verify-full&sslrootcert=$work/other.crt" 2>"$work/refused"; then
  echo "verify-full accepted a certificate it should not trust" >&2; exit 1
fi
grep -q "certificate verify failed" "$work/refused"
echo "sslmode=verify-full with another certificate: refused ($(grep -o 'certificate verify failed' "$work/refused" | head -1))"
encrypted=$(grep -c "SSL enabled (protocol=TLS" "$PG_DIR/log" || true)
[ "$encrypted" -ge 2 ] || { echo "the server saw no encrypted connection" >&2; cat "$PG_DIR/log" >&2; exit 1; }
echo "server log: $encrypted encrypted connections, e.g. $(grep -o 'SSL enabled (protocol=[^,]*, cipher=[^,]*' "$PG_DIR/log" | head -1)"
