#!/usr/bin/env bash
# Benchmark: every row of the performance table, plan against git in one run, side by side.
#
#   bash benches/perf.sh                 # REPO=/path reuses a generated repository
#   RUNS=5 SLOW_RUNS=2 bash benches/perf.sh
#
# The repository (benches/gen_monorepo.py through git fast-import): 100,000 commits, 30,000
# files, 300 plans of ~16 KB (the filled example template), 20 tags, a plan changed every 10th
# commit (10,000 plan-changing commits), so every plan changes between v1.10.0 and v1.19.0.
# hyperfine times alternating A/B rounds after one warm-up run of each (medians; the warm-up
# `check --rev` keeps its results in the git directory, which the first check row then reads,
# and the `--no-cache` rows do not); GNU time gives
# peak RSS. The table is printed at the end and written to target/bench/perf.md. Not part of
# cargo test.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-7}
SLOW_RUNS=${SLOW_RUNS:-3}
# The check rows take tens of milliseconds, where one run in seven can be off by a fifth:
# they get three times the runs.
QUICK_RUNS=$((RUNS * 3))
cargo build --release --locked --quiet
BIN=$PWD/target/release/plan
OUT=$PWD/target/bench
mkdir -p "$OUT"
need() { command -v "$1" >/dev/null || { apt-get update -qq && apt-get install -y -qq "$2" >/dev/null; }; }
need hyperfine hyperfine
[ -x /usr/bin/time ] || { apt-get update -qq && apt-get install -y -qq time >/dev/null; }
REPO=${REPO:-$OUT/perf-monorepo}
if [ ! -d "$REPO/.git" ]; then
  rm -rf "$REPO" && mkdir -p "$REPO"
  git -C "$REPO" init -q -b main
  echo "generating $REPO with git fast-import…"
  PLAN_EVERY=10 TAG_EVERY=5000 python3 benches/gen_monorepo.py | git -C "$REPO" fast-import --quiet --done
  git -C "$REPO" checkout -q main
  git -C "$REPO" gc -q
fi
# The same repository with a commit-graph holding changed-path Bloom filters.
GRAPH=$REPO-graph
if [ ! -d "$GRAPH/.git" ]; then
  git clone -q --no-local "$REPO" "$GRAPH"
  git -C "$GRAPH" commit-graph write --reachable --changed-paths
fi
# The same repository with 10,000 more tags (release candidates, nightlies, other products'),
# all in packed-refs: finding the previous release must not slow down with them.
TAGS=$REPO-tags
if [ ! -d "$TAGS/.git" ]; then
  git clone -q --no-local "$REPO" "$TAGS"
  old=$(git -C "$TAGS" rev-parse HEAD~5000)
  for i in $(seq 0 9999); do
    case $((i % 3)) in
      0) echo "create refs/tags/v1.0.$((i / 3))-rc.$i $old" ;;
      1) echo "create refs/tags/nightly-$i $old" ;;
      *) echo "create refs/tags/other/v9.$i.0 $old" ;;
    esac
  done | git -C "$TAGS" update-ref --stdin
  git -C "$TAGS" pack-refs --all --prune
fi
rm -f "$REPO/.git/objects/info/commit-graph"; rm -rf "$REPO/.git/objects/info/commit-graphs"
git -C "$REPO" config core.commitGraph false
A=v1.10.0; B=v1.19.0; ID=svc-042; P=services/$ID/support-plan.toml
cd "$REPO"
git ls-tree -r "$B" | awk '$4 ~ /support-plan\.toml$/ {print $3}' > "$OUT/perf-blobs.txt"
# git's nearest equivalent of reading the plans at a revision: list the tree, pick the plan
# files, read their blobs (ls-tree has no glob pathspec to list only those).
printf '%s\n' "git ls-tree -r $B | awk '\$4 ~ /support-plan[.]toml\$/ {print \$3}' | git cat-file --batch" > "$OUT/perf-find-plans.sh"
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr)"
echo "repository: $(git rev-list --count HEAD) commits, $(git ls-files | wc -l) files, $(wc -l < "$OUT/perf-blobs.txt") plans, $(git tag | wc -l) tags; $(git diff --name-only $A $B -- '*support-plan.toml' | wc -l) plans differ between $A and $B"

# name|git command|plan command|runs
ROWS=(
  "diff, every plan changed|git diff $A $B -- '*support-plan.toml'|$BIN diff $A $B --format json|$RUNS"
  "diff --plan $ID (vs diff of all)|$BIN diff $A $B --format json|$BIN diff $A $B --format json --plan $ID|$RUNS"
  "check --rev $B (the results an earlier run kept) vs cat-file --batch|git cat-file --batch < $OUT/perf-blobs.txt|$BIN check --rev $B --now 2026-11-26 -q|$QUICK_RUNS"
  "check --rev $B --no-cache (every plan parsed) vs cat-file --batch|git cat-file --batch < $OUT/perf-blobs.txt|$BIN check --rev $B --now 2026-11-26 -q --no-cache|$QUICK_RUNS"
  "check --rev $B --no-cache vs ls-tree -r + cat-file (finding the plans too)|bash $OUT/perf-find-plans.sh|$BIN check --rev $B --now 2026-11-26 -q --no-cache|$QUICK_RUNS"
  "diff --since-release, 10,000 tags (vs git describe)|git -C $TAGS describe --tags --abbrev=0 --match 'v[0-9]*.[0-9]*.[0-9]*' --exclude '*-*'|$BIN -C $TAGS diff --since-release --format json --plan $ID|$RUNS"
  "log --plan $ID|git log --format=%H -- $P|$BIN log --plan $ID --format json|$RUNS"
  "log --plan $ID, commit-graph + Bloom|git -C $GRAPH log --format=%H -- $P|$BIN -C $GRAPH log --plan $ID --format json|$RUNS"
  "log, every plan (vs log --format=%H)|git log --format=%H -- '*support-plan.toml'|$BIN log --format json|$SLOW_RUNS"
  "log, every plan (vs log -p)|git log -p --format=%H -- '*support-plan.toml'|$BIN log --format json|$SLOW_RUNS"
)
rss() { /usr/bin/time -f "%M" bash -c "$1 > /dev/null 2>&1" 2>&1 | tail -1; }
# A/B in alternating rounds (one run of each per round, the order swapped every round), so a
# machine that slows down or speeds up during the run shifts both sides alike.
i=0
: > "$OUT/perf-rows.txt"
for row in "${ROWS[@]}"; do
  IFS='|' read -r name a b runs <<< "$row"
  i=$((i + 1))
  bash -c "$a" > /dev/null 2>&1 || true
  bash -c "$b" > /dev/null 2>&1 || true
  jsons=()
  for r in $(seq 1 "$runs"); do
    out="$OUT/perf-$i-$r.json"
    if [ $((r % 2)) -eq 1 ]; then order=(-n git "$a" -n plan "$b"); else order=(-n plan "$b" -n git "$a"); fi
    hyperfine --runs 1 -i --style none --export-json "$out" "${order[@]}" > /dev/null 2>&1
    jsons+=("$out")
  done
  printf '%s|%s|%s|%s\n' "$name" "$(IFS=,; echo "${jsons[*]}")" "$(rss "$a")" "$(rss "$b")" >> "$OUT/perf-rows.txt"
done
python3 - "$OUT/perf-rows.txt" "$OUT/perf.md" <<'PY'
import json, statistics, sys
lines = ["| operation | git (or A) | plan | ratio | peak RSS git / plan |", "|---|---|---|---|---|"]
for row in open(sys.argv[1], encoding="utf-8"):
    name, paths, rss_a, rss_b = row.rstrip("\n").split("|")
    times = {"git": [], "plan": []}
    for path in paths.split(","):
        for r in json.load(open(path))["results"]:
            times[r["command"]] += r["times"]
    a, b = statistics.median(times["git"]), statistics.median(times["plan"])
    lines.append(f"| {name} | {a:.3f} s | {b:.3f} s | **{b / a:.2f}×** | {int(rss_a) / 1024:.0f} / {int(rss_b) / 1024:.0f} MiB |")
text = "\n".join(lines) + "\n"
open(sys.argv[2], "w", encoding="utf-8").write(text)
print(text)
PY
