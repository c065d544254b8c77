// Progressive enhancement only: the site reads fine without it.
// Shows the formatted reference of a citation on hover or keyboard focus, and for a
// quotation the passage of the archived source it matches. The data sits in the page
// (<template id="cite-data">), so this works from file:// too.
(function () {
  "use strict";
  var cache = {};
  var data = document.getElementById("cite-data");
  data = data ? data.content : null;
  function embedded(selector) {
    var el = data ? data.querySelector(selector) : null;
    return el ? el.innerHTML : "";
  }
  function entryFor(href, done) {
    var parts = href.split("#"), page = parts[0], id = decodeURIComponent(parts[1] || "");
    if (id.indexOf("ref-") === 0 && data) {
      var found = embedded('[data-ref="' + CSS.escape(id.slice(4)) + '"]');
      if (found) { return done(found); }
    }
    if (!page) { var el = document.getElementById(id); return done(el ? el.innerHTML : ""); }
    if (cache[page]) { return done(pick(cache[page], id)); }
    if (location.protocol === "file:") { return done(""); }
    fetch(page).then(function (r) { return r.text(); }).then(function (t) {
      cache[page] = new DOMParser().parseFromString(t, "text/html");
      done(pick(cache[page], id));
    }).catch(function () { done(""); });
  }
  function pick(doc, id) {
    var el = doc.getElementById(id);
    if (!el) { return ""; }
    var copy = el.cloneNode(true), back = copy.querySelector(".backlinks");
    if (back) { back.remove(); }
    return copy.innerHTML;
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
    var quote = citeId ? embedded('[data-quote="' + CSS.escape(citeId) + '"]') : "";
    entryFor(a.getAttribute("href"), function (html) {
      if (quote) { html = (html || "") + '<div class="popover-quote">' + quote + "</div>"; }
      if (!html) { return; }
      tip.innerHTML = html;
      tip.hidden = false;
      var r = a.getBoundingClientRect();
      tip.style.left = Math.max(8, Math.min(window.scrollX + r.left, window.scrollX + document.documentElement.clientWidth - tip.offsetWidth - 8)) + "px";
      tip.style.top = (window.scrollY + r.bottom + 6) + "px";
    });
  }
  function hide() { tip.hidden = true; }
  document.querySelectorAll('.citation a[href*="#ref-"]').forEach(function (a) {
    a.addEventListener("mouseenter", function () { show(a); });
    a.addEventListener("focus", function () { show(a); });
    a.addEventListener("mouseleave", hide);
    a.addEventListener("blur", hide);
  });
  document.addEventListener("keydown", function (e) { if (e.key === "Escape") { hide(); } });
})();
