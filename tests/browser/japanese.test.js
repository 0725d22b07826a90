// A Japanese customer's whole journey in headless Chromium (browser set to
// Japanese), against the real `docket sidecar --demo`: from a Japanese
// article to the portal, registering, the confirmation mail, My Tickets,
// a reply, marking a ticket solved, a new ticket and its acknowledgement
// mail, and the account page — every page in Japanese (`<html lang="ja">`
// and no English string of the catalogs on it), every mail in Japanese.
//
// Run: `node --test tests/browser/` (scripts/test does it).
'use strict';

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');

const { openPortal } = require('./support');

const REPO = path.resolve(__dirname, '..', '..');
const NEWCOMER = 'newcomer@example.com';
const PASSWORD = 'ながいパスワードです123';

let fixture;

before(async () => {
  fixture = await openPortal('docket-japanese-');
});

after(async () => {
  if (fixture) await fixture.close();
});

// ---------------------------------------------------------------------------
// What "no English left" means

/**
 * The English strings of the built-in catalog that a Japanese page must not
 * show: each value's longest run of text between `{placeholders}`, when it
 * is at least 12 characters and the Japanese catalog says something else.
 * Short words ("Open", "Reply") are left out: they also occur in what
 * customers write.
 */
function englishStrings() {
  const values = (file) => {
    const found = new Map();
    let section = '';
    for (const line of fs.readFileSync(path.join(REPO, 'themes/default/i18n', file), 'utf8').split('\n')) {
      const header = line.match(/^\[([^\]]+)\]/);
      if (header) section = header[1];
      const pair = line.match(/^([a-z0-9_]+)\s*=\s*(.*)$/);
      if (!pair) continue;
      // Plain strings and each form of a plural table.
      const texts = [...pair[2].matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1]);
      found.set(`${section}.${pair[1]}`, texts);
    }
    return found;
  };
  const en = values('en.toml');
  const ja = values('ja.toml');
  const strings = new Set();
  for (const [key, texts] of en) {
    // Mail texts never show on a page; language names are meant to.
    if (key.startsWith('mail.') || key.startsWith('language.')) continue;
    for (const text of texts) {
      if ((ja.get(key) || []).includes(text)) continue;
      const pieces = text.replace(/\\n/g, '\n').replace(/\\"/g, '"').split(/\{[a-z_]+\}|\n/);
      const longest = pieces.map((p) => p.trim()).sort((a, b) => b.length - a.length)[0] || '';
      if (longest.length >= 12) strings.add(longest);
    }
  }
  return [...strings];
}

const ENGLISH = englishStrings();

/** Asserts that `page` is a Japanese page with no English catalog string. */
async function assertJapanese(page, what) {
  assert.equal(await page.getAttribute('html', 'lang'), 'ja', `${what}: <html lang>`);
  const text = await page.evaluate(() => document.body.innerText);
  const labels = await page.$$eval('[aria-label], [title], [placeholder], img[alt]', (nodes) => nodes
    .map((n) => [n.getAttribute('aria-label'), n.getAttribute('title'), n.getAttribute('placeholder'), n.getAttribute('alt')]
      .filter(Boolean).join(' ')).join(' '));
  const left = ENGLISH.filter((s) => text.includes(s) || labels.includes(s));
  assert.deepEqual(left, [], `${what}: English left on the page`);
}

// ---------------------------------------------------------------------------
// Mail from the outbox

/** Decodes RFC 2047 words (`=?UTF-8?B?…?=`, `=?UTF-8?Q?…?=`) in a header. */
function decodeHeader(value) {
  return value.replace(/=\?utf-8\?([bq])\?([^?]*)\?=\s*/gi, (_, kind, text) => (kind.toLowerCase() === 'b'
    ? Buffer.from(text, 'base64').toString('utf8')
    : Buffer.from(text.replace(/_/g, ' ').replace(/=([0-9A-F]{2})/gi, (m, h) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8')));
}

/** The body of one MIME entity, decoded by its transfer encoding. */
function decodeBody(headers, body) {
  const encoding = (headers['content-transfer-encoding'] || '').toLowerCase();
  if (encoding === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (encoding === 'quoted-printable') {
    const bytes = Buffer.from(body.replace(/=\r?\n/g, ''), 'latin1').toString('latin1')
      .replace(/=([0-9A-F]{2})/gi, (m, h) => String.fromCharCode(parseInt(h, 16)));
    return Buffer.from(bytes, 'latin1').toString('utf8');
  }
  return body;
}

/** Headers (lower-case names, unfolded) and body of a MIME entity. */
function entity(raw) {
  const split = raw.search(/\r?\n\r?\n/);
  const head = raw.slice(0, split).replace(/\r?\n[ \t]+/g, ' ');
  const headers = {};
  for (const line of head.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { headers, body: raw.slice(split).replace(/^\r?\n\r?\n/, '') };
}

/** Subject and plain text of an .eml file (its text/plain part if multipart). */
function readMail(raw) {
  const { headers, body } = entity(raw);
  const boundary = (headers['content-type'] || '').match(/boundary="?([^";]+)"?/);
  let text = decodeBody(headers, body);
  if (boundary) {
    const parts = body.split(`--${boundary[1]}`).map(entity);
    const plain = parts.find((p) => (p.headers['content-type'] || '').startsWith('text/plain'));
    text = plain ? decodeBody(plain.headers, plain.body) : '';
  }
  return { to: headers.to || '', subject: decodeHeader(headers.subject || ''), text };
}

/** Waits for a mail to `to` whose text matches `pattern` (a safety net, not a timing assertion). */
async function mailTo(to, pattern) {
  for (let attempt = 0; attempt < 1200; attempt += 1) {
    const outbox = fixture.outbox;
    const names = fs.existsSync(outbox) ? fs.readdirSync(outbox).filter((n) => n.endsWith('.eml')) : [];
    for (const name of names) {
      const mail = readMail(fs.readFileSync(path.join(outbox, name), 'utf8'));
      if (mail.to.includes(to) && pattern.test(mail.text)) return mail;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no mail to ${to} matching ${pattern}`);
}

/** Clicks what `selector` finds and waits for the page it leads to. */
async function follow(page, selector) {
  await Promise.all([page.waitForNavigation(), page.click(selector)]);
}

// ---------------------------------------------------------------------------

test('the catalogs give the check something to find', () => {
  // The check above would pass on any page if the list were empty.
  assert.ok(ENGLISH.length > 100, `${ENGLISH.length} English strings`);
  assert.ok(ENGLISH.includes('Wrong e-mail address or password.') || ENGLISH.some((s) => s.startsWith('Wrong e-mail')));
});

test('a Japanese customer registers, reads, replies, solves, asks and manages the account in Japanese', async () => {
  const { base, browser } = fixture;
  const context = await browser.newContext({ locale: 'ja-JP' });
  const page = await context.newPage();

  // From a Japanese article, the login area leads into the Japanese portal.
  await page.goto(`${base}/ja/portal/getting-started/registering/`);
  await page.waitForSelector('#login-area[data-session]');
  await follow(page, '#login-area a[href^="/login"]');
  assert.equal(new URL(page.url()).pathname, '/login');
  await assertJapanese(page, 'login');

  // Registering: the page and the mail are Japanese.
  await follow(page, 'main a[href="/register"]');
  await assertJapanese(page, 'register');
  await page.fill('#email', NEWCOMER);
  await follow(page, 'main button[type=submit]');
  await assertJapanese(page, 'register done');
  const mail = await mailTo(NEWCOMER, /\/verify\?token=/);
  assert.match(mail.subject, /メールアドレスの確認/);
  assert.match(mail.text, /24 時間以内/);
  assert.doesNotMatch(mail.text, /please confirm/);

  const link = new URL(mail.text.match(/https?:\/\/\S+\/verify\?token=[A-Za-z0-9_-]+/)[0]);
  await page.goto(`${base}${link.pathname}${link.search}`);
  await assertJapanese(page, 'verify');
  await page.fill('#password', PASSWORD);
  await page.fill('#password_confirm', 'べつのパスワードです456');
  await follow(page, 'main button[type=submit]');
  await assertJapanese(page, 'verify with mismatched passwords');
  assert.equal(await page.locator('#confirm-error').count(), 1);
  await page.fill('#password', PASSWORD);
  await page.fill('#password_confirm', PASSWORD);
  await follow(page, 'main button[type=submit]');
  await assertJapanese(page, 'verified');

  // My Tickets: the tickets mailed in before the account, statuses in Japanese.
  await page.goto(`${base}/my/tickets`);
  await assertJapanese(page, 'my tickets');
  const statuses = await page.$$eval('table.ticket-list span.status', (s) => s.map((n) => n.textContent.trim()));
  assert.ok(statuses.length >= 2, `statuses: ${statuses}`);
  for (const status of statuses) assert.match(status, /[\u3040-\u30ff\u4e00-\u9fff]/, `status ${status}`);
  await page.waitForSelector('time[data-local]');
  const when = await page.textContent('table.ticket-list time[data-local]');
  assert.match(when, /年|月|日|\d{4}\/\d{1,2}\/\d{1,2}/, `a Japanese date: ${when}`);

  // A reply to the pending ticket, then marking it solved.
  await follow(page, 'table.ticket-list a:has-text("discount")');
  await assertJapanese(page, 'ticket');
  await page.fill('#body', '年額プランの割引について、もう少し詳しく教えてください。');
  await follow(page, 'form[action$="/reply"] button[type=submit]');
  await assertJapanese(page, 'ticket after a reply');
  assert.match(await page.textContent('[role=status]'), /[\u3040-\u30ff]/);
  assert.match(await page.textContent('ol.messages'), /年額プラン/);
  await follow(page, 'form.form-solve button');
  await assertJapanese(page, 'ticket marked solved');

  // A new ticket, and its acknowledgement in Japanese.
  await page.goto(`${base}/my/tickets/new`);
  await assertJapanese(page, 'new ticket');
  await page.fill('#subject', '請求書の宛名を変えたい');
  await page.fill('#body', '会社名が変わりました。');
  await follow(page, 'main button[type=submit]');
  await assertJapanese(page, 'new ticket submitted');
  const ack = await mailTo(NEWCOMER, /受付番号/);
  assert.match(ack.subject, /請求書の宛名を変えたい/);
  assert.doesNotMatch(ack.text, /we received your request/);

  // The account page.
  await page.goto(`${base}/my/profile`);
  await assertJapanese(page, 'account');
  assert.equal(await page.textContent('h1'), 'アカウント');

  await context.close();
});
