// The demo shop served by connect360-server embeds the release widget under a strict CSP
// (scripts and styles from its own origin, 'wasm-unsafe-eval'): the launcher renders and
// opens with no CSP violation and no error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { collectCspViolations, collectErrors, useServerAndBrowser } from './support.mjs';

const live = useServerAndBrowser();

test('the demo shop embeds the widget under a strict CSP', async () => {
  const page = await live.browser.newPage();
  const errors = collectErrors(page);
  const violations = await collectCspViolations(page);
  const response = await page.goto(live.server.url);
  assert.match(response.headers()['content-security-policy'], /script-src 'self' 'wasm-unsafe-eval'/);
  assert.equal(await page.title(), 'Acme Outdoor — trail shoes, packs and tents');

  const launcher = page.locator('[data-connect360] button.c360-launcher');
  await launcher.waitFor({ state: 'visible', timeout: 15000 });
  await launcher.click();
  await page.locator('#c360-panel').waitFor({ state: 'visible', timeout: 5000 });
  assert.deepEqual(violations, [], 'no CSP violations');
  assert.deepEqual(errors, [], 'no page or console errors');
});

test('widget files are versioned, cacheable and served cross-origin', async () => {
  const loader = await fetch(new URL('/widget/loader.js', live.server.url));
  assert.equal(loader.status, 200);
  assert.equal(loader.headers.get('cache-control'), 'public, max-age=300');
  assert.equal(loader.headers.get('access-control-allow-origin'), '*');
  // The loader names the content-hashed files of its own build (scripts/version-assets.sh).
  const source = await loader.text();
  // (It ships minified: the names stand in quotes after a slash.)
  const named = [...source.matchAll(/["']\/([\w.-]+\.(?:js|wasm|css))["']/g)].map((m) => m[1]);
  // Trunk's hash may print with fewer than 16 digits (no leading zeros).
  const hashed = /^(connect360-widget-[0-9a-f]{8,16}(_bg\.wasm|\.js)|(widget|conversation)-[0-9a-f]{16}\.css)$/;
  assert.equal(named.length, 4, `four assets in the loader: ${named}`);
  const types = { js: /javascript/, wasm: /^application\/wasm$/, css: /^text\/css/ };
  for (const name of named) {
    assert.match(name, hashed);
    const file = await fetch(new URL(`/widget/${name}`, live.server.url));
    assert.equal(file.status, 200, name);
    assert.match(file.headers.get('content-type'), types[name.split('.').pop()], name);
    assert.equal(file.headers.get('cache-control'), 'public, max-age=31536000, immutable', name);
    assert.equal(file.headers.get('access-control-allow-origin'), '*', name);
    assert.equal(file.headers.get('x-content-type-options'), 'nosniff', name);
    assert.equal(file.headers.get('vary'), 'accept-encoding', name);
  }
  const picture = await fetch(new URL('/demo/img/blue-runner.png', live.server.url));
  assert.equal(picture.headers.get('content-type'), 'image/png');
  const missing = await fetch(new URL('/widget/nope.js', live.server.url));
  assert.equal(missing.status, 404);
  assert.equal(missing.headers.get('cache-control'), null, 'a 404 is not cached forever');
});
