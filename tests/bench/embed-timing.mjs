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
// Usage: trunk build --release && cargo build -p connect360-server && node tests/bench/embed-timing.mjs
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
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

try {
  const loader = await readFile(join(distDir, 'loader.js'));
  console.log(`loader.js: ${loader.length} B raw, ${gzipSync(loader, { level: 9 }).length} B gzip -9`);

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
