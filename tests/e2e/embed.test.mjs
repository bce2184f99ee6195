// The embed loader on a merchant page of another origin: the script tag alone paints the
// launcher; the WebAssembly is not fetched before the visitor shows interest; calls made
// before it loaded run in order; events fire with their details; hostile page CSS does not
// reach the widget.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { callAsMerchant, collectErrors, eventually, freePort, launchChromium, startServer } from './support.mjs';

let server;
let browser;
let host;

/** A merchant page on its own origin, embedding the widget from the gateway. */
function merchantPage(gateway) {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Merchant</title>
<style>* { all: unset } button { display: none !important }</style></head>
<body><h1>A merchant page</h1><p>Plenty of content.</p>
<script async src="${gateway}widget/loader.js" data-endpoint="${gateway.replace(/\/$/, '')}"
        data-channel="example.com"></script></body></html>`;
}

before(async () => {
  const hostPort = await freePort();
  server = await startServer({ args: ['--no-demo-bot', '--allowed-origin', `http://127.0.0.1:${hostPort}`] });
  host = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(merchantPage(server.url));
  });
  await new Promise((ok) => host.listen(hostPort, '127.0.0.1', ok));
  host.url = `http://127.0.0.1:${hostPort}/`;
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await new Promise((ok) => host?.close(ok));
  await server?.stop();
});

test('the script tag alone paints the launcher and loads the widget only on interest', async () => {
  const page = await browser.newPage();
  const errors = collectErrors(page);
  const wasm = [];
  page.on('request', (r) => r.url().endsWith('.wasm') && wasm.push(r.url()));
  await page.goto(host.url);
  const launcher = page.locator('[data-connect360] button.c360-launcher');
  await launcher.waitFor({ state: 'visible', timeout: 10000 });
  await page.waitForTimeout(1500);
  assert.deepEqual(wasm, [], 'no wasm before interest');
  assert.deepEqual(await page.evaluate(() => Object.keys(window).filter((k) => /connect360/i.test(k))),
    ['Connect360'], 'no global name but Connect360');
  await launcher.hover();
  await eventually(() => wasm.length === 1, 'the wasm to load on hover');
  await launcher.click();
  await page.locator('[data-connect360] #c360-panel').waitFor({ state: 'visible', timeout: 10000 });
  assert.equal(await page.locator('[data-connect360] button.c360-launcher').count(), 1, 'one launcher');
  assert.deepEqual(errors, []);
  await page.close();
});

test('calls queued before the widget loaded run in order and events carry their details', async () => {
  const page = await browser.newPage();
  await page.goto(host.url);
  await page.locator('[data-connect360] button.c360-launcher').waitFor({ state: 'visible', timeout: 10000 });
  const events = await page.evaluate(() => new Promise((resolve) => {
    const seen = [];
    const api = window.Connect360;
    api.on('ready', (d) => seen.push(['ready', d.open]));
    api.on('open', (d) => seen.push(['open', d.open]));
    api.on('sent', (d) => { seen.push(['sent', d.text]); resolve(seen); });
    api.open();
    api.sendMessage('Queued hello');
    seen.push(['state before load', api.getState().open]);
  }));
  assert.deepEqual(events.map((e) => e[0]), ['state before load', 'open', 'ready', 'sent']);
  assert.deepEqual(events.find((e) => e[0] === 'sent'), ['sent', 'Queued hello']);
  const state = await page.evaluate(() => window.Connect360.getState());
  assert.equal(state.open, true);
  assert.match(state.conversationId, /^conv_/);
  const stored = await callAsMerchant(server, 'v1.connect.listMessages', { conversationId: state.conversationId });
  assert.deepEqual(stored.items.map((m) => m.content.en), ['Queued hello']);
  await page.close();
});

test('a single-page app that replaces the body keeps the widget, and a second loader does not double-mount', async () => {
  const page = await browser.newPage();
  await page.goto(host.url);
  await page.locator('[data-connect360] button.c360-launcher').waitFor({ state: 'visible', timeout: 10000 });
  await page.evaluate((src) => {
    const again = document.createElement('script');
    again.src = src;
    document.head.appendChild(again);
  }, `${server.url}widget/loader.js`);
  await page.waitForTimeout(500);
  assert.equal(await page.locator('[data-connect360]').count(), 1, 'one widget');
  await page.evaluate(() => { document.body.innerHTML = '<main><h1>Next page</h1></main>'; });
  await page.locator('[data-connect360] button.c360-launcher').waitFor({ state: 'visible', timeout: 5000 });
  await page.evaluate(() => { document.body.replaceWith(document.createElement('body')); });
  await page.locator('[data-connect360] button.c360-launcher').waitFor({ state: 'visible', timeout: 5000 });
  await page.locator('[data-connect360] button.c360-launcher').click();
  await page.locator('[data-connect360] #c360-panel').waitFor({ state: 'visible', timeout: 10000 });
  await page.close();
});
