// Browser tests of the default theme over a built site, in Debian's headless Chromium.
//
// Run by tests/it/browser.rs, which builds the demo site, serves it on 127.0.0.1 and sets
// RB_SITE_URL. By hand: serve a built site, then
//   RB_SITE_URL=http://127.0.0.1:8000/ node --test tests/browser/theme.spec.mjs
// Screenshots go to RB_ARTIFACTS_DIR (default: <repo>/target/browser-artifacts).

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, "..", "..");
const BASE = process.env.RB_SITE_URL;
if (!BASE || !BASE.endsWith("/")) {
  throw new Error("set RB_SITE_URL to the served site, ending with '/' (e.g. http://127.0.0.1:8000/)");
}
const ORIGIN = new URL(BASE).origin;
const ARTIFACTS = process.env.RB_ARTIFACTS_DIR || join(repo, "target", "browser-artifacts");
const CHROMIUM = process.env.RB_CHROMIUM || "/usr/bin/chromium";
const AXE = readFileSync(join(here, "node_modules", "axe-core", "axe.min.js"), "utf8");
const PHONE = { width: 375, height: 740 };
const DESKTOP = { width: 1280, height: 900 };

let browser;
/** Requests to any other host, across every test: must stay empty. */
const foreignRequests = [];
/** Site-relative paths of one page per page type, found from the built site itself. */
const pages = {};

async function newContext(options = {}) {
  const context = await browser.newContext({ viewport: DESKTOP, colorScheme: "light", ...options });
  await context.route("**/*", (route) => {
    const url = route.request().url();
    if (url.startsWith("data:") || url.startsWith("blob:") || new URL(url).origin === ORIGIN) {
      return route.continue();
    }
    foreignRequests.push(url);
    return route.abort();
  });
  return context;
}

/** Opens a page and records console errors, uncaught exceptions and failed same-site requests. */
async function open(context, path, { expectRedirect = false } = {}) {
  const page = await context.newPage();
  const problems = [];
  page.on("console", (msg) => {
    if (msg.type() === "error") problems.push(`console error: ${msg.text()} (${msg.location().url})`);
  });
  page.on("pageerror", (err) => problems.push(`uncaught exception: ${err.message}`));
  page.on("requestfailed", (req) => {
    const error = req.failure()?.errorText;
    // ERR_ABORTED is the browser cancelling a request because the page went away (a reload or a
    // navigation the test made while, say, the favicon was still on its way); a missing file
    // shows as an HTTP status below, and a refused or broken one as another error.
    if (new URL(req.url()).origin === ORIGIN && error !== "net::ERR_ABORTED") {
      problems.push(`request failed: ${req.url()} ${error}`);
    }
  });
  page.on("response", (res) => {
    if (res.status() >= 400) problems.push(`HTTP ${res.status()}: ${res.url()}`);
  });
  const response = await page.goto(BASE + path, { waitUntil: "load" });
  assert.ok(response, `no response for ${path}`);
  if (expectRedirect) {
    await page.waitForURL((url) => url.href !== BASE + path, { timeout: 10_000 });
    await page.waitForLoadState("load");
  }
  return { page, problems };
}

async function navData() {
  const text = await (await fetch(BASE + "static/nav.js")).text();
  const json = text.slice(text.indexOf("(") + 1, text.lastIndexOf(")"));
  return JSON.parse(json);
}

async function exists(path) {
  const res = await fetch(BASE + path);
  return res.ok;
}

function loc(page) { return page.url().slice(BASE.length) || "index.html"; }

before(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync"],
  });
  const nav = await navData();
  const services = nav.services.filter((s) => s.pages.length > 0);
  assert.ok(services.length > 0, "nav.js lists no service with runbooks");
  const all = services.flatMap((s) => s.pages);
  // The runbook with the most features: prefer the one named by the env, else one with a checklist.
  const preferred = process.env.RB_RUNBOOK;
  let runbook = preferred || null;
  if (!runbook) {
    for (const p of all) {
      const html = await (await fetch(BASE + p.u + "index.html")).text();
      if (html.includes('class="task"') || html.includes("data-task")) { runbook = p.u; break; }
    }
  }
  runbook = runbook || all[0].u;
  pages.home = "index.html";
  pages.runbook = runbook + "index.html";
  pages.taxonomy = "tags/index.html";
  const scout = await browser.newPage({ javaScriptEnabled: false });
  const firstLink = async (path, selector) => {
    await scout.goto(BASE + path);
    const href = await scout.evaluate((sel) => document.querySelector(sel)?.href ?? null, selector);
    return href && href.startsWith(BASE) ? href.slice(BASE.length) : null;
  };
  pages.term = await firstLink(pages.taxonomy, "main .term-grid a");
  pages.section = await firstLink(pages.runbook, "main .breadcrumbs li:nth-child(2) a");
  assert.ok(pages.section, `${pages.runbook} has no folder in its breadcrumbs`);
  pages.print = await firstLink("print/index.html", "main .rb-list a");
  assert.ok(pages.print, "print/index.html links to no binder");
  assert.ok(pages.term, "tags/index.html links to no tag page");
  pages.alertRedirect = await firstLink(pages.runbook, "main a[href*='alerts/']");
  await scout.close();
  pages.notFound = "404.html";
  if (await exists("alerts/index.html")) pages.alerts = "alerts/index.html";
});

after(async () => {
  await browser?.close();
});

describe("every page type", () => {
  const types = ["home", "runbook", "section", "taxonomy", "term", "alertRedirect", "notFound", "print", "alerts"];
  for (const type of types) {
    test(`${type}: no console errors, no failed or foreign requests`, async (t) => {
      if (!pages[type]) {
        if (type === "alerts") return t.skip("alerts/index.html not built");
        assert.fail(`no ${type} page found in the site`);
      }
      const context = await newContext();
      const before = foreignRequests.length;
      const { page, problems } = await open(context, pages[type], { expectRedirect: type === "alertRedirect" });
      if (type === "alertRedirect") {
        assert.match(loc(page), /index\.html$/);
        assert.ok(!loc(page).startsWith("alerts/"), `alert page did not redirect to its runbook: ${loc(page)}`);
      }
      await page.waitForTimeout(100);
      assert.deepEqual(problems, [], `${pages[type]}`);
      assert.deepEqual(foreignRequests.slice(before), [], `${pages[type]} requested another host`);
      await context.close();
    });

    test(`${type}: no horizontal scrolling at 375 px`, async (t) => {
      if (!pages[type]) return t.skip("page not built");
      const context = await newContext({ viewport: PHONE });
      const { page } = await open(context, pages[type], { expectRedirect: type === "alertRedirect" });
      const widths = await page.evaluate(() => {
        const wide = [];
        for (const el of document.body.querySelectorAll("*")) {
          const r = el.getBoundingClientRect();
          if (r.right > document.documentElement.clientWidth + 1 && getComputedStyle(el).position !== "fixed") {
            wide.push(`${el.tagName.toLowerCase()}.${el.className}`);
          }
        }
        return { scroll: document.documentElement.scrollWidth, wide: wide.slice(0, 5) };
      });
      assert.ok(widths.scroll <= PHONE.width, `${pages[type]} is ${widths.scroll}px wide: ${widths.wide.join(", ")}`);
      await context.close();
    });
  }
});

describe("navigation", () => {
  test("the sidebar is built from nav.js and marks the current runbook", async () => {
    const context = await newContext();
    const { page } = await open(context, pages.runbook);
    const current = page.locator("#rb-nav-tree a[aria-current=page]");
    await assert.doesNotReject(current.waitFor({ state: "visible", timeout: 5000 }));
    const nav = await navData();
    // Every service is a group; the current runbook's group is open with all its runbooks
    // (and its overview); the others are filled when opened.
    assert.equal(await page.locator("#rb-nav-tree details.nav-group").count(), nav.services.length);
    const mine = nav.services.find((s) => s.pages.some((p) => p.u + "index.html" === pages.runbook));
    assert.ok(mine, `${pages.runbook} is in no service of nav.js`);
    assert.equal(await page.locator("#rb-nav-tree details.nav-group[open] a").count(), mine.pages.length + 1);
    assert.equal(await page.locator("#rb-nav-tree .nav-static").count(), 0, "the page's own list is replaced");
    const href = await current.getAttribute("href");
    assert.equal(new URL(href, page.url()).href, page.url());
    await context.close();
  });

  test("on a phone the sidebar is a drawer: opens with the menu button, closes with Escape", async () => {
    const context = await newContext({ viewport: PHONE });
    const { page } = await open(context, pages.runbook);
    const sidebar = page.locator("#sidebar");
    const button = page.locator(".nav-toggle");
    assert.equal(await sidebar.isVisible(), false, "drawer starts closed");
    await button.click();
    await page.waitForFunction(() => getComputedStyle(document.getElementById("sidebar")).visibility === "visible");
    assert.equal(await button.getAttribute("aria-expanded"), "true");
    assert.ok(await page.evaluate(() => document.getElementById("sidebar").contains(document.activeElement)), "focus moves into the drawer");
    await page.keyboard.press("Escape");
    await page.waitForFunction(() => getComputedStyle(document.getElementById("sidebar")).visibility === "hidden");
    assert.equal(await button.getAttribute("aria-expanded"), "false");
    assert.equal(await page.evaluate(() => document.activeElement?.classList.contains("nav-toggle")), true);
    await context.close();
  });

  test("with JavaScript off a runbook is readable and the navigation links are there", async () => {
    const context = await newContext({ javaScriptEnabled: false, viewport: PHONE });
    const { page } = await open(context, pages.runbook);
    assert.ok(await page.locator("main h1").isVisible());
    assert.ok((await page.locator("main .rb-body").innerText()).length > 200);
    assert.ok(await page.locator("#sidebar .nav-browse a").first().isVisible(), "browse links visible without JS");
    assert.equal(await page.locator(".theme-toggle").isVisible(), false, "a toggle that cannot work is hidden");
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= PHONE.width, `page is ${width}px wide without JS`);
    await context.close();
  });

  test("an alert page redirects to its runbook and keeps the reader's #fragment", async () => {
    assert.ok(pages.alertRedirect, "the runbook links to no alert page");
    const context = await newContext();
    const { page, problems } = await open(context, pages.alertRedirect + "#from-the-pager", { expectRedirect: true });
    assert.ok(!loc(page).startsWith("alerts/"), `did not redirect: ${loc(page)}`);
    assert.match(loc(page), /index\.html#from-the-pager$/);
    await page.waitForTimeout(100);
    assert.deepEqual(problems, []);
    await context.close();
  });

  test("the alerts index filters and sorts its table; without JS the whole table is there", async (t) => {
    if (!pages.alerts) return t.skip("alerts/index.html not built");
    const context = await newContext();
    const { page, problems } = await open(context, pages.alerts);
    const rows = page.locator("#alerts-table tbody tr");
    const total = await rows.count();
    assert.ok(total > 2, "the alerts table has rows");
    const first = (await rows.first().locator("td").first().innerText()).trim();
    await page.locator("#alerts-filter").fill(first);
    assert.equal(await page.locator("#alerts-table tbody tr:not([hidden])").count(), 1);
    await page.locator("#alerts-filter").fill("");
    await page.locator("#alerts-table th button").first().click();
    await page.locator("#alerts-table th button").first().click();
    assert.equal(await page.getAttribute("#alerts-table th:first-child", "aria-sort"), "descending");
    assert.notEqual((await rows.first().locator("td").first().innerText()).trim(), first);
    assert.deepEqual(problems, []);
    await context.close();
    const noJs = await newContext({ javaScriptEnabled: false });
    const { page: plain } = await open(noJs, pages.alerts);
    assert.equal(await plain.locator("#alerts-table tbody tr").count(), total);
    assert.equal(await plain.locator(".alerts-filter").isVisible(), false, "a filter that cannot work is hidden");
    assert.ok(await plain.locator("#sidebar .nav-browse a[aria-current=page]").isVisible());
    await noJs.close();
  });

  test("the skip link is the first tab stop and moves focus to main", async () => {
    const context = await newContext();
    const { page } = await open(context, pages.runbook);
    await page.keyboard.press("Tab");
    assert.equal(await page.evaluate(() => document.activeElement.className), "skip-link");
    assert.ok(await page.locator(".skip-link").isVisible(), "skip link visible when focused");
    await page.keyboard.press("Enter");
    assert.equal(await page.evaluate(() => location.hash), "#main");
    await context.close();
  });
});

describe("dark mode", () => {
  test("the toggle switches the scheme and the choice persists across reloads", async () => {
    const context = await newContext({ colorScheme: "light" });
    const { page, problems } = await open(context, pages.home);
    const background = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    assert.equal(await page.getAttribute("html", "data-theme"), "light");
    const light = await background();
    const toggle = page.locator(".theme-toggle");
    assert.equal(await toggle.getAttribute("aria-pressed"), "false");
    await toggle.click();
    assert.equal(await page.getAttribute("html", "data-theme"), "dark");
    assert.equal(await toggle.getAttribute("aria-pressed"), "true");
    const dark = await background();
    assert.notEqual(dark, light);
    await page.reload({ waitUntil: "load" });
    assert.equal(await page.getAttribute("html", "data-theme"), "dark", "choice survives a reload");
    assert.equal(await background(), dark);
    // and another page of the site
    await page.goto(BASE + pages.runbook, { waitUntil: "load" });
    assert.equal(await page.getAttribute("html", "data-theme"), "dark", "choice applies site-wide");
    await page.locator(".theme-toggle").click();
    await page.reload({ waitUntil: "load" });
    assert.equal(await page.getAttribute("html", "data-theme"), "light");
    assert.deepEqual(problems, []);
    await context.close();
  });

  test("without a stored choice the system preference applies", async () => {
    const context = await newContext({ colorScheme: "dark" });
    const { page } = await open(context, pages.home);
    assert.equal(await page.getAttribute("html", "data-theme"), "dark");
    await context.close();
  });
});

describe("checklists", () => {
  test("checklist state persists across reloads and resets", async () => {
    const context = await newContext();
    const { page, problems } = await open(context, pages.runbook);
    const boxes = page.locator("input.task[data-task]");
    assert.ok((await boxes.count()) >= 2, `${pages.runbook} has no checklist (input.task[data-task])`);
    await boxes.nth(0).check();
    await boxes.nth(1).check();
    await page.reload({ waitUntil: "load" });
    assert.equal(await boxes.nth(0).isChecked(), true, "first item still ticked after reload");
    assert.equal(await boxes.nth(1).isChecked(), true, "second item still ticked after reload");
    await page.locator("button", { hasText: "Reset" }).first().click();
    assert.equal(await boxes.nth(0).isChecked(), false, "reset clears the ticks");
    await page.reload({ waitUntil: "load" });
    assert.equal(await boxes.nth(0).isChecked(), false, "reset survives a reload");
    assert.equal(await boxes.nth(1).isChecked(), false);
    assert.deepEqual(problems, []);
    await context.close();
  });
});

describe("print", () => {
  for (const type of ["runbook", "print"]) {
    test(`print emulation hides navigation on the ${type} page`, async () => {
      const context = await newContext();
      const { page } = await open(context, pages[type]);
      await page.emulateMedia({ media: "print" });
      const shown = await page.evaluate(() =>
        [".site-header", "#sidebar", ".toc-column", ".rb-search", ".theme-toggle", ".nav-toggle", ".breadcrumbs", ".prevnext", ".site-footer"]
          .flatMap((sel) => Array.from(document.querySelectorAll(sel)))
          .filter((el) => getComputedStyle(el).display !== "none" && el.getClientRects().length > 0)
          .map((el) => el.tagName.toLowerCase() + "." + el.className));
      assert.deepEqual(shown, []);
      assert.ok(await page.locator("main h1").first().isVisible(), "the content still prints");
      await context.close();
    });
  }

  test("printed external links show their URL, checklists print as empty boxes", async () => {
    const context = await newContext();
    const { page } = await open(context, pages.print);
    await page.emulateMedia({ media: "print" });
    const result = await page.evaluate(() => {
      const link = document.querySelector(".rb-body a[href^='http']");
      const box = document.querySelector(".rb-body input[type=checkbox]");
      return {
        after: link ? getComputedStyle(link, "::after").content : null,
        href: link ? link.getAttribute("href") : null,
        appearance: box ? getComputedStyle(box).appearance : null,
        pages: document.querySelectorAll("article.print-page").length,
      };
    });
    assert.ok(result.pages >= 1, `${pages.print} holds runbooks`);
    if (result.href) assert.ok(result.after.includes(result.href), `link URL not printed: ${result.after}`);
    if (result.appearance !== null) assert.equal(result.appearance, "none");
    await context.close();
  });
});

describe("accessibility (axe-core)", () => {
  for (const type of ["home", "runbook"]) {
    for (const scheme of ["light", "dark"]) {
      test(`${type} page, ${scheme}: no serious or critical violations`, async () => {
        const context = await newContext({ colorScheme: scheme });
        const { page } = await open(context, pages[type]);
        assert.equal(await page.getAttribute("html", "data-theme"), scheme);
        await page.addScriptTag({ content: AXE });
        const violations = await page.evaluate(async () => {
          const result = await window.axe.run(document, { resultTypes: ["violations"] });
          return result.violations
            .filter((v) => v.impact === "serious" || v.impact === "critical")
            .map((v) => `${v.impact} ${v.id}: ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(" | ")}`);
        });
        assert.deepEqual(violations, []);
        await context.close();
      });
    }
  }
});

describe("screenshots", () => {
  for (const type of ["home", "runbook"]) {
    for (const scheme of ["light", "dark"]) {
      for (const [size, viewport] of [["desktop", DESKTOP], ["phone", PHONE]]) {
        test(`${type} ${scheme} ${size}`, async () => {
          const context = await newContext({ colorScheme: scheme, viewport });
          const { page } = await open(context, pages[type]);
          const file = join(ARTIFACTS, `${type}-${scheme}-${size}.png`);
          await page.screenshot({ path: file, fullPage: true });
          await context.close();
        });
      }
    }
  }
});

describe("no request leaves the site", () => {
  test("zero requests to any other host during the whole run", () => {
    assert.deepEqual(foreignRequests, []);
  });
});
