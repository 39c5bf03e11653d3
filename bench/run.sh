#!/usr/bin/env bash
# The benchmark: builds the release binary; for each backend (SQLite, and a
# throwaway PostgreSQL 15 that this script starts and always stops) prepares
# databases of 10,000 and 1,000,000 matters, starts the server and drives it
# with wrk from another process; then writes bench/RESULTS.md with both
# backends side by side. Run from the repository root:
#   bash bench/run.sh                         (both backends, both sizes)
#   SIZES="10000" BACKENDS="postgres" bash bench/run.sh
# To keep databases between runs (10,000,000 matters take half an hour to
# make): KEEP_DIR=/some/dir keeps each database and its demo accounts there
# (PostgreSQL's: in a cluster you start, given as BENCH_PG_URL, never
# stopped or dropped by this script) and uses them again when present:
#   BENCH_PG_URL=postgres://postgres@127.0.0.1:5432/postgres KEEP_DIR=/data/bench \
#     SIZES=10000000 BACKENDS=postgres bash bench/run.sh
# Needs wrk (installed from Debian's packages when missing). PostgreSQL runs
# with the settings docs/PERFORMANCE.md advises (PG_SETTINGS below).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
SIZES=${SIZES:-"10000 1000000"}
BACKENDS=${BACKENDS:-"sqlite postgres"}
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-2}
RESULTS=${RESULTS:-$ROOT/bench/RESULTS.md}
KEEP_DIR=${KEEP_DIR:-}
BENCH_PG_URL=${BENCH_PG_URL:-}
# docs/PERFORMANCE.md, "PostgreSQL": what a district's server should have.
PG_SETTINGS=${PG_SETTINGS:-"-c shared_buffers=2GB -c effective_cache_size=8GB -c work_mem=16MB -c maintenance_work_mem=512MB -c max_wal_size=8GB -c random_page_cost=1.1 -c shared_preload_libraries=pg_stat_statements"}
WORK=$(mktemp -d /tmp/shishi-bench.XXXXXX)
PG_DIR=""
cleanup() {
  kill "$(cat "$WORK"/pid 2>/dev/null)" 2>/dev/null || true
  [ -n "$PG_DIR" ] && scripts/pg-throwaway.sh stop "$PG_DIR"
  rm -rf "$WORK"
}
trap cleanup EXIT

command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; }
cargo build --release -q
BIN=$ROOT/target/release/shishi
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
BASE=http://127.0.0.1:$PORT
TSV=$WORK/results.tsv   # backend, size, scenario, req/s, p50, p99, errors
NOTES=$WORK/notes.tsv   # backend, size, note
: > "$TSV"; : > "$NOTES"
FAILED=""

for BACKEND in $BACKENDS; do
  if [ "$BACKEND" = postgres ] && [ -n "$BENCH_PG_URL" ]; then
    PG_URL=$BENCH_PG_URL
  elif [ "$BACKEND" = postgres ]; then
    eval "$(PG_OPTS="$PG_SETTINGS" scripts/pg-throwaway.sh)"
  fi
  if [ "$BACKEND" = postgres ]; then
    "$PGBIN/psql" -X -q -d "${PG_URL%/postgres}/template1" -c "CREATE EXTENSION IF NOT EXISTS pg_stat_statements"
  fi
  for SIZE in $SIZES; do
    DEMO=${KEEP_DIR:-$WORK}/demo-$BACKEND-$SIZE.txt
    if [ "$BACKEND" = postgres ]; then
      DB=${PG_URL%/postgres}/bench_$SIZE
    else
      DB=${KEEP_DIR:-$WORK}/bench-$SIZE.db
    fi
    note() { printf '%s\t%s\t%s\n' "$BACKEND" "$SIZE" "$1" >> "$NOTES"; echo "$1"; }
    if [ -n "$KEEP_DIR" ] && [ -s "$DEMO" ]; then
      note "Database kept from an earlier run ($(python3 bench/sample.py "$DB" count) matters)."
    else
      if [ "$BACKEND" = postgres ]; then
        "$PGBIN/psql" -X -q -d "$PG_URL" -c "DROP DATABASE IF EXISTS bench_$SIZE" -c "CREATE DATABASE bench_$SIZE"
      else
        rm -f "$DB"
      fi
      EXTRA=$((SIZE > 3564 ? SIZE - 3564 : 1))
      GEN_START=$(date +%s.%N)
      "$BIN" --database-url "$DB" demo --matters "$EXTRA" > "$DEMO.part"
      mv "$DEMO.part" "$DEMO"
      GEN_SECONDS=$(python3 -c "import time; print(round(time.time() - $GEN_START, 1))")
      if [ "$BACKEND" = postgres ]; then
        # Written out before the timing: otherwise the first scenarios run
        # under the checkpoint of the load (2 GB at 1,000,000, ~4.5 min).
        "$PGBIN/psql" -X -q -d "$DB" -c "CHECKPOINT"
        DB_SIZE=$(python3 bench/sample.py "$DB" "size")
      else
        DB_SIZE=$(du -sh "$DB" | cut -f1)
      fi
      note "Database prepared in $GEN_SECONDS s ($DB_SIZE)."
    fi
    PW=$(awk '$1 == "dispatcher" { print $NF }' "$DEMO")

    # As the README advises for production: two glibc malloc arenas.
    MALLOC_ARENA_MAX=2 SHISHI_SUBMIT_BURST=1000000000 SHISHI_SUBMIT_PER_HOUR=1000000000 \
      "$BIN" --database-url "$DB" serve --bind "127.0.0.1:$PORT" > "$WORK/server-$BACKEND-$SIZE.log" 2>&1 &
    echo $! > "$WORK/pid"
    for _ in $(seq 100); do curl -sf "$BASE/healthz" >/dev/null && break; sleep 0.1; done

    # A logged-in dispatcher, and a citizen's CSRF cookie and token.
    JAR=$WORK/jar-$BACKEND-$SIZE
    TOKEN=$(curl -s -c "$JAR" "$BASE/staff/login" | grep -o 'name="csrf_token" value="[^"]*"' | sed 's/.*value="//;s/"//')
    curl -s -b "$JAR" -c "$JAR" -o /dev/null "$BASE/staff/login" --data "csrf_token=$TOKEN&username=dispatcher&password=$PW"
    export BENCH_COOKIE
    BENCH_COOKIE=$(awk '$6 ~ /^shishi_/ { printf "%s=%s; ", $6, $7 }' "$JAR")
    # And a town's staff (桂城街道: the town and its communities).
    UPW=$(awk '$1 == "unit" { print $NF }' "$DEMO")
    UJAR=$WORK/ujar-$BACKEND-$SIZE
    UTOKEN=$(curl -s -c "$UJAR" "$BASE/staff/login" | grep -o 'name="csrf_token" value="[^"]*"' | sed 's/.*value="//;s/"//')
    curl -s -b "$UJAR" -c "$UJAR" -o /dev/null "$BASE/staff/login" --data "csrf_token=$UTOKEN&username=unit-gc&password=$UPW"
    UNIT_COOKIE=$(awk '$6 ~ /^shishi_/ { printf "%s=%s; ", $6, $7 }' "$UJAR")
    # The first count of the dashboard's figures (started in the background
    # when the server starts; this request waits for it), before the timing.
    COUNT_START=$(date +%s.%N)
    curl -s -m 1800 -b "$JAR" -o /dev/null "$BASE/staff/dashboard"
    note "The dashboard's figures: first count waited for $(python3 -c "import time; print(round(time.time() - $COUNT_START, 1))") s after logging in."
    python3 bench/sample.py "$DB" "$WORK"
    export BENCH_CODES=$WORK/codes.txt BENCH_IDS=$WORK/ids.txt
    CJAR=$WORK/cjar-$BACKEND-$SIZE
    CTOKEN=$(curl -s -c "$CJAR" "$BASE/submit" | grep -o 'name="csrf_token" value="[^"]*"' | sed 's/.*value="//;s/"//')
    CCOOKIE=$(awk '$6 ~ /^shishi_csrf/ { printf "%s=%s", $6, $7 }' "$CJAR")
    BODY="csrf_token=$CTOKEN&$(cat "$WORK/form.txt")"
    CURSOR=$(cat "$WORK/cursor.txt")
    if [ "$BACKEND" = postgres ]; then
      "$PGBIN/psql" -X -q -d "$DB" -c "SELECT pg_stat_statements_reset()" >/dev/null
    fi

    scenario() {
      local name=$1; shift
      local out
      out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "$@" 2>&1)
      local rps p50 p99 errors
      rps=$(echo "$out" | awk '/Requests\/sec/ { print $2 }')
      p50=$(echo "$out" | awk '$1 == "50%" { print $2 }')
      p99=$(echo "$out" | awk '$1 == "99%" { print $2 }')
      errors=$(echo "$out" | awk '/Non-2xx|Socket errors/ { printf "%s ", $0 }')
      printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$BACKEND" "$SIZE" "$name" "$rps" "$p50" "$p99" "${errors:-0}" >> "$TSV"
      echo "$BACKEND $SIZE $name: $rps req/s, p50 $p50, p99 $p99 ${errors}"
      LAST_REQUESTS=$(echo "$out" | awk '/requests in/ { print $1 }')
      # Any error answer or socket error fails the run.
      if [ -n "$errors" ]; then FAILED="$FAILED
$BACKEND $SIZE $name: $errors"; fi
    }

    scenario "/healthz" "$BASE/healthz"
    scenario "status lookup /track/{code}" -s bench/codes.lua "$BASE/"
    BEFORE=$(python3 bench/sample.py "$DB" count)
    BENCH_COOKIE="$CCOOKIE" BENCH_BODY="$BODY" scenario "citizen submission (POST, 303)" -s bench/submit.lua "$BASE/submit"
    sleep 1  # answers still in flight when wrk stopped
    STORED=$(( $(python3 bench/sample.py "$DB" count) - BEFORE ))
    # Every completed request stored its matter; at most one per connection
    # more (sent, then cut off when wrk stopped). A 2xx that re-rendered the
    # form would store nothing and show here.
    if [ "$STORED" -lt "$LAST_REQUESTS" ] || [ "$STORED" -gt $((LAST_REQUESTS + CONNECTIONS)) ]; then
      FAILED="$FAILED
$BACKEND $SIZE submission: $LAST_REQUESTS requests completed, $STORED matters stored"
    fi
    note "Submissions: $LAST_REQUESTS requests completed, $STORED matters stored."
    # The inbox as each opens it: what is due first, in the states that
    # wait for them (the dispatcher: 待受理; a town: 已派单 and 办理中 of
    # the town and its communities).
    scenario "inbox as the dispatcher opens it (due first)" -s bench/staff.lua "$BASE/staff/matters"
    BENCH_COOKIE="$UNIT_COOKIE" scenario "inbox as a town's staff opens it (due first)" -s bench/staff.lua "$BASE/staff/matters"
    scenario "inbox, first page, town filter" -s bench/staff.lua "$BASE/staff/matters?state=closed&town=3&sort=newest"
    scenario "inbox, deep page (half-way down, by cursor)" -s bench/staff.lua "$BASE/staff/matters?state=&sort=newest&page=2&after=$CURSOR"
    # Free-text search in the inbox: a two-character word in one matter in
    # twelve (the demo's themes), and a caller's phone number (one matter).
    scenario "search: 路灯 (two characters)" -s bench/staff.lua "$BASE/staff/matters?state=&q=%E8%B7%AF%E7%81%AF"
    scenario "search: a caller's phone number" -s bench/staff.lua "$BASE/staff/matters?state=&q=$(cat "$WORK/phone.txt")"
    scenario "matter page" -s bench/matters.lua "$BASE/"
    scenario "dashboard" -s bench/staff.lua "$BASE/staff/dashboard"
    scenario "Open311 GET requests" "$BASE/open311/v2/requests.json"

    PEAK=$(awk '/VmHWM/ { print $2, $3 }' "/proc/$(cat "$WORK/pid")/status")
    note "Shishi's peak memory (VmHWM): $PEAK."
    if [ "$BACKEND" = postgres ]; then
      "$PGBIN/psql" -X -q -d "$DB" -A -F ' | ' -c "SELECT calls, round(mean_exec_time::numeric, 3) AS mean_ms, round(max_exec_time::numeric, 1) AS max_ms, left(regexp_replace(query, '\s+', ' ', 'g'), 110) AS query FROM pg_stat_statements ORDER BY total_exec_time DESC LIMIT 8" \
        > "$WORK/statements-$SIZE.txt" || true
    fi
    kill "$(cat "$WORK/pid")"; wait "$(cat "$WORK/pid")" 2>/dev/null || true
    if [ "$BACKEND" = postgres ] && [ -z "$KEEP_DIR" ]; then
      "$PGBIN/psql" -X -q -d "$PG_URL" -c "DROP DATABASE bench_$SIZE WITH (FORCE)"
    fi
  done
  if [ -n "$PG_DIR" ]; then scripts/pg-throwaway.sh stop "$PG_DIR"; PG_DIR=""; fi
done

python3 bench/report.py "$TSV" "$NOTES" "$WORK" "$(nproc)" "wrk -t$THREADS -c$CONNECTIONS -d$DURATION" "$PG_SETTINGS" > "$RESULTS"
echo "written: $RESULTS"
if [ -n "$FAILED" ]; then
  echo "FAILED:$FAILED" | tee -a "$RESULTS"
  exit 1
fi
