#!/usr/bin/env bash
# HTTP hot paths, measured in one run with wrk against a release build, on SQLite and on
# PostgreSQL, each printed as an absolute figure and as a ratio to `/healthz` on the same
# database in the same run (ratios travel between machines; absolute figures do not).
#
#   scripts/dev/bench-http.sh [seconds per measurement, default 10]
#   BENCH_DBS="postgres" scripts/dev/bench-http.sh   (one database only; default both)
#
# Measured per database:
#   healthz  GET /healthz                                        (2 threads, 32 connections)
#   lookup   GET /api/v1/referral-code-records/lookup?code=…      (authenticated, same load)
#   list20   GET /api/v1/referral-code-records?limit=20           (authenticated, 20 rows)
#   create   POST /api/v1/referral-code-records, a new mentor each (16 connections)
#   referral POST /api/referrals, a new customer each, attributed in turn to the codes of 100
#            members, in a program with three rules that fire on referral_created (a fixed
#            reward; a ctype 3 referral-count condition; a script condition) (16 connections).
#            Also printed: referral / create.
#   hotspot  the same, every referral credited to one member: the worst case, where every
#            rewarded referral waits for the one before it (the member's counts and caps are
#            decided one at a time, SQLite and PostgreSQL alike) and the member's live count
#            grows through the run.
#   All requests come from one IP, so the program's velocity limit is set to 10: the velocity
#   count stops at the limit (plus one), as it does for real traffic from many addresses; the
#   referrals past it are created held, through the same path. (A limit of 1,000,000, as an
#   earlier version of this script set, made each request count every referral of the run.)
# Rate limits are turned off for the run (VOUCH_RATE_LIMIT__*=0): they would measure the limiter.
# PostgreSQL is used when a server answers on 127.0.0.1:5432 (or BENCH_PG_URL names a server);
# each run uses a fresh database, dropped at the end. Installs wrk (Debian) when it is missing.
# Goals on SQLite on the 2-core dev machine (issue 8): lookup >= 0.5x healthz, list20 >= 0.12x,
# create >= 1500/s with p99 <= 100 ms. Issue 9: referral >= 0.5x create and >= 1000/s.
set -euo pipefail
cd "$(dirname "$0")/../.."
SECS=${1:-10}
PORT=${BENCH_PORT:-18090}
BASE="http://127.0.0.1:$PORT"
ADMIN="vadm_bench_$(date +%s)_$RANDOM"
PG_SERVER=${BENCH_PG_URL:-postgres://postgres@127.0.0.1:5432}

command -v wrk >/dev/null || { echo "bench: installing wrk" >&2; apt-get install -y -q wrk >/dev/null; }
command -v jq >/dev/null || { echo "bench: installing jq" >&2; apt-get install -y -q jq >/dev/null; }
cargo build --release -q
BIN=target/release/vouch

WORK=$(mktemp -d)
SERVER_PID=""
PG_DB=""
cleanup() {
  [[ -n $SERVER_PID ]] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
  [[ -n $PG_DB ]] && psql "$PG_SERVER/postgres" -q -c "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" >/dev/null 2>&1
  rm -rf "$WORK"
}
trap cleanup EXIT

start_server() { # DATABASE_URL
  VOUCH_DATABASE_URL="$1" VOUCH_DATA_DIR="$WORK/data" VOUCH_ADMIN_KEY="$ADMIN" VOUCH_BIND="127.0.0.1:$PORT" \
    VOUCH_PUBLIC_URL="$BASE" VOUCH_RATE_LIMIT__ORG_RPS=0 VOUCH_RATE_LIMIT__IP_RPS=0 RUST_LOG=warn \
    "$BIN" serve >"$WORK/server.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 100); do
    curl -fs "$BASE/healthz" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  cat "$WORK/server.log" >&2
  echo "bench: the server did not start" >&2
  exit 1
}

stop_server() {
  kill "$SERVER_PID" && wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=""
}

api() { # METHOD PATH BODY KEY
  curl -fsS -X "$1" "$BASE$2" -H "Authorization: Bearer $4" -H 'content-type: application/json' \
    ${3:+--data-binary "$3"}
}

# wrk_run NAME CONNECTIONS PATH [lua script]: prints "name rps p50_ms p99_ms errors".
wrk_run() {
  local name=$1 conns=$2 path=$3 script=${4:-} out
  local args=(-t2 -c"$conns" -d"${SECS}s" --latency -H "Authorization: Bearer $KEY")
  [[ -n $script ]] && args+=(-s "$script")
  out=$(wrk "${args[@]}" "$BASE$path")
  local rps p50 p99 errors
  rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
  p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
  errors=$(awk '/Non-2xx or 3xx responses:/ {print $5} /Socket errors:/ {print "sock"}' <<<"$out" | head -1)
  echo "$name $rps $(to_ms "$p50") $(to_ms "$p99") ${errors:-0}"
}

# to_ms 1.23ms|456.00us|1.02s -> milliseconds with two decimals.
to_ms() {
  awk -v v="$1" 'BEGIN {
    if (v ~ /us$/) { sub(/us$/, "", v); printf "%.2f", v / 1000 }
    else if (v ~ /ms$/) { sub(/ms$/, "", v); printf "%.2f", v }
    else if (v ~ /s$/) { sub(/s$/, "", v); printf "%.2f", v * 1000 }
    else { print "?" } }'
}

cat >"$WORK/create.lua" <<'EOF'
-- Each request gives a new mentor a generated code: no two requests collide. (wrk.format with
-- its own header table would drop the -H Authorization header, so the type goes in wrk.headers.)
counter = 0
function setup(thread)
  thread:set("prefix", tostring(math.random(1, 1e9)))
end
function init(args)
  wrk.headers["Content-Type"] = "application/json"
end
function request()
  counter = counter + 1
  return wrk.format("POST", nil, nil, string.format('{"mentor_id":"bench_%s_%d"}', prefix, counter))
end
EOF

cat >"$WORK/referral.lua" <<'EOF'
-- Each request brings a new customer (a new email, unique across runs: wrk's random numbers
-- repeat from run to run) with the code of one of MEMBERS members.
counter = 0
function setup(thread)
  thread:set("prefix", tostring(math.random(1, 1e9)))
end
function init(args)
  wrk.headers["Content-Type"] = "application/json"
end
function request()
  counter = counter + 1
  return wrk.format("POST", nil, nil, string.format(
    '{"referralCode":"BENCH-REF-%d","firstName":"Ann","email":"c%d_%s_%d@example.com","amount":25}',
    counter % MEMBERS, MEMBERS, prefix, counter))
end
EOF

# Program, three rules on referral_created (one a script condition) and 100 members with codes
# BENCH-REF-0 … BENCH-REF-99, for the referral measurements.
setup_referrals() {
  local program rule script pid first
  program=$(api POST /api/v1/programs \
    '{"name":"bench","title":"Bench","promocode":"BN-@ID@","velocity_limit":10}' "$KEY")
  pid=$(jq -r .id <<<"$program")
  script=$(api POST /api/v1/scripts \
    '{"name":"bench-cond","kind":"condition","source":"referral.email_domain == \"example.com\" && referrer.referral_count >= 0"}' "$KEY")
  api POST "/api/v1/programs/$pid/rules" \
    '{"name":"welcome","trigger":"referral_created","reward_kind":"fixed","amount":5}' "$KEY" >/dev/null
  rule=$(api POST "/api/v1/programs/$pid/rules" \
    '{"name":"tenth","trigger":"referral_created","reward_kind":"fixed","amount":50}' "$KEY")
  api POST "/api/v1/rules/$(jq -r .id <<<"$rule")/conditions" \
    '{"ctype":3,"comparison":"eq","referral_count":10}' "$KEY" >/dev/null
  rule=$(api POST "/api/v1/programs/$pid/rules" \
    '{"name":"scripted","trigger":"referral_created","reward_kind":"percent","amount":"10"}' "$KEY")
  api POST "/api/v1/rules/$(jq -r .id <<<"$rule")/conditions" \
    "{\"ctype\":5,\"script_id\":\"$(jq -r .id <<<"$script")\"}" "$KEY" >/dev/null
  for i in $(seq 0 99); do
    api POST /api/members \
      "{\"programId\":\"$pid\",\"firstName\":\"Bench\",\"email\":\"bench$i@example.org\",\"referralCode\":\"BENCH-REF-$i\"}" \
      "$KEY" >/dev/null
  done
  # One referral through the whole path first: it must be created.
  first=$(api POST /api/referrals '{"referralCode":"BENCH-REF-0","email":"first@example.com","amount":25}' "$KEY")
  [[ $(jq -r .referral.status <<<"$first") == Pending ]] || { echo "bench: referral not created: $first" >&2; exit 1; }
}

bench_db() { # LABEL DATABASE_URL
  local label=$1
  start_server "$2"
  local org
  org=$(api POST /api/v1/orgs '{"name":"Bench"}' "$ADMIN")
  KEY=$(jq -r .owner_key <<<"$org")
  for i in $(seq 1 25); do
    api POST /api/v1/referral-code-records "{\"mentor_id\":\"seed_$i\",\"code\":\"BENCH-$i\"}" "$KEY" >/dev/null
  done
  local rows
  rows=$(api GET "/api/v1/referral-code-records?limit=20" "" "$KEY" | jq '.data | length')
  [[ $rows == 20 ]] || { echo "bench: the list has $rows rows, expected 20" >&2; exit 1; }
  {
    wrk_run healthz 32 /healthz
    wrk_run lookup 32 "/api/v1/referral-code-records/lookup?code=bench-7"
    wrk_run list20 32 "/api/v1/referral-code-records?limit=20"
    wrk_run create 16 /api/v1/referral-code-records "$WORK/create.lua"
    setup_referrals
    sed 's/MEMBERS/100/g' "$WORK/referral.lua" >"$WORK/referral100.lua"
    sed 's/MEMBERS/1/g' "$WORK/referral.lua" >"$WORK/referral1.lua"
    wrk_run referral 16 /api/referrals "$WORK/referral100.lua"
    wrk_run hotspot 16 /api/referrals "$WORK/referral1.lua"
  } >"$WORK/$label.txt"
  local rewarded
  rewarded=$(api GET "/api/rewards?count=1" "" "$KEY" | jq .total)
  stop_server
  awk -v db="$label" '
    NR == 1 { base = $2 }
    $1 == "create" { create = $2 }
    { printf "%-10s %-8s %10.0f %8.2fx %9s %9s %s\n", db, $1, $2, $2 / base, $3, $4, ($5 == "0" ? "" : "errors: " $5) }
    $1 == "referral" || $1 == "hotspot" { printf "%-10s %s / create = %.2fx\n", db, $1, $2 / create }
  ' "$WORK/$label.txt"
  echo "$label: rewards created during the run: $rewarded"
}

echo "wrk ${SECS}s per line, 2 threads; 32 connections (create: 16); $(nproc) cores"
printf '%-10s %-8s %10s %9s %9s %9s\n' database path 'req/s' 'x healthz' 'p50 ms' 'p99 ms'
DBS=${BENCH_DBS:-sqlite postgres}
[[ " $DBS " == *" sqlite "* ]] && bench_db sqlite "sqlite://$WORK/bench.db?mode=rwc"
if [[ " $DBS " != *" postgres "* ]]; then
  :
elif psql "$PG_SERVER/postgres" -q -c 'select 1' >/dev/null 2>&1; then
  PG_DB="vouch_bench_$(date +%s)_$$"
  psql "$PG_SERVER/postgres" -q -c "CREATE DATABASE $PG_DB" >/dev/null
  bench_db postgres "$PG_SERVER/$PG_DB"
else
  echo "postgres   (no server at $PG_SERVER; skipped)"
fi
