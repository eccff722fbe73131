// What a reader's browser loads: per page, the requests a cold load makes,
// their bytes as stored and as sent gzipped (the static server of
// tests/browser/common.js), and every request to another host (there must
// be none: the site works offline); then the time from pressing / on that
// page, a cold cache, to the first result of a search, and what the
// search loaded. Debian's chromium, headless, driven by playwright-core.
// Prints one JSON line per page.
// Usage: node bench/site-weight.mjs SITE_DIR [QUERY] [PAGE...]
//   (env PLAYWRIGHT: the playwright-core package, default
//   .tools/node_modules/playwright-core; CHROMIUM: default /usr/bin/chromium)
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const { CHROMIUM_ARGS, serve } = require(path.join(here, "../tests/browser/common.js"));
const { chromium } = require(process.env.PLAYWRIGHT || path.join(here, "../.tools/node_modules/playwright-core"));

const site = path.resolve(process.argv[2]);
const query = process.argv[3] || "restore";
const pages = process.argv.length > 4 ? process.argv.slice(4) : [
  "index.html",
  "charts/postgresql/index.html",
  "charts/postgresql/backup.html",
  "docs/disaster-recovery.html",
  "docs/makefile-reference.html",
];

const server = await serve(site);
const base = `http://127.0.0.1:${server.address().port}/`;
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || "/usr/bin/chromium", args: CHROMIUM_ARGS });
try {
  for (const url of pages) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    const seen = [];
    page.on("requestfinished", async (r) => {
      const sizes = await r.sizes();
      seen.push({ url: r.url(), sent: sizes.responseBodySize });
    });
    const other = [];
    page.on("request", (r) => {
      if (!r.url().startsWith(base)) {
        other.push(r.url());
      }
    });
    const sum = (list) => ({
      requests: list.length,
      bytes: list.reduce((a, r) => a + fs.statSync(path.join(site, decodeURIComponent(new URL(r.url).pathname))).size, 0),
      gzip: list.reduce((a, r) => a + r.sent, 0),
    });
    await page.goto(base + url, { waitUntil: "load" });
    await page.waitForLoadState("networkidle");
    const load = sum(seen.filter((r) => r.url.startsWith(base)));
    const before = seen.length;
    const start = Date.now();
    await page.keyboard.press("/");
    await page.keyboard.insertText(query);
    await page.waitForSelector("#gen\\:results-list li");
    const ms = Date.now() - start;
    await page.waitForLoadState("networkidle");
    const search = sum(seen.slice(before));
    console.log(JSON.stringify({ page: url, ...load, other_hosts: other, query, first_result_ms: ms, search }));
    await context.close();
  }
} finally {
  await browser.close();
  server.close();
}
