// rb-site live reload. Injected into HTML pages by `rb-site serve` only; built sites never load it.
// It listens to server-sent events at `__rb/events` beside the site root (a URL relative to the
// page, so it works under a proxy's sub-path) and reloads the page when a newer build changed it.
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || typeof EventSource === "undefined") return;
  var root = new URL(script.getAttribute("data-root") || "./", location.href);
  var source = new EventSource(new URL("__rb/events", root).href);
  var generation = script.getAttribute("data-generation");
  // The site file this page is (`db/failover/index.html`), as reload events name them.
  var path = script.getAttribute("data-path");
  var dismissedKey = "rb-live-dismissed";

  // `hello` on (re)connect carries the current generation: a page from an older one reloads,
  // so an edit made while it was loading is not missed.
  source.addEventListener("hello", function (event) {
    if (event.data !== generation) location.reload();
  });
  // `reload` after a rebuild names the files that changed (`paths`, null for any): a page
  // reloads only when it is among them, and otherwise just notes the new generation.
  source.addEventListener("reload", function (event) {
    var data;
    try {
      data = JSON.parse(event.data);
    } catch (e) {
      data = { generation: event.data, paths: null };
    }
    var next = String(data.generation);
    if (next === generation) return;
    generation = next;
    if (!data.paths || data.paths.indexOf(path) >= 0) location.reload();
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
