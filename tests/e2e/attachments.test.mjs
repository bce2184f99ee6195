// Attachments end to end: files chosen in the widget are checked before upload (type, size,
// count) with a clear message, uploaded through the gateway with progress, sent with the
// message as attachmentIds, and shown to the visitor as a chip that downloads the file; an
// agent's picture shows in the widget as a preview. Files also come by drag-and-drop and paste,
// and an upload under way can be cancelled.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { callAsMerchant, collectErrors, conversationOf, eventually, openChatAndSay, uploadDemoPicture, useServerAndBrowser } from './support.mjs';

const live = useServerAndBrowser({ args: ['--no-demo-bot'] });

const file = (name, mimeType, text) => ({ name, mimeType, buffer: Buffer.from(text) });

test('a visitor attaches a file, sends it, and can download it again', async () => {
  const context = await live.browser.newContext({ acceptDownloads: true });
  const page = await context.newPage();
  const errors = collectErrors(page);
  await page.goto(live.server.url);
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
  const stored = await callAsMerchant(live.server, 'v1.connect.listMessages', { conversationId });
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

test("a file whose bytes are not its declared type is refused by the gateway, and the visitor is told why", async () => {
  const page = await live.browser.newPage();
  const errors = collectErrors(page, /\/api\/v1\/connect\/attachments$/);
  await page.goto(live.server.url);
  const root = page.locator('[data-connect360]');
  await root.locator('button.c360-launcher').click();
  // Passes the widget's own check (a PNG by name and type); the gateway reads the bytes.
  const answers = [];
  page.on('response', (r) => r.url().endsWith('/api/v1/connect/attachments') && answers.push(r.status()));
  await root.locator('input.c360-file-input').setInputFiles([file('photo.png', 'image/png', 'not a picture at all')]);
  await eventually(async () => (await root.locator('.c360-tray-size').allInnerTexts()).join() === 'Upload failed',
    'the upload to fail');
  assert.deepEqual(answers, [400]);
  assert.equal(await root.locator('.c360-notice').innerText(),
    "photo.png can't be sent: its content doesn't match its file type.");
  assert.equal(await root.locator('.c360-notice').getAttribute('role'), 'alert');
  assert.equal(await root.locator('.c360-tray-file--failed').count(), 1);

  // The message goes without it, and the tray and the notice clear.
  const sent = await sendAndFindStored(page, root, 'Sending the text only');
  assert.deepEqual(sent.attachments, []);
  assert.equal(await root.locator('.c360-tray-file').count(), 0);
  assert.equal(await root.locator('.c360-notice').count(), 0);
  assert.deepEqual(errors, []);
  await page.close();
});

test('more than five files are refused with a message and nothing extra is uploaded', async () => {
  const page = await live.browser.newPage();
  await page.goto(live.server.url);
  const root = page.locator('[data-connect360]');
  await root.locator('button.c360-launcher').click();
  const six = [1, 2, 3, 4, 5, 6].map((n) => file(`note-${n}.txt`, 'text/plain', `note ${n}`));
  await root.locator('input.c360-file-input').setInputFiles(six);
  // The tray is drawn once a file is chosen (the release build fetches its module then).
  await root.locator('.c360-tray-file').nth(4).waitFor({ timeout: 5000 });
  assert.equal(await root.locator('.c360-tray-file').count(), 5);
  assert.match(await root.locator('.c360-notice').innerText(), /up to 5 files/);
  await page.close();
});

test("an agent's picture shows in the widget as a preview fetched with the visitor's token", async () => {
  const page = await live.browser.newPage();
  const errors = collectErrors(page);
  const root = await openChatAndSay(page, live.server, 'Can you show me the tent?');
  const conversationId = await conversationOf(page);

  // The agent uploads a picture with the merchant's key and sends it.
  const picture = await uploadDemoPicture(live.server);
  await callAsMerchant(live.server, 'v1.connect.send', {
    conversationId, content: { en: 'Here it is.' }, attachmentIds: [picture],
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

/** A DataTransfer in the page holding one text file, as a drag or a paste carries it. */
function transferOf(page, name, text) {
  return page.evaluateHandle(([name, text]) => {
    const transfer = new DataTransfer();
    transfer.items.add(new File([text], name, { type: 'text/plain' }));
    return transfer;
  }, [name, text]);
}

/** Sends what is in the composer and tray; resolves to the stored message with attachments. */
async function sendAndFindStored(page, root, text) {
  await root.locator('textarea.c360-input').fill(text);
  await root.locator('textarea.c360-input').press('Enter');
  const conversationId = await conversationOf(page);
  return eventually(async () => {
    const stored = await callAsMerchant(live.server, 'v1.connect.listMessages', { conversationId });
    return stored.items.find((m) => m.content.en === text);
  }, `"${text}" to be stored`);
}

test('files dropped on the panel or pasted into the composer are uploaded and sent', async () => {
  const page = await live.browser.newPage();
  const errors = collectErrors(page);
  await page.goto(live.server.url);
  const root = page.locator('[data-connect360]');
  await root.locator('button.c360-launcher').click();
  const panel = root.locator('#c360-panel');
  await panel.waitFor({ state: 'visible' });

  const dropped = await transferOf(page, 'dropped.txt', 'dragged in');
  await panel.dispatchEvent('dragover', { dataTransfer: dropped });
  await panel.dispatchEvent('drop', { dataTransfer: dropped });
  await root.locator('.c360-tray-name', { hasText: 'dropped.txt' }).waitFor({ timeout: 5000 });
  await eventually(async () => (await root.locator('.c360-tray-size').allInnerTexts()).join() === '10 B',
    'the dropped file to upload');
  const first = await sendAndFindStored(page, root, 'A dropped file');
  assert.deepEqual(first.attachments.map((a) => [a.name, a.type]), [['dropped.txt', 'text/plain']]);

  // A paste with a file attaches it (and puts no text in the composer).
  const pasted = await transferOf(page, 'pasted.txt', 'from the clipboard');
  await root.locator('textarea.c360-input').evaluate((input, clipboardData) => {
    input.dispatchEvent(new ClipboardEvent('paste', { clipboardData, bubbles: true, cancelable: true }));
  }, pasted);
  await root.locator('.c360-tray-name', { hasText: 'pasted.txt' }).waitFor({ timeout: 5000 });
  assert.equal(await root.locator('textarea.c360-input').inputValue(), '');
  await eventually(async () => (await root.locator('.c360-tray-size').allInnerTexts()).join() === '18 B',
    'the pasted file to upload');
  const second = await sendAndFindStored(page, root, 'A pasted file');
  assert.deepEqual(second.attachments.map((a) => a.name), ['pasted.txt']);

  // A drop of something that is not a file (text from another page) attaches nothing.
  const words = await page.evaluateHandle(() => {
    const transfer = new DataTransfer();
    transfer.setData('text/plain', 'just words');
    return transfer;
  });
  await panel.dispatchEvent('drop', { dataTransfer: words });
  assert.equal(await root.locator('.c360-tray-file').count(), 0);
  assert.deepEqual(errors, []);
  await page.close();
});

test('an upload under way can be cancelled: the request is aborted and nothing is sent with the message', async () => {
  const context = await live.browser.newContext();
  const page = await context.newPage();
  const errors = collectErrors(page, /\/api\/v1\/connect\/attachments$/);
  await page.goto(live.server.url);
  const root = page.locator('[data-connect360]');
  await root.locator('button.c360-launcher').click();
  await root.locator('#c360-panel').waitFor({ state: 'visible' });

  // A slow uplink (64 KB/s) so that a 2 MB upload is visibly under way.
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false, latency: 20, downloadThroughput: -1, uploadThroughput: 64 * 1024,
  });
  const aborted = [];
  page.on('requestfailed', (r) => r.url().endsWith('/api/v1/connect/attachments') && aborted.push(r.failure()?.errorText));
  await root.locator('input.c360-file-input').setInputFiles([
    { name: 'big-scan.pdf', mimeType: 'application/pdf', buffer: Buffer.alloc(2 * 1024 * 1024, 37) },
  ]);
  const size = root.locator('.c360-tray-size');
  await eventually(async () => /^\d+%$/.test(await size.innerText()), 'the upload to show progress');
  assert.equal(await root.locator('.c360-tray-file progress').count(), 1);
  await root.locator('button.c360-tray-remove').click();
  assert.equal(await root.locator('.c360-tray-file').count(), 0, 'the tray is empty');
  await eventually(() => aborted.length === 1, 'the upload request to be aborted');
  assert.match(aborted[0], /ERR_ABORTED/);
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1,
  });

  const sent = await sendAndFindStored(page, root, 'Never mind the scan');
  assert.deepEqual(sent.attachments, [], 'no attachment with the message');
  assert.deepEqual(errors, []);
  await context.close();
});
