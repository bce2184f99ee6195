#!/usr/bin/env bash
# Prints raw, gzip and brotli sizes of the release widget (JS glue + wasm + widget CSS) and of
# the loader, and fails when a total is over its budget. The compressed figures are the very
# files the gateway serves: the `.gz` (gzip -9) and `.br` (brotli 11) copies that
# scripts/build-widget.sh writes beside each file (connect360-precompress).
#
# Budgets: the measured size + 3%. Raise one only with a measured reason in the commit message.
set -euo pipefail
# Measured 2026-12-02 (build-std, immediate-abort): 228 995 B brotli, 282 122 B gzip. History
# (gzip): skeleton 49 935; conversation 189 923; rich content 241 422; attachments 265 560.
BUDGET_BROTLI_BYTES=${BUDGET_BROTLI_BYTES:-222859}
BUDGET_GZIP_BYTES=${BUDGET_GZIP_BYTES:-273446}
# The embed loader is what every page of a merchant's site loads.
LOADER_BUDGET_BROTLI_BYTES=${LOADER_BUDGET_BROTLI_BYTES:-4096}

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

size_of() {
  if [[ ! -e "$1" ]]; then
    echo "size-budget: $1 is missing; build with scripts/build-widget.sh" >&2
    exit 1
  fi
  wc -c <"$1"
}

total_raw=0 total_gz=0 total_br=0
row() { printf '%-44s %10s %10s %10s%s\n' "$@"; }
row "file" "raw" "gzip -9" "brotli 11" ""
for f in "${files[@]}"; do
  raw=$(size_of "$f")
  gz=$(size_of "$f.gz")
  br=$(size_of "$f.br")
  total_raw=$((total_raw + raw)) total_gz=$((total_gz + gz)) total_br=$((total_br + br))
  row "$(basename "$f")" "$raw" "$gz" "$br" ""
done
row "widget total" "$total_raw" "$total_gz" "$total_br" \
  "   (budget gzip $BUDGET_GZIP_BYTES, brotli $BUDGET_BROTLI_BYTES)"
loader_raw=$(size_of "$dist/loader.js")
loader_gz=$(size_of "$dist/loader.js.gz")
loader_br=$(size_of "$dist/loader.js.br")
row "loader.js" "$loader_raw" "$loader_gz" "$loader_br" "   (budget brotli $LOADER_BUDGET_BROTLI_BYTES)"

failed=0
if ((loader_br > LOADER_BUDGET_BROTLI_BYTES)); then
  echo "loader budget exceeded: $loader_br bytes brotli > $LOADER_BUDGET_BROTLI_BYTES" >&2
  failed=1
fi
if ((total_br > BUDGET_BROTLI_BYTES)); then
  echo "size budget exceeded: $total_br bytes brotli > $BUDGET_BROTLI_BYTES" >&2
  failed=1
fi
if ((total_gz > BUDGET_GZIP_BYTES)); then
  echo "size budget exceeded: $total_gz bytes gzip > $BUDGET_GZIP_BYTES" >&2
  failed=1
fi
exit "$failed"
