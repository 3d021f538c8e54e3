/* rb-site default theme: colour-scheme toggle, the sidebar built from the shared nav data
   (static/nav.js calls window.rbNav), the phone drawer and the table of contents.
   Everything here is an enhancement: every page is complete and readable without it. */
(function () {
  "use strict";
  var doc = document;
  var html = doc.documentElement;
  var root = html.getAttribute("data-root") || "";
  var pageUrl = html.getAttribute("data-page-url") || "";
  var STORE = "rb-theme";

  function el(tag, attrs, text) {
    var node = doc.createElement(tag);
    for (var key in attrs) if (attrs[key] != null) node.setAttribute(key, attrs[key]);
    if (text != null) node.textContent = text;
    return node;
  }
  function href(url) { return root + url + (url === "" || url.slice(-1) === "/" ? "index.html" : ""); }
  function media(query) {
    var list = window.matchMedia(query);
    list.on = function (fn) { list.addEventListener ? list.addEventListener("change", fn) : list.addListener(fn); };
    return list;
  }

  /* ---- Sidebar: built once from the site-wide nav data, never inlined in pages. ---- */
  window.rbNav = function (data) {
    var host = doc.getElementById("rb-nav-tree");
    if (!host || !data) return;
    var services = data.services || [];
    var total = 0;
    var current = null;
    services.forEach(function (svc) {
      total += (svc.pages || []).length;
      if (svc.url === pageUrl) current = svc;
      (svc.pages || []).forEach(function (p) { if (p.url === pageUrl) current = svc; });
    });
    var frag = doc.createDocumentFragment();
    frag.appendChild(el("h2", { "class": "nav-heading" }, "Services"));
    var currentLink = null;
    services.forEach(function (svc) {
      var group = el("details", { "class": "nav-group" });
      group.open = svc === current || (!current && total <= 40);
      var summary = el("summary");
      summary.appendChild(el("span", { "class": "nav-group-title" }, svc.title || svc.name));
      summary.appendChild(el("span", { "class": "nav-count", "aria-label": (svc.pages || []).length + " runbooks" }, String((svc.pages || []).length)));
      group.appendChild(summary);
      var list = el("ul");
      var items = [{ title: "Overview", url: svc.url, overview: true }].concat(svc.pages || []);
      items.forEach(function (p) {
        var li = el("li");
        var a = el("a", { href: href(p.url), "class": p.overview ? "nav-overview" : null });
        if (!p.overview) a.appendChild(el("span", { "class": "sev-dot sev-" + (p.severity ? String(p.severity).toLowerCase() : "none"), title: p.severity || null }));
        a.appendChild(doc.createTextNode(p.title));
        if (p.severity) a.appendChild(el("span", { "class": "visually-hidden" }, " (" + p.severity + ")"));
        if (p.url === pageUrl) { a.setAttribute("aria-current", "page"); currentLink = a; }
        li.appendChild(a);
        list.appendChild(li);
      });
      group.appendChild(list);
      frag.appendChild(group);
    });
    var known = {};
    Array.prototype.forEach.call(doc.querySelectorAll(".nav-browse a"), function (a) { known[a.getAttribute("href")] = true; });
    var others = (data.other || []).filter(function (o) { return !known[href(o.url)]; });
    if (others.length) {
      frag.appendChild(el("h2", { "class": "nav-heading" }, "More"));
      var more = el("ul", { "class": "nav-browse" });
      others.forEach(function (o) {
        var a = el("a", { href: href(o.url) }, o.title);
        if (o.url === pageUrl) a.setAttribute("aria-current", "page");
        more.appendChild(el("li")).appendChild(a);
      });
      frag.appendChild(more);
    }
    host.appendChild(frag);
    if (currentLink) {
      var box = host.closest(".sidebar-inner");
      var offset = currentLink.getBoundingClientRect().top - box.getBoundingClientRect().top;
      if (offset > box.clientHeight * 0.7) box.scrollTop = offset - box.clientHeight / 3;
    }
  };

  /* ---- Light/dark toggle; theme-init.js already applied the stored or system choice. ---- */
  var toggle = doc.querySelector(".theme-toggle");
  function scheme() { return html.getAttribute("data-theme") === "dark" ? "dark" : "light"; }
  function syncToggle() {
    if (!toggle) return;
    var dark = scheme() === "dark";
    toggle.setAttribute("aria-pressed", dark ? "true" : "false");
    toggle.title = dark ? "Switch to light mode" : "Switch to dark mode";
  }
  if (toggle) {
    toggle.addEventListener("click", function () {
      var next = scheme() === "dark" ? "light" : "dark";
      html.setAttribute("data-theme", next);
      try { localStorage.setItem(STORE, next); } catch (e) { /* private mode: the choice lasts for this page */ }
      syncToggle();
    });
    syncToggle();
  }
  media("(prefers-color-scheme: dark)").on(function (event) {
    var stored = null;
    try { stored = localStorage.getItem(STORE); } catch (e) { /* ignore */ }
    if (stored !== "light" && stored !== "dark") {
      html.setAttribute("data-theme", event.matches ? "dark" : "light");
      syncToggle();
    }
  });

  /* ---- Phone drawer. ---- */
  var navButton = doc.querySelector(".nav-toggle");
  var sidebar = doc.getElementById("sidebar");
  var backdrop = doc.querySelector(".nav-backdrop");
  var narrow = media("(max-width: 899.98px)");
  function setDrawer(open, restoreFocus) {
    if (!navButton || !sidebar) return;
    html.classList.toggle("nav-open", open);
    navButton.setAttribute("aria-expanded", open ? "true" : "false");
    navButton.setAttribute("aria-label", open ? "Close navigation" : "Open navigation");
    if (backdrop) backdrop.hidden = !open;
    if (open) {
      var target = sidebar.querySelector("[aria-current=page]") || sidebar.querySelector("a, summary");
      if (target) target.focus();
    } else if (restoreFocus) {
      navButton.focus();
    }
  }
  if (navButton && sidebar) {
    var close = el("button", { type: "button", "class": "icon-button drawer-close", "aria-label": "Close navigation" });
    close.innerHTML = '<svg aria-hidden="true" focusable="false" width="18" height="18" viewBox="0 0 20 20"><path d="M5 5l10 10M15 5 5 15" stroke="currentColor" stroke-width="2" stroke-linecap="round"/></svg>';
    close.addEventListener("click", function () { setDrawer(false, true); });
    var inner = sidebar.querySelector(".sidebar-inner") || sidebar;
    inner.insertBefore(close, inner.firstChild);
    navButton.addEventListener("click", function () { setDrawer(!html.classList.contains("nav-open"), true); });
    if (backdrop) backdrop.addEventListener("click", function () { setDrawer(false, true); });
    doc.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && html.classList.contains("nav-open")) setDrawer(false, true);
    });
    narrow.on(function () { if (!narrow.matches) setDrawer(false, false); });
  } else if (navButton) {
    navButton.hidden = true;
  }

  /* ---- Scrollable code and tables must be reachable from the keyboard (WCAG 2.1.1). ---- */
  function focusableScrollers() {
    Array.prototype.forEach.call(doc.querySelectorAll("main pre, main table, main .mermaid, main .table-scroll"), function (box) {
      if (box.scrollWidth > box.clientWidth + 1 && !box.hasAttribute("tabindex")) box.setAttribute("tabindex", "0");
    });
  }
  focusableScrollers();
  var resizeTimer = 0;
  window.addEventListener("resize", function () { clearTimeout(resizeTimer); resizeTimer = setTimeout(focusableScrollers, 200); });

  /* ---- Checklist boxes need an accessible name: the text of their list item, unless the
     markup already gave one. ---- */
  Array.prototype.forEach.call(doc.querySelectorAll("main li > input[type=checkbox]"), function (box) {
    if (box.labels && box.labels.length) return;
    if (box.hasAttribute("aria-label") || box.hasAttribute("aria-labelledby")) return;
    var text = (box.parentNode.textContent || "").replace(/\s+/g, " ").trim();
    if (text) box.setAttribute("aria-label", text.length > 140 ? text.slice(0, 139) + "…" : text);
  });

  /* ---- Table of contents: open beside the page on wide screens, folded above it otherwise. ---- */
  var toc = doc.querySelector("details.toc");
  if (toc) {
    var wide = media("(min-width: 1200px)");
    var fit = function () { toc.open = wide.matches; };
    fit();
    wide.on(fit);
    var links = toc.querySelectorAll("a[href^='#']");
    if ("IntersectionObserver" in window && links.length) {
      var byId = {};
      Array.prototype.forEach.call(links, function (a) { byId[decodeURIComponent(a.getAttribute("href").slice(1))] = a; });
      var active = null;
      var observer = new IntersectionObserver(function (entries) {
        entries.forEach(function (entry) {
          if (!entry.isIntersecting) return;
          var a = byId[entry.target.id];
          if (!a || a === active) return;
          if (active) active.classList.remove("active");
          a.classList.add("active");
          active = a;
        });
      }, { rootMargin: "0px 0px -70% 0px" });
      Object.keys(byId).forEach(function (id) {
        var target = doc.getElementById(id);
        if (target) observer.observe(target);
      });
    }
  }
})();
