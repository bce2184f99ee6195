// The agent console in Chromium against the real server: sign in with the local API key,
// find the visitor's conversation, reply with text and with rich content, and see a refused
// reply's violations inline.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { collectErrors, launchChromium, startServer } from './support.mjs';

let server;
let browser;
let apiKey;

before(async () => {
  server = await startServer(['--no-demo-bot']);
  apiKey = server.apiKey;
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function visitorSays(text) {
  const session = await fetch(new URL('/api/widget/session', server.url), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ channelIdentifier: 'example.com', customer: { name: 'Dana Visitor' } }),
  }).then((r) => r.json());
  const sent = await fetch(new URL('/api/trpc/v1.connect.send', server.url), {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${session.token}` },
    body: JSON.stringify({ conversationId: session.conversationId, content: { en: text } }),
  });
  assert.equal(sent.status, 200);
  return session;
}

test('an agent replies with text and rich content, and sees violations inline', async () => {
  await visitorSays('Do you have the Ridge 2 in stock?');
  const page = await browser.newPage();
  const errors = collectErrors(page);
  await page.goto(new URL('/console', server.url).href);
  await page.fill('#key', apiKey);
  await page.click('#sign-in button[type="submit"]');

  const conversation = page.locator('#conversations button', { hasText: 'Dana Visitor' });
  await conversation.waitFor({ timeout: 10000 });
  assert.match(await conversation.textContent(), /Ridge 2 in stock/);
  await conversation.click();
  await page.locator('#messages li', { hasText: 'Ridge 2 in stock' }).waitFor();

  await page.fill('#text', 'Yes, 4 left at the Downtown store.');
  await page.click('#reply button[type="submit"]');
  await page.locator('#messages li', { hasText: '4 left at the Downtown store' }).waitFor();

  await page.check('input[name="mode"][value="rich"]');
  await page.selectOption('#template', 'Product carousel');
  await page.click('#reply button[type="submit"]');
  await page.locator('#messages li', { hasText: 'Carousel of 3 cards' }).waitFor();

  const broken = { text: 'Pick one', suggestions: [{ action: { text: 'Go', openUrlAction: { url: 'javascript:alert(1)' } } }] };
  await page.fill('#json', JSON.stringify(broken));
  await page.click('#reply button[type="submit"]');
  const error = page.locator('#reply-error li');
  await error.first().waitFor();
  assert.match(await error.first().textContent(), /S5 content\.en\.suggestions\[0\]\.action\.openUrlAction\.url/);
  assert.equal(await page.locator('#messages li').count(), 3, 'the refused reply was not stored');

  await page.fill('#json', '{ not json');
  await page.click('#reply button[type="submit"]');
  await page.locator('#reply-error', { hasText: 'does not parse' }).waitFor();
  assert.deepEqual(errors.filter((e) => !e.includes('status of 400')).filter((e) => !e.startsWith('http 400')), []);
});

test('a wrong key is refused', async () => {
  const page = await browser.newPage();
  await page.goto(new URL('/console', server.url).href);
  await page.fill('#key', 'plato_wrong');
  await page.click('#sign-in button[type="submit"]');
  await page.locator('#sign-in-error', { hasText: 'not accepted' }).waitFor();
  assert.equal(await page.locator('#desk').isHidden(), true);
});
