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

  /* ---- Sidebar: built once from the site-wide nav data, replacing the page's own service
     list. static/nav.js names every service with its count; a small site lists each service's
     runbooks there ({t: title, u: URL, s: severity}), a larger one in static/nav/<service>.js,
     loaded when the service is opened (window.rbNavPages), so no page loads the whole site. ---- */
  var loaded = {};
  var waiting = {};
  window.rbNavPages = function (key, pages) {
    loaded[key] = pages || [];
    (waiting[key] || []).forEach(function (done) { done(loaded[key]); });
    delete waiting[key];
  };
  function servicePages(svc, done) {
    if (svc.pages) return done(svc.pages);
    if (loaded[svc.key]) return done(loaded[svc.key]);
    if (waiting[svc.key]) return waiting[svc.key].push(done);
    waiting[svc.key] = [done];
    var script = el("script", { src: root + svc.src });
    // Offline or missing: the group keeps its link to the service's page.
    script.onerror = function () { delete waiting[svc.key]; };
    doc.head.appendChild(script);
  }

  window.rbNav = function (data) {
    var host = doc.getElementById("rb-nav-tree");
    if (!host || !data) return;
    var services = data.services || [];
    var own = host.querySelector(".nav-static ul");
    var total = 0;
    var current = null;
    services.forEach(function (svc) {
      total += svc.count != null ? svc.count : (svc.pages || []).length;
      if (svc.url === pageUrl || svc.overview === pageUrl) current = svc;
      (svc.pages || []).forEach(function (p) { if (p.u === pageUrl) current = svc; });
    });
    // Runbook pages of a larger site: the page's own list says which service is current.
    var ownHead = host.querySelector(".nav-static .nav-group-head a");
    if (!current && own && ownHead) {
      services.forEach(function (svc) { if (ownHead.getAttribute("href") === href(svc.url)) current = svc; });
    }
    var frag = doc.createDocumentFragment();
    frag.appendChild(el("h2", { "class": "nav-heading" }, "Services"));
    var currentLink = null;
    services.forEach(function (svc) {
      var group = el("details", { "class": "nav-group" });
      var count = svc.count != null ? svc.count : (svc.pages || []).length;
      var summary = el("summary");
      summary.appendChild(el("span", { "class": "nav-group-title" }, svc.name));
      summary.appendChild(el("span", { "class": "nav-count", "aria-label": count + " runbooks" }, String(count)));
      group.appendChild(summary);
      var list = el("ul");
      function item(p) {
        var li = el("li");
        var a = el("a", { href: href(p.u), "class": p.overview ? "nav-overview" : null });
        if (!p.overview) a.appendChild(el("span", { "class": "sev-dot sev-" + (p.s ? String(p.s).toLowerCase() : "none"), title: p.s || null }));
        a.appendChild(doc.createTextNode(p.t));
        if (p.s) a.appendChild(el("span", { "class": "visually-hidden" }, " (" + p.s + ")"));
        if (p.u === pageUrl) { a.setAttribute("aria-current", "page"); currentLink = a; }
        li.appendChild(a);
        return li;
      }
      // Built when first opened: at 10,000 runbooks the closed groups cost nothing.
      function fill() {
        if (list.firstChild) return;
        list.appendChild(item({ t: svc.overview ? "Overview" : "All " + count + " runbooks", u: svc.overview || svc.url, overview: true }));
        servicePages(svc, function (pages) {
          pages.forEach(function (p) { list.appendChild(item(p)); });
          if (pages.length < count) list.appendChild(item({ t: "All " + count + " runbooks →", u: svc.url, overview: true }));
        });
      }
      if (svc === current && own && !svc.pages) {
        // The page's own list (the runbooks around it): nothing to load.
        list = own;
        currentLink = own.querySelector("a[aria-current=page]");
        group.open = true;
      } else {
        group.open = !!svc.pages && (svc === current || (!current && total <= 40));
        if (group.open) fill();
        group.addEventListener("toggle", function () { if (group.open) fill(); });
      }
      group.appendChild(list);
      frag.appendChild(group);
    });
    var known = {};
    Array.prototype.forEach.call(doc.querySelectorAll(".nav-browse a"), function (a) { known[a.getAttribute("href")] = true; });
    var others = (data.other || []).filter(function (o) { return !known[href(o.u)]; });
    if (others.length) {
      frag.appendChild(el("h2", { "class": "nav-heading" }, "More"));
      var more = el("ul", { "class": "nav-browse" });
      others.forEach(function (o) {
        var a = el("a", { href: href(o.u) }, o.t);
        if (o.u === pageUrl) a.setAttribute("aria-current", "page");
        more.appendChild(el("li")).appendChild(a);
      });
      frag.appendChild(more);
    }
    host.textContent = "";
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
      if (!html.classList.contains("nav-open")) return;
      if (event.key === "Escape") { setDrawer(false, true); return; }
      if (event.key !== "Tab") return;
      // Focus stays in the open drawer: Tab from its last control wraps to its first.
      var controls = Array.prototype.filter.call(
        sidebar.querySelectorAll("a[href], button, summary, input, [tabindex]:not([tabindex='-1'])"),
        function (node) { return node.offsetParent !== null || node === doc.activeElement; });
      if (!controls.length) return;
      var first = controls[0], last = controls[controls.length - 1];
      var inside = sidebar.contains(doc.activeElement);
      if (event.shiftKey && (doc.activeElement === first || !inside)) { event.preventDefault(); last.focus(); }
      else if (!event.shiftKey && (doc.activeElement === last || !inside)) { event.preventDefault(); first.focus(); }
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

  /* ---- Wide tables: say that they scroll sideways, and which way more columns are. ---- */
  function scrollHints() {
    Array.prototype.forEach.call(doc.querySelectorAll("main .rb-body table, main .table-scroll"), function (box) {
      var wide = box.scrollWidth > box.clientWidth + 1;
      var hint = box.previousElementSibling && box.previousElementSibling.classList.contains("scroll-hint") ? box.previousElementSibling : null;
      if (wide && !hint) {
        hint = el("p", { "class": "scroll-hint", "aria-hidden": "true" }, "Scroll sideways for more columns →");
        box.parentNode.insertBefore(hint, box);
        box.addEventListener("scroll", function () {
          var end = box.scrollLeft + box.clientWidth >= box.scrollWidth - 2;
          box.classList.toggle("scrolled-end", end);
        }, { passive: true });
      }
      if (hint) hint.hidden = !wide;
      box.classList.toggle("scrolls-x", wide);
    });
  }
  scrollHints();
  window.addEventListener("resize", function () { clearTimeout(resizeTimer); resizeTimer = setTimeout(function () { focusableScrollers(); scrollHints(); }, 200); });

  /* ---- Diagrams: a button opens each one full screen, at its natural size, where it can be
     panned and pinch-zoomed (and zoomed with the + and - buttons). ---- */
  var viewer = null;
  function openDiagram(figure, opener) {
    var svg = figure.querySelector("svg");
    if (!svg) return;
    if (!viewer) {
      viewer = el("dialog", { "class": "diagram-viewer", "aria-label": "Diagram" });
      var bar = el("div", { "class": "diagram-viewer-bar" });
      var zoomOut = el("button", { type: "button", "class": "icon-button", "aria-label": "Zoom out" }, "−");
      var zoomIn = el("button", { type: "button", "class": "icon-button", "aria-label": "Zoom in" }, "+");
      var shut = el("button", { type: "button", "class": "icon-button diagram-close", "aria-label": "Close diagram" }, "×");
      bar.appendChild(zoomOut); bar.appendChild(zoomIn); bar.appendChild(shut);
      var stage = el("div", { "class": "diagram-stage", tabindex: "0" });
      viewer.appendChild(bar); viewer.appendChild(stage);
      doc.body.appendChild(viewer);
      var zoom = function (factor) {
        var box = stage.firstChild;
        if (!box) return;
        var scale = Math.min(8, Math.max(0.25, (parseFloat(box.getAttribute("data-scale")) || 1) * factor));
        box.setAttribute("data-scale", String(scale));
        box.style.width = (parseFloat(box.getAttribute("data-width")) * scale) + "px";
      };
      zoomIn.addEventListener("click", function () { zoom(1.25); });
      zoomOut.addEventListener("click", function () { zoom(0.8); });
      shut.addEventListener("click", function () { viewer.close(); });
      viewer.addEventListener("close", function () { stage.textContent = ""; if (viewer.opener) viewer.opener.focus(); });
    }
    var stageBox = viewer.querySelector(".diagram-stage");
    var copy = svg.cloneNode(true);
    // Ids inside the copy would clash with the original's (markers, styles): the copy is inert.
    copy.removeAttribute("id");
    var width = svg.viewBox && svg.viewBox.baseVal && svg.viewBox.baseVal.width ? svg.viewBox.baseVal.width : svg.getBoundingClientRect().width;
    // A figure.mermaid again, so the diagram palette (code.css) follows the colour scheme.
    var holder = el("figure", { "class": "mermaid diagram-zoom", "data-scale": "1", "data-width": String(width) });
    holder.style.width = width + "px";
    copy.setAttribute("width", "100%");
    copy.removeAttribute("height");
    copy.style.maxWidth = "none";
    holder.appendChild(copy);
    stageBox.appendChild(holder);
    viewer.opener = opener;
    viewer.showModal();
    // Diagrams flow from the top centre: start there.
    stageBox.scrollLeft = (stageBox.scrollWidth - stageBox.clientWidth) / 2;
    stageBox.scrollTop = 0;
    stageBox.focus();
  }
  Array.prototype.forEach.call(doc.querySelectorAll("main figure.mermaid"), function (figure) {
    if (!figure.querySelector("svg")) return;
    var button = el("button", { type: "button", "class": "diagram-enlarge", "aria-label": "Enlarge diagram" }, "Enlarge");
    button.addEventListener("click", function () { openDiagram(figure, button); });
    figure.classList.add("has-enlarge");
    figure.insertBefore(button, figure.firstChild);
  });

  /* ---- Printed links show where they lead: the absolute URL, read by print CSS. ---- */
  Array.prototype.forEach.call(doc.querySelectorAll("main .rb-body a[href]"), function (a) {
    var target = a.getAttribute("href");
    if (!target || target.charAt(0) === "#" || a.closest("figure, .code-block")) return;
    a.setAttribute("data-print-href", a.href.replace(/index\.html(?=$|[?#])/, ""));
  });

  /* ---- Phones: the header slides away while reading down and comes back on any scroll up,
     so search and the menu are one flick away wherever the page was opened. ---- */
  var phone = media("(max-width: 599.98px)");
  var lastY = window.scrollY;
  var header = doc.querySelector(".site-header");
  window.addEventListener("scroll", function () {
    var y = window.scrollY;
    var away = phone.matches && y > lastY && y > (header ? header.offsetHeight : 0) && !html.classList.contains("nav-open")
      && !(header && header.contains(doc.activeElement));
    if (y !== lastY) html.classList.toggle("header-away", away);
    lastY = y;
  }, { passive: true });
  doc.addEventListener("focusin", function (event) {
    if (header && header.contains(event.target)) html.classList.remove("header-away");
  });

  /* ---- Search: static/search.js, the largest script, loads when a reader first reaches for
     the search box (focus, typing, the / s Ctrl+K shortcuts) or at once on a page opened from a
     search result (?highlight=): a page opened from a notification does not wait for it.
     search.js reads what was typed before it arrived. ---- */
  var searchBox = doc.querySelector(".rb-search[data-search-script]");
  var searchInput = doc.getElementById("rb-search-input");
  var searchRequested = false;
  function loadSearch() {
    if (searchRequested || !searchBox) return;
    searchRequested = true;
    doc.head.appendChild(el("script", { src: searchBox.getAttribute("data-search-script") }));
  }
  if (searchInput) {
    searchInput.addEventListener("focus", loadSearch);
    searchInput.addEventListener("input", loadSearch);
    searchInput.addEventListener("pointerdown", loadSearch);
    if (doc.activeElement === searchInput) loadSearch();
  }
  if (/[?&]highlight=/.test(location.search)) loadSearch();
  doc.addEventListener("keydown", function (event) {
    var target = event.target;
    var typing = target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
    var find = (event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "k";
    var slash = !typing && !event.ctrlKey && !event.metaKey && !event.altKey && (event.key === "/" || event.key === "s");
    if (!searchInput || !(find || slash)) return;
    event.preventDefault();
    searchInput.focus();
    searchInput.select();
  });

  /* ---- Print: collapsed sections print open, and close again afterwards. ---- */
  var openedForPrint = [];
  window.addEventListener("beforeprint", function () {
    Array.prototype.forEach.call(doc.querySelectorAll("main details:not([open])"), function (d) {
      d.open = true;
      openedForPrint.push(d);
    });
  });
  window.addEventListener("afterprint", function () {
    openedForPrint.forEach(function (d) { d.open = false; });
    openedForPrint = [];
  });

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
