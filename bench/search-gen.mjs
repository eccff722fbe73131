// gen's search in Node: loads the site's own app.js (with a stub DOM) and
// its search files, then reports, as JSON on stdout:
// - first_query_bytes: what a browser downloads for a first search, gzip -9
//   sizes, each query on a fresh cache: the manifest, the term shards the
//   query needs (app.js's shardFiles) and the snippet chunks of the results
//   shown first (the best 10, app.js's first step; more load on scrolling);
//   median and p90 over the query set; app.js itself is loaded by every
//   page anyway and is reported apart;
// - the time to evaluate and prepare the manifest, to evaluate the shards a
//   query needs, and to run each of 100 queries (ranking, as app.js's
//   run(), with its shards loaded; DOM rendering left out).
// Results: the hits' count and the best 30 (run() keeps only those).
// Usage: node bench/search-gen.mjs SITE_DIR
import fs from "node:fs";
import path from "node:path";
import vm from "node:vm";
import zlib from "node:zlib";
import { QUERIES, stats } from "./queries.mjs";

const SHOWN = 10;
const site = process.argv[2];
const assets = path.join(site, "assets");
const pick = (re) => fs.readdirSync(assets).find((f) => re.test(f));
const appFile = path.join(assets, pick(/^app\.[0-9a-f]+\.js$/));
const indexFile = path.join(assets, pick(/^search-index\.[0-9a-f]+\.js$/));
const gzCache = new Map();
const gz = (file) => {
  if (!gzCache.has(file)) gzCache.set(file, zlib.gzipSync(fs.readFileSync(file), { level: 9 }).length);
  return gzCache.get(file);
};

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
  location: { search: "" },
  URLSearchParams,
  console,
};
sandbox.window = sandbox;
vm.createContext(sandbox);

let src = fs.readFileSync(appFile, "utf8");
const end = src.lastIndexOf("})();");
src =
  src.slice(0, end) +
  "window.__genBench = { setIndex: function (raw) { index = prepare(raw); }, run: run, " +
  "shardFiles: function (q) { return shardFiles(queryTerms(q)); }, " +
  "typoFiles: function (q) { return typoFiles(queryTerms(q)); }, " +
  "chunkFiles: chunkFiles, get index() { return index; } };\n" +
  src.slice(end);
vm.runInContext(src, sandbox);
const bench = sandbox.__genBench;
if (!bench) throw new Error("app.js search did not start (no #gen:q?)");

let t0 = process.hrtime.bigint();
vm.runInContext(fs.readFileSync(indexFile, "utf8"), sandbox);
bench.setIndex(sandbox.__genSearch);
const loadMs = Number(process.hrtime.bigint() - t0) / 1e6;
const index = bench.index;
const file = (name) => path.join(site, index.raw.dir, name + ".js");

// Evaluates the files not yet loaded, as the browser's <script>s would.
function load(names) {
  for (const name of names) {
    if (!(sandbox.__genSearchData && sandbox.__genSearchData[name])) {
      vm.runInContext(fs.readFileSync(file(name), "utf8"), sandbox);
    }
  }
}

const manifestBytes = gz(indexFile);
const perQuery = [];
const shardParts = [];
const chunkParts = [];
const times = [];
const shardMs = [];
let hits = 0;
for (const q of QUERIES) {
  const shards = Array.from(bench.shardFiles(q));
  t0 = process.hrtime.bigint();
  load(shards);
  // Then the shards of likely typos, for words that match nothing.
  const typo = Array.from(bench.typoFiles(q)).filter((n) => !shards.includes(n));
  load(typo);
  shards.push(...typo);
  shardMs.push(Number(process.hrtime.bigint() - t0) / 1e6);
  t0 = process.hrtime.bigint();
  const r = bench.run(q);
  times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  hits += r.total;
  const chunks = Array.from(bench.chunkFiles(r.hits.slice(0, SHOWN).map((h) => h[0])));
  load(chunks);
  const s = shards.reduce((a, n) => a + gz(file(n)), 0);
  const c = chunks.reduce((a, n) => a + gz(file(n)), 0);
  shardParts.push(s);
  chunkParts.push(c);
  perQuery.push(manifestBytes + s + c);
}
const all = fs.readdirSync(path.join(site, index.raw.dir));
const sizes = (re) => all.filter((f) => re.test(f)).map((f) => fs.statSync(path.join(site, index.raw.dir, f)).size);
const shardSizes = sizes(/^t\d+\./);
const chunkSizes = sizes(/^c\d+\./);
const t = stats(times);
const b = stats(perQuery);
process.stdout.write(
  JSON.stringify({
    method: `gzip -9 of the manifest + the term shards a query needs + the snippet chunks of its best ${SHOWN} hits; fresh cache per query; median over ${QUERIES.length} queries`,
    first_query_bytes: b.median,
    first_query_bytes_p90: b.p90,
    first_query_bytes_max: b.max,
    manifest_bytes_gzip: manifestBytes,
    manifest_bytes: fs.statSync(indexFile).size,
    shard_bytes_gzip_median: stats(shardParts).median,
    chunk_bytes_gzip_median: stats(chunkParts).median,
    shards: shardSizes.length,
    shard_bytes_max: Math.max(...shardSizes),
    chunks: chunkSizes.length,
    chunk_bytes_max: Math.max(...chunkSizes),
    app_js_bytes_gzip: gz(appFile),
    index_load_ms: loadMs,
    shard_load_ms_median: stats(shardMs).median,
    queries: QUERIES.length,
    mean_hits: hits / QUERIES.length,
    query_ms_median: t.median,
    query_ms_p90: t.p90,
    query_ms_max: t.max,
  }) + "\n",
);
