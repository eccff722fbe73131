// Sets the theme before the page paints: the reader's choice if they made
// one, else the system's. Loaded as a file, so a strict CSP allows it.
(function () {
  var t = null;
  try {
    t = window.localStorage.getItem("gen-theme");
  } catch (e) {
    t = null;
  }
  if (t !== "light" && t !== "dark") {
    t = window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
  }
  document.documentElement.setAttribute("data-theme", t);
})();
