// Attachments in headless Chromium, against the real `docket sidecar
// --demo`: a customer takes a screenshot of the page, attaches it to a
// reply through the form's file field, and sees its thumbnail in the
// conversation; the thumbnail opens the full image. Files dropped on the
// message box and a screenshot pasted into it join the form (attach.js)
// and arrive the same way.
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

test('a file dropped on the message box and a pasted screenshot arrive with the reply', async () => {
  const { base, browser } = fixture;
  const customer = await signIn(browser, base, 'customer@example.com');
  await Promise.all([customer.waitForNavigation(), customer.click('table.ticket-list a >> nth=0')]);
  const shot = await customer.screenshot({ type: 'png' });
  const log = 'error at line 42: the export stopped\n';
  await customer.fill('#body', 'Dropped and pasted.');

  // Drop: a DragEvent whose DataTransfer holds a File, on the message box.
  const dropTaken = await customer.evaluate((text) => {
    const box = document.querySelector('#body');
    const files = new DataTransfer();
    files.items.add(new File([text], 'dropped.log', { type: 'text/plain' }));
    const over = new DragEvent('dragover', { dataTransfer: files, bubbles: true, cancelable: true });
    box.dispatchEvent(over);
    const drop = new DragEvent('drop', { dataTransfer: files, bubbles: true, cancelable: true });
    box.dispatchEvent(drop);
    return over.defaultPrevented && drop.defaultPrevented;
  }, log);
  assert.ok(dropTaken, 'the message box takes the drop');

  // Paste: a ClipboardEvent holding an image named as browsers name a
  // pasted screenshot (image.png).
  await customer.evaluate((b64) => {
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const clipboard = new DataTransfer();
    clipboard.items.add(new File([bytes], 'image.png', { type: 'image/png' }));
    document.querySelector('#body').dispatchEvent(
      new ClipboardEvent('paste', { clipboardData: clipboard, bubbles: true, cancelable: true }));
  }, shot.toString('base64'));

  const names = await customer.$eval('#files', (input) => Array.from(input.files, (f) => f.name));
  assert.equal(names.length, 2, `files in the form: ${names}`);
  assert.equal(names[0], 'dropped.log');
  assert.match(names[1], /^pasted-[0-9T-]+Z-0\.png$/);
  assert.equal(await customer.inputValue('#body'), 'Dropped and pasted.', 'the paste left the text alone');

  await Promise.all([customer.waitForNavigation(), customer.click('form button[type=submit]:has-text("Send")')]);
  assert.match(customer.url(), /\?replied=1$/);
  const message = customer.locator('li.message', { hasText: 'Dropped and pasted.' }).last();

  // The dropped file: listed by name, served with its bytes.
  const logLink = message.locator('a.message-file-name', { hasText: 'dropped.log' });
  const logHref = await logLink.getAttribute('href');
  assert.match(logHref, /\/files\/\d+\/dropped\.log$/);
  const served = await customer.request.get(new URL(logHref, base).toString());
  assert.equal(served.status(), 200);
  assert.equal(served.headers()['content-type'], 'text/plain');
  assert.equal(await served.text(), log);

  // The pasted screenshot: a thumbnail that opens the full image.
  const thumb = message.locator(`.message-file-thumb img[alt="${names[1]}"]`);
  await thumb.waitFor();
  await thumb.scrollIntoViewIfNeeded();
  await customer.waitForFunction((img) => img.complete && img.naturalWidth > 0, await thumb.elementHandle());
  const size = await thumb.evaluate((img) => [img.naturalWidth, img.naturalHeight]);
  assert.ok(size[0] > 0 && size[0] <= 320 && size[1] <= 320, `thumbnail size ${size}`);
  const imageHref = await message.locator('.message-file-thumb').getAttribute('href');
  const image = await customer.request.get(new URL(imageHref, base).toString());
  assert.equal(image.status(), 200);
  assert.equal(image.headers()['content-type'], 'image/png');
  assert.ok((await image.body()).equals(shot), 'the pasted image comes back byte for byte');
});
