// Runs in the head, before the page paints: marks the page as scripted
// (the `js` class the stylesheet folds the phone sidebar with, so nothing
// jumps once app.js runs) and sets the theme: the reader's choice if they
// made one, else the system's. Loaded as a file, so a strict CSP allows it.
(function () {
  document.documentElement.classList.add("js");
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
