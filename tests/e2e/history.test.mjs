// A returning visitor's long history (#15, defect 6): the walk over its pages resumes after a
// page that failed (the visitor's read limit answering 429) instead of starting over from the
// first page, which never finished under a limit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { callAsMerchant, collectErrors, conversationOf, eventually, useServerAndBrowser } from './support.mjs';

const live = useServerAndBrowser({ args: ['--no-demo-bot'] });
const LIST = '**/api/trpc/v1.connect.listMessages?**';

test('a history walk interrupted by 429s resumes at the failed page and shows the newest message', async () => {
  const context = await live.browser.newContext();
  const page = await context.newPage();
  const errors = collectErrors(page, /listMessages/);
  await page.goto(live.server.url);
  const root = page.locator('[data-connect360]');
  await root.locator('button.c360-launcher').click();
  await root.locator('textarea.c360-input').fill('Hello, long story');
  await root.locator('textarea.c360-input').press('Enter');
  await root.locator('.c360-row--mine .c360-bubble:not(.c360-bubble--pending)').waitFor({ timeout: 15000 });
  const conversationId = await eventually(() => conversationOf(page), 'a conversation');
  const total = 349; // with the visitor's one: 350 messages, four pages of 100
  for (let i = 1; i <= total; i++) {
    await callAsMerchant(live.server, 'v1.connect.send', { conversationId, content: { en: `Agent line ${i}` } });
  }
  await page.close();

  // The next page load walks the history; every second page asked is refused with 429.
  const again = await context.newPage();
  collectErrors(again, /listMessages/);
  const asked = [];
  let n = 0;
  await again.route(LIST, (route) => {
    const input = JSON.parse(new URL(route.request().url()).searchParams.get('input'));
    asked.push(input.cursor ?? null);
    n += 1;
    if (n % 2 === 0) {
      return route.fulfill({ status: 429, headers: { 'retry-after': '1' }, contentType: 'application/json',
        body: JSON.stringify({ error: { message: 'Too many requests', code: -32029, data: { code: 'TOO_MANY_REQUESTS', httpStatus: 429 } } }) });
    }
    return route.continue();
  });
  await again.goto(live.server.url);
  const root2 = again.locator('[data-connect360]');
  await root2.locator('button.c360-launcher').click();
  await root2.locator('.c360-bubble', { hasText: `Agent line ${total}` }).waitFor({ timeout: 45000 });
  const firstPages = asked.filter((cursor) => cursor === null).length;
  assert.equal(firstPages, 1, `the first page was asked once (asked: ${JSON.stringify(asked.slice(0, 12))})`);
  assert.deepEqual(errors, []);
  await context.close();
});
