// Progressive enhancement only: the site reads fine without it.
// - Pop-overs: the formatted reference of a citation (and, for a quotation, the passage
//   of the archived source it matches), the text of a footnote or of a note, the target
//   of a cross-reference on the same page. They open on hover, keyboard focus and tap
//   (a toggle-tip on touch, with a link to go on), stay open while the pointer is over
//   the link or the pop-over (WCAG 1.4.13), flip above the link near the bottom of the
//   window, are announced through aria-describedby and close on Escape.
// - The theme toggle (remembered in localStorage), the Contents menu on phones (closed
//   by Escape and by a tap outside), the current chapter scrolled into view in the
//   sidebar, and an anchor link on every section heading.
// Everything shown comes from the JSON that dossier wrote into this page (the
// data-popovers attribute of <div id="dossier-cite-data">) or from this page's own elements, and
// is built with DOM text nodes and clones: this script never fetches a page, never reads
// another document and never assigns HTML (a reference is made from untrusted BibTeX).
(function () {
  "use strict";
  var root = document.documentElement;

  // --- theme ---------------------------------------------------------------------------
  var STORE = "dossier-theme";
  function stored() { try { return localStorage.getItem(STORE); } catch (e) { return null; } }
  function dark() {
    var t = root.getAttribute("data-theme");
    if (t) { return t === "dark"; }
    return window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches;
  }
  var saved = stored();
  if (saved === "dark" || saved === "light") { root.setAttribute("data-theme", saved); }
  var toggle = document.querySelector(".theme-toggle");
  if (toggle) {
    var sync = function () { toggle.setAttribute("aria-pressed", dark() ? "true" : "false"); };
    sync();
    toggle.hidden = false;
    toggle.addEventListener("click", function () {
      var next = dark() ? "light" : "dark";
      root.setAttribute("data-theme", next);
      try { localStorage.setItem(STORE, next); } catch (e) { /* private mode: not kept */ }
      sync();
    });
  }

  // --- the Contents menu on phones -----------------------------------------------------
  var menu = document.querySelector(".toc-toggle");
  if (menu) {
    document.addEventListener("keydown", function (e) {
      if (e.key === "Escape" && menu.open) {
        menu.open = false;
        menu.querySelector("summary").focus();
      }
    });
    document.addEventListener("pointerdown", function (e) {
      if (menu.open && !menu.contains(e.target)) { menu.open = false; }
    });
  }
  var current = document.querySelector(".sidebar .current > a");
  var sidebar = document.querySelector(".sidebar");
  if (current && sidebar && sidebar.scrollHeight > sidebar.clientHeight) {
    sidebar.scrollTop = Math.max(0, current.offsetTop - sidebar.clientHeight / 3);
  }

  // --- "On this page": the section being read, marked in the list ----------------------
  var spy = document.querySelectorAll(".on-this-page a");
  var heads = [], targets = [];
  spy.forEach(function (a) {
    var h = null;
    try { h = document.getElementById(decodeURIComponent((a.getAttribute("href") || "").slice(1))); } catch (e) { h = null; }
    targets.push(h);
    if (h && heads.indexOf(h) < 0) { heads.push(h); }
  });
  var marking = false;
  function markSection() {
    marking = false;
    var at = null; // the last heading above the upper third of the window
    heads.forEach(function (h) { if (h.getBoundingClientRect().top < window.innerHeight / 3) { at = h; } });
    spy.forEach(function (a, i) {
      if (at !== null && targets[i] === at) { a.setAttribute("aria-current", "location"); } else { a.removeAttribute("aria-current"); }
    });
  }
  if (heads.length) {
    window.addEventListener("scroll", function () {
      if (!marking) { marking = true; window.requestAnimationFrame(markSection); }
    }, { passive: true });
    markSection();
  }

  // --- heading anchors -----------------------------------------------------------------
  document.querySelectorAll("main h2[id], main h3[id], main h4[id]").forEach(function (h) {
    var a = document.createElement("a");
    a.className = "heading-anchor";
    a.href = "#" + h.id;
    a.setAttribute("aria-label", "Link to this section");
    a.textContent = "#";
    h.appendChild(a);
  });

  // --- search ----------------------------------------------------------------------------
  // The index is a script of this site (assets/search-index.<hash>.js), loaded with MiniSearch
  // the first time the box is used: a script, not fetched JSON, so that search also works
  // from file://. Results are built with text nodes; their links are this site's pages.
  var box = document.getElementById("dossier-search-box");
  var results = document.getElementById("dossier-search-results");
  var engine = null, loading = null;
  function load(src) {
    return new Promise(function (resolve, reject) {
      var s = document.createElement("script");
      s.src = src;
      s.onload = resolve;
      s.onerror = reject;
      document.head.appendChild(s);
    });
  }
  // the engine and the index by the names their bytes give them (the page says which),
  // and only such names of this site's assets/ folder
  var where = box ? box.closest(".site-search") : null;
  var ENGINE = /^assets\/minisearch\.[0-9a-f]{10}\.js$/, INDEX = /^assets\/search-index\.[0-9a-f]{10}\.js$/;
  function ready() {
    if (!loading) {
      var engineSrc = where ? where.getAttribute("data-engine") || "" : "";
      var indexSrc = where ? where.getAttribute("data-index") || "" : "";
      if (!ENGINE.test(engineSrc) || !INDEX.test(indexSrc)) {
        loading = Promise.reject(new Error("no search index"));
        return loading;
      }
      loading = load(engineSrc).then(function () { return load(indexSrc); }).then(function () {
        engine = new window.MiniSearch({
          fields: ["title", "text"],
          storeFields: ["title", "chapter", "href", "text"],
          searchOptions: { prefix: true, fuzzy: 0.15, boost: { title: 2 }, combineWith: "AND" }
        });
        engine.addAll(window.dossierSearchDocs || []);
      });
    }
    return loading;
  }
  function snippet(text, words) {
    var lower = text.toLowerCase(), at = -1;
    words.forEach(function (w) { var i = lower.indexOf(w.toLowerCase()); if (i >= 0 && (at < 0 || i < at)) { at = i; } });
    var start = Math.max(0, at - 60);
    return (start > 0 ? "… " : "") + text.slice(start, start + 180) + (text.length > start + 180 ? " …" : "");
  }
  function render(query) {
    var found = query.trim().length > 1 ? engine.search(query).slice(0, 20) : [];
    var list = document.createElement("ol");
    found.forEach(function (r) {
      if (!/^[0-9]{2,}-[A-Za-z0-9_-]+\.html(#[^\s"<>]*)?$/.test(String(r.href))) { return; }
      var li = document.createElement("li"), a = text("a", r.title || r.chapter);
      a.setAttribute("href", r.href);
      li.appendChild(a);
      li.appendChild(text("p", r.chapter, "where"));
      li.appendChild(text("p", snippet(String(r.text), r.terms || []), "snippet"));
      list.appendChild(li);
    });
    var status = text("p", query.trim().length > 1 ? found.length + (found.length === 1 ? " result" : " results") : "Type at least two letters", "status");
    status.setAttribute("role", "status");
    results.replaceChildren(status, list);
    results.hidden = false;
  }
  if (box && results) {
    box.closest(".site-search").hidden = false;
    box.addEventListener("focus", function () { ready().catch(function () { /* shown on input */ }); });
    box.addEventListener("input", function () {
      var q = box.value;
      // Escape in a search box empties it (an input event): nothing to show then
      if (!q.trim()) { results.hidden = true; return; }
      ready().then(function () { if (box.value === q) { render(q); } }, function () {
        results.replaceChildren(text("p", "The search index could not be loaded.", "status"));
        results.hidden = false;
      });
    });
    document.addEventListener("keydown", function (e) {
      if (e.key === "Escape" && !results.hidden) { results.hidden = true; box.focus(); }
    });
    document.addEventListener("pointerdown", function (e) {
      if (!results.hidden && !box.closest(".site-search").contains(e.target)) { results.hidden = true; }
    });
  }

  // --- pop-overs -----------------------------------------------------------------------
  var refs = new Map(), quotes = new Map();
  var el = document.getElementById("dossier-cite-data");
  if (el && el.hasAttribute("data-popovers")) {
    try {
      var data = JSON.parse(el.getAttribute("data-popovers"));
      (data.refs || []).forEach(function (r) { refs.set(String(r[0]), r[1]); });
      (data.quotes || []).forEach(function (q) {
        var list = quotes.get(String(q.cite)) || [];
        list.push(q);
        quotes.set(String(q.cite), list);
      });
    } catch (e) { refs = new Map(); quotes = new Map(); }
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
  // the key of a link to this site's bibliography (one page, or one of its pages by
  // letter: bibliography-d.html); null for anything else
  function keyOf(href) {
    var m = /^(?:bibliography(?:-[a-z0-9-]+)?\.html)?#ref-(.+)$/.exec(href || "");
    if (!m) { return null; }
    try { return decodeURIComponent(m[1]); } catch (e) { return null; }
  }
  // an element of this page as a pop-over's content: a clone without ids or back-links
  function cloneOf(id) {
    var target = id ? document.getElementById(id) : null;
    if (!target) { return null; }
    var copy = target.cloneNode(true);
    copy.removeAttribute("id");
    copy.querySelectorAll("[id]").forEach(function (n) { n.removeAttribute("id"); });
    copy.querySelectorAll(".footnote-back, .back, .heading-anchor").forEach(function (n) { n.remove(); });
    var box = document.createElement("div");
    box.className = "popover-clone";
    box.appendChild(copy);
    return box;
  }
  function contentFor(a) {
    var href = a.getAttribute("href") || "";
    var parts = [];
    if (a.closest(".citation")) {
      var cite = a.closest(".citation"), citeId = cite.id || "";
      if (!citeId && cite.previousElementSibling && cite.previousElementSibling.classList.contains("cite-anchor")) {
        citeId = cite.previousElementSibling.id;
      }
      var key = keyOf(href);
      if (key !== null && refs.has(key)) { parts.push(build(refs.get(key), 0)); }
      (quotes.get(citeId) || []).forEach(function (q) { parts.push(quoteBox(q)); });
      return { parts: parts, go: "Go to the entry in the bibliography" };
    }
    if (href.charAt(0) === "#") {
      var c = cloneOf(decodeURIComponent(href.slice(1)));
      if (c) { parts.push(c); }
    }
    var go = a.classList.contains("xref") ? "Go to " + a.textContent : "Go to the note";
    return { parts: parts, go: go };
  }

  var tip = document.createElement("div");
  tip.className = "cite-popover";
  tip.id = "dossier-popover";
  tip.setAttribute("role", "tooltip");
  tip.hidden = true;
  var owner = null, closing = 0, lastPointer = "mouse";

  function place(a) {
    var r = a.getBoundingClientRect();
    var width = document.documentElement.clientWidth;
    tip.style.left = "0px";
    tip.style.top = "0px";
    var base = tip.getBoundingClientRect(); // where (0, 0) lands, whatever the offset parent
    var left = Math.max(8, Math.min(r.left, width - tip.offsetWidth - 8));
    var below = r.bottom + 6, above = r.top - 6 - tip.offsetHeight;
    var top = below + tip.offsetHeight > window.innerHeight - 8 && above >= 8 ? above : below;
    tip.classList.toggle("above", top === above);
    tip.style.left = (left - base.left) + "px";
    tip.style.top = (top - base.top) + "px";
  }
  function show(a, tapped) {
    var found = contentFor(a);
    if (!found.parts.length) { return false; }
    clearTimeout(closing);
    if (owner && owner !== a) { hide(); }
    if (tapped) {
      var p = text("p", "", "popover-go"), go = text("a", found.go);
      go.setAttribute("href", a.getAttribute("href"));
      p.appendChild(go);
      found.parts.push(p);
    }
    tip.replaceChildren.apply(tip, found.parts);
    // right after the link, so that Tab moves from the link into the pop-over
    a.insertAdjacentElement("afterend", tip);
    tip.hidden = false;
    owner = a;
    a.setAttribute("aria-describedby", tip.id);
    place(a);
    return true;
  }
  function hide() {
    clearTimeout(closing);
    if (owner) { owner.removeAttribute("aria-describedby"); }
    tip.hidden = true;
    owner = null;
  }
  function later() { clearTimeout(closing); closing = setTimeout(hide, 300); }

  var triggers = document.querySelectorAll(
    '.citation a[href*="#ref-"], a.footnote-ref, .note-ref a, a.xref[href^="#"]'
  );
  triggers.forEach(function (a) {
    // a mouse only: a tap also sends mouse events, and opens the toggle-tip on click
    a.addEventListener("pointerenter", function (e) { if (e.pointerType === "mouse") { show(a, false); } });
    a.addEventListener("pointerleave", function (e) { if (e.pointerType === "mouse") { later(); } });
    a.addEventListener("focus", function () { if (lastPointer !== "touch") { show(a, false); } });
    a.addEventListener("blur", function (e) {
      if (!e.relatedTarget || !tip.contains(e.relatedTarget)) { later(); }
    });
    a.addEventListener("click", function (e) {
      // a tap opens the toggle-tip; a second tap on the same link follows it
      if (lastPointer === "touch" && owner !== a && show(a, true)) { e.preventDefault(); }
    });
  });
  document.addEventListener("pointerdown", function (e) {
    lastPointer = e.pointerType || "mouse";
    if (owner && !tip.contains(e.target) && e.target !== owner && !owner.contains(e.target)) { hide(); }
  }, true);
  tip.addEventListener("mouseenter", function () { clearTimeout(closing); });
  tip.addEventListener("mouseleave", later);
  tip.addEventListener("focusout", function (e) {
    if (!e.relatedTarget || (e.relatedTarget !== owner && !tip.contains(e.relatedTarget))) { later(); }
  });
  document.addEventListener("keydown", function (e) {
    if (e.key === "Escape" && owner) {
      var back = tip.contains(document.activeElement) ? owner : null;
      hide();
      if (back) { back.focus(); }
    }
  });
})();
