#!/usr/bin/env bash
# Run by scripts/version-assets.sh (Trunk's post_build hook) in the split release build
# (scripts/build-widget.sh sets C360_SPLIT_INPUT): moves the widget's rarely shown views — the
# functions `on_demand_view!` marks (src/ui/mod.rs) — out of the wasm every visitor fetches
# into modules of their own, fetched the first time one is shown.
#
# Trunk 0.21 cannot split, so this redoes its last steps on the linked wasm (built with
# `--emit-relocs`): wasm-split-cli splits it, wasm-bindgen writes the glue for the main module
# (keeping the exports the modules share), wasm-opt -Oz optimises every module as Trunk does.
# The results replace Trunk's glue and wasm (scripts/version-assets.sh then names both after
# their final content); the modules are named after theirs, and the small loader of them that
# wasm-split-cli writes (the "link" module) goes into the glue.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
raw="${C360_SPLIT_INPUT:?set by scripts/build-widget.sh}"
dir="${TRUNK_STAGING_DIR:?run by trunk as a post_build hook}"
cd "$dir"
export PATH="$repo/tools/node_modules/.bin:${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"

only() { # the one file matching a glob, or fail
  local matches=($1)
  if ((${#matches[@]} != 1)) || [[ ! -e "${matches[0]}" ]]; then
    echo "split-wasm: expected one file matching $1 in $dir, found: ${matches[*]}" >&2
    exit 1
  fi
  printf '%s' "${matches[0]}"
}
hash16() { sha256sum "$1" | cut -c1-16; }
sri() { node -e 'process.stdout.write("sha384-" + require("crypto").createHash("sha384").update(require("fs").readFileSync(process.argv[1])).digest("base64"))' "$1"; }
# Replaces `old` (a literal, which must stand in `file` exactly once, or with `all` at least
# once) with `new`.
replace_once() {
  local file=$1 old=$2 new=$3 all=${4:-}
  OLD="$old" NEW="$new" ALL="$all" node -e '
    const fs = require("fs");
    const file = process.argv[1];
    const text = fs.readFileSync(file, "utf8");
    const parts = text.split(process.env.OLD);
    if (process.env.ALL ? parts.length < 2 : parts.length !== 2) {
      console.error(`split-wasm: ${file} must hold ${JSON.stringify(process.env.OLD)} ${process.env.ALL ? "at least" : "exactly"} once`);
      process.exit(1);
    }
    fs.writeFileSync(file, parts.join(process.env.NEW));
  ' "$file"
}

for tool in wasm-split-cli wasm-bindgen wasm-opt terser; do
  if ! command -v "$tool" >/dev/null; then
    echo "split-wasm: $tool is missing; run scripts/setup.sh" >&2
    exit 1
  fi
done

js=$(only 'connect360-widget-*[0-9a-f].js')
wasm=$(only 'connect360-widget-*_bg.wasm')
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

wasm-split-cli "$raw" "$work/split" --out-name connect360-widget
modules=()
for module in "$work"/split/*.wasm; do
  [[ "$(basename "$module")" == connect360-widget.wasm ]] || modules+=("$module")
done
if ((${#modules[@]} == 0)); then
  echo "split-wasm: the wasm has no split points; Trunk's output stands"
  exit 0
fi

wasm-bindgen --target web --keep-lld-exports --no-demangle \
  --out-dir "$work/bindgen" --out-name connect360-widget "$work/split/connect360-widget.wasm"

# The main module and the glue, under Trunk's names; the page's preloads check their hashes.
old_wasm_sri=$(sri "$wasm")
old_js_sri=$(sri "$js")
wasm-opt --output="$wasm" -Oz "$work/bindgen/connect360-widget_bg.wasm"
cp "$work/bindgen/connect360-widget.js" "$js"

# The modules, named after their content; the link module fetches them by those names.
link="$work/split/__wasm_split.js"
for module in "${modules[@]}"; do
  stem=$(basename "$module" .wasm)
  wasm-opt --output="$work/$stem.wasm" -Oz "$module"
  name="c360-${stem//_/-}-$(hash16 "$work/$stem.wasm").wasm"
  cp "$work/$stem.wasm" "$name"
  replace_once "$link" "\"./$stem.wasm\"" "\"./$name\""
done
# The link module goes into the glue: no request of its own, and a retried glue (the embed
# loader imports it under `?retry=N` after a failed attempt) brings its own. Its exports become
# one object that stands for the module the main wasm imports them from, and it calls the
# glue's own `initSync` (which, once the widget runs, returns the wasm's exports).
node - "$link" "$js" <<'JS'
const fs = require('fs');
const [link, glue] = process.argv.slice(2);
const fail = (why) => { console.error(`split-wasm: ${why}`); process.exit(1); };
let code = fs.readFileSync(link, 'utf8');
const own = 'import { initSync } from "./connect360-widget.js";';
if (code.split(own).length !== 2) fail(`${link} must import initSync from the glue once`);
code = code.replace(own, '');
const names = [];
code = code.replace(/^export const (\w+)/gm, (_, name) => { names.push(name); return `const ${name}`; });
if (names.length === 0 || /^\s*(import|export)\b/m.test(code)) fail(`${link} has an unexpected shape`);
let text = fs.readFileSync(glue, 'utf8');
const imports = /^import \* as (\w+) from "\.\/__wasm_split\.js";?$/gm;
const aliases = [...text.matchAll(imports)].map((m) => m[1]);
if (aliases.length === 0) fail(`${glue} does not import the link module`);
let first = true;
text = text.replace(imports, (_, alias) => {
  const line = `const ${alias} = __c360_split;`;
  if (!first) return line;
  first = false;
  return `const __c360_split = (() => {\n${code}\nreturn { ${names.join(', ')} };\n})();\n${line}`;
});
fs.writeFileSync(glue, text);
JS

if [[ -f index.html ]]; then
  replace_once index.html "$old_wasm_sri" "$(sri "$wasm")"
  replace_once index.html "$old_js_sri" "$(sri "$js")"
fi
echo "split-wasm: $wasm $(wc -c <"$wasm") bytes; on demand: $(printf '%s ' c360-*.wasm)"
