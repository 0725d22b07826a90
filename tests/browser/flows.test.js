// The customer's whole journey through the portal in headless Chromium,
// against the real `docket sidecar --demo` on 127.0.0.1: registering an
// address that already has tickets (the demo's newcomer@example.com),
// confirming it with the link from the mail in the outbox, My Tickets with
// status badges and local dates, replying (which reopens a resolved ticket),
// submitting a new ticket with field errors first, the static pages' login
// area, signing out; then the UX checks: dates in the reader's locale,
// confirmations, empty states, pagination, a 360 px wide screen, and a
// second portal with `allow_new_tickets = false` that offers no new ticket
// anywhere.
//
// Run: `node --test tests/browser/` (needs target/debug/docket, Debian's
// chromium and `npm ci` for playwright-core; scripts/test does all that).
'use strict';

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');

const {
  tempDir, launchChromium, exampleSite, startPortal, signIn, DEMO_PASSWORD,
} = require('./support');

const NEWCOMER = 'newcomer@example.com';
const CUSTOMER = 'customer@example.com';
const AGENT = 'agent@example.com';
const NEW_PASSWORD = 'a long and fresh password';
const ARTICLE = '/portal/account/signing-in-and-out/';

let work;
let open;   // the example site as shipped (new tickets allowed)
let closed; // the same with allow_new_tickets = false
let browser;

before(async () => {
  work = tempDir('docket-flows-');
  fs.mkdirSync(path.join(work, 'open'));
  fs.mkdirSync(path.join(work, 'closed'));
  // The pagination test opens more tickets than one customer may per window.
  open = await startPortal(exampleSite(path.join(work, 'open'), { rate_limit_new_tickets: '100' }));
  closed = await startPortal(exampleSite(path.join(work, 'closed'), { allow_new_tickets: 'false' }));
  browser = await launchChromium();
});

after(async () => {
  if (browser) await browser.close();
  if (open) open.stop();
  if (closed) closed.stop();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------
// Mail from the outbox

/** Decodes a quoted-printable body (soft line breaks, `=XX` bytes) as UTF-8. */
function decodeQuotedPrintable(text) {
  const joined = text.replace(/=\r?\n/g, '');
  const bytes = [];
  for (let i = 0; i < joined.length; i += 1) {
    const hex = joined.slice(i + 1, i + 3);
    if (joined[i] === '=' && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(joined[i], 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** The headers (lower-case names, unfolded) and decoded body of an .eml file. */
function parseMail(raw) {
  const split = raw.search(/\r?\n\r?\n/);
  const head = raw.slice(0, split).replace(/\r?\n[ \t]+/g, ' ');
  const body = raw.slice(split).replace(/^\r?\n\r?\n/, '');
  const headers = {};
  for (const line of head.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const encoding = (headers['content-transfer-encoding'] || '').toLowerCase();
  let text = body;
  if (encoding === 'quoted-printable') text = decodeQuotedPrintable(body);
  else if (encoding === 'base64') text = Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  return { headers, body: text };
}

/**
 * The newest mail in `outbox` to `to` whose body matches `pattern`; waits
 * for the sidecar's mail queue to write it, and gives up after a generous
 * while (a safety net against a hung run, not a timing assertion).
 */
async function mailTo(outbox, to, pattern) {
  for (let attempt = 0; attempt < 1200; attempt += 1) {
    const names = fs.existsSync(outbox)
      ? fs.readdirSync(outbox).filter((n) => n.endsWith('.eml')).sort().reverse()
      : [];
    for (const name of names) {
      const mail = parseMail(fs.readFileSync(path.join(outbox, name), 'utf8'));
      if ((mail.headers.to || '').includes(to) && pattern.test(mail.body)) return mail;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no mail to ${to} matching ${pattern} in ${outbox}`);
}

// ---------------------------------------------------------------------------
// Page helpers

/** Clicks what `selector` finds and waits for the page it leads to. */
async function follow(page, selector) {
  await Promise.all([page.waitForNavigation(), page.click(selector)]);
}

/** The text of the `role="status"` notice on the page. */
async function statusNotice(page) {
  const notice = page.locator('[role=status]');
  await notice.first().waitFor();
  return (await notice.allTextContents()).join(' ');
}

/** Rows of `table.ticket-list`: subject, status badge text and time element. */
async function ticketRows(page) {
  return page.$$eval('table.ticket-list tbody tr', (rows) => rows.map((row) => {
    const time = row.querySelector('time[datetime]');
    return {
      subject: row.querySelector('a').textContent.trim(),
      status: row.querySelector('span.status') ? row.querySelector('span.status').textContent.trim() : null,
      datetime: time ? time.getAttribute('datetime') : null,
      title: time ? time.getAttribute('title') : null,
    };
  }));
}

/** Every `time[datetime]` once local-time.js has run: text, title, datetime. */
async function localTimes(page) {
  await page.waitForSelector('time[data-local]');
  return page.$$eval('time[datetime]', (nodes) => nodes.map((n) => ({
    text: n.textContent,
    title: n.getAttribute('title'),
    datetime: n.getAttribute('datetime'),
    local: n.hasAttribute('data-local'),
  })));
}

/**
 * Registers `email` on `portal` in a fresh context, opens the link mailed to
 * it, chooses the password on the verification page (which signs in), then
 * signs in again through the login form; returns the page (on My Tickets).
 */
async function registerAndVerify(portal, email, contextOptions = {}) {
  const context = await browser.newContext(contextOptions);
  const page = await context.newPage();
  await page.goto(`${portal.url}/register`);
  await page.fill('#email', email);
  await follow(page, 'main button[type=submit]');
  assert.equal(await page.textContent('h1'), 'Check your mail');
  assert.match(await statusNotice(page), new RegExp(`We sent a message to ${email}`));

  const mail = await mailTo(portal.outbox, email, /\/verify\?token=/);
  const link = mail.body.match(/https?:\/\/\S+\/verify\?token=[A-Za-z0-9_-]+/);
  assert.ok(link, `no verification link in:\n${mail.body}`);
  const target = new URL(link[0]);
  // Opening the link only shows the form; posting it confirms the address.
  const opened = await page.goto(`${portal.url}${target.pathname}${target.search}`);
  assert.equal(opened.headers()['referrer-policy'], 'strict-origin');
  // Two different passwords: the confirmation field says so.
  await page.fill('#password', NEW_PASSWORD);
  await page.fill('#password_confirm', 'another long password');
  await follow(page, 'main button[type=submit]');
  assert.match(await page.textContent('#confirm-error'), /The two passwords differ/);
  assert.equal(await page.getAttribute('#password_confirm', 'aria-describedby'), 'confirm-error');
  await page.fill('#password', NEW_PASSWORD);
  await page.fill('#password_confirm', NEW_PASSWORD);
  await follow(page, 'main button[type=submit]');
  assert.match(await statusNotice(page), /Your address is confirmed and you are signed in/);
  await follow(page, 'main a.button:has-text("My Tickets")');
  assert.equal(new URL(page.url()).pathname, '/my/tickets');

  // The chosen password signs in; a wrong one keeps the address and marks
  // both fields.
  await context.clearCookies();
  await page.goto(`${portal.url}/login?next=%2Fmy%2Ftickets`);
  await page.fill('#email', email);
  await page.fill('#password', 'not the password');
  await follow(page, 'main button[type=submit]');
  assert.match(await page.textContent('#login-error'), /Wrong e-mail address or password/);
  assert.equal(await page.inputValue('#email'), email);
  assert.equal(await page.getAttribute('#password', 'aria-describedby'), 'login-error');
  await page.fill('#password', NEW_PASSWORD);
  await follow(page, 'main button[type=submit]');
  assert.equal(new URL(page.url()).pathname, '/my/tickets');
  return page;
}

// ---------------------------------------------------------------------------
// The customer's journey

test('a newcomer registers, confirms from the mail, sees earlier tickets, reopens one and submits a new one', async () => {
  const page = await registerAndVerify(open, NEWCOMER);
  await page.waitForSelector(`#login-area :text("${NEWCOMER}")`);

  // The tickets mailed in before the account existed, with badges and dates.
  const rows = await ticketRows(page);
  assert.deepEqual(rows.map((r) => [r.subject, r.status]).sort(), [
    ['Delivery address on order 5531 is outdated', 'Resolved'],
    ['Is there a discount for yearly billing?', 'Pending'],
  ]);
  for (const row of rows) {
    assert.ok(!Number.isNaN(Date.parse(row.datetime)), `no date on ${row.subject}`);
    assert.ok(row.title, `no exact time on hover for ${row.subject}`);
  }
  assert.doesNotMatch(await page.textContent('main'), /Invoice for March/, 'another customer\'s ticket');

  // Reply to the resolved ticket: it reopens.
  await follow(page, 'table.ticket-list a:has-text("Delivery address")');
  assert.equal(await page.textContent('.ticket-meta .status'), 'Resolved');
  assert.equal(await page.locator('.ticket-meta time[title]').count(), 2);
  const log = await page.textContent('ol.messages');
  assert.match(log, /Hafenweg 12/);
  assert.doesNotMatch(log, /confirmed by phone/, 'an internal note reached the customer');
  await page.fill('#body', 'The parcel went to the old address again.');
  await follow(page, 'form button[type=submit]:has-text("Send reply")');
  assert.match(await statusNotice(page), /reply was sent and the ticket was reopened/);
  assert.equal(await page.textContent('.ticket-meta .status'), 'Open');
  assert.match(await page.textContent('ol.messages'), /went to the old address again/);

  // A new ticket: errors beside the fields, the text kept.
  await follow(page, 'nav.breadcrumbs a:has-text("My Tickets")');
  await follow(page, 'main a:has-text("Submit a new ticket")');
  const BODY = 'Could you send invoices to accounts@newcomer.example as well?';
  await page.fill('#subject', '   ');
  await page.fill('#body', BODY);
  await follow(page, 'main button[type=submit]');
  assert.equal(await page.textContent('.field:has(#subject) .field-error'), 'Give your request a subject.');
  assert.equal(await page.getAttribute('#subject', 'aria-invalid'), 'true');
  assert.equal(await page.getAttribute('#subject', 'aria-describedby'), 'subject-error');
  assert.equal(await page.inputValue('#body'), BODY);
  assert.equal(await page.locator('.field:has(#body) .field-error').count(), 0);

  await page.$eval('#subject', (input) => input.removeAttribute('maxlength'));
  await page.fill('#subject', 'x'.repeat(201));
  await follow(page, 'main button[type=submit]');
  assert.equal(await page.textContent('.field:has(#subject) .field-error'), 'Use a shorter subject on one line.');
  assert.equal(await page.inputValue('#body'), BODY);

  await page.fill('#subject', 'Second address for invoices');
  await follow(page, 'main button[type=submit]');
  assert.match(await statusNotice(page), /Your ticket was submitted/);
  assert.equal(await page.textContent('h1'), 'Second address for invoices');
  assert.equal(await page.textContent('.ticket-meta .status'), 'New');

  await follow(page, 'nav.breadcrumbs a:has-text("My Tickets")');
  const after = await ticketRows(page);
  assert.deepEqual(after.find((r) => r.subject === 'Second address for invoices').status, 'New');
  assert.equal(after.find((r) => r.subject.startsWith('Delivery address')).status, 'Open');

  // A filter with nothing in it explains itself and offers the way back.
  await page.selectOption('#status', 'closed');
  await follow(page, 'form.form-filter button[type=submit]');
  assert.match(await page.textContent('.empty-state'), /None of your tickets matches this status/);
  await follow(page, '.empty-state a[href="/my/tickets"]');
  assert.equal((await ticketRows(page)).length, 3);

  // Signing out says so, on the help center's front page.
  await follow(page, '#login-area button:has-text("Log out")');
  assert.equal(new URL(page.url()).pathname, '/');
  assert.match(await statusNotice(page), /You are signed out/);
  await page.waitForSelector('#login-area[data-session=anonymous] a:has-text("Log in")');
  // The login link carries the page's language to the portal.
  assert.equal(await page.getAttribute('#login-area a:has-text("Log in")', 'href'), '/login?lang=en&next=%2F');
  assert.equal(await page.getAttribute('#login-area a.contact-link', 'href'), '/contact');
  await page.context().close();
});

test('an account without tickets gets a friendly empty state with a way to start', async () => {
  const page = await registerAndVerify(open, 'fresh@example.com');
  const empty = await page.textContent('.empty-state');
  assert.match(empty, /You have no tickets yet/);
  assert.equal(await page.locator('.empty-state a[href="/my/tickets/new"]').count(), 1);
  await page.context().close();
});

test('a static article page shows the signed-in address, My Tickets and New ticket', async () => {
  const page = await signIn(browser, open.url, CUSTOMER);
  const resp = await page.goto(`${open.url}${ARTICLE}`);
  assert.equal(resp.status(), 200);
  assert.ok(await page.locator('article.article').count() > 0, 'not an article page');
  await page.waitForSelector('#login-area[data-session=customer]');
  assert.equal(await page.textContent('#login-area .session-email'), CUSTOMER);
  assert.equal(await page.textContent('#login-area a[href="/my/tickets?lang=en"]'), 'My Tickets');
  assert.equal(await page.textContent('#login-area a[href="/my/tickets/new?lang=en"]'), 'New ticket');
  assert.equal(await page.locator('#login-area form.logout-form input[name=csrf]').count(), 1);
  await page.context().close();
});

// ---------------------------------------------------------------------------
// Dates, confirmations, narrow screens

test('dates follow the reader\'s locale and time zone, with the exact time on hover', async () => {
  // A British reader of the English portal: British day-month order.
  const options = { locale: 'en-GB', timezoneId: 'Asia/Tokyo' };
  const customer = await signIn(browser, open.url, CUSTOMER, DEMO_PASSWORD, options);
  const agent = await signIn(browser, open.url, AGENT, DEMO_PASSWORD, options);
  await follow(customer, 'table.ticket-list a:has-text("Invoice for March")');
  // The inbox opens on unsolved tickets; the closed one is under "all".
  await agent.goto(`${open.url}/agent/tickets?status=all`);
  await follow(agent, 'table.ticket-list a:has-text("Cancel the trial")');

  for (const page of [customer, agent]) {
    const ticket = page.url();
    for (const where of [ticket, ticket.replace(/\/[^/]+$/, '')]) {
      await page.goto(where);
      const times = await localTimes(page);
      assert.ok(times.length > 0, `no dates on ${where}`);
      for (const t of times) {
        assert.ok(t.local, `${where}: ${t.datetime} not localized`);
        // British short form, e.g. "28 Nov 2026, 09:15", in Tokyo time (UTC+9).
        const m = t.text.match(/^(\d{1,2}) (\w{3,4}) (\d{4}),? (\d{2}):(\d{2})$/);
        assert.ok(m, `${where}: "${t.text}" is not a British date`);
        const utc = new Date(t.datetime);
        const tokyo = new Date(utc.getTime() + 9 * 3600 * 1000);
        assert.equal(Number(m[4]), tokyo.getUTCHours(), `${where}: hour of ${t.datetime}`);
        assert.equal(Number(m[1]), tokyo.getUTCDate(), `${where}: day of ${t.datetime}`);
        // The title is the full date with seconds, in English.
        assert.match(t.title, /(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday),? \d{1,2} \S+ \d{4}/);
        assert.match(t.title, /\d{2}:\d{2}:\d{2}/);
      }
    }
  }
  await customer.context().close();
  await agent.context().close();
});

test('agents get a confirmation for a status change, and the inbox explains an empty filter', async () => {
  const agent = await signIn(browser, open.url, AGENT);
  await follow(agent, 'table.ticket-list a:has-text("How do I add a second administrator?")');
  await agent.selectOption('select#status', 'resolved');
  await follow(agent, 'form button[type=submit]:has-text("Change status")');
  assert.match(await statusNotice(agent), /status was changed/);
  assert.equal(await agent.textContent('.ticket-meta .status'), 'Resolved');
  assert.match(await agent.textContent('ul.ticket-events'), /Pending → Resolved/);
  // Statuses in the history are badges too.
  const last = agent.locator('ul.ticket-events li').last();
  assert.deepEqual(await last.locator('span.status').evaluateAll((spans) => spans.map((s) => s.className)),
    ['status status-pending', 'status status-resolved']);
  assert.equal(await last.locator('time[datetime]').count(), 1);

  // An empty reply is refused beside the field; the note box stays ticked.
  await agent.check('input[name=internal_note]');
  await agent.fill('#body', '   ');
  await follow(agent, 'form button[type=submit]:has-text("Send")');
  assert.equal(await agent.textContent('.field:has(#body) .field-error'), 'Write a message first.');
  assert.ok(await agent.isChecked('input[name=internal_note]'));

  await agent.goto(`${open.url}/agent/tickets?q=no-such-ticket-anywhere`);
  assert.match(await agent.textContent('.empty-state'), /No tickets match this filter/);
  await follow(agent, '.empty-state a[href="/agent/tickets"]');
  assert.ok((await ticketRows(agent)).length > 0);
  await agent.context().close();
});

test('portal pages fit a 360 px wide screen without horizontal scrolling', async () => {
  const narrow = { viewport: { width: 360, height: 740 } };
  const fits = async (page, label) => {
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 360, `${label} is ${width}px wide`);
  };
  const anonymous = await (await browser.newContext(narrow)).newPage();
  await anonymous.goto(`${open.url}/login`);
  await fits(anonymous, 'the login page');

  const customer = await signIn(browser, open.url, CUSTOMER, DEMO_PASSWORD, narrow);
  await customer.waitForSelector('#login-area[data-session=customer]');
  await fits(customer, 'My Tickets');
  await follow(customer, 'table.ticket-list a:has-text("Invoice for March")');
  await fits(customer, 'a customer\'s ticket');

  const agent = await signIn(browser, open.url, AGENT, DEMO_PASSWORD, narrow);
  await agent.waitForSelector('#login-area[data-session=agent]');
  await fits(agent, 'the inbox');
  await agent.goto(`${open.url}/agent/tickets?status=all`);
  await fits(agent, 'the inbox with every ticket');
  await follow(agent, 'table.ticket-list a:has-text("Invoice for March")');
  await fits(agent, 'an agent\'s ticket');
  for (const page of [anonymous, customer, agent]) await page.context().close();
});

// ---------------------------------------------------------------------------
// allow_new_tickets = false

test('with allow_new_tickets = false no page offers a new ticket and the form is 404', async () => {
  const NEW_TICKET = /submit (a |your first )?new ticket|new ticket|first ticket/i;
  const noOffer = async (page, label) => {
    assert.equal(await page.locator('a[href^="/my/tickets/new"]').count(), 0, `${label} links to a new ticket`);
    assert.doesNotMatch(await page.textContent('body'), NEW_TICKET, `${label} offers a new ticket`);
  };

  const customer = await signIn(browser, closed.url, CUSTOMER);
  await customer.waitForSelector('#login-area[data-session=customer]');
  await noOffer(customer, 'My Tickets');
  await follow(customer, 'table.ticket-list a:has-text("Invoice for March")');
  await customer.waitForSelector('#login-area[data-session=customer]');
  await noOffer(customer, 'the ticket page');
  await customer.goto(`${closed.url}${ARTICLE}`);
  await customer.waitForSelector('#login-area[data-session=customer]');
  await noOffer(customer, 'a static page');
  const resp = await customer.goto(`${closed.url}/my/tickets/new`);
  assert.equal(resp.status(), 404);

  // The empty states too, for a new account without tickets.
  const fresh = await registerAndVerify(closed, 'fresh@example.com');
  assert.match(await fresh.textContent('.empty-state'), /You have no tickets yet/);
  await fresh.waitForSelector('#login-area[data-session=customer]');
  await noOffer(fresh, 'the empty My Tickets');
  for (const page of [customer, fresh]) await page.context().close();
});

// ---------------------------------------------------------------------------
// Pagination (last: it adds many tickets to the open portal)

test('My Tickets and the inbox page through long lists', async () => {
  const customer = await signIn(browser, open.url, CUSTOMER);
  const csrf = await customer.getAttribute('form.logout-form input[name=csrf]', 'value');
  const before = (await ticketRows(customer)).length;
  const extra = 26 - before;
  for (let i = 1; i <= extra; i += 1) {
    const resp = await customer.request.post(`${open.url}/my/tickets`, {
      form: { csrf, subject: `Bulk question ${i}`, body: `Question number ${i}.` },
      headers: { origin: open.url },
      maxRedirects: 0,
    });
    assert.equal(resp.status(), 303, `ticket ${i}`);
  }

  const pageThrough = async (page, start) => {
    await page.goto(start);
    const seen = [];
    for (;;) {
      seen.push(...(await ticketRows(page)).map((r) => r.subject));
      const next = page.locator('nav.pagination a[rel=next]');
      if (await next.count() === 0) break;
      await follow(page, 'nav.pagination a[rel=next]');
      assert.equal(await page.locator('nav.pagination a[rel=prev]').count(), 1);
    }
    return seen;
  };

  const mine = await pageThrough(customer, `${open.url}/my/tickets`);
  assert.equal(mine.length, 26);
  assert.equal(new Set(mine).size, 26, 'a ticket on two pages');
  assert.match(await customer.textContent('nav.pagination'), /Page 2 of 2/);

  const agent = await signIn(browser, open.url, AGENT);
  const all = await pageThrough(agent, `${open.url}/agent/tickets?status=all`);
  assert.ok(all.length > 26, `the inbox lists ${all.length}`);
  assert.ok(all.includes('Bulk question 1') && all.includes('Invoice for March shows the wrong VAT number'));
  for (const page of [customer, agent]) await page.context().close();
});
