// Self-service in headless Chromium against the real `docket sidecar
// --demo` serving the example site: the "Was this article helpful?" widget
// in English and Japanese (vote, comment, "Contact support" pre-filled),
// suggested articles while typing on the contact and new-ticket forms
// (English and Japanese, from the static search index), the anonymous
// contact flow through the mailed link, and the figures agents then see in
// /agent/reports. Last, the static page with no sidecar at all: no widget,
// no error.
//
// Run: `node --test tests/browser/` (needs target/debug/docket, Debian's
// chromium, fonts-noto-cjk and `npm ci`; scripts/test does all that).
'use strict';

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');

const {
  signIn, openPortal, buildSite, serve, launchChromium, exampleSite, tempDir,
} = require('./support');

let fixture;

before(async () => {
  fixture = await openPortal('docket-selfservice-');
});

after(async () => {
  if (fixture) await fixture.close();
});

/** A page in a fresh context, with page errors collected in `page.errors`. */
async function freshPage(browser) {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.errors = [];
  page.on('pageerror', (err) => page.errors.push(err));
  return page;
}

/** The newest mail in the outbox that contains `needle`, quoted-printable decoded. */
async function waitForMail(needle) {
  for (let i = 0; i < 200; i++) {
    if (fs.existsSync(fixture.outbox)) {
      const texts = fs.readdirSync(fixture.outbox).filter((f) => f.endsWith('.eml')).sort()
        .map((f) => fs.readFileSync(path.join(fixture.outbox, f), 'utf8')
          .replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, h) => String.fromCharCode(parseInt(h, 16))));
      const found = texts.reverse().find((t) => t.includes(needle));
      if (found) return found;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no mail containing ${needle}`);
}

test('an English article asks "Was this article helpful?", takes a No with a comment and offers contact', async () => {
  const page = await freshPage(fixture.browser);
  await page.goto(`${fixture.base}/portal/my-tickets/replying/`);
  const widget = page.locator('section.feedback');
  await widget.waitFor({ state: 'visible' });
  assert.equal(await page.textContent('#feedback-title'), 'Was this article helpful?');
  await page.click('section.feedback button[value=no]');
  await page.waitForSelector('.feedback-comment:not([hidden])');
  assert.match(await page.textContent('.feedback-status'), /Sorry this did not help/);
  await page.fill('#feedback-text', 'Does replying by mail work too?');
  await page.click('.feedback-comment button[type=submit]');
  await page.waitForSelector('.feedback-status:has-text("your comment was sent")');

  // "Still need help?" opens the contact form about this article.
  const contact = page.locator('.feedback-contact a');
  assert.equal(await contact.isVisible(), true);
  // The pre-filled subject shows suggestions at once, and that is counted:
  // wait for the count, so the report's figures below do not depend on
  // how fast this page is left.
  const shownCounted = page.waitForResponse((r) => r.url().endsWith('/api/suggestions'));
  await Promise.all([page.waitForNavigation(), contact.click()]);
  assert.equal(new URL(page.url()).pathname, '/contact');
  assert.equal(await page.inputValue('#subject'), 'Replying to a ticket and reopening it');
  assert.match(await page.inputValue('#body'), /portal\/my-tickets\/replying\//);
  await shownCounted;

  // A second vote today from this visitor is refused politely.
  await page.goto(`${fixture.base}/portal/my-tickets/replying/`);
  await widget.waitFor({ state: 'visible' });
  await page.click('section.feedback button[value=yes]');
  await page.waitForSelector('.feedback-status:has-text("already voted")');
  assert.deepEqual(page.errors, []);
});

test('a Japanese article asks in Japanese and records a Yes', async () => {
  const page = await freshPage(fixture.browser);
  await page.goto(`${fixture.base}/portal/my-tickets/replying/`);
  await Promise.all([page.waitForNavigation(), page.click('.lang-switcher a[hreflang=ja]')]);
  await page.locator('section.feedback').waitFor({ state: 'visible' });
  assert.equal(await page.textContent('#feedback-title'), 'この記事は役に立ちましたか？');
  await page.click('section.feedback button[value=yes]');
  await page.waitForSelector('.feedback-status:has-text("ご意見ありがとうございました")');
  assert.equal(await page.locator('.feedback-contact').isVisible(), false);
});

test('the contact form suggests articles while typing, and a visitor confirms by the mailed link', async () => {
  const page = await freshPage(fixture.browser);
  await page.goto(`${fixture.base}/contact`);
  await page.fill('#name', 'Vera Visitor');
  await page.fill('#email', 'vera@example.com');
  await page.type('#subject', 'reopen a resolved ticket', { delay: 20 });
  const first = page.locator('.suggestions:not([hidden]) .suggestion-list li a').first();
  await first.waitFor();
  const titles = await page.locator('.suggestion-list li a').allTextContents();
  assert.ok(titles.length >= 1 && titles.length <= 5, titles.join(' | '));
  assert.ok(titles.includes('Replying to a ticket and reopening it'), titles.join(' | '));
  // Opened in a new tab, so what was typed stays.
  const [tab] = await Promise.all([page.context().waitForEvent('page'), first.click()]);
  await tab.waitForLoadState();
  assert.match(await tab.textContent('h1'), /./);
  await tab.close();
  await page.fill('#body', 'I replied but nothing changed.');
  await Promise.all([page.waitForNavigation(), page.click('main form button[type=submit]')]);
  assert.match(await page.textContent('main'), /Check your mailbox/);

  const mail = await waitForMail('vera@example.com');
  const link = mail.match(/https?:\/\/\S+?(\/contact\/confirm\/[0-9a-f]{64})/)[1];
  await page.goto(fixture.base + link);
  await Promise.all([page.waitForNavigation(), page.click('main button:has-text("Confirm and send")')]);
  assert.match(new URL(page.url()).pathname, /^\/t\//);
  assert.match(await page.textContent('main'), /Your ticket was submitted/);
  assert.match(await page.textContent('main'), /I replied but nothing changed\./);
  assert.deepEqual(page.errors, []);
});

test('a customer typing in Japanese gets Japanese articles suggested on the new-ticket form', async () => {
  const page = await signIn(fixture.browser, fixture.base, 'customer@example.com');
  await page.goto(`${fixture.base}/my/tickets/new`);
  await page.type('#subject', 'パスワード', { delay: 30 });
  const links = page.locator('.suggestions:not([hidden]) .suggestion-list li a');
  await links.first().waitFor();
  const hrefs = await links.evaluateAll((as) => as.map((a) => new URL(a.href).pathname));
  assert.ok(hrefs.length >= 1 && hrefs.length <= 5);
  assert.ok(hrefs.every((h) => h.startsWith('/ja/')), hrefs.join(' '));
  assert.ok((await links.allTextContents()).some((t) => t.includes('パスワード')));
});

test('a search that finds nothing is counted, and agents see every figure in the report', async () => {
  const page = await freshPage(fixture.browser);
  await page.goto(`${fixture.base}/search/?q=${encodeURIComponent('quantum teleport')}`);
  await page.waitForSelector('.search-results .search-empty');
  const agent = await signIn(fixture.browser, fixture.base, 'agent@example.com');
  let text = '';
  for (let i = 0; i < 50; i++) {
    await agent.goto(`${fixture.base}/agent/reports`);
    text = await agent.textContent('main');
    if (text.includes('quantum teleport')) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.match(text, /quantum teleport/);
  const row = async (table, needle) => (await agent.locator(`table.${table} tr`, { hasText: needle }).first().innerText())
    .split('\t').map((c) => c.trim());
  const en = await row('report-articles', '/portal/my-tickets/replying/');
  assert.deepEqual(en.slice(1, 5), ['en', '0', '1', '0%']);
  assert.match(en[5], /Does replying by mail work too\?/);
  const ja = await row('report-articles', '/ja/');
  assert.deepEqual(ja.slice(1, 5), ['ja', '1', '0', '100%']);
  // Shown twice (the form pre-filled from the article, then typed in),
  // opened and sent once.
  assert.deepEqual((await row('report-deflection', 'contact')).slice(1), ['2', '1', '1', '0']);
  assert.deepEqual((await row('report-deflection', 'new_ticket')).slice(1, 3), ['1', '0']);
});

test('with no sidecar the static article shows no widget and no error', async () => {
  const work = tempDir('docket-static-');
  const built = buildSite(exampleSite(work), { copy: false });
  const site = await serve(built.public);
  const browser = await launchChromium();
  try {
    const page = await freshPage(browser);
    await page.goto(`${site.url}/portal/my-tickets/replying/`);
    await page.waitForLoadState('load');
    await page.waitForFunction(() => performance.getEntriesByType('resource')
      .some((e) => e.name.includes('/api/feedback/token')));
    await page.waitForTimeout(200);
    assert.equal(await page.locator('section.feedback').count(), 1);
    assert.equal(await page.locator('section.feedback').isHidden(), true);
    assert.ok(await page.textContent('article h1'));
    assert.deepEqual(page.errors, []);
  } finally {
    await browser.close();
    await site.close();
    fs.rmSync(built.work, { recursive: true, force: true });
    fs.rmSync(work, { recursive: true, force: true });
  }
});
