/*
 * docket search: the query side of the static search index.
 *
 * Part 1 is the tokeniser. Its rules are those of src/search/tokenize.rs
 * and src/search/stem.rs, rule for rule; tests/search/vectors.json is checked
 * against both (cargo test, node --test tests/search/). Change them together.
 *
 * Part 2 is the query engine: manifest, shards, postings, ranking, snippets.
 * Part 3 drives the /search/ page. Formats: docs/search.md.
 *
 * Loaded with <script defer>; no inline script, no eval, no dependencies.
 * Under node, `require` returns parts 1 and 2 for the tests.
 */
(function () {
  'use strict';

  /* ---------------------------------------------------------------------
   * Part 1: tokeniser
   * ------------------------------------------------------------------- */

  var MAX_WORD_CHARS = 32;
  var MIN_STEM = 3;
  var STOP_WORDS = new Set([
    'a', 'an', 'and', 'are', 'as', 'at', 'be', 'by', 'do', 'does', 'for', 'from', 'how', 'i', 'in',
    'is', 'it', 'its', 'my', 'of', 'on', 'or', 'that', 'the', 'this', 'to', 'was', 'we', 'what',
    'with', 'you', 'your'
  ]);
  // U+FF61..U+FF9F -> full width; the two sound marks become combining marks.
  var HALF_WIDTH_KANA = [
    0x3002, 0x300c, 0x300d, 0x3001, 0x30fb, 0x30f2, 0x30a1, 0x30a3,
    0x30a5, 0x30a7, 0x30a9, 0x30e3, 0x30e5, 0x30e7, 0x30c3, 0x30fc,
    0x30a2, 0x30a4, 0x30a6, 0x30a8, 0x30aa, 0x30ab, 0x30ad, 0x30af,
    0x30b1, 0x30b3, 0x30b5, 0x30b7, 0x30b9, 0x30bb, 0x30bd, 0x30bf,
    0x30c1, 0x30c4, 0x30c6, 0x30c8, 0x30ca, 0x30cb, 0x30cc, 0x30cd,
    0x30ce, 0x30cf, 0x30d2, 0x30d5, 0x30d8, 0x30db, 0x30de, 0x30df,
    0x30e0, 0x30e1, 0x30e2, 0x30e4, 0x30e6, 0x30e8, 0x30e9, 0x30ea,
    0x30eb, 0x30ec, 0x30ed, 0x30ef, 0x30f3, 0x3099, 0x309a
  ];
  var WORD_CHAR = /[\p{Alphabetic}\p{N}]/u;

  function isCjk(c) {
    return (c >= 0x3005 && c <= 0x3007) ||
      (c >= 0x3041 && c <= 0x3096) ||
      (c >= 0x309d && c <= 0x309f) ||
      (c >= 0x30a1 && c <= 0x30fa) ||
      (c >= 0x30fc && c <= 0x30ff) ||
      (c >= 0x31f0 && c <= 0x31ff) ||
      (c >= 0x3400 && c <= 0x4dbf) ||
      (c >= 0x4e00 && c <= 0x9fff) ||
      (c >= 0xf900 && c <= 0xfaff) ||
      (c >= 0x20000 && c <= 0x3ffff);
  }

  function isWordChar(c) {
    return !isCjk(c) && WORD_CHAR.test(String.fromCodePoint(c));
  }

  function isApostrophe(c) {
    return c === 0x27 || c === 0x2019;
  }

  function foldWidth(c) {
    if (c >= 0xff01 && c <= 0xff5e) return c - 0xfee0;
    if (c === 0x3000) return 0x20;
    if (c >= 0xff61 && c <= 0xff9f) return HALF_WIDTH_KANA[c - 0xff61];
    return c;
  }

  // The kana `code` with a voiced (or semi-voiced) mark, or 0.
  function compose(code, voiced) {
    if (voiced) {
      if (code === 0x3046) return 0x3094; // う → ゔ
      if (code === 0x30a6) return 0x30f4; // ウ → ヴ
      if (code === 0x309d || code === 0x30fd) return code + 1; // ゝ ヽ
      if (code >= 0x30ef && code <= 0x30f2) return code + 8; // ワヰヱヲ
    }
    var offset = code >= 0x30a1 && code <= 0x30f6 ? 0x60 : 0;
    var h = code - offset;
    var add;
    if (voiced && h >= 0x304b && h <= 0x3062 && h % 2 === 1) add = 1;
    else if (voiced && (h === 0x3064 || h === 0x3066 || h === 0x3068)) add = 1;
    else if (h >= 0x306f && h <= 0x307b && (h - 0x306f) % 3 === 0) add = voiced ? 1 : 2;
    else return 0;
    return h + add + offset;
  }

  // Step 1: folded, lowercased code points, each with the UTF-16 range of
  // the source text it came from (for highlighting).
  function fold(text) {
    var out = [];
    var i = 0;
    while (i < text.length) {
      var cp = text.codePointAt(i);
      var start = i;
      i += cp > 0xffff ? 2 : 1;
      cp = foldWidth(cp);
      if (cp === 0x3099 || cp === 0x309a) {
        var last = out[out.length - 1];
        var composed = last ? compose(last.cp, cp === 0x3099) : 0;
        if (composed) {
          last.cp = composed;
          last.end = i;
        }
        continue;
      }
      if (cp === 0x130) {
        out.push({ cp: 0x69, start: start, end: i });
        continue;
      }
      // One code point at a time, like Rust's char::to_lowercase.
      for (var ch of String.fromCodePoint(cp).toLowerCase()) {
        out.push({ cp: ch.codePointAt(0), start: start, end: i });
      }
    }
    return out;
  }

  function stripPlural(w) {
    if (w.endsWith('sses')) return w.slice(0, -2);
    if (w.endsWith('ies')) return w.length - 2 >= MIN_STEM ? w.slice(0, -3) + 'y' : w;
    if (w.endsWith('ss') || w.endsWith('us') || w.endsWith('is')) return w;
    if (w.endsWith('s') && w.length > MIN_STEM) return w.slice(0, -1);
    return w;
  }

  function stripIngEd(w) {
    var n = w.endsWith('ing') ? 3 : w.endsWith('ed') ? 2 : 0;
    if (!n) return w;
    var rest = w.slice(0, -n);
    if (rest.length < MIN_STEM || !/[aeiouy]/.test(rest)) return w;
    var last = rest[rest.length - 1];
    if (rest.length >= 2 && last === rest[rest.length - 2] && !/[aeiouylsz]/.test(last)) {
      rest = rest.slice(0, -1);
    }
    return rest;
  }

  /** Stems a lowercased word (see src/search/stem.rs). */
  function stem(word) {
    if (word.length < 4 || !/^[a-z]+$/.test(word)) return word;
    var w = stripIngEd(stripPlural(word));
    if (w.endsWith('e') && w.length > MIN_STEM) w = w.slice(0, -1);
    return w;
  }

  function finishRun(run, cjk, out) {
    if (!run.length) return;
    if (cjk) {
      if (run.length === 1) {
        out.push({ term: String.fromCodePoint(run[0].cp), start: run[0].start, end: run[0].end, kind: 'unigram' });
      }
      for (var i = 0; i + 1 < run.length; i++) {
        out.push({
          term: String.fromCodePoint(run[i].cp, run[i + 1].cp),
          start: run[i].start, end: run[i + 1].end, kind: 'bigram',
          pos: i, last: i + 2 === run.length
        });
      }
      return;
    }
    if (run.length > MAX_WORD_CHARS) return;
    var word = run.map(function (c) { return String.fromCodePoint(c.cp); }).join('');
    if (STOP_WORDS.has(word)) return;
    out.push({ term: stem(word), start: run[0].start, end: run[run.length - 1].end, kind: 'word' });
  }

  /** Terms of `text` with where they came from: {term, start, end, kind}. */
  function tokenizeSpans(text) {
    var chars = fold(text);
    var out = [];
    var run = [];
    var runIsCjk = false;
    for (var i = 0; i < chars.length; i++) {
      var c = chars[i].cp;
      if (isCjk(c)) {
        if (!runIsCjk) {
          finishRun(run, false, out);
          run = [];
          runIsCjk = true;
        }
        run.push(chars[i]);
      } else if (isWordChar(c)) {
        if (runIsCjk) {
          finishRun(run, true, out);
          run = [];
          runIsCjk = false;
        }
        run.push(chars[i]);
      } else if (isApostrophe(c) && !runIsCjk && run.length > 0 &&
                 i + 1 < chars.length && isWordChar(chars[i + 1].cp)) {
        // Inside a word: "don't" is one word.
      } else {
        finishRun(run, runIsCjk, out);
        run = [];
        runIsCjk = false;
      }
    }
    finishRun(run, runIsCjk, out);
    return out;
  }

  /** Splits `text` into search terms, exactly like the Rust tokeniser. */
  function tokenize(text) {
    return tokenizeSpans(text).map(function (s) { return s.term; });
  }

  /* ---------------------------------------------------------------------
   * Part 2: query engine
   * ------------------------------------------------------------------- */

  var DIGITS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  var DIGIT_VALUE = {};
  for (var d = 0; d < DIGITS.length; d++) DIGIT_VALUE[DIGITS[d]] = d;
  var PREFIX_WEIGHT = 0.6; // a prefix expansion counts less than the term itself
  var MAX_PREFIX_TERMS = 64;
  var MAX_PREFIX_SHARDS = 3;

  /** Postings string -> [{doc, score}] (see encode_postings in files.rs). */
  function decodePostings(text) {
    var out = [];
    var value = 0, shift = 0, next = 0, doc = -1;
    for (var i = 0; i < text.length; i++) {
      var digit = DIGIT_VALUE[text[i]];
      if (digit === undefined) return null;
      value += (digit & 31) * Math.pow(2, shift);
      if (digit < 32) {
        if (doc < 0) {
          doc = next + value;
        } else {
          out.push({ doc: doc, score: value });
          next = doc + 1;
          doc = -1;
        }
        value = 0;
        shift = 0;
      } else {
        shift += 5;
      }
    }
    return shift === 0 && doc < 0 ? out : null;
  }

  /** Index of the shard that holds `term`: the last key <= term. */
  function findShard(keys, term) {
    var lo = 0, hi = keys.length - 1;
    while (lo < hi) {
      var mid = (lo + hi + 1) >> 1;
      if (keys[mid] <= term) lo = mid; else hi = mid - 1;
    }
    return lo;
  }

  /**
   * The query: `terms` to look up, `marks` to highlight and `prefix`.
   * Of a CJK run's overlapping bigrams only every other one (and the last)
   * is looked up: an article holding all of those almost always holds the
   * run, and a long Japanese query loads half as many shards. The last term
   * is also matched as a prefix when the query ends inside it (typing
   * "passw" finds "password"), if it is a word of two or more characters or
   * a single CJK character.
   */
  function parseQuery(q) {
    var spans = tokenizeSpans(q);
    var terms = [];
    var marks = [];
    spans.forEach(function (s) {
      if (marks.indexOf(s.term) < 0) marks.push(s.term);
      var lookUp = s.kind !== 'bigram' || s.pos % 2 === 0 || s.last;
      if (lookUp && terms.indexOf(s.term) < 0) terms.push(s.term);
    });
    var last = spans[spans.length - 1];
    var prefix = null;
    if (last && last.end === q.length &&
        ((last.kind === 'word' && last.term.length >= 2) || last.kind === 'unigram')) {
      prefix = last.term;
    }
    return { terms: terms, marks: marks, prefix: prefix };
  }

  /** The shard numbers a parsed query needs. */
  function shardsFor(keys, query) {
    var wanted = new Set();
    query.terms.forEach(function (t) { wanted.add(findShard(keys, t)); });
    if (query.prefix) {
      var first = findShard(keys, query.prefix);
      var last = Math.min(findShard(keys, query.prefix + '\uffff'), first + MAX_PREFIX_SHARDS - 1);
      for (var n = first; n <= last; n++) wanted.add(n);
    }
    return Array.from(wanted).sort(function (a, b) { return a - b; });
  }

  /**
   * Ranks documents. `lookup(term)` returns the postings string of a term
   * or undefined; `prefixTerms` lists indexed terms starting with the
   * prefix. Every query term must match (all words, as a reader expects);
   * when no document has them all, documents with most of them are returned
   * and `partial` is set.
   */
  function rank(query, docCount, lookup, prefixTerms) {
    var perDoc = new Map();
    var n = query.terms.length;
    query.terms.forEach(function (term) {
      var scores = new Map();
      collect(scores, lookup(term), 1);
      if (term === query.prefix) {
        prefixTerms.slice(0, MAX_PREFIX_TERMS).forEach(function (t) {
          if (t !== term) collect(scores, lookup(t), PREFIX_WEIGHT);
        });
      }
      scores.forEach(function (score, doc) {
        var entry = perDoc.get(doc);
        if (!entry) perDoc.set(doc, entry = { doc: doc, score: 0, matched: 0 });
        entry.score += score;
        entry.matched += 1;
      });
    });
    function collect(scores, postings, weight) {
      var list = postings ? decodePostings(postings) : null;
      if (!list || !list.length) return;
      var idf = Math.log(1 + docCount / list.length);
      list.forEach(function (p) {
        var s = p.score * idf * weight;
        if (s > (scores.get(p.doc) || 0)) scores.set(p.doc, s);
      });
    }
    var all = Array.from(perDoc.values());
    var best = all.reduce(function (m, e) { return Math.max(m, e.matched); }, 0);
    var hits = all.filter(function (e) { return e.matched === best; });
    hits.sort(function (a, b) { return b.score - a.score || a.doc - b.doc; });
    return { hits: hits, partial: n > 0 && best > 0 && best < n };
  }

  /**
   * The ranges of `text` (UTF-16 offsets, merged) whose terms match the
   * query, for <mark>.
   */
  function matchRanges(text, query) {
    var ranges = [];
    tokenizeSpans(text).forEach(function (s) {
      var hit = (query.marks || query.terms).indexOf(s.term) >= 0 ||
        (query.prefix && s.term.length > query.prefix.length && s.term.startsWith(query.prefix));
      if (!hit) return;
      var last = ranges[ranges.length - 1];
      if (last && s.start <= last[1]) last[1] = Math.max(last[1], s.end);
      else ranges.push([s.start, s.end]);
    });
    return ranges;
  }

  /**
   * A window of about `width` characters of `text` holding the most
   * matches: {start, end, ranges}.
   */
  function snippetWindow(text, ranges, width) {
    if (text.length <= width) return { start: 0, end: text.length, ranges: ranges };
    var bestStart = 0, bestCount = 0;
    ranges.forEach(function (r, i) {
      var count = 0;
      for (var j = i; j < ranges.length && ranges[j][1] <= r[0] + width; j++) count++;
      if (count > bestCount) { bestCount = count; bestStart = r[0]; }
    });
    var start = Math.max(0, bestStart - Math.floor(width / 4));
    var space = text.lastIndexOf(' ', start);
    if (start > 0 && space > start - 20 && space >= 0) start = space + 1;
    var end = Math.min(text.length, start + width);
    var inside = ranges
      .filter(function (r) { return r[0] >= start && r[0] < end; })
      .map(function (r) { return [r[0], Math.min(r[1], end)]; });
    return { start: start, end: end, ranges: inside };
  }

  /**
   * The index of one bundle (`root`, e.g. '/' or '/internal/') in one
   * language. `load(url)` returns a promise of the parsed JSON file (in the
   * browser: fetch); each file is loaded at most once.
   */
  // `lang` is a language code or a list of them, best first; the first
  // one the manifest has (or its primary subtag) wins, else the default.
  function SearchIndex(root, lang, load) {
    this.root = root;
    this.langs = [].concat(lang || []).map(function (l) { return String(l).toLowerCase(); });
    this.load = load;
    this.files = new Map();
    this.manifest = null;
  }

  SearchIndex.prototype.fetchJson = function (url) {
    var self = this;
    if (!self.files.has(url)) {
      var promise = Promise.resolve(url).then(self.load);
      promise.catch(function () { self.files.delete(url); });
      self.files.set(url, promise);
    }
    return self.files.get(url);
  };

  SearchIndex.prototype.language = function () {
    var self = this;
    if (!self.manifest) {
      self.manifest = self.fetchJson(self.root + 'search/manifest.json').then(function (m) {
        if (m.version !== 1) throw new Error('unsupported search index version ' + m.version);
        var langs = m.languages || {};
        var lang = null;
        self.langs.some(function (l) { lang = langs[l] || langs[l.split('-')[0]]; return lang; });
        lang = lang || langs[m.default];
        if (!lang) return null;
        var base = self.root + 'search/' + lang.dir + '/';
        var version = '?v=' + m.build;
        return self.fetchJson(base + 'keys.json' + version).then(function (keys) {
          return { info: lang, keys: keys, base: base, version: version };
        });
      });
    }
    return self.manifest;
  };

  SearchIndex.prototype.search = function (query) {
    var self = this;
    return self.language().then(function (lang) {
      if (!lang) return { hits: [], partial: false };
      var numbers = shardsFor(lang.keys, query);
      return Promise.all(numbers.map(function (n) {
        return self.fetchJson(lang.base + 't' + n + '.json' + lang.version);
      })).then(function (shards) {
        var terms = {};
        shards.forEach(function (shard) { Object.assign(terms, shard); });
        var prefixTerms = [];
        if (query.prefix) {
          Object.keys(terms).forEach(function (t) {
            if (t.startsWith(query.prefix)) prefixTerms.push(t);
          });
          prefixTerms.sort();
        }
        return rank(query, lang.info.docs, function (t) {
          return Object.prototype.hasOwnProperty.call(terms, t) ? terms[t] : undefined;
        }, prefixTerms);
      });
    });
  };

  // Display data of the given ids, fetching only the chunks they live in.
  SearchIndex.prototype.documents = function (ids) {
    var self = this;
    return self.language().then(function (lang) {
      if (!lang) return [];
      var chunk = lang.info.chunk;
      return Promise.all(ids.map(function (id) {
        return self.fetchJson(lang.base + 'd' + Math.floor(id / chunk) + '.json' + lang.version)
          .then(function (records) {
            var r = records[id % chunk];
            return r && { url: r[0], title: r[1], breadcrumb: r[2], description: r[3], excerpt: r[4] };
          });
      }));
    });
  };

  var engine = {
    tokenize: tokenize,
    tokenizeSpans: tokenizeSpans,
    stem: stem,
    decodePostings: decodePostings,
    findShard: findShard,
    parseQuery: parseQuery,
    shardsFor: shardsFor,
    rank: rank,
    matchRanges: matchRanges,
    snippetWindow: snippetWindow,
    SearchIndex: SearchIndex
  };

  if (typeof module !== 'undefined' && module.exports) {
    module.exports = engine;
  }
  if (typeof document === 'undefined') return;
  // Wire the page once even if a theme includes this file twice (every
  // key would act twice otherwise).
  if (window.docketSearchStarted) return;
  window.docketSearchStarted = true;

  /* ---------------------------------------------------------------------
   * Part 3: the /search/ page
   * ------------------------------------------------------------------- */

  var PAGE_SIZE = 10;
  var SNIPPET_CHARS = 180;
  var DEBOUNCE_MS = 120;
  var scriptSrc = document.currentScript && document.currentScript.src;

  // Kana or Han in a query, and the languages such a query most likely
  // means (the first one the manifest has is searched).
  var CJK_SCRIPT = /[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f]/;
  var CJK_LANGUAGES = ['ja', 'zh', 'ko'];

  function start() {
    tagHeaderBoxes();
    var page = document.querySelector('.search-page');
    if (!page) return;
    var input = page.querySelector('input[name=q]');
    var form = input && input.form;
    var status = page.querySelector('.search-status');
    var results = page.querySelector('.search-results');
    if (!input || !status || !results) return;

    var params = new URLSearchParams(window.location.search);
    var root = bundleRoot(page);
    var indexes = {};
    var messages = page.dataset;
    var sequence = 0;
    var timer = 0;

    function message(name, values) {
      var text = messages[name] || '';
      Object.keys(values || {}).forEach(function (k) { text = text.split('{' + k + '}').join(values[k]); });
      return text;
    }

    function run(q, updateUrl) {
      var mine = ++sequence;
      if (updateUrl) {
        var url = new URL(window.location.href);
        if (q) url.searchParams.set('q', q); else url.searchParams.delete('q');
        window.history.replaceState(null, '', url);
      }
      var query = parseQuery(q);
      var index = indexFor(q);
      if (!query.terms.length) {
        showEmpty(q.trim() ? message('msgNone', { q: q.trim() }) : message('msgHint'));
        return;
      }
      index.search(query).then(function (outcome) {
        if (mine !== sequence) return;
        if (!outcome.hits.length) {
          showEmpty(message('msgNone', { q: q.trim() }));
          return;
        }
        var list = document.createElement('ol');
        return showMore(index, outcome, query, list, 0, mine).then(function () {
          if (mine !== sequence) return;
          var count = outcome.hits.length;
          var name = outcome.partial ? 'msgPartial' : count === 1 && messages.msgCountOne ? 'msgCountOne' : 'msgCount';
          status.textContent = message(name, { n: count });
        });
      }).catch(function () {
        if (mine === sequence) showEmpty(message('msgError'));
      });
    }

    // ?lang= (set by the header's search box) beats the page's own
    // language, so one search page serves every language; without it a
    // query written in Japanese or Chinese script searches that language.
    function indexFor(q) {
      var langs = [params.get('lang') || '']
        .concat(CJK_SCRIPT.test(q) ? CJK_LANGUAGES : [])
        .concat([page.dataset.lang || '', document.documentElement.lang || ''])
        .filter(Boolean);
      var key = langs.join(' ');
      if (!indexes[key]) indexes[key] = new SearchIndex(root, langs, fetchJson);
      return indexes[key];
    }

    function showEmpty(text) {
      status.textContent = '';
      var empty = document.createElement('p');
      empty.className = 'search-empty';
      empty.textContent = text;
      results.replaceChildren(empty);
    }

    // Renders the next page of hits into `list` once their documents have
    // arrived; the first page replaces the previous results only then, so
    // live results do not flicker.
    function showMore(index, outcome, query, list, from, mine) {
      var ids = outcome.hits.slice(from, from + PAGE_SIZE).map(function (h) { return h.doc; });
      return index.documents(ids).then(function (docs) {
        if (mine !== sequence) return;
        docs.forEach(function (doc) { if (doc) list.appendChild(renderResult(doc, query, root)); });
        if (from === 0) results.replaceChildren(list);
        var old = results.querySelector('.search-more');
        if (old) old.remove();
        if (from + PAGE_SIZE < outcome.hits.length) {
          var more = document.createElement('button');
          more.type = 'button';
          more.className = 'button button-secondary search-more';
          more.textContent = message('msgMore');
          more.addEventListener('click', function () {
            var focusAt = list.children.length;
            showMore(index, outcome, query, list, from + PAGE_SIZE, mine).then(function () {
              var link = list.children[focusAt] && list.children[focusAt].querySelector('a');
              if (link) link.focus();
            }).catch(function () {
              status.textContent = message('msgError');
            });
          });
          results.appendChild(more);
        }
      });
    }

    input.addEventListener('input', function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(function () { run(input.value, true); }, DEBOUNCE_MS);
    });
    if (form) {
      form.addEventListener('submit', function (event) {
        event.preventDefault();
        window.clearTimeout(timer);
        run(input.value, true);
      });
    }
    page.addEventListener('keydown', function (event) { navigate(event, input, results); });

    var initial = params.get('q') || '';
    Array.prototype.forEach.call(document.querySelectorAll('form.search-box input[name=q]'), function (box) {
      box.value = initial;
    });
    run(initial, false);
    if (!initial) input.focus();
  }

  // The header's search box sends the page's language along (?lang=), so
  // a search from a Japanese article searches the Japanese index. The
  // default theme has the hidden field already; this covers themes
  // without it.
  function tagHeaderBoxes() {
    var lang = document.documentElement.lang;
    if (!lang || document.querySelector('.search-page')) return;
    Array.prototype.forEach.call(document.querySelectorAll('form.search-box'), function (form) {
      if (form.querySelector('input[name=lang]')) return;
      var hidden = document.createElement('input');
      hidden.type = 'hidden';
      hidden.name = 'lang';
      hidden.value = lang;
      form.appendChild(hidden);
    });
  }

  // Arrow keys move between the box and the result links; Enter follows
  // the focused link (natively); Escape returns to the box.
  function navigate(event, input, results) {
    var links = Array.prototype.slice.call(results.querySelectorAll('li.search-result > a'));
    var at = links.indexOf(document.activeElement);
    var target = null;
    if (event.key === 'ArrowDown') {
      target = at < 0 ? (document.activeElement === input ? links[0] : null) : links[at + 1];
    } else if (event.key === 'ArrowUp' && at >= 0) {
      target = at === 0 ? input : links[at - 1];
    } else if (event.key === 'Escape' && at >= 0) {
      target = input;
    }
    if (target) {
      event.preventDefault();
      target.focus();
    }
  }

  function renderResult(doc, query, root) {
    var li = document.createElement('li');
    li.className = 'search-result';
    var link = document.createElement('a');
    link.href = resolveUrl(doc.url, root);
    appendMarked(link, doc.title, matchRanges(doc.title, query), 0, doc.title.length);
    li.appendChild(link);
    if (doc.breadcrumb) {
      var path = document.createElement('nav');
      path.className = 'search-result-path';
      path.setAttribute('aria-label', doc.breadcrumb);
      var crumbs = document.createElement('ol');
      doc.breadcrumb.split('\u203a').forEach(function (part) {
        var item = document.createElement('li');
        item.textContent = part.trim();
        crumbs.appendChild(item);
      });
      path.appendChild(crumbs);
      li.appendChild(path);
    }
    var text = doc.description;
    var ranges = matchRanges(text, query);
    var bodyRanges = matchRanges(doc.excerpt, query);
    if (!text || bodyRanges.length > ranges.length) {
      text = doc.excerpt;
      ranges = bodyRanges;
    }
    if (text) {
      var snippet = document.createElement('p');
      snippet.className = 'search-snippet';
      var w = snippetWindow(text, ranges, SNIPPET_CHARS);
      if (w.start > 0) snippet.appendChild(document.createTextNode('… '));
      appendMarked(snippet, text, w.ranges, w.start, w.end);
      if (w.end < text.length) snippet.appendChild(document.createTextNode(' …'));
      li.appendChild(snippet);
    }
    return li;
  }

  function appendMarked(parent, text, ranges, start, end) {
    var at = start;
    ranges.forEach(function (r) {
      if (r[0] > at) parent.appendChild(document.createTextNode(text.slice(at, r[0])));
      var mark = document.createElement('mark');
      mark.textContent = text.slice(r[0], r[1]);
      parent.appendChild(mark);
      at = r[1];
    });
    if (at < end) parent.appendChild(document.createTextNode(text.slice(at, end)));
  }

  function resolveUrl(url, root) {
    if (/^https?:\/\//i.test(url) || url.charAt(0) === '/') return url;
    if (/^[a-z][a-z0-9+.-]*:/i.test(url)) return root; // never javascript: and friends
    return root + url;
  }

  function fetchJson(url) {
    return fetch(url).then(function (response) {
      if (!response.ok) throw new Error(url + ': ' + response.status);
      return response.json();
    });
  }

  // The bundle root ('/' or '/internal/'): data-root on the search page or
  // on <html>, else derived from this script's own URL (<root>js/search.js).
  function bundleRoot(page) {
    var root = page.dataset.root || document.documentElement.dataset.root;
    if (!root && scriptSrc) {
      root = new URL(scriptSrc, window.location.href).pathname.replace(/js\/search\.js$/, '');
    }
    root = root || '/';
    return root.endsWith('/') ? root : root + '/';
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', start);
  } else {
    start();
  }
})();
