#!/usr/bin/env bash
# Trunk post_build hook (Trunk.toml): versioned asset URLs for the embed loader.
#
# This names the wasm-bindgen glue, the wasm and the stylesheets after their final content
# (minified; the split build's rewrites done) and writes their names into `loader.js`, the one file merchants reference by a fixed URL (and the
# stylesheet's into the standalone page, `index.html`). So every file but the loader can be
# cached forever (`immutable`), and a deploy can never pair a cached loader or glue with a wasm
# module of another build.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="${TRUNK_STAGING_DIR:?run by trunk as a post_build hook}"
cd "$dir"

only() { # the one file matching a glob, or fail
  local matches=($1)
  if ((${#matches[@]} != 1)) || [[ ! -e "${matches[0]}" ]]; then
    echo "version-assets: expected one file matching $1 in $dir, found: ${matches[*]}" >&2
    exit 1
  fi
  printf '%s' "${matches[0]}"
}

# Replaces `old` (a literal, which must stand in `file` exactly once) with `new`.
rename_in() {
  local file=$1 old=$2 new=$3
  if [[ $(grep -cF "$old" "$file") != 1 ]]; then
    echo "version-assets: $file must name $old exactly once" >&2
    exit 1
  fi
  sed -i "s|${old//./\\.}|$new|" "$file"
}

# The split release build first moves the rarely shown views into modules of their own.
if [[ -n "${C360_SPLIT_INPUT:-}" ]]; then
  bash "$repo/scripts/split-wasm.sh"
fi

js=$(only 'connect360-widget-*[0-9a-f].js')
wasm=$(only 'connect360-widget-*_bg.wasm')
# The wasm-bindgen glue ships minified (terser, from tools/; Trunk's own minifier fails on it:
# Trunk.toml). Only local names are mangled: the wasm imports its functions by property name.
# Then the glue and the wasm are named after their final content (Trunk named them after the
# linked wasm, which the split build and this script rewrite), in the standalone page too, whose
# preloads carry their integrity hashes.
terser="$repo/tools/node_modules/.bin/terser"
if [[ ! -x "$terser" ]]; then
  echo "version-assets: $terser is missing; run scripts/setup.sh" >&2
  exit 1
fi
sri() { node -e 'process.stdout.write("sha384-" + require("crypto").createHash("sha384").update(require("fs").readFileSync(process.argv[1])).digest("base64"))' "$1"; }
hash16() { sha256sum "$1" | cut -c1-16; }
before=$(sri "$js")
"$terser" "$js" --module --compress --mangle --comments false --output "$js"
rename_in index.html "$before" "$(sri "$js")"
echo "version-assets: $js minified to $(wc -c <"$js") bytes"
named_js="connect360-widget-$(hash16 "$js").js"
named_wasm="connect360-widget-$(hash16 "$wasm")_bg.wasm"
mv "$js" "$named_js"
mv "$wasm" "$named_wasm"
sed -i "s|/$js|/$named_js|g; s|/$wasm|/$named_wasm|g" index.html
js=$named_js wasm=$named_wasm

# The stylesheets ship minified (csso, from tools/, with no restructuring: the rules stay in
# their order), each named after its minified content: widget.css (the frame every page loads
# with the loader) and conversation.css (fetched with the wasm).
if [[ ! -d "$repo/tools/node_modules/csso" ]]; then
  echo "version-assets: csso is missing from tools/; run scripts/setup.sh" >&2
  exit 1
fi
versioned_css() { # minifies $1.css and prints its content-hashed name
  CSSO_PATH="$repo/tools/node_modules/csso" node -e '
    const fs = require("fs");
    const csso = require(process.env.CSSO_PATH);
    const file = process.argv[1];
    fs.writeFileSync(file, csso.minify(fs.readFileSync(file, "utf8"), { restructure: false }).css);
  ' "$1.css"
  local name
  name="$1-$(sha256sum "$1.css" | cut -c1-16).css"
  mv "$1.css" "$name"
  printf '%s' "$name"
}
css=$(versioned_css widget)
conversation_css=$(versioned_css conversation)


# The loader names the unversioned files.
rename_in loader.js "/connect360-widget.js'" "/$js'"
rename_in loader.js "/connect360-widget_bg.wasm'" "/$wasm'"
rename_in loader.js "/widget.css'" "/$css'"
rename_in loader.js "/conversation.css'" "/$conversation_css'"
# The standalone page links the stylesheets its widget host names.
rename_in index.html 'data-stylesheet="widget.css conversation.css"' \
  "data-stylesheet=\"$css $conversation_css\""
echo "version-assets: loader.js → $js, $wasm, $css, $conversation_css; index.html → $css $conversation_css"

# Every page of a merchant's site loads the loader: it ships minified (terser, from tools/),
# its readable source staying in embed/loader.js.
"$terser" loader.js --compress --mangle --comments false --output loader.js
echo "version-assets: loader.js minified to $(wc -c <loader.js) bytes"
