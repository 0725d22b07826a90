/*
 * docket search, part 1: the tokeniser. Its rules are those of
 * src/search/tokenize.rs and src/search/stem.rs, rule for rule;
 * tests/search/vectors.json is checked against both (cargo test,
 * node --test tests/search/). Change them together.
 *
 * In a page it adds tokenize, tokenizeSpans and stem to window.docketSearch;
 * under node, `require` returns them.
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

  var tokenizer = { tokenize: tokenize, tokenizeSpans: tokenizeSpans, stem: stem };
  if (typeof module !== 'undefined' && module.exports) {
    module.exports = tokenizer;
  } else {
    window.docketSearch = Object.assign(window.docketSearch || {}, tokenizer);
  }
})();
