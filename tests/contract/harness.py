"""Small helpers for scripts/dev/contract.sh (stdlib only, plus the venv's openapi-python-client).

Usage: python harness.py <command> [args]

  free-port                         print a free loopback TCP port
  wait-healthy BASE PID SECONDS     wait until BASE/healthz answers 200 (fail early if PID dies)
  bootstrap BASE ADMIN_KEY          create an org and an analyst key; print "OWNER ANALYST ORG_ID"
  db-url URL DBNAME                 print URL with its database name replaced by DBNAME
  check-client SPEC PKG_DIR         fail unless every operationId has a generated function;
                                    print how many operations there are
  schemathesis-summary JUNIT EXCERPT_FILE
                                    print "X passed, Y failed" (operations) from a JUnit report and
                                    write one line per distinct failure to EXCERPT_FILE
  schemathesis-categories OUT SPEC JUNIT...
                                    group the failures of all reports by check and problem into OUT;
                                    print the number of groups
  server-log-summary LOG            distinct panics and ERROR/WARN lines, counted (exit 1 on a panic)
"""

import json
import os
import re
import socket
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from pathlib import Path


def free_port() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        print(s.getsockname()[1])


def wait_healthy(base: str, pid: str, seconds: str) -> None:
    deadline = time.monotonic() + float(seconds)
    while time.monotonic() < deadline:
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            sys.exit(f"the server (pid {pid}) exited before /healthz answered")
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=2) as r:
                if r.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    sys.exit(f"{base}/healthz did not answer 200 within {seconds}s")


def _post(base: str, path: str, key: str, body: dict) -> dict:
    req = urllib.request.Request(
        f"{base}{path}",
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return json.load(r)
    except urllib.error.HTTPError as e:
        sys.exit(f"POST {path}: HTTP {e.code}: {e.read()[:500]!r}")


def bootstrap(base: str, admin_key: str) -> None:
    org = _post(base, "/api/v1/orgs", admin_key, {"name": "Contract"})
    owner = org["owner_key"]
    analyst = _post(base, "/api/v1/api-keys", owner, {"name": "analyst", "role": "analyst"})
    print(owner, analyst["key"], org["id"])


def db_url(url: str, dbname: str) -> None:
    parts = urllib.parse.urlsplit(url)
    print(urllib.parse.urlunsplit(parts._replace(path="/" + dbname)))


def check_client(spec_path: str, pkg_dir: str) -> None:
    # The generator's own snake_case, so names match exactly what it produced.
    from openapi_python_client.strings import PythonIdentifier

    spec = json.loads(Path(spec_path).read_text())
    generated = {}
    for f in Path(pkg_dir).glob("api/*/*.py"):
        if f.name != "__init__.py" and "def sync_detailed(" in f.read_text():
            generated[f.stem] = f
    ops, missing = [], []
    for path, item in spec.get("paths", {}).items():
        for method, op in item.items():
            if method not in ("get", "put", "post", "delete", "patch", "head", "options", "trace"):
                continue
            op_id = op.get("operationId")
            if not op_id:
                missing.append(f"{method.upper()} {path} (no operationId)")
                continue
            ops.append(op_id)
            if str(PythonIdentifier(op_id, prefix="field_")) not in generated:
                missing.append(f"{op_id} ({method.upper()} {path})")
    if missing:
        print(f"no generated function for {len(missing)} of {len(ops)} operations:", file=sys.stderr)
        for m in missing:
            print(f"  {m}", file=sys.stderr)
        sys.exit(1)
    print(len(ops))


def _failures(junit: str):
    """(operation, check title, detail, http status, response excerpt, curl) per failed check."""
    root = ET.parse(junit).getroot()
    for case in root.iter("testcase"):
        op = case.get("name")
        for problem in case.findall("failure") + case.findall("error"):
            text = problem.text or problem.get("message") or ""
            if problem.tag == "error":
                # Network errors (the server dropped the connection, e.g. a panic) and the like.
                meaningful = [l.strip() for l in text.splitlines() if l.strip()]
                first = " / ".join(meaningful[:3])[:200]
                curl = next((l for l in meaningful if l.startswith("curl ")), "")[:400]
                yield op, "Error", first, "", "", curl
                continue
            for block in re.split(r"(?m)^\d+\. Test Case ID: \S+\s*$", text):
                yield from _checks(op, block)


def _checks(op: str, block: str):
    lines = block.splitlines()
    status = body = curl = ""
    for i, line in enumerate(lines):
        m = re.match(r"^\[(\d{3})\]", line)
        if m:
            status = m.group(1)
            body = next((l.strip().strip("`") for l in lines[i + 1 :] if l.strip()), "")[:300]
        if line.strip().startswith("curl "):
            curl = line.strip()[:400]
    title, details = None, []
    found = []
    for line in lines:
        if line.startswith("- "):
            if title:
                found.append((title, details))
            title, details = re.sub(r" \(\d+ violations\)$", "", line[2:].strip()), []
        elif title and line.startswith("    ") and not line.startswith("        ") and line.strip():
            details.append(line.strip())
        elif re.match(r"^\[\d{3}\]", line):
            break
    if title:
        found.append((title, details))
    for title, details in found:
        # Schema violations come as (message, "Validated against …", "Schema at X:", "Value:") runs.
        violations, msg = [], None
        for d in details:
            if d.startswith("Schema at "):
                violations.append(f"{msg} at {d[len('Schema at '):].rstrip(':')}")
                msg = None
            elif d.startswith(("Validated against", "Value:")):
                continue
            elif msg is None:
                msg = d
        if msg and not violations:
            violations.append(msg)
        for v in violations or [" ".join(details)[:200]]:
            yield op, title, v, status, body, curl


def schemathesis_summary(junit: str, excerpt_file: str) -> None:
    root = ET.parse(junit).getroot()
    passed = failed = 0
    for case in root.iter("testcase"):
        if case.findall("failure") + case.findall("error"):
            failed += 1
        elif case.find("skipped") is None:
            passed += 1
    lines, seen = [], set()
    for op, title, detail, status, body, curl in _failures(junit):
        key = (op, title, detail, status)
        if key not in seen:
            seen.add(key)
            lines.append(f"{op}: {title}" + (f": {detail}" if detail else "") + (f" (HTTP {status})" if status else ""))
    Path(excerpt_file).write_text("\n".join(lines) + ("\n" if lines else ""))
    print(f"{passed} passed, {failed} failed")


def _response_schema_name(spec: dict, op: str, status: str) -> str:
    """The component a response of `op` ("GET /path") with `status` refers to, or ""."""
    method, _, path = op.partition(" ")
    responses = spec.get("paths", {}).get(path, {}).get(method.lower(), {}).get("responses", {})
    for content in responses.get(status, {}).get("content", {}).values():
        schema = content.get("schema", {})
        ref = schema.get("$ref") or schema.get("items", {}).get("$ref", "")
        if ref:
            return ref.lstrip("#")
    return ""


def schemathesis_categories(out_file: str, spec_path: str, *junits: str) -> None:
    """Group every failure of every report by (check, problem, status): the fix list."""
    spec = json.loads(Path(spec_path).read_text())
    groups = {}
    for junit in junits:
        if not Path(junit).is_file():
            continue
        run = Path(junit).stem.replace("schemathesis-", "")  # e.g. sqlite-owner
        for op, title, detail, status, body, curl in _failures(junit):
            # Paths inside the response's own top-level schema come without its name.
            m = re.search(r" at (/properties/.*)$", detail)
            if m and status:
                detail = detail[: m.start(1)] + _response_schema_name(spec, op, status) + m.group(1)
            key = (title, detail, status)
            g = groups.setdefault(key, {"ops": {}, "runs": set(), "example": (body, curl)})
            g["ops"][op] = None
            g["runs"].add(run)
    out = []
    def order(kv):  # server errors and dropped connections first, then the widest problems
        (title, detail, status), g = kv
        severe = title.startswith(("ST101", "Error")) or status.startswith("5")
        return (not severe, -len(g["ops"]), kv[0])

    for (title, detail, status), g in sorted(groups.items(), key=order):
        ops = list(g["ops"])
        out.append(
            f"* {title}" + (f": {detail}" if detail else "") + (f" [HTTP {status}]" if status else "")
            + (f" ({', '.join(ops)}" if len(ops) <= 3 else f" ({len(ops)} operations")
            + f"; {', '.join(sorted(g['runs']))})"
        )
        out.append("    " + "; ".join(ops[:12]) + (f"; … {len(ops) - 12} more" if len(ops) > 12 else ""))
        body, curl = g["example"]
        if body:
            out.append(f"    response: {body}")
        if curl:
            out.append(f"    {curl}")
    Path(out_file).write_text("\n".join(out) + ("\n" if out else ""))
    print(len(groups))


def server_log_summary(log: str) -> None:
    """Distinct panics and logged errors of a server log, counted; exit 1 if it panicked."""
    text = re.sub(r"\x1b\[[0-9;]*m", "", Path(log).read_text(errors="replace"))
    lines = text.splitlines()
    found = {}
    panics = 0
    for i, line in enumerate(lines):
        m = re.search(r"panicked at (\S+?):?$", line)
        if m:
            panics += 1
            message = lines[i + 1].strip() if i + 1 < len(lines) else ""
            key = f"PANIC at {m.group(1)}: {message}"
        elif re.search(r"\b(ERROR|WARN)\b", line) and "request failed status=" not in line:
            # Drop the timestamp; keep level, target and message.
            key = re.sub(r"^\S+Z\s+", "", line.strip())
        else:
            continue
        found[key[:300]] = found.get(key[:300], 0) + 1
    for key, n in sorted(found.items(), key=lambda kv: -kv[1]):
        print(f"{n:5d}x {key}")
    sys.exit(1 if panics else 0)


COMMANDS = {
    "free-port": free_port,
    "wait-healthy": wait_healthy,
    "bootstrap": bootstrap,
    "db-url": db_url,
    "check-client": check_client,
    "schemathesis-summary": schemathesis_summary,
    "schemathesis-categories": schemathesis_categories,
    "server-log-summary": server_log_summary,
}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        sys.exit(__doc__)
    COMMANDS[sys.argv[1]](*sys.argv[2:])
