#!/usr/bin/env bash
# Prints raw, gzip and brotli sizes of the release widget (JS glue + wasm + both stylesheets), of
# the loader, and of what a merchant's page receives before any interaction (the loader and the
# frame stylesheet, widget.css), and fails when a total is over its budget. The compressed figures are the very
# files the gateway serves: the `.gz` (gzip -9) and `.br` (brotli 11) copies that
# scripts/build-widget.sh writes beside each file (connect360-precompress).
#
# Budgets: the measured size + 3%. Raise one only with a measured reason in the commit message.
set -euo pipefail
# Measured 2026-12-07 (build-std, immediate-abort, no Debug formatting, minified glue, the
# frame CSS split from the conversation CSS): 210 667 B brotli, 258 434 B gzip; then #17's
# opening hours (+3.6 KB brotli: Intl bindings, strings) and the pre-chat form (+14.0 KB:
# its views and the model's contact rules): 228 258 B brotli, 281 613 B gzip; then the end of a
# chat and its rating (+11.3 KB: the menu, the confirmation, the rating form, the state's
# reads): 239 582 B brotli, 297 190 B gzip; the transcript download and the menu's keyboard
# (+2.0 KB): 241 720 B brotli, 299 851 B gzip; new chats and the earlier ones, listed and read
# (+13.9 KB: the list, the read-only view, the new-chat action, their review's mends): 255 592 B
# brotli, 319 295 B gzip; the rare views (rich content, contact form, rating, earlier chats)
# moved into modules fetched when first shown (scripts/split-wasm.sh): 225 535 B brotli,
# 278 448 B gzip on the tap, 67 079 B brotli on demand; then the attachments' views too, and one
# body for every on-demand call site: 215 833 B brotli, 264 455 B gzip on the tap, 86 597 B
# brotli on demand; after review the contact form is back in the main module (a merchant who sets
# one shows it to every new visitor at once) and the link module is in the glue: 225 030 B
# brotli, 276 809 B gzip on the tap, 68 373 B brotli on demand; then the AI reply's streaming
# moved into a module fetched with a site's first AI reply (most sites have no agent), and an
# earlier chat's transcript download: 219 291 B brotli, 269 661 B gzip on the tap, 77 552 B
# brotli on demand. History
# (gzip): skeleton 49 935; conversation 189 923; rich content 241 422; attachments 265 560.
BUDGET_BROTLI_BYTES=${BUDGET_BROTLI_BYTES:-225634}
BUDGET_GZIP_BYTES=${BUDGET_GZIP_BYTES:-277609}
# The modules fetched when a rare view is first shown, together.
ON_DEMAND_BUDGET_BROTLI_BYTES=${ON_DEMAND_BUDGET_BROTLI_BYTES:-79918}
# The embed loader is what every page of a merchant's site loads.
LOADER_BUDGET_BROTLI_BYTES=${LOADER_BUDGET_BROTLI_BYTES:-4096}
# Before interaction: loader.js + widget.css, brotli bodies. #14 allows 6 KB on the wire in
# two requests; about 330 B of response headers each leave 5 300 B for the bodies.
BEFORE_TAP_BUDGET_BROTLI_BYTES=${BEFORE_TAP_BUDGET_BROTLI_BYTES:-5300}

dist="${1:-dist}"
# Content-hashed names (Trunk's filehash and scripts/version-assets.sh); exactly one build.
files=("$dist"/connect360-widget-*[0-9a-f].js "$dist"/connect360-widget-*_bg.wasm)
if ((${#files[@]} != 2)) || [[ ! -e "${files[0]}" || ! -e "${files[1]}" ]]; then
  echo "expected one widget build in $dist, found: ${files[*]}" >&2
  exit 1
fi
frame_css=("$dist"/widget-*[0-9a-f].css)
conversation_css=("$dist"/conversation-*[0-9a-f].css)
if ((${#frame_css[@]} != 1 || ${#conversation_css[@]} != 1)) || [[ ! -e "${frame_css[0]}" || ! -e "${conversation_css[0]}" ]]; then
  echo "expected one widget-*.css and one conversation-*.css in $dist" >&2
  exit 1
fi
files+=("${frame_css[0]}" "${conversation_css[0]}")
# The split build's modules of the rarely shown views are counted apart: nothing fetches them
# until one is shown.
shopt -s nullglob
on_demand=("$dist"/c360-*[0-9a-f].wasm)
shopt -u nullglob

size_of() {
  if [[ ! -e "$1" ]]; then
    echo "size-budget: $1 is missing; build with scripts/build-widget.sh" >&2
    exit 1
  fi
  wc -c <"$1"
}

row() { printf '%-58s %10s %10s %10s%s\n' "$@"; }
# Prints a row for each of the files after the first argument (a label prefix) and leaves
# their sums in sum_raw, sum_gz, sum_br.
rows_of() {
  local prefix=$1 f raw gz br
  shift
  sum_raw=0 sum_gz=0 sum_br=0
  for f in "$@"; do
    raw=$(size_of "$f")
    gz=$(size_of "$f.gz")
    br=$(size_of "$f.br")
    sum_raw=$((sum_raw + raw)) sum_gz=$((sum_gz + gz)) sum_br=$((sum_br + br))
    row "$prefix$(basename "$f")" "$raw" "$gz" "$br" ""
  done
}
row "file" "raw" "gzip -9" "brotli 11" ""
rows_of "" "${files[@]}"
total_raw=$sum_raw total_gz=$sum_gz total_br=$sum_br
row "widget total" "$total_raw" "$total_gz" "$total_br" \
  "   (budget gzip $BUDGET_GZIP_BYTES, brotli $BUDGET_BROTLI_BYTES)"
demand_br=0
if ((${#on_demand[@]} > 0)); then
  rows_of "  on demand: " "${on_demand[@]}"
  demand_br=$sum_br
  row "on demand total (fetched when first shown)" "$sum_raw" "$sum_gz" "$sum_br" \
    "   (budget brotli $ON_DEMAND_BUDGET_BROTLI_BYTES)"
fi
loader_raw=$(size_of "$dist/loader.js")
loader_gz=$(size_of "$dist/loader.js.gz")
loader_br=$(size_of "$dist/loader.js.br")
row "loader.js" "$loader_raw" "$loader_gz" "$loader_br" "   (budget brotli $LOADER_BUDGET_BROTLI_BYTES)"
frame_br=$(size_of "${frame_css[0]}.br")
before_tap_br=$((loader_br + frame_br))
row "before interaction (loader + widget.css)" "" "" "$before_tap_br" "   (budget brotli $BEFORE_TAP_BUDGET_BROTLI_BYTES)"

failed=0
if ((loader_br > LOADER_BUDGET_BROTLI_BYTES)); then
  echo "loader budget exceeded: $loader_br bytes brotli > $LOADER_BUDGET_BROTLI_BYTES" >&2
  failed=1
fi
if ((before_tap_br > BEFORE_TAP_BUDGET_BROTLI_BYTES)); then
  echo "before-interaction budget exceeded: $before_tap_br bytes brotli > $BEFORE_TAP_BUDGET_BROTLI_BYTES" >&2
  failed=1
fi
if ((total_br > BUDGET_BROTLI_BYTES)); then
  echo "size budget exceeded: $total_br bytes brotli > $BUDGET_BROTLI_BYTES" >&2
  failed=1
fi
if ((demand_br > ON_DEMAND_BUDGET_BROTLI_BYTES)); then
  echo "on-demand budget exceeded: $demand_br bytes brotli > $ON_DEMAND_BUDGET_BROTLI_BYTES" >&2
  failed=1
fi
if ((total_gz > BUDGET_GZIP_BYTES)); then
  echo "size budget exceeded: $total_gz bytes gzip > $BUDGET_GZIP_BYTES" >&2
  failed=1
fi
exit "$failed"
