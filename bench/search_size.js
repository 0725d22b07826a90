#!/usr/bin/env node
// Bytes a first search fetches from a built search index, per query, with
// the theme's own query engine (themes/default/static/js/search.js).
//
// usage: node bench/search_size.js BUNDLE_DIR [lang:query ...]
//
// BUNDLE_DIR holds search/manifest.json (a built bundle, or the output of
// `DOCKET_SEARCH_SIZE_OUT=DIR cargo test --release --test search_size -- --ignored`).
// Counts what a fresh page loads for one query: the manifest, the
// language's shard keys, the term shards and the document chunks of the
// first page of results (10). Prints a Markdown table: raw and gzip bytes,
// hits, and the time from "all data loaded" to "ranked".
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const zlib = require('node:zlib');
const search = require(path.join(__dirname, '../themes/default/static/js/search.js'));

const PAGE = 10;
const DEFAULT_QUERIES = [
  'en:password', 'en:reset password', 'en:ticket reply status', 'en:billing invoice refund',
  'en:passw', 'ja:パスワード', 'ja:パスワードを再設定', 'ja:チケットに返信する方法', 'ja:請求',
];

function dirSize(dir) {
  let total = 0, files = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      const sub = dirSize(p);
      total += sub.total;
      files += sub.files;
    } else {
      total += fs.statSync(p).size;
      files += 1;
    }
  }
  return { total, files };
}

async function measure(bundle, lang, q) {
  const loaded = [];
  const load = (url) => {
    const file = path.join(bundle, url.slice(1).split('?')[0]);
    const bytes = fs.readFileSync(file);
    loaded.push({ file: path.relative(bundle, file), raw: bytes.length, gzip: zlib.gzipSync(bytes).length });
    return JSON.parse(bytes.toString('utf8'));
  };
  const index = new search.SearchIndex('/', lang, load);
  const query = search.parseQuery(q);
  // Load everything first, then time the ranking alone.
  await index.search(query);
  const started = process.hrtime.bigint();
  const outcome = await index.search(query);
  const rankMs = Number(process.hrtime.bigint() - started) / 1e6;
  await index.documents(outcome.hits.slice(0, PAGE).map((h) => h.doc));
  const sum = (k) => loaded.reduce((s, f) => s + f[k], 0);
  return { hits: outcome.hits.length, files: loaded.length, raw: sum('raw'), gzip: sum('gzip'), rankMs };
}

async function main() {
  const [bundle, ...rest] = process.argv.slice(2);
  if (!bundle) {
    console.error('usage: node bench/search_size.js BUNDLE_DIR [lang:query ...]');
    process.exit(2);
  }
  const queries = rest.length ? rest : DEFAULT_QUERIES;
  const manifestPath = path.join(bundle, 'search', 'manifest.json');
  const manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8'));
  const kb = (n) => (n / 1024).toFixed(1);
  console.log(`manifest.json: ${fs.statSync(manifestPath).size} B`);
  for (const [code, lang] of Object.entries(manifest.languages)) {
    const dir = path.join(bundle, 'search', lang.dir);
    const { total, files } = dirSize(dir);
    const keys = fs.statSync(path.join(dir, 'keys.json')).size;
    const shardSizes = [];
    for (let n = 0; n < lang.shards; n++) shardSizes.push(fs.statSync(path.join(dir, `t${n}.json`)).size);
    shardSizes.sort((a, b) => a - b);
    const median = shardSizes[Math.floor(shardSizes.length / 2)];
    console.log(`${code}: ${lang.docs} articles, ${files} files, ${kb(total)} KB in total; ` +
      `keys.json ${kb(keys)} KB; ${lang.shards} shards, median ${kb(median)} KB, max ${kb(shardSizes[shardSizes.length - 1])} KB`);
  }
  console.log('');
  console.log('| query | hits | files | fetched (KB) | gzip (KB) | rank (ms) |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
  for (const spec of queries) {
    const colon = spec.indexOf(':');
    const lang = spec.slice(0, colon), q = spec.slice(colon + 1);
    const m = await measure(bundle, lang, q);
    console.log(`| ${lang}: ${q} | ${m.hits} | ${m.files} | ${kb(m.raw)} | ${kb(m.gzip)} | ${m.rankMs.toFixed(1)} |`);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
