// The live conversation (#16): once the gateway's event stream is up, a reply reaches the
// widget with no poll; the badge stays live with the panel closed; a server restart is
// survived with nothing lost or doubled; a proxy that buffers the stream leaves the widget
// polling, and the stalled stream is given up and tried again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request as httpRequest } from 'node:http';
import {
  callAsMerchant, collectErrors, conversationOf, eventually, freePort, startServer, useServerAndBrowser,
} from './support.mjs';

const live = useServerAndBrowser({ args: ['--no-demo-bot'] });
const EVENTS = /\/api\/widget\/events\?/;
const LIST = /\/api\/trpc\/v1\.connect\.listMessages\?/;

/**
 * A visitor on `server` (at `url`, the server's own by default) who said `text`, with the
 * panel open; counts the page's polls and event streams.
 */
async function visitorWho(text, { server = live.server, url = server.url } = {}) {
  const context = await live.browser.newContext();
  const page = await context.newPage();
  const seen = { polls: 0, streams: 0, streamStatus: [] };
  page.on('request', (r) => {
    if (LIST.test(r.url())) seen.polls += 1;
    if (EVENTS.test(r.url())) seen.streams += 1;
  });
  page.on('response', (r) => EVENTS.test(r.url()) && seen.streamStatus.push(r.status()));
  await page.goto(url);
  const root = page.locator('[data-connect360]');
  await root.locator('button.c360-launcher').click();
  await root.locator('textarea.c360-input').fill(text);
  await root.locator('textarea.c360-input').press('Enter');
  await root.locator('.c360-row--mine .c360-bubble:not(.c360-bubble--pending)').waitFor({ timeout: 15000 });
  const conversationId = await eventually(() => conversationOf(page), 'a conversation');
  return { context, page, root, seen, conversationId };
}

function agentSays(server, conversationId, text) {
  return callAsMerchant(server, 'v1.connect.send', { conversationId, content: { en: text } });
}

/** The agent's lines the widget shows, in order. */
function agentLines(root) {
  return root.locator('.c360-row:not(.c360-row--mine) .c360-bubble').allInnerTexts();
}

/** Waits until the stream is up and its catch-up poll is done, then a little more. */
async function streamSettled(seen) {
  await eventually(() => seen.streamStatus.includes(200), 'the event stream to be up');
  let polls;
  do {
    polls = seen.polls;
    await new Promise((ok) => setTimeout(ok, 1000));
  } while (seen.polls !== polls);
}

test('once the stream is up a reply arrives at once with no poll, and the badge stays live with the panel closed', async () => {
  const v = await visitorWho('Is my order on its way?');
  const errors = collectErrors(v.page);
  await streamSettled(v.seen);
  const pollsBefore = v.seen.polls;

  const delays = [];
  for (const n of [1, 2, 3]) {
    const sentAt = Date.now();
    await agentSays(live.server, v.conversationId, `It ships today (${n})`);
    await v.root.locator('.c360-bubble', { hasText: `It ships today (${n})` }).waitFor({ timeout: 5000 });
    delays.push(Date.now() - sentAt);
  }
  assert.equal(v.seen.polls, pollsBefore, 'no listMessages request while the stream is up');

  // Panel closed: the badge counts what the stream brings, still without polling.
  await v.root.locator('button.c360-launcher').click();
  await v.root.locator('#c360-panel').waitFor({ state: 'hidden' });
  await agentSays(live.server, v.conversationId, 'Tracking number: 1Z999');
  await v.root.locator('.c360-badge', { hasText: '1' }).waitFor({ timeout: 5000 });
  assert.equal(v.seen.polls, pollsBefore, 'the badge came without a poll');
  assert.equal(v.seen.streams, 1, 'one stream all along');
  console.log(`measure: agent message → shown through the stream: ${delays.join(', ')} ms (includes the API call)`);
  assert.deepEqual(errors, []);
  await v.context.close();
});

test('a server restarted mid-conversation: the widget reconnects and shows what it missed, once each, in order', { timeout: 90000 }, async () => {
  let server = await startServer({ args: ['--no-demo-bot'] });
  try {
    const v = await visitorWho('Hello before the restart', { server });
    await streamSettled(v.seen);
    await agentSays(server, v.conversationId, 'Answer 1');
    await v.root.locator('.c360-bubble', { hasText: 'Answer 1' }).waitFor({ timeout: 5000 });
    const streamsBefore = v.seen.streams;

    await server.stop();
    server = await startServer({ args: ['--no-demo-bot'], port: server.port, dataDir: server.dataDir });
    // Stored at once, while the widget is still finding the server again.
    for (const n of [2, 3, 4]) await agentSays(server, v.conversationId, `Answer ${n}`);
    await eventually(async () => (await agentLines(v.root)).length === 4, 'every answer', 30000);
    assert.deepEqual(await agentLines(v.root), ['Answer 1', 'Answer 2', 'Answer 3', 'Answer 4']);
    await eventually(() => v.seen.streams > streamsBefore && v.seen.streamStatus.at(-1) === 200,
      'a new stream', 30000);
    await agentSays(server, v.conversationId, 'Answer 5');
    await v.root.locator('.c360-bubble', { hasText: 'Answer 5' }).waitFor({ timeout: 5000 });
    assert.deepEqual(await agentLines(v.root),
      ['Answer 1', 'Answer 2', 'Answer 3', 'Answer 4', 'Answer 5'], 'nothing twice or missing');
    await v.context.close();
  } finally {
    await server.stop();
  }
});

/**
 * A reverse proxy to `target` that buffers event streams: it passes their headers and holds
 * every byte of their bodies. Everything else goes through untouched.
 */
async function bufferingProxy(port, target) {
  const held = [];
  const proxy = createServer((req, res) => {
    const upstream = httpRequest(
      { host: '127.0.0.1', port: target.port, path: req.url, method: req.method, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode, answer.headers);
        if (EVENTS.test(req.url) && answer.statusCode === 200) {
          held.push(answer); // read and kept, never sent on
          answer.on('data', () => {});
          res.flushHeaders();
          return;
        }
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise((ok) => proxy.listen(port, '127.0.0.1', ok));
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () => new Promise((ok) => { proxy.closeAllConnections(); proxy.close(ok); }),
  };
}

test('behind a proxy that buffers the stream the widget keeps polling, and gives the stalled stream up', { timeout: 120000 }, async () => {
  const port = await freePort();
  const server = await startServer({ args: ['--no-demo-bot', '--allowed-origin', `http://127.0.0.1:${port}`] });
  const proxy = await bufferingProxy(port, server);
  try {
    const v = await visitorWho('Hello through the proxy', { server, url: proxy.url });
    await eventually(() => v.seen.streams >= 1, 'a stream attempt');
    const pollsBefore = v.seen.polls;
    await agentSays(server, v.conversationId, 'Reply through the proxy');
    await v.root.locator('.c360-bubble', { hasText: 'Reply through the proxy' }).waitFor({ timeout: 10000 });
    assert.ok(v.seen.polls > pollsBefore, 'polling brought it');
    const started = Date.now();
    await eventually(() => v.seen.streams >= 2, 'the stalled stream given up and tried again', 70000);
    console.log(`measure: a held stream is given up after ${Math.round((Date.now() - started) / 1000)} s more`);
    await v.context.close();
  } finally {
    await proxy.close();
    await server.stop();
  }
});

/**
 * A merchant page with the chime on, whose visibility and focus the test sets: headless
 * Chromium keeps every page visible and focused, so `__look(visible, focused)` overrides what
 * the page reports and fires the events a real switch of tabs fires.
 */
async function chimePage(context) {
  const page = await context.newPage();
  await page.addInitScript(() => {
    let visible = true;
    let focused = true;
    Object.defineProperty(document, 'visibilityState', { get: () => (visible ? 'visible' : 'hidden') });
    Object.defineProperty(document, 'hidden', { get: () => !visible });
    document.hasFocus = () => focused;
    window.__look = (nowVisible, nowFocused) => {
      visible = nowVisible;
      focused = nowFocused;
      document.dispatchEvent(new Event('visibilitychange'));
      window.dispatchEvent(new Event(nowFocused ? 'focus' : 'blur'));
    };
    window.__sounds = [];
  });
  const url = new URL('/chime-shop', live.server.url).href;
  await page.route(url, (route) => route.fulfill({
    contentType: 'text/html; charset=utf-8',
    body: `<!doctype html><html lang="en"><head><title>Acme shoes</title></head><body><h1>Acme shoes</h1>
<script async src="/widget/loader.js" data-channel="example.com" data-sound="on"></script>
<script>window.Connect360 = window.Connect360 || function () { (Connect360.q = Connect360.q || []).push([].slice.call(arguments)); };
Connect360('on', 'sound', function (e) { window.__sounds.push(e.unread); });</script></body></html>`,
  }));
  await page.goto(url);
  return page;
}

test('a visitor looking elsewhere: the count in the title and the badge, one chime in the focused tab, the title given back and the message seen', async () => {
  const context = await live.browser.newContext();
  const a = await chimePage(context);
  const rootA = a.locator('[data-connect360]');
  await rootA.locator('button.c360-launcher').click();
  await rootA.locator('textarea.c360-input').fill('Where is my parcel?');
  await rootA.locator('textarea.c360-input').press('Enter');
  await rootA.locator('.c360-row--mine .c360-bubble:not(.c360-bubble--pending)').waitFor({ timeout: 15000 });
  const conversationId = await eventually(() => conversationOf(a), 'a conversation');
  // A second tab of the same visitor, focused last.
  const b = await chimePage(context);
  const rootB = b.locator('[data-connect360]');
  await rootB.locator('button.c360-launcher').click();
  await rootB.locator('.c360-bubble', { hasText: 'Where is my parcel?' }).waitFor({ timeout: 15000 });
  await a.evaluate(() => window.__look(true, false));
  await b.evaluate(() => window.__look(true, true));
  await new Promise((ok) => setTimeout(ok, 1500)); // both streams up

  // The visitor switches to another site: both tabs hidden.
  for (const page of [a, b]) await page.evaluate(() => window.__look(false, false));
  const sent = await agentSays(live.server, conversationId, 'It is out for delivery');
  await eventually(async () => (await a.title()) === '(1) Acme shoes' && (await b.title()) === '(1) Acme shoes',
    'the count in both titles', 5000);
  await new Promise((ok) => setTimeout(ok, 2200)); // a burst chimes once: this one is apart
  await agentSays(live.server, conversationId, 'It arrives before noon');
  await eventually(async () => (await b.title()) === '(2) Acme shoes', 'the count of two', 5000);
  await rootA.locator('.c360-badge', { hasText: '2' }).waitFor({ timeout: 5000 });
  const sounds = async () => [await a.evaluate(() => window.__sounds), await b.evaluate(() => window.__sounds)];
  assert.deepEqual(await sounds(), [[], [1, 2]], 'one chime per message, in the tab focused last only');
  // The host changes its own title in tab A meanwhile: the widget does not fight it.
  await a.evaluate(() => { document.title = 'Checkout'; });

  // The visitor comes back to tab B: the title is the host's again, nothing unread.
  await b.evaluate(() => window.__look(true, true));
  await eventually(async () => (await b.title()) === 'Acme shoes', 'the host title back', 5000);
  assert.equal(await rootB.locator('.c360-badge').count(), 0);
  await a.evaluate(() => window.__look(true, false));
  await new Promise((ok) => setTimeout(ok, 300));
  assert.equal(await a.title(), 'Checkout', "the host's own new title is left alone");

  // The agent sees the newest message seen.
  await eventually(async () => {
    const rows = await fetch(new URL('/console/api/conversations', live.server.url), {
      headers: { authorization: `Bearer ${live.server.apiKey}` },
    }).then((r) => r.json());
    const row = rows.find((r) => r.conversation.id === conversationId);
    return row?.conversation.metadata.visitorSeen?.messageId === (await callAsMerchant(live.server,
      'v1.connect.listMessages', { conversationId, limit: 100 })).items.at(-1).id;
  }, 'the seen receipt of the newest message', 10000);

  // A reload loads the history and chimes for none of it.
  await b.reload();
  await b.locator('[data-connect360] button.c360-launcher').click();
  await b.locator('[data-connect360] .c360-bubble', { hasText: 'It arrives before noon' }).waitFor({ timeout: 15000 });
  await new Promise((ok) => setTimeout(ok, 1000));
  assert.deepEqual(await b.evaluate(() => window.__sounds), [], 'no chime for the history');
  assert.ok(sent.id);
  await context.close();
});
