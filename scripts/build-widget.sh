#!/usr/bin/env bash
# Builds the release widget into dist/ (Trunk, wasm-opt -Oz), with the standard library rebuilt
# for size: `-Zbuild-std` (through RUSTC_BOOTSTRAP, in this build only) with `optimize_for_size`
# and the `immediate-abort` panic strategy, which drops the panic-message machinery from the
# wasm. Remote input is validated by total functions, so a panic is a bug either way; it now
# traps without a message. `--cfg erase_components` (Leptos) erases each component's view type
# into `AnyView`: one build path per component instead of a monomorphised copy per nesting
# (−9.5 KB brotli). `-Zfmt-debug=none` compiles `{:?}` formatting to nothing and
# `-Zlocation-detail=none` drops panic locations (−4.6 KB brotli together): no widget
# behaviour may rest on Debug output (list keys and error texts are built explicitly).
# `--cfg c360_split` with `--emit-relocs` makes the rarely shown views (`on_demand_view!`)
# split points, which scripts/split-wasm.sh (run by the post_build hook) moves into modules
# fetched when first shown. A plain `trunk build --release` still works, only larger.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PATH="$PWD/tools/node_modules/.bin:${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"

# The standard library's own dependencies, fetched while the registry is reachable: Trunk
# builds offline.
library="$(rustc --print sysroot)/lib/rustlib/src/rust/library"
if [[ ! -f "$library/Cargo.lock" ]]; then
  echo "build-widget: rust-src is missing; run scripts/setup.sh" >&2
  exit 1
fi
RUSTC_BOOTSTRAP=1 cargo fetch --locked --manifest-path "$library/Cargo.toml" -q

# A target directory of its own: these flags would otherwise rebuild everything the tests use.
RUSTC_BOOTSTRAP=1 \
  CARGO_TARGET_DIR="$PWD/target/widget-release" \
  CARGO_UNSTABLE_BUILD_STD=std,panic_abort \
  CARGO_UNSTABLE_BUILD_STD_FEATURES=optimize_for_size \
  CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="-Zunstable-options -Cpanic=immediate-abort --cfg erase_components -Zfmt-debug=none -Zlocation-detail=none --cfg c360_split -Clink-args=--emit-relocs" \
  C360_SPLIT_INPUT="$PWD/target/widget-release/wasm32-unknown-unknown/release/connect360-widget.wasm" \
  trunk build --release --locked "$@"

# Brotli and gzip copies beside each file, served by the gateway to browsers that accept them.
cargo run -q --locked -p connect360-server --bin connect360-precompress -- dist
