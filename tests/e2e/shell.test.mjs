// The instant panel shell (embed/loader.js): the first tap paints the panel's frame with a
// focused, labelled composer before the wasm has arrived; when the widget mounts it takes over
// in the same frame (text, caret and focus carry over, nothing moves, the panel never
// disappears); Enter before then is sent once; a wasm that 404s or arrives truncated shows the
// reason and a Retry in the visitor's language and keeps the text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { callAsMerchant, collectErrors, conversationOf, eventually, useServerAndBrowser } from './support.mjs';

const live = useServerAndBrowser({ args: ['--no-demo-bot'] });
const WASM = '**/*_bg.wasm';

/** A first-time visitor's page whose wasm is held back until `release()`. */
async function heldBack(options = {}) {
  const page = await live.browser.newPage({ viewport: { width: 1024, height: 760 }, ...options });
  const errors = collectErrors(page, /\.wasm|could not load/);
  let release;
  const held = new Promise((ok) => { release = ok; });
  let answer = (route) => route.continue();
  await page.route(WASM, async (route) => {
    await held;
    return answer(route);
  });
  await page.goto(live.server.url);
  const root = page.locator('[data-connect360]');
  await root.locator('button.c360-launcher').waitFor();
  return { page, root, errors, release, answerWith: (f) => { answer = f; } };
}

/** The focused element inside the widget, as "tag.class" plus whether it is in the shell. */
function focused(page) {
  return page.evaluate(() => {
    const active = document.querySelector('[data-connect360]').shadowRoot.activeElement;
    if (!active) return 'none';
    return `${active.tagName.toLowerCase()}.${active.classList[0]}${active.closest('.c360-shell') ? ' (shell)' : ''}`;
  });
}

/** Records, every frame until stopped, whether a panel is on screen and where its composer is. */
function watchFrames(page) {
  return page.evaluate(() => {
    window.__frames = [];
    const shadow = document.querySelector('[data-connect360]').shadowRoot;
    const frame = () => {
      const panel = [...shadow.querySelectorAll('.c360-panel')].find((p) => p.getClientRects().length > 0);
      const input = panel?.querySelector('.c360-input')?.getBoundingClientRect();
      window.__frames.push(panel ? [Math.round(input.x), Math.round(input.y), Math.round(input.width)] : null);
      if (!window.__stopFrames) requestAnimationFrame(frame);
    };
    requestAnimationFrame(frame);
  });
}

test('the first tap paints a typable, focused composer before the wasm; the widget takes over in place', async () => {
  const { page, root, errors, release } = await heldBack();
  await root.locator('button.c360-launcher').click();
  const shell = root.locator('.c360-shell');
  await shell.waitFor({ state: 'visible', timeout: 2000 });
  assert.equal(await root.locator('#c360-panel').count(), 0, 'the wasm has not mounted yet');
  assert.equal(await focused(page), 'textarea.c360-input (shell)');
  assert.equal(await shell.locator('textarea').getAttribute('aria-label'), 'Message');
  assert.equal(await shell.locator('.c360-title').innerText(), 'Chat with us');
  assert.equal(await shell.getAttribute('role'), 'dialog');
  assert.equal(await shell.locator('[aria-live], [role=status], [role=alert]').count(), 0, 'no second live region');
  await page.keyboard.type('Hello there');
  await shell.locator('textarea').evaluate((t) => t.setSelectionRange(5, 5));
  const before = await shell.locator('textarea').boundingBox();
  const panelBefore = await shell.boundingBox();
  await watchFrames(page);
  release();
  const panel = root.locator('#c360-panel');
  await panel.waitFor({ state: 'visible', timeout: 15000 });
  await page.evaluate(() => new Promise((ok) => requestAnimationFrame(() => requestAnimationFrame(ok))));
  await page.evaluate(() => { window.__stopFrames = true; });
  assert.equal(await root.locator('.c360-shell').count(), 0, 'the shell is gone');
  assert.equal(await root.locator('[role=dialog]').count(), 1, 'one dialog');
  const composer = panel.locator('textarea.c360-input');
  assert.equal(await composer.inputValue(), 'Hello there');
  assert.deepEqual(await composer.evaluate((t) => [t.selectionStart, t.selectionEnd]), [5, 5], 'the caret carried over');
  assert.equal(await focused(page), 'textarea.c360-input');
  const after = await composer.boundingBox();
  const panelAfter = await panel.boundingBox();
  for (const key of ['x', 'y', 'width', 'height']) {
    assert.ok(Math.abs(after[key] - before[key]) <= 1, `the composer's ${key}: ${before[key]} → ${after[key]}`);
    assert.ok(Math.abs(panelAfter[key] - panelBefore[key]) <= 1, `the panel's ${key}: ${panelBefore[key]} → ${panelAfter[key]}`);
  }
  const frames = await page.evaluate(() => window.__frames);
  assert.ok(frames.length >= 2, `frames seen: ${frames.length}`);
  assert.ok(frames.every((f) => f !== null), `a panel in every frame: ${JSON.stringify(frames)}`);
  assert.equal(new Set(frames.map((f) => f.join())).size, 1, `the composer never moved: ${JSON.stringify(frames)}`);
  // The carried-over text is the widget's own now: typing on and sending works.
  await page.keyboard.press('End');
  await page.keyboard.type('!');
  assert.ok(await panel.locator('button.c360-send').isEnabled(), 'the send button knows about the text');
  await page.keyboard.press('Enter');
  await root.locator('.c360-row--mine .c360-bubble:not(.c360-bubble--pending)', { hasText: 'Hello there!' }).waitFor({ timeout: 10000 });
  assert.deepEqual(errors, []);
  await page.close();
});

test('Enter in the shell queues the message and it is sent exactly once when the widget is ready', async () => {
  const { page, root, errors, release } = await heldBack();
  await root.locator('button.c360-launcher').click();
  const input = root.locator('.c360-shell textarea');
  await input.waitFor({ state: 'visible' });
  await page.keyboard.type('Sent before the wasm');
  await page.keyboard.press('Enter');
  await page.keyboard.press('Enter'); // an empty Enter sends nothing
  assert.equal(await input.inputValue(), '');
  assert.deepEqual(await root.locator('.c360-shell .c360-bubble--pending').allInnerTexts(), ['Sent before the wasm']);
  release();
  await root.locator('#c360-panel').waitFor({ state: 'visible', timeout: 15000 });
  await root.locator('.c360-row--mine .c360-bubble:not(.c360-bubble--pending)').first().waitFor({ timeout: 10000 });
  const conversationId = await eventually(() => conversationOf(page), 'a conversation');
  await page.waitForTimeout(1500); // time for a duplicate to show up, if there were one
  const stored = await callAsMerchant(live.server, 'v1.connect.listMessages', { conversationId, limit: 100 });
  assert.deepEqual(stored.items.map((m) => m.content.en), ['Sent before the wasm'], 'stored once');
  assert.deepEqual(await root.locator('.c360-row--mine .c360-bubble').allInnerTexts(), ['Sent before the wasm'], 'shown once');
  assert.deepEqual(errors, []);
  await page.close();
});

for (const [what, failure] of [
  ['a wasm that 404s', (route) => route.fulfill({ status: 404, body: 'not here' })],
  ['a truncated wasm', async (route) => {
    const full = await route.fetch();
    const body = await full.body();
    return route.fulfill({ status: 200, contentType: 'application/wasm', body: body.subarray(0, body.length >> 1) });
  }],
]) {
  test(`${what}: the shell says so in the visitor's language, keeps the text, and Retry loads the widget`, async () => {
    const { page, root, release, answerWith } = await heldBack({ locale: 'tr' });
    let failures = 0;
    answerWith((route) => (failures++ === 0 ? failure(route) : route.continue()));
    release();
    await root.locator('button.c360-launcher').click();
    await root.locator('.c360-shell textarea').fill('Bunu sakla');
    const alert = root.locator('.c360-shell [role=alert]');
    await alert.waitFor({ timeout: 15000 });
    assert.match(await alert.innerText(), /Sohbet yüklenemedi\./);
    assert.equal(await root.locator('.c360-shell textarea').inputValue(), 'Bunu sakla', 'the text is kept');
    const retry = alert.locator('button', { hasText: 'Tekrar dene' });
    const box = await retry.boundingBox();
    assert.ok(box.width > 0 && box.height > 0, 'Retry is on screen');
    await retry.click();
    const panel = root.locator('#c360-panel');
    await panel.waitFor({ state: 'visible', timeout: 15000 });
    assert.equal(await panel.locator('textarea').inputValue(), 'Bunu sakla');
    assert.equal(await root.locator('.c360-shell').count(), 0);
    assert.equal(failures, 2, 'one failed load, one retry');
    await page.close();
  });
}

test('glue JS that fails to load: Retry asks again under another URL and the widget mounts', async () => {
  const { page, root, release } = await heldBack();
  release();
  const asked = [];
  await page.route('**/connect360-widget-*.js*', (route) => {
    asked.push(new URL(route.request().url()).search);
    return asked.length === 1 ? route.fulfill({ status: 503, body: 'busy' }) : route.continue();
  });
  await root.locator('button.c360-launcher').click();
  await root.locator('.c360-shell textarea').fill('Still here');
  const alert = root.locator('.c360-shell [role=alert]');
  await alert.waitFor({ timeout: 15000 });
  await alert.locator('button').click();
  await root.locator('#c360-panel').waitFor({ state: 'visible', timeout: 15000 });
  assert.equal(await root.locator('#c360-panel textarea').inputValue(), 'Still here');
  assert.equal(asked.length, 2);
  assert.notEqual(asked[0], asked[1], 'the retry is not the remembered failed import');
  await page.close();
});

test('a conversation stylesheet that fails to load: the shell says so, and Retry asks again and mounts a styled widget', async () => {
  const { page, root, release } = await heldBack();
  release();
  const asked = [];
  await page.route('**/conversation-*.css*', (route) => {
    asked.push(new URL(route.request().url()).search);
    return asked.length === 1 ? route.fulfill({ status: 404, body: 'gone' }) : route.continue();
  });
  await root.locator('button.c360-launcher').click();
  await root.locator('.c360-shell textarea').fill('Keep me');
  const alert = root.locator('.c360-shell [role=alert]');
  await alert.waitFor({ timeout: 15000 });
  assert.equal(await root.locator('#c360-panel').count(), 0, 'no unstyled widget');
  await alert.locator('button').click();
  const panel = root.locator('#c360-panel');
  await panel.waitFor({ state: 'visible', timeout: 15000 });
  assert.equal(await panel.locator('textarea').inputValue(), 'Keep me');
  assert.equal(asked.length, 2);
  assert.notEqual(asked[0], asked[1], 'the retry asks under another URL');
  assert.equal(await root.locator('link[rel=stylesheet]').count(), 2, 'the frame and one conversation sheet');
  // conversation.css applies: the live region is visually hidden.
  assert.equal(await root.locator('.c360-sr-only').first().evaluate((e) => getComputedStyle(e).position), 'absolute');
  await page.close();
});

test('Esc and the close button close the shell and focus the launcher; the next tap reopens it', async () => {
  const { page, root, release } = await heldBack({ locale: 'ar' });
  const launcher = root.locator('button.c360-launcher');
  await launcher.click();
  const shell = root.locator('.c360-shell');
  await shell.waitFor({ state: 'visible' });
  assert.equal(await shell.locator('.c360-title').innerText(), 'تحدث معنا');
  assert.equal(await root.locator('.c360-boot').getAttribute('dir'), 'rtl');
  await page.keyboard.type('نص');
  await page.keyboard.press('Escape');
  await shell.waitFor({ state: 'hidden' });
  assert.equal(await focused(page), 'button.c360-launcher');
  assert.equal(await launcher.getAttribute('aria-expanded'), 'false');
  await launcher.click();
  await shell.waitFor({ state: 'visible' });
  assert.equal(await shell.locator('textarea').inputValue(), 'نص');
  await shell.locator('.c360-close').click();
  await shell.waitFor({ state: 'hidden' });
  // Taken over while closed: the panel stays closed and the text is still there.
  release();
  await root.locator('.c360-root').waitFor({ state: 'attached', timeout: 15000 });
  await eventually(async () => (await root.locator('.c360-shell').count()) === 0, 'the takeover');
  assert.equal(await root.locator('#c360-panel').isVisible(), false);
  assert.equal(await root.locator('#c360-panel textarea').inputValue(), 'نص');
  await page.close();
});

// The CI failure of stop 23: a click whose press began on the painted launcher and whose
// release came after the widget had replaced it was no click at all (a click needs both on one
// element), so the panel stayed shut. Held here on purpose, by pointer and by Space.
for (const [how, press, letGo] of [
  ['a pointer', async (page, launcher) => {
    const box = await launcher.boundingBox();
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
  }, (page) => page.mouse.up()],
  ['Space', async (page, launcher) => {
    await launcher.focus();
    await page.keyboard.down(' ');
  }, (page) => page.keyboard.up(' ')],
]) {
  test(`a press on the launcher (${how}) held while the widget arrives opens the panel when let go`, async () => {
    const { page, root, errors, release } = await heldBack();
    const launcher = root.locator('button.c360-launcher');
    await press(page, launcher);
    const wasm = page.waitForEvent('requestfinished', (r) => r.url().endsWith('_bg.wasm'));
    release();
    await wasm;
    // Give the widget every chance to mount while the press is held (an old loader replaced
    // the launcher here; this one waits for the release).
    await eventually(() => root.locator('.c360-root').count(), 'the widget', 2000).catch(() => {});
    await letGo(page);
    const panel = root.locator('#c360-panel');
    await panel.waitFor({ state: 'visible', timeout: 15000 });
    assert.equal(await root.locator('.c360-boot').count(), 0, 'the painted launcher is gone');
    assert.equal(await focused(page), 'textarea.c360-input', 'the composer has focus');
    assert.equal(await root.locator('.c360-root .c360-launcher').getAttribute('aria-expanded'), 'true');
    await page.keyboard.type('Still works');
    await page.keyboard.press('Enter');
    await root.locator('.c360-row--mine .c360-bubble:not(.c360-bubble--pending)', { hasText: 'Still works' })
      .waitFor({ timeout: 10000 });
    assert.deepEqual(errors, []);
    await page.close();
  });
}
