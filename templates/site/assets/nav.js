// Fills the sidebar from the site's navigation data (window.__genNav, set
// at the top of this same file by gen). Every page carries only its own
// part of the navigation (the home link and its chart's pages), so a page's
// size does not grow with the number of pages; this one cached file lists
// everything. It runs as a plain script right after the sidebar, before
// the page is shown, and works from file:// and under the site's CSP.
(function () {
  "use strict";
  var data = window.__genNav;
  var nav = document.getElementById("gen:nav");
  if (!data || !nav) {
    return;
  }
  var d = document;
  var root = d.documentElement.getAttribute("data-root") || "";
  var here = nav.getAttribute("data-url") || "";

  function item(url, label) {
    var li = d.createElement("li");
    var a = d.createElement("a");
    a.href = root + url;
    a.textContent = label;
    if (url === here) {
      a.setAttribute("aria-current", "page");
    }
    li.appendChild(a);
    return li;
  }
  function list(labelledBy) {
    var ul = d.createElement("ul");
    ul.className = "nav-list";
    if (labelledBy) {
      ul.setAttribute("aria-labelledby", labelledBy);
    }
    return ul;
  }
  function heading(id, text) {
    var p = d.createElement("p");
    p.className = "nav-heading";
    p.id = id;
    p.textContent = text;
    return p;
  }

  var all = d.createDocumentFragment();
  var top = list();
  top.appendChild(item("index.html", data.home));
  all.appendChild(top);
  if (data.guides.length) {
    all.appendChild(heading("gen:nav-guides", "Guides"));
    var guides = list("gen:nav-guides");
    for (var g = 0; g < data.guides.length; g++) {
      guides.appendChild(item(data.guides[g][0], data.guides[g][1]));
    }
    all.appendChild(guides);
  }
  for (var i = 0; i < data.groups.length; i++) {
    var id = "gen:nav-group-" + (i + 1);
    all.appendChild(heading(id, data.groups[i][0]));
    var charts = list(id);
    var members = data.groups[i][1];
    for (var c = 0; c < members.length; c++) {
      var base = "charts/" + members[c][0] + "/";
      var li = item(base + "index.html", members[c][1]);
      if (here.lastIndexOf(base, 0) === 0) {
        li.className = "open";
        var sub = d.createElement("ul");
        for (var p = 0; p < data.pages.length; p++) {
          sub.appendChild(item(base + data.pages[p][0], data.pages[p][1]));
        }
        li.appendChild(sub);
      }
      charts.appendChild(li);
    }
    all.appendChild(charts);
  }
  nav.textContent = "";
  nav.appendChild(all);
})();
