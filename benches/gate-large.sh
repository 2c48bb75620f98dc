#!/usr/bin/env bash
# Benchmark: `plan gate` on a plan with 200 extra acceptance criteria over evidence holding
# 50,000 JUnit test cases (benches/gen_gate.py). Target: under 1 s. Not part of cargo test.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked --quiet
BIN=$PWD/target/release/plan
# The evidence is written during the run: judged as of today (a fixed date would put it in the
# future, which the gate refuses).
NOW=$(date -u +%F)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
python3 benches/gen_gate.py "$WORK"
cd "$WORK"
git init -q -b main
printf 'evidence/\ne2e/\n' > .gitignore
git add -A
# After the approval (11-24) and the attestations (11-23): records dated after the release
# commit are refused.
GIT_AUTHOR_NAME=A GIT_AUTHOR_EMAIL=a@example.com GIT_COMMITTER_NAME=A GIT_COMMITTER_EMAIL=a@example.com \
  GIT_AUTHOR_DATE=2026-11-24T12:00:00Z GIT_COMMITTER_DATE=2026-11-24T12:00:00Z git commit -qm "plan"
git tag v1.0.0
command -v hyperfine >/dev/null || { apt-get update -qq && apt-get install -y -qq hyperfine >/dev/null; }
echo "criteria: $(grep -c '^\[acceptance.criteria.' support-plan.toml), test cases: $(grep -c '<testcase' evidence/junit.xml)"
hyperfine -N --warmup 2 --runs 10 -i --export-json "$OLDPWD/target/bench/gate-large.json" \
  "$BIN gate --tag v1.0.0 --now $NOW --format json"
"$BIN" gate --tag v1.0.0 --now "$NOW" --format json 2>&1 >/dev/null | tail -1
