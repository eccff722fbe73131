// gen serve in a real browser: Debian's chromium, headless, driven by
// playwright-core. Run by tests/integration/serve_browser.rs, which starts `gen serve`
// on a temporary project and passes, in the environment:
//   BASE        the server's URL, e.g. http://127.0.0.1:40123/
//   SPEC        path of a spec file of that project
//   PLAYWRIGHT  path of the playwright-core package
//   CHROMIUM    the browser binary
// Cases: a spec edit reloads the open page with the new text; a broken spec
// shows the error overlay over the last good page; fixing it reloads again.
"use strict";
const fs = require("fs");
const os = require("os");
const path = require("path");
const { chromium } = require(process.env.PLAYWRIGHT);
const { CHROMIUM_ARGS, assert } = require("./common.js");

async function main() {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "gen-serve-chromium-"));
  const context = await chromium.launchPersistentContext(dataDir, {
    executablePath: process.env.CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
  });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  const spec = process.env.SPEC;
  const original = fs.readFileSync(spec, "utf8");
  let failed = 0;
  const run = async (name, body) => {
    try {
      await body();
      console.log(`ok   ${name}`);
    } catch (e) {
      failed++;
      console.log(`FAIL ${name}: ${e.message}`);
    }
  };
  try {
    await page.goto(process.env.BASE, { waitUntil: "load" });
    // Give the page's EventSource time to connect before editing.
    await page.waitForTimeout(500);

    await run("a spec edit reloads the page with the new text", async () => {
      const marker = "Reloaded by a spec edit";
      const reloaded = page.waitForEvent("load", { timeout: 15000 });
      fs.writeFileSync(spec, original.replace("title: TODO product name", `title: ${marker}`));
      await reloaded;
      await page.waitForSelector(`text=${marker}`, { timeout: 5000 });
    });

    await run("a broken spec shows the error overlay over the last good page", async () => {
      await page.waitForTimeout(300);
      fs.writeFileSync(spec, original.replace("  rto: 1h", "  rto: <script>soon</script>"));
      const overlay = await page.waitForSelector("#gen-overlay", { state: "visible", timeout: 15000 });
      const text = await overlay.textContent();
      assert(text.includes("bad duration"), `overlay text: ${text}`);
      assert(text.includes("<script>soon</script>"), "the error shows the spec text literally");
      assert((await page.$$("script:not([src])")).length === 0, "no inline script was injected");
      assert(await page.isVisible("text=Reloaded by a spec edit"), "the last good page stays");
    });

    await run("fixing the spec reloads and removes the overlay", async () => {
      const reloaded = page.waitForEvent("load", { timeout: 15000 });
      fs.writeFileSync(spec, original);
      await reloaded;
      await page.waitForSelector("#gen-overlay", { state: "detached", timeout: 5000 }).catch(async () => {
        assert(!(await page.isVisible("#gen-overlay")), "overlay still visible");
      });
    });

    await run("no script errors", async () => {
      assert(errors.length === 0, errors.join("; "));
    });
  } finally {
    fs.writeFileSync(spec, original);
    await context.close();
  }
  console.log(failed === 0 ? "all passed" : `${failed} failed`);
  process.exit(failed === 0 ? 0 : 1);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
