// Pagefind's search in Node: imports the bundle's own pagefind.js with a
// fetch() that reads the bundle's files and counts their bytes, then
// reports, as JSON on stdout:
// - first_query_bytes: what a browser downloads for a first search and the
//   data of its first 5 results (Pagefind UI's first page): pagefind.js
//   and pagefind-entry.json at gzip -9, the WebAssembly, metadata, index
//   chunks and fragments as stored (Pagefind compresses them itself);
//   median over the query set, each query on a fresh instance;
// - the time of each of 100 queries on one instance (search() with its
//   chunk loads from disk, plus data() of the first 5 results).
// Usage: node bench/search-pagefind.mjs PAGEFIND_DIR
import fs from "node:fs";
import path from "node:path";
import url from "node:url";
import zlib from "node:zlib";
import { QUERIES, stats } from "./queries.mjs";

const dir = path.resolve(process.argv[2]);
const gz = (buf) => zlib.gzipSync(buf, { level: 9 }).length;
let fetched = 0;
globalThis.fetch = async (input) => {
  const u = new URL(typeof input === "string" ? input : input.url);
  const file = url.fileURLToPath(u.origin === "null" ? u.href.split("?")[0] : u.href);
  const buf = fs.readFileSync(file);
  fetched += /\.(js|json)$/.test(file) ? gz(buf) : buf.length;
  return new Response(buf, { status: 200 });
};

async function instance(tag) {
  // A fresh module instance per import (the query string makes it new).
  const mod = await import(url.pathToFileURL(path.join(dir, "pagefind.js")).href + "?i=" + tag);
  fetched += gz(fs.readFileSync(path.join(dir, "pagefind.js")));
  await mod.options({ basePath: url.pathToFileURL(dir).href + "/" });
  await mod.init();
  return mod;
}

async function query(pf, q) {
  const r = await pf.search(q);
  await Promise.all(r.results.slice(0, 5).map((x) => x.data()));
  return r.results.length;
}

const firstBytes = [];
for (let i = 0; i < 20; i++) {
  fetched = 0;
  const pf = await instance("first" + i);
  await query(pf, QUERIES[(i * 5) % QUERIES.length]);
  firstBytes.push(fetched);
}

const pf = await instance("timed");
await query(pf, "warm");
const times = [];
let hits = 0;
for (const q of QUERIES) {
  const t0 = process.hrtime.bigint();
  hits += await query(pf, q);
  times.push(Number(process.hrtime.bigint() - t0) / 1e6);
}
const t = stats(times);
const b = stats(firstBytes);
process.stdout.write(
  JSON.stringify({
    method:
      "bytes fetched for a first search + data() of 5 results (js/json gzip -9, Pagefind's files as stored); median of 20 queries",
    first_query_bytes: b.median,
    first_query_bytes_max: b.max,
    queries: QUERIES.length,
    mean_hits: hits / QUERIES.length,
    query_ms_median: t.median,
    query_ms_p90: t.p90,
    query_ms_max: t.max,
  }) + "\n",
);
