// Attachments end to end: files chosen in the widget are checked before upload (type, size,
// count) with a clear message, uploaded through the gateway with progress, sent with the
// message as attachmentIds, and shown to the visitor as a chip that downloads the file; an
// agent's picture shows in the widget as a preview.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { callAsMerchant, collectErrors, eventually, launchChromium, startServer, conversationOf, openChatAndSay } from './support.mjs';

let server;
let browser;

before(async () => {
  server = await startServer({ args: ['--no-demo-bot'] });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

const file = (name, mimeType, text) => ({ name, mimeType, buffer: Buffer.from(text) });

test('a visitor attaches a file, sends it, and can download it again', async () => {
  const context = await browser.newContext({ acceptDownloads: true });
  const page = await context.newPage();
  const errors = collectErrors(page);
  await page.goto(server.url);
  const root = page.locator('[data-connect360]');
  await root.locator('button.c360-launcher').click();
  const input = root.locator('input.c360-file-input');

  // Refused before any upload, with the reason.
  await input.setInputFiles([file('page.html', 'text/html', '<script>x</script>')]);
  assert.match(await root.locator('.c360-notice').innerText(), /page\.html can't be sent/);
  assert.equal(await root.locator('.c360-tray-file').count(), 0);

  await input.setInputFiles([file('receipt.txt', 'text/plain', 'order 1042, paid')]);
  await eventually(async () => (await root.locator('.c360-tray-size').allInnerTexts()).join() === '16 B',
    'the upload to finish');
  await root.locator('textarea.c360-input').fill('Here is my receipt');
  await root.locator('textarea.c360-input').press('Enter');
  assert.equal(await root.locator('.c360-tray-file').count(), 0, 'the tray empties');

  const chip = root.locator('button.c360-file', { hasText: 'receipt.txt' });
  await chip.waitFor({ timeout: 10000 });
  const conversationId = await conversationOf(page);
  const stored = await callAsMerchant(server, 'v1.connect.listMessages', { conversationId });
  const sent = stored.items.find((m) => m.attachments.length > 0);
  assert.equal(sent.content.en, 'Here is my receipt');
  assert.equal(sent.attachments[0].name, 'receipt.txt');
  assert.equal(sent.attachments[0].type, 'text/plain');

  const [download] = await Promise.all([page.waitForEvent('download'), chip.click()]);
  assert.equal(download.suggestedFilename(), 'receipt.txt');
  const { readFile } = await import('node:fs/promises');
  assert.equal(await readFile(await download.path(), 'utf8'), 'order 1042, paid');
  assert.deepEqual(errors, []);
  await context.close();
});

test('more than five files are refused with a message and nothing extra is uploaded', async () => {
  const page = await browser.newPage();
  await page.goto(server.url);
  const root = page.locator('[data-connect360]');
  await root.locator('button.c360-launcher').click();
  const six = [1, 2, 3, 4, 5, 6].map((n) => file(`note-${n}.txt`, 'text/plain', `note ${n}`));
  await root.locator('input.c360-file-input').setInputFiles(six);
  assert.equal(await root.locator('.c360-tray-file').count(), 5);
  assert.match(await root.locator('.c360-notice').innerText(), /up to 5 files/);
  await page.close();
});

test("an agent's picture shows in the widget as a preview fetched with the visitor's token", async () => {
  const page = await browser.newPage();
  const errors = collectErrors(page);
  const root = await openChatAndSay(page, server, 'Can you show me the tent?');
  const conversationId = await conversationOf(page);

  // The agent uploads a picture with the merchant's key and sends it.
  const png = await fetch(new URL('/demo/img/ridge-2.png', server.url)).then((r) => r.arrayBuffer());
  const form = new FormData();
  form.append('file', new Blob([png], { type: 'image/png' }), 'ridge-2.png');
  const uploaded = await fetch(new URL('/api/v1/connect/attachments', server.url), {
    method: 'POST', headers: { authorization: `Bearer ${server.apiKey}` }, body: form,
  }).then((r) => r.json());
  await callAsMerchant(server, 'v1.connect.send', {
    conversationId, content: { en: 'Here it is.' }, attachmentIds: [uploaded.files[0].id],
  });

  const preview = root.locator('.c360-file-preview img');
  await preview.waitFor({ timeout: 10000 });
  assert.match(await preview.getAttribute('src'), /^blob:/);
  assert.equal(await preview.getAttribute('alt'), 'ridge-2.png');
  await eventually(() => preview.evaluate((img) => img.complete && img.naturalWidth > 0),
    'the picture to decode');
  assert.deepEqual(errors, []);
  await page.close();
});
