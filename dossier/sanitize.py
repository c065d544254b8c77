"""The one HTML sanitiser: everything dossier publishes that it did not write itself
goes through here, read the way a browser reads it.

- Fragments made from project data (citeproc's citations and references, made from
  BibTeX fields) are rebuilt by nh3 (Ammonia, html5ever: the HTML5 parsing algorithm
  of browsers) from an allow-list of inline tags and attributes; every href passes the
  URL policy (dossier.urls). What comes out is a serialisation of the parsed tree, so
  no comment, CDATA or duplicate-attribute trick can mean one thing here and another
  in a browser.
- Whole pages rendered from a project's own templates are parsed with tinyhtml5 (the
  HTML5 algorithm again, and the very parser WeasyPrint reads the print document
  with) and refused when the tree holds anything active (`page_problem`).
- Every page of the site carries a Content-Security-Policy (`with_csp`) that lets only
  the site's own script file run, and no inline script, handler or plugin.

Project SVG images are checked by dossier.resolve.media (an XML allow-list) and only ever
shown through <img>."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from html.parser import HTMLParser
from xml.etree.ElementTree import Element

import nh3
import tinyhtml5

from .render.assets import site_script
from .urls import url_problem

# --- fragments from BibTeX, through citeproc: rebuilt from an allow-list ---------------

_TAGS = {
    "a",
    "abbr",
    "b",
    "bdi",
    "br",
    "cite",
    "code",
    "div",
    "em",
    "i",
    "q",
    "small",
    "span",
    "strong",
    "sub",
    "sup",
}
_ATTRIBUTES = {"*": {"class", "role", "id", "data-cites", "lang", "title"}, "a": {"href"}}


def _attribute(tag: str, name: str, value: str) -> str | None:
    # relative links other than #fragments have no meaning in a reference (and could
    # climb out of the site); absolute ones must pass the one URL policy
    if name == "href" and (url_problem(value) or not (value.startswith("#") or ":" in value)):
        return None
    return value


def clean_fragment(fragment: str, anchor: Callable[[str], str] | None = None) -> str:
    """`fragment` (HTML made from untrusted data) with only inline text markup left:
    no script (removed with its content), no handler, style, embed or form, and no
    link that the URL policy refuses. Its structure is what a browser would build.
    `anchor` says where a kept link to a `#fragment` points from the page the fragment
    goes in (a bibliography entry may be on another page of the site): links are
    rewritten in the same pass, never by reading the HTML again."""
    if "<" not in fragment and "&" not in fragment:
        return fragment  # plain text: nothing to parse (most citations are short text)
    attribute = _attribute
    if anchor is not None:

        def attribute(tag: str, name: str, value: str) -> str | None:
            kept = _attribute(tag, name, value)
            return anchor(kept) if kept is not None and name == "href" and kept[:1] == "#" else kept

    return nh3.clean(
        fragment,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        attribute_filter=attribute,
        url_schemes={"http", "https", "mailto"},
        link_rel=None,  # the fragment's links keep what pandoc wrote
        strip_comments=True,
    )


# --- MathML made from an author's TeX (render.math): presentation elements only --------
# latex2mathml copies \href targets into attributes and \text{<b>} into the markup
# as it is; nothing but these elements and attributes survives.

_MATHML_TAGS = {
    "math",
    "semantics",
    "annotation",
    "mrow",
    "mi",
    "mn",
    "mo",
    "ms",
    "mtext",
    "mspace",
    "mfrac",
    "msqrt",
    "mroot",
    "msub",
    "msup",
    "msubsup",
    "munder",
    "mover",
    "munderover",
    "mtable",
    "mtr",
    "mtd",
    "mstyle",
    "mpadded",
    "mphantom",
    "menclose",
    "merror",
}
_MATHML_ATTRIBUTES = {
    "math": {"display"},
    "annotation": {"encoding"},
    "*": {
        "mathvariant",
        "stretchy",
        "fence",
        "separator",
        "lspace",
        "rspace",
        "accent",
        "accentunder",
        "movablelimits",
        "largeop",
        "symmetric",
        "minsize",
        "maxsize",
        "width",
        "height",
        "depth",
        "linethickness",
        "columnalign",
        "rowalign",
        "columnspacing",
        "rowspacing",
        "columnlines",
        "rowlines",
        "frame",
        "notation",
        "displaystyle",
        "scriptlevel",
    },
}


def clean_mathml(fragment: str) -> str:
    """MathML with only presentation elements and their layout attributes left: no
    link, no handler, no style, no HTML inside <mtext> (its text stays)."""
    return nh3.clean(
        fragment,
        tags=_MATHML_TAGS,
        attributes=_MATHML_ATTRIBUTES,
        url_schemes=set(),
        link_rel=None,
        strip_comments=True,
    )


# --- pop-over data: a cleaned fragment as a JSON tree, never as HTML -------------------

_POPOVER_TAGS = frozenset({"b", "cite", "code", "em", "i", "q", "small", "strong", "sub", "sup"})

# [tag, class, child...]: the first two items are strings, the children text or nodes
PopoverNode = list["str | PopoverNode"]


class _Tree(HTMLParser):
    """nh3's output (already canonical: quoted attributes, escaped text, no comments) as
    nested lists [tag, class, child...], where links and divs become spans: the site's
    script builds pop-overs from this with DOM text nodes only."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root: PopoverNode = ["span", ""]
        self.stack: list[PopoverNode] = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.stack[-1].append("\n")
            return
        node: PopoverNode = [
            tag if tag in _POPOVER_TAGS else "span",
            next((v or "" for k, v in attrs if k == "class"), ""),
        ]
        self.stack[-1].append(node)
        self.stack.append(node)

    def handle_endtag(self, tag: str) -> None:
        if tag != "br" and len(self.stack) > 1:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.stack[-1].append(data)


def inert_tree(fragment: str) -> PopoverNode:
    parser = _Tree()
    parser.feed(clean_fragment(fragment))
    parser.close()
    return parser.root


# --- whole pages: the Content-Security-Policy, and the check of project templates ------

# No inline script or handler, no plugin, no <base>, no form; scripts, styles, fonts and
# images only from the site itself (images also as data: for the theme's own CSS).
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self' data:; connect-src 'self'; object-src 'none'; frame-src 'none'; "
    "base-uri 'none'; form-action 'none'"
)
CSP_META = f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
_HEAD = re.compile(r"<head(?:\s[^>]*)?>", re.I)
_HTML = "{http://www.w3.org/1999/xhtml}"
# what a page may hold of scripts: the theme's own, by the name its bytes give it
SCRIPT_RULE = "a <script> (only the theme's script, src=\"{{ assets['site.js'] }}\", may run)"


def with_csp(page: str) -> str:
    """The page with dossier's policy as the first element of <head> (a meta policy
    governs only what comes after it). page_problem checks where it really landed."""
    m = _HEAD.search(page)
    if m:
        return page[: m.end()] + CSP_META + page[m.end() :]
    return CSP_META + page


_FORBIDDEN = frozenset(
    {
        "iframe",
        "frame",
        "frameset",
        "object",
        "embed",
        "applet",
        "base",
        "form",
        "portal",
        "noscript",  # read as markup or as text depending on scripting: a differential
        "foreignobject",
        "handler",
        "listener",
    }
)
_URL_ATTRS = frozenset(
    {
        "href",
        "src",
        "action",
        "formaction",
        "poster",
        "data",
        "srcset",
        "background",
        "cite",
        "longdesc",
        "ping",
        "manifest",
        "codebase",
        "lowsrc",
        "dynsrc",
        "xlink:href",
    }
)
_ANIMATION = frozenset({"set", "animate", "animatetransform", "animatemotion"})
_CSS_ACTIVE = re.compile(r"expression\s*\(|behavior\s*:|-moz-binding|javascript:", re.I)


def _local(name: str) -> str:
    if name.startswith("{http://www.w3.org/1999/xlink}"):
        return "xlink:" + name.rsplit("}", 1)[1]
    return name.rsplit("}", 1)[-1].lower()


def _elements(root: Element) -> Iterator[Element]:
    for el in root.iter():
        if isinstance(el.tag, str):
            yield el


def page_problem(page: str, site: bool) -> str:
    """What makes a rendered page active, as a browser (and WeasyPrint) parses it; ""
    when nothing does. `site`: a page of the site, which must carry dossier's policy."""
    root = tinyhtml5.parse(page)
    for el in _elements(root):
        tag = _local(el.tag)
        found = _element_problem(el, tag)
        if found:
            return found
    if site:
        head = root.find(f"{_HTML}head")
        first = (
            next((c for c in head if isinstance(c.tag, str)), None) if head is not None else None
        )
        if (
            first is None
            or _local(first.tag) != "meta"
            or first.get("http-equiv", "").lower() != "content-security-policy"
            or first.get("content") != CSP
        ):
            return "a page without dossier's Content-Security-Policy first in <head>"
    return ""


def _element_problem(el: Element, tag: str) -> str:
    attrs = {_local(k): v for k, v in el.attrib.items()}
    if tag == "script":
        theirs = el.tag == f"{_HTML}script" and attrs.get("src") == site_script() and not el.text
        if not theirs:
            return SCRIPT_RULE
    if tag in _FORBIDDEN:
        return f"a <{tag}> element"
    if tag == "meta" and attrs.get("http-equiv", "").lower() == "refresh":
        return 'a <meta http-equiv="refresh">'
    if tag in _ANIMATION:
        target = attrs.get("attributename", "").lower()
        if target.startswith("on") or target.endswith("href"):
            return f"an <{tag}> that changes {target}"
    if tag == "style" and _CSS_ACTIVE.search(el.text or ""):
        return "a stylesheet that runs code"
    for name, value in attrs.items():
        if name.startswith("on"):
            return f"an event handler ({name}=)"
        if name == "rel" and "attachment" in value.lower():
            return 'rel="attachment" (it would embed a file in the PDF)'
        if name == "style" and _CSS_ACTIVE.search(value):
            return "a style attribute that runs code"
        if name == "srcdoc":
            return "a srcdoc= document"
        if name in _URL_ATTRS:
            urls = [u.split()[0] for u in value.split(",") if u.split()]
            bad = next((u for u in (urls if name == "srcset" else [value]) if url_problem(u)), None)
            if bad is not None:
                return f'{name}="{bad[:60]}" ({url_problem(bad)})'
    return ""
