/*
 * docket: "Was this article helpful?" (section.feedback on public articles).
 *
 * The section ships `hidden`. This script asks the sidecar for a signed
 * token (GET /api/feedback/token); only when that answers does the widget
 * appear, so on plain static hosting, or with the sidecar down, the page
 * shows nothing broken. A vote is POST /api/feedback (JSON, same origin);
 * after "No" the visitor may add a comment (POST /api/feedback/comment)
 * and is offered "Still need help? Contact support", a link to /contact
 * pre-filled with the article's title and address (a signed-in customer
 * is sent on to the new-ticket form). Contract: docs/contract.md.
 *
 * No dependencies, no inline handlers, no innerHTML. Loaded with `defer`.
 */
(function () {
  'use strict';

  // The messages come from the page (section.feedback's data-msg-*
  // attributes, filled from the theme's string catalog in the page's
  // language); English when a theme's template lacks them.
  var ENGLISH = {
    thanks: 'Thank you for your feedback.',
    sorry: 'Thank you. Sorry this did not help.',
    again: 'You already voted on this article today.',
    failed: 'Your vote could not be sent. Please try again later.',
    commented: 'Thank you, your comment was sent.',
    about: 'About the article'
  };

  function text() {
    var box = document.querySelector('section.feedback');
    var data = (box && box.dataset) || {};
    var out = {};
    Object.keys(ENGLISH).forEach(function (name) {
      var key = 'msg' + name.charAt(0).toUpperCase() + name.slice(1);
      out[name] = data[key] || ENGLISH[name];
    });
    return out;
  }

  function postJson(url, body) {
    return fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body)
    });
  }

  function contactHref(title) {
    var address = window.location.origin + window.location.pathname;
    var body = text().about + ' "' + title + '" (' + address + '):\n\n';
    return '/contact?subject=' + encodeURIComponent(title) + '&body=' + encodeURIComponent(body);
  }

  function start() {
    var box = document.querySelector('section.feedback');
    if (!box || !window.fetch) return;
    var buttons = box.querySelectorAll('.feedback-buttons button');
    var status = box.querySelector('.feedback-status');
    var commentForm = box.querySelector('.feedback-comment');
    var contact = box.querySelector('.feedback-contact');
    var title = box.getAttribute('data-title') || document.title;
    var token = null;
    var vote = null;

    fetch('/api/feedback/token', { credentials: 'same-origin' })
      .then(function (r) {
        if (!r.ok) throw new Error('status ' + r.status);
        return r.json();
      })
      .then(function (json) {
        if (!json || typeof json.token !== 'string') return;
        token = json.token;
        box.hidden = false;
      })
      .catch(function () { /* no sidecar: the widget stays hidden */ });

    function finish(helpful) {
      Array.prototype.forEach.call(buttons, function (b) { b.disabled = true; });
      if (!helpful) {
        var link = contact.querySelector('a');
        link.setAttribute('href', contactHref(title));
        contact.hidden = false;
      }
    }

    Array.prototype.forEach.call(buttons, function (button) {
      button.addEventListener('click', function () {
        var helpful = button.value === 'yes';
        postJson('/api/feedback', {
          token: token,
          article: window.location.pathname,
          lang: document.documentElement.getAttribute('lang') || 'en',
          helpful: helpful
        }).then(function (r) {
          if (r.status === 409) {
            status.textContent = text().again;
            finish(helpful);
            return null;
          }
          if (!r.ok) throw new Error('status ' + r.status);
          return r.json().then(function (json) {
            vote = json.vote;
            status.textContent = helpful ? text().thanks : text().sorry;
            finish(helpful);
            if (!helpful && vote) commentForm.hidden = false;
          });
        }).catch(function () {
          status.textContent = text().failed;
        });
      });
    });

    commentForm.addEventListener('submit', function (event) {
      event.preventDefault();
      var comment = commentForm.querySelector('textarea').value.trim();
      if (!comment || !vote) return;
      postJson('/api/feedback/comment', { token: token, vote: vote, comment: comment })
        .then(function (r) {
          if (!r.ok) throw new Error('status ' + r.status);
          commentForm.hidden = true;
          status.textContent = text().commented;
        })
        .catch(function () {
          status.textContent = text().failed;
        });
    });
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', start);
  } else {
    start();
  }
})();
