// Shared helpers of the end-to-end tests: a static file server for the release build and a
// headless Debian Chromium driven by playwright-core (never a downloaded browser).
import { before, after } from 'node:test';
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from '../../tools/node_modules/playwright-core/index.mjs';

export const repoRoot = resolve(fileURLToPath(import.meta.url), '../../..');
export const distDir = join(repoRoot, 'dist');

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
};

/** Serves `root` on a free loopback port; resolves to `{ url, close }`. */
export async function serveDirectory(root) {
  const server = createServer(async (req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname));
    const file = join(root, path.endsWith('/') ? `${path}index.html` : path);
    if (!file.startsWith(root)) {
      res.writeHead(403).end();
      return;
    }
    try {
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': MIME[extname(file)] ?? 'application/octet-stream' });
      res.end(body);
    } catch {
      res.writeHead(404).end('not found');
    }
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address();
  return { url: `http://127.0.0.1:${port}/`, close: () => new Promise((ok) => server.close(ok)) };
}

/**
 * Headless Debian Chromium with the flags this machine needs. Every page's uncaught errors (a
 * widget panic shows as "unreachable") are echoed to stderr and fail the test file, even in a
 * test that does not look at errors itself.
 */
export async function launchChromium() {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
  const watch = (page) => {
    page.on('pageerror', (e) => {
      console.error(`[pageerror] ${page.url()}: ${e.message}`);
      process.exitCode = 1;
    });
    page.on('console', (m) => {
      if (m.type() === 'error' || /panicked/.test(m.text())) {
        console.error(`[console ${m.type()}] ${page.url()}: ${m.text()} (${m.location()?.url ?? ''})`);
      }
    });
  };
  const newPage = browser.newPage.bind(browser);
  browser.newPage = async (...args) => { const page = await newPage(...args); watch(page); return page; };
  const newContext = browser.newContext.bind(browser);
  browser.newContext = async (...args) => {
    const context = await newContext(...args);
    context.on('page', watch);
    return context;
  };
  return browser;
}

/**
 * Collects page errors, console errors and failed responses, so a test can assert there were
 * none. Failures of URLs matching `expectedFailures` (a RegExp) are expected and left out.
 */
export function collectErrors(page, expectedFailures = null) {
  const errors = [];
  const expected = (url) => expectedFailures?.test(url ?? '');
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' && !expected(message.location()?.url)) {
      errors.push(`console: ${message.text()}`);
    }
  });
  page.on('response', (response) => {
    if (response.status() >= 400 && !expected(response.url())) {
      errors.push(`http ${response.status()}: ${response.url()}`);
    }
  });
  return errors;
}

/** A free loopback port. */
export async function freePort() {
  const probe = createServer();
  await new Promise((ok) => probe.listen(0, '127.0.0.1', ok));
  const { port } = probe.address();
  await new Promise((ok) => probe.close(ok));
  return port;
}

/**
 * Starts the real `connect360-server` (built by the test command) with the release widget;
 * resolves once it listens. Options: `args` (extra arguments), `port` and `dataDir` (to
 * restart a server where it was), `apiKey` (the local API key; a fixed one by default), `env`
 * (more environment variables).
 * `stop()` ends it.
 */
export async function startServer(options = []) {
  const {
    args = [], port = await freePort(), dataDir = await newDataDir(), apiKey = TEST_API_KEY, env = {},
  } = Array.isArray(options) ? { args: options } : options;
  const { spawn } = await import('node:child_process');
  const binary = join(repoRoot, 'target', 'debug', 'connect360-server');
  const child = spawn(
    binary,
    ['--listen', `127.0.0.1:${port}`, '--data-dir', dataDir, '--widget-dir', distDir, ...args],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env, CONNECT360_LOCAL_API_KEY: apiKey } },
  );
  let output = '';
  await new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`server did not start:\n${output}`)), 15000);
    const onData = (chunk) => {
      output += chunk;
      if (output.includes('Listening on')) {
        clearTimeout(timer);
        ok();
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => fail(new Error(`server exited with ${code}:\n${output}`)));
  });
  return {
    url: `http://127.0.0.1:${port}/`,
    port,
    dataDir,
    apiKey,
    output: () => output,
    stop: () => new Promise((ok) => {
      if (child.exitCode !== null) return ok();
      child.once('exit', ok);
      child.kill('SIGTERM');
    }),
  };
}

/** A server (no demo bot) reading the merchant's settings `toml` with `--config`. */
export async function startServerWithSettings(toml) {
  const { mkdtemp, writeFile } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const file = join(await mkdtemp(join(tmpdir(), 'c360-settings-')), 'connect360.toml');
  await writeFile(file, toml);
  return startServer({ args: ['--no-demo-bot', '--config', file] });
}

/**
 * For a test file whose tests each want a server of their own settings: `live.serverWith(toml)`
 * starts one (`live.browser` is there once one has started); all stop after the file's last
 * test.
 */
export function useServersWithSettings() {
  const running = [];
  const live = {
    browser: null,
    async serverWith(toml) {
      const server = await startServerWithSettings(toml);
      running.push(server);
      live.browser ??= await launchChromium();
      return server;
    },
    async plainServer() {
      const server = await startServer({ args: ['--no-demo-bot'] });
      running.push(server);
      live.browser ??= await launchChromium();
      return server;
    },
  };
  after(async () => {
    await live.browser?.close();
    await Promise.all(running.map((server) => server.stop()));
  });
  return live;
}

/**
 * One real server (`startServer(serverOptions)`) and one Chromium for the whole test file:
 * started before its first test, stopped after its last. Read them as `live.server` and
 * `live.browser` inside tests.
 */
export function useServerAndBrowser(serverOptions = {}) {
  const live = { server: null, browser: null };
  before(async () => {
    live.server = await startServer(serverOptions);
    live.browser = await launchChromium();
  });
  after(async () => {
    await live.browser?.close();
    await live.server?.stop();
  });
  return live;
}

/** The local API key the e2e servers run with. */
export const TEST_API_KEY = 'plato_local_e2e_key';

async function newDataDir() {
  const { mkdtemp } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  return mkdtemp(join(tmpdir(), 'c360-e2e-'));
}

/** Calls a tRPC procedure of the local Connect360 with its API key: resolves to `data`. */
export async function callAsMerchant(server, path, input) {
  const url = new URL(`/api/trpc/${path}`, server.url);
  const query = path.endsWith('listMessages');
  if (query) url.searchParams.set('input', JSON.stringify(input));
  const response = await fetch(url, {
    method: query ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${server.apiKey}`, 'content-type': 'application/json' },
    body: query ? undefined : JSON.stringify(input),
  });
  const body = await response.json();
  if (!response.ok) throw new Error(`${path}: ${response.status} ${JSON.stringify(body)}`);
  return body.result.data;
}

/** Waits until `check()` is truthy (polling), or fails with `what`. */
export async function eventually(check, what, timeoutMs = 15000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    last = await check();
    if (last) return last;
    await new Promise((ok) => setTimeout(ok, 200));
  }
  throw new Error(`timed out waiting for ${what} (last: ${JSON.stringify(last)})`);
}

/** The visitor's conversation id, as the widget keeps it in this page's localStorage. */
export async function conversationOf(page) {
  return page.evaluate(() => {
    for (let i = 0; i < localStorage.length; i++) {
      const key = localStorage.key(i);
      if (key.endsWith(':session')) return JSON.parse(localStorage.getItem(key)).conversationId;
    }
    return null;
  });
}

/**
 * Opens the demo shop, opens the chat and sends `text`; resolves to the widget's root locator
 * once the message is confirmed.
 */
export async function openChatAndSay(page, server, text) {
  await page.goto(server.url);
  const root = page.locator('[data-connect360]');
  await root.locator('button.c360-launcher').click();
  await root.locator('textarea.c360-input').fill(text);
  await root.locator('textarea.c360-input').press('Enter');
  await root.locator('.c360-row--mine .c360-bubble:not(.c360-bubble--pending)').waitFor({ timeout: 10000 });
  return root;
}

/**
 * Collects the page's Content-Security-Policy violations (the `securitypolicyviolation`
 * events, from the document and everything in it, shadow roots included) as
 * "<directive> <blocked URI>" strings. Call before the page loads.
 */
export async function collectCspViolations(page) {
  const violations = [];
  await page.exposeFunction('reportViolation', (v) => violations.push(v));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) =>
      window.reportViolation(`${e.violatedDirective} ${e.blockedURI}`), true);
  });
  return violations;
}

/** The agent uploads the demo's Ridge 2 picture with the merchant's key: resolves to its file id. */
export async function uploadDemoPicture(server) {
  const png = await fetch(new URL('/demo/img/ridge-2.png', server.url)).then((r) => r.arrayBuffer());
  const form = new FormData();
  form.append('file', new Blob([png], { type: 'image/png' }), 'ridge-2.png');
  const uploaded = await fetch(new URL('/api/v1/connect/attachments', server.url), {
    method: 'POST', headers: { authorization: `Bearer ${server.apiKey}` }, body: form,
  }).then((r) => r.json());
  return uploaded.files[0].id;
}
