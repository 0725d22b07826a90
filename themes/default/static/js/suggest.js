/*
 * docket: suggested articles on the new-ticket and contact forms
 * (form[data-suggest]). As the subject is typed, up to five articles from
 * the public bundle's static search index are listed, found by the same
 * engine and tokeniser as the search page (search-tokenize.js and
 * search-index.js, loaded first; Japanese included). Suggestions open in a
 * new tab, so what was typed stays.
 *
 * Counts go to the sidecar (POST /api/suggestions, aggregate only): `shown`
 * once per page when suggestions first appear, `opened` once per page when
 * one is opened, `submitted` when the form is sent after one was opened.
 * Opened minus submitted is the number of requests the suggestions
 * deflected. Without the index (or the sidecar) the form works as before.
 */
(function () {
  'use strict';

  var MAX = 5;
  var DEBOUNCE_MS = 200;
  var CJK_SCRIPT = /[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f]/;
  var CJK_LANGUAGES = ['ja', 'zh', 'ko'];

  function fetchJson(url) {
    return fetch(url, { credentials: 'same-origin' }).then(function (r) {
      if (!r.ok) throw new Error(url + ': ' + r.status);
      return r.json();
    });
  }

  function count(form, event) {
    try {
      fetch('/api/suggestions', {
        method: 'POST',
        credentials: 'same-origin',
        keepalive: true,
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ form: form, event: event })
      }).catch(function () {});
    } catch (e) { /* counting never gets in the way */ }
  }

  function start() {
    var form = document.querySelector('form[data-suggest]');
    var engine = window.docketSearch;
    if (!form || !engine || !engine.SearchIndex || !window.fetch) return;
    var name = form.getAttribute('data-suggest');
    var subject = form.querySelector('input[name=subject]');
    var box = form.querySelector('.suggestions');
    var list = box && box.querySelector('.suggestion-list');
    if (!subject || !list) return;
    var indexes = {};
    var sequence = 0;
    var timer = 0;
    var shown = false;
    var opened = false;

    function indexFor(q) {
      var langs = (CJK_SCRIPT.test(q) ? CJK_LANGUAGES : [])
        .concat([document.documentElement.lang || 'en']);
      var key = langs.join(' ');
      if (!indexes[key]) indexes[key] = new engine.SearchIndex('/', langs, fetchJson);
      return indexes[key];
    }

    function hide() {
      box.hidden = true;
      list.replaceChildren();
    }

    function item(doc) {
      var li = document.createElement('li');
      var a = document.createElement('a');
      a.href = /^\//.test(doc.url) ? doc.url : '/' + doc.url;
      a.target = '_blank';
      a.rel = 'noopener';
      a.textContent = doc.title;
      a.addEventListener('click', function () {
        if (!opened) count(name, 'opened');
        opened = true;
      });
      li.appendChild(a);
      if (doc.breadcrumb) {
        var crumb = document.createElement('span');
        crumb.className = 'suggestion-breadcrumb';
        crumb.textContent = ' · ' + doc.breadcrumb;
        li.appendChild(crumb);
      }
      return li;
    }

    function run() {
      var mine = ++sequence;
      var q = subject.value;
      var query = engine.parseQuery(q);
      if (!query.terms.length) { hide(); return; }
      var index = indexFor(q);
      index.search(query).then(function (outcome) {
        if (mine !== sequence) return null;
        var ids = outcome.hits.slice(0, MAX).map(function (h) { return h.doc; });
        if (!ids.length) { hide(); return null; }
        return index.documents(ids).then(function (docs) {
          if (mine !== sequence) return;
          list.replaceChildren.apply(list, docs.filter(Boolean).map(item));
          box.hidden = false;
          if (!shown) count(name, 'shown');
          shown = true;
        });
      }).catch(hide);
    }

    subject.addEventListener('input', function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(run, DEBOUNCE_MS);
    });
    form.addEventListener('submit', function () {
      if (opened) count(name, 'submitted');
    });
    if (subject.value) run();
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', start);
  } else {
    start();
  }
})();
