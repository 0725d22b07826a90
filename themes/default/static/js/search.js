/*
 * docket search, part 3: the search box and the /search/ page. The engine
 * (search-tokenize.js, search-index.js) is loaded by the theme before this
 * file; a theme written before the split includes only this file, and then
 * it loads the other two itself, from beside its own URL.
 *
 * Loaded with <script defer>; no inline script, no eval, no dependencies.
 * Under node, `require` returns the engine (for the tests).
 */
(function () {
  'use strict';

  if (typeof document === 'undefined') {
    if (typeof module !== 'undefined' && module.exports) {
      module.exports = require('./search-index.js');
    }
    return;
  }
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
  var MISS_SETTLE_MS = 1500;
  var scriptSrc = document.currentScript && document.currentScript.src;
  var SearchIndex, parseQuery, matchRanges, snippetWindow;

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
    var missTimer = 0;
    var reported = {};

    // A search of the public bundle that found nothing is counted by the
    // sidecar (POST /api/search-miss: the query and language, nothing
    // else) for the content-gap report; without a sidecar the call fails
    // quietly.
    function reportMiss(q) {
      var key = q.trim().toLowerCase();
      if (!key || reported[key] || !document.body.classList.contains('bundle-public')) return;
      reported[key] = true;
      var lang = params.get('lang') || page.dataset.lang || document.documentElement.lang || 'en';
      try {
        fetch('/api/search-miss', {
          method: 'POST',
          credentials: 'same-origin',
          keepalive: true,
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ query: q, lang: lang })
        }).catch(function () {});
      } catch (e) { /* never in the way of searching */ }
    }

    function message(name, values) {
      var text = messages[name] || '';
      Object.keys(values || {}).forEach(function (k) { text = text.split('{' + k + '}').join(values[k]); });
      return text;
    }

    function run(q, updateUrl) {
      var mine = ++sequence;
      window.clearTimeout(missTimer);
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
          // Counted once the typing has settled, never per keystroke.
          missTimer = window.setTimeout(function () { reportMiss(q); }, updateUrl ? MISS_SETTLE_MS : 0);
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

  function begin() {
    withEngine(start);
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', begin);
  } else {
    begin();
  }

  // The engine, loaded by the page already or (older themes) now.
  function withEngine(then) {
    var loaded = function () {
      var engine = window.docketSearch;
      SearchIndex = engine.SearchIndex;
      parseQuery = engine.parseQuery;
      matchRanges = engine.matchRanges;
      snippetWindow = engine.snippetWindow;
      then();
    };
    if (window.docketSearch && window.docketSearch.SearchIndex) {
      loaded();
      return;
    }
    var base = scriptSrc ? scriptSrc.replace(/search\.js(\?.*)?$/, '') : bundleRoot(document.documentElement) + 'js/';
    var chain = ['search-tokenize.js', 'search-index.js'].reduceRight(function (next, name) {
      return function () {
        var script = document.createElement('script');
        script.src = base + name;
        script.onload = next;
        document.head.appendChild(script);
      };
    }, loaded);
    chain();
  }
})();
