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

test('a browser that drops the sign-in cookie is told sign-in is unavailable, and nothing runs unbound', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  // As a browser blocking the gateway's cookies would: the binding cookie never arrives.
  await page.route('**/api/widget/oauth/start', async (route) => {
    const response = await route.fetch();
    // route.fetch() stores cookies in the context like the browser would: drop them again.
    await context.clearCookies();
    const headers = { ...response.headers() };
    delete headers['set-cookie'];
    await route.fulfill({ response, headers });
  });
  const errors = collectErrors(page, /oauth\/binding/);
  const root = await openChatAndSay(page, server, 'Sign me in');
  const conversationId = await conversationOf(page);
  await callAsMerchant(server, 'v1.connect.send', { conversationId, content: { en: await signInRequest() } });
  const button = root.locator('.c360-chips button.c360-chip').first();
  await button.waitFor({ timeout: 10000 });
  const [popup] = await Promise.all([context.waitForEvent('page'), button.click()]);
  const notice = root.locator('.c360-notice[role="alert"]', { hasText: "Sign-in isn't available in this browser" });
  await notice.waitFor({ timeout: 10000 });
  if (!popup.isClosed()) await popup.waitForEvent('close', { timeout: 10000 }).catch(() => {});
  assert.ok(popup.isClosed(), 'the popup is closed, never sent to the authorization page');
  assert.equal(await button.getAttribute('aria-busy'), null, 'no longer busy');
  const box = await notice.boundingBox();
  assert.ok(box && box.width > 0 && box.height > 0, 'the notice is on screen');
  await page.screenshot({ path: join(repoRoot, 'target', 'e2e', 'sign-in-unavailable.png') });
  const stored = await callAsMerchant(server, 'v1.connect.listMessages', { conversationId, limit: 100 });
  assert.equal(stored.items.filter((m) => m.content.en?.authenticationResponse).length, 0);
  assert.deepEqual(errors, []);
  await context.close();
});

test('an authorization URL forwarded to another browser completes nothing', async () => {
  const attacker = await browser.newContext();
  const page = await attacker.newPage();
  const root = await openChatAndSay(page, server, 'Let me sign in');
  const conversationId = await conversationOf(page);
  await callAsMerchant(server, 'v1.connect.send', { conversationId, content: { en: await signInRequest() } });
  const button = root.locator('.c360-chips button.c360-chip').first();
  await button.waitFor({ timeout: 10000 });
  const [popup] = await Promise.all([attacker.waitForEvent('page'), button.click()]);
  await popup.waitForURL(/\/demo\/sign-in\?/, { timeout: 10000 });
  const forwarded = popup.url();
  await popup.close();

  // The victim opens the forwarded link in their own browser and allows it.
  const victim = await browser.newContext();
  const victimPage = await victim.newPage();
  await victimPage.goto(forwarded);
  const [callback] = await Promise.all([
    victimPage.waitForResponse((r) => r.url().includes('/api/widget/oauth/callback')),
    victimPage.click('#allow'),
  ]);
  assert.equal(callback.status(), 400);
  const stored = await callAsMerchant(server, 'v1.connect.listMessages', { conversationId, limit: 100 });
  assert.equal(stored.items.filter((m) => m.content.en?.authenticationResponse).length, 0,
    "nothing was posted into the attacker's conversation");
  await victim.close();
  await attacker.close();
});
