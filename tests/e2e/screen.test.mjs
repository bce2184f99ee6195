// What is on the screen, not only in the DOM: every kind of message has a visible box and its
// pictures are drawn at their box size; both carousel arrows show and move the strip; focus is
// where a keyboard user expects after each action; focus rings keep 3:1 against what is behind
// them in the light and the dark theme; touch targets are 44×44 on a phone; a burst is heard in
// full; offline is said as such. Screenshots (light/dark × en/ar) land in target/e2e/screen/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { callAsMerchant, collectErrors, conversationOf, eventually, repoRoot, useServerAndBrowser } from './support.mjs';

const live = useServerAndBrowser({ args: ['--no-demo-bot'] });
const shots = join(repoRoot, 'target', 'e2e', 'screen');

/** The accepted agent examples of rich-messages.md §7, their pictures pointed at the demo's. */
async function agentFixtures() {
  const all = JSON.parse(await readFile(join(repoRoot, 'fixtures', 'rich-messages.json'), 'utf8'));
  return all
    .filter((f) => f.expect.serverRules.length === 0 && f.message.sender.type !== 'customer')
    .map((f) => ({
      ...f,
      content: JSON.parse(JSON.stringify(f.message.content)
        .replace(/"(fileUrl|thumbnailUrl|avatarImage)":"https:[^"]*"/g, '"$1":"/demo/img/blue-runner.png"')),
    }));
}

/** A page with the chat open and one message sent; `send(content)` is an agent's message. */
async function chatting(options = {}, contextOptions = null) {
  const context = contextOptions ? await live.browser.newContext(contextOptions) : null;
  const page = context ? await context.newPage() : await live.browser.newPage({ viewport: { width: 1024, height: 760 }, ...options });
  const errors = collectErrors(page);
  await page.goto(live.server.url);
  const root = page.locator('[data-connect360]');
  await root.locator('button.c360-launcher').click();
  await root.locator('textarea.c360-input').fill('Hello');
  await root.locator('textarea.c360-input').press('Enter');
  await root.locator('.c360-row--mine .c360-bubble:not(.c360-bubble--pending)').waitFor({ timeout: 10000 });
  const conversationId = await conversationOf(page);
  let agentRows = 0;
  const send = async (content, extra = {}) => {
    await callAsMerchant(live.server, 'v1.connect.send', { conversationId, content, ...extra });
    agentRows += 1;
    await page.waitForFunction((count) =>
      document.querySelector('[data-connect360]').shadowRoot.querySelectorAll('.c360-row--agent').length >= count,
    agentRows, { timeout: 10000 });
  };
  const close = async () => (context ? context.close() : page.close());
  return { page, root, errors, send, conversationId, context: context ?? page.context(), close };
}

/** The element focused inside the widget's shadow root, as "tag.class". */
function focused(page) {
  return page.evaluate(() => {
    const active = document.querySelector('[data-connect360]').shadowRoot.activeElement;
    return active ? `${active.tagName.toLowerCase()}.${active.classList[0] ?? ''}` : 'none';
  });
}

test('every kind of message has a visible box and its pictures are drawn at their box size', async () => {
  const { page, root, errors, send, close } = await chatting();
  for (const fixture of await agentFixtures()) {
    await send(fixture.content);
    await page.waitForTimeout(150);
    const row = root.locator('.c360-row--agent').last();
    const boxes = await row.evaluate((r) => [...r.querySelectorAll('.c360-content > *')]
      .map((e) => { const b = e.getBoundingClientRect(); return [e.className, Math.round(b.width), Math.round(b.height)]; }));
    assert.ok(boxes.length > 0, `${fixture.fixture}: no content`);
    for (const [name, width, height] of boxes) {
      assert.ok(width > 20 && height > 10, `${fixture.fixture}: ${name} is ${width}×${height}`);
    }
    const images = row.locator('img.c360-image:not(.c360-image--gone)');
    await eventually(async () => (await images.count()) === await row.locator('.c360-image-box').count(),
      `${fixture.fixture}: every picture to load`);
    for (const image of await images.all()) {
      const drawn = await image.evaluate((img) => {
        const own = img.getBoundingClientRect();
        const box = img.closest('.c360-image-box').getBoundingClientRect();
        return { natural: img.naturalWidth, width: own.width, height: own.height, boxWidth: box.width, boxHeight: box.height };
      });
      assert.ok(drawn.natural > 0, `${fixture.fixture}: decoded`);
      assert.ok(drawn.boxWidth >= 100 && drawn.boxHeight >= 60, `${fixture.fixture}: box ${drawn.boxWidth}×${drawn.boxHeight}`);
      assert.equal(drawn.width, drawn.boxWidth, `${fixture.fixture}: drawn at the box's width`);
      assert.equal(drawn.height, drawn.boxHeight, `${fixture.fixture}: drawn at the box's height`);
    }
  }
  // An image message with a demo picture: the box is 280 wide (4:3), not 0×0.
  await send({ en: { image: { contentInfo: { fileUrl: '/demo/img/ridge-2.png', altText: 'Ridge 2' } } } });
  const box = await root.locator('.c360-row--agent').last().locator('.c360-image-box').boundingBox();
  assert.deepEqual([Math.round(box.width), Math.round(box.height)], [280, 210]);
  assert.deepEqual(errors, []);
  await close();
});

test('both carousel arrows appear and move the strip by pointer; no source text leaks', async () => {
  const { page, root, errors, send, close } = await chatting();
  const carousel = (await agentFixtures()).find((f) => f.fixture === 'F05-carousel-medium');
  await send(carousel.content);
  const strip = root.locator('.c360-strip');
  const next = root.locator('.c360-strip-arrow--next');
  const previous = root.locator('.c360-strip-arrow--previous');
  assert.equal(await next.innerText(), '›');
  assert.doesNotMatch(await root.locator('.c360-carousel').innerText(), /count|click|move \|/);
  assert.ok(await next.isVisible(), 'Next shows at the first card');
  assert.equal(await previous.isVisible(), false, 'Previous hides at the first card');
  const before = await strip.evaluate((s) => s.scrollLeft);
  await next.click();
  await eventually(async () => (await strip.evaluate((s) => s.scrollLeft)) > before + 100, 'the strip to move');
  await eventually(() => previous.isVisible(), 'Previous to show');
  await next.click();
  await eventually(async () => !(await next.isVisible()), 'Next to hide at the last card');
  await previous.click();
  await previous.click();
  await eventually(async () => (await strip.evaluate((s) => s.scrollLeft)) < 5, 'the strip back at the start');
  // The visitor's own scrolling (a sideways wheel here) moves the arrows along.
  await strip.hover();
  await page.mouse.wheel(1000, 0);
  await eventually(async () => !(await next.isVisible()) && (await previous.isVisible()), 'the arrows to follow a wheel scroll');
  await previous.click();
  await previous.click();
  await eventually(async () => (await strip.evaluate((s) => s.scrollLeft)) < 5, 'the strip back at the start again');
  // A focused card's ring is not clipped by the strip: the ring's box fits inside it.
  await page.keyboard.press('Tab');
  const card = root.locator('.c360-strip > .c360-card').first();
  await card.focus();
  const fits = await card.evaluate((c) => {
    const ring = parseFloat(getComputedStyle(c).outlineWidth) + parseFloat(getComputedStyle(c).outlineOffset);
    const cb = c.getBoundingClientRect();
    const sb = c.parentElement.getBoundingClientRect();
    return cb.top - ring >= sb.top && cb.bottom + ring <= sb.bottom && cb.left - ring >= sb.left - 0.5;
  });
  assert.ok(fits, 'the focused card ring lies inside the strip');
  assert.deepEqual(errors, []);
  await close();
});

/**
 * Which way the glyph drawn in `arrow` points, read from its pixels: a chevron's topmost ink is
 * at its open end, so "‹" (pointing left) has it right of the glyph's middle.
 */
async function pointing(page, arrow) {
  const png = (await arrow.screenshot()).toString('base64');
  return page.evaluate(async (data) => {
    const image = new Image();
    image.src = `data:image/png;base64,${data}`;
    await image.decode();
    const canvas = new OffscreenCanvas(image.width, image.height);
    const context = canvas.getContext('2d');
    context.drawImage(image, 0, 0);
    // The middle half of the round button: its own background and the glyph, nothing behind it.
    const [x0, y0, w, h] = [image.width / 4, image.height / 4, image.width / 2, image.height / 2].map(Math.round);
    const { data: px } = context.getImageData(x0, y0, w, h);
    const luminance = (i) => 0.2126 * px[i] + 0.7152 * px[i + 1] + 0.0722 * px[i + 2];
    const background = luminance(0);
    const ink = [];
    for (let y = 0; y < h; y += 1) {
      for (let x = 0; x < w; x += 1) {
        if (Math.abs(luminance((y * w + x) * 4) - background) > 60) ink.push([x, y]);
      }
    }
    if (ink.length === 0) return 'no glyph';
    const xs = ink.map(([x]) => x);
    const middle = (Math.min(...xs) + Math.max(...xs)) / 2;
    const top = Math.min(...ink.map(([, y]) => y));
    const topXs = ink.filter(([, y]) => y <= top + 1).map(([x]) => x);
    const topMean = topXs.reduce((a, b) => a + b, 0) / topXs.length;
    return topMean > middle ? 'left' : 'right';
  }, png);
}

// The strip runs in its content's direction: English cards run left to right even in the
// Arabic panel, Arabic ones right to left.
for (const [locale, content, forward, back, nextSide] of [
  ['en', 'en', 'right', 'left', 'right'], ['ar', 'en', 'right', 'left', 'right'], ['ar', 'ar', 'left', 'right', 'left']]) {
  test(`the carousel arrows point the way the strip moves (${locale} panel, ${content} cards)`, async () => {
    const { page, root, errors, send, close } = await chatting({ locale });
    const carousel = (await agentFixtures()).find((f) => f.fixture === 'F05-carousel-medium');
    await send({ [content]: carousel.content.en });
    const next = root.locator('.c360-strip-arrow--next');
    const previous = root.locator('.c360-strip-arrow--previous');
    await next.click();
    await eventually(() => previous.isVisible(), 'both arrows to show');
    await page.mouse.move(0, 0);
    const [n, p] = [await next.boundingBox(), await previous.boundingBox()];
    assert.equal(n.x > p.x ? 'right' : 'left', nextSide, `Next sits at the ${nextSide}, where the following cards are`);
    assert.equal(await pointing(page, next), forward, `Next points ${forward}`);
    assert.equal(await pointing(page, previous), back, `Previous points ${back}`);
    assert.deepEqual(errors, []);
    await close();
  });
}

test('focus goes where a keyboard user expects after each action', async () => {
  const { page, root, errors, send, close } = await chatting();
  assert.equal(await focused(page), 'textarea.c360-input', 'opening focuses the composer');
  // The chips first: free text would get the local AI's reply, and chips show only on the
  // newest message.
  await send({ en: { text: 'Pick one', suggestions: [{ reply: { text: 'Yes', postbackData: 'y' } }, { reply: { text: 'No', postbackData: 'n' } }] } });
  await root.locator('.c360-chip', { hasText: 'Yes' }).focus();
  await page.keyboard.press('Enter');
  assert.equal(await root.locator('.c360-chips').count(), 0, 'the chips go');
  assert.equal(await focused(page), 'textarea.c360-input', 'after a chip, focus is in the composer');
  await root.locator('textarea.c360-input').fill('Another one');
  await page.keyboard.press('Enter');
  assert.equal(await focused(page), 'textarea.c360-input', 'sending keeps focus in the composer');
  await page.keyboard.press('Escape');
  await eventually(async () => (await focused(page)) === 'button.c360-launcher', 'Esc to close and focus the launcher');
  assert.equal(await root.locator('button.c360-launcher').getAttribute('aria-label'), 'Open chat');
  await page.keyboard.press('Enter');
  await eventually(async () => (await focused(page)) === 'textarea.c360-input', 'reopening focuses the composer');
  assert.equal(await root.locator('button.c360-launcher').getAttribute('aria-label'), 'Minimize chat');
  await root.locator('button.c360-close').click();
  await eventually(async () => (await focused(page)) === 'button.c360-launcher', 'Close to focus the launcher');
  assert.deepEqual(errors, []);
  await close();
});

test('the first keyboard open, before the widget has loaded, focuses the composer', async () => {
  const page = await live.browser.newPage();
  // The WebAssembly arrives late, so Enter lands on the loader's painted launcher.
  await page.route(/_bg\.wasm$/, async (route) => {
    await new Promise((ok) => setTimeout(ok, 700));
    await route.continue();
  });
  await page.goto(live.server.url);
  await page.evaluate(() => document.querySelector('[data-connect360]').shadowRoot
    .querySelector('.c360-boot .c360-launcher').focus());
  await page.keyboard.press('Enter');
  await eventually(async () => (await focused(page)) === 'textarea.c360-input', 'the composer to have focus', 10000);
  await page.close();
});

/** Contrast of each focus ring against what is behind it, for the controls of the open panel. */
async function ringContrasts(page) {
  return page.evaluate(() => {
    const shadow = document.querySelector('[data-connect360]').shadowRoot;
    const rgb = (c) => (c.match(/[\d.]+/g) || []).map(Number);
    const luminance = ([r, g, b]) => {
      const lin = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
      return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
    };
    const ratio = (a, b) => { const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
    const behind = (el, inside) => {
      for (let e = inside ? el : el.parentElement; e; e = e.parentElement ?? e.getRootNode().host) {
        const c = rgb(getComputedStyle(e).backgroundColor);
        if (c.length === 3 || (c.length === 4 && c[3] > 0.9)) return c.slice(0, 3);
        if (e === document.documentElement) break;
      }
      return [255, 255, 255];
    };
    const selectors = ['.c360-launcher', '.c360-close', '.c360-transcript', '.c360-input', '.c360-attach', '.c360-chip', '.c360-card-button', '.c360-send'];
    return selectors.map((selector) => {
      const el = shadow.querySelector(selector);
      if (!el) return [selector, null];
      el.focus();
      const style = getComputedStyle(el);
      const inside = parseFloat(style.outlineOffset) < 0;
      return [selector, el.matches(':focus-visible') && style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2
        ? Math.round(ratio(rgb(style.outlineColor), behind(el, inside)) * 100) / 100
        : 0];
    });
  });
}

for (const colorScheme of ['light', 'dark']) {
  test(`every focus ring is visible at 3:1 or more (${colorScheme})`, async () => {
    const { page, root, errors, send, close } = await chatting({ colorScheme });
    await send({ en: { richCard: { standaloneCard: { cardContent: { title: 'Blue Runner', suggestions: [{ reply: { text: 'Buy', postbackData: 'b' } }] } } } } });
    await send({ en: { text: 'Pick one', suggestions: [{ reply: { text: 'Yes', postbackData: 'y' } }] } });
    await root.locator('textarea.c360-input').fill('draft'); // Send is enabled
    await page.keyboard.press('Tab'); // keyboard modality: programmatic focus shows the ring
    for (const [selector, contrast] of await ringContrasts(page)) {
      assert.notEqual(contrast, null, `${selector} is there`);
      assert.ok(contrast >= 3, `${selector}: focus ring ${contrast}:1`);
    }
    assert.deepEqual(errors, []);
    await close();
  });
}

test('on a phone, every control is at least 44×44 and the composer text is 16 px', async () => {
  const { page, root, errors, send, close } = await chatting({}, {
    viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true, deviceScaleFactor: 2,
  });
  assert.ok(await page.evaluate(() => matchMedia('(pointer: coarse)').matches), 'a touch screen');
  await send({ en: { text: 'Pick one', suggestions: [{ reply: { text: 'Yes', postbackData: 'y' } }] } });
  await send({ en: { richCard: { standaloneCard: { cardContent: { title: 'Blue Runner', suggestions: [{ reply: { text: 'Buy', postbackData: 'b' } }] } } } } });
  assert.equal(await root.locator('textarea.c360-input').evaluate((e) => getComputedStyle(e).fontSize), '16px');
  for (const selector of ['.c360-close', '.c360-attach', '.c360-send', '.c360-card-button']) {
    const box = await root.locator(selector).first().boundingBox();
    assert.ok(box.width >= 44 && box.height >= 44, `${selector}: ${box.width}×${box.height}`);
  }
  // Chips stand as the newest message's only.
  await send({ en: { text: 'And now?', suggestions: [{ reply: { text: 'Later', postbackData: 'l' } }] } });
  const chip = await root.locator('.c360-chip').first().boundingBox();
  assert.ok(chip.width >= 44 && chip.height >= 44, `chip: ${chip.width}×${chip.height}`);
  await page.screenshot({ path: join(shots, 'phone-en-light.png') });
  assert.deepEqual(errors, []);
  await close();
});

test('a burst of five agent messages is announced five times, in the names the bubbles show', async () => {
  const { page, errors, send, close, conversationId } = await chatting();
  await page.evaluate(() => {
    window.__heard = [];
    const region = document.querySelector('[data-connect360]').shadowRoot.querySelector('.c360-announcer');
    new MutationObserver((records) => records.forEach((r) => r.addedNodes.forEach((n) => window.__heard.push(n.textContent))))
      .observe(region, { childList: true, subtree: true });
  });
  // Sent in order within a second, as an agent would.
  for (const n of [1, 2, 3, 4, 5]) {
    await callAsMerchant(live.server, 'v1.connect.send', { conversationId, content: { en: `Burst ${n}` } });
  }
  await eventually(async () => (await page.evaluate(() => window.__heard.filter((t) => /Burst \d$/.test(t)).length)) === 5,
    'five announcements');
  const heard = await page.evaluate(() => window.__heard.filter((t) => /Burst/.test(t)));
  const name = await page.locator('[data-connect360] .c360-sender-name').last().innerText();
  assert.deepEqual(heard, [1, 2, 3, 4, 5].map((n) => `${name}: Burst ${n}`));
  // A carousel says what it is.
  const carousel = (await agentFixtures()).find((f) => f.fixture === 'F05-carousel-medium');
  await send(carousel.content);
  await eventually(async () => (await page.evaluate(() => window.__heard.some((t) => / sent 3 cards: /.test(t)))),
    'the carousel announced as cards');
  assert.deepEqual(errors, []);
  await close();
});

test('offline is said as such, and a message written offline is sent when the network is back', async () => {
  const { page, root, errors, context, close, conversationId } = await chatting();
  await context.setOffline(true);
  const status = root.locator('.c360-presence');
  await eventually(async () => /offline/.test(await status.innerText()), 'the offline status');
  assert.match(await status.innerText(), /^You're offline — messages will be sent when you're back$/);
  await root.locator('textarea.c360-input').fill('Written offline');
  await page.keyboard.press('Enter');
  await page.waitForTimeout(5000); // longer than every retry of a send
  assert.equal(await root.locator('.c360-status--failed').count(), 0, 'not given up while offline');
  await context.setOffline(false);
  await eventually(async () => {
    const stored = await callAsMerchant(live.server, 'v1.connect.listMessages', { conversationId });
    return stored.items.some((m) => m.content.en === 'Written offline');
  }, 'the message to be sent once online');
  await eventually(async () => !/offline/.test(await status.innerText()), 'the status back to normal');
  assert.deepEqual(errors.filter((e) => !/ERR_INTERNET_DISCONNECTED|Failed to fetch|net::/.test(e)), []);
  await close();
});

test('a transcript reads as a visitor expects: links, file chips, one time per run, a pill for news below', async () => {
  const { page, root, errors, send, close, conversationId } = await chatting();
  // Bare web addresses are links (rich-messages.md §3.1), without the sentence's full stop.
  await send({ en: 'Track it at https://shop.example/t/1.' });
  const link = root.locator('.c360-row--agent').last().locator('.c360-text a');
  assert.equal(await link.getAttribute('href'), 'https://shop.example/t/1');
  assert.equal(await link.innerText(), 'https://shop.example/t/1');
  assert.equal(await link.getAttribute('target'), '_blank');

  // A PDF chip says its kind and size.
  const pdf = Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(381, 32)]);
  const form = new FormData();
  form.append('file', new Blob([pdf], { type: 'application/pdf' }), 'receipt.pdf');
  const uploaded = await fetch(new URL('/api/v1/connect/attachments', live.server.url), {
    method: 'POST', headers: { authorization: `Bearer ${live.server.apiKey}` }, body: form,
  }).then((r) => r.json());
  await send({ en: 'Your receipt' }, { attachmentIds: [uploaded.files[0].id] });
  const type = root.locator('.c360-file-type');
  await eventually(async () => (await type.innerText()) === 'PDF · 390 B', 'the chip to say PDF · 390 B');
  assert.match(await root.locator('.c360-file').getAttribute('aria-label'), /^Download receipt\.pdf, PDF · 390 B$/);

  // One time per run of one sender: the last of three shows it, the others keep it for screen readers.
  for (const n of [1, 2, 3]) await send({ en: `Run ${n}` });
  const times = await root.locator('.c360-row--agent').evaluateAll((rows) => rows.slice(-3)
    .map((r) => r.querySelector(':scope > .c360-time').getBoundingClientRect().width > 1));
  assert.deepEqual(times, [false, false, true]);
  // The day is a heading, read out (a separator's content is not).
  assert.equal(await root.locator('.c360-day').first().evaluate((e) => e.tagName), 'H3');

  // Scrolled up, news below offers a pill instead of moving the view.
  for (let n = 0; n < 15; n += 1) {
    await callAsMerchant(live.server, 'v1.connect.send', { conversationId, content: { en: `Filler ${n}\nwith a second line` } });
  }
  await eventually(async () => (await root.locator('.c360-row--agent').count()) >= 20, 'the fillers');
  const log = root.locator('.c360-transcript');
  await log.evaluate((l) => { l.scrollTop = 0; });
  await page.waitForTimeout(200);
  await send({ en: 'News below' });
  const pill = root.locator('.c360-jump');
  await pill.waitFor({ timeout: 5000 });
  assert.match(await pill.innerText(), /New messages/);
  assert.ok(await log.evaluate((l) => l.scrollTop < 100), 'the view stayed where the visitor was');
  await pill.click();
  await eventually(async () => (await pill.count()) === 0, 'the pill to go');
  assert.ok(await log.evaluate((l) => l.scrollHeight - l.scrollTop - l.clientHeight < 80), 'at the newest');
  assert.deepEqual(errors, []);
  await close();
});

test('a refused attachment explains itself in its own padded band, with a dismiss button', async () => {
  const { page, root, errors, close } = await chatting();
  await root.locator('input.c360-file-input').setInputFiles({ name: 'tool.exe', mimeType: 'application/x-msdownload', buffer: Buffer.from('MZ') });
  const band = root.locator('.c360-notice-band');
  await band.waitFor();
  const layout = await band.evaluate((b) => {
    const box = b.getBoundingClientRect();
    const panel = b.closest('.c360-panel').getBoundingClientRect();
    const text = b.querySelector('.c360-notice').getBoundingClientRect();
    const log = b.closest('.c360-panel').querySelector('.c360-transcript').getBoundingClientRect();
    return { inside: box.left >= panel.left && box.right <= panel.right, padLeft: text.left - box.left, belowLog: box.top >= log.bottom - 0.5 };
  });
  assert.ok(layout.inside && layout.belowLog, JSON.stringify(layout));
  assert.ok(layout.padLeft >= 8, `padding ${layout.padLeft}px`);
  await root.locator('.c360-notice-dismiss').click();
  assert.equal(await band.count(), 0, 'dismissed');
  assert.equal(await focused(page), 'textarea.c360-input', 'focus goes on in the composer');
  assert.deepEqual(errors, []);
  await close();
});

for (const [locale, colorScheme] of [['en', 'light'], ['en', 'dark'], ['ar', 'light'], ['ar', 'dark']]) {
  test(`a screenshot of the panel with rich content (${locale}, ${colorScheme})`, async () => {
    await mkdir(shots, { recursive: true });
    const { page, root, errors, send, close } = await chatting({ locale, colorScheme });
    const fixtures = await agentFixtures();
    await send({ en: { image: { contentInfo: { fileUrl: '/demo/img/ridge-2.png', altText: 'Ridge 2' } } } });
    await send(fixtures.find((f) => f.fixture === 'F05-carousel-medium').content);
    await send({ en: 'More at https://shop.example/sale — and a reply soon.' });
    await page.waitForTimeout(500);
    await root.locator('button.c360-close').focus();
    await page.screenshot({ path: join(shots, `panel-${locale}-${colorScheme}.png`) });
    assert.deepEqual(errors, []);
    await close();
  });
}
