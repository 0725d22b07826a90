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

const {
  signIn: signInAt, openPortal,
} = require('./support');

let fixture;
let base;
let browser;

before(async () => {
  fixture = await openPortal('docket-portal-');
  ({ base, browser } = fixture);
});

after(async () => {
  if (fixture) await fixture.close();
});

/** A fresh browser context signed in as `email`. */
function signIn(email) {
  return signInAt(browser, base, email);
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
  assert.equal(await agent.textContent('[role=status]'), 'Your internal note was saved.');

  await agent.fill('#body', ANSWER);
  await Promise.all([agent.waitForNavigation(), agent.click('form button[type=submit]:has-text("Send")')]);
  assert.equal(await agent.textContent('[role=status]'), 'Your reply was sent to the customer.');

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

  // An internal article reads as one: badged, with its internal-only text.
  await agent.goto(`${base}/internal/agents/policies/refunds/`);
  assert.equal(await agent.textContent('article.article > h1 + .badge.badge-internal'), 'internal');
  assert.match(await agent.textContent('article.article'), /CANARY-INTERNAL-REFUND-K4PW1/);
  // ... and never in the public bundle, even for a signed-in agent.
  const outside = await agent.goto(`${base}/agents/policies/refunds/`);
  assert.equal(outside.status(), 404);
});
