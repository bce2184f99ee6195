// The agent console in Chromium against the real server: sign in with the local API key,
// find the visitor's conversation, reply with text and with rich content, and see a refused
// reply's violations inline.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { callAsMerchant, collectErrors, launchChromium, repoRoot, startServer } from './support.mjs';

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

async function visitorSession(customer) {
  return fetch(new URL('/api/widget/session', server.url), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ channelIdentifier: 'example.com', ...(customer ? { customer } : {}) }),
  }).then((r) => r.json());
}

async function visitorSays(text, customer = { name: 'Dana Visitor' }, extra = {}) {
  const session = await visitorSession(customer);
  const sent = await fetch(new URL('/api/trpc/v1.connect.send', server.url), {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${session.token}` },
    body: JSON.stringify({ conversationId: session.conversationId, content: { en: text }, ...extra(session) }),
  });
  assert.equal(sent.status, 200);
  return session;
}

async function openConsole(page) {
  await page.goto(new URL('/console', server.url).href);
  await page.fill('#key', apiKey);
  await page.click('#sign-in button[type="submit"]');
  await page.locator('#conversations li').first().waitFor({ timeout: 10000 });
}

test('an agent replies with text and rich content, and sees violations inline', async () => {
  await visitorSays('Do you have the Ridge 2 in stock?', undefined, () => ({}));
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

test('conversations are named, empty ones hidden, rich content readable with its JSON behind a toggle, pictures shown', async () => {
  // Only opened: not a conversation for the team yet.
  const idle = await visitorSession({ name: 'Idle Ivy' });
  // Told only an e-mail; and a guest who told nothing.
  await visitorSays('Is the Summit waterproof?', { email: 'erin@example.com' }, () => ({}));
  const anonymous = await visitorSays('Just browsing', null, () => ({}));
  // A visitor who sends a picture and a PDF, and asks for a person with the chip.
  const png = await fetch(new URL('/demo/img/ridge-2.png', server.url)).then((r) => r.arrayBuffer());
  const picture = await visitorSession({ name: 'Pia Picture' });
  const form = new FormData();
  form.append('file', new Blob([png], { type: 'image/png' }), 'my-tent.png');
  form.append('file', new Blob(['%PDF-1.4\n%receipt\n'], { type: 'application/pdf' }), 'receipt.pdf');
  const uploaded = await fetch(new URL('/api/v1/connect/attachments', server.url), {
    method: 'POST', headers: { authorization: `Bearer ${picture.token}` }, body: form,
  }).then((r) => r.json());
  const asVisitor = (input) => fetch(new URL('/api/trpc/v1.connect.send', server.url), {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${picture.token}` },
    body: JSON.stringify({ conversationId: picture.conversationId, ...input }),
  });
  assert.equal((await asVisitor({ content: { en: 'Is this one torn?' }, attachmentIds: uploaded.files.map((f) => f.id) })).status, 200);
  // Enough replies that the thread scrolls.
  for (let i = 0; i < 25; i++) {
    await callAsMerchant(server, 'v1.connect.send', { conversationId: picture.conversationId, content: { en: `Checking, step ${i + 1}` } });
  }
  await callAsMerchant(server, 'v1.connect.send', { conversationId: picture.conversationId, content: { en: {
    richCard: { standaloneCard: { cardContent: { title: 'Ridge 2 tent', description: 'Two-person',
      suggestions: [{ reply: { text: 'Reserve', postbackData: 'reserve:ridge' } }] } } },
  } } });
  const chips = await callAsMerchant(server, 'v1.connect.send', { conversationId: picture.conversationId, content: { en: {
    text: 'Which one?', suggestions: [{ reply: { text: 'The green one', postbackData: 'g' } }, { liveAgentRequest: {} }],
  } } });
  // The widget's answer to the chip: the gateway records the request for the console.
  assert.equal((await asVisitor({ parentId: chips.id, content: { en: {
    text: 'Talk to a person', suggestionResponse: { postbackData: '', type: 'LIVE_AGENT' },
  } } })).status, 200);

  const page = await browser.newPage({ viewport: { width: 1200, height: 700 } });
  const errors = collectErrors(page);
  await openConsole(page);
  const titles = await page.locator('#conversations li strong').allInnerTexts();
  assert.ok(titles.includes('erin@example.com (unverified)'), `${titles}`);
  assert.ok(titles.includes(`Guest ${anonymous.visitorId.slice(-6)}`), `${titles}`);
  assert.ok(!titles.includes('Idle Ivy'), 'a conversation without a message is not listed');
  assert.ok(idle.conversationId);
  // A guest's name is only their word.
  assert.ok(titles.includes('Pia Picture (unverified)'), `${titles}`);
  const pia = page.locator('#conversations button', { hasText: 'Pia Picture' });
  assert.match(await pia.innerText(), /Asked for a person/);

  await pia.click();
  await page.locator('#thread-details', { hasText: 'Asked for a person' }).waitFor();
  const image = page.locator('#messages img.preview-image');
  await image.waitFor({ timeout: 10000 });
  await page.waitForFunction(() => document.querySelector('#messages img.preview-image').naturalWidth > 0);
  assert.equal(await image.getAttribute('alt'), 'my-tent.png');
  // A file that is not a picture is a link that downloads it, under its own name.
  const pdf = page.locator('#messages .file', { hasText: 'receipt.pdf' });
  assert.equal(await pdf.locator('img').count(), 0);
  assert.equal(await pdf.locator('a').getAttribute('download'), 'receipt.pdf');
  assert.match(await pdf.locator('a').innerText(), /receipt\.pdf \(application\/pdf\)/);
  // A card reads as its title and its buttons.
  assert.match(await page.locator('#messages li', { hasText: 'Ridge 2 tent' }).innerText(), /▸ Ridge 2 tent \[Reserve\]/);
  const rich = page.locator('#messages li', { hasText: 'Which one?' });
  assert.match(await rich.innerText(), /Chips: The green one · Talk to a person/);
  const json = rich.locator('details');
  assert.equal(await json.locator('pre').isVisible(), false, 'the JSON is behind its toggle');
  await json.locator('summary').click();
  assert.equal(await json.locator('pre').isVisible(), true);
  await mkdir(join(repoRoot, 'target', 'e2e'), { recursive: true });
  await page.screenshot({ path: join(repoRoot, 'target', 'e2e', 'console.png') });

  // The thread scrolls on its own: the header and the list stay where they are.
  const before = await page.locator('.bar').boundingBox();
  await page.locator('#messages').evaluate((list) => { list.scrollTop = 0; });
  await page.locator('#messages li').first().hover();
  await page.mouse.wheel(0, 2000);
  await page.waitForTimeout(200);
  assert.deepEqual(await page.locator('.bar').boundingBox(), before);
  assert.equal(await page.evaluate(() => document.scrollingElement.scrollTop), 0);
  assert.ok(await page.locator('#messages').evaluate((list) => list.scrollTop > 0), 'the thread scrolled');
  assert.deepEqual(errors, []);
  await page.close();
});
