#!/usr/bin/env bash
# Fails when the gzip -9 total of the release widget (JS glue + wasm + widget CSS) is over
# budget, and prints the figures every run. The widget stylesheet is compiled into the wasm
# (include_str!), so it is counted there; any CSS file the release ships is counted too.
#
# Budget: measured size + 10%. Raise it only with a measured reason in the commit message.
set -euo pipefail
# Measured 2026-11-22 with attachments (tray, checks, XHR uploads with progress, previews
# and downloads) on top of rich content: 265 560 bytes (JS ~9 600 + wasm 256 005) → budget
# 292 116. History: skeleton 49 935; working conversation 189 923; rich content 241 422.
# Most of each step is Leptos' per-component code (tachys, reactive_graph), not new crates.
BUDGET_GZIP_BYTES=${BUDGET_GZIP_BYTES:-292116}

dist="${1:-dist}"
# Content-hashed names (Trunk's filehash and scripts/version-assets.sh); exactly one build.
files=("$dist"/connect360-widget-*[0-9a-f].js "$dist"/connect360-widget-*_bg.wasm)
if ((${#files[@]} != 2)) || [[ ! -e "${files[0]}" || ! -e "${files[1]}" ]]; then
  echo "expected one widget build in $dist, found: ${files[*]}" >&2
  exit 1
fi
for css in "$dist"/widget*.css; do
  [[ -e "$css" ]] && files+=("$css")
done

total_raw=0
total_gz=0
printf '%-44s %10s %10s\n' "file" "raw" "gzip -9"
for f in "${files[@]}"; do
  raw=$(wc -c <"$f")
  gz=$(gzip -9 -c "$f" | wc -c)
  total_raw=$((total_raw + raw))
  total_gz=$((total_gz + gz))
  printf '%-44s %10d %10d\n' "$(basename "$f")" "$raw" "$gz"
done
printf '%-44s %10d %10d   (budget %d)\n' "total" "$total_raw" "$total_gz" "$BUDGET_GZIP_BYTES"
# The embed loader is what every page of a merchant's site loads: at most 4 KB gzip.
LOADER_BUDGET_GZIP_BYTES=4096
if [[ -e "$dist/loader.js" ]]; then
  loader_gz=$(gzip -9 -c "$dist/loader.js" | wc -c)
  printf '%-44s %10d %10d   (budget %d)\n' "loader.js" "$(wc -c <"$dist/loader.js")" "$loader_gz" "$LOADER_BUDGET_GZIP_BYTES"
  if ((loader_gz > LOADER_BUDGET_GZIP_BYTES)); then
    echo "loader budget exceeded: $loader_gz bytes gzip > $LOADER_BUDGET_GZIP_BYTES" >&2
    exit 1
  fi
fi
if ((total_gz > BUDGET_GZIP_BYTES)); then
  echo "size budget exceeded: $total_gz bytes gzip > $BUDGET_GZIP_BYTES" >&2
  exit 1
fi
