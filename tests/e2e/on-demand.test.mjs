// The split release build (scripts/split-wasm.sh): the rarely shown views — rich content, a
// message's files, the composer's tray, the rating, the earlier chats — live in wasm modules of
// their own. A visitor who chats in text fetches none of them; each comes the first time its
// view is shown, once; one that cannot be fetched shows a notice whose Retry fetches it again,
// and the conversation goes on meanwhile.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  callAsMerchant, collectErrors, conversationOf, eventually, openChatAndSay, useServerAndBrowser,
} from './support.mjs';

const live = useServerAndBrowser({ args: ['--no-demo-bot'] });

/** The on-demand modules `page` fetches, by name, in order. */
function onDemandRequests(page) {
  const names = [];
  page.on('request', (request) => {
    const name = new URL(request.url()).pathname.split('/').pop();
    if (/^c360-.+\.wasm$/.test(name)) names.push(name);
  });
  return names;
}

const card = (title) => ({ en: { richCard: { standaloneCard: { cardContent: { title, description: 'Warm milk, one shot.' } } } } });

test('a text chat fetches no on-demand module; rich content brings its own once', async () => {
  const context = await live.browser.newContext({ locale: 'en-US' });
  const page = await context.newPage();
  const errors = collectErrors(page);
  const modules = onDemandRequests(page);
  const root = await openChatAndSay(page, live.server, 'Hello');
  const conversationId = await eventually(() => conversationOf(page), 'a conversation');
  await callAsMerchant(live.server, 'v1.connect.send', { conversationId, content: { en: 'A plain answer' } });
  await root.locator('.c360-bubble', { hasText: 'A plain answer' }).waitFor({ timeout: 5000 });
  assert.deepEqual(modules, [], 'a text chat needs none');

  await callAsMerchant(live.server, 'v1.connect.send', { conversationId, content: card('Latte') });
  await root.locator('.c360-card-title', { hasText: 'Latte' }).waitFor({ timeout: 5000 });
  assert.ok(modules.some((m) => m.startsWith('c360-split-rich-body-view-')), `${modules}`);
  const fetched = modules.length;
  await callAsMerchant(live.server, 'v1.connect.send', { conversationId, content: card('Mocha') });
  await root.locator('.c360-card-title', { hasText: 'Mocha' }).waitFor({ timeout: 5000 });
  assert.equal(modules.length, fetched, 'the second card finds it there');
  assert.deepEqual(errors, []);
  await context.close();
});

test('a module that cannot be fetched shows a notice; Retry fetches it and the view appears', async () => {
  const context = await live.browser.newContext({ locale: 'en-US' });
  const page = await context.newPage();
  collectErrors(page);
  let refuse = true;
  await page.route(/c360-split-rating-view-[0-9a-f]+\.wasm$/, (route) =>
    (refuse ? route.abort('connectionrefused') : route.continue()));
  const root = await openChatAndSay(page, live.server, 'Is anyone there?');
  const conversationId = await eventually(() => conversationOf(page), 'a conversation');
  await callAsMerchant(live.server, 'v1.connect.updateConversation',
    { id: conversationId, metadata: { status: 'resolved' } });

  const notice = root.locator('[role="alert"]', { hasText: 'This part of the chat could not be loaded.' });
  await notice.waitFor({ timeout: 10000 });
  // The rest of the widget goes on: the visitor can still write.
  await root.locator('textarea.c360-input').fill('Still here');
  await root.locator('textarea.c360-input').press('Enter');
  await root.locator('.c360-row--mine .c360-bubble:not(.c360-bubble--pending)', { hasText: 'Still here' })
    .waitFor({ timeout: 10000 });
  // Writing opened the chat again; end it once more and let the module through this time.
  await callAsMerchant(live.server, 'v1.connect.updateConversation',
    { id: conversationId, metadata: { status: 'resolved' } });
  await notice.waitFor({ timeout: 10000 });
  refuse = false;
  await notice.getByRole('button', { name: 'Retry' }).click();
  await root.locator('.c360-ended h3', { hasText: 'This chat has ended.' }).waitFor({ timeout: 10000 });
  assert.equal(await notice.count(), 0);
  await context.close();
});

test('the AI reply\'s module comes with the first reply of a site with an agent; a failed fetch is tried again', async () => {
  const context = await live.browser.newContext({ locale: 'en-US' });
  const page = await context.newPage();
  const errors = collectErrors(page);
  const modules = onDemandRequests(page);
  let refused = 0;
  await page.route(/c360-split-ai-reply-[0-9a-f]+\.wasm$/, (route) => {
    if (refused === 0) {
      refused += 1;
      return route.abort('connectionrefused');
    }
    return route.continue();
  });
  const root = await openChatAndSay(page, live.server, 'Hello');
  assert.deepEqual(modules, [], 'the opening message asks the agent nothing');
  const conversationId = await eventually(() => conversationOf(page), 'a conversation');
  const input = root.locator('textarea.c360-input');
  await input.fill('Do you ship to Izmir?');
  await input.press('Enter');
  const ai = await eventually(async () => {
    const listed = await callAsMerchant(live.server, 'v1.connect.listMessages', { conversationId, limit: 100 });
    const replies = listed.items.filter((m) => m.sender.type === 'ai');
    return replies.length ? replies : null;
  }, 'the AI reply, asked for once the module came on the second try', 10000);
  assert.equal(refused, 1);
  assert.equal(ai.length, 1);
  await root.locator('.c360-bubble', { hasText: 'Thanks for your message about' }).waitFor({ timeout: 10000 });
  assert.equal(modules.filter((m) => m.startsWith('c360-split-ai-reply-')).length, 2, `${modules}`);
  // The refused fetch logs itself; nothing else went wrong.
  assert.deepEqual(errors.filter((e) => !/ERR_CONNECTION_REFUSED|Failed to fetch/.test(e)), []);
  await context.close();
});
