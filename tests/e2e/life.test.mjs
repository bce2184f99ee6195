// The end of a chat and its rating (#17), against the release build and the real server: an
// agent resolves the chat in the console and the visitor's widget asks for a rating, stored
// once in the conversation's metadata and as a flagged message; the visitor ends a chat from
// the header's menu with a confirmation; writing again opens it; without the event stream the
// poll brings the end; after an end a new chat starts, and the earlier one is listed and
// readable, not writable.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { callAsMerchant, collectErrors, conversationOf, eventually, openChatAndSay, repoRoot, uploadDemoPicture, useServerAndBrowser } from './support.mjs';

const live = useServerAndBrowser({ args: ['--no-demo-bot'] });

async function metadataOf(conversationId) {
  const rows = await fetch(new URL('/console/api/conversations', live.server.url), {
    headers: { authorization: `Bearer ${live.server.apiKey}` },
  }).then((r) => r.json());
  return rows.find((r) => r.conversation.id === conversationId)?.conversation.metadata ?? {};
}

/** A downloaded transcript with its clock times as `T` (the minute may turn during a test). */
async function transcriptOf(download) {
  return (await readFile(await download.path(), 'utf8')).replace(/\d{1,2}:\d{2}\s[AP]M/g, 'T');
}

/** A day as the transcript's day lines say it (the test's browsers run in UTC). */
const dayOf = (at) => new Intl.DateTimeFormat('en', { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }).format(new Date(at));

/**
 * The transcript a download must hold (times as `T`): the title, when it was made (`madeAt`),
 * then a line per message under a line per day, each day taken from the stored message.
 */
async function expectedTranscript(madeAt, conversationId, lineOf) {
  const listed = await callAsMerchant(live.server, 'v1.connect.listMessages', { conversationId, limit: 100 });
  const older = listed.nextCursor
    ? await callAsMerchant(live.server, 'v1.connect.listMessages', { conversationId, limit: 100, cursor: listed.nextCursor })
    : { items: [] };
  const byId = new Map([...listed.items, ...older.items].map((m) => [m.id, m]));
  const messages = [...byId.values()].sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  const lines = ['Chat with us — Chat transcript', `${dayOf(madeAt)} T`];
  let day = null;
  for (const message of messages) {
    if (dayOf(message.createdAt) !== day) {
      day = dayOf(message.createdAt);
      lines.push('', day);
    }
    lines.push(...lineOf(message));
  }
  return `${lines.join('\n')}\n`;
}

/** A message's transcript lines as the widget writes them for this test's plain content. */
function plainLines(message) {
  const who = message.sender.type === 'customer' ? 'You' : 'Support';
  const content = message.content.en;
  const text = typeof content === 'string' ? content : content.text ?? content.richCard?.standaloneCard?.cardContent?.title;
  return [`[T] ${who}: ${text}`, ...(message.attachments ?? []).map((f) => `    📎 ${f.name}`)];
}

function focused(page) {
  return page.evaluate(() => {
    const active = document.querySelector('[data-connect360]').shadowRoot.activeElement;
    return active ? active.textContent.trim() || active.getAttribute('aria-label') : 'none';
  });
}

test('an agent resolves the chat in the console: the widget asks for a rating, stored once', async () => {
  const context = await live.browser.newContext({ locale: 'en-US' });
  const page = await context.newPage();
  const errors = collectErrors(page, /widget\/rating/);
  const root = await openChatAndSay(page, live.server, 'My order never came');
  const conversationId = await eventually(() => conversationOf(page), 'a conversation');

  const agent = await context.newPage();
  await agent.goto(new URL('/console', live.server.url).href);
  await agent.fill('#key', live.server.apiKey);
  await agent.click('#sign-in button[type="submit"]');
  await agent.locator('#conversations button', { hasText: 'My order never came' }).click();
  await agent.locator('#thread-details', { hasText: 'Open' }).waitFor();
  await agent.click('#resolve');
  await agent.locator('#thread-details', { hasText: 'Resolved' }).waitFor();

  const ended = root.locator('.c360-ended');
  await ended.waitFor({ timeout: 5000 });
  assert.equal(await ended.locator('h3').innerText(), 'This chat has ended.');
  const choices = await ended.locator('.c360-rating-choice').allInnerTexts();
  assert.deepEqual(choices.map((c) => c.replace(/\s+/g, ' ').trim()),
    ['1 Very poor', '2 Poor', '3 Okay', '4 Good', '5 Excellent']);
  // Sending without a choice says so.
  await ended.locator('button[type="submit"]').click();
  assert.equal(await ended.locator('#c360-rating-problem').innerText(), 'Choose a rating first.');
  await ended.getByRole('radio', { name: '4 Good' }).check();
  await ended.getByLabel('Anything to add? (optional)').fill('Found it at the neighbour’s.');
  await ended.locator('button[type="submit"]').click();
  await ended.locator('[role="status"]', { hasText: 'Thank you for your rating!' }).waitFor({ timeout: 5000 });
  await eventually(() => page.evaluate(() =>
    document.querySelector('[data-connect360]').shadowRoot.activeElement?.matches('textarea.c360-input')),
  'focus back in the composer');
  // The rating's message is in the transcript, as the visitor's.
  await root.locator('.c360-row--mine .c360-bubble', { hasText: '★★★★☆ (4/5)' }).waitFor({ timeout: 5000 });

  const metadata = await metadataOf(conversationId);
  assert.equal(metadata.rating, 4);
  assert.equal(metadata.ratingComment, 'Found it at the neighbour’s.');
  assert.ok(!Number.isNaN(Date.parse(metadata.ratedAt)));
  const listed = await callAsMerchant(live.server, 'v1.connect.listMessages', { conversationId, limit: 10 });
  assert.deepEqual(listed.items.at(-1).flags, ['rating']);
  await agent.locator('#thread-details', { hasText: 'Rated ★★★★☆ (4/5)' }).waitFor({ timeout: 5000 });

  // A second rating of the same conversation is refused.
  const stored = await page.evaluate(() => {
    for (let i = 0; i < localStorage.length; i++) {
      const key = localStorage.key(i);
      if (key.endsWith(':session')) return JSON.parse(localStorage.getItem(key));
    }
    return null;
  });
  const again = await fetch(new URL('/api/widget/rating', live.server.url), {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${stored.token}` },
    body: JSON.stringify({ conversationId, rating: 1 }),
  });
  assert.equal(again.status, 409);
  assert.equal((await metadataOf(conversationId)).rating, 4);
  assert.deepEqual(errors, []);
  await context.close();
});

test('the visitor ends the chat from the menu after a confirmation; writing again opens it', async () => {
  const context = await live.browser.newContext({ locale: 'en-US' });
  const page = await context.newPage();
  const errors = collectErrors(page);
  const root = await openChatAndSay(page, live.server, 'Thanks, that is all');
  const conversationId = await eventually(() => conversationOf(page), 'a conversation');

  // The menu by keyboard: it opens on its first item, the arrows move between its items (round
  // the ends), and Escape gives focus back.
  const menuButton = root.getByRole('button', { name: 'More options' });
  await menuButton.focus();
  await page.keyboard.press('Enter');
  await eventually(async () => (await focused(page)) === 'Download transcript', 'focus on the first item');
  assert.equal(await menuButton.getAttribute('aria-expanded'), 'true');
  await page.keyboard.press('ArrowDown');
  assert.equal(await focused(page), 'Earlier chats');
  await page.keyboard.press('ArrowDown');
  assert.equal(await focused(page), 'End chat');
  await page.keyboard.press('ArrowDown');
  assert.equal(await focused(page), 'Download transcript');
  await page.keyboard.press('ArrowUp');
  assert.equal(await focused(page), 'End chat');
  await page.keyboard.press('Escape');
  await eventually(async () => (await focused(page)) === 'More options', 'focus back on the menu button');
  assert.equal(await root.locator('#c360-panel').isVisible(), true, 'Escape closed the menu, not the panel');

  await menuButton.click();
  await root.getByRole('menuitem', { name: 'End chat' }).click();
  const confirm = root.locator('.c360-confirm');
  assert.match(await confirm.innerText(), /End this chat\? You can rate it afterwards\./);
  // Cancel changes nothing.
  await confirm.getByRole('button', { name: 'Cancel' }).click();
  assert.equal(await confirm.count(), 0);
  assert.equal((await metadataOf(conversationId)).status, undefined);

  await menuButton.click();
  await root.getByRole('menuitem', { name: 'End chat' }).click();
  await root.locator('.c360-confirm').getByRole('button', { name: 'End chat' }).click();
  await root.locator('.c360-ended').waitFor({ timeout: 5000 });
  // The confirmation's button is gone: focus is on the rating's first choice, not lost.
  await eventually(() => page.evaluate(() =>
    document.querySelector('[data-connect360]').shadowRoot.activeElement?.matches('.c360-rating input[type=radio]')),
  'focus on the rating');
  const metadata = await metadataOf(conversationId);
  assert.deepEqual([metadata.status, metadata.resolvedBy], ['resolved', 'visitor']);
  await menuButton.click();
  assert.equal(await root.getByRole('menuitem', { name: 'End chat' }).count(), 0, 'nothing left to end');
  await page.keyboard.press('Escape');

  // Writing again opens the chat.
  await root.locator('textarea.c360-input').fill('Actually, one more question');
  await root.locator('textarea.c360-input').press('Enter');
  await eventually(async () => (await metadataOf(conversationId)).status === 'open', 'the chat open again');
  await root.locator('.c360-ended').waitFor({ state: 'detached', timeout: 5000 });
  assert.deepEqual(errors, []);
  await context.close();
});

test('after an end the visitor starts a new chat; the earlier one is listed and readable, not writable', async () => {
  const context = await live.browser.newContext({ locale: 'en-US', timezoneId: 'UTC', acceptDownloads: true });
  const page = await context.newPage();
  const errors = collectErrors(page);
  const root = await openChatAndSay(page, live.server, 'Where is my parcel?');
  const first = await eventually(() => conversationOf(page), 'a conversation');
  await callAsMerchant(live.server, 'v1.connect.updateConversation',
    { id: first, metadata: { status: 'resolved' } });
  const ended = root.locator('.c360-ended');
  await ended.waitFor({ timeout: 5000 });

  await ended.getByRole('button', { name: 'Start a new chat' }).click();
  const second = await eventually(async () => {
    const id = await conversationOf(page);
    return id !== first && id;
  }, 'a new conversation');
  await ended.waitFor({ state: 'detached', timeout: 5000 });
  await eventually(() => page.evaluate(() =>
    document.querySelector('[data-connect360]').shadowRoot.activeElement?.matches('textarea.c360-input')),
  'focus in the composer');
  assert.equal(await root.locator('.c360-bubble', { hasText: 'Where is my parcel?' }).count(), 0,
    'the new chat starts empty');
  // Under the visitor's top-level conversation, for the same customer.
  const stored = await callAsMerchant(live.server, 'v1.connect.updateConversation', { id: second });
  const before = await callAsMerchant(live.server, 'v1.connect.updateConversation', { id: first });
  assert.equal(stored.parentId, first);
  assert.equal(stored.customerId, before.customerId);

  await root.locator('textarea.c360-input').fill('A second question');
  await root.locator('textarea.c360-input').press('Enter');
  await root.locator('.c360-row--mine .c360-bubble:not(.c360-bubble--pending)', { hasText: 'A second question' })
    .waitFor({ timeout: 10000 });
  const texts = async (id) => (await callAsMerchant(live.server, 'v1.connect.listMessages', { conversationId: id, limit: 50 }))
    .items.map((m) => m.content.en);
  assert.deepEqual(await texts(second), ['A second question']);
  assert.deepEqual(await texts(first), ['Where is my parcel?']);

  // The menu's "Earlier chats": the list, newest first, the current chat marked.
  await root.getByRole('button', { name: 'More options' }).click();
  await root.getByRole('menuitem', { name: 'Earlier chats' }).click();
  const chats = root.locator('.c360-chats');
  await chats.locator('.c360-chat-item').nth(1).waitFor({ timeout: 5000 });
  await eventually(async () => (await focused(page)) === 'Earlier chats', 'focus on the heading');
  const items = (await chats.locator('.c360-chat-item').allInnerTexts()).map((t) => t.replace(/\s+/g, ' '));
  assert.equal(items.length, 2);
  assert.match(items[0], /Current chat/);
  assert.match(items[0], /You: A second question/);
  assert.match(items[1], /You: Where is my parcel\?/);
  assert.equal(await root.locator('textarea.c360-input').isVisible(), false, 'the composer waits');
  const shots = join(repoRoot, 'target', 'e2e');
  await mkdir(shots, { recursive: true });
  await page.screenshot({ path: join(shots, 'earlier-chats.png') });
  const panel = await root.locator('#c360-panel').boundingBox();
  const box = await chats.boundingBox();
  assert.ok(box.y >= panel.y && box.y + box.height <= panel.y + panel.height + 1, 'the list sits in the panel');

  // The earlier chat, read-only.
  await chats.locator('.c360-chat-item').nth(1).click();
  await chats.locator('.c360-chats-line').first().waitFor({ timeout: 5000 });
  assert.match(await chats.innerText(), /This chat can be read, not written in\./);
  assert.deepEqual(await chats.locator('.c360-chats-text').allInnerTexts(), ['Where is my parcel?']);
  assert.equal(await chats.locator('textarea, input, form').count(), 0, 'nothing to write in');
  assert.equal(await chats.locator('.c360-chats-day').count(), 0, 'its one day is in the heading');
  await page.screenshot({ path: join(shots, 'earlier-chat.png') });
  // Its transcript downloads too, named after the day it started.
  const [earlierFile] = await Promise.all([
    page.waitForEvent('download'),
    chats.getByRole('button', { name: 'Download transcript' }).click(),
  ]);
  const madeAt = Date.now();
  const started = (await callAsMerchant(live.server, 'v1.connect.updateConversation', { id: first })).createdAt;
  assert.equal(earlierFile.suggestedFilename(), `chat-transcript-${started.slice(0, 10)}.txt`);
  assert.equal(await transcriptOf(earlierFile), await expectedTranscript(madeAt, first, plainLines));
  assert.match(await transcriptOf(earlierFile), /\[T\] You: Where is my parcel\?\n$/);

  // Escape steps back: to the list, then to the chat, focus on the menu's button.
  await page.keyboard.press('Escape');
  await chats.locator('.c360-chat-item').first().waitFor({ timeout: 5000 });
  await eventually(async () => (await focused(page)).includes('Where is my parcel?'),
    'focus back on the chat that was open');
  await page.keyboard.press('Escape');
  await eventually(async () => (await focused(page)) === 'More options', 'focus back on the menu button');
  assert.equal(await root.locator('textarea.c360-input').isVisible(), true);
  assert.equal(await root.locator('#c360-panel').isVisible(), true);

  // A reload opens the new chat.
  await page.reload();
  await root.locator('button.c360-launcher').click();
  await root.locator('.c360-bubble', { hasText: 'A second question' }).waitFor({ timeout: 10000 });
  assert.equal(await conversationOf(page), second);
  assert.deepEqual(errors, []);
  await context.close();
});

test('without the event stream, the poll brings the end; in Arabic the rating reads right to left', async () => {
  const context = await live.browser.newContext({ locale: 'ar' });
  const page = await context.newPage();
  await page.route('**/api/widget/events?**', (route) => route.abort('connectionrefused'));
  const root = await openChatAndSay(page, live.server, 'مرحبا');
  const conversationId = await eventually(() => conversationOf(page), 'a conversation');
  await callAsMerchant(live.server, 'v1.connect.updateConversation',
    { id: conversationId, metadata: { status: 'resolved' } });
  const ended = root.locator('.c360-ended');
  await ended.waitFor({ timeout: 10000 });
  assert.equal(await ended.locator('h3').innerText(), 'انتهت هذه المحادثة.');
  assert.equal(await ended.evaluate((e) => getComputedStyle(e).direction), 'rtl');
  await ended.getByRole('radio', { name: '5 ممتازة' }).check();
  const shots = join(repoRoot, 'target', 'e2e');
  await mkdir(shots, { recursive: true });
  await page.screenshot({ path: join(shots, 'rating-ar.png') });
  await context.close();
});

test('the transcript downloads as a text file: days and times in the visitor\'s locale, names, what each message shows, files by name', async () => {
  const context = await live.browser.newContext({ locale: 'en-US', timezoneId: 'UTC', acceptDownloads: true });
  const page = await context.newPage();
  const root = await openChatAndSay(page, live.server, 'Which tent for two?');
  const conversationId = await eventually(() => conversationOf(page), 'a conversation');
  const fileId = await uploadDemoPicture(live.server);
  await callAsMerchant(live.server, 'v1.connect.send', { conversationId, content: { en: {
    richCard: { standaloneCard: { cardContent: { title: 'Ridge 2 tent', description: 'Two-person.' } } },
  } } });
  await callAsMerchant(live.server, 'v1.connect.send', { conversationId, content: { en: 'Here it is pitched.' }, attachmentIds: [fileId] });
  await root.locator('.c360-bubble', { hasText: 'Here it is pitched.' }).waitFor({ timeout: 10000 });
  // 160 messages in all: pages of 100 and 60. A reload opens at the newest page only (a
  // newest page of fewer than 50 would come with the one before it), so the download has to
  // fetch the earlier one first.
  const notes = Array.from({ length: 157 }, (_, i) => `Note ${i + 1}`);
  for (const note of notes) {
    await callAsMerchant(live.server, 'v1.connect.send', { conversationId, content: { en: note } });
  }
  await page.reload();
  await root.locator('button.c360-launcher').click();
  await root.locator('.c360-bubble', { hasText: 'Note 157' }).waitFor({ timeout: 10000 });
  assert.equal(await root.locator('.c360-bubble', { hasText: 'Which tent for two?' }).count(), 0,
    'the first message is on an earlier page');

  await root.getByRole('button', { name: 'More options' }).click();
  const historyRequests = [];
  page.on('request', (request) => {
    if (request.url().includes('/api/widget/history')) historyRequests.push(new URL(request.url()));
  });
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    root.getByRole('menuitem', { name: 'Download transcript' }).click(),
  ]);
  const madeAt = Date.now();
  assert.equal(download.suggestedFilename(), `chat-transcript-${new Date(madeAt).toISOString().slice(0, 10)}.txt`);
  assert.ok(historyRequests.some((url) => url.searchParams.has('before')),
    `the earlier page was fetched for the download: ${historyRequests.join(', ')}`);
  // The whole file: its title, when it was made, each day and each message in order.
  const text = await transcriptOf(download);
  assert.equal(text, await expectedTranscript(madeAt, conversationId, plainLines));
  assert.ok(text.includes([
    '[T] You: Which tent for two?',
    '[T] Support: Ridge 2 tent',
    '[T] Support: Here it is pitched.',
    '    📎 ridge-2.png',
    ...notes.map((note) => `[T] Support: ${note}`),
  ].join('\n')), text);
  await context.close();
});
