// gen's search in Node: loads the site's own app.js (with a stub DOM) and
// search index, then reports, as JSON on stdout:
// - first_query_bytes: what a browser downloads for a first search, gzip -9
//   sizes: the index file plus the snippet files of the results shown (the
//   best 30, as app.js shows), median over the query set; app.js itself is
//   loaded by every page anyway and is reported apart;
// - the time to evaluate and prepare the index, and to run each of 100
//   queries (ranking, as app.js's run(); DOM rendering left out).
// Usage: node bench/search-gen.mjs SITE_DIR
import fs from "node:fs";
import path from "node:path";
import vm from "node:vm";
import zlib from "node:zlib";
import { QUERIES, stats } from "./queries.mjs";

const site = process.argv[2];
const assets = path.join(site, "assets");
const pick = (re) => fs.readdirSync(assets).find((f) => re.test(f));
const appFile = path.join(assets, pick(/^app\.[0-9a-f]+\.js$/));
const indexFile = path.join(assets, pick(/^search-index\.[0-9a-f]+\.js$/));
const gz = (file) => zlib.gzipSync(fs.readFileSync(file), { level: 9 }).length;

// A DOM element that accepts anything; inputs are empty.
function stub() {
  const target = function () {};
  return new Proxy(target, {
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
const sandbox = {
  document: stub(),
  localStorage: { getItem: () => null, setItem() {} },
  console,
};
sandbox.window = sandbox;
vm.createContext(sandbox);

let src = fs.readFileSync(appFile, "utf8");
const end = src.lastIndexOf("})();");
src =
  src.slice(0, end) +
  "window.__genBench = { setIndex: function (raw) { index = prepare(raw); }, " +
  "run: run, get index() { return index; } };\n" +
  src.slice(end);
vm.runInContext(src, sandbox);
const bench = sandbox.__genBench;
if (!bench) throw new Error("app.js search did not start (no #gen:q?)");

let t0 = process.hrtime.bigint();
vm.runInContext(fs.readFileSync(indexFile, "utf8"), sandbox);
bench.setIndex(sandbox.__genSearch);
const loadMs = Number(process.hrtime.bigint() - t0) / 1e6;
const index = bench.index;

const shardBytes = index.raw.shards.map((p) => gz(path.join(site, p)));
const indexBytes = gz(indexFile);
const perQuery = [];
const times = [];
let hits = 0;
for (const q of QUERIES) {
  t0 = process.hrtime.bigint();
  const r = bench.run(q);
  times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  hits += r.hits.length;
  const shards = new Set(
    r.hits.slice(0, 30).map((h) => index.raw.pages[index.docPage[h[0]]][4]),
  );
  let bytes = indexBytes;
  for (const s of shards) bytes += shardBytes[s];
  perQuery.push(bytes);
}
const t = stats(times);
const b = stats(perQuery);
process.stdout.write(
  JSON.stringify({
    method:
      "gzip -9 of search-index.js + snippet files of the best 30 hits; median over 100 queries",
    first_query_bytes: b.median,
    first_query_bytes_max: b.max,
    index_bytes_gzip: indexBytes,
    index_bytes: fs.statSync(indexFile).size,
    snippet_files: shardBytes.length,
    snippet_bytes_gzip_total: shardBytes.reduce((a, x) => a + x, 0),
    app_js_bytes_gzip: gz(appFile),
    index_load_ms: loadMs,
    queries: QUERIES.length,
    mean_hits: hits / QUERIES.length,
    query_ms_median: t.median,
    query_ms_p90: t.p90,
    query_ms_max: t.max,
  }) + "\n",
);
