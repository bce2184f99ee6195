// Every canonical example of rich-messages.md §7 that the server accepts, sent by an agent and
// seen by visitors with an English (LTR) and an Arabic (RTL) interface, in the light and the dark
// theme: each renders with no
// page error, and a screenshot of each lands in target/e2e/canonical/ (kept out of git) to be
// looked at. The examples the server refuses are covered by the browser fixture test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { callAsMerchant, collectErrors, conversationOf, repoRoot, useServerAndBrowser } from './support.mjs';

const live = useServerAndBrowser({ args: ['--no-demo-bot'] });

// English (left-to-right) and Arabic (right-to-left), each in the light and the dark theme.
for (const [locale, colorScheme] of [['en', 'light'], ['en', 'dark'], ['ar', 'light'], ['ar', 'dark']]) {
  test(`the accepted canonical examples render for an ${locale} visitor (${colorScheme})`, async () => {
    const fixtures = JSON.parse(await readFile(join(repoRoot, 'fixtures', 'rich-messages.json'), 'utf8'))
      .filter((f) => f.expect.serverRules.length === 0 && f.message.sender.type !== 'customer');
    const shots = join(repoRoot, 'target', 'e2e', 'canonical');
    await mkdir(shots, { recursive: true });
    const page = await live.browser.newPage({ viewport: { width: 420, height: 760 }, locale, colorScheme });
    // The examples' pictures live on example.com, which this closed network cannot reach: those
    // fail to load (and show their alt text, as §5.3 says); nothing else may fail.
    const errors = collectErrors(page, /^https:\/\/[a-z.]*example\.com\//);
    // The browser's language picks the widget's (no data-locale on the demo shop).
    await page.goto(live.server.url);
    const root = page.locator('[data-connect360]');
    await root.locator('button.c360-launcher').click();
    await root.locator('textarea.c360-input').fill('Show me your messages');
    await root.locator('textarea.c360-input').press('Enter');
    await root.locator('.c360-row--mine .c360-bubble:not(.c360-bubble--pending)').waitFor({ timeout: 10000 });
    const conversationId = await conversationOf(page);
    for (const [index, fixture] of fixtures.entries()) {
      await callAsMerchant(live.server, 'v1.connect.send', { conversationId, content: fixture.message.content });
      await page.waitForFunction((count) =>
        document.querySelector('[data-connect360]').shadowRoot
          .querySelectorAll('.c360-row--agent').length === count, index + 1);
      await page.waitForTimeout(300); // images settle
      const row = root.locator('.c360-row--agent').last();
      // Whatever the message's own direction, its content keeps to the interface's start side.
      const offset = await row.evaluate((r, rtl) => {
        const first = r.querySelector('.c360-content > *')?.getBoundingClientRect();
        const box = r.getBoundingClientRect();
        return first ? Math.round(rtl ? box.right - first.right : first.left - box.left) : 0;
      }, locale === 'ar');
      assert.ok(Math.abs(offset) <= 1, `${fixture.fixture}: content ${offset}px off the start side`);
      await row.screenshot({ path: join(shots, `${locale}-${colorScheme}-${fixture.fixture}.png`) });
    }
    assert.equal(await root.locator('.c360-placeholder').count(), 0, 'every accepted example shows');
    assert.deepEqual(errors, []);
    await page.close();
  });
}
