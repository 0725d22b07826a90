// The script's tokeniser against the shared vectors (the Rust side:
// tests/search_tokenize.rs). Run with `node --test tests/search/`.
'use strict';

const test = require('node:test');
const assert = require('node:assert');
const path = require('node:path');
const fs = require('node:fs');

const search = require(path.join(__dirname, '../../themes/default/static/js/search.js'));
const vectors = JSON.parse(fs.readFileSync(path.join(__dirname, 'vectors.json'), 'utf8'));

test('the script tokenises every shared vector like the Rust tokeniser', () => {
  const failures = [];
  for (const v of vectors) {
    const actual = search.tokenize(v.input);
    if (JSON.stringify(actual) !== JSON.stringify(v.tokens)) {
      failures.push(`${v.note}: ${JSON.stringify(v.input)} gave ${JSON.stringify(actual)}, expected ${JSON.stringify(v.tokens)}`);
    }
  }
  assert.deepStrictEqual(failures, []);
});

test('spans point back at the original text, even across folding', () => {
  const text = 'ﾊﾟｽﾜｰﾄﾞ and Tickets';
  const spans = search.tokenizeSpans(text);
  assert.strictEqual(text.slice(spans[0].start, spans[0].end), 'ﾊﾟｽ');
  const last = spans[spans.length - 1];
  assert.strictEqual(last.term, 'ticket');
  assert.strictEqual(text.slice(last.start, last.end), 'Tickets');
});
