// The agent console: lists conversations, shows one, replies as the workspace with text or
// rich content. Talks to the local Connect360 with the local API key (kept in this tab's
// sessionStorage only). Message content is only ever written with textContent.
const $ = (id) => document.getElementById(id);
const KEY_SLOT = 'connect360.console.key';
let key = sessionStorage.getItem(KEY_SLOT);
let current = null;
let templates = {};
// Each listed conversation's metadata, by id (the visitor's seen receipt is in it).
const metadata = new Map();
// Attachment previews already fetched (object URLs), by file id.
const previews = new Map();

async function api(path, { method = 'GET', body } = {}) {
  const response = await fetch(path, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = await response.json().catch(() => null);
  return { status: response.status, json };
}

// Where the server mounts tRPC (its --trpc-path), named by the page.
const TRPC = document.querySelector('meta[name="connect360-trpc-path"]')?.content || '/api/trpc';
const trpc = (procedure, input, method = 'POST') =>
  method === 'GET'
    ? api(`${TRPC}/v1.connect.${procedure}?input=${encodeURIComponent(JSON.stringify(input))}`)
    : api(`${TRPC}/v1.connect.${procedure}`, { method, body: input });

function firstValue(content) {
  for (const lang of ['en', 'ar', 'tr']) if (content?.[lang] != null) return [lang, content[lang]];
  return [null, null];
}

function summary(message) {
  const [, value] = firstValue(message.content);
  if (typeof value === 'string') return value;
  if (value?.text) return value.text;
  if (value?.richCard?.carouselCard) return `Carousel of ${value.richCard.carouselCard.cardContents?.length ?? 0} cards`;
  if (value?.richCard?.standaloneCard) return `Card: ${value.richCard.standaloneCard.cardContent?.title ?? ''}`;
  if (value?.image) return 'Image';
  if (value?.suggestionResponse) return `Chose: ${value.text ?? value.suggestionResponse.postbackData}`;
  if (message.attachments?.length) return `${message.attachments.length} attachment(s)`;
  return '(empty)';
}

// What a rich value shows a visitor, as lines an agent reads at a glance: the text, each
// card's title, the chips' labels.
function readable(value) {
  const lines = [];
  const chips = (suggestions) => (suggestions ?? [])
    .map((s) => s.reply?.text ?? s.action?.text ?? (s.liveAgentRequest ? 'Talk to a person' : null)
      ?? (s.authenticationRequest ? 'Sign in' : null))
    .filter(Boolean);
  if (value.text) lines.push(value.text);
  const cards = value.richCard?.carouselCard?.cardContents
    ?? (value.richCard?.standaloneCard ? [value.richCard.standaloneCard.cardContent] : []);
  if (value.richCard?.carouselCard) lines.push(`Carousel of ${cards.length} cards`);
  for (const card of cards) {
    const buttons = chips(card?.suggestions);
    lines.push(`▸ ${card?.title ?? '(untitled card)'}${buttons.length ? ` [${buttons.join(' · ')}]` : ''}`);
  }
  if (value.image) lines.push(`Image: ${value.image.altText ?? ''}`.trim());
  if (value.suggestionResponse) lines.push(`Chose: ${value.text ?? value.suggestionResponse.postbackData}`);
  const replies = chips(value.suggestions);
  if (replies.length) lines.push(`Chips: ${replies.join(' · ')}`);
  return lines.length ? lines : ['(no visible content)'];
}

// Whether the visitor asked for a person after the conversation was last resolved.
function wantsPerson(meta) {
  const asked = Date.parse(meta?.handoff?.requestedAt ?? '');
  if (Number.isNaN(asked)) return false;
  const resolved = Date.parse(meta.resolvedAt ?? '');
  return Number.isNaN(resolved) || resolved < asked;
}

// A visitor's file, fetched with the key (the asset route needs it): a picture's preview, or
// a link that downloads it.
async function fileBlob(file) {
  if (!previews.has(file.id)) {
    const path = file.url?.startsWith('/') ? file.url : `/api/v1/connect/assets/${file.s3Key}`;
    const response = await fetch(path, { headers: { authorization: `Bearer ${key}` } });
    if (!response.ok) throw new Error(`${response.status}`);
    previews.set(file.id, URL.createObjectURL(await response.blob()));
  }
  return previews.get(file.id);
}

function attachment(file) {
  const box = el('div', 'file');
  const link = el('a', null, `📎 ${file.name} (${file.type})`);
  link.href = '#';
  link.download = file.name;
  link.addEventListener('click', async (event) => {
    if (link.dataset.ready) return;
    event.preventDefault();
    link.href = await fileBlob(file);
    link.dataset.ready = 'true';
    link.click();
  });
  box.append(link);
  if (file.type?.startsWith('image/')) {
    const picture = el('img', 'preview-image');
    picture.alt = file.name;
    fileBlob(file).then((url) => { picture.src = url; }, () => picture.remove());
    box.prepend(picture);
  }
  return box;
}

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text != null) node.textContent = text;
  return node;
}

async function loadInbox() {
  const { status, json } = await api('/console/api/conversations');
  if (status === 401) return signOut('That key was not accepted.');
  const list = $('conversations');
  list.replaceChildren();
  for (const { conversation, latest, title } of json ?? []) {
    const meta = conversation.metadata ?? {};
    metadata.set(conversation.id, meta);
    const item = el('li');
    const button = el('button');
    button.type = 'button';
    button.dataset.id = conversation.id;
    if (current === conversation.id) button.setAttribute('aria-current', 'true');
    button.append(el('strong', null, title));
    if (wantsPerson(meta)) button.append(el('span', 'badge badge-person', 'Asked for a person'));
    if (meta.status === 'resolved') button.append(el('span', 'badge badge-resolved', 'Resolved'));
    button.append(el('span', 'preview', latest ? summary(latest) : ''));
    button.addEventListener('click', () => openConversation(conversation.id, title));
    item.append(button);
    list.append(item);
  }
}

async function loadMessages() {
  if (!current) return;
  const items = [];
  let cursor = null;
  do {
    const { json } = await trpc('listMessages', { conversationId: current, limit: 100, cursor }, 'GET');
    const page = json?.result?.data;
    if (!page) break;
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  showVisitor();
  const list = $('messages');
  const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
  // Open JSON toggles stay open across the refresh.
  const open = new Set([...list.querySelectorAll('details[open]')].map((d) => d.dataset.id));
  list.replaceChildren();
  for (const message of items) {
    const item = el('li', message.sender?.type ?? '');
    const who = message.sender?.name || message.sender?.type || 'unknown';
    const meta = el('div', 'meta', `${who} · ${new Date(message.createdAt).toLocaleString()}`);
    for (const flag of message.flags ?? []) {
      meta.append(' ', el('span', `badge badge-${flag}`, flag === 'offline' ? 'Written while away' : flag));
    }
    item.append(meta);
    const [, value] = firstValue(message.content);
    if (typeof value === 'string') item.append(el('div', 'text', value));
    else if (value) {
      for (const line of readable(value)) item.append(el('div', 'text', line));
      const json = el('details');
      json.dataset.id = message.id;
      json.open = open.has(message.id);
      json.append(el('summary', null, 'JSON'), el('pre', null, JSON.stringify(value, null, 2)));
      item.append(json);
    }
    for (const file of message.attachments ?? []) item.append(attachment(file));
    const seen = metadata.get(current)?.visitorSeen;
    if (seen?.messageId === message.id && !Number.isNaN(Date.parse(seen.at))) {
      const at = new Date(seen.at).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
      item.append(el('div', 'seen', `Seen by the visitor ${at}`));
    }
    list.append(item);
  }
  if (atBottom) list.scrollTop = list.scrollHeight;
}

// Under the thread's title: what the visitor told about themselves (unverified) and whether
// they asked for a person.
function showVisitor() {
  const meta = metadata.get(current) ?? {};
  const line = $('thread-details');
  line.replaceChildren();
  const contact = meta.visitorContact;
  if (contact) {
    const said = ['name', 'email', 'phone'].filter((k) => contact[k]).map((k) => `${k}: ${contact[k]}`);
    if (said.length) line.append(el('span', null, `${said.join(' · ')} (unverified)`));
  }
  if (wantsPerson(meta)) line.append(el('span', 'badge badge-person', 'Asked for a person'));
  const resolved = meta.status === 'resolved';
  line.append(el('span', `badge ${resolved ? 'badge-resolved' : 'badge-open'}`, resolved ? 'Resolved' : 'Open'));
  if (Number.isInteger(meta.rating) && meta.rating >= 1 && meta.rating <= 5) {
    const stars = '★'.repeat(meta.rating) + '☆'.repeat(5 - meta.rating);
    line.append(el('span', 'rating', `Rated ${stars} (${meta.rating}/5)${meta.ratingComment ? `: “${meta.ratingComment}”` : ''}`));
  }
  $('resolve').hidden = resolved;
}

// Resolves the open conversation: the visitor's widget says it ended and asks for a rating.
async function resolve() {
  const { status, json } = await trpc('updateConversation', {
    id: current,
    // handoff: null clears a request for a person (the agent's clock need not agree with the
    // gateway's that stamped it).
    metadata: { status: 'resolved', resolvedAt: new Date().toISOString(), resolvedBy: 'agent', handoff: null },
  });
  if (status !== 200) return showErrors(json);
  await loadInbox();
  showVisitor();
}

async function openConversation(id, title) {
  current = id;
  $('thread-title').textContent = title;
  $('reply').hidden = false;
  await loadInbox();
  await loadMessages();
  $('messages').scrollTop = $('messages').scrollHeight;
}

function showErrors(body) {
  const box = $('reply-error');
  box.replaceChildren();
  const error = body?.error ?? body;
  box.append(el('p', null, error?.message ?? 'The reply was not sent.'));
  const violations = error?.data?.violations ?? [];
  if (violations.length) {
    const list = el('ul');
    for (const v of violations) list.append(el('li', null, `${v.rule} ${v.path}: ${v.message}`));
    box.append(list);
  }
}

async function sendReply(event) {
  event.preventDefault();
  $('reply-error').replaceChildren();
  const rich = document.querySelector('input[name="mode"]:checked').value === 'rich';
  let value;
  if (rich) {
    try {
      value = JSON.parse($('json').value);
    } catch (error) {
      return showErrors({ message: `The JSON does not parse: ${error.message}` });
    }
  } else {
    value = $('text').value;
    if (!value.trim()) return;
  }
  const { status, json } = await trpc('send', { conversationId: current, content: { en: value } });
  if (status !== 200) return showErrors(json);
  if (!rich) $('text').value = '';
  await loadMessages();
  $('messages').scrollTop = $('messages').scrollHeight;
}

function signOut(message = '') {
  sessionStorage.removeItem(KEY_SLOT);
  key = null;
  $('desk').hidden = true;
  $('sign-out').hidden = true;
  $('sign-in').hidden = false;
  $('sign-in-error').textContent = message;
}

async function start() {
  const { status, json } = await api('/console/api/templates');
  if (status !== 200) return signOut(status === 401 ? 'That key was not accepted.' : 'The console is unavailable.');
  templates = json;
  const select = $('template');
  select.replaceChildren();
  for (const name of Object.keys(templates)) select.append(el('option', null, name));
  $('json').value = JSON.stringify(templates[select.value], null, 2);
  $('sign-in').hidden = true;
  $('desk').hidden = false;
  $('sign-out').hidden = false;
  $('who').textContent = 'Replying as the workspace';
  await loadInbox();
  setInterval(async () => { await loadInbox(); await loadMessages(); }, 3000);
}

$('sign-in').addEventListener('submit', (event) => {
  event.preventDefault();
  key = $('key').value.trim();
  sessionStorage.setItem(KEY_SLOT, key);
  start();
});
$('sign-out').addEventListener('click', () => signOut());
$('resolve').addEventListener('click', resolve);
$('reply').addEventListener('submit', sendReply);
$('template').addEventListener('change', () => {
  $('json').value = JSON.stringify(templates[$('template').value], null, 2);
});
for (const radio of document.querySelectorAll('input[name="mode"]')) {
  radio.addEventListener('change', () => {
    const rich = radio.value === 'rich' && radio.checked;
    $('rich-mode').hidden = !rich;
    $('text-mode').hidden = rich;
  });
}
$('text').addEventListener('keydown', (event) => {
  if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) $('reply').requestSubmit();
});

if (key) start(); else signOut();
