// Quality gates for the published site, measured as a reader's browser
// sees it: Lighthouse (all four categories) and axe-core on the home, a
// chart, a guide and an open search, light and dark, phone and desktop.
// Lighthouse's layout shift must stay below 0.01 too.
// Run by tests/integration/site.rs (the_site_meets_lighthouse_and_axe), which builds a
// site and passes, in the environment:
//   SITE_DIR     the built site/ folder
//   CHART        the chart whose pages are measured
//   TOOLS        the node_modules folder holding lighthouse, axe-core, playwright-core
//   CHROMIUM     the browser binary
//   SCREENSHOTS  folder for the phone screenshots
//   MIN_SCORE    Lighthouse's threshold per category (default 95)
//   REPORT       optional: a JSON file to write every score to
//   ONLY         optional: a RegExp; only the cases whose name matches run
// One chromium per theme serves every Lighthouse run of that theme, and one
// local server serves every run. Prints one line per case and
// "N passed, N failed"; exits non-zero when a case fails.
"use strict";
const fs = require("fs");
const os = require("os");
const path = require("path");
const { CHROMIUM_ARGS, serve, assert } = require("./common.js");

const site = process.env.SITE_DIR;
const tools = process.env.TOOLS;
const chart = process.env.CHART;
const shots = process.env.SCREENSHOTS;
const minScore = Number(process.env.MIN_SCORE || 95);
const QUERY = "restore postgresql";

const PAGES = {
  home: "index.html",
  chart: `charts/${chart}/index.html`,
  guide: `charts/${chart}/backup.html`,
  search: `index.html?q=${encodeURIComponent(QUERY)}`,
};
const VIEWPORTS = {
  phone: { width: 390, height: 844 },
  desktop: { width: 1350, height: 940 },
};
const THEMES = ["light", "dark"];

async function main() {
  const server = await serve(site);
  const base = `http://127.0.0.1:${server.address().port}/`;
  const { default: lighthouse } = await import(path.join(tools, "lighthouse/core/index.js"));
  const { default: desktopConfig } = await import(path.join(tools, "lighthouse/core/config/desktop-config.js"));
  const launcher = await import(path.join(tools, "chrome-launcher/dist/index.js"));
  const { chromium } = require(path.join(tools, "playwright-core"));
  const axeSource = fs.readFileSync(path.join(tools, "axe-core/axe.min.js"), "utf8");
  let passed = 0;
  let failed = 0;
  const report = [];

  const only = new RegExp(process.env.ONLY || "");
  async function check(name, body) {
    if (!only.test(name)) {
      return;
    }
    try {
      const line = await body();
      passed++;
      console.log(`ok      ${name}${line ? ": " + line : ""}`);
    } catch (e) {
      failed++;
      console.log(`FAILED  ${name}\n        ${String(e.message || e).split("\n").join("\n        ")}`);
    }
  }

  // Lighthouse: the mobile preset for phones, the desktop preset else.
  for (const theme of THEMES) {
    const profile = fs.mkdtempSync(path.join(os.tmpdir(), "gen-lighthouse-"));
    const chrome = await launcher.launch({
      chromePath: process.env.CHROMIUM,
      chromeFlags: CHROMIUM_ARGS.concat(theme === "dark" ? ["--force-dark-mode"] : []),
      userDataDir: profile,
      logLevel: "silent",
    });
    try {
      for (const viewport of Object.keys(VIEWPORTS)) {
        for (const [kind, url] of Object.entries(PAGES)) {
          await check(`lighthouse ${kind} ${viewport} ${theme}`, async () => {
            const flags = { port: chrome.port, output: "json", logLevel: "error" };
            const measure = async () => {
              const lhr = (await lighthouse(base + url, flags, viewport === "desktop" ? desktopConfig : undefined)).lhr;
              assert(!lhr.runtimeError, `runtime error: ${lhr.runtimeError && lhr.runtimeError.message}`);
              return lhr;
            };
            let lhr = await measure();
            // Performance is timed on a shared 2-core machine, where other
            // work only ever slows a run down: a run below the threshold is
            // measured again, up to 3 runs, and the best one counts (as
            // Lighthouse CI's "optimistic" aggregation). Every run is shown.
            const perf = (r) => `${Math.round(r.categories.performance.score * 100)} (benchmark index ${Math.round(r.environment.benchmarkIndex)})`;
            const runs = [perf(lhr)];
            while (lhr.categories.performance.score * 100 < minScore && runs.length < 3) {
              const again = await measure();
              runs.push(perf(again));
              if (again.categories.performance.score > lhr.categories.performance.score) {
                lhr = again;
              }
            }
            const retried = runs.length > 1 ? ` (best of ${runs.length} runs, performance ${runs.join(", ")})` : "";
            const scores = {};
            for (const [id, c] of Object.entries(lhr.categories)) {
              scores[id] = Math.round(c.score * 100);
            }
            const cls = lhr.audits["cumulative-layout-shift"].numericValue;
            report.push({ kind, viewport, theme, scores, cls });
            const line = Object.entries(scores).map(([k, v]) => `${k} ${v}`).join(", ") + `, CLS ${cls.toFixed(3)}${retried}`;
            const low = Object.entries(scores).filter(([, v]) => v < minScore);
            const why = low.map(([id]) =>
              `${id}: ` +
              lhr.categories[id].auditRefs
                .filter((r) => r.weight > 0 && lhr.audits[r.id].score !== null && lhr.audits[r.id].score < 1)
                .map((r) => `${r.id} (${lhr.audits[r.id].displayValue || lhr.audits[r.id].score})`)
                .join(", ")
            );
            assert(low.length === 0, `${line}\nbelow ${minScore}: ${why.join("; ")}`);
            // Nothing moves after the first paint (issue 17: 0.936 on phones).
            assert(cls < 0.01, `${line}\nlayout shift ${cls.toFixed(3)}: ${JSON.stringify((lhr.audits["layout-shifts"] || {}).details || {}).slice(0, 400)}`);
            return line;
          });
        }
      }
    } finally {
      await chrome.kill();
      fs.rmSync(profile, { recursive: true, force: true });
    }
  }

  // axe-core, every rule it runs by default, on the same pages; the search
  // page with its results open. Phone screenshots of each page.
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM, args: CHROMIUM_ARGS });
  try {
    for (const theme of THEMES) {
      for (const [viewport, size] of Object.entries(VIEWPORTS)) {
        const context = await browser.newContext({ viewport: size, colorScheme: theme });
        const page = await context.newPage();
        for (const [kind, url] of Object.entries(PAGES)) {
          await check(`axe ${kind} ${viewport} ${theme}`, async () => {
            await page.goto(base + url);
            if (kind === "search") {
              await page.waitForSelector("#gen\\:results-list li", { timeout: 5000 });
            }
            if (viewport === "phone") {
              await page.screenshot({ path: path.join(shots, `phone-${kind}-${theme}.png`) });
            }
            await page.evaluate(axeSource);
            const violations = await page.evaluate(async () => (await window.axe.run(document)).violations);
            const found = violations.map((v) => `${v.id} (${v.nodes.length}): ${v.help}; ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(" | ")}`);
            assert(found.length === 0, found.join("\n"));
            return "0 violations";
          });
        }
        await context.close();
      }
    }
  } finally {
    await browser.close();
  }

  if (process.env.REPORT) {
    fs.writeFileSync(process.env.REPORT, JSON.stringify(report, null, 1) + "\n");
  }
  server.close();
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
