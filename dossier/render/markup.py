"""Tokens -> HTML for one chapter, for the site ("site") or the print document ("print").

The difference between the two is where links point (another page vs. an anchor in
one document) and what a footnote is (a list at the page foot vs. a WeasyPrint
`float: footnote` span placed where it is referenced).
"""

from __future__ import annotations

import copy
import html
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from html.parser import HTMLParser
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.token import Token

from ..markdown.transforms import url_problem
from ..model import Formatted, FormattedCitation, Target

_REF_HREF = re.compile(r'href="#ref-([^"]+)"')


@dataclass
class RenderContext:
    mode: str  # "site" | "print"
    formatted: Formatted
    targets: dict[str, Target]
    chapter_pages: dict[str, str]  # chapter path -> page (for links between chapters)
    images: dict[str, str]  # src as written -> href in output ("" = refused)
    figures_html: dict[str, str] = field(default_factory=dict)  # src -> inline SVG
    page: str = ""
    notes: list[tuple[str, str]] = field(default_factory=list)  # note-style citations

    def href(self, target: Target) -> str:
        if self.mode == "print" or target.page == self.page:
            return f"#{target.id}"
        return f"{target.page}#{target.id}"

    def bib_link(self, fragment: str) -> str:
        """Pandoc's HTML (untrusted: made from BibTeX fields) with its #ref- links
        pointing where the bibliography is."""
        return self.ref_links(safe_html(fragment))

    def ref_links(self, fragment: str) -> str:
        prefix = "" if self.mode == "print" else "bibliography.html"
        return _REF_HREF.sub(lambda m: f'href="{prefix}#ref-{m.group(1)}"', fragment)


# --- HTML made by pandoc from BibTeX fields: inert, whatever the fields held ------------

_INERT_TAGS = frozenset(
    {
        "script",
        "style",
        "iframe",
        "frame",
        "frameset",
        "object",
        "embed",
        "applet",
        "base",
        "meta",
        "link",
        "form",
        "input",
        "button",
        "textarea",
        "select",
        "option",
        "svg",
        "math",
        "template",
        "noscript",
        "portal",
        "audio",
        "video",
        "source",
        "track",
        "img",
        "image",
        "param",
        "dialog",
    }
)
_URL_ATTRS = frozenset(
    {
        "href",
        "src",
        "action",
        "formaction",
        "xlink:href",
        "srcset",
        "poster",
        "data",
        "background",
        "cite",
        "longdesc",
        "ping",
        "manifest",
        "codebase",
        "lowsrc",
        "dynsrc",
    }
)


class _Sanitizer(HTMLParser):
    """Rebuilds a fragment byte for byte, except what could run or fetch: tags that
    embed or execute are shown as text, on* and style attributes dropped, and links
    whose target is not a web page, mail or a place in the document lose their href."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.out: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        raw = self.get_starttag_text() or ""
        if tag in _INERT_TAGS:
            self.out.append(html.escape(raw))
            return
        kept = [(k, v) for k, v in attrs if _safe_attr(k, v)]
        if kept == attrs:
            self.out.append(raw)
            return
        rebuilt = "".join(f' {k}="{html.escape(v or "")}"' for k, v in kept)
        self.out.append(f"<{tag}{rebuilt}{' /' if raw.endswith('/>') else ''}>")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        self.out.append(f"&lt;/{tag}&gt;" if tag in _INERT_TAGS else f"</{tag}>")

    def handle_data(self, data: str) -> None:
        self.out.append(data.replace("<", "&lt;"))

    def handle_entityref(self, name: str) -> None:
        self.out.append(f"&{name};")

    def handle_charref(self, name: str) -> None:
        self.out.append(f"&#{name};")

    def unknown_decl(self, data: str) -> None:
        pass  # comments, declarations and processing instructions are dropped


def _safe_attr(name: str, value: str | None) -> bool:
    if name.startswith("on") or name in ("style", "srcdoc") or name.startswith("xmlns"):
        return False
    if name == "rel" and "attachment" in (value or "").lower():
        return False  # WeasyPrint would embed the target in the PDF
    return not (name in _URL_ATTRS and url_problem(value or ""))


# What pandoc's citations almost always are: inline tags with class/role/data-cites
# attributes and in-document links. The sanitizer returns such a fragment unchanged, so
# it is recognised first, without parsing (a cold build checks a few thousand).
_INLINE = r"(?:span|a|em|i|strong|b|sup|sub|q|code|div)"
_PLAIN = re.compile(
    rf'(?:[^<]|<(?:{_INLINE}(?:\s(?:class|role|data-cites)="[^"<>]*"'
    rf'|\shref="#[^"<>\s]*")*|/{_INLINE})>)*'
)


# A bare '&' (AT&T): the parser would drop one at the end of a fragment, so it is
# written as the entity first; a browser shows both the same.
_BARE_AMP = re.compile(r"&(?!#?\w+;)")


def safe_html(fragment: str) -> str:
    """The fragment with nothing active left in it (see _Sanitizer)."""
    if not _BARE_AMP.search(fragment) and ("<" not in fragment or _PLAIN.fullmatch(fragment)):
        return fragment
    return sanitize(fragment)


def sanitize(fragment: str) -> str:
    """safe_html without its shortcut: always through the parser."""
    fragment = _BARE_AMP.sub("&amp;", fragment)
    parser = _Sanitizer()
    parser.feed(fragment)
    parser.close()
    return "".join(parser.out)


def safe_formatted(formatted: Formatted) -> Formatted:
    """Every citation and bibliography entry made inert, for whatever shows them."""
    return replace(
        formatted,
        citations={
            cid: FormattedCitation(safe_html(c.html), safe_html(c.note_html))
            for cid, c in formatted.citations.items()
        },
        bibliography={k: safe_html(v) for k, v in formatted.bibliography.items()},
    )


def _ctx(env: dict[str, Any]) -> RenderContext:
    ctx = env["ctx"]
    assert isinstance(ctx, RenderContext)
    return ctx


def citation(
    self: Any, tokens: Sequence[Token], idx: int, options: Any, env: dict[str, Any]
) -> str:
    ctx = _ctx(env)
    tok = tokens[idx]
    cid = tok.meta["id"]
    formatted = ctx.formatted.citations.get(cid)
    if formatted is None:
        return f'<span class="citation unresolved">{html.escape(tok.content)}</span>'
    text = ctx.bib_link(formatted.html)
    note = ctx.bib_link(formatted.note_html)
    # The back-link target is the citation itself: an empty anchor before it would be an
    # inline box of its own, which upsets WeasyPrint's line breaking.
    anchor = f'<a class="cite-anchor" id="cite-{cid}"></a>'
    if text.startswith('<span class="citation"'):
        text = text.replace('<span class="citation"', f'<span class="citation" id="cite-{cid}"', 1)
        anchor = ""
    if not note:
        return anchor + text
    if tok.meta.get("in_note"):
        return anchor + (text + " " if text else "") + note
    if ctx.mode == "print":
        return anchor + text + f'<span class="footnote">{note}</span>'
    number = len(ctx.notes) + 1
    ctx.notes.append((cid, note))
    return anchor + text + f'<sup class="note-ref"><a href="#note-{cid}">{number}</a></sup>'


def xref(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: dict[str, Any]) -> str:
    ctx = _ctx(env)
    tok = tokens[idx]
    parts = []
    for item in tok.meta["items"]:
        target = ctx.targets.get(item["key"])
        if target is None:
            parts.append(html.escape("??" + item["key"]))
            continue
        link = (
            f'<a class="xref xref-{target.kind}" href="{html.escape(ctx.href(target))}">'
            f"{html.escape(target.label)}</a>"
        )
        prefix = html.escape(item["prefix"]) + " " if item["prefix"] else ""
        parts.append(prefix + link + html.escape(item["suffix"]))
    return "; ".join(parts)


def heading_open(
    self: Any, tokens: Sequence[Token], idx: int, options: Any, env: dict[str, Any]
) -> str:
    tok = tokens[idx]
    number = (tok.meta or {}).get("number", "")
    out = self.renderToken(tokens, idx, options, env)
    if number:
        out += f'<span class="secno">{html.escape(number)}</span> '
    return str(out)


def figure_open(
    self: Any, tokens: Sequence[Token], idx: int, options: Any, env: dict[str, Any]
) -> str:
    tok = tokens[idx]
    ident = tok.attrs.get("id", "")
    return f'<figure id="{html.escape(str(ident))}">\n'


def figure_close(
    self: Any, tokens: Sequence[Token], idx: int, options: Any, env: dict[str, Any]
) -> str:
    opener = next(t for t in reversed(tokens[:idx]) if t.type == "figure_open")
    image: Token = opener.meta["image"]
    label = html.escape(opener.meta.get("label", ""))
    caption = self.renderInline(image.children or [], options, env)
    return f'<figcaption><span class="label">{label}:</span> {caption}</figcaption>\n</figure>\n'


def image(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: dict[str, Any]) -> str:
    ctx = _ctx(env)
    tok = tokens[idx]
    src = str(tok.attrs.get("src", ""))
    alt = _alt_text(tok.children or [], ctx)
    if src in ctx.figures_html:
        return ctx.ref_links(ctx.figures_html[src])  # drawn by dossier, labels escaped
    href = ctx.images.get(src, "")
    if not href:
        return f'<span class="missing-image">[{html.escape(alt)}]</span>'
    extra = "".join(
        f' {k}="{html.escape(str(v))}"'
        for k, v in tok.attrs.items()
        if k in ("width", "height", "class")
    )
    return f'<img src="{html.escape(href)}" alt="{html.escape(alt)}"{extra}>'


def _alt_text(children: Sequence[Token], ctx: RenderContext) -> str:
    """The caption as plain text, citations as they print (without rendering them: a
    note-style citation rendered here would be numbered twice)."""
    parts = []
    for tok in children:
        if tok.type == "citation":
            formatted = ctx.formatted.citations.get(tok.meta.get("id", ""))
            text = formatted.html if formatted else tok.content
            parts.append(html.unescape(re.sub(r"<[^>]*>", "", text)))
        elif tok.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif tok.children:
            parts.append(_alt_text(tok.children, ctx))
        else:
            parts.append(tok.content if tok.type in ("text", "code_inline") else "")
    return "".join(parts)


def link_open(
    self: Any, tokens: Sequence[Token], idx: int, options: Any, env: dict[str, Any]
) -> str:
    ctx = _ctx(env)
    # a copy: the same tokens are rendered for the site and then for print
    tok = copy.copy(tokens[idx])
    tok.attrs = dict(tok.attrs)
    href = str(tok.attrs.get("href", ""))
    path, _, frag = href.partition("#")
    for chapter, page in ctx.chapter_pages.items():
        if path and chapter.endswith(path.lstrip("./")):
            tok.attrSet(
                "href",
                (
                    f"#{frag}"
                    if ctx.mode == "print" and frag
                    else "#"
                    if ctx.mode == "print"
                    else page + (f"#{frag}" if frag else "")
                ),
            )
            break
    if re.match(r"https?:", href):
        tok.attrSet("rel", "noopener")
    return str(self.renderToken([tok], 0, options, env))


def table_open(
    self: Any, tokens: Sequence[Token], idx: int, options: Any, env: dict[str, Any]
) -> str:
    return '<div class="table-wrap">' + str(self.renderToken(tokens, idx, options, env))


def table_close(
    self: Any, tokens: Sequence[Token], idx: int, options: Any, env: dict[str, Any]
) -> str:
    return str(self.renderToken(tokens, idx, options, env)) + "</div>\n"


def caption_open(
    self: Any, tokens: Sequence[Token], idx: int, options: Any, env: dict[str, Any]
) -> str:
    table = next(t for t in reversed(tokens[:idx]) if t.type == "table_open")
    label = html.escape((table.meta or {}).get("label", ""))
    return f'<caption><span class="label">{label}:</span> ' if label else "<caption>"


# --- print-mode footnotes: the note's text goes where it is referenced ----------------


def footnote_ref_print(
    self: Any, tokens: Sequence[Token], idx: int, options: Any, env: dict[str, Any]
) -> str:
    note_id = tokens[idx].meta["id"]
    body = env.get("_print_notes", {}).get(note_id, "")
    return f'<span class="footnote">{body}</span>'


def _nothing(
    self: Any, tokens: Sequence[Token], idx: int, options: Any, env: dict[str, Any]
) -> str:
    return ""


def print_notes(md: MarkdownIt, tokens: Sequence[Token], env: dict[str, Any]) -> dict[int, str]:
    """Footnote id -> its text as inline HTML (paragraphs joined by line breaks)."""
    notes: dict[int, str] = {}
    current: int | None = None
    paragraphs: list[str] = []
    for tok in tokens:
        if tok.type == "footnote_open":
            current, paragraphs = tok.meta["id"], []
        elif tok.type == "footnote_close" and current is not None:
            notes[current] = "<br>".join(paragraphs)
            current = None
        elif current is not None and tok.type == "inline":
            paragraphs.append(_inline(md, tok.children or [], env))
    for i, note in enumerate(env.get("footnotes", {}).get("list", {}).values()):
        if "tokens" in note:  # inline footnotes ^[...]
            notes.setdefault(i, _inline(md, note["tokens"], env))
    return notes


def _inline(md: MarkdownIt, tokens: Sequence[Token], env: dict[str, Any]) -> str:
    renderer: Any = md.renderer  # RendererHTML; the protocol type does not declare it
    return str(renderer.renderInline(tokens, md.options, env))


def configure(md: MarkdownIt, mode: str) -> MarkdownIt:
    rules = {
        "citation": citation,
        "xref": xref,
        "heading_open": heading_open,
        "figure_open": figure_open,
        "figure_close": figure_close,
        "image": image,
        "link_open": link_open,
        "table_open": table_open,
        "table_close": table_close,
        "caption_open": caption_open,
    }
    if mode == "print":
        rules.update(
            {
                "footnote_ref": footnote_ref_print,
                "footnote_block_open": _nothing,
                "footnote_block_close": _nothing,
                "footnote_open": _nothing,
                "footnote_close": _nothing,
                "footnote_anchor": _nothing,
            }
        )
    for name, fn in rules.items():
        md.add_render_rule(name, fn)
    return md


def render_chapter(
    md: MarkdownIt, tokens: Sequence[Token], parse_env: dict[str, Any], ctx: RenderContext
) -> str:
    env = {**parse_env, "ctx": ctx}
    tokens = list(tokens)
    if ctx.mode == "print":
        footnote_tokens = _footnote_region(tokens)
        env["_print_notes"] = print_notes(md, footnote_tokens, env)
        skip = {id(t) for t in footnote_tokens}
        tokens = [t for t in tokens if id(t) not in skip]
    return str(md.renderer.render(tokens, md.options, env))


def _footnote_region(tokens: list[Token]) -> list[Token]:
    inside = False
    region = []
    for tok in tokens:
        if tok.type == "footnote_block_open":
            inside = True
        if inside:
            region.append(tok)
        if tok.type == "footnote_block_close":
            inside = False
    return region
