// A gateway whose tRPC routes are mounted elsewhere (`--trpc-path`): the widget learns the
// mount with its session and the agent console from its page, so both keep working (#15: the
// widget had "/api/trpc" written in).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { collectErrors, conversationOf, eventually, useServerAndBrowser } from './support.mjs';

const MOUNT = '/connect/rpc';
const live = useServerAndBrowser({ args: ['--no-demo-bot', '--trpc-path', MOUNT] });

async function merchantSends(conversationId, text) {
  const response = await fetch(new URL(`${MOUNT}/v1.connect.send`, live.server.url), {
    method: 'POST',
    headers: { authorization: `Bearer ${live.server.apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ conversationId, content: { en: text } }),
  });
  assert.equal(response.status, 200, await response.text());
}

test('with tRPC mounted elsewhere the widget sends and receives, and the console reads there', async () => {
  const context = await live.browser.newContext();
  const page = await context.newPage();
  const errors = collectErrors(page, /widget\/events/);
  const paths = [];
  page.on('request', (r) => { if (/v1\.connect\./.test(r.url())) paths.push(new URL(r.url()).pathname); });
  await page.goto(live.server.url);
  const root = page.locator('[data-connect360]');
  await root.locator('button.c360-launcher').click();
  await root.locator('textarea.c360-input').fill('Hello from elsewhere');
  await root.locator('textarea.c360-input').press('Enter');
  await root.locator('.c360-row--mine .c360-bubble:not(.c360-bubble--pending)').waitFor({ timeout: 15000 });
  const conversationId = await eventually(() => conversationOf(page), 'a conversation');
  // Polling too, not only the stream: with the stream refused the widget lists messages.
  await page.route('**/api/widget/events?**', (route) => route.abort('connectionrefused'));
  await page.reload();
  await root.locator('button.c360-launcher').click();
  await merchantSends(conversationId, 'Found you');
  await root.locator('.c360-bubble', { hasText: 'Found you' }).waitFor({ timeout: 10000 });
  assert.ok(paths.length > 0 && paths.every((p) => p.startsWith(`${MOUNT}/`)), `tRPC calls: ${paths}`);
  assert.deepEqual(errors, []);

  const consolePage = await context.newPage();
  await consolePage.goto(new URL('/console', live.server.url).href);
  await consolePage.locator('#key').fill(live.server.apiKey);
  await consolePage.locator('#sign-in button[type="submit"]').click();
  await consolePage.locator('#conversations button').first().click();
  await consolePage.locator('#messages li', { hasText: 'Found you' }).waitFor({ timeout: 10000 });
  await context.close();
});
