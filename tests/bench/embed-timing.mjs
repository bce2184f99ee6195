// Embedding benchmark (issue 6's figures), not a test: the release widget on a merchant page of
// another origin, in headless Chromium against the real server. It prints, as medians of RUNS
// (default 5) runs:
//   - the loader's size (gzip -9),
//   - script execution → launcher painted (from the loader's responseEnd to the frame after the
//     launcher is styled in its shadow root),
//   - long tasks (> 50 ms) on the host page in the 3 s after load with no interaction,
//   - click → interactive panel with history (panel shown, composer enabled, the newest of 30
//     history messages rendered) for a returning visitor, with a cold HTTP cache (a new browser
//     context carrying only the visitor's localStorage) and a warm one (a reload).
//   - on a phone profile (Lighthouse's mobile throttling: 1.6 Mbps down, 750 kbps up, 150 ms
//     round trip, 4× CPU slowdown; a 412×823 touch screen), for a first-time visitor with a cold
//     cache and a returning one: tap → the shell's composer focused and typable, tap → the
//     widget mounted, tap → connected (the session open), and the bytes on the wire from the
//     gateway before and after the tap, compressed delivery against plain (`Accept-Encoding:
//     identity`) in the same run.
// Usage: scripts/build-widget.sh && cargo build -p connect360-server && node tests/bench/embed-timing.mjs
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { callAsMerchant, distDir, freePort, launchChromium, startServer } from '../e2e/support.mjs';

const RUNS = Number(process.env.RUNS ?? 5);

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};

function merchantPage(gateway) {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Merchant</title></head>
<body><h1>A merchant page</h1><p>Content.</p>
<script async src="${gateway}widget/loader.js" data-endpoint="${gateway.replace(/\/$/, '')}"
        data-channel="example.com"></script></body></html>`;
}

// Installed before the page's own scripts: watches for the styled launcher and long tasks.
function instrument() {
  window.__bench = { longTasks: [], painted: null };
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) window.__bench.longTasks.push(entry.duration);
  }).observe({ type: 'longtask', buffered: true });
  const watch = () => {
    const button = document.querySelector('[data-connect360]')?.shadowRoot?.querySelector('button.c360-launcher');
    const styled = button && getComputedStyle(button.closest('.c360-widget') ?? button).position === 'fixed';
    if (styled) {
      // The frame after the one that first shows it styled.
      requestAnimationFrame(() => { window.__bench.painted = performance.now(); });
    } else {
      requestAnimationFrame(watch);
    }
  };
  requestAnimationFrame(watch);
}

const hostPort = await freePort();
const hostUrl = `http://127.0.0.1:${hostPort}/`;
const server = await startServer({ args: ['--no-demo-bot', '--allowed-origin', hostUrl.replace(/\/$/, '')] });
const host = createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(merchantPage(server.url));
});
await new Promise((ok) => host.listen(hostPort, '127.0.0.1', ok));
const browser = await launchChromium();

/** What the gateway sent a page, from the CDP network events: requests and bytes on the wire. */
function wireCounter(cdp, origin) {
  const urls = new Map();
  const seen = { requests: 0, bytes: 0 };
  cdp.on('Network.responseReceived', (e) => urls.set(e.requestId, e.response.url));
  cdp.on('Network.loadingFinished', (e) => {
    const url = urls.get(e.requestId);
    if (url && url.startsWith(origin)) {
      seen.requests += 1;
      seen.bytes += e.encodedDataLength;
    }
  });
  return () => ({ ...seen });
}

/** Records when the launcher is tapped and when the shell's (or the panel's) composer is focused. */
function tapWatch() {
  window.__tap = { at: null, typable: null, mounted: null, connected: null };
  // The moment the finger touches: what the visitor waits from.
  addEventListener('pointerdown', () => { if (window.__tap.at === null) window.__tap.at = performance.now(); }, true);
  const frame = () => {
    const t = window.__tap;
    const root = document.querySelector('[data-connect360]')?.shadowRoot;
    if (root && t.at !== null) {
      const now = performance.now();
      const active = root.activeElement;
      if (t.typable === null && active?.matches('textarea.c360-input') && active.getClientRects().length) t.typable = now;
      const panel = root.querySelector('#c360-panel');
      if (t.mounted === null && panel && !panel.hidden) t.mounted = now;
      const presence = panel?.querySelector('.c360-presence')?.textContent ?? '';
      if (t.connected === null && t.mounted !== null && presence && !/Connecting/.test(presence)) t.connected = now;
    }
    if (t.connected === null || t.typable === null) requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
}

async function phoneProfile() {
  const runs = Number(process.env.PHONE_RUNS ?? RUNS);
  const visit = async (plain, storageState) => {
    const context = await browser.newContext({
      viewport: { width: 412, height: 823 }, deviceScaleFactor: 1.75, isMobile: true, hasTouch: true, storageState,
    });
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false, latency: 150, downloadThroughput: (1.6e6 / 8) * 0.9, uploadThroughput: (750e3 / 8) * 0.9,
    });
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
    if (plain) await cdp.send('Network.setExtraHTTPHeaders', { headers: { 'Accept-Encoding': 'identity' } });
    const wire = wireCounter(cdp, server.url);
    await page.addInitScript(tapWatch);
    await page.goto(hostUrl);
    const launcher = page.locator('[data-connect360] button.c360-launcher');
    await launcher.waitFor({ state: 'visible', timeout: 30000 });
    await page.waitForTimeout(storageState ? 6000 : 2000); // idle: a returning visitor's widget loads now
    const before = wire();
    await launcher.tap();
    await page.waitForFunction(() => window.__tap.connected !== null && window.__tap.typable !== null, null, { timeout: 60000 });
    const tap = await page.evaluate(() => window.__tap);
    if (process.env.TRACE_TAP) console.log(JSON.stringify(tap));
    await page.waitForTimeout(500);
    const after = wire();
    await context.close();
    return {
      typable: tap.typable - tap.at, mounted: tap.mounted - tap.at, connected: tap.connected - tap.at,
      before, after: { requests: after.requests - before.requests, bytes: after.bytes - before.bytes },
    };
  };
  // A returning visitor: one who has talked before on this browser.
  const seed = await browser.newContext();
  const seedPage = await seed.newPage();
  await seedPage.goto(hostUrl);
  await seedPage.evaluate(() => new Promise((resolve) => {
    window.Connect360.on('sent', resolve);
    window.Connect360.sendMessage('Hello from before');
  }));
  const returning = await seed.storageState();
  await seed.close();

  for (const [who, storageState] of [['first-time visitor', undefined], ['returning visitor', returning]]) {
    const results = { compressed: [], plain: [] };
    for (let i = 0; i < runs; i++) {
      results.compressed.push(await visit(false, storageState));
      results.plain.push(await visit(true, storageState));
    }
    for (const [delivery, list] of Object.entries(results)) {
      const m = (f) => median(list.map(f));
      console.log(`phone, ${who}, ${delivery}: tap → typable composer ${m((r) => r.typable).toFixed(0)} ms, `
        + `→ widget mounted ${m((r) => r.mounted).toFixed(0)} ms, → connected ${m((r) => r.connected).toFixed(0)} ms; `
        + `before the tap ${m((r) => r.before.bytes)} B in ${m((r) => r.before.requests)} requests, `
        + `after it ${m((r) => r.after.bytes)} B in ${m((r) => r.after.requests)} requests `
        + `(medians of ${list.length}; mounted runs: ${list.map((r) => r.mounted.toFixed(0)).join(', ')})`);
    }
  }
}

try {
  const loader = await readFile(join(distDir, 'loader.js'));
  console.log(`loader.js: ${loader.length} B raw, ${gzipSync(loader, { level: 9 }).length} B gzip -9, ${brotliCompressSync(loader).length} B brotli`);

  await phoneProfile();
  if (process.env.PHONE_ONLY) process.exit(0);

  // First visit: launcher paint and long tasks (a new visitor: no wasm before interest).
  const paints = [];
  const longTasks = [];
  for (let i = 0; i < RUNS; i++) {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.addInitScript(instrument);
    await page.goto(hostUrl);
    await page.waitForFunction(() => window.__bench.painted !== null, null, { timeout: 15000 });
    await page.waitForTimeout(3000);
    const { painted, tasks, loaderEnd } = await page.evaluate(() => ({
      painted: window.__bench.painted,
      tasks: window.__bench.longTasks,
      loaderEnd: performance.getEntriesByType('resource').find((e) => e.name.endsWith('/loader.js'))?.responseEnd,
    }));
    paints.push(painted - loaderEnd);
    longTasks.push(tasks.length);
    await context.close();
  }
  console.log(`script execution → launcher painted: median ${median(paints).toFixed(1)} ms (runs: ${paints.map((p) => p.toFixed(1)).join(', ')})`);
  console.log(`long tasks (> 50 ms) before interaction: ${longTasks.join(', ')} per run`);

  // A returning visitor with 30 messages of history.
  const seed = await browser.newContext();
  const seedPage = await seed.newPage();
  await seedPage.goto(hostUrl);
  const { conversationId } = await seedPage.evaluate(() => new Promise((resolve) => {
    window.Connect360.on('sent', () => resolve(window.Connect360.getState()));
    window.Connect360.sendMessage('A question with some history');
  }));
  for (let i = 1; i <= 30; i++) {
    await callAsMerchant(server, 'v1.connect.send', { conversationId, content: { en: `History message ${i}` } });
  }
  const storageState = await seed.storageState();
  await seed.close();

  const openWithHistory = async (page) => {
    const launcher = page.locator('[data-connect360] button.c360-launcher');
    await launcher.waitFor({ state: 'visible', timeout: 15000 });
    const started = Date.now();
    await launcher.click();
    await page.waitForFunction(() => {
      const root = document.querySelector('[data-connect360]').shadowRoot;
      const panel = root.querySelector('#c360-panel');
      const input = root.querySelector('textarea.c360-input');
      return panel && !panel.hidden && input && !input.disabled
        && root.textContent.includes('History message 30');
    }, null, { timeout: 15000, polling: 'raf' });
    return Date.now() - started;
  };
  const cold = [];
  const warm = [];
  for (let i = 0; i < RUNS; i++) {
    const context = await browser.newContext({ storageState });
    const page = await context.newPage();
    // TRACE=1 prints the API calls (a page load should cost the gateway few reads).
    if (process.env.TRACE) page.on('response', (r) => { if (r.url().includes('/api/')) console.log(r.status(), decodeURIComponent(r.url())); });
    await page.goto(hostUrl);
    cold.push(await openWithHistory(page));
    await page.reload();
    warm.push(await openWithHistory(page));
    await context.close();
  }
  console.log(`click → interactive panel with 30 messages, cold cache: median ${median(cold)} ms (runs: ${cold.join(', ')})`);
  console.log(`click → interactive panel with 30 messages, warm cache: median ${median(warm)} ms (runs: ${warm.join(', ')})`);
} finally {
  await browser.close();
  await new Promise((ok) => host.close(ok));
  await server.stop();
}
