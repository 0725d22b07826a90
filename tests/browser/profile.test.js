// The account page in headless Chromium, against the real
// `docket sidecar --demo`: a customer finds it from the header, switches
// the portal to Japanese (the page, <html lang> and the header follow at
// once), and signs out every other device.
//
// Run: `node --test tests/browser/` (scripts/test does it).
'use strict';

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');

const { signIn, openPortal } = require('./support');

let fixture;

before(async () => {
  fixture = await openPortal('docket-profile-');
});

after(async () => {
  if (fixture) await fixture.close();
});

test('a customer switches the portal to Japanese and signs out another device', async () => {
  const { base, browser } = fixture;
  const page = await signIn(browser, base, 'customer@example.com');
  const phone = await signIn(browser, base, 'customer@example.com');

  await Promise.all([page.waitForNavigation(), page.click('#login-area a[href="/my/profile"]')]);
  assert.equal(await page.textContent('h1'), 'Your account');
  await page.selectOption('select#language', 'ja');
  await Promise.all([page.waitForNavigation(), page.click('form[action="/my/profile/language"] button')]);
  assert.equal(await page.getAttribute('html', 'lang'), 'ja');
  assert.equal(await page.textContent('h1'), 'アカウント');
  assert.match(await page.textContent('[role=status]'), /言語を保存しました/);
  assert.equal(await page.getAttribute('#login-area a[href="/my/profile"]', 'aria-label'),
    'アカウント: customer@example.com');
  // The choice holds on the other portal pages of this browser.
  await page.goto(`${base}/my/tickets`);
  assert.equal(await page.getAttribute('html', 'lang'), 'ja');

  await page.goto(`${base}/my/profile`);
  await Promise.all([page.waitForNavigation(), page.click('form[action="/my/profile/sessions"] button')]);
  assert.match(await page.textContent('[role=status]'), /1 台の端末からログアウトしました/);
  const response = await phone.goto(`${base}/my/profile`);
  assert.equal(new URL(phone.url()).pathname, '/login', `the phone is signed out (${response.status()})`);
  await page.context().close();
  await phone.context().close();
});
