// Bytes a browser transfers for a first and a second search query, and query latency, for an
// rb-site index and for a Pagefind index of the same built site, in headless Chromium.
// Usage: node measure-search-transfer.mjs <rb-site dir> <pagefind site dir> "<first query>" "<second query>"
// Needs playwright-core (tests/browser/node_modules, set up by the theme's browser harness).
// Both sites are served by a plain static server (no compression); Pagefind's own files are
// gzip-compressed on disk, so its bytes are already compressed; ours are not.
import { createServer } from "node:http";
import { createRequire } from "node:module";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { extname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = fileURLToPath(new URL(".", import.meta.url));
let chromium;
for (const base of [resolve(here, "../tests/browser"), "/work/wt/theme/tests/browser", "/work/main/tests/browser"]) {
  try {
    chromium = createRequire(join(base, "package.json"))("playwright-core").chromium;
    break;
  } catch { /* next */ }
}
if (!chromium) throw new Error("playwright-core not found (npm install in tests/browser)");

const [rbDir, pfDir, first, second] = process.argv.slice(2);
const CHROMIUM = process.env.RB_CHROMIUM || "/usr/bin/chromium";

function serve(dir) {
  const types = { ".html": "text/html", ".js": "text/javascript", ".css": "text/css", ".json": "application/json", ".wasm": "application/wasm" };
  const srv = createServer((req, res) => {
    let file = join(dir, decodeURIComponent(new URL(req.url, "http://x").pathname));
    if (existsSync(file) && statSync(file).isDirectory()) file = join(file, "index.html");
    if (!existsSync(file)) return res.writeHead(404).end();
    const body = readFileSync(file);
    res.writeHead(200, { "content-type": types[extname(file)] || "application/octet-stream", "content-length": body.length });
    res.end(body);
  });
  return new Promise((ok) => srv.listen(0, "127.0.0.1", () => ok(srv)));
}

async function measure(browser, base, startPath, run, prepare = async () => {}) {
  const page = await browser.newPage();
  let bytes = 0, files = 0;
  let counting = false;
  const pending = [];
  page.on("requestfinished", (req) => {
    if (!counting) return;
    pending.push(req.sizes().then((s) => { bytes += s.responseBodySize; files += 1; }));
  });
  await page.goto(base + startPath, { waitUntil: "load" });
  await prepare(page);
  await page.waitForTimeout(300);
  counting = true;
  const out = [];
  for (const q of [first, second]) {
    const before = { bytes, files };
    const t0 = Date.now();
    const info = await run(page, q);
    await page.waitForTimeout(300); // let late responses land
    await Promise.all(pending);
    out.push({ query: q, bytes: bytes - before.bytes, files: files - before.files, ms_first: Date.now() - t0, ...info });
  }
  await page.close();
  return out;
}

const browser = await chromium.launch({ executablePath: CHROMIUM });
const rbServer = await serve(rbDir);
const pfServer = await serve(pfDir);
const rbBase = `http://127.0.0.1:${rbServer.address().port}/`;
const pfBase = `http://127.0.0.1:${pfServer.address().port}/`;
writeFileSync(join(pfDir, "pf-measure.html"), `<!doctype html><meta charset="utf-8"><title>pf</title>
<script type="module">
window.pf = await import("./pagefind/pagefind.js");
await window.pf.init();
window.ready = true;
</script>`);

// The page itself and search.css load with the page; the query loads the rest. rb-site loads
// search.js when the box is first focused, so the first query's bytes already include it.
const rbClient = statSync(join(rbDir, "static/search.js")).size;
const firstRunbook = readdirSync(join(rbDir, "runbooks")).sort()[0];
const rb = await measure(browser, rbBase, `runbooks/${firstRunbook}/index.html`, async (page, q) => {
  await page.fill("#rb-search-input", q);
  await page.waitForFunction((q) => document.querySelectorAll("#rb-search-results .rb-result").length > 0 || document.querySelector(".rb-search-empty"), q);
  const warm = await page.evaluate(async (q) => {
    const engine = new window.rbSearch.Engine();
    await engine.search(q, 10);
    const t = performance.now();
    for (let i = 0; i < 10; i++) await engine.search(q, 10);
    return (performance.now() - t) / 10;
  }, q);
  const results = await page.$$eval("#rb-search-results .rb-result", (r) => r.length);
  return { results, ms_warm: Math.round(warm * 100) / 100 };
});
rb[0].bytes_with_client = rb[0].bytes;

const pf = await measure(browser, pfBase, "pf-measure.html", async (page, q) => {
  return page.evaluate(async (q) => {
    const search = await window.pf.search(q);
    await Promise.all(search.results.slice(0, 10).map((r) => r.data()));
    const t = performance.now();
    for (let i = 0; i < 10; i++) {
      const s = await window.pf.search(q);
      await Promise.all(s.results.slice(0, 10).map((r) => r.data()));
    }
    return { results: search.results.length, ms_warm: Math.round(((performance.now() - t) / 10) * 100) / 100 };
  }, q);
}, (page) => page.waitForFunction(() => window.ready === true));
// Pagefind's first query includes its entry, wasm and metadata, loaded by init() before the
// query; count them too.
const pfInit = await (async () => {
  const page = await browser.newPage();
  let bytes = 0;
  const pending = [];
  page.on("requestfinished", (req) => pending.push(req.sizes().then((s) => { bytes += s.responseBodySize; })));
  await page.goto(pfBase + "pf-measure.html", { waitUntil: "load" });
  await page.waitForFunction(() => window.ready === true);
  await page.waitForTimeout(300);
  await Promise.all(pending);
  await page.close();
  return bytes - statSync(join(pfDir, "pf-measure.html")).size;
})();
pf[0].bytes_with_init = pf[0].bytes + pfInit;

console.log(JSON.stringify({ rbsite: rb, pagefind: pf, pagefind_init_bytes: pfInit, rbsite_client_bytes: rbClient }, null, 1));
await browser.close();
rbServer.close();
pfServer.close();
