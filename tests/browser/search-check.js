// Runs the site's own search (app.js, with a stub DOM) on a built site, so
// that tests/site.rs can compare it with what the index files say. Reads
// queries, one a line, on stdin; prints for each a JSON line:
//   {"shards": [file names app.js loads for it], "total": hits,
//    "top": [documents of the best results, best first]}
// Usage: node search-check.js templates/site/assets/app.js SITE_DIR < queries
"use strict";
const fs = require("fs");
const path = require("path");
const vm = require("vm");

// A DOM element that accepts anything; inputs are empty.
function stub() {
  return new Proxy(function () {}, {
    get(_, k) {
      if (k === "value" || k === "textContent") return "";
      if (k === "getAttribute") return () => null;
      if (k === "querySelectorAll") return () => [];
      if (k === "querySelector") return () => null;
      if (k === "children") return [];
      if (k === Symbol.toPrimitive) return () => "";
      if (k === "then") return undefined;
      return stub();
    },
    set() {
      return true;
    },
    apply() {
      return stub();
    },
  });
}
const sandbox = { document: stub(), localStorage: { getItem: () => null, setItem() {} }, location: { search: "" }, URLSearchParams, console };
sandbox.window = sandbox;
vm.createContext(sandbox);
let src = fs.readFileSync(process.argv[2], "utf8");
const end = src.lastIndexOf("})();");
src =
  src.slice(0, end) +
  "window.__genCheck = { setIndex: function (raw) { index = prepare(raw); }, run: run, " +
  "shardFiles: function (q) { return shardFiles(queryTerms(q)); } };\n" +
  src.slice(end);
vm.runInContext(src, sandbox);
const check = sandbox.__genCheck;

const site = process.argv[3];
const assets = path.join(site, "assets");
const manifest = fs.readdirSync(assets).find((f) => /^search-index\.[0-9a-f]+\.js$/.test(f));
vm.runInContext(fs.readFileSync(path.join(assets, manifest), "utf8"), sandbox);
check.setIndex(sandbox.__genSearch);
const dir = path.join(site, sandbox.__genSearch.dir);

const out = [];
for (const q of fs.readFileSync(0, "utf8").split("\n").filter((l) => l.trim())) {
  // A fresh start per query: only the shards it asks for are there.
  sandbox.__genSearchData = {};
  check.setIndex(sandbox.__genSearch);
  const shards = Array.from(check.shardFiles(q)).sort();
  for (const name of shards) {
    vm.runInContext(fs.readFileSync(path.join(dir, name + ".js"), "utf8"), sandbox);
  }
  const r = check.run(q);
  out.push(JSON.stringify({ shards, total: r.total, top: Array.from(r.hits, (h) => h[0]) }));
}
process.stdout.write(out.join("\n") + "\n");
