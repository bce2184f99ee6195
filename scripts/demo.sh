#!/usr/bin/env bash
# Starts the Connect360 Chat demo: installs what is missing (scripts/setup.sh), then serves the
# widget with `trunk serve` and prints the URL to open.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/setup.sh
. scripts/setup.sh

port="${PORT:-8080}"
printf '\n\033[1mConnect360 Chat demo: open http://127.0.0.1:%s/ in your browser\033[0m (Ctrl+C stops it)\n\n' "$port"
exec trunk serve --port "$port"
