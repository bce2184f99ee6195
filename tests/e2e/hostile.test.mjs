// The hostile-content corpus (fixtures/hostile-corpus.json) end to end: every text payload in
// every text field an agent or a visitor controls, every URL in every URL field, and the
// structural cases (deep nesting, huge arrays, unknown fields), sent through the real server
// and rendered by the real widget. What the server accepts must render as inert text: no
// script runs (no dialog, no marker call), no disallowed element, attribute or URL reaches the
// DOM, the layout stays inside the panel, and the widget keeps working after every batch. What
// breaks a rule is refused with a 400 that names the field, and nothing of it is stored.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { callAsMerchant, collectErrors, conversationOf, eventually, repoRoot, startServer, useServerAndBrowser } from './support.mjs';

const corpus = JSON.parse(await readFile(join(repoRoot, 'fixtures', 'hostile-corpus.json'), 'utf8'));

const live = useServerAndBrowser({ args: ['--no-demo-bot'] });

// ---- What the spec's rules (rich-messages.md §2.2, §4) say of a value in a field. ----

const chars = (s) => [...s].length;
const blank = (s) => [...s].every((c) => /\s/u.test(c) && c !== '\uFEFF');
/** Rule C1: C0 controls and DEL (but LF, CR, TAB in multi-line fields), U+202A..U+202E. */
const badCharacters = (s, multiLine) => [...s].some((c) => {
  const code = c.codePointAt(0);
  if (code >= 0x202a && code <= 0x202e) return true;
  if (code > 0x1f && code !== 0x7f) return false;
  return !(multiLine && (c === '\n' || c === '\r' || c === '\t'));
});
const textRule = (min, max, multiLine) => (v) =>
  chars(v) < min || chars(v) > max || (min > 0 && blank(v)) || badCharacters(v, multiLine);

const card = (cardContent) => ({ richCard: { standaloneCard: { cardContent } } });

/**
 * Where a text payload goes: the agent content (or customer text) carrying it, the path a
 * refusal must name, and whether the rules refuse it (`maybe`: rule T1 may or may not see a
 * link construct in it, so either outcome is right).
 */
const TEXT_PLACEMENTS = {
  plain: { content: (v) => v, path: 'content.en', refuses: textRule(1, 3072, true) },
  rich: {
    content: (v) => ({ text: v, containsRichText: true }),
    path: 'content.en.text',
    refuses: (v) => textRule(1, 3072, true)(v) || /<[A-Za-z/!?]/.test(v),
    maybe: (v) => v.includes(']('),
  },
  title: {
    content: (v) => card({ title: v }),
    path: 'content.en.richCard.standaloneCard.cardContent.title',
    refuses: textRule(1, 200, false),
  },
  description: {
    content: (v) => card({ title: 'Card', description: v }),
    path: 'content.en.richCard.standaloneCard.cardContent.description',
    refuses: textRule(1, 2000, true),
  },
  chip: {
    content: (v) => ({ text: 'Pick one', suggestions: [{ reply: { text: v, postbackData: 'chip' } }] }),
    path: 'content.en.suggestions[0].reply.text',
    refuses: textRule(1, 25, false),
  },
  postback: {
    content: (v) => ({ text: 'Pick one', suggestions: [{ reply: { text: 'Choose', postbackData: v } }] }),
    path: 'content.en.suggestions[0].reply.postbackData',
    refuses: textRule(0, 2048, true),
  },
  representative: {
    content: (v) => ({ text: 'Hello', representative: { representativeType: 'HUMAN', displayName: v } }),
    path: 'content.en.representative',
    refuses: textRule(1, 100, false),
  },
  alt: {
    content: (v) => ({ image: { contentInfo: { fileUrl: 'https://www.example.com/a.png', altText: v } } }),
    path: 'content.en.image.contentInfo.altText',
    refuses: textRule(1, 500, false),
  },
  fallback: {
    content: (v) => ({ text: 'Hello', fallback: v }),
    path: 'content.en.fallback',
    refuses: textRule(1, 3072, true),
  },
  customer: { content: (v) => v, path: 'content.en', refuses: textRule(1, 3072, true), customer: true },
};

const URL_PLACEMENTS = {
  link: {
    content: (u) => ({ text: `[open](${u})`, containsRichText: true }),
    path: 'content.en.text',
    ok: 'web',
    maybe: true,
    refuses: (u) => TEXT_PLACEMENTS.rich.refuses(`[open](${u})`),
  },
  openUrl: {
    content: (u) => ({ text: 'Open', suggestions: [{ action: { text: 'Open', postbackData: 'o', openUrlAction: { url: u } } }] }),
    path: 'content.en.suggestions[0].action.openUrlAction.url',
    ok: 'web',
  },
  image: {
    content: (u) => ({ image: { contentInfo: { fileUrl: u, altText: 'A picture' } } }),
    path: 'content.en.image.contentInfo.fileUrl',
    ok: 'image',
  },
  avatar: {
    content: (u) => ({ text: 'Hi', representative: { representativeType: 'HUMAN', displayName: 'Agent', avatarImage: u } }),
    path: 'content.en.representative',
    ok: 'image',
  },
  cardMedia: {
    content: (u) => card({ title: 'T', media: { height: 'SHORT', contentInfo: { fileUrl: u, altText: 'Media' } } }),
    path: 'content.en.richCard.standaloneCard.cardContent.media.contentInfo.fileUrl',
    ok: 'image',
  },
};

// ---- The page under attack. ----

/** A fresh visitor on the demo shop with the panel open; `marks` collects any script run. */
async function visitor(context) {
  const page = await context.newPage();
  const marks = [];
  const errors = collectErrors(page, /example\.com|xn--|evil\.example/);
  page.on('dialog', (dialog) => { marks.push(`dialog: ${dialog.message()}`); dialog.dismiss().catch(() => {}); });
  await page.exposeFunction('__c360_pwned', (id) => marks.push(`marker: ${id}`));
  await page.goto(live.server.url);
  const root = page.locator('[data-connect360]');
  await root.locator('button.c360-launcher').click();
  await say(root, 'Hello, I will be your target');
  return { page, root, marks, errors, conversationId: await conversationOf(page) };
}

let said = 0;
/** The visitor writes; resolves once the message is confirmed (the widget still works). */
async function say(root, text) {
  said += 1;
  await root.locator('textarea.c360-input').fill(text);
  await root.locator('textarea.c360-input').press('Enter');
  await root.locator('.c360-row--mine .c360-bubble:not(.c360-bubble--pending)', { hasText: text })
    .waitFor({ timeout: 15000 });
}

/** Sends `content` to the conversation as the agent (or as the customer); the raw response. */
async function send(conversationId, content, asCustomer = false) {
  const response = await fetch(new URL('/api/trpc/v1.connect.send', live.server.url), {
    method: 'POST',
    headers: { authorization: `Bearer ${live.server.apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ conversationId, content: { en: content }, ...(asCustomer ? { sender: 'customer' } : {}) }),
  });
  return { status: response.status, body: await response.json().catch(() => null) };
}

const ALLOWED_TAGS = new Set(`DIV SPAN P SECTION HEADER UL LI BUTTON TEXTAREA INPUT FORM A IMG STRONG EM
  BR SVG PATH CIRCLE RECT POLYLINE LINE G PROGRESS H2 H3 ARTICLE TIME BDI LINK`.split(/\s+/));

/**
 * Everything in the widget's shadow root that should not be there, and layout escapes; `rows`
 * is how many messages must be on screen, so an empty transcript cannot pass by showing nothing.
 */
function inspect(page, rows) {
  return page.evaluate(([allowed, origin, rows]) => {
    const root = document.querySelector('[data-connect360]').shadowRoot;
    const problems = [];
    const shown = root.querySelectorAll('.c360-row').length;
    if (shown < rows) problems.push(`${shown} messages rendered, ${rows} expected`);
    for (const el of root.querySelectorAll('*')) {
      const where = `${el.tagName.toLowerCase()}.${el.getAttribute('class') ?? ''}`;
      if (!allowed.includes(el.tagName.toUpperCase())) problems.push(`element ${where}`);
      if (el.tagName === 'svg' && el.getAttribute('aria-hidden') !== 'true') problems.push(`visible svg ${where}`);
      if (el.tagName === 'INPUT' && el.className !== 'c360-file-input') problems.push(`input ${where}`);
      if (el.tagName === 'LINK' && !(el.rel === 'stylesheet' && el.getAttribute('href').startsWith(`${origin}widget/`))) {
        problems.push(`link ${el.getAttribute('href')}`);
      }
      for (const { name, value } of el.attributes) {
        if (/^on/i.test(name)) problems.push(`${name} on ${where}`);
        if (['srcset', 'formaction', 'action', 'xlink:href', 'srcdoc', 'background'].includes(name)) problems.push(`${name} on ${where}`);
        if (name === 'style' && /url\(|expression|javascript/i.test(value)) problems.push(`style ${value}`);
        if (name === 'href' && el.tagName !== 'LINK' && !/^(https?:\/\/|mailto:|tel:\+)/.test(value)) problems.push(`href ${value}`);
        if (name === 'src' && !(/^(https:\/\/|blob:)/.test(value) || value.startsWith(origin))) problems.push(`src ${value}`);
      }
    }
    const transcript = root.querySelector('.c360-transcript');
    const box = transcript.getBoundingClientRect();
    if (transcript.scrollWidth > transcript.clientWidth + 1) {
      problems.push(`transcript scrolls sideways (${transcript.scrollWidth} > ${transcript.clientWidth})`);
    }
    for (const row of root.querySelectorAll('.c360-row')) {
      const r = row.getBoundingClientRect();
      if (r.left < box.left - 1 || r.right > box.right + 1) problems.push(`row outside the transcript: ${r.left}..${r.right}`);
    }
    const panel = root.querySelector('#c360-panel').getBoundingClientRect();
    if (panel.left < 0 || panel.right > innerWidth || panel.top < 0 || panel.bottom > innerHeight) {
      problems.push('panel outside the viewport');
    }
    return problems;
  }, [[...ALLOWED_TAGS], live.server.url, rows]);
}

/**
 * Sends one batch of cases to a fresh visitor; checks each answer against the rules, waits for
 * every accepted case to render, inspects the DOM and has the visitor write again.
 */
async function runBatch(label, cases) {
  const context = await live.browser.newContext({ viewport: { width: 420, height: 760 } });
  const v = await visitor(context);
  let agentRows = 0;
  let mineRows = 1;
  const refusedWrongly = [];
  for (const c of cases) {
    const { status, body } = await send(v.conversationId, c.content, c.customer);
    const message = body?.error?.message ?? '';
    const refusedHere = status === 400 && message.startsWith(c.path);
    if (status === 200) {
      if (c.expect === 'refused') refusedWrongly.push(`${c.id}: accepted, the rules refuse it`);
      if (c.customer) mineRows += 1; else agentRows += 1;
    } else if (!refusedHere) {
      refusedWrongly.push(`${c.id}: ${status} ${message.slice(0, 120)}`);
    } else if (c.expect === 'accepted') {
      refusedWrongly.push(`${c.id}: refused (${message.slice(0, 120)}), the rules accept it`);
    }
  }
  assert.deepEqual(refusedWrongly, [], `${label}: server answers`);
  const root = v.root;
  await eventually(async () => (await root.locator('.c360-row--agent, .c360-row--mine').count()) >= agentRows + mineRows,
    `${label}: ${agentRows} agent and ${mineRows} visitor messages to render`, 30000);
  await v.page.waitForTimeout(300);
  assert.deepEqual(await inspect(v.page, agentRows + mineRows), [], `${label}: the DOM`);
  await say(root, `Still working after ${label}`);
  assert.deepEqual(v.marks, [], `${label}: no script ran`);
  assert.deepEqual(v.errors, [], `${label}: no page error`);
  await context.close();
  return cases.length;
}

function expectation(refused, maybe) {
  if (maybe) return 'either';
  return refused ? 'refused' : 'accepted';
}

test(`the hostile corpus (${corpus.text.length} texts, ${corpus.urls.length} URLs, ${corpus.structural.length} structures) renders inert or is refused by field`, async () => {
  let total = 0;
  for (const [name, placement] of Object.entries(TEXT_PLACEMENTS)) {
    const cases = corpus.text.map((p) => ({
      id: `${name}/${p.id}`,
      content: placement.content(p.value),
      path: placement.path,
      customer: placement.customer,
      expect: expectation(placement.refuses(p.value), placement.maybe?.(p.value)),
    }));
    // Under the 50 rows the widget first renders, so every case is in the DOM when inspected.
    for (let i = 0; i < cases.length; i += 38) total += await runBatch(`${name} ${i}`, cases.slice(i, i + 38));
  }
  for (const [name, placement] of Object.entries(URL_PLACEMENTS)) {
    const cases = corpus.urls.map((u) => ({
      id: `${name}/${u.id}`,
      content: placement.content(u.value),
      path: placement.path,
      expect: placement.refuses?.(u.value) ? 'refused'
        : u[placement.ok] ? 'accepted' : (placement.maybe ? 'either' : 'refused'),
    }));
    total += await runBatch(name, cases);
  }
  assert.ok(total >= 150, `${total} cases`);
});

/** The request body of a structural case, and the path (or status) its refusal must name. */
function structural(c, conversationId) {
  const base = { conversationId };
  switch (c.build) {
    case 'nested': return { body: JSON.stringify({ ...base, content: { en: { text: 'x', suggestions: '['.repeat(c.depth) + ']'.repeat(c.depth) } } }).replace(/"(\[+\]+)"/, '$1'), status: 400 };
    case 'nestedObjects': return { body: `{"conversationId":"${conversationId}","content":{"en":${'{"a":'.repeat(c.depth)}1${'}'.repeat(c.depth)}}}`, status: 400 };
    case 'nestedSuggestion': {
      let inner = { text: 'deep' };
      for (let i = 0; i < c.depth; i++) inner = { reply: inner };
      return { body: JSON.stringify({ ...base, content: { en: { text: 'x', suggestions: [inner] } } }), status: 400, path: 'content.en.suggestions[0]' };
    }
    case 'suggestions': return {
      body: JSON.stringify({ ...base, content: { en: { text: 'x', suggestions: Array.from({ length: c.count }, (_, i) => ({ reply: { text: `s${i}`, postbackData: 'p' } })) } } }),
      status: 400, path: 'content.en.suggestions',
    };
    case 'cards': return {
      body: JSON.stringify({ ...base, content: { en: { richCard: { carouselCard: { cardWidth: 'MEDIUM', cardContents: Array.from({ length: c.count }, (_, i) => ({ title: `c${i}` })) } } } } }),
      status: 400, path: 'content.en.richCard.carouselCard.cardContents',
    };
    case 'attachmentIds': return { body: JSON.stringify({ ...base, attachmentIds: Array.from({ length: c.count }, (_, i) => `file_${i}`) }), status: 400, path: 'attachmentIds' };
    case 'bigBody': return { body: JSON.stringify({ ...base, content: { en: 'x'.repeat(c.bytes) } }), status: 413 };
    case 'unknownField': return { body: JSON.stringify({ ...base, content: { en: { text: 'x', onclick: 'alert(1)' } } }), status: 400, path: 'content.en.onclick' };
    case 'protoField': return { body: `{"conversationId":"${conversationId}","content":{"en":{"text":"x","__proto__":{"isAdmin":true}}}}`, status: 400, path: 'content.en.__proto__' };
    case 'numberText': return { body: JSON.stringify({ ...base, content: { en: { text: 42 } } }), status: 400, path: 'content.en.text' };
    case 'otherLanguage': return { body: JSON.stringify({ ...base, content: { xx: '<script>alert(1)</script>' } }), status: 400, path: 'content.xx' };
    default: throw new Error(`unknown structural case ${c.build}`);
  }
}

test('structural attacks (deep nesting, huge arrays, unknown fields) are refused and store nothing', async () => {
  const { id: conversationId } = await callAsMerchant(live.server, 'v1.connect.getOrCreateConversation',
    { customer: { externalId: 'hostile-structures' } });
  for (const c of corpus.structural) {
    const { body, status, path } = structural(c, conversationId);
    const response = await fetch(new URL('/api/trpc/v1.connect.send', live.server.url), {
      method: 'POST', headers: { authorization: `Bearer ${live.server.apiKey}`, 'content-type': 'application/json' }, body,
    });
    const answer = await response.json().catch(() => ({}));
    assert.equal(response.status, status, `${c.id}: ${JSON.stringify(answer).slice(0, 200)}`);
    const message = answer?.error?.message ?? answer?.message ?? '';
    assert.ok(message.length > 0, `${c.id}: a message says why`);
    if (path) assert.ok(message.startsWith(path), `${c.id}: "${message.slice(0, 120)}" names ${path}`);
  }
  const stored = await callAsMerchant(live.server, 'v1.connect.listMessages', { conversationId });
  assert.deepEqual(stored.items, [], 'nothing stored');
  // The server is still well.
  await callAsMerchant(live.server, 'v1.connect.send', { conversationId, content: { en: 'still fine' } });
});

test('hostile visitor names and attachment names stay inert in the widget and the agent console', async () => {
  // A server of its own: the sessions below stay under its per-address session limit.
  const main = live.server;
  live.server = await startServer({ args: ['--no-demo-bot'] });
  const context = await live.browser.newContext();
  const v = await visitor(context);
  // Attachment names: files uploaded with each text payload as their name, sent to the visitor.
  let sent = 0;
  for (const p of corpus.text.slice(0, 60)) {
    const form = new FormData();
    form.append('file', new Blob(['hostile'], { type: 'text/plain' }), p.value.slice(0, 300));
    const uploaded = await fetch(new URL('/api/v1/connect/attachments', live.server.url), {
      method: 'POST', headers: { authorization: `Bearer ${live.server.apiKey}` }, body: form,
    }).then((r) => r.json());
    const name = uploaded.files[0].name;
    assert.match(name, /^[A-Za-z0-9._-]{1,200}$/, `${p.id}: the stored name is normalised`);
    if (sent < 40) {
      await callAsMerchant(live.server, 'v1.connect.send', { conversationId: v.conversationId, attachmentIds: [uploaded.files[0].id] });
      sent += 1;
    }
  }
  await eventually(async () => (await v.root.locator('button.c360-file').count()) === sent, 'the file chips', 30000);
  assert.deepEqual(await inspect(v.page, sent + 1), []);

  // Visitor names: each payload a session may carry is accepted or refused by the name rule.
  const names = [];
  for (const p of corpus.text.slice(0, 55)) {
    const response = await fetch(new URL('/api/widget/session', live.server.url), {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ channelIdentifier: 'example.com', customer: { name: p.value } }),
    });
    const refused = chars(p.value) > 100 || badCharacters(p.value, false);
    if (refused) {
      assert.equal(response.status, 400, p.id);
      assert.match((await response.json()).message, /^customer\.name:/);
    } else {
      assert.equal(response.status, 200, p.id);
      const session = await response.json();
      names.push(p.value);
      await fetch(new URL('/api/trpc/v1.connect.send', live.server.url), {
        method: 'POST', headers: { authorization: `Bearer ${session.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ conversationId: session.conversationId, content: { en: p.value.trim() ? p.value : 'hi' } }),
      });
    }
  }
  assert.ok(names.length >= 30, `${names.length} hostile names`);

  // The agent console lists those visitors and their messages: nothing runs there either.
  const consolePage = await context.newPage();
  const marks = [];
  consolePage.on('dialog', (d) => { marks.push(d.message()); d.dismiss().catch(() => {}); });
  await consolePage.exposeFunction('__c360_pwned', (id) => marks.push(id));
  const consoleErrors = collectErrors(consolePage);
  await consolePage.goto(new URL('/console', live.server.url).href);
  await consolePage.locator('#key').fill(live.server.apiKey);
  await consolePage.click('#sign-in button[type="submit"]');
  await consolePage.locator('#conversations li').first().waitFor({ timeout: 10000 });
  const listed = await consolePage.locator('#conversations').innerText();
  assert.ok(listed.includes(names.find((n) => n.includes('<script>'))), 'a script-tag name shows as text');
  for (const item of (await consolePage.locator('#conversations li button').all()).slice(0, 15)) {
    await item.click();
    await consolePage.waitForTimeout(100);
  }
  const injected = await consolePage.evaluate(() =>
    [...document.querySelectorAll('script, iframe, object, embed, [onerror], [onload], [onclick], [onfocus]')]
      .filter((el) => !(el.tagName === 'SCRIPT' && el.src.endsWith('/console/console.js')))
      .map((el) => el.outerHTML.slice(0, 80)));
  assert.deepEqual(injected, []);
  assert.deepEqual(marks, [], 'no script ran in the console');
  assert.deepEqual(consoleErrors, []);
  assert.deepEqual(v.marks, []);
  await context.close();
  await live.server.stop();
  live.server = main;
});
