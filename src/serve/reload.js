// gen serve: live reload and the build-error overlay. Served only by
// `gen serve`, which adds <script src="/__gen/reload.js?build=ID"> to each
// page it serves; the published site never carries it. No inline script or
// style attribute is used, so it runs under `script-src 'self'`.
(function () {
  "use strict";
  if (!window.EventSource) {
    return;
  }
  var me = document.currentScript;
  var pageBuild = me ? new URL(me.src, location.href).searchParams.get("build") : null;

  var NOTE = "gen serve: the last build failed. This is the last good site; " +
    "fix the input and it reloads. (Click or Esc hides this.)";

  function hide() {
    var el = document.getElementById("gen-overlay");
    if (el) {
      el.remove();
    }
  }

  function styleOverlay(el) {
    if (!el.dataset.genWired) {
      el.dataset.genWired = "1";
      el.addEventListener("click", hide);
    }
    var s = el.style;
    s.position = "fixed";
    s.inset = "0";
    s.zIndex = "2147483647";
    s.overflow = "auto";
    s.margin = "0";
    s.padding = "2rem";
    s.background = "rgb(22, 22, 28)";
    s.cursor = "pointer";
    s.color = "#ffd7d7";
    s.font = "14px/1.5 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace";
    var pre = el.querySelector("pre");
    if (pre) {
      pre.style.whiteSpace = "pre-wrap";
      pre.style.color = "#fff";
    }
    var p = el.querySelector("p");
    if (p) {
      p.style.color = "#ff8a8a";
      p.style.fontWeight = "bold";
    }
  }

  function showError(text) {
    var el = document.getElementById("gen-overlay");
    if (!el) {
      el = document.createElement("div");
      el.id = "gen-overlay";
      el.setAttribute("role", "alert");
      var p = document.createElement("p");
      p.textContent = NOTE;
      el.appendChild(p);
      el.appendChild(document.createElement("pre"));
      document.body.appendChild(el);
    }
    el.querySelector("pre").textContent = text;
    styleOverlay(el);
  }

  document.addEventListener("keydown", function (e) {
    if (e.key === "Escape") {
      hide();
    }
  });

  var served = document.getElementById("gen-overlay");
  if (served) {
    styleOverlay(served);
  }

  var source = new EventSource("/__gen/events");
  // Sent on every (re)connection: a build newer than this page's means a
  // rebuild happened while the page was loading or disconnected.
  source.addEventListener("hello", function (e) {
    var d = JSON.parse(e.data);
    if (pageBuild && d.build !== pageBuild) {
      location.reload();
    }
  });
  source.addEventListener("reload", function () {
    location.reload();
  });
  source.addEventListener("build-error", function (e) {
    showError(JSON.parse(e.data).error);
  });
})();
