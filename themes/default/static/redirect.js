// Redirect pages: follow the page's meta refresh at once, keeping the #fragment the reader came
// with (a meta refresh drops it; the refresh target's own fragment is the fallback).
(function () {
  "use strict";
  var meta = document.querySelector('meta[http-equiv="refresh" i]');
  var match = meta && /url\s*=\s*['"]?([^'"]+)/i.exec(meta.getAttribute("content") || "");
  if (!match) return;
  var target = match[1].trim();
  var hash = target.indexOf("#");
  var fragment = hash === -1 ? "" : target.slice(hash);
  if (hash !== -1) target = target.slice(0, hash);
  location.replace(target + (location.hash || fragment));
})();
