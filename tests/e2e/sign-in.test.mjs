// Sign-in suggestions end to end (rich-messages.md §5.8): the widget opens the popup, the
// gateway builds the authorization URL from the stored suggestion, the demo's stand-in
// authorization page sends the visitor back, and the callback posts the result once as the
// visitor's reply; the popup closes itself.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  callAsMerchant, collectErrors, conversationOf, freePort, launchChromium, openChatAndSay, repoRoot,
  startServer,
} from './support.mjs';

let server;
let browser;

before(async () => {
  const port = await freePort();
  server = await startServer({
    port,
    args: ['--no-demo-bot', '--oauth-authorize-url', `http://127.0.0.1:${port}/demo/sign-in`],
  });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function signInRequest() {
  const fixtures = JSON.parse(await readFile(join(repoRoot, 'fixtures', 'rich-messages.json'), 'utf8'));
  return fixtures.find((f) => f.fixture === 'F09-sign-in').message.content.en;
}

test('a visitor signs in through the popup and the result is posted once', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = collectErrors(page);
  const root = await openChatAndSay(page, server, 'Where are my orders?');
  const conversationId = await conversationOf(page);
  const request = await callAsMerchant(server, 'v1.connect.send', {
    conversationId, content: { en: await signInRequest() },
  });

  const button = root.locator('.c360-chips button.c360-chip').first();
  await button.waitFor({ timeout: 10000 });
  assert.equal((await button.innerText()).trim(), 'Sign in');
  const [popup] = await Promise.all([context.waitForEvent('page'), button.click()]);
  await popup.waitForURL(/\/demo\/sign-in\?/, { timeout: 10000 });
  const authorize = new URL(popup.url());
  assert.equal(authorize.searchParams.get('client_id'), 'c360-demo-shop');
  assert.equal(authorize.searchParams.get('code_challenge_method'), 'S256');
  assert.equal(await button.getAttribute('aria-busy'), 'true', 'busy while signing in');
  assert.equal((await button.innerText()).trim(), 'Signing in…');
  await Promise.all([popup.waitForEvent('close', { timeout: 10000 }), popup.click('#allow')]);

  await root.locator('.c360-row--mine .c360-bubble', { hasText: 'Signed in' }).waitFor({ timeout: 10000 });
  const stored = await callAsMerchant(server, 'v1.connect.listMessages', { conversationId, limit: 100 });
  const results = stored.items.filter((m) => m.content.en?.authenticationResponse);
  assert.equal(results.length, 1, 'one result');
  assert.equal(results[0].parentId, request.id);
  assert.match(results[0].content.en.authenticationResponse.code, /^demo_/);
  assert.deepEqual(results[0].content.en.suggestionResponse, { postbackData: '', type: 'AUTH' });
  assert.equal(await root.locator('.c360-chips').count(), 0, 'the chip row is gone');
  assert.deepEqual(errors, []);
  await context.close();
});
