// The demo shop served by connect360-server embeds the release widget under a strict CSP
// (scripts and styles from its own origin, 'wasm-unsafe-eval'): the launcher renders and
// opens with no CSP violation and no error.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { collectErrors, launchChromium, startServer } from './support.mjs';

let server;
let browser;

before(async () => {
  server = await startServer();
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('the demo shop embeds the widget under a strict CSP', async () => {
  const page = await browser.newPage();
  const errors = collectErrors(page);
  const violations = [];
  await page.exposeFunction('reportViolation', (v) => violations.push(v));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) =>
      window.reportViolation(`${e.violatedDirective} ${e.blockedURI}`));
  });
  const response = await page.goto(server.url);
  assert.match(response.headers()['content-security-policy'], /script-src 'self' 'wasm-unsafe-eval'/);
  assert.equal(await page.title(), 'Acme Outdoor — trail shoes, packs and tents');

  const launcher = page.locator('[data-connect360] button.c360-launcher');
  await launcher.waitFor({ state: 'visible', timeout: 15000 });
  await launcher.click();
  await page.locator('#c360-panel').waitFor({ state: 'visible', timeout: 5000 });
  assert.deepEqual(violations, [], 'no CSP violations');
  assert.deepEqual(errors, [], 'no page or console errors');
});

test('widget files are served cross-origin with the wasm MIME type', async () => {
  const wasm = await fetch(new URL('/widget/connect360-widget_bg.wasm', server.url));
  assert.equal(wasm.status, 200);
  assert.equal(wasm.headers.get('content-type'), 'application/wasm');
  assert.equal(wasm.headers.get('access-control-allow-origin'), '*');
  const js = await fetch(new URL('/widget/connect360-widget.js', server.url));
  assert.match(js.headers.get('content-type'), /javascript/);
  const picture = await fetch(new URL('/demo/img/blue-runner.png', server.url));
  assert.equal(picture.headers.get('content-type'), 'image/png');
  const missing = await fetch(new URL('/widget/nope.js', server.url));
  assert.equal(missing.status, 404);
});
