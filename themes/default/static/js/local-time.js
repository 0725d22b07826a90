/*
 * docket: dates in the reader's own locale and time zone.
 *
 * The server writes every date as `<time datetime="ISO 8601">fallback</time>`
 * (the fallback is UTC, readable without JavaScript). This script rewrites
 * the text of each such element with `Intl.DateTimeFormat` in the page's
 * language (`<html lang>`, so a Japanese page shows Japanese dates, whatever
 * the browser's locale; the browser's own locale when it is a variant of
 * that language, such as en-GB on an English page) and the browser's time
 * zone, and puts the full, exact date and time in `title`
 * (shown on hover). A date without a time (`2026-03-01`) stays a date, read
 * in UTC so that it never moves to the day before or after.
 *
 * No dependencies, no inline handlers, no innerHTML: safe under the
 * sidecar's Content-Security-Policy. Loaded with `defer`.
 */
(function () {
  "use strict";

  var DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

  // The browser's own locale when it is a variant of the page's language
  // (en-GB on an English page), else the page's language.
  function pageLocale() {
    var page = (document.documentElement.getAttribute("lang") || "").toLowerCase();
    var own = (navigator.language || "").toLowerCase();
    if (!page || own.split("-")[0] === page.split("-")[0]) {
      return undefined;
    }
    return page;
  }

  function formatters() {
    var locale = pageLocale();
    try {
      return {
        short: new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short" }),
        full: new Intl.DateTimeFormat(locale, { dateStyle: "full", timeStyle: "long" }),
        day: new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeZone: "UTC" }),
        fullDay: new Intl.DateTimeFormat(locale, { dateStyle: "full", timeZone: "UTC" })
      };
    } catch (e) {
      // A browser without dateStyle support keeps the server's text.
      return null;
    }
  }

  function localize(node, f) {
    var value = (node.getAttribute("datetime") || "").trim();
    if (value === "") {
      return;
    }
    var dateOnly = DATE_ONLY.test(value);
    var when = new Date(dateOnly ? value + "T00:00:00Z" : value);
    if (isNaN(when.getTime())) {
      return;
    }
    node.textContent = (dateOnly ? f.day : f.short).format(when);
    node.setAttribute("title", (dateOnly ? f.fullDay : f.full).format(when));
    node.setAttribute("data-local", "");
  }

  function start() {
    if (typeof Intl !== "object" || typeof Intl.DateTimeFormat !== "function") {
      return;
    }
    var f = formatters();
    if (!f) {
      return;
    }
    var nodes = document.querySelectorAll("time[datetime]");
    for (var i = 0; i < nodes.length; i += 1) {
      localize(nodes[i], f);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
