// gen's site: theme toggle, navigation, copy buttons, catalog filter and
// search. No inline scripts anywhere, so pages run under a strict CSP.
(function () {
  "use strict";
  var d = document;
  var html = d.documentElement;

  function byId(id) {
    return d.getElementById(id);
  }
  function each(list, f) {
    Array.prototype.forEach.call(list, f);
  }

  // Porter's stemmer: the same algorithm as gen's src/site/stem/, which a
  // test compares word for word.
  var stem = (function () {
    var b, k, j;
    function cons(i) {
      var c = b.charAt(i);
      if (c === "a" || c === "e" || c === "i" || c === "o" || c === "u") {
        return false;
      }
      if (c === "y") {
        return i === 0 ? true : !cons(i - 1);
      }
      return true;
    }
    function m() {
      var n = 0;
      var i = 0;
      for (;;) {
        if (i > j) {
          return n;
        }
        if (!cons(i)) {
          break;
        }
        i++;
      }
      i++;
      for (;;) {
        for (;;) {
          if (i > j) {
            return n;
          }
          if (cons(i)) {
            break;
          }
          i++;
        }
        i++;
        n++;
        for (;;) {
          if (i > j) {
            return n;
          }
          if (!cons(i)) {
            break;
          }
          i++;
        }
        i++;
      }
    }
    function vowelInStem() {
      for (var i = 0; i <= j; i++) {
        if (!cons(i)) {
          return true;
        }
      }
      return false;
    }
    function doublec(x) {
      return x >= 1 && b.charAt(x) === b.charAt(x - 1) && cons(x);
    }
    function cvc(i) {
      if (i < 2 || !cons(i) || cons(i - 1) || !cons(i - 2)) {
        return false;
      }
      var c = b.charAt(i);
      return !(c === "w" || c === "x" || c === "y");
    }
    function ends(s) {
      var len = s.length;
      if (len > k + 1) {
        return false;
      }
      if (b.substring(k - len + 1, k + 1) !== s) {
        return false;
      }
      j = k - len;
      return true;
    }
    function setto(s) {
      b = b.substring(0, j + 1) + s;
      k = j + s.length;
    }
    function r(s) {
      if (m() > 0) {
        setto(s);
      }
    }
    function first(rules) {
      for (var i = 0; i < rules.length; i += 2) {
        if (ends(rules[i])) {
          r(rules[i + 1]);
          return;
        }
      }
    }
    var STEP2 = {
      a: ["ational", "ate", "tional", "tion"],
      c: ["enci", "ence", "anci", "ance"],
      e: ["izer", "ize"],
      l: ["bli", "ble", "alli", "al", "entli", "ent", "eli", "e", "ousli", "ous"],
      o: ["ization", "ize", "ation", "ate", "ator", "ate"],
      s: ["alism", "al", "iveness", "ive", "fulness", "ful", "ousness", "ous"],
      t: ["aliti", "al", "iviti", "ive", "biliti", "ble"],
      g: ["logi", "log"]
    };
    var STEP3 = {
      e: ["icate", "ic", "ative", "", "alize", "al"],
      i: ["iciti", "ic"],
      l: ["ical", "ic", "ful", ""],
      s: ["ness", ""]
    };
    var STEP4 = {
      a: ["al"],
      c: ["ance", "ence"],
      e: ["er"],
      i: ["ic"],
      l: ["able", "ible"],
      n: ["ant", "ement", "ment", "ent"],
      o: ["ou"],
      s: ["ism"],
      t: ["ate", "iti"],
      u: ["ous"],
      v: ["ive"],
      z: ["ize"]
    };
    function step1ab() {
      if (b.charAt(k) === "s") {
        if (ends("sses")) {
          k -= 2;
        } else if (ends("ies")) {
          setto("i");
        } else if (b.charAt(k - 1) !== "s") {
          k--;
        }
      }
      if (ends("eed")) {
        if (m() > 0) {
          k--;
        }
      } else if ((ends("ed") || ends("ing")) && vowelInStem()) {
        k = j;
        if (ends("at")) {
          setto("ate");
        } else if (ends("bl")) {
          setto("ble");
        } else if (ends("iz")) {
          setto("ize");
        } else if (doublec(k)) {
          k--;
          var c = b.charAt(k);
          if (c === "l" || c === "s" || c === "z") {
            k++;
          }
        } else if (m() === 1 && cvc(k)) {
          setto("e");
        }
      }
      b = b.substring(0, k + 1);
    }
    function step1c() {
      if (ends("y") && vowelInStem()) {
        b = b.substring(0, k) + "i" + b.substring(k + 1);
      }
    }
    function step4() {
      if (k < 1) {
        return;
      }
      var p = b.charAt(k - 1);
      if (p === "o" && ends("ion") && j >= 0 && (b.charAt(j) === "s" || b.charAt(j) === "t")) {
        if (m() > 1) {
          k = j;
        }
        return;
      }
      var list = STEP4[p] || [];
      for (var i = 0; i < list.length; i++) {
        if (ends(list[i])) {
          if (m() > 1) {
            k = j;
          }
          return;
        }
      }
    }
    function step5() {
      j = k;
      if (b.charAt(k) === "e") {
        var a = m();
        if (a > 1 || (a === 1 && !cvc(k - 1))) {
          k--;
        }
      }
      if (b.charAt(k) === "l" && doublec(k) && m() > 1) {
        k--;
      }
    }
    return function (word) {
      if (word.length <= 2 || !/^[a-z]+$/.test(word)) {
        return word;
      }
      b = word;
      k = word.length - 1;
      j = 0;
      step1ab();
      if (k > 0) {
        step1c();
        if (k >= 1) {
          first(STEP2[b.charAt(k - 1)] || []);
        }
        first(STEP3[b.charAt(k)] || []);
        step4();
        step5();
      }
      return b.substring(0, k + 1);
    };
  })();

  // Runs of what Rust's char::is_alphanumeric accepts, and "_".
  var WORD = /[\p{Alphabetic}\p{N}_-]+/gu;
  var MAX_TOKEN = 24;
  // Words as gen's src/site/stem/ cuts them: a name joined with _ or -
  // (pg_basebackup, backup-all) gives its parts, then itself whole.
  function words(text) {
    var out = [];
    var runs = text.toLowerCase().match(WORD) || [];
    runs.forEach(function (run) {
      run = run.replace(/^-+|-+$/g, "");
      run.split("-").forEach(function (part) {
        if (!part) {
          return;
        }
        if (part.indexOf("_") >= 0) {
          part.split("_").forEach(function (p) {
            if (p) {
              out.push(p);
            }
          });
          var trimmed = part.replace(/^_+|_+$/g, "");
          if (trimmed.indexOf("_") >= 0) {
            out.push(trimmed);
          }
        } else {
          out.push(part);
        }
      });
      if (run.indexOf("-") >= 0) {
        out.push(run);
      }
    });
    return out;
  }

  // For the test that compares these with gen's own (tests/integration/site.rs).
  window.__genStem = stem;
  window.__genWords = words;


  // ---- Theme: the system's unless the reader picked one (kept in localStorage).
  var STORE = "gen-theme";
  function stored() {
    try {
      return window.localStorage.getItem(STORE);
    } catch (e) {
      return null;
    }
  }
  function theme() {
    return html.getAttribute("data-theme") === "dark" ? "dark" : "light";
  }
  var themeButton = byId("gen:theme");
  function showTheme(t) {
    html.setAttribute("data-theme", t);
    if (themeButton) {
      var other = t === "dark" ? "light" : "dark";
      themeButton.setAttribute("aria-label", "Switch to " + other + " theme");
      themeButton.setAttribute("title", "Switch to " + other + " theme");
    }
  }
  if (themeButton) {
    themeButton.hidden = false;
    showTheme(theme());
    themeButton.addEventListener("click", function () {
      var t = theme() === "dark" ? "light" : "dark";
      try {
        window.localStorage.setItem(STORE, t);
      } catch (e) {
        // Private mode: the choice lasts for this page only.
      }
      showTheme(t);
    });
  }
  if (window.matchMedia) {
    var dark = window.matchMedia("(prefers-color-scheme: dark)");
    var follow = function (e) {
      if (stored() !== "light" && stored() !== "dark") {
        showTheme(e.matches ? "dark" : "light");
      }
    };
    if (dark.addEventListener) {
      dark.addEventListener("change", follow);
    }
  }

  // ---- Navigation drawer on narrow screens.
  var navButton = byId("gen:nav-toggle");
  var nav = byId("gen:nav");
  function showCurrent() {
    var here = nav.querySelector("[aria-current=page]");
    if (here && nav.scrollHeight > nav.clientHeight) {
      nav.scrollTop = Math.max(0, here.offsetTop - nav.clientHeight / 3);
    }
  }
  function setNav(open) {
    navButton.setAttribute("aria-expanded", open ? "true" : "false");
    navButton.setAttribute("aria-label", open ? "Hide navigation" : "Show navigation");
    html.classList.toggle("nav-open", open);
    if (open) {
      showCurrent();
    }
  }
  if (navButton && nav) {
    navButton.hidden = false;
    navButton.addEventListener("click", function () {
      setNav(navButton.getAttribute("aria-expanded") !== "true");
    });
    d.addEventListener("keydown", function (e) {
      if (e.key === "Escape" && html.classList.contains("nav-open")) {
        setNav(false);
        navButton.focus();
      }
    });
    showCurrent();
  }

  // ---- Table of contents: open beside the text on wide screens, folded
  // above it on narrow ones; the section being read is marked.
  var toc = byId("gen:toc");
  if (toc && window.matchMedia) {
    var wide = window.matchMedia("(min-width: 76rem)");
    var syncToc = function () {
      toc.open = wide.matches;
    };
    syncToc();
    if (wide.addEventListener) {
      wide.addEventListener("change", syncToc);
    }
    var links = toc.querySelectorAll("a[href^='#']");
    if (window.IntersectionObserver && links.length) {
      var byTarget = {};
      var targets = [];
      each(links, function (a) {
        var el = byId(decodeURIComponent(a.getAttribute("href").slice(1)));
        if (el) {
          byTarget[el.id] = a;
          targets.push(el);
        }
      });
      var visible = {};
      var observer = new IntersectionObserver(
        function (entries) {
          each(entries, function (en) {
            visible[en.target.id] = en.isIntersecting;
          });
          var first = null;
          for (var i = 0; i < targets.length; i++) {
            if (visible[targets[i].id]) {
              first = targets[i];
              break;
            }
          }
          if (first) {
            each(links, function (a) {
              a.classList.toggle("active", a === byTarget[first.id]);
            });
          }
        },
        { rootMargin: "0px 0px -60% 0px" }
      );
      targets.forEach(function (t) {
        observer.observe(t);
      });
    }
  }

  // ---- Copy buttons on code blocks.
  function copyFallback(text) {
    var area = d.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.className = "offscreen";
    d.body.appendChild(area);
    area.select();
    var ok = false;
    try {
      ok = d.execCommand("copy");
    } catch (e) {
      ok = false;
    }
    d.body.removeChild(area);
    return ok;
  }
  each(d.querySelectorAll(".code-block .copy"), function (button) {
    button.hidden = false;
    button.setAttribute("aria-label", "Copy code to clipboard");
    var timer = null;
    function done(ok) {
      button.textContent = ok ? "Copied" : "Press Ctrl+C";
      button.classList.toggle("done", ok);
      clearTimeout(timer);
      timer = setTimeout(function () {
        button.textContent = "Copy";
        button.classList.remove("done");
      }, 1800);
    }
    button.addEventListener("click", function () {
      var code = button.parentNode.querySelector("code");
      var text = code ? code.textContent : "";
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(
          function () {
            done(true);
          },
          function () {
            done(copyFallback(text));
          }
        );
      } else {
        done(copyFallback(text));
      }
    });
  });

  // ---- Catalog filter on the home page.
  var filters = byId("gen:filters");
  if (filters) {
    filters.hidden = false;
    var filterStatus = byId("gen:filter-status");
    filters.addEventListener("click", function (e) {
      var b = e.target.closest("button");
      if (!b) {
        return;
      }
      var cat = b.getAttribute("data-category");
      each(filters.querySelectorAll("button"), function (x) {
        x.setAttribute("aria-pressed", x === b ? "true" : "false");
      });
      var shown = 0;
      each(d.querySelectorAll(".chart-card"), function (card) {
        var show = !cat || card.getAttribute("data-category") === cat;
        card.hidden = !show;
        if (show) {
          shown++;
        }
      });
      if (filterStatus) {
        filterStatus.textContent = shown + (shown === 1 ? " chart" : " charts") + " shown";
      }
    });
  }

  // ---- Search.
  var input = byId("gen:q");
  if (!input) {
    return;
  }
  var panel = byId("gen:results");
  var list = byId("gen:results-list");
  var status = byId("gen:results-status");
  var chartFilter = byId("gen:filter-chart");
  var kindFilter = byId("gen:filter-kind");
  var searchBox = input.closest(".search");
  searchBox.hidden = false;
  var root = html.getAttribute("data-root") || "";

  // The manifest (page table, shard and chunk tables) loads on first use;
  // term shards and snippet chunks load as queries and results need them.
  // Every file is a script that registers its data; see src/site/search/.
  var index = null;
  var loading = false;
  var waiting = [];
  function inject(src, done) {
    var s = d.createElement("script");
    s.src = src;
    s.async = true;
    s.addEventListener("load", function () {
      done(true);
    });
    s.addEventListener("error", function () {
      done(false);
    });
    d.head.appendChild(s);
  }
  var END = "0123456789ABCDEFGHIJKLMNOPQRSTUV";
  var CONT = "WXYZabcdefghijklmnopqrstuvwxyz-_";
  // Base-32 varints: every digit but the last from CONT, the last from END.
  var DIGIT = new Int8Array(128).fill(-1);
  for (var digit = 0; digit < 32; digit++) {
    DIGIT[END.charCodeAt(digit)] = digit;
    DIGIT[CONT.charCodeAt(digit)] = 32 + digit;
  }
  function varints(s) {
    var out = [];
    var v = 0;
    var mul = 1;
    for (var x = 0; x < s.length; x++) {
      var c = DIGIT[s.charCodeAt(x)];
      if (!(c >= 0)) {
        continue;
      }
      if (c < 32) {
        out.push(v + c * mul);
        v = 0;
        mul = 1;
      } else {
        v += (c - 32) * mul;
        mul *= 32;
      }
    }
    return out;
  }
  function prepare(raw) {
    var stop = {};
    raw.stop.split(" ").forEach(function (w) {
      stop[w] = true;
    });
    // Documents are numbered in page order.
    var docPage = [];
    raw.pages.forEach(function (p, pi) {
      for (var x = 0; x < p[4]; x++) {
        docPage.push(pi);
      }
    });
    // First document of each chunk.
    var chunkStart = [];
    var at = 0;
    varints(raw.chunks).forEach(function (n) {
      chunkStart.push(at);
      at += n;
    });
    // The pages a general query lifts: the cross-chart guides.
    var cross = {};
    (raw.cross || []).forEach(function (pi) {
      cross[pi] = true;
    });
    return {
      raw: raw,
      docPage: docPage,
      cross: cross,
      chunkStart: chunkStart,
      stop: stop,
      // Loaded shards: {terms: [...], post: [...]}.
      shards: [],
      decoded: {},
      // File name -> callbacks waiting for it.
      pending: {}
    };
  }
  function fillFilters() {
    var charts = index.raw.charts
      .map(function (c, i) {
        return [c[1], i];
      })
      .sort(function (a, b) {
        return a[0].toLowerCase() < b[0].toLowerCase() ? -1 : 1;
      });
    charts.forEach(function (c) {
      var o = d.createElement("option");
      o.value = String(c[1]);
      o.textContent = c[0];
      chartFilter.appendChild(o);
    });
  }
  function loadIndex(then) {
    if (index) {
      then();
      return;
    }
    waiting.push(then);
    if (loading) {
      return;
    }
    loading = true;
    status.textContent = "Loading the search index…";
    inject(html.getAttribute("data-search-index"), function (ok) {
      loading = false;
      if (!ok || !window.__genSearch) {
        status.textContent = "The search index could not be loaded.";
        waiting = [];
        return;
      }
      index = prepare(window.__genSearch);
      fillFilters();
      var w = waiting;
      waiting = [];
      w.forEach(function (f) {
        f();
      });
    });
  }
  // The name of shard ("t") or chunk ("c") number i; its data registers
  // under that name.
  function fileName(kind, i) {
    return kind + i + "." + index.raw.hash;
  }
  function loaded(name) {
    var all = window.__genSearchData;
    return all && all[name];
  }
  // Loads the named files at once, then calls back with whether all of
  // them loaded (a file that fails to load just has no data).
  function loadFiles(names, then) {
    var left = names.length + 1;
    function one() {
      left--;
      if (!left) {
        then(names.every(loaded));
      }
    }
    names.forEach(function (name) {
      if (loaded(name)) {
        one();
        return;
      }
      var entry = index.pending[name];
      if (entry) {
        entry.push(one);
        return;
      }
      index.pending[name] = [one];
      inject(root + index.raw.dir + name + ".js", function () {
        var w = index.pending[name];
        delete index.pending[name];
        w.forEach(function (f) {
          f();
        });
      });
    });
    one();
  }
  // The last shard whose first term is at most `t` (the first for less).
  function shardFor(t) {
    var shards = index.raw.shards;
    var lo = 0;
    var hi = shards.length;
    while (lo < hi) {
      var mid = (lo + hi) >> 1;
      if (shards[mid][0] <= t) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return Math.max(0, lo - 1);
  }
  var EXPAND = 64;
  // The shards that can hold `t` and its first EXPAND longer terms: the one
  // it sorts into and the next ones that start with it, until they hold
  // EXPAND terms.
  function shardsFor(t, out) {
    var shards = index.raw.shards;
    var i = shardFor(t);
    out[i] = true;
    var count = 0;
    for (var k = i + 1; k < shards.length && count < EXPAND && shards[k][0].lastIndexOf(t, 0) === 0; k++) {
      out[k] = true;
      count += shards[k][1];
    }
  }
  // The term shards query `terms` needs, as file names.
  function shardFiles(terms) {
    var want = {};
    terms.forEach(function (t) {
      shardsFor(t.stem, want);
      if (t.word !== t.stem) {
        shardsFor(t.word, want);
      }
    });
    return Object.keys(want).map(function (i) {
      return fileName("t", i);
    });
  }
  // ---- Typos: a word of five letters or more that no term starts with
  // matches the terms one edit away (or a term it starts with). They are
  // looked for among the terms that share its first two letters, loaded
  // only then: a first search costs nothing more.
  var TYPO_MIN = 5;
  var TYPO_SHARDS = 8;
  function typoShards(t, out) {
    var shards = index.raw.shards;
    var p = t.slice(0, 2);
    var end = p + "\uffff";
    var i = shardFor(p);
    for (var k = i; k < shards.length && k < i + TYPO_SHARDS && (k === i || shards[k][0] < end); k++) {
      out[k] = true;
    }
  }
  // The typo shards of the terms of `terms` that match nothing, as names.
  function typoFiles(terms) {
    var want = {};
    terms.forEach(function (t) {
      if (Array.from(t.word).length >= TYPO_MIN && !expand(t.stem).length && !expand(t.word).length) {
        typoShards(t.stem, want);
      }
    });
    return Object.keys(want).map(function (i) {
      return fileName("t", i);
    });
  }
  // Whether a and b are at most one insertion, deletion, substitution or
  // swap of neighbours apart.
  function oneEdit(a, b) {
    var la = a.length;
    var lb = b.length;
    if (Math.abs(la - lb) > 1) {
      return false;
    }
    var i = 0;
    while (i < la && i < lb && a[i] === b[i]) {
      i++;
    }
    if (la === lb) {
      return a.slice(i + 1) === b.slice(i + 1) || (a[i] === b[i + 1] && a[i + 1] === b[i] && a.slice(i + 2) === b.slice(i + 2));
    }
    return la > lb ? a.slice(i + 1) === b.slice(i) : a.slice(i) === b.slice(i + 1);
  }
  // Terms that `t` may be a typo of, as expand() gives them.
  function typos(t) {
    var out = [];
    var p = t.stem.slice(0, 2);
    var shards = index.raw.shards;
    for (var i = shardFor(p); i < shards.length && loaded(fileName("t", i)); i++) {
      var terms = shard(i).terms;
      if (terms.length && terms[0].slice(0, 2) > p) {
        break;
      }
      for (var j = 0; j < terms.length; j++) {
        var term = terms[j];
        if (term.slice(0, 2) !== p) {
          continue;
        }
        if (oneEdit(t.stem, term) || oneEdit(t.word, term)) {
          out.push([[i, j], 0.6]);
        } else if (term.length >= TYPO_MIN && t.word.lastIndexOf(term, 0) === 0 && t.word.length - term.length <= 3) {
          out.push([[i, j], 0.5]);
        }
      }
    }
    return out;
  }

  function shard(i) {
    var got = index.shards[i];
    if (!got) {
      var raw = loaded(fileName("t", i)) || ["", ""];
      got = index.shards[i] = {
        terms: raw[0] ? raw[0].split(" ") : [],
        post: raw[1] ? raw[1].split(" ") : []
      };
    }
    return got;
  }
  // Postings of term j of shard i: [doc, level, doc, level, ...].
  function postings(key) {
    var got = index.decoded[key];
    if (got) {
      return got;
    }
    var s = shard(key[0]).post[key[1]];
    var out = [];
    var prev = -1;
    varints(s).forEach(function (v) {
      var doc = prev + 1 + Math.floor(v / 4);
      out.push(doc, v % 4);
      prev = doc;
    });
    index.decoded[key] = out;
    return out;
  }
  // Terms equal to `t` (weight 1) or starting with it (less), as
  // [[shard, term], weight].
  function expand(t) {
    var out = [];
    var i = shardFor(t);
    var terms = shard(i).terms;
    var lo = 0;
    var hi = terms.length;
    while (lo < hi) {
      var mid = (lo + hi) >> 1;
      if (terms[mid] < t) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    for (;;) {
      for (var j = lo; j < terms.length && out.length < EXPAND; j++) {
        var term = terms[j];
        if (term === t) {
          out.push([[i, j], 1]);
        } else if (term.lastIndexOf(t, 0) === 0) {
          out.push([[i, j], 0.25 + (0.5 * t.length) / term.length]);
        } else {
          return out;
        }
      }
      i++;
      if (out.length >= EXPAND || i >= index.raw.shards.length || !loaded(fileName("t", i))) {
        return out;
      }
      terms = shard(i).terms;
      lo = 0;
    }
  }
  // Each term says whether the query has it as a word of its own or only
  // as a part of a joined name (`backup` in `backup-all`), which names no
  // kind of page.
  function queryTerms(q) {
    var seen = {};
    var out = [];
    var alone = {};
    (q.toLowerCase().match(WORD) || []).forEach(function (run) {
      if (!/[-_]/.test(run.replace(/^[-_]+|[-_]+$/g, ""))) {
        alone[run.replace(/^[-_]+|[-_]+$/g, "")] = true;
      }
    });
    words(q).forEach(function (w) {
      var n = Array.from(w).length;
      if (n < 2 || n > MAX_TOKEN || index.stop[w]) {
        return;
      }
      var s = stem(w);
      if (!seen[s]) {
        seen[s] = true;
        out.push({ word: w, stem: s, part: !alone[w] && !/[-_]/.test(w) });
      } else if (alone[w]) {
        out.forEach(function (t) {
          if (t.stem === s) {
            t.part = false;
          }
        });
      }
    });
    return out;
  }
  var WEIGHT = [0.4, 1, 1.6, 3];
  // How much a named chart's pages, and cross-chart guides for a general
  // query, are lifted.
  var CHART_LIFT = 3;
  var GUIDE_LIFT = 4;
  // Words (stems) that ask for one kind of page, and how much it is lifted.
  var KIND_WORDS = {
    backup: "backup", restor: "backup", recoveri: "backup", recov: "backup", snapshot: "backup", dump: "backup",
    upgrad: "upgrade", rollback: "upgrade", migrat: "upgrade", downgrad: "upgrade",
    rbac: "rbac", secur: "rbac", permiss: "rbac", role: "rbac", serviceaccount: "rbac"
  };
  var KIND_LIFT = 2;
  // The kinds of page a query asks for, as {kind index: true}, or null;
  // a typo asks for what the words it was taken for ask for.
  function namedKinds(terms) {
    var out = null;
    terms.forEach(function (t) {
      if (t.part) {
        return;
      }
      [t.stem].concat(Object.keys(t.fixed || {})).forEach(function (w) {
        var k = index.raw.kinds.indexOf(KIND_WORDS[w]);
        if (k >= 0) {
          out = out || {};
          out[k] = true;
        }
      });
    });
    return out;
  }
  // The charts a query names: by name, the start of a name (four letters
  // or more, one chart only), or an alias; or, for a word of TYPO_MIN
  // letters or more that no term holds, a name or alias one edit away
  // (the same typos the search forgives); as {chart index: true}.
  function namedCharts(q) {
    var raw = index.raw;
    var out = {};
    var any = false;
    function named(w, same) {
      var hits = [];
      raw.charts.forEach(function (c, i) {
        if (same(c[0]) || (w.length >= 4 && c[0].lastIndexOf(w, 0) === 0)) {
          hits.push(i);
        }
      });
      (raw.alias || []).forEach(function (a) {
        if (same(a[0]) && hits.indexOf(a[1]) < 0) {
          hits.push(a[1]);
        }
      });
      return hits;
    }
    words(q).forEach(function (w) {
      var hits = named(w, function (name) {
        return name === w;
      });
      if (!hits.length && Array.from(w).length >= TYPO_MIN && !expand(stem(w)).length && !expand(w).length) {
        hits = named("", function (name) {
          return oneEdit(w, name);
        });
      }
      if (hits.length === 1) {
        out[hits[0]] = true;
        any = true;
      }
    });
    return any ? out : null;
  }
  // Every document holding each query term (as a word, a prefix or, when
  // nothing holds it, a likely typo), ranked by the sum over terms of its
  // best idf x level x match weight. When no document holds every term,
  // those holding the most are shown (partial). Pages of a chart the query
  // names are lifted; for a query no chart names whose documents span many
  // charts, the cross-chart guides are. Scores live in arrays indexed by
  // document (all scores are above 0).
  function run(q) {
    var terms = queryTerms(q);
    if (!terms.length) {
      return { terms: terms, hits: [] };
    }
    var n = index.docPage.length;
    var raw = index.raw;
    var scores = new Float64Array(n);
    var counts = new Uint8Array(n);
    var union = [];
    // Whether every term is found in the pages of many charts: then the
    // query is general (RPO, restore order), and guides answer it.
    var everywhere = raw.charts.length >= 3;
    terms.forEach(function (t) {
      var mine = new Float64Array(n);
      var spread = {};
      var spreadCount = 0;
      var found = expand(t.stem);
      if (t.word !== t.stem) {
        found = found.concat(expand(t.word));
      }
      if (!found.length && Array.from(t.word).length >= TYPO_MIN) {
        // The terms it is taken for count as they would typed, with the
        // words they start (less): a typo ranks as its word. They name
        // the page kinds, are marked in the results and are said in the
        // status.
        t.fixed = {};
        found = [];
        typos(t).forEach(function (hit) {
          t.fixed[shard(hit[0][0]).terms[hit[0][1]]] = true;
          expand(shard(hit[0][0]).terms[hit[0][1]]).forEach(function (e) {
            found.push([e[0], e[1] * hit[1]]);
          });
        });
      }
      // One idf for the word, from the documents of every term it
      // matches: a rare longer term it starts (keycloak-backup) must not
      // outrank the word itself (keycloak) by its rarity alone.
      var df = 0;
      found.forEach(function (hit) {
        df += postings(hit[0]).length / 2;
      });
      var idf = Math.log(1 + n / Math.min(n, df));
      found.forEach(function (hit) {
        var p = postings(hit[0]);
        for (var x = 0; x < p.length; x += 2) {
          var doc = p[x];
          var s = idf * WEIGHT[p[x + 1]] * hit[1];
          if (s > mine[doc]) {
            mine[doc] = s;
          }
        }
      });
      for (var doc = 0; doc < n; doc++) {
        if (mine[doc] > 0) {
          var c = raw.pages[index.docPage[doc]][2];
          if (c >= 0 && !spread[c]) {
            spread[c] = true;
            spreadCount++;
          }
          if (counts[doc] === 0) {
            union.push(doc);
          }
          counts[doc]++;
          scores[doc] += mine[doc];
        }
      }
      if (spreadCount * 4 < raw.charts.length) {
        everywhere = false;
      }
    });
    var most = 0;
    union.forEach(function (doc) {
      most = Math.max(most, counts[doc]);
    });
    var partial = most < terms.length;
    var docs = union.filter(function (doc) {
      return counts[doc] === most;
    });
    var named = namedCharts(q);
    var general = !named && everywhere;
    var kinds = namedKinds(terms);
    docs.forEach(function (doc) {
      var page = raw.pages[index.docPage[doc]];
      var c = page[2];
      if (named ? named[c] : general && index.cross[index.docPage[doc]]) {
        scores[doc] *= named ? CHART_LIFT : GUIDE_LIFT;
      }
      if (kinds && kinds[page[3]]) {
        scores[doc] *= KIND_LIFT;
      }
    });
    var chart = chartFilter.value;
    var kind = kindFilter.value;
    // The best LIMIT, kept in order as the hits go by (a full sort of
    // tens of thousands of hits would cost more than the search).
    var best = [];
    var total = 0;
    // Among equal scores, the chart of the page being read comes first
    // (its Rollback section, on its pages, before thirty others alike).
    var here = hereChart();
    function better(a, b) {
      if (a[1] !== b[1]) {
        return a[1] > b[1];
      }
      var ah = a[2] === here;
      return ah !== (b[2] === here) ? ah : a[0] < b[0];
    }
    docs.forEach(function (doc) {
      var page = raw.pages[index.docPage[doc]];
      if (chart !== "" && String(page[2]) !== chart) {
        return;
      }
      if (kind !== "" && raw.kinds[page[3]] !== kind) {
        return;
      }
      total++;
      var hit = [doc, scores[doc], page[2]];
      if (best.length === LIMIT && !better(hit, best[LIMIT - 1])) {
        return;
      }
      var at = best.length;
      while (at > 0 && better(hit, best[at - 1])) {
        at--;
      }
      best.splice(at, 0, hit);
      if (best.length > LIMIT) {
        best.pop();
      }
    });
    return { terms: terms, hits: best, total: total, partial: partial && total > 0 };
  }

  // The chart index of the page being read (the sidebar says its URL), or
  // -1 off the charts' pages.
  var hereMemo = null;
  function hereChart() {
    if (hereMemo === null) {
      var nav = byId("gen:nav");
      var url = nav ? nav.getAttribute("data-url") : null;
      hereMemo = -1;
      index.raw.pages.forEach(function (p) {
        if (p[0] === url && p[2] >= 0) {
          hereMemo = p[2];
        }
      });
    }
    return hereMemo;
  }

  function escapeHtml(s) {
    return s.replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }
  function matches(word, terms) {
    var lower = word.toLowerCase();
    var s = stem(lower);
    for (var i = 0; i < terms.length; i++) {
      var t = terms[i];
      if (s === t.stem || s.lastIndexOf(t.stem, 0) === 0 || lower.lastIndexOf(t.word, 0) === 0) {
        return true;
      }
      for (var f in t.fixed || {}) {
        if (s.lastIndexOf(f, 0) === 0 || lower.lastIndexOf(f, 0) === 0) {
          return true;
        }
      }
    }
    return false;
  }
  // Text with the matched words in <mark>, cut to a window around the first
  // match when `width` is given.
  function highlight(text, terms, width) {
    var spans = [];
    var m;
    WORD.lastIndex = 0;
    while ((m = WORD.exec(text)) !== null) {
      if (matches(m[0], terms)) {
        spans.push([m.index, m.index + m[0].length]);
      }
    }
    var start = 0;
    var end = text.length;
    if (width && text.length > width) {
      var at = spans.length ? spans[0][0] : 0;
      start = Math.max(0, at - Math.floor(width / 3));
      if (start > 0) {
        var space = text.indexOf(" ", start);
        start = space >= 0 && space < at ? space + 1 : start;
      }
      end = Math.min(text.length, start + width);
      var back = text.lastIndexOf(" ", end);
      if (end < text.length && back > start) {
        end = back;
      }
    }
    var out = start > 0 ? "…" : "";
    var pos = start;
    spans.forEach(function (sp) {
      if (sp[1] <= start || sp[0] >= end) {
        return;
      }
      out += escapeHtml(text.slice(pos, Math.max(pos, sp[0])));
      out += "<mark>" + escapeHtml(text.slice(Math.max(pos, sp[0]), sp[1])) + "</mark>";
      pos = sp[1];
    });
    out += escapeHtml(text.slice(pos, end));
    if (end < text.length) {
      out += "…";
    }
    return out;
  }

  // Results show in steps of STEP, up to LIMIT: each step loads the
  // snippet chunks of its results only, the next when the list is scrolled
  // (or arrowed) to its end.
  var LIMIT = 30;
  var STEP = 10;
  var active = -1;
  function open(on) {
    panel.hidden = !on;
    input.setAttribute("aria-expanded", on ? "true" : "false");
    if (!on) {
      input.removeAttribute("aria-activedescendant");
    }
  }
  function setActive(i) {
    var items = list.children;
    if (!items.length) {
      active = -1;
      return;
    }
    active = (i + items.length) % items.length;
    each(items, function (li, x) {
      li.firstChild.setAttribute("aria-selected", x === active ? "true" : "false");
    });
    input.setAttribute("aria-activedescendant", items[active].firstChild.id);
    items[active].scrollIntoView({ block: "nearest" });
  }
  function chunkOf(doc) {
    var starts = index.chunkStart;
    var lo = 0;
    var hi = starts.length;
    while (lo < hi) {
      var mid = (lo + hi) >> 1;
      if (starts[mid] <= doc) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo - 1;
  }
  // The snippet chunks of `docs`, as file names.
  function chunkFiles(docs) {
    var want = {};
    docs.forEach(function (doc) {
      want[chunkOf(doc)] = true;
    });
    return Object.keys(want).map(function (c) {
      return fileName("c", c);
    });
  }
  // [anchor, heading, text] of a document whose chunk is loaded.
  function docText(doc) {
    var c = chunkOf(doc);
    var t = loaded(fileName("c", c)) || [];
    var at = 3 * (doc - index.chunkStart[c]);
    return [t[at] || "", t[at + 1] || "", t[at + 2] || ""];
  }
  // The current query's results: {terms, hits (the best LIMIT), total,
  // shown, busy (false, or the callbacks waiting for the step loading),
  // fresh, broken (a shard did not load)}.
  var current = null;
  function showStatus() {
    if (current.broken) {
      // A page older than the site's files (they are renamed on rebuild).
      status.textContent = "Part of the search index could not be loaded; reload the page.";
      return;
    }
    if (!current.terms.length) {
      status.textContent = "Type a word to search every page.";
      return;
    }
    var total = current.total;
    status.textContent = total
      ? fixedNote() + (current.partial ? "No page has every word; " + total + " with most of them" : total + (total === 1 ? " result" : " results")) +
        (total > current.shown ? ", the best " + current.shown + " shown" : "")
      : "No results. Try fewer or shorter words, or clear the filters.";
  }
  // "Showing results for rollback (no page has “rollbak”). " for the
  // words taken as typos: each said as the first word of the results
  // shown that it was taken for.
  function fixedNote() {
    var typed = [];
    var meant = [];
    current.terms.forEach(function (t) {
      if (!t.fixed) {
        return;
      }
      var word = "";
      for (var i = 0; i < current.shown && !word; i++) {
        var row = docText(current.hits[i][0]);
        var found = (row[1] + " " + row[2]).match(WORD) || [];
        for (var j = 0; j < found.length && !word; j++) {
          var lower = found[j].toLowerCase();
          if (t.fixed[stem(lower)] || t.fixed[lower]) {
            word = lower;
          }
        }
      }
      typed.push("“" + t.word + "”");
      if (word && meant.indexOf(word) < 0) {
        meant.push(word);
      }
    });
    if (!typed.length) {
      return "";
    }
    return (meant.length ? "Showing results for " + meant.join(" ") + " (no page has " : "No page has ") + typed.join(" or ") + (meant.length ? "). " : "; showing near spellings. ");
  }
  function item(hit, i) {
    var raw = index.raw;
    var doc = hit[0];
    var page = raw.pages[index.docPage[doc]];
    var row = docText(doc);
    // The link is the option (an option holding a link would nest one
    // control in another); its list item is only a container.
    var li = d.createElement("li");
    li.setAttribute("role", "none");
    var a = d.createElement("a");
    a.id = "gen:result-" + i;
    a.setAttribute("role", "option");
    a.setAttribute("aria-selected", "false");
    a.href = root + page[0] + (row[0] ? "#" + row[0] : "");
    a.tabIndex = -1;
    var title = d.createElement("span");
    title.className = "result-title";
    title.innerHTML = highlight(row[1] || page[1], current.terms, 0);
    var kind = d.createElement("span");
    kind.className = "result-kind";
    kind.textContent = raw.kinds[page[3]];
    var path = d.createElement("span");
    path.className = "result-path";
    path.textContent = (page[2] >= 0 ? raw.charts[page[2]][1] + " › " : "") + page[1];
    var snippet = d.createElement("span");
    snippet.className = "result-snippet";
    snippet.innerHTML = highlight(row[2], current.terms, 180);
    a.appendChild(title);
    a.appendChild(kind);
    a.appendChild(path);
    a.appendChild(snippet);
    li.appendChild(a);
    return li;
  }
  // Shows the next STEP results once their chunks are loaded; the first
  // step replaces the previous query's list.
  // Returns whether `then` will be called (false: nothing more to show).
  function more(then) {
    var mine = current;
    if (mine.busy) {
      if (then) {
        mine.busy.push(then);
      }
      return true;
    }
    var end = Math.min(mine.hits.length, LIMIT, mine.shown + STEP);
    if (end <= mine.shown && !mine.fresh) {
      return false;
    }
    mine.busy = then ? [then] : [];
    var hits = mine.hits.slice(mine.shown, end);
    var docs = hits.map(function (h) {
      return h[0];
    });
    loadFiles(chunkFiles(docs), function () {
      var after = mine.busy;
      mine.busy = false;
      if (mine !== current) {
        return;
      }
      if (mine.fresh) {
        mine.fresh = false;
        list.textContent = "";
        active = -1;
        input.removeAttribute("aria-activedescendant");
      }
      hits.forEach(function (hit, x) {
        list.appendChild(item(hit, mine.shown + x));
      });
      mine.shown = end;
      showStatus();
      after.forEach(function (f) {
        f();
      });
      // A tall panel with room to spare: fill it.
      if (!panel.hidden && panel.scrollHeight <= panel.clientHeight) {
        more();
      }
    });
    return true;
  }
  function render(q, ok, then) {
    var result = run(q);
    current = { terms: result.terms, hits: result.hits, total: result.total, partial: result.partial, shown: 0, busy: false, fresh: true, broken: !ok };
    more(then);
  }
  // Loads the manifest and the term shards `q` needs, then calls back.
  // Then the shards its likely typos are in, for words that match nothing.
  function prepareQuery(q, then) {
    loadIndex(function () {
      var terms = queryTerms(q);
      loadFiles(shardFiles(terms), function (ok) {
        loadFiles(typoFiles(terms), function (ok2) {
          then(ok && ok2);
        });
      });
    });
  }
  var timer = null;
  function update() {
    clearTimeout(timer);
    timer = setTimeout(function () {
      var q = input.value;
      if (!q.trim()) {
        list.textContent = "";
        status.textContent = "";
        open(false);
        return;
      }
      prepareQuery(q, function (ok) {
        if (input.value === q) {
          render(q, ok, function () {
            open(true);
          });
        }
      });
    }, 60);
  }
  input.addEventListener("input", update);
  input.addEventListener("focus", function () {
    loadIndex(function () {});
    if (input.value.trim()) {
      update();
    }
  });
  [chartFilter, kindFilter].forEach(function (sel) {
    sel.addEventListener("change", function () {
      var q = input.value;
      if (index && q.trim()) {
        prepareQuery(q, function (ok) {
          render(q, ok, function () {
            open(true);
          });
        });
      }
    });
  });
  panel.addEventListener("scroll", function () {
    if (current && panel.scrollTop + panel.clientHeight >= panel.scrollHeight - 80) {
      more();
    }
  });
  input.addEventListener("keydown", function (e) {
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      if (panel.hidden && input.value.trim()) {
        update();
        return;
      }
      e.preventDefault();
      var down = e.key === "ArrowDown";
      // Past the last result shown: show the next ones, if any.
      if (down && current && active === list.children.length - 1 && more(function () {
        setActive(active + 1);
      })) {
        return;
      }
      setActive(active + (down ? 1 : -1));
    } else if (e.key === "Enter") {
      var items = list.children;
      if (!panel.hidden && items.length) {
        e.preventDefault();
        var li = items[active >= 0 ? active : 0];
        window.location.href = li.querySelector("a").href;
        open(false);
      }
    } else if (e.key === "Escape") {
      e.preventDefault();
      if (input.value) {
        input.value = "";
        list.textContent = "";
        status.textContent = "";
        open(false);
      } else {
        open(false);
        input.blur();
      }
    }
  });
  list.addEventListener("click", function () {
    open(false);
  });
  list.addEventListener("mousemove", function (e) {
    var li = e.target.closest("li");
    if (li && li.parentNode === list) {
      var i = Array.prototype.indexOf.call(list.children, li);
      if (i !== active) {
        setActive(i);
      }
    }
  });
  d.addEventListener("click", function (e) {
    if (!searchBox.contains(e.target)) {
      open(false);
    }
  });
  d.addEventListener("keydown", function (e) {
    if (e.key !== "/" || e.ctrlKey || e.metaKey || e.altKey) {
      return;
    }
    var t = e.target;
    var tag = t && t.tagName;
    if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (t && t.isContentEditable)) {
      return;
    }
    e.preventDefault();
    input.focus();
    input.select();
  });
  // A search linked to (index.html?q=words) opens with its results.
  var asked = new URLSearchParams(window.location.search).get("q");
  if (asked && asked.trim()) {
    input.value = asked;
    update();
  }
})();
