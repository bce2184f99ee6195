// An agent's avatar that does not load gives way to the initial, as an image gives way to its
// alt text (#15, defect 7): the visitor never sees the browser's broken-image icon.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { callAsMerchant, conversationOf, eventually, useServerAndBrowser } from './support.mjs';

const live = useServerAndBrowser({ args: ['--no-demo-bot'] });

/** An agent message from `name` with `avatarImage`, and the sender line it is shown under. */
async function agentSays(root, conversationId, name, avatarImage) {
  await callAsMerchant(live.server, 'v1.connect.send', {
    conversationId,
    content: { en: { text: `Hi, ${name} here`, representative: { representativeType: 'HUMAN', displayName: name, avatarImage } } },
  });
  const row = root.locator('.c360-row--agent', { hasText: `Hi, ${name} here` });
  await row.waitFor({ timeout: 15000 });
  return root.locator('.c360-sender', { hasText: name });
}

test('an avatar that fails to load shows the initial; one that loads is drawn', async () => {
  const context = await live.browser.newContext();
  const page = await context.newPage();
  await page.goto(live.server.url);
  const root = page.locator('[data-connect360]');
  await root.locator('button.c360-launcher').click();
  await root.locator('textarea.c360-input').fill('Hello');
  await root.locator('textarea.c360-input').press('Enter');
  await root.locator('.c360-row--mine .c360-bubble:not(.c360-bubble--pending)').waitFor();
  const conversationId = await conversationOf(page);

  const broken = await agentSays(root, conversationId, 'Dana', '/demo/img/no-such-picture.png');
  await eventually(async () => (await broken.locator('img').count()) === 0, 'the broken picture to give way');
  const initial = broken.locator('span.c360-avatar');
  assert.equal(await initial.innerText(), 'D');
  const box = await initial.boundingBox();
  assert.ok(box && box.width >= 20 && box.height >= 20, `the initial has a visible box: ${JSON.stringify(box)}`);

  const drawn = await agentSays(root, conversationId, 'Lee', '/demo/img/assistant.png');
  const picture = drawn.locator('img.c360-avatar');
  await eventually(() => picture.evaluate((img) => img.complete && img.naturalWidth > 0), 'the avatar to load');
  assert.equal(await drawn.locator('span.c360-avatar').count(), 0);
  await context.close();
});
