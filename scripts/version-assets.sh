#!/usr/bin/env bash
# Trunk post_build hook (Trunk.toml): versioned asset URLs for the embed loader.
#
# Trunk already names the wasm-bindgen glue and the wasm after their content
# (`filehash = true`). This gives the widget stylesheet a content-hashed name too and writes
# all three names into `loader.js`, the one file merchants reference by a fixed URL (and the
# stylesheet's into the standalone page, `index.html`). So every file but the loader can be
# cached forever (`immutable`), and a deploy can never pair a cached loader or glue with a wasm
# module of another build.
set -euo pipefail
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

js=$(only 'connect360-widget-*[0-9a-f].js')
wasm=$(only 'connect360-widget-*_bg.wasm')
css_hash=$(sha256sum widget.css | cut -c1-16)
css="widget-$css_hash.css"
mv widget.css "$css"

# The loader names the unversioned files; each must be found exactly once.
for name in connect360-widget.js connect360-widget_bg.wasm widget.css; do
  if [[ $(grep -c "/$name'" loader.js) != 1 ]]; then
    echo "version-assets: loader.js must name '/$name' exactly once" >&2
    exit 1
  fi
done
sed -i -e "s|/connect360-widget\.js'|/$js'|" \
  -e "s|/connect360-widget_bg\.wasm'|/$wasm'|" \
  -e "s|/widget\.css'|/$css'|" loader.js
# The standalone page links the stylesheet its widget host names.
if [[ $(grep -c 'data-stylesheet="widget\.css"' index.html) != 1 ]]; then
  echo "version-assets: index.html must name data-stylesheet=\"widget.css\" exactly once" >&2
  exit 1
fi
sed -i "s|data-stylesheet=\"widget\.css\"|data-stylesheet=\"$css\"|" index.html
echo "version-assets: loader.js → $js, $wasm, $css; index.html → $css"
