// Faults end to end, injected between the real widget and the real server (Playwright routes)
// or made by the server itself: slow responses, 500s, 429 with Retry-After, a connection reset
// after the server stored the message, malformed JSON, token expiry and a token the server no
// longer accepts, and two tabs of one visitor. Each time: every message stored exactly once and
// in order, the visitor shown an honest state meanwhile, and recovery with no help.
// (A server stopped for 20 s and restarted is conversation.test.mjs.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { callAsMerchant, collectErrors, conversationOf, eventually, startServer, useServerAndBrowser } from './support.mjs';

const live = useServerAndBrowser({ args: ['--no-demo-bot'] });

const SEND = '**/api/trpc/v1.connect.send';
const POLL = '**/api/trpc/v1.connect.listMessages?**';
const EVENTS = '**/api/widget/events?**';

/**
 * Refuses the page's event stream, so what reaches the widget comes by polling (the fallback
 * these faults are injected into); live.test.mjs covers the stream itself.
 */
function withoutStream(page) {
  return page.route(EVENTS, (route) => route.abort('connectionrefused'));
}
const API = /\/api\/(trpc|widget)\//;

/** A fresh visitor with the chat open; `stream: false` refuses the event stream. */
async function openChat(context, on = live.server, { stream = true } = {}) {
  const page = await context.newPage();
  if (!stream) await withoutStream(page);
  const errors = collectErrors(page, API);
  await page.goto(on.url);
  const root = page.locator('[data-connect360]');
  await root.locator('button.c360-launcher').click();
  await root.locator('#c360-panel').waitFor({ state: 'visible' });
  return { page, root, errors };
}

async function write(root, text) {
  await root.locator('textarea.c360-input').fill(text);
  await root.locator('textarea.c360-input').press('Enter');
}

/** The visitor's confirmed messages as the widget shows them, in order. */
function shown(root) {
  return root.locator('.c360-row--mine .c360-bubble:not(.c360-bubble--pending)').allInnerTexts();
}

/** The customer's messages as the server stored them, oldest first. */
async function stored(conversationId, on = live.server) {
  const page = await callAsMerchant(on, 'v1.connect.listMessages', { conversationId, limit: 100 });
  return page.items.filter((m) => m.sender.type === 'customer')
    .map((m) => (typeof m.content.en === 'string' ? m.content.en : m.content.en?.text));
}

/** Waits until the server holds exactly `texts` (in order) and the widget shows them, once each. */
async function settled(page, root, texts, on = live.server) {
  const conversationId = await eventually(() => conversationOf(page), 'a conversation');
  let last;
  await eventually(async () => JSON.stringify(last = await stored(conversationId, on)) === JSON.stringify(texts),
    `the server to hold ${JSON.stringify(texts)}`, 30000).catch((e) => { throw new Error(`${e.message}; it holds ${JSON.stringify(last)}`); });
  await eventually(async () => JSON.stringify(await shown(root)) === JSON.stringify(texts),
    `the widget to show ${JSON.stringify(texts)}`, 30000);
  assert.equal(await root.locator('.c360-bubble--pending').count(), 0, 'nothing left pending');
  return conversationId;
}

test('responses delayed 5 s: the messages wait as "Sending…", then all arrive once, in order', async () => {
  const context = await live.browser.newContext();
  const { page, root, errors } = await openChat(context);
  let delayed = 0;
  await page.route(SEND, async (route) => {
    if (delayed < 2) {
      delayed += 1;
      await new Promise((ok) => setTimeout(ok, 5000));
    }
    await route.continue();
  });
  for (const text of ['slow one', 'slow two', 'slow three']) await write(root, text);
  await root.locator('.c360-status', { hasText: 'Sending…' }).first().waitFor({ timeout: 3000 });
  await settled(page, root, ['slow one', 'slow two', 'slow three']);
  assert.deepEqual(errors, []);
  await context.close();
});

test('500s on sends and polls: "Reconnecting…" while they last, then everything once, in order', async () => {
  const context = await live.browser.newContext();
  const { page, root } = await openChat(context, live.server, { stream: false });
  await write(root, 'before the outage');
  await settled(page, root, ['before the outage']);
  const failure = { status: 500, contentType: 'application/json',
    body: JSON.stringify({ error: { message: 'Internal error', code: -32603, data: { code: 'INTERNAL_SERVER_ERROR', httpStatus: 500 } } }) };
  let sends = 0;
  let polls = 0;
  await page.route(SEND, (route) => (++sends <= 2 ? route.fulfill(failure) : route.continue()));
  await page.route(POLL, (route) => (++polls <= 4 ? route.fulfill(failure) : route.continue()));
  await write(root, 'during the outage');
  await write(root, 'still during it');
  await root.locator('.c360-presence', { hasText: 'Reconnecting…' }).waitFor({ timeout: 15000 });
  await settled(page, root, ['before the outage', 'during the outage', 'still during it']);
  await eventually(async () => !(await root.locator('.c360-presence').innerText()).includes('Reconnecting'),
    'the header to stop saying Reconnecting');
  assert.ok(sends >= 3 && polls >= 4, `faults were hit (sends ${sends}, polls ${polls})`);
  await context.close();
});

test('429 with Retry-After: the send waits as told, then goes once', async () => {
  const context = await live.browser.newContext();
  const { page, root } = await openChat(context);
  const attempts = [];
  await page.route(SEND, (route) => {
    attempts.push(Date.now());
    if (attempts.length === 1) {
      return route.fulfill({ status: 429, headers: { 'retry-after': '3' }, contentType: 'application/json',
        body: JSON.stringify({ error: { message: 'Too many requests; try again in 3 s.', code: -32029, data: { code: 'TOO_MANY_REQUESTS', httpStatus: 429 } } }) });
    }
    return route.continue();
  });
  await write(root, 'patient message');
  await settled(page, root, ['patient message']);
  assert.ok(attempts.length >= 2);
  assert.ok(attempts[1] - attempts[0] >= 2900, `waited ${attempts[1] - attempts[0]} ms of the 3 s asked`);
  await context.close();
});

test('a connection reset after the server stored the message: the retry carries the same key and stores nothing twice', async () => {
  const context = await live.browser.newContext();
  const { page, root } = await openChat(context, live.server, { stream: false });
  const keys = [];
  await page.route(SEND, async (route) => {
    keys.push(route.request().headers()['idempotency-key']);
    if (keys.length === 1) {
      await route.fetch(); // the server stores it; its answer never reaches the widget
      return route.abort('connectionreset');
    }
    return route.continue();
  });
  // A poll that shows the stored message delivers it without a retry (send-state.test.mjs);
  // here polls wait until the retry has gone out, so the retry's key is what is pinned.
  await page.route(POLL, async (route) => {
    const waitedFrom = Date.now();
    while (keys.length < 2 && Date.now() - waitedFrom < 20000) await new Promise((r) => setTimeout(r, 50));
    return route.continue();
  });
  await write(root, 'reset in flight');
  await write(root, 'right after');
  await settled(page, root, ['reset in flight', 'right after']);
  assert.ok(keys.length >= 3, `the first send was retried (${keys.length} attempts)`);
  assert.equal(keys[0], keys[1], 'the retry reuses the Idempotency-Key');
  assert.match(keys[0], /\S{8,}/);
  await context.close();
});

test('malformed JSON from the server: sends are retried safely and polls recover', async () => {
  const context = await live.browser.newContext();
  const { page, root } = await openChat(context, live.server, { stream: false });
  await write(root, 'first');
  await settled(page, root, ['first']);
  let sends = 0;
  let polls = 0;
  await page.route(SEND, async (route) => {
    sends += 1;
    if (sends === 1) {
      await route.fetch(); // stored, then answered with garbage
      return route.fulfill({ status: 200, contentType: 'application/json', body: '{"result":{"data":{"id":"msg_' });
    }
    return route.continue();
  });
  await page.route(POLL, (route) => (++polls <= 3
    ? route.fulfill({ status: 200, contentType: 'application/json', body: '<html>proxy error</html>' })
    : route.continue()));
  await write(root, 'answered with garbage');
  await root.locator('.c360-presence', { hasText: 'Reconnecting…' }).waitFor({ timeout: 15000 });
  await settled(page, root, ['first', 'answered with garbage']);
  await context.close();
});

test('token expiry mid-conversation and a token the server stopped accepting: renewed with no visible break', async () => {
  // A server whose tokens live 10 s; later restarted with another token secret, so the
  // widget's stored token is refused (401) and must be replaced.
  const own = await startServer({ args: ['--no-demo-bot', '--token-ttl-seconds', '10'],
    env: { CONNECT360_TOKEN_SECRET: 'first-token-secret-for-the-e2e-test' } });
  const context = await live.browser.newContext();
  const { page, root, errors } = await openChat(context, own);
  const sessions = [];
  page.on('request', (r) => r.url().endsWith('/api/widget/session') && sessions.push(Date.now()));
  await write(root, 'before expiry');
  const conversationId = await settled(page, root, ['before expiry'], own);
  await page.waitForTimeout(12000); // the first token has expired
  await write(root, 'after expiry');
  await settled(page, root, ['before expiry', 'after expiry'], own);
  assert.ok(sessions.length >= 1, 'the token was renewed');

  await own.stop();
  const restarted = await startServer({ args: ['--no-demo-bot', '--token-ttl-seconds', '600'],
    port: own.port, dataDir: own.dataDir, apiKey: own.apiKey,
    env: { CONNECT360_TOKEN_SECRET: 'second-token-secret-for-the-e2e-test' } });
  const refused = [];
  page.on('response', (r) => r.status() === 401 && refused.push(r.url()));
  await write(root, 'after the secret changed');
  await settled(page, root, ['before expiry', 'after expiry', 'after the secret changed'], restarted);
  assert.equal(await conversationOf(page), conversationId, 'the same conversation');
  assert.ok(refused.length >= 1, 'the old token was refused and replaced');
  assert.deepEqual(errors.filter((e) => e.startsWith('pageerror')), []);
  await context.close();
  await restarted.stop();
});

test('two tabs of one visitor: both show the whole conversation, every message once, in order', async () => {
  const context = await live.browser.newContext();
  const a = await openChat(context);
  await write(a.root, 'tab A one');
  await settled(a.page, a.root, ['tab A one']);
  const b = await openChat(context);
  await b.root.locator('.c360-row--mine .c360-bubble', { hasText: 'tab A one' }).waitFor({ timeout: 10000 });
  await write(b.root, 'tab B one');
  await write(a.root, 'tab A two');
  await write(b.root, 'tab B two');
  const conversationId = await conversationOf(a.page);
  assert.equal(await conversationOf(b.page), conversationId, 'one conversation');
  await eventually(async () => (await stored(conversationId)).length === 4, 'four stored messages', 30000);
  const order = await stored(conversationId);
  assert.deepEqual([...order].sort(), ['tab A one', 'tab A two', 'tab B one', 'tab B two'], 'each once');
  assert.ok(order.indexOf('tab A one') < order.indexOf('tab A two'), "tab A's order kept");
  assert.ok(order.indexOf('tab B one') < order.indexOf('tab B two'), "tab B's order kept");
  await callAsMerchant(live.server, 'v1.connect.send', { conversationId, content: { en: 'An agent answers both' } });
  for (const tab of [a, b]) {
    // Both tabs converge on the server's order, with nothing shown twice.
    let last;
    await eventually(async () => JSON.stringify(last = await shown(tab.root)) === JSON.stringify(order),
      `a tab to show ${JSON.stringify(order)}`, 30000)
      .catch((e) => { throw new Error(`${e.message}; it shows ${JSON.stringify(last)}`); });
    await tab.root.locator('.c360-row--agent', { hasText: 'An agent answers both' }).waitFor({ timeout: 30000 });
    assert.equal(await tab.root.locator('.c360-row--agent', { hasText: 'An agent answers both' }).count(), 1);
  }
  await context.close();
});
