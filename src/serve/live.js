// rb-site live reload. Injected into HTML pages by `rb-site serve` only; built sites never load it.
// It listens to server-sent events at `__rb/events` beside the site root (a URL relative to the
// page, so it works under a proxy's sub-path) and reloads the page when a newer build is in place.
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || typeof EventSource === "undefined") return;
  var root = new URL(script.getAttribute("data-root") || "./", location.href);
  var generation = script.getAttribute("data-generation");
  var dismissedKey = "rb-live-dismissed";

  function check(event) {
    // `hello` on (re)connect and `reload` after a rebuild both carry the current generation:
    // a page from an older one reloads, so an edit made while it was loading is not missed.
    if (event.data !== generation) {
      generation = event.data;
      location.reload();
    }
  }

  var source = new EventSource(new URL("__rb/events", root).href);
  source.addEventListener("hello", check);
  source.addEventListener("reload", check);
  // print.html holds every runbook: a rebuild renders it after the reload, then says so.
  source.addEventListener("print", function () {
    if (/(^|\/)print\.html$/.test(location.pathname)) location.reload();
  });

  // The warnings badge: dismissed until the warnings change.
  var badge = document.getElementById("rb-live-badge");
  if (badge) {
    var tag = badge.getAttribute("data-tag");
    try {
      if (sessionStorage.getItem(dismissedKey) === tag) badge.remove();
    } catch (e) {
      /* storage may be disabled: the badge just stays */
    }
    badge.addEventListener("click", function (event) {
      if (!event.target.closest("[data-rb-dismiss]")) return;
      badge.remove();
      try {
        sessionStorage.setItem(dismissedKey, tag);
      } catch (e) {
        /* ignore */
      }
    });
  }
})();
