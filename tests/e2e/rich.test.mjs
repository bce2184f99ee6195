// Rich content with the demo bot, end to end: the greeting's chips post their postback as a
// reply to the greeting and disappear; the product carousel is one keyboard stop with arrow
// keys, Home and End, never scrolling the host page; an open-URL button opens the allow-listed
// URL in a new tab and posts alongside.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { callAsMerchant, collectErrors, conversationOf, eventually, useServerAndBrowser } from './support.mjs';

const live = useServerAndBrowser();

async function messagesOf(conversationId) {
  const page = await callAsMerchant(live.server, 'v1.connect.listMessages', { conversationId, limit: 100 });
  return page.items;
}

/** Opens the chat on a fresh page, says hello and waits for the bot's greeting chips. */
async function greeted(context) {
  const page = await context.newPage();
  const errors = collectErrors(page);
  await page.goto(live.server.url);
  const root = page.locator('[data-connect360]');
  await root.locator('button.c360-launcher').click();
  await root.locator('textarea.c360-input').fill('Hi there');
  await root.locator('textarea.c360-input').press('Enter');
  await root.locator('.c360-chips .c360-chip').first().waitFor({ timeout: 10000 });
  return { page, root, errors };
}

test('a greeting chip posts its postback as a reply and the chips disappear', async () => {
  const context = await live.browser.newContext();
  const { page, root, errors } = await greeted(context);
  assert.deepEqual(await root.locator('.c360-chip').allInnerTexts(),
    ['Browse products', 'Track my order', 'Ask the assistant', 'Talk to a person']);
  assert.equal(await root.locator('.c360-chips').getAttribute('aria-label'), 'Suggested replies');

  await page.evaluate(() => {
    window.__actions = [];
    window.Connect360.on('action', (detail) => window.__actions.push(detail));
  });
  await root.locator('.c360-chip', { hasText: 'Track my order' }).click();
  // Hidden at once: the answer is the newest message now, even before the server confirms it.
  assert.equal(await root.locator('.c360-chips').count(), 0);
  const [action, ...more] = await page.evaluate(() => window.__actions);
  assert.equal(more.length, 0, 'one action event');
  assert.deepEqual(
    [action.suggestion, action.type, action.postbackData, action.text],
    ['suggestions[1]', 'REPLY', 'menu:track', 'Track my order'],
  );
  assert.match(action.messageId, /^msg_/);
  await root.locator('.c360-card').first().waitFor({ timeout: 10000 });

  const messages = await messagesOf(await conversationOf(page));
  const greeting = messages.find((m) => m.content.en?.text?.startsWith("Hi! I'm the Acme assistant"));
  const answers = messages.filter((m) => m.content.en?.suggestionResponse);
  assert.equal(answers.length, 1, 'posted once');
  assert.equal(answers[0].parentId, greeting.id);
  assert.deepEqual(answers[0].content.en,
    { text: 'Track my order', suggestionResponse: { postbackData: 'menu:track', type: 'REPLY' } });
  assert.equal(await root.locator('.c360-card').getAttribute('aria-roledescription'), 'card');
  assert.deepEqual(errors, []);
  await context.close();
});

test('the carousel is one tab stop driven by arrow keys, Home and End', async () => {
  const context = await live.browser.newContext();
  const { page, root } = await greeted(context);
  await root.locator('.c360-chip', { hasText: 'Browse products' }).click();
  const cards = root.locator('.c360-strip > .c360-card');
  await cards.first().waitFor({ timeout: 10000 });
  assert.equal(await cards.count(), 3);
  assert.equal(await root.locator('.c360-carousel').getAttribute('aria-label'), '3 cards');
  const scrollBefore = await page.evaluate(() => window.scrollY);

  await cards.first().focus();
  const focusedLabel = () => page.evaluate(() => {
    const host = document.querySelector('[data-connect360]');
    return host.shadowRoot.activeElement?.getAttribute('aria-label');
  });
  assert.equal(await focusedLabel(), '1 of 3: Blue Runner — €119');
  await page.keyboard.press('ArrowRight');
  assert.equal(await focusedLabel(), '2 of 3: Summit 30 L — €89');
  assert.equal(await cards.nth(1).getAttribute('tabindex'), '0');
  assert.equal(await cards.nth(0).getAttribute('tabindex'), '-1');
  await page.keyboard.press('End');
  assert.equal(await focusedLabel(), '3 of 3: Ridge 2 tent — €329');
  await eventually(() => root.locator('.c360-strip').evaluate((s) => s.scrollLeft > 0),
    'the strip to scroll to the last card');
  await page.keyboard.press('Home');
  assert.equal(await focusedLabel(), '1 of 3: Blue Runner — €119');
  // Tab goes from the card to its own buttons, not into the other cards.
  await page.keyboard.press('Tab');
  const focusedText = await page.evaluate(() =>
    document.querySelector('[data-connect360]').shadowRoot.activeElement?.textContent.trim());
  assert.equal(focusedText, 'Reserve in store');
  assert.equal(await page.evaluate(() => window.scrollY), scrollBefore, 'the host page did not scroll');
  await context.close();
});

test('an open-URL button opens the allow-listed URL in a new tab and posts alongside', async () => {
  const context = await live.browser.newContext();
  const { page, root } = await greeted(context);
  await root.locator('.c360-chip', { hasText: 'Track my order' }).click();
  const track = root.locator('.c360-card a.c360-card-button', { hasText: 'Track online' });
  await track.waitFor({ timeout: 10000 });
  assert.equal(await track.getAttribute('target'), '_blank');
  assert.equal(await track.getAttribute('rel'), 'noopener noreferrer');
  const [tab] = await Promise.all([context.waitForEvent('page'), track.click()]);
  await eventually(() => tab.url().startsWith('https://www.example.com/orders/1042') ||
    tab.url().startsWith('chrome-error://'), 'the new tab to navigate');
  const conversationId = await conversationOf(page);
  await eventually(async () => (await messagesOf(conversationId)).some((m) =>
    m.content.en?.suggestionResponse?.type === 'ACTION' &&
    m.content.en.suggestionResponse.postbackData === 'track:1042'), 'the ACTION postback');
  // Clicking again opens the URL again but posts nothing more.
  const [again] = await Promise.all([context.waitForEvent('page'), track.click()]);
  assert.ok(again);
  await new Promise((ok) => setTimeout(ok, 1500));
  const actions = (await messagesOf(conversationId)).filter((m) =>
    m.content.en?.suggestionResponse?.postbackData === 'track:1042');
  assert.equal(actions.length, 1, 'posted once');
  await context.close();
});
