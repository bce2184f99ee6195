// The merchant's opening hours (`--config`, `[availability]`), decided by the server and shown
// by the widget's header in the visitor's language and time zone (#17).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { collectErrors, repoRoot, useServersWithSettings } from './support.mjs';

const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const live = useServersWithSettings();
const serverWith = (settings) => live.serverWith(settings);

/** Opens the panel as a first-time visitor: resolves to the header's status line. */
async function header(server, contextOptions) {
  const context = await live.browser.newContext(contextOptions);
  const page = await context.newPage();
  const errors = collectErrors(page);
  await page.goto(server.url);
  const root = page.locator('[data-connect360]');
  await root.locator('button.c360-launcher').click();
  const presence = root.locator('#c360-panel .c360-presence');
  // Connected: the status no longer says so.
  await presence.filter({ hasNotText: /Connecting|جارٍ الاتصال|Bağlanılıyor/ }).waitFor({ timeout: 15000 });
  return { context, page, root, presence, errors };
}

/** Every day 09:00–17:00 UTC, but today (UTC) closed: away now, back at 09:00 UTC tomorrow. */
function closedToday() {
  const today = new Date().toISOString().slice(0, 10);
  return `[availability]\ntimezone = "UTC"\n${DAYS.map((d) => `${d} = "09:00-17:00"`).join('\n')}\n`
    + `closed_dates = ["${today}"]\nreply_minutes = 5\n`;
}

test('away: the header says when the team is back, in the visitor\'s time zone and language', async () => {
  const server = await serverWith(closedToday());
  // A visitor in UTC: back tomorrow at 9:00 AM (today, if midnight passed since the file was written).
  const utc = await header(server, { timezoneId: 'UTC', locale: 'en-US' });
  assert.match(await utc.presence.innerText(), /^Away · back (tomorrow|today) at 9:00\sAM$/);
  assert.deepEqual(await utc.presence.evaluate((p) => [...p.classList]), ['c360-presence', 'c360-presence--away']);
  assert.deepEqual(utc.errors, []);
  await utc.context.close();

  // A visitor in Tokyo sees the same instant as 6:00 PM.
  const tokyo = await header(server, { timezoneId: 'Asia/Tokyo', locale: 'en-US' });
  assert.match(await tokyo.presence.innerText(), /^Away · back .+ at 6:00\sPM$/);
  await tokyo.context.close();

  // An Arabic visitor reads it in Arabic, right to left; the screenshot goes in the note.
  const ar = await header(server, { timezoneId: 'Asia/Dubai', locale: 'ar' });
  const text = await ar.presence.innerText();
  assert.match(text, /^غير متصلين · نعود .+ الساعة .+/);
  assert.equal(await ar.root.locator('#c360-panel').evaluate((p) => getComputedStyle(p).direction), 'rtl');
  const shots = join(repoRoot, 'target', 'e2e');
  await mkdir(shots, { recursive: true });
  await ar.page.screenshot({ path: join(shots, 'availability-away-ar.png') });
  await ar.context.close();
});

test('online: the header says so with the usual reply time, and the dot is on screen', async () => {
  const always = `[availability]\ntimezone = "Europe/Istanbul"\n${DAYS.map((d) => `${d} = "00:00-24:00"`).join('\n')}\nreply_minutes = 5\n`;
  const server = await serverWith(always);
  const en = await header(server, { locale: 'en-US' });
  assert.equal(await en.presence.innerText(), 'Online · replies in about 5 minutes');
  const dot = await en.presence.evaluate((p) => {
    const style = getComputedStyle(p, '::before');
    return [style.content, style.width, style.backgroundColor];
  });
  assert.deepEqual(dot, ['""', '8px', 'rgb(52, 168, 83)']);
  // The header's status stays on one line at the panel's width.
  const box = await en.presence.boundingBox();
  assert.ok(box.height < 24, `one line: ${box.height}px`);
  await en.context.close();

  const tr = await header(server, { locale: 'tr' });
  assert.equal(await tr.presence.innerText(), 'Çevrimiçi · yaklaşık 5 dakika içinde yanıt');
  await tr.context.close();
});

test('without a settings file the header says what it always did', async () => {
  const server = await live.plainServer();
  const en = await header(server, { locale: 'en-US' });
  assert.equal(await en.presence.innerText(), 'We usually reply in a few minutes');
  assert.deepEqual(await en.presence.evaluate((p) => [...p.classList]), ['c360-presence']);
  await en.context.close();
});
