// Where an unsent message stands, end to end (#15's send-state defects): a message the server
// refuses for good says why in the visitor's language and is never sent again by itself (not
// after a reconnect, not after a reload); text carrying bidirectional embeddings is sent
// without them; a send whose 2xx reply is unreadable is shown once, as stored; and the page's
// `message` event says what the bubble shows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { callAsMerchant, collectErrors, conversationOf, eventually, useServerAndBrowser } from './support.mjs';

const live = useServerAndBrowser({ args: ['--no-demo-bot'] });
const SEND = '**/api/trpc/v1.connect.send';

async function openChat(page) {
  await page.goto(live.server.url);
  const root = page.locator('[data-connect360]');
  await root.locator('button.c360-launcher').click();
  await root.locator('#c360-panel').waitFor({ state: 'visible' });
  return root;
}

async function write(root, text) {
  await root.locator('textarea.c360-input').fill(text);
  await root.locator('textarea.c360-input').press('Enter');
}

/** The customer's stored texts, oldest first. */
async function stored(conversationId) {
  const page = await callAsMerchant(live.server, 'v1.connect.listMessages', { conversationId, limit: 100 });
  return page.items.filter((m) => m.sender.type === 'customer')
    .map((m) => (typeof m.content.en === 'string' ? m.content.en : m.content.en?.text));
}

/** What the gateway answers a value over the length limit (rule E4), with its violation. */
const TOO_LONG = {
  status: 400,
  contentType: 'application/json',
  body: JSON.stringify({ error: { message: 'content.en: 3100 characters, at most 3072', code: -32600, data: {
    code: 'BAD_REQUEST', httpStatus: 400, path: 'v1.connect.send',
    violations: [{ rule: 'E4', path: 'content.en', message: '3100 characters, at most 3072' }],
  } } }),
};

test('a refused message says why, offers Discard, and is not sent again by a reconnect or a reload', async () => {
  const context = await live.browser.newContext();
  const page = await context.newPage();
  // The send is refused on purpose; polls fail while the test has the browser offline.
  const errors = collectErrors(page, /v1\.connect\.(send|listMessages)/);
  let sends = 0;
  await context.route(SEND, (route) => { sends += 1; return route.fulfill(TOO_LONG); });
  const root = await openChat(page);
  await write(root, 'refused for good');
  const status = root.locator('.c360-status--failed');
  await status.waitFor({ timeout: 15000 });
  assert.equal(await status.evaluate((s) => s.firstChild.textContent), 'Not sent: it is too long', 'the reason, in English');
  assert.deepEqual(await status.locator('button').allInnerTexts(), ['Discard'], 'no Retry that cannot succeed');
  assert.equal(sends, 1, 'refused once, not retried');
  // The network drops and comes back: only what ran out of retries goes again.
  await context.setOffline(true);
  const presence = root.locator('.c360-presence');
  await eventually(async () => /offline/.test(await presence.innerText()), 'the offline status');
  await context.setOffline(false);
  await eventually(async () => !/offline|Reconnecting/.test(await presence.innerText()), 'online again');
  await page.waitForTimeout(2000); // time for a resend to happen, if there were one
  assert.equal(sends, 1, 'not sent again after the reconnect');
  // A reload keeps it, refused, with its reason.
  await page.reload();
  const again = await openChat(page);
  await again.locator('.c360-status--failed', { hasText: 'it is too long' }).waitFor({ timeout: 15000 });
  await page.waitForTimeout(2000);
  assert.equal(sends, 1, 'not sent again after the reload');
  await again.locator('.c360-status--failed button', { hasText: 'Discard' }).click();
  await eventually(async () => (await again.locator('.c360-bubble--pending').count()) === 0, 'the message discarded');
  await page.reload();
  await openChat(page);
  await page.waitForTimeout(1000);
  assert.equal(await page.locator('[data-connect360]').locator('.c360-bubble--pending').count(), 0, 'discarded for good');
  assert.equal(sends, 1);
  assert.deepEqual(errors, []);
  await context.close();
});

test('in Arabic the refusal is said in Arabic', async () => {
  const context = await live.browser.newContext({ locale: 'ar' });
  const page = await context.newPage();
  collectErrors(page, /v1\.connect\.send/);
  await context.route(SEND, (route) => route.fulfill(TOO_LONG));
  const root = await openChat(page);
  await write(root, 'نص طويل');
  const status = root.locator('.c360-status--failed');
  await status.waitFor({ timeout: 15000 });
  assert.equal(await status.evaluate((s) => s.firstChild.textContent), 'لم تُرسل: الرسالة طويلة جدًا');
  assert.deepEqual(await status.locator('button').allInnerTexts(), ['تجاهل']);
  await context.close();
});

test('text pasted with bidirectional embeddings is sent without them and shown once', async () => {
  const context = await live.browser.newContext();
  const page = await context.newPage();
  const errors = collectErrors(page);
  const root = await openChat(page);
  await write(root, '\u202Bمرحبا\u202C order \u202D12\u202C \u200Fok');
  const conversationId = await eventually(() => conversationOf(page), 'a conversation');
  await eventually(async () => (await stored(conversationId)).length === 1, 'the message stored');
  assert.deepEqual(await stored(conversationId), ['مرحبا order 12 \u200Fok'], 'embeddings out, the RLM kept');
  await root.locator('.c360-row--mine .c360-bubble:not(.c360-bubble--pending)').waitFor();
  assert.equal(await root.locator('.c360-status--failed').count(), 0);
  assert.deepEqual(errors, []);
  await context.close();
});

test('a send answered with an unreadable 2xx shows once, as stored, never as not sent', async () => {
  const context = await live.browser.newContext();
  const page = await context.newPage();
  const errors = collectErrors(page, /v1\.connect\.send/);
  let sends = 0;
  await context.route(SEND, async (route) => {
    sends += 1;
    await route.fetch(); // the server stores it
    return route.fulfill({ status: 200, contentType: 'text/html', body: '<html>a proxy page</html>' });
  });
  const root = await openChat(page);
  await write(root, 'through a broken proxy');
  const mine = root.locator('.c360-row--mine .c360-bubble:not(.c360-bubble--pending)');
  await mine.waitFor({ timeout: 30000 });
  await eventually(async () => (await root.locator('.c360-bubble--pending').count()) === 0, 'nothing pending', 30000);
  assert.deepEqual(await mine.allInnerTexts(), ['through a broken proxy']);
  assert.equal(await root.locator('.c360-status--failed').count(), 0, 'never "Not sent"');
  const conversationId = await conversationOf(page);
  assert.deepEqual(await stored(conversationId), ['through a broken proxy'], 'stored once, whatever the retries');
  assert.ok(sends >= 1);
  // Nothing is left to send: a reload sends nothing more.
  const before = sends;
  await page.reload();
  await openChat(page);
  await page.waitForTimeout(1500);
  assert.equal(sends, before, 'nothing left in the outbox');
  assert.deepEqual(errors, []);
  await context.close();
});

test("the page's message event and the live region say what the bubble shows", async () => {
  const context = await live.browser.newContext();
  const page = await context.newPage();
  await page.addInitScript(() => {
    window.__messages = [];
    // The README's stub: calls before the loader are queued and replayed.
    window.Connect360 = function () { (window.Connect360.q = window.Connect360.q || []).push(arguments); };
    window.Connect360('on', 'message', (detail) => window.__messages.push({ text: detail.text, sender: detail.sender }));
  });
  const root = await openChat(page);
  await write(root, 'Hello?');
  await root.locator('.c360-row--mine .c360-bubble:not(.c360-bubble--pending)').waitFor();
  const conversationId = await conversationOf(page);
  // Arabic sorts first in the content map; the visitor's language is English, and the
  // value's representative is who the bubble names.
  await callAsMerchant(live.server, 'v1.connect.send', {
    conversationId,
    content: {
      ar: 'مرحبا',
      en: { text: '**Hello** there', containsRichText: true,
        representative: { representativeType: 'HUMAN', displayName: 'Dana' } },
    },
  });
  const bubble = root.locator('.c360-row:not(.c360-row--mine) .c360-bubble', { hasText: 'Hello there' });
  await bubble.waitFor({ timeout: 15000 });
  const messages = await eventually(() => page.evaluate(() => window.__messages.length && window.__messages), 'the message event');
  assert.deepEqual(messages, [{ text: 'Hello there', sender: 'Dana' }]);
  const announced = await root.locator('.c360-announcer').innerText();
  assert.equal(announced.trim(), 'Dana: Hello there');
  await context.close();
});
