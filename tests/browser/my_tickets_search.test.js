// Searching, sorting and paging My Tickets in headless Chromium, against the
// real `docket sidecar --demo` serving the example site: words found in a
// message (not only the subject), internal notes never searched, the empty
// state of a search, the sort order, and a page past the last one.
//
// Run: `node --test tests/browser/` (needs target/debug/docket, Debian's
// chromium and `npm ci` for playwright-core; scripts/test does all that).
'use strict';

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');

const { signIn, openPortal } = require('./support');

const CUSTOMER = 'customer@example.com';

let fixture;

before(async () => {
  fixture = await openPortal('docket-search-tickets-');
});

after(async () => {
  if (fixture) await fixture.close();
});

/** The subjects of the list's rows, in order. */
async function subjects(page) {
  return page.locator('table.ticket-list tbody tr td:nth-child(2) a').allTextContents();
}

/** Submits the list's search form and waits for the answer. */
async function search(page) {
  await Promise.all([page.waitForNavigation(), page.click('form.form-filter button[type=submit]')]);
}

test('a customer finds a ticket by a word in its messages, sorts the list and is told when a page is past the end', async () => {
  const page = await signIn(fixture.browser, fixture.base, CUSTOMER);
  assert.equal(new URL(page.url()).pathname, '/my/tickets');
  const all = await subjects(page);
  assert.equal(all.length, 5, all.join(', '));

  // A VAT number that only the messages contain.
  await page.fill('#q', 'de987654321');
  await search(page);
  assert.deepEqual(await subjects(page), ['Invoice for March shows the wrong VAT number']);
  assert.equal(await page.inputValue('#q'), 'de987654321');
  assert.equal(new URL(page.url()).searchParams.get('q'), 'de987654321');

  // Words of an internal note find nothing, and the page says so.
  await page.fill('#q', 'platform team');
  await search(page);
  assert.deepEqual(await subjects(page), []);
  assert.match(await page.textContent('.empty-state'), /None of your tickets matches “platform team”/);
  await Promise.all([page.waitForNavigation(), page.click('.empty-state a:has-text("Show all your tickets")')]);
  assert.equal((await subjects(page)).length, 5);

  // By status: the new ticket first, the closed one last.
  await page.selectOption('#sort', 'status');
  await search(page);
  const byStatus = await subjects(page);
  assert.equal(byStatus[0], 'Password reset mail never arrives');
  assert.equal(byStatus[byStatus.length - 1], 'Cancel the trial of our second workspace');
  assert.equal(await page.inputValue('#sort'), 'status');

  // A page past the end is not "no tickets yet".
  await page.goto(`${fixture.base}/my/tickets?page=9`);
  const empty = await page.textContent('.empty-state');
  assert.match(empty, /There is no page 9: this list has 1 page\./);
  assert.doesNotMatch(empty, /no tickets yet/);
  await Promise.all([page.waitForNavigation(), page.click('.empty-state a:has-text("Go to the last page")')]);
  assert.equal((await subjects(page)).length, 5);
  await page.context().close();
});
