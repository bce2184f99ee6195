#!/usr/bin/env bash
# Runs every test of Connect360 Chat, installing what is missing first (scripts/setup.sh):
#   formatting, clippy (native and wasm32), native tests, browser tests (wasm-bindgen-test in
#   headless Chromium), bounded fuzzing, the release build with its size budget, and the end-to-end tests that
#   load the release build in Chromium.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/setup.sh
. scripts/setup.sh

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

# Every test runner's output also goes to a log, summed into one closing line at the end.
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
counted() { "$@" 2>&1 | tee -a "$log"; }
# A failed step also says how full the disk was: a linker that runs out of room crashes rather
# than saying so.
trap 'df -h . >&2; du -sh target >&2 2>/dev/null || true' ERR

step "cargo fmt --check"
cargo fmt --all -- --check

step "clippy (native: every crate and target)"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "clippy (wasm32: widget and model)"
cargo clippy -p connect360-widget -p connect360-model --target wasm32-unknown-unknown \
  --all-targets --locked -- -D warnings

step "native tests"
counted cargo test --workspace --locked

step "browser tests (wasm-bindgen-test, headless Chromium)"
counted cargo test -p connect360-widget --target wasm32-unknown-unknown --locked

step "fuzzing (cargo fuzz, ${FUZZ_SECONDS:-60} s per target, from fuzz/corpus)"
scripts/fuzz.sh

step "soak: 500 visitors for 5 minutes against the release server (fails on errors and leaks)"
cargo build --release --locked -p connect360-server
LOAD_VISITORS=500 LOAD_SECONDS="${SOAK_SECONDS:-300}" \
  cargo run --release --locked -q -p connect360-server --example load

step "soak: 1 000 visitors holding the event stream for a minute while agents write (fails on errors, leaks, a message lost or doubled)"
LOAD_MODE=stream LOAD_VISITORS=1000 LOAD_SECONDS="${STREAM_SOAK_SECONDS:-60}" \
  cargo run --release --locked -q -p connect360-server --example load

step "soak: 1 000 streaming visitors on one gateway, then on two replicas sharing Redis (fails on errors, a message lost or doubled)"
LOAD_MODE=scale LOAD_VISITORS=1000 LOAD_SECONDS="${SCALE_SOAK_SECONDS:-30}" \
  cargo run --release --locked -q -p connect360-server --example load

step "release build (trunk, std built for size, wasm-opt -Oz from binaryen 132)"
scripts/build-widget.sh

step "size budget (raw, gzip -9, brotli 11)"
scripts/size-budget.sh dist

step "end-to-end tests (release build in Chromium, against the real server)"
cargo build -p connect360-server --locked
counted node --test --test-reporter=spec tests/e2e/

# cargo: "test result: ok. N passed; M failed"; node: "ℹ pass N" / "ℹ fail M".
awk '
  /^test result:/ { for (i = 1; i <= NF; i++) { if ($i ~ /^passed/) p += $(i-1); if ($i ~ /^failed/) f += $(i-1) } }
  /^ℹ pass / { p += $3 }
  /^ℹ fail / { f += $3 }
  END { printf "\ntests: %d passed, %d failed\n", p, f }
' "$log"
