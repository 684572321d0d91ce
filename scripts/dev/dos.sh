#!/usr/bin/env bash
# The script sandbox's DoS figures, measured in one run against a release server:
#
#   scripts/dev/dos.sh            (builds the release binary once; VOUCH_BIN=path uses that one)
#
# Starts `vouch serve` on a free loopback port over a temporary SQLite database (default script
# limits; the per-org rate limit turned off, so that the script pool, not the rate limiter, is
# what is measured), creates orgs with the platform admin key, then prints:
#
#  (a) for the replace bomb and then the map bomb: the server's peak RSS growth (VmHWM after,
#      minus VmRSS before, from /proc/<pid>/status; the peak is reset between bombs through
#      /proc/<pid>/clear_refs) while rounds of 20 concurrent test runs (2 in each of 10 orgs, so
#      the global cap, not one org's, is what holds them) are answered; how many answered ok, an
#      error naming a limit or the deadline, or 429; the longest run (as the server timed it,
#      and as the client waited). Goals: growth < 150 MB, every run within its deadline (+25 ms).
#  (b) while org A floods 40 concurrent long runs (a script that copies a 3.5 MB map until its
#      deadline: the default limits let no plain loop run that long), org B's script tests and
#      rule evaluations, one after another: their p50 and max latency, and how A's runs answered
#      (ran to the deadline, or 429). Goal: B answers in < 1 s.
#
# Knobs: DOS_ROUNDS (rounds of 20 bomb runs, default 3), DOS_FLOOD_SECONDS (default 10).
# Needs bash, python3 (stdlib only) and Linux /proc. Exits 1 when a goal is missed.
set -euo pipefail
cd "$(dirname "$0")/../.."

WORK=$(mktemp -d "${TMPDIR:-/tmp}/vouch-dos.XXXXXX")
PID=""
cleanup() {
  if [[ -n $PID ]]; then
    kill "$PID" 2>/dev/null || true
    wait "$PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [[ -n ${VOUCH_BIN:-} ]]; then
  BIN=$(realpath "$VOUCH_BIN")
else
  echo "dos: building the release binary"
  cargo build --release -q
  # A copy, so that another build into a shared target dir cannot swap it mid-run.
  cp "${CARGO_TARGET_DIR:-target}/release/vouch" "$WORK/vouch"
  BIN=$WORK/vouch
fi

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
ADMIN=vadm_$(python3 -c 'import secrets,string; a=string.ascii_letters+string.digits; print("".join(secrets.choice(a) for _ in range(40)))')
mkdir -p "$WORK/data"
# Run from the data dir so no vouch.toml of the checkout applies.
(cd "$WORK/data" && exec env -u VOUCH_CONFIG VOUCH_BIND="127.0.0.1:$PORT" VOUCH_DATA_DIR="$WORK/data" \
  VOUCH_DATABASE_URL="sqlite://$WORK/data/vouch.db?mode=rwc" VOUCH_ADMIN_KEY="$ADMIN" \
  VOUCH_PUBLIC_URL="http://127.0.0.1:$PORT" VOUCH_RATE_LIMIT__ORG_RPS=0 RUST_LOG=warn \
  "$BIN" serve) >"$WORK/server.log" 2>&1 &
PID=$!

python3 - "http://127.0.0.1:$PORT" "$ADMIN" "$PID" "${DOS_ROUNDS:-3}" "${DOS_FLOOD_SECONDS:-10}" <<'EOF'
import json, statistics, sys, threading, time, urllib.error, urllib.request

BASE, ADMIN, PID = sys.argv[1], sys.argv[2], int(sys.argv[3])
ROUNDS, FLOOD_SECONDS = int(sys.argv[4]), float(sys.argv[5])
DEADLINE_MS = 250  # the default VOUCH_SCRIPTS__DEADLINE_MS
# A run the deadline stops ends just after it (the clock is read every few operations, and a
# thread waiting for a core cannot notice sooner): up to this much later still counts as within.
SLACK_MS = 25

def call(method, path, key=None, body=None, timeout=60):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(BASE + path, data=data, method=method)
    if key:
        req.add_header("Authorization", "Bearer " + key)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    start = time.monotonic()
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            status, raw = resp.status, resp.read()
    except urllib.error.HTTPError as e:
        status, raw = e.code, e.read()
    seconds = time.monotonic() - start
    try:
        return status, json.loads(raw or b"null"), seconds
    except ValueError:
        return status, raw.decode(errors="replace"), seconds

def must(want, answer, what):
    status, body, _ = answer
    if status != want:
        sys.exit(f"dos: {what}: HTTP {status} (expected {want}): {body}")
    return body

def proc_kb(field):
    with open(f"/proc/{PID}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise SystemExit(f"dos: no {field} in /proc/{PID}/status")

def reset_peak():
    try:
        with open(f"/proc/{PID}/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False

for _ in range(600):
    try:
        if call("GET", "/healthz", timeout=1)[0] == 200:
            break
    except OSError:
        pass
    time.sleep(0.1)
else:
    sys.exit("dos: the server did not answer /healthz within 60 s")

def new_org(name):
    return must(201, call("POST", "/api/v1/orgs", ADMIN, {"name": name}), "create org")["owner_key"]

def upload(key, name, kind, source):
    return must(201, call("POST", "/api/v1/scripts", key, {"name": name, "kind": kind, "source": source}), "upload " + name)["id"]

def script_rule(key, name, script_id):
    program = must(201, call("POST", "/api/v1/programs", key, {"name": name, "promocode": name.upper() + "-@ID@", "url": "https://shop.example.com/join"}), "program")
    rule = {"name": "r", "trigger": "purchase", "reward_kind": "script", "amount_script_id": script_id}
    return must(201, call("POST", f"/api/v1/programs/{program['id']}/rules", key, rule), "rule")["id"]

def concurrently(jobs):
    """Runs each job on its own thread, released together; answers their results in order."""
    results = [None] * len(jobs)
    gate = threading.Barrier(len(jobs))
    def worker(i, job):
        gate.wait()
        results[i] = job()
    threads = [threading.Thread(target=worker, args=(i, j)) for i, j in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results

def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]

MAP = 'let s = ""; s.pad(9990, "a"); let m = #{}; for i in 0..%d { m[s + i] = i; } '
BOMBS = {
    "replace bomb": 'let s = ""; s.pad(10000, "a"); let t = s; t.replace("a", s); true',
    "map bomb": MAP % 1000 + "let a = []; a.pad(1000, 0); a.map(|x| m); true",
}
LONG = MAP % 350 + "loop { let t = m; }"

failed = []
def load():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])

print(f"dos: server pid {PID} on {BASE}; default script limits, rate limits off; "
      f"{ROUNDS} rounds of 20 concurrent runs per bomb; load average {load()}")

# --- (a) bombs -------------------------------------------------------------------------------
orgs = [new_org(f"Bomb org {i}") for i in range(10)]
scripts = {name: [upload(k, name, "condition", src) for k in orgs] for name, src in BOMBS.items()}
print("\n(a) 20 concurrent runs of each bomb (2 in each of 10 orgs), peak RSS growth")
print(f"    {'bomb':<13} {'runs':>4} {'ok':>3} {'limit':>5} {'429':>4} {'other':>5} "
      f"{'max run ms':>10} {'max wait ms':>11} {'RSS MB before':>13} {'growth MB':>9}  stopped by")
for name, ids in scripts.items():
    time.sleep(0.5)
    exact = reset_peak()
    before = proc_kb("VmRSS")
    answers = []
    for _ in range(ROUNDS):
        jobs = [lambda k=k, i=i: call("POST", f"/api/v1/scripts/{i}/test", k, {"facts": {}})
                for k, i in zip(orgs, ids) for _ in range(2)]
        answers += concurrently(jobs)
    peak = proc_kb("VmHWM")
    counts = {"ok": 0, "limit": 0, "429": 0, "other": 0}
    messages, runs_ms, waits = set(), [0], [0]
    for status, body, seconds in answers:
        waits.append(seconds * 1000)
        if status == 429:
            counts["429"] += 1
        elif status == 200 and body.get("ok"):
            counts["ok"] += 1
        elif status == 200 and any(w in (body.get("error") or "") for w in ("limit", "deadline")):
            counts["limit"] += 1
            messages.add(body["error"])
        else:
            counts["other"] += 1
            messages.add(f"HTTP {status}: {str(body)[:80]}")
        if status == 200:
            runs_ms.append(body["elapsed_us"] / 1000)
    growth = (peak - before) / 1024
    note = "" if exact else " (peak since start: clear_refs refused)"
    print(f"    {name:<13} {len(answers):>4} {counts['ok']:>3} {counts['limit']:>5} {counts['429']:>4} "
          f"{counts['other']:>5} {max(runs_ms):>10.1f} {max(waits):>11.1f} {before / 1024:>13.1f} "
          f"{growth:>9.1f}  {'; '.join(sorted(messages))}{note}")
    if growth >= 150:
        failed.append(f"{name}: peak RSS growth {growth:.1f} MB (goal < 150 MB)")
    if max(runs_ms) > DEADLINE_MS + SLACK_MS:
        failed.append(f"{name}: a run took {max(runs_ms):.1f} ms (deadline {DEADLINE_MS} ms + {SLACK_MS} ms)")
    if counts["other"]:
        failed.append(f"{name}: {counts['other']} answers neither ok, a limit error nor 429")

# --- (b) one org floods, another runs ----------------------------------------------------------
a, b = new_org("Flooder"), new_org("Bystander")
long_test = upload(a, "long", "condition", LONG)
long_rule = script_rule(a, "flood", upload(a, "long amount", "amount", LONG))
quick = upload(b, "quick", "amount", "if referral.amount > 5000 { referral.amount / 10 } else { 0 }")
quick_rule = script_rule(b, "spring", quick)
facts = {"facts": {"referral": {"amount": 6000}}}
# Warm B's paths (compiled-script cache, connections) before measuring.
must(200, call("POST", f"/api/v1/scripts/{quick}/test", b, facts), "B test")
must(200, call("POST", f"/api/v1/rules/{quick_rule}/evaluate", b, facts), "B evaluate")

stop = threading.Event()
flood = {"deadline": 0, "429": 0, "other": 0}
flood_lock = threading.Lock()
def flooder(i):
    path = f"/api/v1/scripts/{long_test}/test" if i % 2 == 0 else f"/api/v1/rules/{long_rule}/evaluate"
    while not stop.is_set():
        status, body, _ = call("POST", path, a, {"facts": {}})
        kind = "429" if status == 429 else "deadline" if "deadline" in json.dumps(body) else "other"
        with flood_lock:
            flood[kind] += 1
            if kind == "other" and flood["other"] <= 3:
                print(f"    A answered HTTP {status}: {str(body)[:120]}")
threads = [threading.Thread(target=flooder, args=(i,)) for i in range(40)]
time.sleep(0.5)
exact = reset_peak()
before = proc_kb("VmRSS")
for t in threads:
    t.start()
time.sleep(1.0)  # the flood is under way
latency = {"test": [], "evaluate": []}
b_bad = []
end = time.monotonic() + FLOOD_SECONDS
while time.monotonic() < end:
    for what, path in (("test", f"/api/v1/scripts/{quick}/test"), ("evaluate", f"/api/v1/rules/{quick_rule}/evaluate")):
        status, body, seconds = call("POST", path, b, facts)
        latency[what].append(seconds * 1000)
        good = status == 200 and (body.get("ok") is True if what == "test" else True)
        if not good:
            b_bad.append(f"{what}: HTTP {status} {str(body)[:100]}")
stop.set()
for t in threads:
    t.join()
peak = proc_kb("VmHWM")
print(f"\n(b) org A floods 40 concurrent long runs (script tests and rule evaluations) for "
      f"{FLOOD_SECONDS:.0f} s; org B meanwhile")
for what, ms in latency.items():
    print(f"    B {what:<8}: {len(ms):>5} answered, p50 {statistics.median(ms):7.1f} ms, "
          f"p99 {pct(ms, 99):7.1f} ms, max {max(ms):7.1f} ms")
    if max(ms) >= 1000:
        failed.append(f"B {what}: max latency {max(ms):.1f} ms (goal < 1 s)")
print(f"    B answers not 200 ok: {len(b_bad)}" + (f" (first: {b_bad[0]})" if b_bad else ""))
print(f"    A: {sum(flood.values())} requests: {flood['deadline']} ran to the deadline, "
      f"{flood['429']} refused with 429, {flood['other']} other")
print(f"    server peak RSS growth during the flood: {(peak - before) / 1024:.1f} MB"
      + ("" if exact else " (peak since start)"))
if b_bad:
    failed.append(f"B: {len(b_bad)} answers were not 200 ok")

print(f"\ndos: load average {load()} (other work on the machine stretches every figure)")
if failed:
    print("dos: GOALS MISSED:\n  " + "\n  ".join(failed))
    sys.exit(1)
print("dos: all goals met (growth < 150 MB, runs within their deadline, B < 1 s)")
EOF
