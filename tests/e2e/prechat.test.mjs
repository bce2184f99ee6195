// The merchant's contact form (`[prechat]`) and offline capture, against the release build and
// a server reading a settings file (#17): the form comes before a guest's first message, its
// errors are linked to their fields and focused, nothing typed is lost, and what is accepted
// reaches the conversation for the team; away, an e-mail is asked for and the message is
// still taken, flagged `offline`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { callAsMerchant, collectErrors, conversationOf, eventually, repoRoot, useServersWithSettings } from './support.mjs';

const live = useServersWithSettings();
const serverWith = (settings) => live.serverWith(settings);

/** The conversation's metadata, as the agent console reads it. */
async function metadataOf(server, conversationId) {
  const rows = await fetch(new URL('/console/api/conversations', server.url), {
    headers: { authorization: `Bearer ${server.apiKey}` },
  }).then((r) => r.json());
  return rows.find((r) => r.conversation.id === conversationId)?.conversation.metadata ?? {};
}

/**
 * The visitor's conversation as a merchant's backend reads it through the documented API
 * (`getOrCreateConversation` for the visitor's customer answers their top-level conversation).
 */
async function conversationThroughApi(server, page) {
  const visitorId = await page.evaluate(() => {
    for (let i = 0; i < localStorage.length; i++) {
      const key = localStorage.key(i);
      if (key.endsWith(':session')) return JSON.parse(localStorage.getItem(key)).visitorId;
    }
    return null;
  });
  assert.ok(visitorId, 'the widget keeps its visitor id');
  return callAsMerchant(server, 'v1.connect.getOrCreateConversation', { customer: { externalId: visitorId } });
}

/** The agent console, signed in, with `title`'s conversation open; resolves to the page. */
async function consoleThread(server, title) {
  const page = await live.browser.newPage();
  await page.goto(new URL('/console', server.url).href);
  await page.fill('#key', server.apiKey);
  await page.click('#sign-in button[type="submit"]');
  const row = page.locator('#conversations button', { hasText: title });
  await row.waitFor({ timeout: 10000 });
  await row.click();
  await page.locator('#messages li').first().waitFor({ timeout: 10000 });
  return page;
}

async function openPanel(server, contextOptions = {}) {
  const context = await live.browser.newContext(contextOptions);
  const page = await context.newPage();
  const errors = collectErrors(page);
  await page.goto(server.url);
  const root = page.locator('[data-connect360]');
  await root.locator('button.c360-launcher').click();
  return { context, page, root, errors };
}

/** The focused element in the widget, as its id or class. */
function focused(page) {
  return page.evaluate(() => {
    const active = document.querySelector('[data-connect360]').shadowRoot.activeElement;
    return active ? active.id || active.className : 'none';
  });
}

const FORM = `[prechat]
when = "always"
name = "required"
email = "required"
phone = "optional"
consent_url = "https://shop.example/privacy"
`;

test('the form comes first: errors linked and focused, the typed message kept and sent once it is accepted', async () => {
  const server = await serverWith(FORM);
  const { context, page, root, errors } = await openPanel(server, { locale: 'en-US' });
  const form = root.locator('.c360-contact');
  await form.waitFor({ timeout: 15000 });
  assert.equal(await form.locator('h3').innerText(), 'Before we start');
  const name = root.getByLabel('Name', { exact: true });
  const email = root.getByLabel('E-mail', { exact: true });
  const phone = root.getByLabel('Phone (optional)');
  const consent = root.getByLabel('I agree to the privacy notice');
  for (const field of [name, email, phone]) {
    assert.equal(await field.evaluate((f) => getComputedStyle(f).fontSize), '16px', 'no zoom on iOS');
    const box = await field.boundingBox();
    assert.ok(box.height >= 44, `a 44 px target: ${box.height}`);
  }
  assert.equal(await root.locator('.c360-consent-link').getAttribute('href'), 'https://shop.example/privacy');

  // The visitor writes first: the form is checked instead, and the text stays.
  const composer = root.locator('textarea.c360-input');
  await composer.fill('Do you ship to Izmir?');
  await composer.press('Enter');
  await eventually(async () => (await focused(page)) === 'c360-contact-name', 'focus on the first field in error');
  assert.equal(await name.getAttribute('aria-invalid'), 'true');
  const nameError = root.locator(`#${await name.getAttribute('aria-describedby')}`);
  assert.equal(await nameError.innerText(), 'Please enter your name.');
  assert.equal(await root.locator('#c360-contact-consent-error').isVisible(), true);
  assert.equal(await composer.inputValue(), 'Do you ship to Izmir?', 'the message is kept');
  assert.equal(await root.locator('.c360-row--mine').count(), 0, 'nothing sent yet');

  // Enter in a field submits the form; a bad address is refused and focused.
  await name.fill('Ayşe Yılmaz');
  assert.equal(await name.getAttribute('aria-invalid'), null, 'typing clears the field\'s error');
  await email.fill('ayse@');
  await email.press('Enter');
  await eventually(async () => (await focused(page)) === 'c360-contact-email', 'focus on the e-mail');
  assert.match(await root.locator('#c360-contact-email-error').innerText(), /name@example\.com/);
  await email.fill('ayse@example.com');
  await phone.fill('+90 532 123 45 67');
  await consent.check();
  await email.press('Enter');

  // Accepted: the form goes, the kept message is sent once, focus is in the composer.
  await form.waitFor({ state: 'detached', timeout: 10000 });
  await root.locator('.c360-row--mine .c360-bubble:not(.c360-bubble--pending)', { hasText: 'Do you ship to Izmir?' })
    .waitFor({ timeout: 10000 });
  assert.equal(await composer.inputValue(), '');
  assert.equal(await focused(page), 'c360-input');
  const conversationId = await eventually(() => conversationOf(page), 'a conversation');
  const throughApi = await conversationThroughApi(server, page);
  assert.equal(throughApi.id, conversationId);
  const contact = throughApi.metadata.visitorContact;
  assert.deepEqual(
    { name: contact.name, email: contact.email, phone: contact.phone, verified: contact.verified },
    { name: 'Ayşe Yılmaz', email: 'ayse@example.com', phone: '+905321234567', verified: false },
  );
  const page1 = await callAsMerchant(server, 'v1.connect.listMessages', { conversationId, limit: 10 });
  assert.deepEqual(page1.items.map((m) => m.content.en?.text ?? m.content.en), ['Do you ship to Izmir?']);

  // A reload does not ask again.
  await page.reload();
  await root.locator('button.c360-launcher').click();
  await root.locator('.c360-row--mine').first().waitFor({ timeout: 10000 });
  assert.equal(await root.locator('.c360-contact').count(), 0);
  assert.deepEqual(errors, []);
  await context.close();
});

test('away: the header says when the team is back, an e-mail is asked for, and the message is taken and flagged', async () => {
  const server = await serverWith(`[availability]
timezone = "UTC"
mon = "closed"
[prechat]
when = "offline"
`);
  const { context, page, root, errors } = await openPanel(server, { locale: 'en-US' });
  const form = root.locator('.c360-contact');
  await form.waitFor({ timeout: 15000 });
  assert.match(await form.locator('.c360-contact-intro').innerText(), /Leave your e-mail/);
  assert.deepEqual(await form.locator('input').evaluateAll((inputs) => inputs.map((i) => i.id)), ['c360-contact-email']);
  assert.match(await root.locator('.c360-presence').innerText(), /^Away/);
  await root.getByLabel('E-mail (optional)').fill('later@example.com');
  await root.locator('textarea.c360-input').fill('Are you open tomorrow?');
  await root.locator('button.c360-send').click();
  await root.locator('.c360-row--mine .c360-bubble:not(.c360-bubble--pending)').waitFor({ timeout: 10000 });
  const conversationId = await eventually(() => conversationOf(page), 'a conversation');
  assert.equal((await metadataOf(server, conversationId)).visitorContact.email, 'later@example.com');
  const listed = await callAsMerchant(server, 'v1.connect.listMessages', { conversationId, limit: 10 });
  assert.deepEqual(listed.items.map((m) => m.flags), [['offline']]);
  assert.deepEqual(errors, []);
  await context.close();

  // The team sees both: the details under the thread's title, the flag on the message.
  const desk = await consoleThread(server, 'later@example.com (unverified)');
  await desk.locator('#thread-details', { hasText: 'email: later@example.com (unverified)' }).waitFor();
  const message = desk.locator('#messages li', { hasText: 'Are you open tomorrow?' });
  assert.equal(await message.locator('.badge-offline').innerText(), 'Written while away');
  await desk.close();

  // A visitor who leaves the optional e-mail empty still gets their message through.
  const second = await openPanel(server, { locale: 'en-US' });
  await second.root.locator('.c360-contact').waitFor({ timeout: 15000 });
  await second.root.locator('textarea.c360-input').fill('No e-mail from me');
  await second.root.locator('textarea.c360-input').press('Enter');
  await second.root.locator('.c360-row--mine .c360-bubble:not(.c360-bubble--pending)').waitFor({ timeout: 10000 });
  assert.equal(await second.root.locator('.c360-contact').count(), 0);
  await second.context.close();
});

test('in Arabic the form reads right to left with its own words; a screenshot for the note', async () => {
  const server = await serverWith(FORM);
  const { context, page, root } = await openPanel(server, { locale: 'ar' });
  const form = root.locator('.c360-contact');
  await form.waitFor({ timeout: 15000 });
  assert.equal(await form.locator('h3').innerText(), 'قبل أن نبدأ');
  await root.locator('.c360-contact-submit').click();
  await root.locator('#c360-contact-name-error').waitFor();
  assert.equal(await root.locator('#c360-contact-name-error').innerText(), 'يرجى إدخال اسمك.');
  assert.equal(await form.evaluate((f) => getComputedStyle(f).direction), 'rtl');
  // The e-mail field stays left to right inside the right-to-left form.
  assert.equal(await root.locator('#c360-contact-email').evaluate((i) => getComputedStyle(i).direction), 'ltr');
  const shots = join(repoRoot, 'target', 'e2e');
  await mkdir(shots, { recursive: true });
  await page.screenshot({ path: join(shots, 'prechat-ar.png') });
  await context.close();
});
