// End-to-end search in headless Chromium: builds tests/fixtures/search_site
// with the real `docket build`, serves the public bundle on 127.0.0.1 and
// searches it through the theme's own search page and header box.
//
// Run: `node --test tests/browser/` (needs target/debug/docket, built by
// `cargo test`, Debian's /usr/bin/chromium and `npm ci` for playwright-core).
'use strict';

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');

const { REPO, buildSite, serve, launchChromium, listFiles } = require('./support');

const FIXTURE = path.join(REPO, 'tests', 'fixtures', 'search_site');
/** A word only the internal article contains. */
const CANARY = 'zanzibarquokka';

let site;
let server;
let browser;
let context;

before(async () => {
  site = buildSite(FIXTURE);
  server = await serve(site.public);
  browser = await launchChromium();
  context = await browser.newContext();
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.close();
  if (site) fs.rmSync(site.work, { recursive: true, force: true });
});

/** Opens `path` in a new tab and waits until the search page has answered. */
async function openSearch(urlPath) {
  const page = await context.newPage();
  await page.goto(server.url + urlPath);
  await settled(page);
  return page;
}

/** Waits for results or the empty state. */
async function settled(page) {
  await page.waitForSelector('.search-results li.search-result, .search-results .search-empty');
}

/** The titles of the results, in order. */
function titles(page) {
  return page.$$eval('li.search-result > a', (links) => links.map((a) => a.textContent));
}

/** The text of every `mark` in the results. */
function marks(page) {
  return page.$$eval('li.search-result mark', (ms) => ms.map((m) => m.textContent));
}

test('an English word finds its articles, best first, with highlights', async () => {
  const page = await openSearch('/search/?q=password');
  const found = await titles(page);
  assert.equal(found[0], 'Reset your password');
  assert.ok(!found.includes('Escalation playbook'), 'internal articles are not in the public index');
  const highlighted = (await marks(page)).map((m) => m.toLowerCase());
  assert.ok(highlighted.includes('password'), `marks: ${highlighted}`);
  const crumbs = await page.$$eval('li.search-result:first-child .search-result-path li', (li) => li.map((x) => x.textContent));
  assert.ok(crumbs.length >= 1, 'the first result shows its category breadcrumb');
  assert.match(await page.textContent('.search-status'), /found/);
  const href = await page.getAttribute('li.search-result > a', 'href');
  assert.equal(href, '/account/login/reset-password/');
  await page.close();
});

test('a Japanese word finds the Japanese articles', async () => {
  const page = await openSearch('/search/?q=' + encodeURIComponent('パスワード'));
  const found = await titles(page);
  assert.equal(found[0], 'パスワードを再設定する');
  assert.ok(found.every((t) => /[\u3040-\u30ff\u4e00-\u9fff]/.test(t)), `only Japanese articles: ${found}`);
  const highlighted = await marks(page);
  assert.ok(highlighted.some((m) => m.includes('パスワード')), `marks: ${highlighted}`);
  await page.close();
});

test('half-width katakana finds the same article', async () => {
  const page = await openSearch('/search/?q=' + encodeURIComponent('ﾊﾟｽﾜｰﾄﾞ') + '&lang=ja');
  assert.equal((await titles(page))[0], 'パスワードを再設定する');
  await page.close();
});

test('typing into the header box of an article leads to the results', async () => {
  const page = await context.newPage();
  await page.goto(server.url + '/account/login/two-factor/');
  await page.fill('header #search-q', 'refunds');
  await Promise.all([page.waitForURL(/\/search\/\?q=refunds/), page.press('header #search-q', 'Enter')]);
  await settled(page);
  assert.equal((await titles(page))[0], 'Request a refund');
  assert.equal(await page.inputValue('#search-page-q'), 'refunds');
  await page.close();
});

test('typing into the header box of a Japanese page searches Japanese', async () => {
  const page = await context.newPage();
  await page.goto(server.url + '/ja/');
  await page.fill('header #search-q', '返金');
  await Promise.all([page.waitForURL(/\/search\/\?/), page.press('header #search-q', 'Enter')]);
  await settled(page);
  assert.equal((await titles(page))[0], '返金を申請する');
  await page.close();
});

test('typing on the search page updates the results and the URL', async () => {
  const page = await openSearch('/search/');
  assert.match(await page.textContent('.search-empty'), /Type a few words/);
  await page.fill('#search-page-q', 'authenticator');
  await page.waitForSelector('li.search-result');
  assert.deepEqual(await titles(page), ['Turn on two-factor authentication']);
  assert.match(page.url(), /\?q=authenticator$/);
  await page.close();
});

test('a word no article contains shows the empty state', async () => {
  const page = await openSearch('/search/?q=xylophone');
  assert.equal(await page.$$eval('li.search-result', (li) => li.length), 0);
  assert.match(await page.textContent('.search-empty'), /No articles match “xylophone”/);
  await page.close();
});

test('arrow keys move between the box and the results; Escape goes back', async () => {
  const page = await openSearch('/search/?q=login');
  const links = await page.$$eval('li.search-result > a', (a) => a.map((x) => x.getAttribute('href')));
  assert.ok(links.length >= 2, `need two results, got ${links}`);
  const focused = () => page.evaluate(() => document.activeElement.getAttribute('href') || document.activeElement.id);
  await page.focus('#search-page-q');
  await page.keyboard.press('ArrowDown');
  assert.equal(await focused(), links[0]);
  await page.keyboard.press('ArrowDown');
  assert.equal(await focused(), links[1]);
  await page.keyboard.press('ArrowUp');
  assert.equal(await focused(), links[0]);
  await page.keyboard.press('Escape');
  assert.equal(await focused(), 'search-page-q');
  await page.keyboard.press('ArrowDown');
  await Promise.all([page.waitForURL(server.url + links[0]), page.keyboard.press('Enter')]);
  await page.close();
});

test('the internal canary word finds nothing and is in no public file', async () => {
  const page = await openSearch('/search/?q=' + CANARY);
  assert.equal(await page.$$eval('li.search-result', (li) => li.length), 0);
  await page.close();
  const leaking = listFiles(site.public).filter((f) => fs.readFileSync(f).includes(CANARY));
  assert.deepEqual(leaking, []);
  // The check means something: the internal bundle does index the word.
  const internalIndex = listFiles(path.join(site.internal, 'search'));
  assert.ok(internalIndex.some((f) => fs.readFileSync(f).includes(CANARY)), 'the internal index has the canary');
});

test('bytes fetched by one search (information only)', async (t) => {
  const from = server.log.length;
  const page = await openSearch('/search/?q=' + encodeURIComponent('reset password'));
  await page.close();
  const index = server.log.slice(from).filter((r) => r.path.startsWith('/search/') && r.path.endsWith('.json'));
  const bytes = index.reduce((sum, r) => sum + r.bytes, 0);
  t.diagnostic(`"reset password": ${index.length} index files, ${bytes} bytes (${index.map((r) => r.path).join(' ')})`);
  assert.ok(index.some((r) => r.path === '/search/manifest.json'));
});
