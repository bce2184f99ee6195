// The embed loader on a merchant page of another origin: the script tag alone paints the
// launcher; the WebAssembly is not fetched before the visitor shows interest; calls made
// before it loaded run in order; events fire with their details; hostile page CSS does not
// reach the widget; a strict CSP page works with no violation; the widget never steals focus
// or scrolls the page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { callAsMerchant, collectCspViolations, collectErrors, eventually, freePort, launchChromium, repoRoot, startServer, uploadDemoPicture } from './support.mjs';

let server;
let browser;
let host;

const IDENTITY_SECRET = 'e2e-identity-secret-of-at-least-32-bytes';

/** A merchant-signed identity (HS256 JWT), as the merchant's backend would make it. */
function identityToken(claims) {
  const part = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const unsigned = `${part({ alg: 'HS256', typ: 'JWT' })}.${part(claims)}`;
  const signature = createHmac('sha256', IDENTITY_SECRET).update(unsigned).digest('base64url');
  return `${unsigned}.${signature}`;
}

/** A merchant page on its own origin, embedding the widget from the gateway. */
function merchantPage(gateway) {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Merchant</title>
<style>* { all: unset } button { display: none !important }</style></head>
<body><h1>A merchant page</h1><p>Plenty of content.</p>
<script async src="${gateway}widget/loader.js" data-endpoint="${gateway.replace(/\/$/, '')}"
        data-channel="example.com" data-color="#ffcc00" data-theme="dark"></script></body></html>`;
}

/**
 * A merchant page under the strict policy the README documents: no inline script or style,
 * scripts from its own origin and the gateway (plus wasm), styles from the gateway only.
 * Violations are reported to the host (`report-uri`) and collected in `cspReports`.
 */
function strictPage(gateway) {
  const origin = gateway.replace(/\/$/, '');
  return {
    csp: `default-src 'none'; script-src 'self' ${origin} 'wasm-unsafe-eval'; style-src ${origin}; `
      + `connect-src ${origin}; img-src ${origin} blob:; report-uri /csp-report`,
    html: `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Strict merchant</title></head>
<body><h1>A strict merchant page</h1>
<script async src="${gateway}widget/loader.js" data-endpoint="${origin}" data-channel="example.com"></script>
</body></html>`,
  };
}

/** A long merchant page with a search box, to see that the widget leaves focus and scroll alone. */
function longPage(gateway) {
  const filler = Array.from({ length: 60 }, (_, i) => `<p>Paragraph ${i + 1} of a long product page.</p>`).join('');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Long merchant page</title></head>
<body><label>Search <input id="search"></label>${filler}<p id="bottom">The end.</p>
<script async src="${gateway}widget/loader.js" data-endpoint="${gateway.replace(/\/$/, '')}"
        data-channel="example.com"></script></body></html>`;
}

/**
 * A merchant page whose head defines the README's stub and calls it, both ways, before the
 * async loader has run; what the calls caused is gathered in window.__seen.
 */
async function stubPage(gateway) {
  const readme = await readFile(join(repoRoot, 'README.md'), 'utf8');
  const stub = /\*\*Calls before the loader\.\*\*[\s\S]*?```html\n<script>([\s\S]*?)<\/script>\n```/.exec(readme)[1];
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Early merchant</title>
<script>${stub}</script>
<script>
window.__seen = [];
Connect360('on', 'ready', function (state) { __seen.push('ready ' + state.open); });
Connect360.on('sent', function (m) { __seen.push('sent ' + m.text); });
Connect360.open();
Connect360('noSuchCall');
Connect360('sendMessage', 'Before the loader');
</script></head>
<body><h1>A merchant page with an early button</h1>
<script async src="${gateway}widget/loader.js" data-endpoint="${gateway.replace(/\/$/, '')}"
        data-channel="example.com"></script></body></html>`;
}

const cspReports = [];

before(async () => {
  const hostPort = await freePort();
  server = await startServer({
    args: ['--no-demo-bot', '--allowed-origin', `http://127.0.0.1:${hostPort}`],
    env: { CONNECT360_IDENTITY_SECRET: IDENTITY_SECRET },
  });
  host = createServer((req, res) => {
    if (req.method === 'POST' && req.url === '/csp-report') {
      let body = '';
      req.on('data', (chunk) => { body += chunk; });
      req.on('end', () => { cspReports.push(body); res.writeHead(204); res.end(); });
      return;
    }
    if (req.url === '/strict') {
      const { csp, html } = strictPage(server.url);
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': csp });
      res.end(html);
      return;
    }
    if (req.url === '/stub') {
      stubPage(server.url).then((html) => {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end(html);
      });
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(req.url === '/long' ? longPage(server.url) : merchantPage(server.url));
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
  const ours = [];
  page.on('request', (r) => {
    if (r.url().endsWith('.wasm')) wasm.push(r.url());
    if (r.url().startsWith(server.url)) ours.push(new URL(r.url()).pathname.replace(/-[0-9a-f]{16}\./, '.'));
  });
  await page.goto(host.url);
  const launcher = page.locator('[data-connect360] button.c360-launcher');
  await launcher.waitFor({ state: 'visible', timeout: 10000 });
  await page.waitForTimeout(1500);
  assert.deepEqual(wasm, [], 'no wasm before interest');
  assert.deepEqual(ours, ['/widget/loader.js', '/widget/widget.css'], 'two requests before interest: the loader and the frame');
  // The painted launcher already has the merchant's accent, with dark text on the light yellow.
  const colours = () => launcher.evaluate((b) => [getComputedStyle(b).backgroundColor, getComputedStyle(b).color]);
  assert.deepEqual(await colours(), ['rgb(255, 204, 0)', 'rgb(31, 31, 31)']);
  assert.deepEqual(await page.evaluate(() => Object.keys(window).filter((k) => /connect360/i.test(k))),
    ['Connect360'], 'no global name but Connect360');
  await launcher.hover();
  await eventually(() => wasm.length === 1, 'the wasm to load on hover');
  await launcher.click();
  await page.locator('[data-connect360] #c360-panel').waitFor({ state: 'visible', timeout: 10000 });
  assert.equal(await page.locator('[data-connect360] button.c360-launcher').count(), 1, 'one launcher');
  assert.deepEqual(await colours(), ['rgb(255, 204, 0)', 'rgb(31, 31, 31)'], 'the same after the handover');
  const panel = await page.locator('[data-connect360] #c360-panel')
    .evaluate((p) => getComputedStyle(p).backgroundColor);
  assert.equal(panel, 'rgb(32, 33, 36)', 'data-theme="dark"');
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

test('calls made through the README stub before the loader ran are run in order, once', async () => {
  const page = await browser.newPage();
  const errors = collectErrors(page);
  const warnings = [];
  page.on('console', (m) => m.type() === 'warning' && warnings.push(m.text()));
  await page.goto(`${host.url}stub`);
  await page.locator('[data-connect360] #c360-panel').waitFor({ state: 'visible', timeout: 15000 });
  await eventually(() => page.evaluate(() => window.__seen.length >= 2), 'the ready and sent events');
  assert.deepEqual(await page.evaluate(() => window.__seen), ['ready true', 'sent Before the loader']);
  assert.deepEqual(warnings, ['Connect360: no such call: noSuchCall']);
  assert.equal(typeof (await page.evaluate(() => window.Connect360.getState().conversationId)), 'string');
  const state = await page.evaluate(() => window.Connect360.getState());
  const stored = await callAsMerchant(server, 'v1.connect.listMessages', { conversationId: state.conversationId });
  assert.deepEqual(stored.items.map((m) => m.content.en), ['Before the loader'], 'sent exactly once');
  // After the loader, both call styles still work.
  await page.evaluate(() => Connect360('close'));
  await page.locator('[data-connect360] #c360-panel').waitFor({ state: 'hidden' });
  assert.deepEqual(errors, []);
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

test('identify makes the guest a known customer and merges the guest conversation; logout starts fresh', async () => {
  const page = await browser.newPage();
  await page.goto(host.url);
  await page.locator('[data-connect360] button.c360-launcher').waitFor({ state: 'visible', timeout: 10000 });
  const guest = await page.evaluate(() => new Promise((resolve) => {
    window.Connect360.on('sent', () => resolve(window.Connect360.getState()));
    window.Connect360.sendMessage('A question as a guest');
  }));
  assert.match(guest.visitorId, /^guest_/);

  const now = Math.floor(Date.now() / 1000);
  const token = identityToken({ sub: 'user_42', name: 'Jane Known', email: 'jane@example.com',
    iat: now, exp: now + 600 });
  const known = await page.evaluate((t) => new Promise((resolve) => {
    window.Connect360.on('identified', resolve);
    window.Connect360.identify({ token: t });
  }), token);
  assert.notEqual(known.conversationId, guest.conversationId, "the known customer's conversation");
  // The guest conversation now belongs to the known customer, under their conversation.
  const merged = await callAsMerchant(server, 'v1.connect.updateConversation', { id: guest.conversationId });
  assert.equal(merged.parentId, known.conversationId);
  const mine = await callAsMerchant(server, 'v1.connect.getOrCreateConversation',
    { customer: { externalId: 'user_42' } });
  assert.equal(mine.id, known.conversationId);
  assert.equal(merged.customerId, mine.customerId);

  await page.evaluate(() => window.Connect360.logout());
  const after = await page.evaluate(() => ({
    state: window.Connect360.getState(),
    stored: Object.keys(localStorage).filter((k) => k.startsWith('c360:')),
  }));
  assert.equal(after.state.visitorId, null);
  assert.deepEqual(after.stored, [], 'nothing of the visitor is left on this browser');
  const fresh = await page.evaluate(() => new Promise((resolve) => {
    window.Connect360.on('sent', () => resolve(window.Connect360.getState()));
    window.Connect360.sendMessage('A new visitor');
  }));
  assert.notEqual(fresh.visitorId, guest.visitorId);
  assert.notEqual(fresh.conversationId, known.conversationId);
  await page.close();
});

test('a second person signing in on the same browser sees nothing of the first', async () => {
  const page = await browser.newPage();
  await page.goto(host.url);
  await page.locator('[data-connect360] button.c360-launcher').waitFor({ state: 'visible', timeout: 10000 });
  const now = Math.floor(Date.now() / 1000);
  const identify = (sub) => page.evaluate((t) => new Promise((resolve) => {
    const off = window.Connect360.on('identified', (state) => { off(); resolve(state); });
    window.Connect360.identify({ token: t });
  }), identityToken({ sub, name: sub, email: `${sub}@shop.test`, iat: now, exp: now + 600 }));
  const say = (text) => page.evaluate((t) => new Promise((resolve) => {
    const off = window.Connect360.on('sent', () => { off(); resolve(window.Connect360.getState()); });
    window.Connect360.sendMessage(t);
  }), text);
  await say('Guest on a shared computer');
  const alice = await identify('alice_shared');
  await say('Alice: my address is 1 Main St');
  // Bob signs in on the same page without anyone logging out.
  const bob = await identify('bob_shared');
  assert.notEqual(bob.visitorId, alice.visitorId, 'Bob gets a new visitor id');
  assert.notEqual(bob.conversationId, alice.conversationId);
  await page.locator('[data-connect360] button.c360-launcher').click();
  const panel = page.locator('[data-connect360] #c360-panel');
  await panel.waitFor({ state: 'visible', timeout: 10000 });
  await page.waitForTimeout(1500); // a poll or two
  const shown = await panel.innerText();
  assert.ok(!shown.includes('1 Main St') && !shown.includes('shared computer'), shown);
  // Alice's history is still hers.
  const hers = await callAsMerchant(server, 'v1.connect.listMessages', { conversationId: alice.conversationId, limit: 100 });
  assert.ok(hers.items.some((m) => m.content.en === 'Alice: my address is 1 Main St'));
  await page.close();
});

test('show and hide control the launcher', async () => {
  const page = await browser.newPage();
  await page.goto(host.url);
  const launcher = page.locator('[data-connect360] button.c360-launcher');
  await launcher.waitFor({ state: 'visible', timeout: 10000 });
  await page.evaluate(() => window.Connect360.hide());
  await launcher.waitFor({ state: 'hidden', timeout: 10000 });
  await page.evaluate(() => window.Connect360.show());
  await launcher.waitFor({ state: 'visible', timeout: 10000 });
  await page.close();
});

test('setLocale switches the language and keeps the conversation and the open panel', async () => {
  const page = await browser.newPage();
  await page.goto(host.url);
  await page.locator('[data-connect360] button.c360-launcher').waitFor({ state: 'visible', timeout: 10000 });
  await page.evaluate(() => new Promise((resolve) => {
    window.Connect360.on('sent', resolve);
    window.Connect360.open();
    window.Connect360.sendMessage('Merhaba, a question');
  }));
  await page.evaluate(() => window.Connect360.setLocale('ar'));
  const widget = page.locator('[data-connect360] .c360-widget');
  await widget.waitFor({ timeout: 10000 });
  assert.equal(await widget.getAttribute('dir'), 'rtl');
  assert.equal(await page.locator('[data-connect360] textarea.c360-input').getAttribute('placeholder'), 'اكتب رسالة…');
  assert.equal(await page.locator('[data-connect360] #c360-panel').isVisible(), true, 'still open');
  await page.locator('[data-connect360] .c360-row--mine .c360-bubble', { hasText: 'Merhaba, a question' })
    .waitFor({ timeout: 10000 });
  assert.equal(await page.locator('[data-connect360] .c360-widget').count(), 1, 'one widget');
  await page.close();
});

test('a cross-origin page under a strict CSP runs the whole widget with no violation', async () => {
  const page = await browser.newPage();
  const errors = collectErrors(page);
  const violations = await collectCspViolations(page);
  const response = await page.goto(`${host.url}strict`);
  assert.match(response.headers()['content-security-policy'], /style-src http:\/\/127\.0\.0\.1:\d+;/);
  const launcher = page.locator('[data-connect360] button.c360-launcher');
  await launcher.waitFor({ state: 'visible', timeout: 10000 });
  // Painted by the stylesheet from the gateway: the default accent, not an unstyled button.
  assert.equal(await launcher.evaluate((b) => getComputedStyle(b.closest('.c360-widget')).position), 'fixed');
  await launcher.click();
  const root = page.locator('[data-connect360]');
  await root.locator('#c360-panel').waitFor({ state: 'visible', timeout: 10000 });
  await root.locator('textarea.c360-input').fill('Hello from a strict page');
  await root.locator('textarea.c360-input').press('Enter');
  await root.locator('.c360-row--mine .c360-bubble:not(.c360-bubble--pending)').waitFor({ timeout: 10000 });

  // An agent's picture: previewed from a blob: URL, which the policy allows for images.
  const { conversationId } = await page.evaluate(() => window.Connect360.getState());
  const picture = await uploadDemoPicture(server);
  await callAsMerchant(server, 'v1.connect.send', {
    conversationId,
    content: { en: { text: 'Here is the **Ridge 2**: [details](https://example.com/ridge)', containsRichText: true } },
    attachmentIds: [picture],
  });
  const preview = root.locator('.c360-file-preview img');
  await preview.waitFor({ timeout: 10000 });
  await eventually(() => preview.evaluate((img) => img.complete && img.naturalWidth > 0), 'the picture');
  assert.equal(await root.locator('.c360-row--agent strong').innerText(), 'Ridge 2');
  await root.locator('textarea.c360-input').press('Escape');
  await root.locator('#c360-panel').waitFor({ state: 'hidden', timeout: 5000 });
  await page.waitForTimeout(300); // let any report be delivered
  assert.deepEqual(violations, [], 'no securitypolicyviolation event');
  assert.deepEqual(cspReports, [], 'no CSP report');
  assert.deepEqual(errors, []);
  await page.close();
});

test('the widget never steals focus or scrolls the page, and stores nothing before an interaction', async () => {
  const page = await browser.newPage();
  const errors = collectErrors(page);
  const wasm = [];
  page.on('request', (r) => r.url().endsWith('.wasm') && wasm.push(r.url()));
  await page.goto(`${host.url}long`);
  await page.locator('#search').focus();
  await page.evaluate(() => window.scrollTo(0, 600));
  const launcher = page.locator('[data-connect360] button.c360-launcher');
  await launcher.waitFor({ state: 'visible', timeout: 10000 });
  const manners = () => page.evaluate(() => ({
    focused: document.activeElement?.id ?? null,
    scrollY: window.scrollY,
    cookie: document.cookie,
    stored: localStorage.length,
  }));
  const untouched = { focused: 'search', scrollY: 600, cookie: '', stored: 0 };
  assert.deepEqual(await manners(), untouched, 'after the launcher painted');
  // Interest (the pointer over the launcher) loads the widget: still nothing changes.
  await launcher.hover();
  await eventually(() => wasm.length === 1, 'the wasm to load');
  await page.waitForFunction(() => !document.querySelector('[data-connect360]').shadowRoot.querySelector('.c360-boot'));
  assert.deepEqual(await manners(), untouched, 'after the widget took over');

  // A keyboard user who tabbed to the painted launcher keeps focus on the launcher through
  // the handover to the widget.
  const second = await browser.newPage();
  await second.goto(`${host.url}long`);
  await second.locator('[data-connect360] button.c360-launcher').waitFor({ state: 'visible', timeout: 10000 });
  await second.locator('#search').focus();
  await second.keyboard.press('Tab');
  await second.waitForFunction(() => !document.querySelector('[data-connect360]').shadowRoot.querySelector('.c360-boot'));
  await second.waitForTimeout(200);
  assert.equal(await second.evaluate(() =>
    document.querySelector('[data-connect360]').shadowRoot.activeElement?.className), 'c360-launcher',
  'focus stays on the launcher');
  await second.close();

  // The visitor writes (an interaction) through the API while the panel is closed, and an agent
  // answers: the badge counts it, and focus and scroll are still the page's.
  await page.evaluate(() => new Promise((resolve) => {
    window.Connect360.on('sent', resolve);
    window.Connect360.sendMessage('A question from a long page');
  }));
  await page.locator('#search').focus();
  const { conversationId } = await page.evaluate(() => window.Connect360.getState());
  await callAsMerchant(server, 'v1.connect.send', { conversationId, content: { en: 'An answer' } });
  await page.locator('[data-connect360] .c360-badge').waitFor({ timeout: 30000 });
  const after = await manners();
  assert.equal(after.focused, 'search');
  assert.equal(after.scrollY, 600);
  assert.equal(after.cookie, '', 'no cookie ever');
  assert.deepEqual(errors, []);
  await page.close();
});
