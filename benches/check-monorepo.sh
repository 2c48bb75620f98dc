#!/usr/bin/env bash
# Benchmark: `plan check` over a synthetic monorepo of 300 plans.
#
#   bash benches/check-monorepo.sh            # builds release, generates, measures
#
# Generates 300 services, each with a copy of the example plan under its own product id,
# then times `plan check` with hyperfine (installed from Debian if missing) and writes
# target/bench/check-monorepo.json (hyperfine's JSON export). Not part of `cargo test`.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-300}
cargo build --release --locked --quiet
BIN=$PWD/target/release/plan
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
for i in $(seq -w 1 "$N"); do
  mkdir -p "$WORK/services/svc-$i"
  sed "s/^product = \"acme-billing\"/product = \"svc-$i\"/" plan-templates/example.toml \
    > "$WORK/services/svc-$i/support-plan.toml"
done
git -C "$WORK" init -q
if ! command -v hyperfine >/dev/null; then
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq && $sudo apt-get install -y -qq hyperfine >/dev/null
fi
mkdir -p target/bench
echo "plans: $(find "$WORK" -name support-plan.toml | wc -l), bytes: $(du -sb "$WORK/services" | cut -f1)"
hyperfine --warmup 3 --runs 20 -N \
  --export-json target/bench/check-monorepo.json \
  "$BIN -C $WORK check --now 2026-11-26 -q"
"$BIN" -C "$WORK" check --now 2026-11-26 | tail -1
/usr/bin/time -f "peak RSS: %M KiB" "$BIN" -C "$WORK" check --now 2026-11-26 -q >/dev/null
