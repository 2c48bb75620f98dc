#!/usr/bin/env bash
# Benchmark: peak memory of `plan gate` reading one JUnit file of 50,000 and of 2,000,000
# test cases (benches/gen_gate.py), against the file's size. Not part of cargo test.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked --quiet
BIN=$PWD/target/release/plan
# The evidence is written during the run: judged as of today (a fixed date would put it in the
# future, which the gate refuses).
NOW=$(date -u +%F)
command -v /usr/bin/time >/dev/null || { apt-get update -qq && apt-get install -y -qq time >/dev/null; }
printf '%-10s %12s %12s %8s %8s\n' cases "file MiB" "peak MiB" ratio seconds
for cases in 50000 2000000; do
  WORK=$(mktemp -d)
  python3 benches/gen_gate.py "$WORK" "$cases"
  (
    cd "$WORK"
    git init -q -b main
    printf 'evidence/\ne2e/\n' > .gitignore
    git add -A
    GIT_AUTHOR_NAME=A GIT_AUTHOR_EMAIL=a@example.com GIT_COMMITTER_NAME=A GIT_COMMITTER_EMAIL=a@example.com \
      GIT_AUTHOR_DATE=2026-11-24T12:00:00Z GIT_COMMITTER_DATE=2026-11-24T12:00:00Z git commit -qm "plan"
    git tag v1.0.0
    /usr/bin/time -f '%M %e' -o time.txt "$BIN" gate --tag v1.0.0 --now "$NOW" --format json >/dev/null 2>&1 || true
    # GNU time puts "Command exited with non-zero status N" first when the gate blocks.
    read -r kib secs < <(tail -n 1 time.txt)
    bytes=$(stat -c %s evidence/junit.xml)
    awk -v c="$cases" -v b="$bytes" -v k="$kib" -v s="$secs" \
      'BEGIN { printf "%-10d %12.1f %12.1f %8.2f %8.2f\n", c, b/1048576, k/1024, (k*1024)/b, s }'
  )
  rm -rf "$WORK"
done
