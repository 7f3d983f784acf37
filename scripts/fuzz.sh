#!/usr/bin/env bash
# Fuzzes driftscan's parsers with cargo-fuzz (libFuzzer): the baseline parser, the config
# parser and the snapshot reader. Not part of scripts/test (it runs for minutes).
#   scripts/fuzz.sh [RUNS] [TARGET...]  # RUNS executions per target (default 2,000,000);
#                                       # FUZZ_SECONDS caps each target's time (default none)
# Needs cargo-fuzz (`cargo install cargo-fuzz --locked`). No sanitizer: the code under test has no
# `unsafe`, and uninstrumented runs are several times faster. The machine's toolchain is stable;
# cargo-fuzz's -Z flags are allowed with RUSTC_BOOTSTRAP=1. Seeds are the shipped baselines, a
# config and a snapshot; the corpus grows in $DRIFTSCAN_CACHE/fuzz-corpus/<target>.
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS="${1:-2000000}"
shift || true
[[ $# -gt 0 ]] && TARGETS=("$@") || TARGETS=(baseline config snapshot)
LIMIT=()
[[ -n "${FUZZ_SECONDS:-}" ]] && LIMIT=(-max_total_time="$FUZZ_SECONDS")
CACHE="${DRIFTSCAN_CACHE:-$HOME/.cache/driftscan}"
export CARGO_TARGET_DIR="${DRIFTSCAN_FUZZ_TARGET_DIR:-$HOME/.cache/driftscan-fuzz-target}"
export RUSTC_BOOTSTRAP=1

for target in "${TARGETS[@]}"; do
  corpus="$CACHE/fuzz-corpus/$target"
  mkdir -p "$corpus"
  case "$target" in
    baseline) cp baselines/*.yaml "$corpus/" ;;
    config) cp fuzz/seeds/driftscan.yaml "$corpus/" ;;
    snapshot) cp fuzz/seeds/snapshot.json "$corpus/" ;;
  esac
  echo "== cargo fuzz run $target ($RUNS runs)"
  start=$(date +%s)
  status=0
  (cd fuzz && cargo fuzz run --sanitizer none "$target" "$corpus" -- -runs="$RUNS" "${LIMIT[@]}" -max_len=65536 -timeout=10 -rss_limit_mb=2048 2>&1) \
    | { grep -E "^#[0-9]+ +DONE|Done [0-9]+ runs|ERROR|panicked|SUMMARY|deadly signal|crash-" || true; } \
    || status=$?
  echo "== $target: $(( $(date +%s) - start )) s"
  # A crash, a hang or a leak ends cargo fuzz with an error: so does this script.
  [[ $status -eq 0 ]] || { echo "== $target FAILED (the input is under fuzz/artifacts/$target)"; exit 1; }
done
