/* Client-side search of the public site: no libraries, no network. The index is
   window.JIANYAN_SEARCH (assets/search-index.js): one entry per page with
   t title, u unit, s submitters, p topic, d date, h link, x plain text. */
(function () {
  "use strict";
  var index = window.JIANYAN_SEARCH || [];
  var input = document.getElementById("search-input");
  var list = document.getElementById("search-results");
  var status = document.getElementById("search-status");
  var root = (document.querySelector("link[rel=stylesheet]").getAttribute("href") || "").replace(/assets\/style\.css$/, "");

  function terms(query) {
    return query.toLowerCase().split(/[\s\u3000,，、]+/).filter(function (w) { return w.length > 0; });
  }

  function score(entry, words) {
    var title = entry.t.toLowerCase();
    var rest = (entry.u + " " + entry.s + " " + entry.p + " " + entry.x).toLowerCase();
    var total = 0;
    for (var i = 0; i < words.length; i++) {
      var inTitle = title.indexOf(words[i]) >= 0;
      if (!inTitle && rest.indexOf(words[i]) < 0) { return 0; }
      total += inTitle ? 10 : 1;
    }
    return total;
  }

  /* A stretch of text around the first hit, with every hit wrapped in <mark> (built as DOM nodes). */
  function snippet(text, words) {
    var lower = text.toLowerCase();
    var at = -1;
    for (var i = 0; i < words.length && at < 0; i++) { at = lower.indexOf(words[i]); }
    var start = Math.max(0, at - 30);
    var piece = text.slice(start, start + 120);
    var p = document.createElement("p");
    p.className = "snippet";
    if (start > 0) { p.appendChild(document.createTextNode("…")); }
    var low = piece.toLowerCase();
    var pos = 0;
    while (pos < piece.length) {
      var next = -1, len = 0;
      for (var j = 0; j < words.length; j++) {
        var k = low.indexOf(words[j], pos);
        if (k >= 0 && (next < 0 || k < next)) { next = k; len = words[j].length; }
      }
      if (next < 0) { p.appendChild(document.createTextNode(piece.slice(pos))); break; }
      p.appendChild(document.createTextNode(piece.slice(pos, next)));
      var mark = document.createElement("mark");
      mark.textContent = piece.slice(next, next + len);
      p.appendChild(mark);
      pos = next + len;
    }
    if (start + 120 < text.length) { p.appendChild(document.createTextNode("…")); }
    return p;
  }

  function show(query) {
    var words = terms(query);
    while (list.firstChild) { list.removeChild(list.firstChild); }
    if (words.length === 0) { status.textContent = "共收录 " + index.length + " 篇，请输入关键词。"; return; }
    var hits = [];
    for (var i = 0; i < index.length; i++) {
      var s = score(index[i], words);
      if (s > 0) { hits.push({ entry: index[i], score: s, order: i }); }
    }
    hits.sort(function (a, b) { return b.score - a.score || a.order - b.order; });
    status.textContent = hits.length ? "找到 " + hits.length + " 篇：" : "没有找到包含“" + query.trim() + "”的内容。";
    hits.forEach(function (hit) {
      var e = hit.entry;
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.className = "item-title";
      a.href = root + e.h;
      a.textContent = e.t;
      var meta = document.createElement("span");
      meta.className = "meta";
      meta.textContent = [e.u, e.p, e.d].filter(function (v) { return v; }).join(" · ");
      li.appendChild(a);
      li.appendChild(meta);
      li.appendChild(snippet(e.x, words));
      list.appendChild(li);
    });
  }

  var query = new URLSearchParams(window.location.search).get("q") || "";
  input.value = query;
  show(query);
  input.addEventListener("input", function () { show(input.value); });
  document.getElementById("search-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    show(input.value);
  });
}());
