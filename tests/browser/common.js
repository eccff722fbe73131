// What the browser tests share: a static server for a built site and the
// chromium flags every run uses.
"use strict";
const fs = require("fs");
const http = require("http");
const path = require("path");
const zlib = require("zlib");

const TYPES = { ".html": "text/html; charset=utf-8", ".css": "text/css", ".js": "text/javascript", ".svg": "image/svg+xml", ".xml": "application/xml", ".txt": "text/plain" };

// Chromium's flags: headless, no network of its own, no first-run chrome.
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

// Serves `site` on 127.0.0.1 at a free port, gzipped when the browser asks,
// as static hosts serve it; a missing file gets the site's own 404.html
// when it has one.
function serve(site) {
  const server = http.createServer((req, res) => {
    const url = decodeURIComponent(new URL(req.url, "http://x").pathname);
    const file = path.join(site, url.endsWith("/") ? url + "index.html" : url);
    if (!file.startsWith(site) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) {
      const missing = path.join(site, "404.html");
      if (fs.existsSync(missing)) {
        res.writeHead(404, { "Content-Type": TYPES[".html"] });
        fs.createReadStream(missing).pipe(res);
      } else {
        res.writeHead(404);
        res.end("not found");
      }
      return;
    }
    const type = TYPES[path.extname(file)] || "application/octet-stream";
    if (type !== "application/octet-stream" && /\bgzip\b/.test(req.headers["accept-encoding"] || "")) {
      res.writeHead(200, { "Content-Type": type, "Content-Encoding": "gzip", Vary: "Accept-Encoding" });
      res.end(zlib.gzipSync(fs.readFileSync(file)));
      return;
    }
    res.writeHead(200, { "Content-Type": type });
    fs.createReadStream(file).pipe(res);
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

function assert(cond, msg) {
  if (!cond) {
    throw new Error(msg);
  }
}

module.exports = { CHROMIUM_ARGS, serve, assert };
