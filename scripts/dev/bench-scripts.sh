#!/usr/bin/env bash
# Time per evaluation of a cached compiled script versus compile + evaluate, for each example
# script, measured in one run of a release build. Usage: scripts/dev/bench-scripts.sh [iterations]
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${1:-5000}
cargo build --release -q
FACTS='{"referral":{"email":"ann@acme.com","purchases":1,"amount":6000},"referrer":{"email":"bob@acme.com","referral_count":7},"event":{"kind":"purchase","amount":6000,"at":"2026-11-21T10:00:00Z"}}'
for f in scripts/rules/*.rhai; do
  ./target/release/vouch script bench --file "$f" --facts "$FACTS" --iterations "$N"
  echo
done
