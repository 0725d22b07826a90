#!/usr/bin/env node
// Bytes a first search fetches, measured in headless Chromium on the real
// search page of a built public bundle, next to Pagefind on the same bundle.
//
// usage: node bench/search_size_browser.js GEN_CORPUS_PY [N ...]
//
// For each N (default 1000 10000): generates a corpus with GEN_CORPUS_PY
// (path given as the first argument) under $TMPDIR, builds it with
// `docket build` ($DOCKET_BIN, else target/release/docket, else
// target/debug/docket), runs Pagefind on a copy of the public bundle
// (`npm i --no-save pagefind` in a temporary folder, `npx pagefind --site`),
// serves the bundle on 127.0.0.1 and opens, per query, a fresh browser
// context: docket's /search/?q=… page, and a page that calls Pagefind's
// JS API (search, then the data of the first 10 results, as docket shows
// 10). Prints Markdown tables: index size on disk and bytes fetched per query
// (body bytes as served; docket's JSON also gzipped, as a CDN would send it;
// Pagefind's files are compressed already).
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const zlib = require('node:zlib');
const { execFileSync } = require('node:child_process');

const { REPO, tempDir, serve, launchChromium, listFiles, dirBytes } = require('../tests/browser/support');

const QUERIES = [
  ['en', 'password'], ['en', 'reset password'], ['en', 'ticket reply status'], ['en', 'billing invoice refund'],
  ['ja', 'パスワード'], ['ja', 'パスワードを再設定'], ['ja', '請求書'], ['ja', 'チケットに返信'],
];

function docketBin() {
  const candidates = [process.env.DOCKET_BIN, 'target/release/docket', 'target/debug/docket']
    .filter(Boolean).map((p) => path.resolve(REPO, p));
  const bin = candidates.find((p) => fs.existsSync(p));
  if (!bin) throw new Error('no docket binary: run `cargo build --release`');
  return bin;
}

function pagefindDir() {
  const dir = path.join(require('node:os').tmpdir(), 'docket-bench-pagefind');
  if (!fs.existsSync(path.join(dir, 'node_modules', '.bin', 'pagefind'))) {
    fs.mkdirSync(dir, { recursive: true });
    execFileSync('npm', ['i', '--no-save', '--no-audit', '--no-fund', 'pagefind'], { cwd: dir, stdio: 'inherit' });
  }
  return dir;
}

/** A page that runs one Pagefind search like a search UI would. */
function pagefindPage(lang) {
  return `<!doctype html><html lang="${lang}"><head><meta charset="utf-8"><title>pagefind bench</title></head>
<body><script type="module">
const pagefind = await import('/pagefind/pagefind.js');
await pagefind.init();
const q = new URLSearchParams(location.search).get('q');
const search = await pagefind.search(q);
const data = await Promise.all(search.results.slice(0, 10).map((r) => r.data()));
document.body.dataset.hits = String(search.results.length);
document.body.dataset.titles = JSON.stringify(data.map((d) => d.meta.title));
document.body.dataset.done = '1';
</script></body></html>`;
}

const gzipSize = (file) => zlib.gzipSync(fs.readFileSync(file)).length;
const kb = (n) => (n / 1024).toFixed(1) + ' KB';

async function measureSite(n, gen, browser, pagefindBin) {
  const work = tempDir(`docket-bench-${n}-`);
  const corpus = path.join(work, 'corpus');
  execFileSync('python3', [gen, String(n), corpus], { stdio: 'pipe' });
  const out = path.join(work, 'out');
  execFileSync(docketBin(), ['build', '--site', path.join(corpus, 'docket'), '--out', out], { stdio: 'pipe' });
  const root = path.join(out, 'public');
  execFileSync(pagefindBin, ['--site', root], { stdio: 'pipe' });
  for (const lang of ['en', 'ja']) fs.writeFileSync(path.join(root, `pagefind-bench-${lang}.html`), pagefindPage(lang));

  const ours = path.join(root, 'search');
  const theirs = path.join(root, 'pagefind');
  const sizes = {
    docket: { bytes: dirBytes(ours), files: listFiles(ours).length },
    pagefind: { bytes: dirBytes(theirs), files: listFiles(theirs).length },
  };
  const server = await serve(root);
  const rows = [];
  for (const [lang, q] of QUERIES) {
    const row = { lang, q };
    for (const engine of ['docket', 'pagefind']) {
      const context = await browser.newContext();
      const page = await context.newPage();
      const from = server.log.length;
      const url = engine === 'docket'
        ? `/search/?q=${encodeURIComponent(q)}&lang=${lang}`
        : `/pagefind-bench-${lang}.html?q=${encodeURIComponent(q)}`;
      await page.goto(server.url + url);
      let hits;
      if (engine === 'docket') {
        await page.waitForSelector('.search-results li.search-result, .search-results .search-empty', { timeout: 60000 });
        const status = await page.textContent('.search-status');
        hits = Number((status.match(/\d+/) || ['0'])[0]);
      } else {
        await page.waitForSelector('body[data-done]', { state: 'attached', timeout: 60000 });
        hits = Number(await page.getAttribute('body', 'data-hits'));
      }
      const prefix = engine === 'docket' ? '/search/' : '/pagefind/';
      const fetched = server.log.slice(from).filter((r) => r.path.startsWith(prefix) && r.path !== '/search/');
      const raw = fetched.reduce((s, r) => s + r.bytes, 0);
      const gz = fetched.reduce((s, r) => s + (r.path.endsWith('.json') ? gzipSize(path.join(root, r.path)) : r.bytes), 0);
      row[engine] = { hits, files: fetched.length, raw, gz };
      await context.close();
    }
    rows.push(row);
  }
  await server.close();
  fs.rmSync(work, { recursive: true, force: true });
  return { n, sizes, rows };
}

async function main() {
  const [gen, ...ns] = process.argv.slice(2);
  if (!gen) {
    console.error('usage: node bench/search_size_browser.js GEN_CORPUS_PY [N ...]');
    process.exit(2);
  }
  const pagefindBin = path.join(pagefindDir(), 'node_modules', '.bin', 'pagefind');
  const browser = await launchChromium();
  try {
    for (const n of ns.length ? ns.map(Number) : [1000, 10000]) {
      const { sizes, rows } = await measureSite(n, path.resolve(gen), browser, pagefindBin);
      console.log(`\n### ${n} articles (gen_corpus.py ${n})\n`);
      console.log(`Index on disk: docket ${kb(sizes.docket.bytes)} in ${sizes.docket.files} files; ` +
        `Pagefind ${kb(sizes.pagefind.bytes)} in ${sizes.pagefind.files} files.\n`);
      console.log('| query | docket hits | docket fetched: raw (gzip), files | Pagefind hits | Pagefind fetched, files |');
      console.log('| --- | ---: | ---: | ---: | ---: |');
      for (const r of rows) {
        const d = r.docket, p = r.pagefind;
        console.log(`| ${r.lang} \`${r.q}\` | ${d.hits} | ${kb(d.raw)} (${kb(d.gz)}), ${d.files} | ${p.hits} | ${kb(p.raw)}, ${p.files} |`);
      }
    }
  } finally {
    await browser.close();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
