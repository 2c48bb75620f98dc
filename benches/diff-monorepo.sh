#!/usr/bin/env bash
# Benchmark: `plan diff` and `plan log --plan` against git on a synthetic monorepo
# (100,000 commits, 30,000 files, 300 plans, tags), in one run, side by side.
#
#   bash benches/diff-monorepo.sh          # REPO=/path to reuse a generated repository
#
# Needs hyperfine and GNU time (installed from Debian if missing). Not part of cargo test.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked --quiet
BIN=$PWD/target/release/plan
REPO=${REPO:-$PWD/target/bench/monorepo}
if [ ! -d "$REPO/.git" ]; then
  rm -rf "$REPO" && mkdir -p "$REPO"
  git -C "$REPO" init -q -b main
  echo "generating $REPO with git fast-import…"
  python3 benches/gen_monorepo.py | git -C "$REPO" fast-import --quiet --done
  git -C "$REPO" checkout -q main
  git -C "$REPO" gc -q
fi
command -v hyperfine >/dev/null || { apt-get update -qq && apt-get install -y -qq hyperfine >/dev/null; }
[ -x /usr/bin/time ] || { apt-get update -qq && apt-get install -y -qq time >/dev/null; }
echo "commits: $(git -C "$REPO" rev-list --count HEAD), files: $(git -C "$REPO" ls-files | wc -l), plans: $(git -C "$REPO" ls-files '*support-plan.toml' | wc -l), tags: $(git -C "$REPO" tag | wc -l)"
A=${A:-v1.3.0}; B=${B:-v1.4.0}
PLAN=svc-042; PLAN_PATH=services/svc-042/support-plan.toml
mkdir -p target/bench
cd "$REPO"
hyperfine -N --warmup 2 --runs 10 --export-json "$OLDPWD/target/bench/diff-monorepo.json" \
  -n "git diff $A $B -- '*support-plan.toml'" "git diff $A $B -- '*support-plan.toml'" \
  -n "plan diff $A $B" "$BIN diff $A $B --format json" \
  -n "git log --format=%H -- $PLAN_PATH" "git log --format=%H -- $PLAN_PATH" \
  -n "plan log --plan $PLAN" "$BIN log --plan $PLAN --format json"
for cmd in "git diff $A $B -- *support-plan.toml" "$BIN diff $A $B --format json" \
           "git log --format=%H -- $PLAN_PATH" "$BIN log --plan $PLAN --format json"; do
  /usr/bin/time -f "peak RSS %M KiB  $cmd" $cmd >/dev/null
done
echo "plan diff $A $B: $("$BIN" diff "$A" "$B" | tail -1)"
echo "plan log --plan $PLAN: $("$BIN" log --plan $PLAN | grep -c '^[0-9a-f]\{12\} ') commits; git log: $(git log --format=%H -- $PLAN_PATH | wc -l) commits"
