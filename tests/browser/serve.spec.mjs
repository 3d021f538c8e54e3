// Browser tests of `rb-site serve` in Debian's headless Chromium: an edit to a runbook on disk
// changes the open page without a manual reload; an error shows the overlay, a fix clears it;
// the warnings badge can be dismissed.
//
// The spec starts the server itself, on a temp copy of tests/fixtures/serve, on 127.0.0.1:0.
// By hand (with tests/browser/node_modules installed):
//   RB_SITE_BIN=target/debug/rb-site node --test tests/browser/serve.spec.mjs
// Screenshots go to RB_ARTIFACTS_DIR (default: <repo>/target/browser-artifacts).

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, "..", "..");
const BIN = process.env.RB_SITE_BIN || join(repo, "target", "debug", "rb-site");
const FIXTURE = process.env.RB_SERVE_FIXTURE || join(repo, "tests", "fixtures", "serve");
const CHROMIUM = process.env.RB_CHROMIUM || "/usr/bin/chromium";
const ARTIFACTS = process.env.RB_ARTIFACTS_DIR || join(repo, "target", "browser-artifacts");
/** Generous: two busy cores. A reload normally lands well within a second. */
const RELOAD_TIMEOUT = 15_000;

let browser;
let server;
let root;
let base;

/** Starts `rb-site serve --port 0` and resolves with the URL it prints. */
function startServer(dir) {
  return new Promise((resolveUrl, reject) => {
    const child = spawn(BIN, ["serve", "--root", dir, "--port", "0"], { stdio: ["ignore", "pipe", "pipe"] });
    const stderr = [];
    child.stderr.on("data", (chunk) => stderr.push(chunk.toString()));
    child.on("error", reject);
    child.on("exit", (code) => reject(new Error(`rb-site serve exited with ${code}: ${stderr.join("")}`)));
    createInterface({ input: child.stdout }).on("line", (line) => {
      const match = /^Serving (http:\/\/\S+\/)$/.exec(line);
      if (match) resolveUrl({ child, url: match[1] });
    });
  });
}

function content(rel) {
  return join(root, "content", rel);
}

function replaceIn(rel, from, to) {
  const text = readFileSync(content(rel), "utf8");
  assert.ok(text.includes(from), `${rel} contains ${JSON.stringify(from)}`);
  return text.replace(from, to);
}

/** Opens a page and records console errors, uncaught exceptions and failed requests. */
async function open(context, path) {
  const page = await context.newPage();
  const problems = [];
  page.on("console", (msg) => {
    // Failed loads are reported below, with their URL.
    if (msg.type() === "error" && !msg.text().startsWith("Failed to load resource")) {
      problems.push(`console error: ${msg.text()}`);
    }
  });
  page.on("response", (res) => {
    // Chromium asks for /favicon.ico on its own; the site need not have one.
    if (res.status() >= 400 && !res.url().endsWith("/favicon.ico")) problems.push(`HTTP ${res.status()}: ${res.url()}`);
  });
  page.on("pageerror", (err) => problems.push(`uncaught exception: ${err.message}`));
  await page.goto(base + path, { waitUntil: "load" });
  // The live-reload stream is open once the server has said hello; give it a moment.
  await page.waitForTimeout(300);
  return { page, problems };
}

describe("rb-site serve in the browser", () => {
  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    root = mkdtempSync(join(tmpdir(), "rb-site-serve-browser-"));
    cpSync(FIXTURE, root, { recursive: true });
    const started = await startServer(root);
    server = started.child;
    base = started.url;
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true });
  });

  after(async () => {
    await browser?.close();
    if (server) {
      server.removeAllListeners("exit");
      server.kill("SIGINT");
    }
    if (root) rmSync(root, { recursive: true, force: true });
  });

  test("an edit on disk changes the open page without a manual reload", async () => {
    const context = await browser.newContext();
    const { page, problems } = await open(context, "db/failover/");
    await page.getByText("Promote the replica when the primary is gone").waitFor();

    // A plain write.
    writeFileSync(content("db/failover.md"), replaceIn("db/failover.md", "Promote the replica when", "Promote the standby when"));
    await page.getByText("Promote the standby when the primary is gone").waitFor({ timeout: RELOAD_TIMEOUT });

    // An editor's atomic save: a temp file renamed over the original.
    const temp = content("db/.failover.md.swp-save");
    writeFileSync(temp, replaceIn("db/failover.md", "Promote the standby when", "Promote the hot standby when"));
    renameSync(temp, content("db/failover.md"));
    await page.getByText("Promote the hot standby when the primary is gone").waitFor({ timeout: RELOAD_TIMEOUT });

    await page.screenshot({ path: join(ARTIFACTS, "serve-after-edit.png") });
    assert.deepEqual(problems, []);
    await context.close();
  });

  test("only the pages an edit changed reload; the listing pages follow", async () => {
    const context = await browser.newContext();
    const edited = await open(context, "db/failover/");
    const home = await open(context, "");
    const other = await open(context, "api/latency/");
    const mark = (tab) => tab.page.evaluate(() => { window.rbStillHere = true; });
    const stillHere = (tab) => tab.page.evaluate(() => window.rbStillHere === true);
    for (const tab of [edited, home, other]) await mark(tab);
    const good = readFileSync(content("db/failover.md"), "utf8");

    // A title edit: the page reloads at once, the home page (which lists it) once the
    // deferred pass is done, and a page that does not show it never.
    writeFileSync(content("db/failover.md"), good.replace('title: "Database failover"', 'title: "Fail over the database"'));
    await edited.page.getByRole("heading", { level: 1 }).getByText("Fail over the database").waitFor({ timeout: RELOAD_TIMEOUT });
    await home.page.getByText("Fail over the database").first().waitFor({ timeout: RELOAD_TIMEOUT });
    // The deferred pass is done once the home page shows the title: nothing else is coming.
    await other.page.waitForTimeout(500);
    assert.equal(await stillHere(other), true, "an unaffected page keeps its state");
    assert.equal(await stillHere(edited), false, "the edited page reloaded");
    assert.equal(await stillHere(home), false, "the home page reloaded");

    writeFileSync(content("db/failover.md"), good);
    await edited.page.getByRole("heading", { level: 1 }).getByText("Database failover").waitFor({ timeout: RELOAD_TIMEOUT });
    for (const tab of [edited, home, other]) assert.deepEqual(tab.problems, []);
    await context.close();
  });

  test("an error shows the overlay on the last good page, and a fix clears it", async () => {
    const context = await browser.newContext();
    const { page, problems } = await open(context, "db/failover/");
    const good = readFileSync(content("db/failover.md"), "utf8");

    writeFileSync(content("db/failover.md"), good.replace('title: "Database failover"', "title: [Database failover"));
    const overlay = page.locator("#rb-live-overlay");
    await overlay.waitFor({ state: "visible", timeout: RELOAD_TIMEOUT });
    assert.match(await overlay.innerText(), /front-matter-syntax/);
    assert.match(await overlay.innerText(), /content\/db\/failover\.md:3:8/);
    await page.screenshot({ path: join(ARTIFACTS, "serve-overlay.png") });

    writeFileSync(content("db/failover.md"), good);
    await overlay.waitFor({ state: "detached", timeout: RELOAD_TIMEOUT });
    assert.deepEqual(problems, []);
    await context.close();
  });

  test("the warnings badge can be dismissed and stays dismissed", async () => {
    const context = await browser.newContext();
    const { page } = await open(context, "db/failover/");
    const good = readFileSync(content("db/failover.md"), "utf8");

    writeFileSync(content("db/failover.md"), good.replace("owner: team-db", "owner: team-db\nownr: x"));
    const badge = page.locator("#rb-live-badge");
    // The page reloads once per rebuild that changed it, and a badge may be read mid-reload:
    // wait for the reloaded page's badge to say it, rather than reading the first one seen.
    await page.waitForFunction(
      () => /1 warning/.test(document.querySelector("#rb-live-badge summary")?.textContent || ""),
      null,
      { timeout: RELOAD_TIMEOUT },
    );
    await badge.waitFor({ state: "visible", timeout: RELOAD_TIMEOUT });
    assert.match(await badge.innerText(), /1 warning/);
    await badge.getByRole("button", { name: "Dismiss" }).click();
    await badge.waitFor({ state: "detached" });

    await page.reload({ waitUntil: "load" });
    assert.equal(await page.locator("#rb-live-badge").count(), 0, "dismissed until the warnings change");

    writeFileSync(content("db/failover.md"), good);
    await page.waitForFunction(() => document.querySelector("[data-generation]")?.dataset.generation, null, {
      timeout: RELOAD_TIMEOUT,
    });
    await context.close();
  });
});
