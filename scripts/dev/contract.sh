#!/usr/bin/env bash
# Contract harness: checks the committed spec (openapi/openapi.json) against the built server.
#
#   scripts/dev/contract.sh            (after `cargo build`; VOUCH_BIN=path picks another binary)
#
# 1. validates the spec (openapi-spec-validator);
# 2. generates a Python client from it (openapi-python-client) and fails on any generator warning
#    or on an operationId without a generated function; installs the client into the venv;
# 3. per database (SQLite always; PostgreSQL when VOUCH_TEST_DATABASE_URL is set or a server
#    answers on 127.0.0.1:5432, each run in a fresh database dropped at the end) starts
#    `vouch serve` on a free loopback port, creates an org and an analyst key, runs
#    tests/contract/journey.py through the generated client, then schemathesis over every
#    operation as the owner, as the analyst and without a key.
# It runs everything, prints one summary line per database and exits 1 if anything failed.
# Tools are pinned in tests/contract/requirements.txt and installed into target/contract-venv
# (reused while the pins are unchanged). Logs: target/contract-logs/.
#
# Knobs: VOUCH_CONTRACT_MAX_EXAMPLES (fuzzing cases per operation, default 50),
#        VOUCH_CONTRACT_SPEC (another spec file, to try a fix before committing it),
#        VOUCH_CONTRACT_SEED (default 4004), VOUCH_CONTRACT_WORKERS (default 1: schemathesis
#        threads trip a CPython 3.11 bug, "AST constructor recursion depth mismatch").
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD

SPEC=${VOUCH_CONTRACT_SPEC:-openapi/openapi.json}
CONTRACT=tests/contract
VENV=target/contract-venv
LOGS=target/contract-logs
PY=$VENV/bin/python
MAX_EXAMPLES=${VOUCH_CONTRACT_MAX_EXAMPLES:-50}
SEED=${VOUCH_CONTRACT_SEED:-4004}
WORKERS=${VOUCH_CONTRACT_WORKERS:-1}
# Hypothesis keeps its caches here instead of ./.hypothesis.
export HYPOTHESIS_STORAGE_DIRECTORY=$ROOT/target/contract-hypothesis
CHECKS=not_a_server_error,response_schema_conformance,status_code_conformance,content_type_conformance

log() { echo "contract: $*"; }
die() { echo "contract: $*" >&2; exit 2; }

# --- the server binary -------------------------------------------------------------------------
BIN=${VOUCH_BIN:-target/debug/vouch}
if [[ ! -x $BIN && -z ${VOUCH_BIN:-} && -x target/release/vouch ]]; then
  BIN=target/release/vouch
fi
[[ -x $BIN ]] || die "no server binary at $BIN (nor target/release/vouch); run 'cargo build' first"
BIN=$(realpath "$BIN")

start=$(date +%s)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/vouch-contract.XXXXXX")
SERVER_PIDS=()
PG_DROP=()
PG_ADMIN_URL=""
cleanup() {
  local pid db
  for pid in "${SERVER_PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  for db in "${PG_DROP[@]}"; do
    psql -w "$PG_ADMIN_URL" -q -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
  done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

rm -rf "$LOGS"
mkdir -p "$LOGS"

# --- the tools ---------------------------------------------------------------------------------
pins_installed() {
  [[ -x $PY ]] && "$PY" - "$CONTRACT/requirements.txt" <<'EOF'
import sys
from importlib.metadata import PackageNotFoundError, version
for line in open(sys.argv[1]):
    line = line.split("#")[0].strip()
    if line:
        name, _, pinned = line.partition("==")
        try:
            if version(name) != pinned:
                sys.exit(1)
        except PackageNotFoundError:
            sys.exit(1)
EOF
}
if ! pins_installed; then
  log "creating $VENV (pinned tools from $CONTRACT/requirements.txt)"
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  if ! PIP_NO_INPUT=1 "$VENV/bin/pip" install --disable-pip-version-check -q \
      -r "$CONTRACT/requirements.txt" >"$LOGS/pip.log" 2>&1; then
    tail -n 30 "$LOGS/pip.log" >&2
    die "pip install failed (log: $LOGS/pip.log)"
  fi
  pins_installed || die "the venv does not hold the pinned versions after pip install"
fi

FAILED=0

# --- 1. the spec -------------------------------------------------------------------------------
if "$VENV/bin/openapi-spec-validator" "$SPEC" >"$LOGS/spec-validate.log" 2>&1; then
  SPEC_STATUS="spec valid"
else
  SPEC_STATUS="SPEC INVALID"
  FAILED=1
  log "openapi-spec-validator rejects $SPEC:"
  tail -n 20 "$LOGS/spec-validate.log" | sed 's/^/  /'
fi

# --- 2. the generated client -------------------------------------------------------------------
GEN=$WORK/client
CLIENT_OK=1
CLIENT_PROBLEMS=()
gen_rc=0
"$VENV/bin/openapi-python-client" generate --path "$SPEC" --config "$CONTRACT/client-config.yaml" \
  --meta setup --output-path "$GEN" --overwrite >"$LOGS/client-generate.log" 2>&1 || gen_rc=$?
# A warning means the generator dropped or degraded part of the spec; it still exits 0.
if [[ $gen_rc -ne 0 ]] || grep -qiE 'warning|error|unable to|cannot|skipping|will not be generated' \
    "$LOGS/client-generate.log"; then
  CLIENT_OK=0
  CLIENT_PROBLEMS+=("generator warnings")
  log "openapi-python-client reported problems (exit $gen_rc; log: $LOGS/client-generate.log):"
  grep -vE '^\s*$' "$LOGS/client-generate.log" | grep -vE '^Generating ' | sed -n 1,30p | sed 's/^/  /'
fi
N_OPS=?
if [[ -d $GEN/vouch_client ]]; then
  if N_OPS=$("$PY" "$CONTRACT/harness.py" check-client "$SPEC" "$GEN/vouch_client" 2>"$LOGS/client-check.log"); then
    :
  else
    CLIENT_OK=0
    N_OPS=$(grep -oE 'of [0-9]+ operations' "$LOGS/client-check.log" | grep -oE '[0-9]+' || echo '?')
    CLIENT_PROBLEMS+=("$(grep -oE '^no generated function for [0-9]+ of [0-9]+ operations' "$LOGS/client-check.log" || echo 'operation check failed')")
    sed 's/^/  /' "$LOGS/client-check.log"
  fi
  if ! "$VENV/bin/pip" install --disable-pip-version-check -q --no-deps --no-build-isolation \
      --force-reinstall "$GEN" >"$LOGS/client-install.log" 2>&1; then
    CLIENT_OK=0
    CLIENT_PROBLEMS+=("pip install failed")
    log "installing the generated client failed:"
    tail -n 20 "$LOGS/client-install.log" | sed 's/^/  /'
  fi
else
  CLIENT_OK=0
  CLIENT_PROBLEMS+=("no package generated")
  log "no client package was generated"
fi
if [[ $CLIENT_OK -eq 1 ]]; then
  CLIENT_STATUS="client generated ($N_OPS operations)"
else
  CLIENT_STATUS="CLIENT GENERATION FAILED ($(IFS=';'; echo "${CLIENT_PROBLEMS[*]}" | sed 's/;/; /g'))"
  FAILED=1
fi

# --- 3. the server, per database ---------------------------------------------------------------
SUMMARIES=()

# run_db NAME DATABASE_URL
run_db() {
  local name=$1 db_url=$2
  local dir=$WORK/$name port base admin pid keys owner analyst org
  local ok=1 journey schemathesis="" role
  mkdir -p "$dir"
  port=$("$PY" "$CONTRACT/harness.py" free-port)
  base=http://127.0.0.1:$port
  admin=vadm_$("$PY" -c 'import secrets,string; a=string.ascii_letters+string.digits; print("".join(secrets.choice(a) for _ in range(40)))')
  [[ -n $db_url ]] || db_url="sqlite://$dir/vouch.db?mode=rwc"

  log "$name: starting $BIN serve on $base"
  # Run from the data dir so no vouch.toml of the checkout applies.
  (cd "$dir" && exec env -u VOUCH_CONFIG VOUCH_BIND="127.0.0.1:$port" VOUCH_DATA_DIR="$dir" \
    VOUCH_DATABASE_URL="$db_url" VOUCH_ADMIN_KEY="$admin" VOUCH_PUBLIC_URL="$base" RUST_LOG=warn \
    "$BIN" serve) >"$LOGS/server-$name.log" 2>&1 &
  pid=$!
  SERVER_PIDS+=("$pid")

  if ! "$PY" "$CONTRACT/harness.py" wait-healthy "$base" "$pid" 60; then
    SUMMARIES+=("contract $name: $SPEC_STATUS; $CLIENT_STATUS; SERVER DID NOT START (log: $LOGS/server-$name.log)")
    tail -n 30 "$LOGS/server-$name.log" | sed -e 's/\x1b\[[0-9;]*m//g' -e 's/^/  /'
    FAILED=1
    return 0
  fi
  if ! keys=$("$PY" "$CONTRACT/harness.py" bootstrap "$base" "$admin" 2>"$LOGS/bootstrap-$name.log"); then
    SUMMARIES+=("contract $name: $SPEC_STATUS; $CLIENT_STATUS; SETUP FAILED: $(tail -n 1 "$LOGS/bootstrap-$name.log")")
    FAILED=1
    return 0
  fi
  read -r owner analyst org <<<"$keys"
  log "$name: org $org, owner and analyst keys created"

  # The journey, through the generated client.
  : >"$LOGS/journey-$name.log"
  if [[ -d $GEN/vouch_client ]] && "$PY" "$CONTRACT/journey.py" "$base" "$owner" >"$LOGS/journey-$name.log" 2>&1; then
    journey="journey ok ($(grep -c '^ok ' "$LOGS/journey-$name.log") steps)"
  else
    ok=0
    journey="JOURNEY FAILED at step $(( $(grep -c '^ok ' "$LOGS/journey-$name.log" 2>/dev/null || true) + 1 ))"
  fi
  sed "s/^/  $name journey: /" "$LOGS/journey-$name.log" 2>/dev/null | tail -n 15 || true

  # schemathesis, once per role; the owner last, since its run changes data (it may revoke the
  # analyst key, whose id it finds in GET /api/v1/api-keys).
  for role in analyst anonymous owner; do
    local auth=() report=$LOGS/schemathesis-$name-$role counts rc=0
    case $role in
      owner) auth=(-H "Authorization: Bearer $owner") ;;
      analyst) auth=(-H "Authorization: Bearer $analyst") ;;
      anonymous) auth=(--generation-with-security-parameters false) ;;
    esac
    log "$name: schemathesis as $role"
    timeout 900 "$VENV/bin/schemathesis" --no-color --config-file "$CONTRACT/schemathesis.toml" \
      run "$SPEC" --url "$base" \
      --checks "$CHECKS" --phases coverage,fuzzing \
      --max-examples "$MAX_EXAMPLES" --seed "$SEED" --generation-database none \
      --workers "$WORKERS" --request-timeout 30 --no-shrink --continue-on-failure \
      --report junit --report-junit-path "$report.xml" \
      "${auth[@]}" >"$report.log" 2>&1 || rc=$?
    if [[ -s $report.xml ]] && counts=$("$PY" "$CONTRACT/harness.py" schemathesis-summary "$report.xml" "$report.excerpt" 2>>"$report.log"); then
      [[ $counts == *" 0 failed" && $rc -eq 0 ]] || ok=0
      [[ $rc -eq 0 || -s $report.excerpt ]] || counts="$counts, exit $rc"
    else
      ok=0
      counts="DID NOT RUN (exit $rc; log: $report.log)"
      tail -n 15 "$report.log" | sed "s/^/  /"
    fi
    schemathesis+="${schemathesis:+; }$role: $counts"
  done

  local server="server ok" panics
  if ! kill -0 "$pid" 2>/dev/null; then
    ok=0
    server="SERVER DIED during the run"
  fi
  panics=$(grep -c 'panicked at' "$LOGS/server-$name.log" || true)
  if [[ $panics -gt 0 ]]; then
    ok=0
    server="SERVER PANICKED $panics times"
  fi
  local line="contract $name: $SPEC_STATUS; $CLIENT_STATUS; $journey; schemathesis $schemathesis; $server"
  SUMMARIES+=("$line")
  if [[ $ok -eq 0 ]]; then
    FAILED=1
    local cats=$LOGS/schemathesis-$name-categories.txt n
    n=$("$PY" "$CONTRACT/harness.py" schemathesis-categories "$cats" "$SPEC" \
      "$LOGS"/schemathesis-"$name"-{analyst,anonymous,owner}.xml 2>/dev/null || echo 0)
    if [[ $n -gt 0 ]]; then
      echo "contract: $name: $n kinds of schemathesis failure (all: $cats; per run: $LOGS/schemathesis-$name-<role>.log):"
      grep '^\* ' "$cats" | sed -n 1,25p | cut -c1-220 | sed 's/^/  /'
      [[ $n -le 25 ]] || echo "  … $((n - 25)) more in $cats"
    fi
    echo "contract: $name: server log, distinct panics and errors ($LOGS/server-$name.log):"
    "$PY" "$CONTRACT/harness.py" server-log-summary "$LOGS/server-$name.log" | sed -n 1,20p | cut -c1-300 | sed 's/^/  /' || true
  fi
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

run_db sqlite ""

if [[ -n ${VOUCH_TEST_DATABASE_URL:-} ]]; then
  PG_ADMIN_URL=$VOUCH_TEST_DATABASE_URL
elif command -v pg_isready >/dev/null && pg_isready -h 127.0.0.1 -p 5432 -q; then
  PG_ADMIN_URL=postgres://postgres@127.0.0.1:5432/postgres
fi
if [[ -n $PG_ADMIN_URL ]]; then
  pg_db="vouch_contract_$(date +%s)_$$"
  if psql -w "$PG_ADMIN_URL" -v ON_ERROR_STOP=1 -q -c "CREATE DATABASE $pg_db" >"$LOGS/postgres-create.log" 2>&1; then
    PG_DROP+=("$pg_db")
    run_db postgres "$("$PY" "$CONTRACT/harness.py" db-url "$PG_ADMIN_URL" "$pg_db")"
  else
    SUMMARIES+=("contract postgres: COULD NOT CREATE DATABASE $pg_db: $(tail -n 1 "$LOGS/postgres-create.log")")
    FAILED=1
  fi
else
  SUMMARIES+=("contract postgres: skipped (VOUCH_TEST_DATABASE_URL unset and nothing answers on 127.0.0.1:5432)")
fi

echo
printf '%s\n' "${SUMMARIES[@]}"
echo "contract: done in $(( $(date +%s) - start ))s; logs in $LOGS/"
exit "$FAILED"
