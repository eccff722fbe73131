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
//
// With --tradeoff "S/C/L ..." it measures instead what other packings of
// the same index would cost (issue 19: files against first-query bytes):
// the site's terms and documents are cut again, S and C being a term shard
// and a snippet chunk per N pages ("p10", the rule of src/site/search.rs,
// at least 16 and 8 KB) or of a fixed size ("16k"), L the characters of
// snippet text kept (no more than the site has), and app.js's own loader
// and ranking pick the files of each query. One JSON line per packing.
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

if (process.argv[3] === "--tradeoff") {
  for (const spec of process.argv[4].split(/\s+/).filter(Boolean)) tradeoff(spec);
  process.exit(0);
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

// Every term with its postings, and every document, of the built index.
function everything() {
  const raw = index.raw;
  const terms = [];
  const docs = [];
  raw.shards.forEach((_, i) => {
    const name = `t${i}.${raw.hash}`;
    load([name]);
    const [ts, ps] = sandbox.__genSearchData[name];
    const post = ps.split(" ");
    ts.split(" ").forEach((t, j) => terms.push([t, post[j]]));
  });
  index.chunkStart.forEach((_, c) => {
    const name = `c${c}.${raw.hash}`;
    load([name]);
    const t = sandbox.__genSearchData[name];
    for (let i = 0; i < t.length; i += 3) docs.push([t[i], t[i + 1], t[i + 2]]);
  });
  return { raw, terms, docs };
}

// Cuts `items` (each with its size) in order into pieces of at most `max`
// bytes, at least one item each, as search.rs does.
function cut(items, max) {
  const out = [];
  let size = 0;
  for (const [item, n] of items) {
    if (out.length && size + n <= max) {
      out[out.length - 1].push(item);
      size += n;
    } else {
      out.push([item]);
      size = n;
    }
  }
  return out;
}

function tradeoff(spec) {
  const all = (everything.done = everything.done || everything());
  const [s, c, l] = spec.split("/");
  const pages = all.raw.pages.length;
  const clip = Number(l);
  const target = (rule, total, least) =>
    rule.startsWith("p")
      ? Math.max(least, Math.ceil(total / Math.max(1, Math.floor(pages / Number(rule.slice(1))))))
      : Number(rule.replace("k", "")) * 1024;
  const termItems = all.terms.map((t) => [t, t[0].length + t[1].length + 2]);
  const rows = all.docs.map((d) => {
    const text = d[2].length > clip ? d[2].slice(0, clip) : d[2];
    return [[d[0], d[1], text], JSON.stringify([d[0], d[1], text]).length - 1];
  });
  const shards = cut(termItems, target(s, termItems.reduce((a, t) => a + t[1], 0), 16 * 1024));
  const chunks = cut(rows, target(c, rows.reduce((a, r) => a + r[1], 0), 8 * 1024) - 1);
  const hash = `x${spec.replace(/\W/g, "")}`;
  const data = {};
  const size = {};
  const put = (name, json) => {
    data[name] = json;
    size[name] = zlib.gzipSync(
      `(window.__genSearchData=window.__genSearchData||{})["${name}"]=${JSON.stringify(json)};\n`,
      { level: 9 },
    ).length;
  };
  shards.forEach((sh, i) => put(`t${i}.${hash}`, [sh.map((t) => t[0]).join(" "), sh.map((t) => t[1]).join(" ")]));
  const END = "0123456789ABCDEFGHIJKLMNOPQRSTUV";
  const CONT = "WXYZabcdefghijklmnopqrstuvwxyz-_";
  let counts = "";
  chunks.forEach((ch, i) => {
    put(`c${i}.${hash}`, ch.flat());
    let v = ch.length;
    for (; v >= 32; v >>= 5) counts += CONT[v & 31];
    counts += END[v];
  });
  const raw = { ...all.raw, hash, shards: shards.map((sh) => [sh[0][0], sh.length]), chunks: counts };
  const manifest = zlib.gzipSync(`window.__genSearch=${JSON.stringify(raw)};\n`, { level: 9 }).length;
  sandbox.__genSearchData = data;
  bench.setIndex(raw);
  const first = [];
  for (const q of QUERIES) {
    const files = Array.from(bench.shardFiles(q));
    const r = bench.run(q);
    files.push(...bench.chunkFiles(r.hits.slice(0, SHOWN).map((h) => h[0])));
    first.push(manifest + files.reduce((a, n) => a + size[n], 0));
  }
  const b = stats(first);
  process.stdout.write(
    JSON.stringify({
      packing: spec,
      pages,
      search_files: shards.length + chunks.length + 1,
      shards: shards.length,
      chunks: chunks.length,
      manifest_bytes_gzip: manifest,
      first_query_bytes: b.median,
      first_query_bytes_p90: b.p90,
    }) + "\n",
  );
}
