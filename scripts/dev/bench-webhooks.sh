#!/usr/bin/env bash
# Webhook deliveries per second, from the worker to a receiver on loopback, measured in one run
# on a release build, on SQLite and on PostgreSQL.
#
#   scripts/dev/bench-webhooks.sh [deliveries, default 10000]
#   BENCH_DBS="sqlite" scripts/dev/bench-webhooks.sh   (one database only; default both)
#
# Per database: a fresh server (VOUCH_WEBHOOK_ALLOW_PRIVATE=true, so it may post to loopback),
# one org subscribed to MemberAdd at examples/webhook_receiver.rs, which verifies every
# signature (as a tenant's receiver would) and exits after N distinct deliveries; then an
# upload of N employees (examples/gen_employees.rs), which records N MemberAdd events, and so N
# deliveries, in one transaction. Printed: the receiver's count, the time from the first
# delivery to the N-th and the rate, and how many signatures it refused (must be 0).
# One org is the worst case for the rate: the worker gives an org at most 4 sends at once
# (`webhooks::worker::PER_ORG`), so that one org's slow endpoint cannot take every slot.
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${1:-10000}
DBS=${BENCH_DBS:-"sqlite postgres"}
PORT=${BENCH_PORT:-18091}
RPORT=${BENCH_RECEIVER_PORT:-18092}
BASE="http://127.0.0.1:$PORT"
ADMIN="vadm_bench_$(date +%s)_$RANDOM"
PG_SERVER=${BENCH_PG_URL:-postgres://postgres@127.0.0.1:5432}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/vouch-bench-webhooks.XXXXXX")
SERVER_PID="" RECEIVER_PID="" PG_DB=""
cleanup() {
  [[ -z $SERVER_PID ]] || kill "$SERVER_PID" 2>/dev/null || true
  [[ -z $RECEIVER_PID ]] || kill "$RECEIVER_PID" 2>/dev/null || true
  wait 2>/dev/null || true
  [[ -z $PG_DB ]] || psql -w "$PG_SERVER/postgres" -q -c "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT
command -v jq >/dev/null || { echo "bench: installing jq" >&2; apt-get install -y -q jq >/dev/null; }

echo "bench-webhooks: building (release)" >&2
cargo build -q --release --bin vouch --example gen_employees --example webhook_receiver
BIN=$PWD/target/release/vouch
FILE=$WORK/employees.xlsx
./target/release/examples/gen_employees "$N" "$FILE" >&2

api() { # METHOD PATH BODY KEY
  curl -fsS -X "$1" "$BASE$2" -H "Authorization: Bearer $4" -H 'content-type: application/json' \
    ${3:+--data-binary "$3"}
}

run() { # NAME DATABASE_URL
  local name=$1 url=$2 key secret line
  mkdir -p "$WORK/$name"
  VOUCH_DATABASE_URL="$url" VOUCH_DATA_DIR="$WORK/$name" VOUCH_ADMIN_KEY="$ADMIN" \
    VOUCH_BIND="127.0.0.1:$PORT" VOUCH_PUBLIC_URL="$BASE" VOUCH_WEBHOOK_ALLOW_PRIVATE=true \
    VOUCH_RATE_LIMIT__ORG_RPS=0 VOUCH_RATE_LIMIT__IP_RPS=0 RUST_LOG=warn \
    "$BIN" serve >"$WORK/$name/server.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 100); do curl -fs "$BASE/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
  key=$(api POST /api/v1/orgs "{\"name\":\"Bench $name\"}" "$ADMIN" | jq -r .owner_key)
  secret=$(api POST /api/hooks "{\"target_url\":\"http://127.0.0.1:$RPORT/hooks\",\"event\":\"MemberAdd\"}" "$key" | jq -r .secret)
  WEBHOOK_SECRET=$secret ./target/release/examples/webhook_receiver "127.0.0.1:$RPORT" "$N" \
    >"$WORK/$name/receiver.out" 2>"$WORK/$name/receiver.log" &
  RECEIVER_PID=$!
  sleep 0.3
  curl -fsS -X POST "$BASE/api/v1/employees/upload" -H "Authorization: Bearer $key" \
    -F "file=@$FILE" >"$WORK/$name/upload.json"
  if ! timeout 900 tail --pid="$RECEIVER_PID" -f /dev/null; then
    echo "bench-webhooks: $name: the receiver did not get $N deliveries in 15 min" >&2
    exit 1
  fi
  RECEIVER_PID=""
  line=$(cat "$WORK/$name/receiver.out")
  printf '%-10s %s; %s cores\n' "$name" "$line" "$(nproc)"
  kill "$SERVER_PID" 2>/dev/null; wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=""
}

for db in $DBS; do
  case $db in
    sqlite) run sqlite "sqlite://$WORK/sqlite/vouch.db?mode=rwc" ;;
    postgres)
      if psql -w "$PG_SERVER/postgres" -q -c 'select 1' >/dev/null 2>&1; then
        PG_DB="vouch_bench_wh_$(date +%s)_$$"
        psql -w "$PG_SERVER/postgres" -q -c "CREATE DATABASE $PG_DB" >/dev/null
        run postgres "$PG_SERVER/$PG_DB"
      else
        echo "bench-webhooks: no PostgreSQL at $PG_SERVER; skipped" >&2
      fi ;;
  esac
done
