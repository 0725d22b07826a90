// The agent's tools of issue 17 in headless Chromium, against the real
// `docket sidecar --demo`: a canned reply written at /agent/canned is
// inserted with JavaScript at the cursor of the reply box, its placeholders
// filled and without a reload; "Assign to me" puts the ticket in the
// agent's "Mine" view.
//
// Run: `node --test tests/browser/agent_tools.test.js` after `cargo build`.
'use strict';

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');

const { signIn, openPortal } = require('./support');

let fixture;

before(async () => {
  fixture = await openPortal('docket-agent-tools-');
});

after(async () => {
  if (fixture) await fixture.close();
});

/** Clicks `selector` and waits for the page it leads to. */
async function follow(page, selector) {
  await Promise.all([page.waitForNavigation(), page.click(selector)]);
}

test('a canned reply is inserted at the cursor without a reload, and Assign to me fills Mine', async () => {
  const agent = await signIn(fixture.browser, fixture.base, 'agent@example.com');
  await agent.goto(`${fixture.base}/agent/canned`);
  await agent.fill('#title', 'Greeting');
  await agent.fill('#body', 'Hello {customer_email}, about #{ticket_number}:');
  await follow(agent, 'form.canned-form button[type=submit]');
  assert.match(await agent.textContent('[role=status]'), /canned reply was saved/);

  await agent.goto(`${fixture.base}/agent/tickets`);
  await follow(agent, 'table.ticket-list tbody tr:first-child a');
  const ticketUrl = agent.url();
  const number = (await agent.textContent('.ticket-meta .ticket-number')).trim().replace('#', '');
  const requester = await agent.evaluate(() => document.querySelector('.ticket-meta').textContent);
  assert.match(requester, /customer@example\.com/);

  // The cursor between two lines the agent typed.
  await agent.fill('#body', 'First line.\nLast line.');
  await agent.evaluate(() => {
    const box = document.querySelector('#body');
    box.focus();
    box.setSelectionRange(12, 12);
    window.notReloaded = true;
  });
  await agent.selectOption('select#canned', { label: 'Greeting' });
  await agent.click('button[data-canned-insert]');
  assert.equal(
    await agent.inputValue('#body'),
    `First line.\nHello customer@example.com, about #${number}:Last line.`,
  );
  assert.equal(await agent.evaluate(() => window.notReloaded), true, 'the page was not reloaded');
  assert.equal(agent.url(), ticketUrl);

  // Assign to me: the ticket shows up under Mine with me as assignee.
  await follow(agent, 'form.form-assign-me button[type=submit]');
  assert.match(await agent.textContent('[role=status]'), /assignment was changed/);
  assert.match(await agent.textContent('.ticket-assignee'), /agent@example\.com/);
  assert.equal(await agent.locator('form.form-assign-me').count(), 0);
  await agent.goto(`${fixture.base}/agent/tickets`);
  await follow(agent, 'nav.inbox-views a:has-text("Mine")');
  assert.equal(await agent.getAttribute('nav.inbox-views a:has-text("Mine")', 'aria-current'), 'page');
  const rows = agent.locator('table.ticket-list tbody tr');
  assert.equal(await rows.count(), 1);
  assert.match(await rows.first().textContent(), /agent@example\.com/);
  await agent.context().close();
});
