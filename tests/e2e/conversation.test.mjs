// A real conversation: the release widget in Chromium on the demo shop of the real server.
// A visitor writes, an agent answers through the local Connect360 API, the answer appears;
// a reload keeps the conversation; and with the server down for 20 s the visitor's five
// messages wait, then arrive once each, in order.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { callAsMerchant, eventually, launchChromium, startServer, conversationOf } from './support.mjs';

let browser;

before(async () => {
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
});

/** The widget's parts, seen through its open shadow root. */
function widget(page) {
  const root = page.locator('[data-connect360]');
  return {
    launcher: root.locator('button.c360-launcher'),
    input: root.locator('textarea.c360-input'),
    presence: root.locator('.c360-presence'),
    bubbles: root.locator('.c360-row .c360-bubble:not(.c360-bubble--pending)'),
    mine: root.locator('.c360-row--mine .c360-bubble:not(.c360-bubble--pending)'),
    pending: root.locator('.c360-bubble--pending'),
    announcer: root.locator('.c360-announcer'),
  };
}

async function openChat(page, server) {
  await page.goto(server.url);
  const w = widget(page);
  await w.launcher.waitFor({ state: 'visible', timeout: 15000 });
  await w.launcher.click();
  await w.input.waitFor({ state: 'visible' });
  return w;
}

async function say(w, text) {
  await w.input.fill(text);
  await w.input.press('Enter');
}

/** The visitor's conversation id, as the widget keeps it on this browser. */
async function customerTexts(server, conversationId) {
  const page = await callAsMerchant(server, 'v1.connect.listMessages', {
    conversationId,
    limit: 100,
  });
  return page.items.filter((m) => m.sender.type === 'customer').map((m) => m.content.en);
}

test('a visitor writes, an agent answers, and a reload keeps the conversation', async () => {
  const server = await startServer({ args: ['--no-demo-bot'] });
  const page = await browser.newPage();
  try {
    const w = await openChat(page, server);
    await say(w, 'Do you ship to Izmir?');
    await eventually(async () => (await w.bubbles.allInnerTexts()).includes('Do you ship to Izmir?'),
      'the sent message to be confirmed');
    assert.equal(await w.pending.count(), 0, 'no message left sending');

    const conversationId = await conversationOf(page);
    assert.match(conversationId, /^conv_/);
    await callAsMerchant(server, 'v1.connect.send', {
      conversationId,
      content: { en: 'Yes, in 2–3 days.' },
    });
    await eventually(async () => (await w.bubbles.allInnerTexts()).includes('Yes, in 2–3 days.'),
      "the agent's answer");
    assert.match(await w.announcer.innerText(), /^Support: Yes, in 2–3 days\.$/);

    await page.reload();
    const again = widget(page);
    await again.launcher.click();
    await eventually(async () => (await again.bubbles.allInnerTexts()).join('|') ===
      'Do you ship to Izmir?|Yes, in 2–3 days.', 'the conversation after a reload');
    assert.equal(await conversationOf(page), conversationId, 'the same conversation');
    assert.deepEqual(await customerTexts(server, conversationId), ['Do you ship to Izmir?'],
      'stored once');
  } finally {
    await page.close();
    await server.stop();
  }
});

test('messages written while the server is down arrive once each, in order', { timeout: 120000 }, async () => {
  let server = await startServer({ args: ['--no-demo-bot'] });
  const page = await browser.newPage();
  try {
    const w = await openChat(page, server);
    await say(w, 'Hello before the outage');
    await eventually(async () => (await w.bubbles.count()) === 1, 'the first message');
    const conversationId = await conversationOf(page);

    await server.stop();
    const wrote = [1, 2, 3, 4, 5].map((n) => `Message ${n} while offline`);
    for (const text of wrote) await say(w, text);
    await eventually(async () => (await w.presence.innerText()) === 'Reconnecting…',
      'the reconnecting state');
    assert.equal(await w.pending.count(), 5, 'all five wait, shown as not yet sent');
    await new Promise((ok) => setTimeout(ok, 20000));
    assert.equal(await w.pending.count(), 5, 'nothing was lost while the server was down');

    server = await startServer({ args: ['--no-demo-bot'], port: server.port, dataDir: server.dataDir });
    await eventually(async () => (await w.pending.count()) === 0, 'the outbox to drain', 60000);
    await eventually(async () => (await w.presence.innerText()) !== 'Reconnecting…',
      'the connection to recover');
    assert.deepEqual(await customerTexts(server, conversationId),
      ['Hello before the outage', ...wrote], 'delivered once each, in order');
    // The visitor's side (an AI reply to the last of them may follow on the agent side).
    assert.deepEqual(await w.mine.allInnerTexts(), ['Hello before the outage', ...wrote]);
  } finally {
    await page.close();
    await server.stop();
  }
});
