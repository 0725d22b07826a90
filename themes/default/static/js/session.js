/*
 * docket: the login information area (#login-area).
 *
 * The static pages ship a plain "Log in" link. When the site is served
 * beside the sidecar (same origin), this script asks GET /api/session and,
 * for a signed-in user, replaces the link with the address, links to the
 * user's pages ("New ticket" too when the JSON says `can_open_tickets`) and
 * a "Log out" button (POST /logout with the CSRF token from the session
 * JSON). Without the sidecar (plain static hosting) the request fails and
 * the "Log in" link stays as it is. After a logout (`?signed_out=1`, the
 * sidecar's redirect) a page without its own notice gets a "You are signed
 * out" status notice at the top of `main`.
 *
 * No dependencies, no inline handlers, no eval, no innerHTML: safe under the
 * sidecar's Content-Security-Policy. Loaded with `defer`.
 */
(function () {
  "use strict";

  // The labels come from the page (the header's data-label-* attributes,
  // filled from the theme's string catalog in the page's language); a theme
  // whose header predates them gets English.
  var ENGLISH = {
    myTickets: "My Tickets",
    newTicket: "New ticket",
    signedOut: "You are signed out.",
    inbox: "Inbox",
    internal: "Internal KB",
    logOut: "Log out",
    signedInAs: "Signed in as",
    profile: "Your account"
  };

  function labels() {
    var area = document.getElementById("login-area");
    var data = (area && area.dataset) || {};
    var out = {};
    Object.keys(ENGLISH).forEach(function (name) {
      var key = "label" + name.charAt(0).toUpperCase() + name.slice(1);
      out[name] = data[key] || ENGLISH[name];
    });
    return out;
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (name) {
        node.setAttribute(name, attrs[name]);
      });
    }
    if (text !== undefined) {
      node.textContent = text;
    }
    return node;
  }

  function clear(node) {
    while (node.firstChild) {
      node.removeChild(node.firstChild);
    }
  }

  // Is `href` the page we are on (or a page below it)?
  function isCurrent(href) {
    href = href.split("?")[0];
    var path = window.location.pathname;
    return path === href || (href.charAt(href.length - 1) === "/" && path.indexOf(href) === 0);
  }

  // A portal link from a static page carries the page's language, so the
  // portal answers in it (portal pages are already in the portal's).
  function link(href, text) {
    var area = document.getElementById("login-area");
    var lang = area && area.getAttribute("data-lang");
    var onPortal = document.body && document.body.classList.contains("portal");
    if (lang && !onPortal && href.indexOf("/internal/") !== 0) {
      href += "?lang=" + encodeURIComponent(lang);
    }
    var a = el("a", { href: href }, text);
    if (isCurrent(href)) {
      a.setAttribute("aria-current", "page");
    }
    return a;
  }

  function showSignedIn(area, session) {
    var t = labels();
    var items = [];

    // The address is the link to the account page.
    var who = link("/my/profile", session.email);
    who.setAttribute("class", "session-email");
    who.setAttribute("title", t.signedInAs + " " + session.email);
    who.setAttribute("aria-label", t.profile + ": " + session.email);
    items.push(who);

    if (session.role === "agent") {
      items.push(link("/agent/tickets", t.inbox));
      items.push(link("/internal/", t.internal));
    } else {
      items.push(link("/my/tickets", t.myTickets));
      if (session.can_open_tickets === true) {
        items.push(link("/my/tickets/new", t.newTicket));
      }
    }

    var form = el("form", { method: "post", action: "/logout", "class": "logout-form" });
    if (typeof session.csrf === "string" && session.csrf !== "") {
      form.appendChild(el("input", { type: "hidden", name: "csrf", value: session.csrf }));
    }
    form.appendChild(el("button", { type: "submit", "class": "button button-secondary" }, t.logOut));
    items.push(form);

    clear(area);
    items.forEach(function (item) {
      area.appendChild(item);
    });
    area.setAttribute("data-session", session.role === "agent" ? "agent" : "customer");
  }

  // Signed out but the sidecar is there: bring the reader back after login.
  function showSignedOut(area) {
    var login = area.querySelector('a[href^="/login"]');
    if (!login) {
      return;
    }
    // The logout notice's flag is not worth coming back to.
    var search = window.location.search.replace(/([?&])signed_out=1(&|$)/, "$1").replace(/[?&]$/, "");
    var here = window.location.pathname + search;
    if (here.charAt(0) === "/" && here.charAt(1) !== "/" && here.indexOf("/login") !== 0) {
      var lang = area.getAttribute("data-lang");
      login.setAttribute(
        "href",
        "/login?" + (lang ? "lang=" + encodeURIComponent(lang) + "&" : "") + "next=" + encodeURIComponent(here)
      );
    }
    area.setAttribute("data-session", "anonymous");
  }

  // Just signed out: say so once, unless the page already does (the
  // portal's login page renders its own notice).
  function showSignedOutNotice() {
    if (!/(?:^|[?&])signed_out=1(?:&|$)/.test(window.location.search.slice(1))) {
      return;
    }
    var main = document.querySelector("main");
    if (!main || main.querySelector(".notice-signed-out, [role=status]")) {
      return;
    }
    var notice = el("div", { "class": "notice notice-success notice-signed-out", role: "status" });
    notice.appendChild(el("p", null, labels().signedOut));
    main.insertBefore(notice, main.firstChild);
  }

  function start() {
    var area = document.getElementById("login-area");
    if (!area || typeof window.fetch !== "function") {
      return;
    }
    window
      .fetch("/api/session", {
        method: "GET",
        credentials: "same-origin",
        cache: "no-store",
        headers: { Accept: "application/json" }
      })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("no session endpoint");
        }
        // A static host answering with an HTML page fails to parse: caught below.
        return response.json();
      })
      .then(function (session) {
        if (session && session.authenticated === true && typeof session.email === "string") {
          showSignedIn(area, session);
        } else if (session && session.authenticated === false) {
          showSignedOut(area);
          showSignedOutNotice();
        }
      })
      .catch(function () {
        // Static hosting without the sidecar: keep the "Log in" link.
      });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
