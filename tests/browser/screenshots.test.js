// Full-page screenshots of the main pages at desktop (1280×800) and mobile
// (360×740) widths, taken in headless Chromium against the real `docket
// sidecar --demo` serving the example site. They land in target/screenshots/
// (or $DOCKET_SCREENSHOTS), named `<width>-<page>.png`, for a person to look
// at; the test itself checks that no page scrolls sideways and that the
// header's parts stay inside the viewport.
//
// Run: `node --test tests/browser/` (needs target/debug/docket, Debian's
// chromium, fonts-noto-cjk for the Japanese pages and `npm ci`; scripts/test
// does all that).
'use strict';

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');

const {
  REPO, signIn, openPortal, settle,
} = require('./support');

const OUT = path.resolve(process.env.DOCKET_SCREENSHOTS || path.join(REPO, 'target', 'screenshots'));
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

const VIEWPORTS = {
  desktop: { width: 1280, height: 800 },
  mobile: { width: 360, height: 740 },
};

let fixture;
let base;
let browser;

before(async () => {
  fixture = await openPortal('docket-shots-');
  ({ base, browser } = fixture);
  fs.mkdirSync(OUT, { recursive: true });
});

after(async () => {
  if (fixture) await fixture.close();
});

/** What would scroll sideways or stick out of the header, as readable lines. */
function layoutProblems(page) {
  return page.evaluate(() => {
    const problems = [];
    const width = document.documentElement.clientWidth;
    if (document.documentElement.scrollWidth > width) {
      problems.push(`the page is ${document.documentElement.scrollWidth}px wide in a ${width}px viewport`);
    }
    for (const el of document.querySelectorAll('.site-header > *, .site-header #login-area > *')) {
      const box = el.getBoundingClientRect();
      if (box.width > 0 && (box.left < 0 || box.right > width + 0.5)) {
        problems.push(`header part <${el.tagName.toLowerCase()} class="${el.className}"> spans ${box.left}..${box.right}px`);
      }
    }
    return problems;
  });
}

/** Takes the screenshot of `page` at `urlPath` as `<viewport>-<name>.png`. */
async function shoot(page, viewportName, name, urlPath) {
  const url = urlPath.startsWith('http') ? urlPath : base + urlPath;
  const response = await page.goto(url);
  const expected = name === '404' ? 404 : 200;
  assert.equal(response && response.status(), expected, `${url} answered ${response && response.status()}`);
  await settle(page);
  const file = path.join(OUT, `${viewportName}-${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  const head = fs.readFileSync(file).subarray(0, 8);
  assert.ok(head.equals(PNG_SIGNATURE), `${file} is not a PNG`);
  return (await layoutProblems(page)).map((p) => `${viewportName} ${name}: ${p}`);
}

/**
 * A ticket from the list at `listPath`, as an absolute URL: the demo's
 * ticket with public replies and an internal note when it is listed, else
 * the first.
 */
async function pickTicket(page, listPath) {
  await page.goto(base + listPath);
  const rich = page.locator('table.ticket-list tbody a', { hasText: 'Cannot export reports' });
  const href = await ((await rich.count()) ? rich.first() : page.locator('table.ticket-list tbody a').first())
    .getAttribute('href');
  assert.ok(href, `${listPath} lists no ticket`);
  return new URL(href, base).href;
}

for (const [viewportName, viewport] of Object.entries(VIEWPORTS)) {
  test(`screenshots at ${viewportName} width (${viewport.width}×${viewport.height})`, async (t) => {
    const options = { viewport, colorScheme: 'light' };
    const problems = [];

    const visitor = await browser.newContext(options);
    const page = await visitor.newPage();
    for (const [name, urlPath] of [
      ['home', '/'],
      ['home-ja', '/ja/'],
      ['category', '/categories/portal/my-tickets/'],
      ['article', '/portal/my-tickets/replying/'],
      ['article-ja', '/ja/portal/my-tickets/replying/'],
      ['search', '/search/?q=ticket'],
      ['login', '/login'],
      ['404', '/no/such/page/'],
    ]) {
      problems.push(...await shoot(page, viewportName, name, urlPath));
    }
    await visitor.close();

    const customer = await signIn(browser, base, 'customer@example.com', undefined, options);
    const ticket = await pickTicket(customer, '/my/tickets');
    problems.push(...await shoot(customer, viewportName, 'my-tickets', '/my/tickets'));
    problems.push(...await shoot(customer, viewportName, 'ticket', ticket));
    problems.push(...await shoot(customer, viewportName, 'new-ticket', '/my/tickets/new'));
    problems.push(...await shoot(customer, viewportName, 'profile', '/my/profile'));
    // The same customer with the portal switched to Japanese (remembered
    // in the cookie from the first page on).
    problems.push(...await shoot(customer, viewportName, 'my-tickets-ja', '/my/tickets?lang=ja'));
    problems.push(...await shoot(customer, viewportName, 'ticket-ja', ticket));
    problems.push(...await shoot(customer, viewportName, 'profile-ja', '/my/profile'));
    await customer.context().close();

    const agent = await signIn(browser, base, 'agent@example.com', undefined, options);
    const agentTicket = await pickTicket(agent, '/agent/tickets');
    problems.push(...await shoot(agent, viewportName, 'agent-inbox', '/agent/tickets'));
    problems.push(...await shoot(agent, viewportName, 'agent-ticket', agentTicket));
    problems.push(...await shoot(agent, viewportName, 'internal-home', '/internal/'));
    await agent.context().close();

    t.diagnostic(`screenshots written to ${OUT}`);
    assert.deepEqual(problems, [], `layout problems:\n${problems.join('\n')}`);
  });
}
