// Attachments in headless Chromium, against the real `docket sidecar
// --demo`: a customer takes a screenshot of the page, attaches it to a
// reply through the form's file field, and sees its thumbnail in the
// conversation; the thumbnail opens the full image.
//
// Run: `node --test tests/browser/` (scripts/test does the setup).
'use strict';

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');

const { signIn, openPortal } = require('./support');

let fixture;

before(async () => {
  fixture = await openPortal('docket-attach-');
});

after(async () => {
  if (fixture) await fixture.close();
});

test('a screenshot attached to a reply shows as a thumbnail that opens the image', async () => {
  const { base, browser } = fixture;
  const customer = await signIn(browser, base, 'customer@example.com');
  await Promise.all([customer.waitForNavigation(), customer.click('table.ticket-list a >> nth=0')]);
  const shot = await customer.screenshot({ type: 'png' });
  await customer.fill('#body', 'Here is what I see.');
  await customer.setInputFiles('#files', { name: 'screenshot.png', mimeType: 'image/png', buffer: shot });
  await Promise.all([customer.waitForNavigation(), customer.click('form button[type=submit]:has-text("Send")')]);
  const thumb = customer.locator('.message-file-thumb img[alt="screenshot.png"]').last();
  await thumb.waitFor();
  const size = await thumb.evaluate((img) => (img.complete ? [img.naturalWidth, img.naturalHeight] : [0, 0]));
  assert.ok(size[0] > 0 && size[0] <= 320 && size[1] <= 320, `thumbnail size ${size}`);
  const href = await customer.locator('.message-file-thumb').last().getAttribute('href');
  assert.match(href, /\/files\/\d+\/screenshot\.png$/);
  const full = await customer.request.get(new URL(href, base).toString());
  assert.equal(full.status(), 200);
  assert.equal(full.headers()['content-type'], 'image/png');
  assert.equal(full.headers()['content-security-policy'], "sandbox; default-src 'none'");
  assert.equal((await full.body()).length, shot.length);
});
