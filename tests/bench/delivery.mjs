// Delivery benchmark (#16), not a test: how long an agent's message takes from the API call to
// the visitor's screen, through the live stream and through polling (the stream refused), side
// by side in one run against the real local server. Each visitor has the panel open; messages
// go one at a time, alternating between the two visitors; "shown" is when the bubble enters
// the widget's shadow DOM (a MutationObserver in the page, on the same clock as this script).
// Prints p50, p90 and p99 over MESSAGES (default 50) messages each.
// Usage: scripts/build-widget.sh && cargo build -p connect360-server && node tests/bench/delivery.mjs
import { callAsMerchant, conversationOf, eventually, launchChromium, startServer } from '../e2e/support.mjs';

const MESSAGES = Number(process.env.MESSAGES ?? 50);

const percentile = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
};

/** A visitor with the panel open, who said hello; `stream: false` refuses the event stream. */
async function visitor(browser, server, { stream }) {
  const context = await browser.newContext();
  const page = await context.newPage();
  let streamUp = false;
  if (!stream) await page.route('**/api/widget/events?**', (route) => route.abort('connectionrefused'));
  page.on('response', (r) => { if (/\/api\/widget\/events\?/.test(r.url()) && r.status() === 200) streamUp = true; });
  await page.goto(server.url);
  const root = page.locator('[data-connect360]');
  await root.locator('button.c360-launcher').click();
  await root.locator('textarea.c360-input').fill('Hello, benchmark');
  await root.locator('textarea.c360-input').press('Enter');
  await root.locator('.c360-row--mine .c360-bubble:not(.c360-bubble--pending)').waitFor({ timeout: 15000 });
  const conversationId = await eventually(() => conversationOf(page), 'a conversation');
  if (stream) await eventually(() => streamUp, 'the stream');
  await page.waitForTimeout(2000); // the catch-up poll and the opening's own traffic are over
  await page.evaluate(() => {
    window.__shown = {};
    const shadow = document.querySelector('[data-connect360]').shadowRoot;
    new MutationObserver(() => {
      for (const bubble of shadow.querySelectorAll('.c360-row:not(.c360-row--mine) .c360-bubble')) {
        const text = bubble.textContent;
        if (text.startsWith('Bench ') && !(text in window.__shown)) window.__shown[text] = Date.now();
      }
    }).observe(shadow, { childList: true, subtree: true, characterData: true });
  });
  return { context, page, conversationId, delays: [] };
}

const server = await startServer({ args: ['--no-demo-bot'] });
const browser = await launchChromium();
try {
  const live = await visitor(browser, server, { stream: true });
  const polling = await visitor(browser, server, { stream: false });
  for (let n = 0; n < MESSAGES; n += 1) {
    for (const [name, v] of [['stream', live], ['polling', polling]]) {
      const text = `Bench ${name} ${n}`;
      const sentAt = Date.now();
      await callAsMerchant(server, 'v1.connect.send', { conversationId: v.conversationId, content: { en: text } });
      const shownAt = await eventually(
        () => v.page.evaluate((t) => window.__shown[t], text), `${text} shown`, 10000);
      v.delays.push(shownAt - sentAt);
      // A pause like a person's, so a message never lands just after the previous poll.
      await new Promise((ok) => setTimeout(ok, 100 + Math.random() * 400));
    }
  }
  for (const [name, v] of [['stream', live], ['polling', polling]]) {
    console.log(`delivery (${name}, ${v.delays.length} messages): p50 ${percentile(v.delays, 50)} ms, `
      + `p90 ${percentile(v.delays, 90)} ms, p99 ${percentile(v.delays, 99)} ms, max ${Math.max(...v.delays)} ms`);
  }
  await live.context.close();
  await polling.context.close();
} finally {
  await browser.close();
  await server.stop();
}
