// The script's query engine on an index written by the Rust builder
// (tests/search/fixture/index, kept current by tests/search_fixture.rs).
'use strict';

const test = require('node:test');
const assert = require('node:assert');
const path = require('node:path');
const fs = require('node:fs');

const search = require(path.join(__dirname, '../../themes/default/static/js/search.js'));
const INDEX = path.join(__dirname, 'fixture', 'index');

// An index over the fixture files that records what it loads.
function open(lang, root = '/docs/') {
  const loaded = [];
  const load = (url) => {
    assert.ok(url.startsWith(root), url);
    const file = url.slice(root.length).split('?')[0];
    loaded.push(file);
    return JSON.parse(fs.readFileSync(path.join(INDEX, file), 'utf8'));
  };
  return { index: new search.SearchIndex(root, lang, load), loaded };
}

async function urls(lang, q) {
  const { index, loaded } = open(lang);
  const outcome = await index.search(search.parseQuery(q));
  const docs = await index.documents(outcome.hits.map((h) => h.doc));
  return { urls: docs.map((d) => d.url), partial: outcome.partial, loaded, docs };
}

test('an English word finds its articles, best match first', async () => {
  const { urls: found } = await urls('en', 'password');
  assert.deepStrictEqual(found, ['account/reset-password/', 'account/sign-in/']);
});

test('stemming matches other forms of the word', async () => {
  assert.deepStrictEqual((await urls('en', 'Refunded')).urls, ['billing/refunds/']);
  assert.deepStrictEqual((await urls('en', 'replies')).urls.slice(0, 1), ['tickets/reply/']);
});

test('every word of the query must match', async () => {
  const { urls: found, partial } = await urls('en', 'password customers');
  assert.deepStrictEqual(found, ['account/sign-in/']);
  assert.strictEqual(partial, false);
});

test('without an article holding every word, the closest ones are shown as partial', async () => {
  const { urls: found, partial } = await urls('en', 'refund quasar');
  assert.deepStrictEqual(found, ['billing/refunds/']);
  assert.strictEqual(partial, true);
});

test('the last word is also a prefix while typing', async () => {
  assert.deepStrictEqual((await urls('en', 'zygo')).urls, ['billing/refunds/']);
  assert.deepStrictEqual((await urls('en', 'zygo ')).urls, []);
});

test('a Japanese word finds the Japanese article', async () => {
  assert.deepStrictEqual((await urls('ja', 'パスワード')).urls, ['ja/account/reset-password/']);
  assert.deepStrictEqual((await urls('ja', '再オープン')).urls, ['ja/tickets/reply/']);
});

test('half-width katakana in the query find full-width text', async () => {
  assert.deepStrictEqual((await urls('ja', 'ﾊﾟｽﾜｰﾄﾞ')).urls, ['ja/account/reset-password/']);
});

test('a single kanji matches the words it begins', async () => {
  assert.deepStrictEqual((await urls('ja', '東')).urls, ['ja/office/']);
});

test('a page in a regional variant uses its language, an unknown one the default', async () => {
  assert.deepStrictEqual((await urls('ja-JP', '東京')).urls, ['ja/office/']);
  assert.deepStrictEqual((await urls('fr', 'refund')).urls, ['billing/refunds/']);
});

test('a query loads the manifest, the shards of its terms and the chunks of its hits only', async () => {
  const { loaded } = await urls('en', 'zygomorphic');
  const manifest = JSON.parse(fs.readFileSync(path.join(INDEX, 'search/manifest.json'), 'utf8'));
  const keys = JSON.parse(fs.readFileSync(path.join(INDEX, 'search/en/keys.json'), 'utf8'));
  assert.strictEqual(keys.length, manifest.languages.en.shards);
  const shard = search.findShard(keys, 'zygomorphic');
  assert.deepStrictEqual(loaded, [
    'search/manifest.json', 'search/en/keys.json', `search/en/t${shard}.json`, 'search/en/d1.json'
  ]);
});

test('display records carry title, breadcrumb and snippet text', async () => {
  const { docs } = await urls('en', 'refund');
  assert.deepStrictEqual(docs[0].breadcrumb, 'Billing');
  assert.strictEqual(docs[0].title, 'Refunds');
  assert.match(docs[0].excerpt, /five business days/);
});

test('matches are marked in the snippet text', () => {
  const text = 'Refunds are processed within five business days.';
  const ranges = search.matchRanges(text, search.parseQuery('refund process'));
  assert.deepStrictEqual(ranges.map(([a, b]) => text.slice(a, b)), ['Refunds', 'processed']);
  const ja = 'パスワードを忘れた場合';
  const jaRanges = search.matchRanges(ja, search.parseQuery('パスワード'));
  assert.deepStrictEqual(jaRanges.map(([a, b]) => ja.slice(a, b)), ['パスワード']);
});

test('a long text is cut to a window around the matches', () => {
  const text = 'filler '.repeat(100) + 'the needle is here ' + 'filler '.repeat(100);
  const query = search.parseQuery('needle');
  const w = search.snippetWindow(text, search.matchRanges(text, query), 80);
  assert.ok(w.end - w.start <= 80);
  assert.strictEqual(w.ranges.length, 1);
  assert.strictEqual(text.slice(w.ranges[0][0], w.ranges[0][1]), 'needle');
});

test('postings decode as the Rust unit test encodes them', () => {
  // From src/search/files.rs: docs 0, 1, 40, 100000 with scores 31, 1, 10, 3.
  const list = search.decodePostings('AfABmBK');
  assert.deepStrictEqual(list, [{ doc: 0, score: 31 }, { doc: 1, score: 1 }, { doc: 40, score: 10 }]);
  assert.strictEqual(search.decodePostings('A'), null);
});

test('a long Japanese query looks up every other bigram but marks them all', () => {
  const query = search.parseQuery('パスワードを再設定');
  assert.deepStrictEqual(query.marks, ['パス', 'スワ', 'ワー', 'ード', 'ドを', 'を再', '再設', '設定']);
  assert.deepStrictEqual(query.terms, ['パス', 'ワー', 'ドを', '再設', '設定']);
});
