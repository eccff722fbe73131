// Reads lines on stdin and prints, for each, the site's JavaScript tokenizer
// and Porter stemmer applied to it (words joined by spaces), so that
// tests/integration/site.rs can compare them with gen's Rust ones word for word.
// Usage: node stem-check.js templates/site/assets/app.js < lines
"use strict";
const fs = require("fs");

const noop = () => {};
// Just enough of a browser for app.js to define its search functions.
global.window = {};
global.navigator = {};
global.document = {
  documentElement: {
    classList: { add: noop, toggle: noop, contains: () => false },
    getAttribute: () => null,
    setAttribute: noop,
  },
  getElementById: () => null,
  querySelector: () => null,
  querySelectorAll: () => [],
  addEventListener: noop,
};
new Function(fs.readFileSync(process.argv[2], "utf8"))();
const stem = global.window.__genStem;
const words = global.window.__genWords;
if (typeof stem !== "function" || typeof words !== "function") {
  console.error("app.js did not expose __genStem and __genWords");
  process.exit(1);
}
const lines = fs.readFileSync(0, "utf8").split("\n");
const out = lines.map((line) => words(line).map(stem).join(" "));
process.stdout.write(out.join("\n") + "\n");
