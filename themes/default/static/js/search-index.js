/*
 * docket search, part 2: the query engine over the static index (manifest,
 * shards, postings, ranking, snippets). Formats: docs/search.md. Needs the
 * tokeniser (search-tokenize.js) loaded first.
 *
 * In a page it adds the engine to window.docketSearch; under node, `require`
 * returns the engine with the tokeniser.
 */
(function () {
  'use strict';

  var tokenizer = typeof module !== 'undefined' && module.exports
    ? require('./search-tokenize.js')
    : window.docketSearch;
  var tokenize = tokenizer.tokenize;
  var tokenizeSpans = tokenizer.tokenizeSpans;
  var stem = tokenizer.stem;

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
  } else {
    window.docketSearch = Object.assign(window.docketSearch || {}, engine);
  }
})();
