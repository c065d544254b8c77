// Progressive enhancement only: the site reads fine without it.
// Shows the formatted reference of a citation on hover or keyboard focus, and for a
// quotation the passage of the archived source it matches. Everything shown comes
// from the JSON that dossier wrote into this page (the data-popovers attribute of
// <div id="cite-data">) and is built with DOM text nodes: this script never fetches a page,
// never reads another document and never assigns HTML (a link in a citation may point
// anywhere, and a reference is made from untrusted BibTeX).
(function () {
  "use strict";
  var refs = new Map(), quotes = new Map();
  var el = document.getElementById("cite-data");
  if (el && el.hasAttribute("data-popovers")) {
    try {
      var data = JSON.parse(el.getAttribute("data-popovers"));
      (data.refs || []).forEach(function (r) { refs.set(String(r[0]), r[1]); });
      (data.quotes || []).forEach(function (q) {
        var list = quotes.get(String(q.cite)) || [];
        list.push(q);
        quotes.set(String(q.cite), list);
      });
    } catch (e) { return; }
  }
  // the only elements a tree may make; anything else becomes a span
  var TAGS = { b: 1, cite: 1, code: 1, em: 1, i: 1, q: 1, small: 1, span: 1, strong: 1, sub: 1, sup: 1 };
  function build(node, depth) {
    if (typeof node === "string") { return document.createTextNode(node); }
    if (!Array.isArray(node) || depth > 32) { return document.createTextNode(""); }
    var out = document.createElement(TAGS[node[0]] === 1 ? node[0] : "span");
    if (typeof node[1] === "string" && node[1]) { out.className = node[1]; }
    for (var i = 2; i < node.length; i++) { out.appendChild(build(node[i], depth + 1)); }
    return out;
  }
  function text(tag, value, className) {
    var out = document.createElement(tag);
    if (className) { out.className = className; }
    out.textContent = value;
    return out;
  }
  function quoteBox(q) {
    var box = text("div", "", "popover-quote");
    box.appendChild(text("p", "In the archived source" + (q.page ? ", p. " + q.page : "") + ":", "popover-label"));
    var bq = document.createElement("blockquote");
    bq.appendChild(document.createTextNode(String(q.before || "")));
    bq.appendChild(text("mark", String(q.match || "")));
    bq.appendChild(document.createTextNode(String(q.after || "")));
    box.appendChild(bq);
    // a source page of this site, by the name dossier gives it, and nothing else
    if (typeof q.source === "string" && /^source-[A-Za-z0-9_-]+\.html$/.test(q.source)) {
      var p = document.createElement("p"), a = text("a", "All passages quoted from this source");
      a.setAttribute("href", q.source);
      p.appendChild(a);
      box.appendChild(p);
    }
    return box;
  }
  // the key of a link to this site's bibliography; null for anything else
  function keyOf(href) {
    var m = /^(?:bibliography\.html)?#ref-(.+)$/.exec(href || "");
    if (!m) { return null; }
    try { return decodeURIComponent(m[1]); } catch (e) { return null; }
  }
  var tip = document.createElement("div");
  tip.className = "cite-popover";
  tip.setAttribute("role", "tooltip");
  tip.hidden = true;
  document.body.appendChild(tip);
  function show(a) {
    var cite = a.closest(".citation"), citeId = cite ? cite.id : "";
    if (!citeId && cite && cite.previousElementSibling && cite.previousElementSibling.classList.contains("cite-anchor")) {
      citeId = cite.previousElementSibling.id;
    }
    var key = keyOf(a.getAttribute("href"));
    var keys = key !== null ? [key] : [];
    // a note style's marker stands after its citation: it shows the citation's references
    var sup = a.closest("sup.note-ref"), before = sup ? sup.previousElementSibling : null;
    if (before && before.classList.contains("citation")) {
      citeId = before.id;
      keys = (before.getAttribute("data-cites") || "").split(" ").filter(Boolean);
    }
    var parts = [];
    keys.forEach(function (k) { if (refs.has(k)) { parts.push(build(refs.get(k), 0)); } });
    (quotes.get(citeId) || []).forEach(function (q) { parts.push(quoteBox(q)); });
    if (!parts.length) { return; }
    tip.replaceChildren.apply(tip, parts);
    tip.hidden = false;
    var r = a.getBoundingClientRect();
    tip.style.left = Math.max(8, Math.min(window.scrollX + r.left, window.scrollX + document.documentElement.clientWidth - tip.offsetWidth - 8)) + "px";
    tip.style.top = (window.scrollY + r.bottom + 6) + "px";
  }
  function hide() { tip.hidden = true; }
  document.querySelectorAll('.citation a[href*="#ref-"], sup.note-ref a').forEach(function (a) {
    a.addEventListener("mouseenter", function () { show(a); });
    a.addEventListener("focus", function () { show(a); });
    a.addEventListener("mouseleave", hide);
    a.addEventListener("blur", hide);
  });
  document.addEventListener("keydown", function (e) { if (e.key === "Escape") { hide(); } });
})();
