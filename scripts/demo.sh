#!/usr/bin/env bash
# Starts the Connect360 Chat demo: installs what is missing (scripts/setup.sh), builds the
# release widget, then runs connect360-server with the local Connect360, which serves the
# demo shop (with the widget) and prints its URLs. Ctrl+C stops it; data stays in .connect360/.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/setup.sh
. scripts/setup.sh

port="${PORT:-8787}"
scripts/build-widget.sh
cargo build --release --locked -p connect360-server
printf '\n\033[1mConnect360 Chat demo: open http://127.0.0.1:%s/ in your browser\033[0m (Ctrl+C stops it)\n\n' "$port"
# Sign-in suggestions go to the demo's stand-in authorization page; the demo shop's opening
# hours come from its settings file.
exec target/release/connect360-server --listen "127.0.0.1:$port" --widget-dir dist --data-dir .connect360 \
  --oauth-authorize-url "http://127.0.0.1:$port/demo/sign-in" --config crates/server/demo/connect360.toml
