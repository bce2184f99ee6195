#!/usr/bin/env bash
# Installs what building and testing Connect360 Chat needs, skipping whatever is already there,
# so a second run takes seconds. Source it (`. scripts/setup.sh`) to also get PATH set up.
#
#   - the wasm32-unknown-unknown target, rustfmt, clippy and rust-src (rustup)
#   - trunk 0.21.14 (cargo install; 0.22 needs a newer rustc)
#   - wasm-bindgen-cli, exactly the wasm-bindgen version in Cargo.lock
#   - wasm-opt from npm binaryen@132.0.0, terser and csso (the loader and its stylesheet) and playwright-core (tools/, npm ci), wasm-opt linked
#     into cargo's bin so a new shell finds it
#   - Debian chromium + chromium-driver (apt), for the browser and end-to-end tests, and
#     redis-server, for the scale-out tests (replicas sharing their state)
#   - cargo-fuzz 0.13.2 (cargo install), for the bounded fuzzing run (scripts/fuzz.sh)
#   - wasm-split-cli from wasm_split_cli_support 0.2.4 (cargo install), which splits the release
#     widget's rarely shown views into modules of their own (scripts/split-wasm.sh)
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TRUNK_VERSION="0.21.14"
CARGO_FUZZ_VERSION="0.13.2"
WASM_SPLIT_VERSION="0.2.4"

say() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }

export PATH="$repo/tools/node_modules/.bin:${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"

setup_rust() {
  # rust-toolchain.toml names the target and components; make sure they are present.
  local installed
  installed="$(rustup target list --installed)"
  if ! grep -qx wasm32-unknown-unknown <<<"$installed"; then
    say "adding the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
  fi
  if ! cargo fmt --version >/dev/null 2>&1 || ! cargo clippy --version >/dev/null 2>&1; then
    say "adding rustfmt and clippy"
    rustup component add rustfmt clippy
  fi
  # The release widget rebuilds the standard library for size (scripts/build-widget.sh).
  if [[ ! -f "$(rustc --print sysroot)/lib/rustlib/src/rust/library/Cargo.lock" ]]; then
    say "adding rust-src"
    rustup component add rust-src
  fi
}

setup_trunk() {
  if [[ "$(trunk --version 2>/dev/null)" == "trunk $TRUNK_VERSION" ]]; then
    return
  fi
  say "installing trunk $TRUNK_VERSION (builds from source: 12-20 minutes on 2 cores, once)"
  cargo install "trunk@$TRUNK_VERSION" --locked
}

setup_wasm_bindgen() {
  local want
  want="$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/[^0-9.]/, ""); print; exit }' "$repo/Cargo.lock")"
  if [[ -z "$want" ]]; then
    say "Cargo.lock has no wasm-bindgen entry; run 'cargo generate-lockfile' first" >&2
    exit 1
  fi
  if [[ "$(wasm-bindgen --version 2>/dev/null)" == "wasm-bindgen $want" ]] &&
    [[ "$(wasm-bindgen-test-runner --version 2>/dev/null)" == "wasm-bindgen-test-runner $want" ]]; then
    return
  fi
  say "installing wasm-bindgen-cli $want (matches Cargo.lock)"
  # No --locked: the CLI's own lockfile names a crate version the registry mirror lacks.
  cargo install wasm-bindgen-cli --version "$want" --force
}

setup_npm_tools() {
  local stamp="$repo/tools/node_modules/.installed-from-lock"
  if [[ -f "$stamp" ]] && cmp -s "$stamp" "$repo/tools/package-lock.json"; then
    return
  fi
  say "installing npm tools (binaryen 132 wasm-opt, terser, csso, playwright-core)"
  (cd "$repo/tools" && npm ci --no-audit --no-fund --loglevel=error)
  cp "$repo/tools/package-lock.json" "$stamp"
}

# Trunk finds wasm-opt on PATH; a link in cargo's bin (on PATH in every new shell after rustup)
# lets a plain `trunk build --release` work without sourcing this script.
setup_wasm_opt_link() {
  local bin="${CARGO_HOME:-$HOME/.cargo}/bin/wasm-opt"
  local target
  target="$(readlink -f "$repo/tools/node_modules/.bin/wasm-opt")"
  if [[ -e "$bin" && ! -L "$bin" ]]; then
    say "leaving $bin alone (not a link this script made)"
    return
  fi
  [[ "$(readlink "$bin" 2>/dev/null)" == "$target" ]] || ln -sfn "$target" "$bin"
}

# Debian packages: chromium and chromium-driver (browser and end-to-end tests), redis-server
# (the replicas' shared state in the scale-out tests; started by the tests themselves).
setup_debian_packages() {
  if command -v chromium >/dev/null && command -v chromedriver >/dev/null &&
    command -v redis-server >/dev/null; then
    return
  fi
  say "installing Debian chromium, chromium-driver and redis-server"
  local sudo=""
  [[ "$(id -u)" == 0 ]] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium chromium-driver \
    redis-server >/dev/null
  # The package's own service is not wanted: each test starts a server on a port of its own.
  $sudo service redis-server stop >/dev/null 2>&1 || true
}

setup_cargo_fuzz() {
  if [[ "$(cargo fuzz --version 2>/dev/null)" == "cargo-fuzz $CARGO_FUZZ_VERSION" ]]; then
    return
  fi
  say "installing cargo-fuzz $CARGO_FUZZ_VERSION (about 2 minutes, once)"
  cargo install "cargo-fuzz@$CARGO_FUZZ_VERSION" --locked
}

setup_wasm_split() {
  if cargo install --list | grep -qF "wasm_split_cli_support v$WASM_SPLIT_VERSION:"; then
    return
  fi
  say "installing wasm-split-cli $WASM_SPLIT_VERSION (about a minute, once)"
  cargo install "wasm_split_cli_support@$WASM_SPLIT_VERSION" --features build-binary --locked
}

setup_rust
setup_trunk
setup_wasm_bindgen
setup_npm_tools
setup_wasm_opt_link
setup_debian_packages
setup_cargo_fuzz
setup_wasm_split

export CHROMEDRIVER="${CHROMEDRIVER:-$(command -v chromedriver)}"
export CHROMIUM="${CHROMIUM:-$(command -v chromium)}"
# Trunk must not ask crates.io for a newer release at every start.
export TRUNK_SKIP_VERSION_CHECK=true
say "ready: $(trunk --version), $(wasm-bindgen --version), $(wasm-opt --version), $("$CHROMIUM" --version 2>/dev/null)"
