// The AI reply streams into the widget: after the greeting, a visitor's free-text message
// gets a typing indicator, then text that grows, then the stored reply in its place — shown
// once, announced once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { callAsMerchant, collectErrors, conversationOf, eventually, useServerAndBrowser } from './support.mjs';

const live = useServerAndBrowser();

test('a free-text question gets a streamed AI reply that is stored and shown once', async () => {
  const page = await live.browser.newPage();
  const errors = collectErrors(page);
  await page.goto(live.server.url);
  const root = page.locator('[data-connect360]');
  await root.locator('button.c360-launcher').click();
  const input = root.locator('textarea.c360-input');
  await input.fill('Hello');
  await input.press('Enter');
  await root.locator('.c360-chip').first().waitFor({ timeout: 10000 });

  await input.fill('Do you have the Blue Runner in size 44?');
  await input.press('Enter');
  // Watch the streamed bubble grow.
  const lengths = new Set();
  const deadline = Date.now() + 15000;
  let sawTyping = false;
  while (Date.now() < deadline) {
    if (await root.locator('.c360-streaming .c360-typing').count()) sawTyping = true;
    const text = await root.locator('.c360-streaming .c360-text').allInnerTexts();
    if (text.length) lengths.add(text[0].length);
    if (lengths.size > 0 && (await root.locator('.c360-streaming').count()) === 0) break;
    await new Promise((ok) => setTimeout(ok, 30));
  }
  assert.ok(lengths.size >= 3, `the reply grew in steps (${[...lengths].join(', ')})`);
  assert.ok(sawTyping || lengths.size > 0, 'a typing indicator or text showed at once');

  const conversationId = await conversationOf(page);
  const ai = await eventually(async () => {
    const page = await callAsMerchant(live.server, 'v1.connect.listMessages', { conversationId, limit: 100 });
    const replies = page.items.filter((m) => m.sender.type === 'ai');
    return replies.length ? replies : null;
  }, 'the stored AI reply');
  assert.equal(ai.length, 1, 'one AI reply stored');
  const replyText = ai[0].content.en;
  await eventually(async () => (await root.locator('.c360-bubble', { hasText: replyText }).count()) === 1,
    'the stored reply shown once');
  await new Promise((ok) => setTimeout(ok, 2000));
  assert.equal(await root.locator('.c360-bubble', { hasText: replyText }).count(), 1, 'still once');
  assert.equal(await root.locator('.c360-streaming').count(), 0);
  assert.deepEqual(errors, []);
  await page.close();
});
