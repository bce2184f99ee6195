// A returning visitor's long conversation (#15, defect 6): it opens at its newest message
// from the gateway's history route in O(1) requests, whatever its length, and scrolling back
// fetches one older page at a time until the first message, keeping the visitor's place.
// The timings are printed (they are figures, not pass/fail); the request counts are checked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { callAsMerchant, collectErrors, conversationOf, eventually, useServerAndBrowser } from './support.mjs';

const live = useServerAndBrowser({ args: ['--no-demo-bot'] });
const HISTORY = '**/api/widget/history?**';
const LIST = '**/api/trpc/v1.connect.listMessages?**';

/** `count` agent messages `Agent line <from>…`, ten to a batched request. */
async function agentLines(conversationId, from, count) {
  for (let start = from; start < from + count; start += 10) {
    const n = Math.min(10, from + count - start);
    const paths = Array.from({ length: n }, () => 'v1.connect.send').join(',');
    const body = Object.fromEntries(Array.from({ length: n }, (_, i) =>
      [String(i), { conversationId, content: { en: `Agent line ${start + i}` } }]));
    const response = await fetch(new URL(`/api/trpc/${paths}?batch=1`, live.server.url), {
      method: 'POST',
      headers: { authorization: `Bearer ${live.server.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    assert.equal(response.status, 200, await response.text());
  }
}

/** A visitor who said hello, then `count` agent lines; their browser context. */
async function longConversation(count) {
  const context = await live.browser.newContext();
  const page = await context.newPage();
  await page.goto(live.server.url);
  const root = page.locator('[data-connect360]');
  await root.locator('button.c360-launcher').click();
  await root.locator('textarea.c360-input').fill('Hello, long story');
  await root.locator('textarea.c360-input').press('Enter');
  await root.locator('.c360-row--mine .c360-bubble:not(.c360-bubble--pending)').waitFor({ timeout: 15000 });
  const conversationId = await eventually(() => conversationOf(page), 'a conversation');
  await agentLines(conversationId, 1, count);
  await page.close();
  return context;
}

/**
 * Scrolls the transcript to its top once; the text of the message that was at the top when it
 * scrolled (read in the same task, so a page arriving from an earlier step cannot slip in
 * between) and the milliseconds until something older shows.
 */
async function scrollToTop(log) {
  return log.evaluate((el) => new Promise((resolve, reject) => {
    const before = el.querySelectorAll('.c360-row').length;
    const top = el.querySelector('.c360-row .c360-bubble')?.textContent ?? null;
    const started = performance.now();
    const check = () => {
      if (el.querySelectorAll('.c360-row').length > before) {
        // The next frame is where the view is put back in place (before it is painted).
        const shownAt = performance.now() - started;
        return requestAnimationFrame(() => requestAnimationFrame(() => resolve({ top, shownAt })));
      }
      if (performance.now() - started > 20000) return reject(new Error('nothing older after 20 s'));
      requestAnimationFrame(check);
    };
    el.scrollTop = 0;
    el.dispatchEvent(new Event('scroll'));
    requestAnimationFrame(check);
  }));
}

/**
 * Whether the bubble whose text is `text` is (partly) inside the transcript's view once the
 * widget has put the view back: checked at each frame for up to half a second, since a page
 * that arrives meanwhile is inserted in one task and the view put back at the next frame,
 * before anything is painted.
 */
function inView(log, text) {
  return log.evaluate((el, text) => new Promise((resolve) => {
    const started = performance.now();
    const check = () => {
      const bubble = [...el.querySelectorAll('.c360-row .c360-bubble')].find((b) => b.textContent === text);
      const box = bubble?.getBoundingClientRect();
      const view = el.getBoundingClientRect();
      if (box && box.bottom > view.top && box.top < view.bottom) return resolve(true);
      if (performance.now() - started > 500) return resolve(false);
      requestAnimationFrame(check);
    };
    check();
  }), text);
}

test('a 3 000-message conversation opens at its newest message in O(1) requests and scrolls back to its first', async () => {
  const total = 2999; // with the visitor's hello: 3 000 messages
  const context = await longConversation(total);
  const page = await context.newPage();
  const errors = collectErrors(page);
  const history = [];
  let lists = 0;
  await page.route(HISTORY, (route) => {
    history.push(new URL(route.request().url()).searchParams.get('before'));
    return route.continue();
  });
  await page.route(LIST, (route) => { lists += 1; return route.continue(); });
  await page.goto(live.server.url);
  const root = page.locator('[data-connect360]');
  const tapped = Date.now();
  await root.locator('button.c360-launcher').click();
  await root.locator('.c360-bubble', { hasText: `Agent line ${total}` }).waitFor({ timeout: 20000 });
  const opened = Date.now() - tapped;
  assert.deepEqual(history, [null], 'one history request opens the conversation');
  assert.ok(lists <= 2, `polls so far: ${lists}`);
  const log = root.locator('.c360-transcript');
  assert.ok(await log.evaluate((el) => el.scrollHeight - el.scrollTop - el.clientHeight < 80),
    'the view opens at the newest message');

  // Back to the first message: each step keeps the message that was at the top in view.
  let scrolledBack = 0;
  let steps = 0;
  while (await root.locator('.c360-bubble', { hasText: 'Hello, long story' }).count() === 0) {
    const { top, shownAt } = await scrollToTop(log);
    scrolledBack += shownAt;
    steps += 1;
    if (top) assert.ok(await inView(log, top), `step ${steps}: the message that was at the top is still in view`);
    assert.ok(steps < 200, 'the first message is reached');
  }
  const older = history.slice(1);
  assert.equal(new Set(older).size, older.length, 'each older page is asked once');
  assert.equal(older.length, 29, `30 pages of 100 in all (asked: ${older.length})`);
  const texts = await log.evaluate((el) => [...el.querySelectorAll('.c360-row:not(.c360-row--mine) .c360-bubble')].map((b) => b.textContent));
  assert.equal(texts.length, total, 'every message is shown once');
  assert.ok(texts[0].includes('Agent line 1') && texts.at(-1).includes(`Agent line ${total}`), 'in order');
  console.log(`measure: 3000 messages: tap → newest shown ${opened} ms with 1 history request `
    + `and ${lists} polls; back to the first message in ${Math.round(scrolledBack)} ms of waiting, ${steps} scroll steps, `
    + `${older.length} older pages`);
  assert.deepEqual(errors, []);
  await context.close();
});

test('an older page that fails says so, and pressing the button fetches it', async () => {
  const context = await longConversation(249);
  const page = await context.newPage();
  collectErrors(page, /history/);
  let refused = 0;
  await page.route(HISTORY, (route) => {
    if (new URL(route.request().url()).searchParams.get('before') && refused === 0) {
      refused += 1;
      return route.fulfill({ status: 503, contentType: 'application/json',
        body: JSON.stringify({ message: 'Temporarily unavailable.' }) });
    }
    return route.continue();
  });
  await page.goto(live.server.url);
  const root = page.locator('[data-connect360]');
  await root.locator('button.c360-launcher').click();
  await root.locator('.c360-bubble', { hasText: 'Agent line 249' }).waitFor({ timeout: 20000 });
  const log = root.locator('.c360-transcript');
  const earlier = root.locator('button.c360-earlier');
  // The newest page (50 messages), then the refused fetch of the one before it.
  for (let i = 0; i < 5 && refused === 0; i++) {
    await log.evaluate((el) => { el.scrollTop = 0; el.dispatchEvent(new Event('scroll')); });
    await page.waitForTimeout(300);
  }
  await earlier.filter({ hasText: "Couldn't load earlier messages" }).waitFor({ timeout: 10000 });
  assert.equal(await root.locator('.c360-bubble', { hasText: /^Agent line 149$/ }).count(), 0);
  const shown = await log.locator('.c360-row').count();
  await earlier.click();
  await eventually(async () => await log.locator('.c360-row').count() > shown, 'the older page after retrying');
  await earlier.filter({ hasText: 'Earlier messages' }).waitFor();
  // From the keyboard: the button keeps the focus while each press shows more.
  await earlier.focus();
  for (let i = 0; i < 8 && await root.locator('.c360-bubble', { hasText: 'Hello, long story' }).count() === 0; i++) {
    await earlier.press('Enter');
    await page.waitForTimeout(400);
    const focused = await page.evaluate(() =>
      document.querySelector('[data-connect360]').shadowRoot.activeElement?.className ?? '');
    if (await earlier.count()) assert.match(focused, /c360-earlier/, 'the focus stays on the button');
  }
  await root.locator('.c360-bubble', { hasText: 'Hello, long story' }).waitFor({ timeout: 10000 });
  assert.equal(await earlier.count(), 0, 'no button once the first message is shown');
  assert.equal(await root.locator('.c360-bubble', { hasText: /^Agent line 149$/ }).count(), 1);
  await context.close();
});
