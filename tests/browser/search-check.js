// Runs the site's own search (app.js, with a stub DOM) on a built site, so
// that tests/integration/site.rs can compare it with what the index files say. Reads
// queries, one a line, on stdin; prints for each a JSON line:
//   {"shards": [file names app.js loads for it], "typo": [the shards it
//    loads then for words that match nothing], "total": hits,
//    "top": [documents of the best results, best first],
//    "pages": [their pages' URLs], "partial": whether no page has every word}
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
  "shardFiles: function (q) { return shardFiles(queryTerms(q)); }, " +
  "typoFiles: function (q) { return typoFiles(queryTerms(q)); }, " +
  "pageOf: function (doc) { return index.raw.pages[index.docPage[doc]][0]; } };\n" +
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
  const load = (names) => {
    for (const name of names) {
      vm.runInContext(fs.readFileSync(path.join(dir, name + ".js"), "utf8"), sandbox);
    }
  };
  const shards = Array.from(check.shardFiles(q)).sort();
  load(shards);
  const typo = Array.from(check.typoFiles(q)).sort();
  load(typo);
  const r = check.run(q);
  const top = Array.from(r.hits, (h) => h[0]);
  out.push(JSON.stringify({ shards, typo, total: r.total, top, pages: top.map(check.pageOf), partial: !!r.partial }));
}
process.stdout.write(out.join("\n") + "\n");
