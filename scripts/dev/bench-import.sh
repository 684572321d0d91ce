#!/usr/bin/env bash
# Employee import from Excel, measured in one run on a release build: generates an xlsx of N
# employees (default 100,000) with examples/gen_employees.rs, then imports it into a fresh org
# with `vouch import employees` (the same gate, reader and upsert as the API) on SQLite and on
# PostgreSQL, and prints the phases the command reports: parse (gate + calamine cell reader),
# validate (row checks, staff id and email lookups), write (multi-row inserts, codes, events,
# commit), total, rows per second, and total / parse.
#
#   scripts/dev/bench-import.sh [rows, default 100000]
#   BENCH_DBS="sqlite" scripts/dev/bench-import.sh   (one database only; default both)
#
# Each database is imported into twice: first every row is new (creates), then the same file
# again (every row an update). Goals (issue 10): total within 3x of parsing alone, and at least
# 20,000 rows/s on SQLite (the first import).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROWS=${1:-100000}
DBS=${BENCH_DBS:-"sqlite postgres"}
PG_SERVER=${BENCH_PG_URL:-postgres://postgres@127.0.0.1:5432}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/vouch-bench-import.XXXXXX")
PG_DB=""
cleanup() {
  [[ -z $PG_DB ]] || psql -w "$PG_SERVER/postgres" -q -c "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

echo "bench-import: building (release)" >&2
cargo build -q --release --bin vouch --example gen_employees
BIN=$PWD/target/release/vouch
FILE=$WORK/employees.xlsx
./target/release/examples/gen_employees "$ROWS" "$FILE" >&2
echo "bench-import: $(du -h "$FILE" | cut -f1) file, $ROWS rows; $(nproc) cores" >&2

run() {
  local name=$1 url=$2 org line
  export VOUCH_DATA_DIR=$WORK/$name VOUCH_DATABASE_URL=$url RUST_LOG=warn
  mkdir -p "$VOUCH_DATA_DIR"
  org=$(cd "$WORK" && "$BIN" org create --name "Bench $name" | sed -n 's/^org_id: //p')
  for pass in create update; do
    line=$(cd "$WORK" && "$BIN" import employees "$FILE" --org "$org" 2>/dev/null | grep '^rows:')
    # rows: N; parse P s, validate V s, write W s, total T s (R rows/s)
    echo "$line" | awk -v db="$name" -v pass="$pass" '{
      gsub(/[;,()]/, " ");
      for (i = 1; i <= NF; i++) {
        if ($i == "parse") p = $(i+1); if ($i == "validate") v = $(i+1);
        if ($i == "write") w = $(i+1); if ($i == "total") t = $(i+1);
        if ($i == "rows/s") r = $(i-1);
      }
      printf "%-9s %-7s parse %7.3f s  validate %7.3f s  write %7.3f s  total %7.3f s  %8.0f rows/s  total/parse %5.2fx\n", db, pass, p, v, w, t, r, t / p
    }'
  done
}

for db in $DBS; do
  case $db in
    sqlite) run sqlite "sqlite://$WORK/sqlite/vouch.db?mode=rwc" ;;
    postgres)
      if pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
        PG_DB="vouch_bench_import_$$"
        psql -w "$PG_SERVER/postgres" -q -c "CREATE DATABASE $PG_DB" >/dev/null
        run postgres "$PG_SERVER/$PG_DB"
      else
        echo "postgres  skipped (nothing answers on 127.0.0.1:5432)"
      fi
      ;;
  esac
done
