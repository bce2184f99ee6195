#!/usr/bin/env bash
# Bounded coverage-guided fuzzing (cargo fuzz / libFuzzer) of every target in fuzz/: each runs
# FUZZ_SECONDS (default 60) from the committed seeds in fuzz/corpus/<target>; what it learns
# goes to target/fuzz-corpus/ (not committed). Fails on any panic, assertion or hang (an input
# taking over 10 s). On the stable toolchain: RUSTC_BOOTSTRAP lets cargo fuzz pass its
# instrumentation flags; no sanitizer is needed for safe Rust.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../fuzz"
seconds="${FUZZ_SECONDS:-60}"
export RUSTC_BOOTSTRAP=1
for target in content server_inputs; do
  learned="../target/fuzz-corpus/$target"
  mkdir -p "$learned"
  log="$(mktemp)"
  if ! cargo fuzz run --sanitizer none -O "$target" "$learned" "corpus/$target" -- \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 >"$log" 2>&1; then
    tail -n 60 "$log" >&2
    echo "fuzzing $target failed; the input is under fuzz/artifacts/$target/" >&2
    exit 1
  fi
  runs=$(awk '/stat::number_of_executed_units:/ { print $2 }' "$log")
  echo "fuzz $target: ${seconds}s, ${runs:-?} executions, no failure ($(ls "$learned" | wc -l) learned inputs)"
  rm -f "$log"
done
