// The release build (`trunk build --release`, wasm-opt from binaryen 132: what a merchant
// gets) loads in Chromium, renders the launcher in its shadow root and opens the panel.
// Debian's binaryen 108 produced a release that built fine and rendered nothing; this catches
// that whole class of breakage.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import {
  collectErrors, distDir, launchChromium, repoRoot, serveDirectory, TEST_API_KEY,
} from './support.mjs';

let server;
let browser;

before(async () => {
  await stat(join(distDir, 'loader.js')); // built by the test command first
  server = await serveDirectory(distDir);
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await server?.close();
});

test('the release build renders the launcher and opens the panel', async () => {
  const page = await browser.newPage();
  // A static file server has no gateway: the session the opened widget asks for fails, and
  // the widget keeps trying quietly (conversation.test.mjs runs it against the real server).
  const errors = collectErrors(page, /\/api\/widget\/session$/);
  const wasmResponses = [];
  page.on('response', (r) => r.url().endsWith('.wasm') && wasmResponses.push(r));
  await page.goto(server.url);

  const launcher = page.locator('#connect360-chat button.c360-launcher');
  await launcher.waitFor({ state: 'visible', timeout: 15000 });
  assert.equal(await launcher.getAttribute('aria-label'), 'Open chat');
  // Styled by the versioned stylesheets the page's host names (the wasm carries no copy).
  await page.waitForFunction(() => {
    const button = document.querySelector('#connect360-chat').shadowRoot.querySelector('.c360-launcher');
    return getComputedStyle(button).borderRadius === '50%';
  }, null, { timeout: 5000 });
  const sheets = await page.locator('#connect360-chat link[rel=stylesheet]')
    .evaluateAll((links) => links.map((l) => l.getAttribute('href')));
  assert.equal(sheets.length, 2, `${sheets}`);
  assert.match(sheets[0], /^widget-[0-9a-f]{16}\.css$/);
  assert.match(sheets[1], /^conversation-[0-9a-f]{16}\.css$/);
  assert.equal(wasmResponses.length, 1, 'one wasm module');
  assert.equal(wasmResponses[0].headers()['content-type'], 'application/wasm');

  const panel = page.locator('#c360-panel');
  assert.equal(await panel.isVisible(), false);
  await launcher.click();
  await panel.waitFor({ state: 'visible', timeout: 5000 });
  assert.equal(await page.locator('.c360-title').textContent(), 'Chat with us');
  assert.equal(await launcher.getAttribute('aria-expanded'), 'true');

  await page.keyboard.press('Escape');
  await panel.waitFor({ state: 'hidden', timeout: 5000 });

  const shots = join(repoRoot, 'target', 'e2e');
  await mkdir(shots, { recursive: true });
  await launcher.click();
  await page.screenshot({ path: join(shots, 'release-build-open.png') });
  assert.deepEqual(errors, [], 'no page or console errors');
});

test('the widget lives in an open shadow root and adds nothing else to the page', async () => {
  const page = await browser.newPage();
  await page.goto(server.url);
  await page.locator('button.c360-launcher').waitFor({ state: 'visible', timeout: 15000 });
  const facts = await page.evaluate(() => {
    const host = document.getElementById('connect360-chat');
    return {
      mode: host.shadowRoot?.mode,
      lightChildren: host.children.length,
      documentButtons: document.querySelectorAll('button').length,
    };
  });
  assert.deepEqual(facts, { mode: 'open', lightChildren: 0, documentButtons: 0 });
});

/** Every file below `root`, subfolders included, as paths relative to it. */
async function filesBelow(root) {
  const { readdir } = await import('node:fs/promises');
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath ?? e.path, e.name).slice(root.length + 1));
}

/**
 * The secrets every data dir on this machine holds: the repo's (the demo's) and every e2e
 * run's (`c360-e2e-*` in the temp dir), plus the key the e2e servers are started with.
 */
async function knownSecrets() {
  const { readdir, readFile } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const dirs = [join(repoRoot, '.connect360')];
  for (const name of await readdir(tmpdir()).catch(() => [])) {
    if (name.startsWith('c360-e2e-')) dirs.push(join(tmpdir(), name));
  }
  const known = [TEST_API_KEY];
  for (const dir of dirs) {
    for (const name of ['local-api-key', 'token-secret']) {
      const secret = await readFile(join(dir, name), 'utf8').catch(() => null);
      if (secret?.trim()) known.push(secret.trim());
    }
  }
  return { known, dirs: dirs.length };
}

/** What of `patterns` or `known` the files below `root` contain. */
async function secretsIn(root, known) {
  const { readFile } = await import('node:fs/promises');
  // Every key the local Connect360 generates, every signing secret's name, private keys.
  const patterns = [
    /plato_[A-Za-z0-9_]{12,}/,
    /PLATO_API_KEY|CONNECT360_(LOCAL_API_KEY|TOKEN_SECRET|IDENTITY_SECRET)/,
    /-----BEGIN [A-Z ]*PRIVATE KEY-----/,
    /Authorization:\s*Bearer\s+[A-Za-z0-9]/i,
  ];
  const found = [];
  for (const file of await filesBelow(root)) {
    // latin1 keeps every byte as one character, so strings inside the wasm are matched too.
    const content = await readFile(join(root, file), 'latin1');
    for (const pattern of patterns) {
      const match = pattern.exec(content);
      if (match) found.push(`${file}: ${match[0]}`);
    }
    for (const secret of known) if (content.includes(secret)) found.push(`${file}: a data dir's secret`);
  }
  return found;
}

test('the secret scan finds a planted key and secret in a subfolder', async () => {
  const { mkdtemp, mkdir: mkdirp, writeFile, rm } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const root = await mkdtemp(join(tmpdir(), 'c360-scan-'));
  try {
    await mkdirp(join(root, 'snippets', 'deep'), { recursive: true });
    await writeFile(join(root, 'snippets', 'deep', 'a.js'), 'const k = "plato_live_0123456789abcdef";');
    await writeFile(join(root, 'snippets', 'b.js'), 'const s = "not-a-pattern-but-known-1234";');
    const found = await secretsIn(root, ['not-a-pattern-but-known-1234']);
    assert.deepEqual(found.sort(), [
      `${join('snippets', 'b.js')}: a data dir's secret`,
      `${join('snippets', 'deep', 'a.js')}: plato_live_0123456789abcdef`,
    ]);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('no API key, secret or secret name is in any file the release ships', async () => {
  const files = await filesBelow(distDir);
  assert.ok(files.some((f) => f.endsWith('.wasm')) && files.includes('loader.js'), 'the release is built');
  const { known } = await knownSecrets();
  assert.deepEqual(await secretsIn(distDir, known), []);
});
