// docket serve: live reload and the build-error overlay. Injected only by
// `docket serve` as an external script (no inline code, so the sidecar's
// Content-Security-Policy holds). Never part of `docket build` output.
(function () {
  "use strict";
  var OVERLAY_ID = "docket-error-overlay";

  function hideOverlay() {
    var old = document.getElementById(OVERLAY_ID);
    if (old) { old.remove(); }
  }

  function showOverlay(text) {
    hideOverlay();
    var box = document.createElement("div");
    box.id = OVERLAY_ID;
    box.setAttribute("role", "alert");
    box.style.cssText = "position:fixed;inset:0;z-index:2147483647;overflow:auto;" +
      "background:rgba(20,20,20,.92);color:#ffd7d7;padding:2rem;font:14px/1.5 monospace";
    var title = document.createElement("h2");
    title.textContent = "docket: the last change did not build";
    title.style.cssText = "color:#ff8080;font:bold 18px sans-serif;margin:0 0 1rem";
    var pre = document.createElement("pre");
    pre.textContent = text;
    pre.style.cssText = "white-space:pre-wrap;margin:0";
    var hint = document.createElement("p");
    hint.textContent = "The previous version of the site is still served. Fix the file and this page reloads.";
    hint.style.cssText = "color:#ccc;font:13px sans-serif";
    box.appendChild(title);
    box.appendChild(pre);
    box.appendChild(hint);
    document.body.appendChild(box);
  }

  var version = null;
  var source = new EventSource("/__docket/events");
  source.addEventListener("hello", function (e) {
    // A new version after a reconnect (server restarted) means: reload.
    if (version !== null && version !== e.data) { location.reload(); }
    version = e.data;
  });
  source.addEventListener("reload", function () { location.reload(); });
  source.addEventListener("build-error", function (e) { showOverlay(e.data); });
  source.addEventListener("ok", function () { hideOverlay(); });
})();
