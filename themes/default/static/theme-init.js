/* rb-site: runs synchronously in <head> so the chosen colour scheme applies before first paint. */
(function () {
  var d = document.documentElement, t = null;
  d.classList.add("js");
  try { t = localStorage.getItem("rb-theme"); } catch (e) { /* storage blocked: follow the system */ }
  if (t !== "light" && t !== "dark") {
    t = window.matchMedia && matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
  }
  d.setAttribute("data-theme", t);
})();
