// Helpers for the browser tests and the search benchmarks: build a site
// with the real `docket` binary, serve a bundle on 127.0.0.1 with a tiny
// static server, and launch Debian's Chromium through playwright-core
// (never a downloaded browser).
'use strict';

const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');
const { execFileSync, spawn } = require('node:child_process');

const REPO = path.resolve(__dirname, '..', '..');
const CHROMIUM = process.env.DOCKET_CHROMIUM || '/usr/bin/chromium';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.xml': 'application/xml',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.txt': 'text/plain; charset=utf-8',
};

/** A fresh temporary folder, removed by `cleanup()`. */
function tempDir(prefix) {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** The docket binary: $DOCKET_BIN, else target/debug/docket (built by `cargo test`). */
function docketBin() {
  const bin = process.env.DOCKET_BIN || path.join(REPO, 'target', 'debug', 'docket');
  if (!fs.existsSync(bin)) {
    throw new Error(`${bin} is missing: run \`cargo test\` (or \`cargo build\`) first`);
  }
  return bin;
}

/**
 * Builds the site in `siteDir` (copied first, so the build cache never
 * lands in the repository) and returns { out, public, internal } folders.
 */
function buildSite(siteDir, { copy = true } = {}) {
  const work = tempDir('docket-site-');
  let site = siteDir;
  if (copy) {
    site = path.join(work, 'site');
    fs.cpSync(siteDir, site, { recursive: true });
  }
  const out = path.join(work, 'out');
  execFileSync(docketBin(), ['build', '--site', site, '--out', out], { stdio: 'pipe' });
  return { work, out, public: path.join(out, 'public'), internal: path.join(out, 'internal') };
}

/**
 * Serves `root` on 127.0.0.1 (a free port). `/a/` serves `/a/index.html`;
 * anything outside `root` is 404. Records every response's body size in
 * `server.log` ({ path, bytes }).
 */
function serve(root) {
  const log = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    let rel;
    try {
      rel = decodeURIComponent(url.pathname);
    } catch {
      rel = '';
    }
    let file = path.join(root, path.normalize(rel));
    if (!file.startsWith(root + path.sep) && file !== root) {
      res.writeHead(404).end();
      return;
    }
    if (rel.endsWith('/')) file = path.join(file, 'index.html');
    fs.readFile(file, (err, body) => {
      if (err) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
        log.push({ path: url.pathname, bytes: 9, status: 404 });
        return;
      }
      const type = TYPES[path.extname(file)] || 'application/octet-stream';
      res.writeHead(200, { 'content-type': type, 'content-length': body.length, 'cache-control': 'no-store' });
      res.end(body);
      log.push({ path: url.pathname, bytes: body.length, status: 200 });
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      resolve({
        url: `http://127.0.0.1:${port}`,
        log,
        close: () => new Promise((done) => { server.closeAllConnections(); server.close(done); }),
      });
    });
  });
}

/**
 * Debian's Chromium, headless (playwright-core gives it a fresh temporary
 * profile). Returns playwright's `Browser`; close it with `close()`.
 */
async function launchChromium() {
  const { chromium } = require('playwright-core');
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  });
}

/**
 * Copies the example site (content, themes, static, docket.toml) into
 * `work/site`, points the sidecar at port 0 and applies `sidecar` overrides
 * (e.g. `{ allow_new_tickets: 'false' }`, values written as TOML literals).
 * Returns the site folder.
 */
function exampleSite(work, sidecar = {}) {
  const site = path.join(work, 'site');
  for (const part of ['content', 'themes', 'static', 'docket.toml']) {
    const from = path.join(REPO, part);
    if (fs.existsSync(from)) fs.cpSync(from, path.join(site, part), { recursive: true });
  }
  const config = path.join(site, 'docket.toml');
  let text = fs.readFileSync(config, 'utf8');
  const settings = { listen: '"127.0.0.1:0"', ...sidecar };
  for (const [key, value] of Object.entries(settings)) {
    const line = new RegExp(`^${key}\\s*=.*$`, 'm');
    if (!line.test(text)) throw new Error(`docket.toml has no ${key} key to override`);
    text = text.replace(line, `${key} = ${value}`);
  }
  fs.writeFileSync(config, text);
  return site;
}

/**
 * Builds `site` and starts `docket sidecar --demo` on it. Resolves with
 * { url, outbox, stop() }: the base URL, the mail outbox folder and a
 * function that stops the process.
 */
async function startPortal(site) {
  const bin = docketBin();
  execFileSync(bin, ['build', '--site', site], { stdio: 'pipe' });
  const child = spawn(bin, ['sidecar', '--demo', '--site', site], { stdio: ['ignore', 'pipe', 'pipe'] });
  const url = await new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`sidecar did not start:\n${seen}`)), 30000);
    const look = (chunk) => {
      seen += chunk.toString();
      const found = seen.match(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
      if (found) {
        clearTimeout(timer);
        resolve(found[1]);
      }
    };
    child.stdout.on('data', look);
    child.stderr.on('data', look);
    child.on('exit', (code) => reject(new Error(`sidecar exited with ${code}:\n${seen}`)));
  });
  return { url, outbox: path.join(site, 'outbox'), stop: () => child.kill('SIGTERM') };
}

/** The password of the demo accounts (`docket sidecar --demo`). */
const DEMO_PASSWORD = 'demo password';

/**
 * A fresh browser context on `base`, signed in through the login form as
 * `email`. Returns the page (on the page the login redirected to).
 */
async function signIn(browser, base, email, password = DEMO_PASSWORD, contextOptions = {}) {
  const context = await browser.newContext(contextOptions);
  const page = await context.newPage();
  await page.goto(`${base}/login`);
  await page.fill('#email', email);
  await page.fill('#password', password);
  await Promise.all([page.waitForNavigation(), page.click('main button[type=submit]')]);
  return page;
}

/**
 * The usual fixture of a portal test: a copy of the example site in a
 * fresh temporary folder (with `sidecar` overrides, as `exampleSite`),
 * `docket sidecar --demo` on it and a headless Chromium. Resolves with
 * { base, browser, close() }; `close()` stops both and removes the folder.
 */
async function openPortal(prefix, sidecar = {}) {
  const work = tempDir(prefix);
  let portal;
  let browser;
  const close = async () => {
    if (browser) await browser.close();
    if (portal) portal.stop();
    fs.rmSync(work, { recursive: true, force: true });
  };
  try {
    portal = await startPortal(exampleSite(work, sidecar));
    browser = await launchChromium();
  } catch (err) {
    await close();
    throw err;
  }
  return { base: portal.url, outbox: portal.outbox, browser, close };
}

/**
 * Waits until `page` is as a reader sees it: session.js has filled the
 * login area (static pages), the search page has answered, and the web
 * fonts are ready.
 */
async function settle(page) {
  await page.waitForLoadState('load');
  if (await page.locator('body:not(.portal) #login-area').count()) {
    await page.waitForSelector('#login-area[data-session]');
  }
  if (await page.locator('.search-page').count()) {
    await page.waitForSelector('.search-results li.search-result, .search-results .search-empty');
  }
  await page.evaluate(() => document.fonts.ready);
}

/** Every file under `dir`, recursively. */
function listFiles(dir) {
  const files = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) files.push(...listFiles(p));
    else files.push(p);
  }
  return files;
}

/** Bytes of every file under `dir`. */
function dirBytes(dir) {
  return listFiles(dir).reduce((sum, f) => sum + fs.statSync(f).size, 0);
}

module.exports = {
  REPO, DEMO_PASSWORD, tempDir, buildSite, serve, launchChromium, listFiles, dirBytes,
  exampleSite, startPortal, signIn, openPortal, settle,
};
