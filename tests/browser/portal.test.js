// The portal's main flows in headless Chromium, against the real
// `docket sidecar --demo` on 127.0.0.1 serving the example site: a customer
// signs in, reads a resolved ticket, replies and so reopens it; an agent
// finds the reply in the inbox, answers with an internal note and a public
// reply; the customer sees the public reply and never the note.
//
// Run: `node --test tests/browser/` (needs target/debug/docket, Debian's
// chromium and `npm ci` for playwright-core; scripts/test does all that).
'use strict';

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { spawn, execFileSync } = require('node:child_process');

const { REPO, tempDir, launchChromium } = require('./support');

const BIN = process.env.DOCKET_BIN || path.join(REPO, 'target', 'debug', 'docket');
const PASSWORD = 'demo password';

let work;
let sidecar;
let base;
let browser;

/** Copies the example site into a temporary folder listening on port 0. */
function exampleSite() {
  const site = path.join(work, 'site');
  for (const part of ['content', 'themes', 'static', 'docket.toml']) {
    const from = path.join(REPO, part);
    if (fs.existsSync(from)) fs.cpSync(from, path.join(site, part), { recursive: true });
  }
  const config = path.join(site, 'docket.toml');
  const text = fs.readFileSync(config, 'utf8').replace(/^listen\s*=.*$/m, 'listen = "127.0.0.1:0"');
  assert.match(text, /listen = "127\.0\.0\.1:0"/, 'docket.toml has no [sidecar] listen key to point at port 0');
  fs.writeFileSync(config, text);
  return site;
}

/** Starts `docket sidecar --demo` and resolves with its base URL. */
function startSidecar(site) {
  sidecar = spawn(BIN, ['sidecar', '--demo', '--site', site], { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
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
    sidecar.stdout.on('data', look);
    sidecar.stderr.on('data', look);
    sidecar.on('exit', (code) => reject(new Error(`sidecar exited with ${code}:\n${seen}`)));
  });
}

before(async () => {
  work = tempDir('docket-portal-');
  const site = exampleSite();
  execFileSync(BIN, ['build', '--site', site], { stdio: 'pipe' });
  base = await startSidecar(site);
  browser = await launchChromium();
});

after(async () => {
  if (browser) await browser.close();
  if (sidecar) sidecar.kill('SIGTERM');
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

/** A fresh browser context signed in as `email`. */
async function signIn(email) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${base}/login`);
  await page.fill('#email', email);
  await page.fill('#password', PASSWORD);
  await Promise.all([page.waitForNavigation(), page.click('main button[type=submit]')]);
  return page;
}

/** Opens the ticket whose subject contains `subject` from the list on the page. */
async function openTicket(page, subject) {
  await Promise.all([page.waitForNavigation(), page.click(`table.ticket-list a:has-text("${subject}")`)]);
}

const SUBJECT = 'Invoice for March';
const REPLY = 'The VAT number is still wrong on the corrected invoice.';
const NOTE = 'Checked billing: corrected invoice was generated from the old profile.';
const ANSWER = 'Sorry about that: a new invoice with the right VAT number is on its way.';

test('a customer reopens a resolved ticket, and an agent answers with a note and a reply', async () => {
  const customer = await signIn('customer@example.com');
  assert.equal(new URL(customer.url()).pathname, '/my/tickets');
  // The header's login area, filled by session.js from /api/session.
  await customer.waitForSelector('#login-area :text("customer@example.com")');

  await openTicket(customer, SUBJECT);
  assert.equal(await customer.textContent('.ticket-meta .status'), 'Resolved');
  await customer.fill('#body', REPLY);
  await Promise.all([customer.waitForNavigation(), customer.click('form button[type=submit]:has-text("Send")')]);
  assert.match(await customer.textContent('main'), /reopened/);
  assert.equal(await customer.textContent('.ticket-meta .status'), 'Open');
  const ticketUrl = customer.url();

  const agent = await signIn('agent@example.com');
  assert.equal(new URL(agent.url()).pathname, '/agent/tickets');
  await openTicket(agent, SUBJECT);
  assert.match(await agent.textContent('ol.messages'), new RegExp(REPLY));

  await agent.fill('#body', NOTE);
  await agent.check('input[name=internal_note]');
  await Promise.all([agent.waitForNavigation(), agent.click('form button[type=submit]:has-text("Send")')]);
  assert.equal(await agent.locator('li.message-note', { hasText: NOTE }).count(), 1);

  await agent.fill('#body', ANSWER);
  await Promise.all([agent.waitForNavigation(), agent.click('form button[type=submit]:has-text("Send")')]);

  await customer.goto(ticketUrl);
  const log = await customer.textContent('ol.messages');
  assert.match(log, new RegExp(ANSWER));
  assert.doesNotMatch(log, /corrected invoice was generated/, 'the internal note reached the customer');
  assert.equal(await customer.locator('li.message-note').count(), 0);
});

test('a signed-out visitor is sent to log in for the internal bundle, a customer is refused', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${base}/internal/`);
  assert.equal(new URL(page.url()).pathname, '/login');
  const customer = await signIn('customer@example.com');
  const resp = await customer.goto(`${base}/internal/`);
  assert.equal(resp.status(), 403);
  const agent = await signIn('agent@example.com');
  await agent.goto(`${base}/internal/`);
  assert.ok(await agent.locator('.badge-internal').count() > 0, 'the agent sees internal articles');
});
