#!/usr/bin/env bash
# Coverage-guided fuzzing of every input the tool reads.
#
#   bash fuzz/run.sh [SECONDS] [TARGET ...]    # SECONDS per target (default 60); all targets
#   JOBS=2 bash fuzz/run.sh 600                # two targets at a time
#
# Needs the nightly toolchain and cargo-fuzz (installed from crates.io when missing). Each
# target starts from its committed corpus (fuzz/corpus/TARGET) plus seeds made here from the
# test fixtures (fuzz/seeds, not committed); new inputs are added to the corpus, crashes land
# in fuzz/artifacts/TARGET. Prints executions, time and crashes per target; exits 1 on any
# crash. `MINIMISE=1` shrinks each corpus afterwards (cargo fuzz cmin). Not part of cargo test.
set -euo pipefail
cd "$(dirname "$0")"
SECS=${1:-60}
shift || true
ALL=(plan_load plan_diff render evidence event_payload revision)
[ "$#" -gt 0 ] && TARGETS=("$@") || TARGETS=("${ALL[@]}")
JOBS=${JOBS:-1}
rustup toolchain list | grep -q nightly || rustup toolchain install nightly --profile minimal
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked

# Seeds from the fixtures. Targets that read two plans or a selector take a 2-byte (or
# 1-byte) prefix; see fuzz/src/lib.rs `halves` and each target.
seed() {
  rm -rf seeds && mkdir -p seeds/{plan_load,plan_diff,render,evidence,event_payload,revision}
  local plans=(../plan-templates/*.toml)
  for p in "${plans[@]}"; do cp "$p" "seeds/plan_load/$(basename "$p")"; done
  local i=0
  for a in "${plans[@]}"; do
    for b in "${plans[@]}"; do
      i=$((i + 1))
      # The split point is the size of the first plan (little-endian u16, modulo the rest).
      python3 - "$a" "$b" "seeds/plan_diff/pair-$i" <<'PY'
import sys
a, b = open(sys.argv[1], 'rb').read(), open(sys.argv[2], 'rb').read()
open(sys.argv[3], 'wb').write((len(a) % 65536).to_bytes(2, 'little') + a + b)
PY
      cp "seeds/plan_diff/pair-$i" "seeds/render/pair-$i"
    done
  done
  # Evidence: the selector byte is the kind's index in fuzz_targets/evidence.rs.
  local kinds=(junit go-test-json trx json lcov cobertura jacoco go-cover sarif k6-summary criterion hyperfine)
  ev() { python3 -c 'import sys; sys.stdout.buffer.write(bytes([int(sys.argv[1])]) + open(sys.argv[2], "rb").read())' "$1" "$2" > "seeds/evidence/$3"; }
  for k in "${!kinds[@]}"; do
    local dir
    case ${kinds[$k]} in
      junit) dir="junit junit-go junit-pytest" ;; go-test-json) dir=gotest-json ;; go-cover) dir=gocover ;;
      k6-summary) dir=k6 ;; json) dir=k6 ;; *) dir=${kinds[$k]} ;;
    esac
    for d in $dir; do
      for f in ../tests/fixtures/corpus/"$d"/*; do
        case $f in *.md | *expected.toml) continue ;; esac
        [ -f "$f" ] && [ "$(stat -c %s "$f")" -lt 200000 ] && ev "$k" "$f" "$d-$(basename "$f")"
      done
    done
  done
  for f in ../tests/fixtures/evidence/*; do
    case $f in
      *.xml) ev 0 "$f" "fixture-$(basename "$f")" ;; *.lcov) ev 4 "$f" "fixture-$(basename "$f")" ;;
      *.sarif) ev 8 "$f" "fixture-$(basename "$f")" ;; *k6*) ev 9 "$f" "fixture-$(basename "$f")" ;;
      *hyperfine*) ev 11 "$f" "fixture-$(basename "$f")" ;;
    esac
  done
  local events=(pull_request pull_request_target merge_group workflow_run push issue_comment)
  for f in ../tests/fixtures/github/*.json; do
    for e in "${!events[@]}"; do
      python3 -c 'import sys; sys.stdout.buffer.write(bytes([int(sys.argv[1])]) + open(sys.argv[2], "rb").read())' "$e" "$f" \
        > "seeds/event_payload/${events[$e]}-$(basename "$f")"
    done
  done
  local n=0
  for spec in HEAD main v1.0.0 v1.1.0^{} 'v2.0.0-rc.1~1' 'HEAD~2' 'HEAD^' 'main...side' 'side..main' '@{0}' \
    'refs/tags/v1.0.0' 'v1.0.0^{commit}' 'HEAD@{upstream}' ':/message' 'HEAD:support-plan.toml' 'deadbeef'; do
    n=$((n + 1)); printf '%s' "$spec" > "seeds/revision/$n"
  done
}
seed

run_one() {
  local t=$1 secs=$2
  mkdir -p "corpus/$t" "artifacts/$t" logs
  local start=$SECONDS
  # Fork mode keeps going after a crash (each is saved in artifacts/); -rss_limit_mb: a
  # blow-up is a finding; -timeout: so is one input taking 10 s.
  # The binary that `cargo fuzz build` made (no rebuild per target when sources change).
  "target/x86_64-unknown-linux-gnu/release/$t" "corpus/$t" "seeds/$t" \
    -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
    -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 -artifact_prefix="artifacts/$t/" \
    > "logs/$t.log" 2>&1 || true
  local execs crashes
  # Fork mode's progress lines start with `#<executions>:`.
  execs=$(grep -oE '^#[0-9]+' "logs/$t.log" | tail -1 | tr -d '#')
  crashes=$(find "artifacts/$t" -type f \( -name 'crash-*' -o -name 'timeout-*' -o -name 'oom-*' -o -name 'leak-*' \) | wc -l)
  printf '%s\t%ss\t%s execs\t%s crashes/timeouts/ooms\t%s corpus files\n' \
    "$t" "$((SECONDS - start))" "${execs:-0}" "$crashes" "$(find "corpus/$t" -type f | wc -l)" | tee "logs/$t.summary"
}
export -f run_one
# Build every target first (one build), then run them.
cargo +nightly fuzz build --release >/dev/null
printf '%s\n' "${TARGETS[@]}" | xargs -P "$JOBS" -I{} bash -c "run_one {} $SECS"
if [ "${MINIMISE:-0}" = 1 ]; then
  for t in "${TARGETS[@]}"; do
    cargo +nightly fuzz cmin --release "$t" "corpus/$t" >/dev/null 2>&1 || true
  done
fi
echo
echo "target  time  executions  crashes  corpus"
for t in "${TARGETS[@]}"; do cat "logs/$t.summary"; done
! grep -q -v '	0 crashes' <(for t in "${TARGETS[@]}"; do cat "logs/$t.summary"; done)
