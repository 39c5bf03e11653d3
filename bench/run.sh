#!/usr/bin/env bash
# The benchmark: builds the release binary, prepares databases of 10,000 and
# 1,000,000 matters, starts the server and drives it with wrk from another
# process, then writes bench/RESULTS.md. Run from the repository root:
#   bash bench/run.sh            (both sizes)
#   SIZES="10000" bash bench/run.sh
# Needs wrk (installed from Debian's packages when missing).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
SIZES=${SIZES:-"10000 1000000"}
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-2}
WORK=$(mktemp -d /tmp/shishi-bench.XXXXXX)
trap 'kill $(cat "$WORK"/pid 2>/dev/null) 2>/dev/null || true' EXIT

command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; }
cargo build --release -q
BIN=$ROOT/target/release/shishi
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
BASE=http://127.0.0.1:$PORT

RESULTS=$ROOT/bench/RESULTS.md
{
  echo "# Benchmark results"
  echo
  echo "Run $(date -u +%Y-%m-%dT%H:%MZ) on $(nproc) cores; wrk -t$THREADS -c$CONNECTIONS -d$DURATION against the release build on SQLite."
  echo "Peak memory is the server's VmHWM after each size's whole run. The server runs with MALLOC_ARENA_MAX=2, as the README advises."
  echo
} > "$RESULTS"

FAILED=""
for SIZE in $SIZES; do
  DB=$WORK/bench-$SIZE.db
  EXTRA=$((SIZE > 3564 ? SIZE - 3564 : 1))
  GEN_START=$(date +%s.%N)
  "$BIN" --database-url "$DB" demo --matters "$EXTRA" > "$WORK/demo-$SIZE.txt"
  GEN_SECONDS=$(python3 -c "import time; print(round(time.time() - $GEN_START, 1))")
  PW=$(awk '$1 == "dispatcher" { print $NF }' "$WORK/demo-$SIZE.txt")

  # As the README advises for production: two glibc malloc arenas.
  MALLOC_ARENA_MAX=2 SHISHI_SUBMIT_BURST=1000000000 SHISHI_SUBMIT_PER_HOUR=1000000000 \
    "$BIN" --database-url "$DB" serve --bind "127.0.0.1:$PORT" > "$WORK/server-$SIZE.log" 2>&1 &
  echo $! > "$WORK/pid"
  for _ in $(seq 100); do curl -sf "$BASE/healthz" >/dev/null && break; sleep 0.1; done
  sleep 5  # the first count of the dashboard's figures, in the background

  # A logged-in dispatcher, and a citizen's CSRF cookie and token.
  JAR=$WORK/jar-$SIZE
  TOKEN=$(curl -s -c "$JAR" "$BASE/staff/login" | grep -o 'name="csrf_token" value="[^"]*"' | sed 's/.*value="//;s/"//')
  curl -s -b "$JAR" -c "$JAR" -o /dev/null "$BASE/staff/login" --data "csrf_token=$TOKEN&username=dispatcher&password=$PW"
  export BENCH_COOKIE
  BENCH_COOKIE=$(awk '$6 ~ /^shishi_/ { printf "%s=%s; ", $6, $7 }' "$JAR")
  python3 - "$DB" "$WORK" <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1]); w = sys.argv[2]
codes = [r[0] for r in c.execute("SELECT code FROM matters WHERE channel = 'online' ORDER BY random() LIMIT 5000")]
ids = [str(r[0]) for r in c.execute("SELECT id FROM matters ORDER BY random() LIMIT 5000")]
open(f"{w}/codes.txt", "w").write("\n".join(codes) + "\n")
open(f"{w}/ids.txt", "w").write("\n".join(ids) + "\n")
cat = c.execute("SELECT id FROM categories WHERE code = 'municipal'").fetchone()[0]
place = c.execute("SELECT id FROM units WHERE code = 'GC-XB'").fetchone()[0]
# A cursor half-way down the whole list, newest first: the deep page.
t, mid = c.execute("SELECT created_at, id FROM matters ORDER BY created_at DESC, id DESC LIMIT 1 OFFSET ?", (c.execute("SELECT count(*) FROM matters").fetchone()[0] // 2,)).fetchone()
import calendar, datetime
whole, _, frac = t.partition(".")
secs = calendar.timegm(datetime.datetime.strptime(whole, "%Y-%m-%d %H:%M:%S").timetuple())
open(f"{w}/cursor.txt", "w").write(f"{secs * 10**9 + int((frac + '000000000')[:9])}.{mid}")
open(f"{w}/form.txt", "w").write(f"category={cat}&title=bench+title+here&description=a+benchmark+submission+of+a+livelihood+request&place={place}&address=bench+road+1&phone=13812345678&consent=yes")
PY
  export BENCH_CODES=$WORK/codes.txt BENCH_IDS=$WORK/ids.txt
  CTOKEN=$(curl -s -c "$WORK/cjar" "$BASE/submit" | grep -o 'name="csrf_token" value="[^"]*"' | sed 's/.*value="//;s/"//')
  CCOOKIE=$(awk '$6 ~ /^shishi_csrf/ { printf "%s=%s", $6, $7 }' "$WORK/cjar")
  BODY="csrf_token=$CTOKEN&$(cat "$WORK/form.txt")"
  CURSOR=$(cat "$WORK/cursor.txt")

  {
    echo "## $SIZE matters"
    echo
    echo "Database prepared in $GEN_SECONDS s."
    echo
    echo "| scenario | requests/s | median | p99 | errors |"
    echo "|---|---|---|---|---|"
  } >> "$RESULTS"

  scenario() {
    local name=$1; shift
    local out
    out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "$@" 2>&1)
    local rps p50 p99 errors
    rps=$(echo "$out" | awk '/Requests\/sec/ { print $2 }')
    p50=$(echo "$out" | awk '$1 == "50%" { print $2 }')
    p99=$(echo "$out" | awk '$1 == "99%" { print $2 }')
    errors=$(echo "$out" | awk '/Non-2xx|Socket errors/ { printf "%s ", $0 }')
    echo "| $name | $rps | $p50 | $p99 | ${errors:-0} |" >> "$RESULTS"
    echo "$name: $rps req/s, p50 $p50, p99 $p99 ${errors}"
    LAST_RPS=$rps
    LAST_REQUESTS=$(echo "$out" | awk '/requests in/ { print $1 }')
    # Any error answer or socket error fails the run.
    if [ -n "$errors" ]; then FAILED="$FAILED
$SIZE $name: $errors"; fi
  }
  matters() { python3 -c "import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute('SELECT count(*) FROM matters').fetchone()[0])" "$DB"; }

  scenario "/healthz" "$BASE/healthz"
  HEALTHZ=$LAST_RPS
  scenario "status lookup /track/{code}" -s bench/codes.lua "$BASE/"
  TRACK=$LAST_RPS
  BEFORE=$(matters)
  BENCH_COOKIE="$CCOOKIE" BENCH_BODY="$BODY" scenario "citizen submission (POST, 303)" -s bench/submit.lua "$BASE/submit"
  SUBMIT=$LAST_RPS
  sleep 1  # answers still in flight when wrk stopped
  STORED=$(( $(matters) - BEFORE ))
  # Every completed request stored its matter; at most one per connection
  # more (sent, then cut off when wrk stopped). A 2xx that re-rendered the
  # form would store nothing and show here.
  if [ "$STORED" -lt "$LAST_REQUESTS" ] || [ "$STORED" -gt $((LAST_REQUESTS + CONNECTIONS)) ]; then
    FAILED="$FAILED
$SIZE submission: $LAST_REQUESTS requests completed, $STORED matters stored"
  fi
  SUBMIT_CHECK="Submissions: $LAST_REQUESTS requests completed, $STORED matters stored."
  echo "$SUBMIT_CHECK"
  scenario "inbox, first page, town filter" -s bench/staff.lua "$BASE/staff/matters?state=closed&town=3"
  scenario "inbox, deep page (half-way down, by cursor)" -s bench/staff.lua "$BASE/staff/matters?state=&page=2&after=$CURSOR"
  scenario "matter page" -s bench/matters.lua "$BASE/"
  scenario "dashboard" -s bench/staff.lua "$BASE/staff/dashboard"
  scenario "Open311 GET requests" "$BASE/open311/v2/requests.json"

  PEAK=$(awk '/VmHWM/ { print $2, $3 }' "/proc/$(cat "$WORK/pid")/status")
  SPLIT=$(awk '/RssAnon|RssFile|RssShmem/ { printf "%s %s %s, ", $1, $2, $3 }' "/proc/$(cat "$WORK/pid")/status")
  echo >> "$RESULTS"
  echo "Server peak memory (VmHWM): $PEAK. At the end: ${SPLIT%, }." >> "$RESULTS"
  echo "$SUBMIT_CHECK" >> "$RESULTS"
  python3 -c "print(f'Status lookup at {100*$TRACK/$HEALTHZ:.1f} % of /healthz (target 50 %); submission at {100*$SUBMIT/$HEALTHZ:.1f} % (target 20 %).')" >> "$RESULTS"
  echo >> "$RESULTS"
  kill "$(cat "$WORK/pid")"; wait "$(cat "$WORK/pid")" 2>/dev/null || true
done
rm -rf "$WORK"
echo "written: bench/RESULTS.md"
if [ -n "$FAILED" ]; then
  echo "FAILED:$FAILED" | tee -a "$RESULTS"
  exit 1
fi
