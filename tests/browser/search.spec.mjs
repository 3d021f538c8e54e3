// Browser tests of search, in Debian's headless Chromium (same setup as theme.spec.mjs).
//
// Needs a built site with its search index. Over HTTP at RB_SITE_URL (as tests/it/browser.rs
// serves it), and, with RB_SITE_DIR (the built folder), also served under a sub-path by this file
// and opened from file://. By hand:
//   RB_SITE_DIR=/tmp/site node --test tests/browser/search.spec.mjs
// Cases are found from the site's own index (a word in one runbook, an alert name, a title word),
// so the file runs against any site.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { existsSync, readFileSync, statSync } from "node:fs";
import { extname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium } from "playwright-core";

const CHROMIUM = process.env.RB_CHROMIUM || "/usr/bin/chromium";
const SITE_DIR = process.env.RB_SITE_DIR;
const SUB_PATH = "/docs/runbooks/";
const DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_";

let browser;
let server;
let served; // base URL of SITE_DIR under SUB_PATH
const bases = {}; // label -> base URL ending in '/'

/** Serves `dir` under `prefix` on 127.0.0.1. */
function serve(dir, prefix) {
  const types = { ".html": "text/html", ".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml" };
  const srv = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url, "http://x").pathname);
    if (!path.startsWith(prefix)) return res.writeHead(404).end();
    let file = join(dir, path.slice(prefix.length));
    if (existsSync(file) && statSync(file).isDirectory()) file = join(file, "index.html");
    if (!existsSync(file)) return res.writeHead(404).end();
    res.writeHead(200, { "content-type": types[extname(file)] || "application/octet-stream" });
    res.end(readFileSync(file));
  });
  return new Promise((resolve) => srv.listen(0, "127.0.0.1", () => resolve(srv)));
}

/** Reads an index file of the site (`meta`, `v/ku`, `p/3`, `d/12`). */
async function indexFile(name) {
  const text = SITE_DIR
    ? readFileSync(join(SITE_DIR, "search", name + ".js"), "utf8")
    : await (await fetch(bases.http + "search/" + name + ".js")).text();
  return JSON.parse(text.slice(text.indexOf(",") + 1, text.lastIndexOf(")")));
}

function varints(s) {
  const out = [];
  let v = 0, m = 1;
  for (const c of s) {
    const d = DIGITS.indexOf(c);
    v += (d & 31) * m;
    if (d < 32) { out.push(v); v = 0; m = 1; } else m *= 32;
  }
  return out;
}

/** Cases from the index: a body word found in one runbook only, an alert, a long title word. */
async function findCases() {
  const meta = await indexFile("meta");
  const cases = {};
  for (const key of meta.keys.split(" ")) {
    if (cases.unique && cases.alert) break;
    const shard = await indexFile("v/" + [...key].map((c) => (/[a-z0-9]/.test(c) ? c : "_" + c.codePointAt(0).toString(16))).join(""));
    if (!cases.alert && shard.a) {
      const [name, docs] = Object.entries(shard.a)[0];
      cases.alert = { key: name, doc: docs[0][0], name: docs[0][1] };
    }
    if (!cases.unique && /^[a-z]+$/.test(key)) {
      for (let i = 0; i < shard.w.length; i += 2) {
        const [stem, file, df] = shard.s[shard.w[i + 1]];
        if (df === 1 && shard.w[i] === stem && /^[a-z]{7,}$/.test(stem)) {
          const postings = varints((await indexFile("p/" + file))[stem]);
          cases.unique = { word: stem, doc: postings[0] };
          break;
        }
      }
    }
  }
  cases.unique.url = (await indexFile("d/" + cases.unique.doc)).u;
  cases.alert.url = (await indexFile("d/" + cases.alert.doc)).u;
  const meta2 = await indexFile("meta");
  const doc = await indexFile(meta2.n > 1 ? "d/1" : "d/0");
  const word = (doc.t.match(/[A-Za-z]{6,}/g) || [])[0];
  cases.typo = { url: doc.u, word, typo: word.slice(0, 3) + word.slice(4) };
  return cases;
}

async function open(base) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const problems = [];
  page.on("pageerror", (err) => problems.push(err.message));
  // Failed loads are checked by status (a browser asks for /favicon.ico on its own).
  page.on("console", (msg) => msg.type() === "error" && !msg.text().startsWith("Failed to load resource") && problems.push(msg.text()));
  page.on("response", (res) => res.status() >= 400 && !res.url().endsWith("/favicon.ico") && problems.push(`${res.status()} ${res.url()}`));
  await page.goto(base + "index.html").catch(async () => page.goto(base));
  return { page, problems };
}

async function type(page, query) {
  await page.fill("#rb-search-input", query);
  await page.waitForSelector("#rb-search-results:not([hidden])");
  await page.waitForFunction(
    () => document.querySelector("#rb-search-results").childElementCount > 0,
  );
}

async function resultHrefs(page) {
  return page.$$eval("#rb-search-results a.rb-result-main", (as) => as.map((a) => a.href));
}

before(async () => {
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--allow-file-access-from-files"] });
  if (process.env.RB_SITE_URL) bases.http = process.env.RB_SITE_URL;
  if (SITE_DIR) {
    server = await serve(SITE_DIR, SUB_PATH);
    served = `http://127.0.0.1:${server.address().port}${SUB_PATH}`;
    bases["sub-path"] = served;
    bases["file://"] = pathToFileURL(SITE_DIR).href + "/";
  }
  assert.ok(Object.keys(bases).length, "set RB_SITE_URL and/or RB_SITE_DIR");
});

after(async () => {
  await browser?.close();
  server?.close();
});

describe("search", () => {
  let cases;
  before(async () => { cases = await findCases(); });

  for (const label of ["http", "sub-path", "file://"]) {
    test(`${label}: a word in one runbook's body finds it first`, async (t) => {
      if (!bases[label]) return t.skip(`no ${label} site`);
      const { page, problems } = await open(bases[label]);
      await type(page, cases.unique.word);
      const hrefs = await resultHrefs(page);
      assert.ok(hrefs[0].endsWith(cases.unique.url + "index.html?highlight=" + cases.unique.word), hrefs[0]);
      assert.ok(hrefs[0].startsWith(bases[label]), `${hrefs[0]} under ${bases[label]}`);
      assert.deepEqual(problems, []);
      await page.close();
    });
  }

  test("an alert name, in any case, puts its runbook first with a label", async (t) => {
    const base = bases.http || served;
    if (!base) return t.skip("no served site");
    const { page } = await open(base);
    await type(page, cases.alert.name.toLowerCase());
    assert.ok((await resultHrefs(page))[0].includes(cases.alert.url + "index.html"));
    const label = await page.textContent("#rb-search-results .rb-result-alert");
    assert.equal(label, "Runbook for alert " + cases.alert.name);
    await page.close();
  });

  test("a typo still finds the runbook", async (t) => {
    const base = bases.http || served;
    if (!base) return t.skip("no served site");
    const { page } = await open(base);
    await type(page, cases.typo.typo + " ");
    const hrefs = await resultHrefs(page);
    assert.ok(hrefs.some((h) => h.includes(cases.typo.url + "index.html")), `${cases.typo.typo}: ${hrefs}`);
    await page.close();
  });

  test("a service chip narrows the results to that service", async (t) => {
    const base = bases.http || served;
    if (!base) return t.skip("no served site");
    const { page } = await open(base);
    await type(page, "the ");
    const chip = await page.$('#rb-search-results .rb-chip[data-facet="service"]');
    if (!chip) return t.skip("results show fewer than two services");
    // Chips say which facet they filter (issue 15): "service: api", not "api".
    const label = await chip.textContent();
    assert.match(label, /^service: ./);
    const service = label.slice("service: ".length);
    await chip.click();
    await page.waitForSelector('.rb-chip-on[data-facet="service"]');
    const services = await page.$$eval("#rb-search-results .rb-result .rb-service", (s) => s.map((e) => e.textContent));
    assert.ok(services.length > 0);
    assert.deepEqual([...new Set(services)], [service]);
    await page.close();
  });

  test("search.js loads when the box is first used; what was typed while it loaded is searched", async (t) => {
    const base = bases.http || served;
    if (!base) return t.skip("no served site");
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const requested = [];
    page.on("request", (req) => { if (/\/static\/search\.js(\?|$)/.test(req.url())) requested.push(req.url()); });
    // A slow network (1.5 s): the reader finishes typing before the client arrives.
    await page.route(/\/static\/search\.js(\?|$)/, async (route) => {
      await new Promise((resolve) => setTimeout(resolve, 1500));
      await route.continue();
    });
    await page.goto(base + "index.html", { waitUntil: "load" });
    await page.waitForTimeout(300);
    assert.deepEqual(requested, [], "search.js is not loaded with the page");
    await page.keyboard.press("/");
    await page.keyboard.type(cases.unique.word, { delay: 5 });
    assert.equal(await page.evaluate(() => typeof window.rbSearch), "undefined", "typed before the client arrived");
    await page.waitForSelector("#rb-search-results:not([hidden]) a.rb-result-main");
    assert.equal(requested.length, 1, `loaded once: ${requested}`);
    const hrefs = await resultHrefs(page);
    assert.ok(hrefs[0].endsWith(cases.unique.url + "index.html?highlight=" + cases.unique.word), hrefs[0]);
    await page.close();
  });

  test("keyboard: / s and Ctrl-K focus, arrows and Enter open, Esc closes and clears highlights", async (t) => {
    const base = bases.http || served;
    if (!base) return t.skip("no served site");
    const { page } = await open(base);
    for (const keys of ["/", "s", "Control+k"]) {
      await page.evaluate(() => document.activeElement.blur());
      await page.keyboard.press(keys);
      assert.equal(await page.evaluate(() => document.activeElement.id), "rb-search-input", keys);
    }
    // A title word: highlighted in the target page's heading (words only in code stay unmarked).
    await page.keyboard.type(cases.typo.word + " ", { delay: 5 });
    await page.waitForSelector("#rb-search-results:not([hidden]) a.rb-result-main");
    await page.keyboard.press("Escape");
    assert.equal(await page.getAttribute("#rb-search-results", "hidden"), "");
    assert.equal(await page.getAttribute("#rb-search-input", "aria-expanded"), "false");
    // Escape before the results arrive: the search on its way does not open them after all.
    await page.keyboard.type("x", { delay: 0 });
    await page.keyboard.press("Escape");
    await page.waitForTimeout(400);
    assert.equal(await page.getAttribute("#rb-search-results", "hidden"), "", "a late search reopened the results");
    assert.equal(await page.getAttribute("#rb-search-input", "aria-expanded"), "false");
    // Back to the title word: its results open, and Escape closes them again.
    await page.keyboard.press("Backspace");
    await page.waitForSelector("#rb-search-results:not([hidden]) a.rb-result-main");
    await page.keyboard.press("Escape");
    assert.equal(await page.getAttribute("#rb-search-results", "hidden"), "");
    await page.keyboard.press("ArrowDown");
    await page.waitForSelector("#rb-search-results:not([hidden]) a.rb-result-main");
    await page.keyboard.press("ArrowDown");
    assert.equal(await page.getAttribute("#rb-search-results [role=option]", "aria-selected"), "true");
    await Promise.all([page.waitForNavigation(), page.keyboard.press("Enter")]);
    assert.ok(page.url().includes("index.html?highlight="), page.url());
    const marks = await page.$$eval("mark.rb-highlight", (ms) =>
      ms.map((m) => ({ text: m.textContent.toLowerCase(), inCode: !!m.closest("pre,code,svg") })));
    assert.ok(marks.length > 0, "terms highlighted on the target page");
    assert.ok(marks.every((m) => !m.inCode));
    await page.evaluate(() => document.activeElement.blur());
    await page.keyboard.press("Escape");
    assert.equal(await page.$$eval("mark.rb-highlight", (ms) => ms.length), 0);
    await page.close();
  });
});
