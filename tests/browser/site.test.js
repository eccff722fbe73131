// The published site in a real browser: Debian's chromium, headless, driven
// by playwright-core. Run by tests/integration/site.rs (the_site_in_a_real_browser),
// which builds a site and passes, in the environment:
//   SITE_DIR     the built site/ folder
//   CHARTS       comma-separated chart names (fixtures zz-alpha, zz-beta among them)
//   SCREENSHOTS  folder for the screenshots
//   PLAYWRIGHT   path of the playwright-core package
//   CHROMIUM     the browser binary
// Most cases load the site from a local HTTP server (127.0.0.1, a free
// port); one opens it from disk (file://). Prints one line per case and
// "N passed, N failed"; exits non-zero when a case fails.
"use strict";
const fs = require("fs");
const os = require("os");
const path = require("path");
const { pathToFileURL } = require("url");
const { CHROMIUM_ARGS, serve, assert } = require("./common.js");
const { chromium } = require(process.env.PLAYWRIGHT);

const site = process.env.SITE_DIR;
const charts = process.env.CHARTS.split(",");
const shots = process.env.SCREENSHOTS;

async function main() {
  const server = await serve(site);
  const base = `http://127.0.0.1:${server.address().port}/`;
  const args = CHROMIUM_ARGS;
  let passed = 0;
  let failed = 0;

  // A fresh browser profile (--user-data-dir) per case; every console error
  // (a CSP violation, a script error) and every request to another host
  // fails the case.
  async function check(name, options, body) {
    const profile = fs.mkdtempSync(path.join(os.tmpdir(), "gen-chromium-"));
    const context = await chromium.launchPersistentContext(
      profile,
      Object.assign({ executablePath: process.env.CHROMIUM, args, viewport: { width: 1280, height: 900 }, colorScheme: "light" }, options)
    );
    const page = context.pages()[0] || (await context.newPage());
    const problems = [];
    page.on("console", (m) => {
      // A case may expect some errors (page.expectErrors, a RegExp).
      if (m.type() === "error" && !(page.expectErrors && page.expectErrors.test(m.text()))) {
        problems.push("console: " + m.text());
      }
    });
    page.on("pageerror", (e) => problems.push("script error: " + e.message));
    page.on("request", (r) => {
      const u = r.url();
      if (!u.startsWith(base) && !u.startsWith("file:")) {
        problems.push("request to another host: " + u);
      }
    });
    try {
      await body(page, context);
      assert(problems.length === 0, problems.join("\n"));
      passed++;
      console.log(`ok      ${name}`);
    } catch (e) {
      failed++;
      console.log(`FAILED  ${name}\n        ${String(e.message || e).split("\n").join("\n        ")}`);
    } finally {
      await context.close();
      fs.rmSync(profile, { recursive: true, force: true });
    }
  }

  async function search(page, text) {
    await page.keyboard.press("/");
    assert(await page.evaluate(() => document.activeElement && document.activeElement.id === "gen:q"), "/ focuses the search box");
    await page.keyboard.type(text);
    await page.waitForSelector("#gen\\:results-list li", { timeout: 5000 });
  }

  await check("the home page lists every chart", {}, async (page) => {
    await page.goto(base + "index.html");
    const listed = await page.$$eval(".chart-card", (cards) => cards.map((c) => c.getAttribute("data-chart")));
    assert(JSON.stringify([...listed].sort()) === JSON.stringify([...charts].sort()), `listed ${listed}`);
    assert(await page.isVisible("#gen\\:filters"), "the category filter shows");
    const category = await page.getAttribute("#gen\\:filters button:nth-child(2)", "data-category");
    await page.click("#gen\\:filters button:nth-child(2)");
    const visible = await page.$$eval(".chart-card", (cards) => cards.filter((c) => !c.hidden).map((c) => c.getAttribute("data-category")));
    assert(visible.length > 0, `some ${category} charts`);
    assert(visible.every((c) => c === category), `filtered to ${category}: ${visible}`);
    await page.click("#gen\\:filters button[data-category='']");
    await page.screenshot({ path: path.join(shots, "home.png") });
  });

  await check("a chart page shows highlighted code", {}, async (page) => {
    const chart = charts.includes("postgresql") ? "postgresql" : "zz-alpha";
    await page.goto(base + `charts/${chart}/backup.html`);
    const tokens = await page.$$eval(".code-block code span[class]", (s) => s.length);
    assert(tokens > 5, `${tokens} highlighted tokens`);
    const colors = await page.$$eval(".code-block code span[class]", (spans) =>
      [...new Set(spans.map((s) => getComputedStyle(s).color))]
    );
    assert(colors.length >= 3, `token colours: ${colors}`);
    assert(await page.isVisible(".code-block .copy"), "a copy button");
    // The sidebar, built from the shared navigation script, lists every chart
    // and marks this page.
    const navCharts = await page.$$eval("#gen\\:nav .nav-list > li > a", (as) => as.map((a) => a.getAttribute("href")));
    for (const c of charts) {
      assert(navCharts.some((h) => h.endsWith(`charts/${c}/index.html`)), `sidebar lists ${c}: ${navCharts}`);
    }
    const current = await page.$eval("#gen\\:nav [aria-current=page]", (a) => a.textContent);
    assert(current === "Backup & recovery", `sidebar marks ${current}`);
    await page.screenshot({ path: path.join(shots, "chart.png") });
  });

  await check("no code line is under its copy button or language label, desktop and phone", {}, async (page) => {
    const chart = charts.includes("postgresql") ? "postgresql" : "zz-alpha";
    for (const width of [1280, 390]) {
      await page.setViewportSize({ width, height: 800 });
      await page.goto(base + `charts/${chart}/backup.html`);
      // The first line box of each block's code against the boxes of the
      // button and the label drawn over the block.
      const covered = await page.$$eval(".code-block", (blocks) =>
        blocks.flatMap((b, i) => {
          const line = b.querySelector("pre code").getClientRects()[0];
          return [...b.querySelectorAll(".copy, .lang")]
            .filter((el) => getComputedStyle(el).display !== "none" && !el.hidden)
            .map((el) => el.getBoundingClientRect())
            .filter((r) => line && r.bottom > line.top && r.top < line.bottom && r.right > line.left)
            .map(() => `block ${i}`);
        })
      );
      const blocks = await page.$$eval(".code-block .copy:not([hidden])", (b) => b.length);
      assert(blocks > 0, `${width}px: copy buttons shown`);
      assert(covered.length === 0, `${width}px: first line covered in ${covered.join(", ")}`);
    }
  });

  await check("search finds the right page and lands on the anchor", {}, async (page) => {
    const loaded = [];
    page.on("request", (r) => {
      const m = /assets\/(search-index\.|search\/([tc])\d+\.)/.exec(r.url());
      if (m) {
        loaded.push(m[2] || "manifest");
      }
    });
    await page.goto(base + "index.html");
    await search(page, "zebrafish");
    // A first search loads the manifest, a shard or two and the snippet
    // chunks of the results it shows, not the whole index.
    const count = (k) => loaded.filter((x) => x === k).length;
    assert(count("manifest") === 1, `search files: ${loaded}`);
    assert(count("t") >= 1 && count("t") <= 2, `term shards: ${loaded}`);
    const shown = await page.$$eval("#gen\\:results-list li", (l) => l.length);
    assert(count("c") >= 1 && count("c") <= shown, `snippet chunks for ${shown} results: ${loaded}`);
    const first = await page.$eval("#gen\\:results-list li a", (a) => a.getAttribute("href"));
    assert(/charts\/zz-(alpha|beta)\/backup\.html#full-restore-of-the-zz-(alpha|beta)-zebrafish-volume$/.test(first), `first hit ${first}`);
    const marks = await page.$$eval("#gen\\:results-list mark", (m) => m.map((x) => x.textContent.toLowerCase()));
    assert(marks.includes("zebrafish"), `highlighted: ${marks}`);
    await page.screenshot({ path: path.join(shots, "search.png") });
    // Keyboard: down, up, Enter opens the first result.
    await page.keyboard.press("ArrowDown");
    await page.keyboard.press("ArrowDown");
    await page.keyboard.press("ArrowUp");
    const selected = await page.$eval("#gen\\:q", (i) => i.getAttribute("aria-activedescendant"));
    assert(selected === "gen:result-0", `active ${selected}`);
    await Promise.all([page.waitForURL(/backup\.html#/), page.keyboard.press("Enter")]);
    const anchor = decodeURIComponent(new URL(page.url()).hash.slice(1));
    const box = await page.evaluate((id) => {
      const r = document.getElementById(id).getBoundingClientRect();
      return { top: r.top, height: window.innerHeight };
    }, anchor);
    assert(box.top >= 0 && box.top < box.height / 2, `heading at ${box.top}px of ${box.height}`);
  });

  await check("among equal results, the chart being read comes first", {}, async (page) => {
    // Both fixtures have the same zebrafish section; each chart's pages
    // put their own first.
    for (const chart of ["zz-alpha", "zz-beta"]) {
      await page.goto(base + `charts/${chart}/backup.html`);
      await search(page, "zebrafish");
      const first = await page.$eval("#gen\\:results-list li a", (a) => a.getAttribute("href"));
      assert(first.endsWith(`#full-restore-of-the-${chart}-zebrafish-volume`), `on ${chart}: first hit ${first}`);
    }
  });

  await check("a typo says what it was taken for and marks that word", {}, async (page) => {
    await page.goto(base + "index.html");
    await search(page, "zebrafsh");
    const status = await page.textContent("#gen\\:results-status");
    assert(/^Showing results for zebrafish \(no page has “zebrafsh”\)\. /.test(status), `status: ${status}`);
    const marks = await page.$$eval("#gen\\:results-list mark", (m) => m.map((x) => x.textContent.toLowerCase()));
    assert(marks.includes("zebrafish"), `highlighted: ${marks}`);
    const first = await page.$eval("#gen\\:results-list li a", (a) => a.getAttribute("href"));
    assert(/#full-restore-of-the-zz-(alpha|beta)-zebrafish-volume$/.test(first), `first hit ${first}`);
  });

  await check("clicking a result lands on it; filters and Escape work", {}, async (page) => {
    await page.goto(base + "docs/coverage.html");
    await search(page, "backup");
    await page.selectOption("#gen\\:filter-kind", "upgrade");
    await page.waitForTimeout(200);
    const kinds = await page.$$eval("#gen\\:results-list .result-kind", (k) => k.map((x) => x.textContent));
    assert(kinds.length > 0 && kinds.every((k) => k === "upgrade"), `kinds ${kinds}`);
    await page.selectOption("#gen\\:filter-kind", "");
    await page.fill("#gen\\:q", "zebrafish");
    await page.waitForTimeout(300);
    const href = await page.$eval("#gen\\:results-list li a", (a) => a.getAttribute("href"));
    await Promise.all([page.waitForURL(/#full-restore/), page.click("#gen\\:results-list li a")]);
    assert(page.url().endsWith(href.replace(/^(\.\.\/)+/, "")), `${page.url()} for ${href}`);
    await page.keyboard.press("/");
    await page.keyboard.type("kubectl");
    await page.waitForSelector("#gen\\:results-list li");
    await page.keyboard.press("Escape");
    assert((await page.inputValue("#gen\\:q")) === "", "Escape clears");
    assert(await page.isHidden("#gen\\:results"), "Escape closes the results");
  });

  await check("a common word shows 10 results, then more as the list scrolls", {}, async (page) => {
    await page.goto(base + "index.html");
    await search(page, "backup");
    const items = () => page.$$eval("#gen\\:results-list li", (l) => l.length);
    assert((await items()) === 10, `${await items()} results first`);
    const status = await page.textContent("#gen\\:results-status");
    assert(/^\d+ results, the best 10 shown$/.test(status), `status: ${status}`);
    // Every result has its section's heading; snippets show where the
    // section has text of its own (a heading over subsections has none).
    const titles = await page.$$eval("#gen\\:results-list .result-title", (s) => s.filter((x) => x.textContent.length > 0).length);
    assert(titles === 10, `${titles} titles`);
    const snippets = await page.$$eval("#gen\\:results-list .result-snippet", (s) => s.filter((x) => x.textContent.length > 0).length);
    assert(snippets >= 6, `${snippets} snippets filled`);
    await page.$eval("#gen\\:results", (p) => (p.scrollTop = p.scrollHeight));
    await page.waitForFunction(() => document.querySelectorAll("#gen\\:results-list li").length === 20, null, { timeout: 5000 });
    // Arrowing past the last result shown brings the next ones (never
    // back to the first).
    await page.$eval("#gen\\:results", (p) => (p.scrollTop = 0));
    for (let i = 0; i < 21; i++) {
      await page.keyboard.press("ArrowDown");
    }
    await page.waitForFunction(() => document.querySelectorAll("#gen\\:results-list li").length === 30, null, { timeout: 5000 });
    await page.waitForFunction(() => document.querySelector("#gen\\:q").getAttribute("aria-activedescendant") === "gen:result-20", null, { timeout: 5000 });
    const ids = await page.$$eval("#gen\\:results-list li a", (l) => l.map((x) => x.id));
    assert(new Set(ids).size === 30 && ids[29] === "gen:result-29", `ids ${ids.slice(-3)}`);
    const hrefs = await page.$$eval("#gen\\:results-list li a", (l) => l.map((a) => a.getAttribute("href")));
    assert(new Set(hrefs).size === 30, "thirty different results");
  });

  await check("a search file that fails to load is reported, not hidden", {}, async (page) => {
    // As for a page older than a rebuild, whose search files were renamed.
    page.expectErrors = /Failed to load resource/;
    await page.route(/assets\/search\/t\d+\./, (r) => r.fulfill({ status: 404, body: "gone" }));
    await page.goto(base + "index.html");
    await search(page, "zebrafish").catch(() => {});
    await page.waitForFunction(() => /could not be loaded/.test(document.getElementById("gen:results-status").textContent), null, { timeout: 5000 });
    assert(await page.isVisible("#gen\\:results-status"), "the message shows");
  });

  await check("the theme toggle switches and is remembered", {}, async (page) => {
    await page.goto(base + "index.html");
    const bg = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    assert((await page.getAttribute("html", "data-theme")) === "light", "follows the system (light)");
    const light = await bg();
    await page.click("#gen\\:theme");
    assert((await page.getAttribute("html", "data-theme")) === "dark", "toggled to dark");
    const dark = await bg();
    assert(light !== dark, `background ${light} vs ${dark}`);
    await page.reload();
    assert((await page.getAttribute("html", "data-theme")) === "dark", "remembered after reload");
    assert((await page.getAttribute("#gen\\:theme", "aria-label")) === "Switch to light theme", "label says what it does");
  });

  await check("the system's dark preference is followed", { colorScheme: "dark" }, async (page) => {
    await page.goto(base + "index.html");
    assert((await page.getAttribute("html", "data-theme")) === "dark", "dark by default");
  });

  await check("390 and 360 px phones never scroll sideways", { viewport: { width: 390, height: 844 } }, async (page) => {
    const chart = charts.includes("postgresql") ? "postgresql" : "zz-alpha";
    for (const width of [390, 360]) {
      await page.setViewportSize({ width, height: 800 });
      for (const url of ["index.html", `charts/${chart}/index.html`, `charts/${chart}/backup.html`, `charts/${chart}/operations.html`, `charts/${chart}/security.html`, "docs/disaster-recovery.html", "docs/makefile-reference.html"]) {
        await page.goto(base + url);
        const { scroll, client } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
        assert(scroll <= client, `${url} at ${width}px: ${scroll}px wide in ${client}px`);
      }
    }
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(base + `charts/${chart}/index.html`);
    assert(await page.isHidden("#gen\\:nav"), "navigation folded away");
    await page.click("#gen\\:nav-toggle");
    assert(await page.isVisible("#gen\\:nav"), "the menu button opens it");
    await page.screenshot({ path: path.join(shots, "phone-nav.png") });
  });

  await check("a chart's five tabs all show, without a sideways scroll, from 320 to 1600 px", {}, async (page) => {
    const chart = charts.includes("postgresql") ? "postgresql" : "zz-alpha";
    // 960 is the last width without the sidebar; from 961 to 1020 the tabs
    // scrolled beside it.
    const problems = [];
    for (const width of [320, 360, 390, 640, 700, 768, 960, 961, 990, 1020, 1024, 1216, 1280, 1440, 1600]) {
      await page.setViewportSize({ width, height: 800 });
      await page.goto(base + `charts/${chart}/backup.html`);
      const { scroll, client, tabs, outside, rows } = await page.$eval(".tabs ul", (u) => {
        const box = u.getBoundingClientRect();
        const rects = [...u.querySelectorAll("a")].map((a) => a.getBoundingClientRect());
        return {
          scroll: u.scrollWidth,
          client: u.clientWidth,
          tabs: rects.length,
          outside: rects.filter((r) => r.width === 0 || r.left < box.left || r.right > box.right + 0.5).length,
          rows: new Set(rects.map((r) => Math.round(r.top))).size,
        };
      });
      assert(tabs === 5, `${tabs} tabs`);
      if (scroll > client || outside > 0) {
        problems.push(`${width}px: the tabs need ${scroll}px of ${client}px; ${outside} cut off`);
      }
      // Beside the sidebar (and wider) they share one row; phones wrap.
      if (width > 960 && rows > 1) {
        problems.push(`${width}px: the tabs take ${rows} rows`);
      }
    }
    assert(problems.length === 0, problems.join("\n"));
  });

  await check("a cold load fetches every file once, the icon too", {}, async (page) => {
    const chart = charts.includes("postgresql") ? "postgresql" : "zz-alpha";
    const seen = [];
    page.on("request", (r) => seen.push(r.url().slice(base.length)));
    await page.goto(base + `charts/${chart}/backup.html`, { waitUntil: "load" });
    await page.waitForLoadState("networkidle");
    const twice = seen.filter((u, i) => seen.indexOf(u) !== i);
    assert(twice.length === 0, `fetched twice: ${twice} (all: ${seen})`);
    const icons = seen.filter((u) => /assets\/icon\.[0-9a-f]+\.svg$/.test(u));
    assert(icons.length === 1, `icon requests: ${icons.length} of ${seen}`);
    assert(await page.isVisible(".brand svg"), "the logo shows");
  });

  await check("long inline code wraps only where gen allows, inside a 360 px column", { viewport: { width: 360, height: 800 } }, async (page) => {
    const chart = charts.includes("postgresql") ? "postgresql" : "zz-alpha";
    await page.goto(base + `charts/${chart}/backup.html`);
    const { wide, breaks, bad } = await page.evaluate(() => {
      const width = document.documentElement.clientWidth;
      // Code blocks and tables scroll inside their own box.
      const wide = [...document.querySelectorAll(".doc *")]
        .filter((e) => !e.closest("pre, table") && e.getBoundingClientRect().right > width + 0.5)
        .map((e) => `${e.tagName} ${Math.round(e.getBoundingClientRect().right)}px: ${e.textContent.slice(0, 50)}`);
      // Each line break inside inline code: after a space or at a <wbr>.
      let breaks = 0;
      const bad = [];
      const range = document.createRange();
      for (const code of document.querySelectorAll(".doc :not(pre) > code")) {
        if (code.getClientRects().length < 2) {
          continue;
        }
        let top = null;
        let prev = "";
        for (const node of code.childNodes) {
          if (node.nodeType !== Node.TEXT_NODE) {
            continue;
          }
          for (let i = 0; i < node.data.length; i++) {
            range.setStart(node, i);
            range.setEnd(node, i + 1);
            const rects = range.getClientRects();
            const y = rects.length ? Math.round(rects[rects.length - 1].top) : top;
            if (top !== null && y > top + 2) {
              breaks++;
              const atWbr = i === 0 && node.previousSibling && node.previousSibling.nodeName === "WBR";
              if (!atWbr && !/\s/.test(prev + node.data[i])) {
                bad.push(`${code.textContent.slice(0, 60)} (before "${node.data.slice(i, i + 10)}")`);
              }
            }
            top = y;
            prev = node.data[i];
          }
        }
      }
      return { wide, breaks, bad };
    });
    assert(wide.length === 0, `wider than the viewport: ${wide.slice(0, 5).join("; ")}`);
    assert(breaks > 10, `${breaks} breaks in inline code: the page should have long code to wrap`);
    assert(bad.length === 0, `${bad.length} of ${breaks} breaks not at a <wbr>: ${bad.slice(0, 5).join("; ")}`);
    await page.screenshot({ path: path.join(shots, "phone-inline-code.png") });
  });

  await check("print shows the text without the site's chrome", {}, async (page) => {
    await page.goto(base + "docs/disaster-recovery.html");
    await page.emulateMedia({ media: "print" });
    const shown = await page.evaluate(() =>
      [".topbar", ".sidebar", ".pager", ".toc-col", ".doc"].map((s) => {
        const el = document.querySelector(s);
        return el ? getComputedStyle(el).display : "absent";
      })
    );
    assert(JSON.stringify(shown.slice(0, 4)) === JSON.stringify(["none", "none", "none", "none"]), `chrome: ${shown}`);
    assert(shown[4] !== "none", "the text prints");
    const pdf = await page.pdf({ format: "A4" });
    assert(pdf.length > 1000, "a PDF is produced");
  });

  await check("search works from file://", {}, async (page) => {
    await page.goto(pathToFileURL(path.join(site, "index.html")).href);
    await search(page, "zebrafish");
    const n = await page.$$eval("#gen\\:results-list li", (l) => l.length);
    assert(n >= 2, `${n} results`);
    const snippet = await page.$eval("#gen\\:results-list .result-snippet", (s) => s.textContent);
    assert(snippet.length > 0, "snippets load from file:// too");
  });

  await check("keyboard: skip link, / never taken from a text field, Ctrl+F untouched", {}, async (page) => {
    await page.goto(base + "index.html");
    await page.keyboard.press("Tab");
    assert((await page.evaluate(() => document.activeElement.className)) === "skip-link", "the skip link comes first");
    await page.keyboard.press("Enter");
    assert((await page.evaluate(() => document.activeElement.id)) === "gen:main", "it moves focus to the content");
    const prevented = await page.evaluate(() => {
      const e = new KeyboardEvent("keydown", { key: "f", ctrlKey: true, bubbles: true, cancelable: true });
      document.body.dispatchEvent(e);
      return e.defaultPrevented;
    });
    assert(!prevented, "Ctrl+F is the browser's");
    await page.focus("#gen\\:q");
    await page.keyboard.type("a/b");
    assert((await page.inputValue("#gen\\:q")) === "a/b", "/ types into the box");
  });

  server.close();
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
