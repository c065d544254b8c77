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
from typing import Any
from urllib.parse import unquote

from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import OptionsDict

from ..resolve.timeline import SITE_ONLY
from ..texmath import render_rules
from ..urls import site_href
from .context import RenderContext as RenderContext  # re-exported: where it was
from .footnotes import (
    footnote_anchor_site,
    footnote_block_open_site,
    footnote_ref_print,
    footnote_ref_site,
    footnote_region,
    nothing,
    print_notes,
)
from .notes import one_sequence, place_notes


def _ctx(env: dict[str, Any]) -> RenderContext:
    ctx = env["ctx"]
    assert isinstance(ctx, RenderContext)
    return ctx


def citation(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: dict[str, Any]
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
    moved = html.escape(str(tok.meta.get("moved", "")), quote=False)
    if moved:  # punctuation that follows a note citation goes before its marker
        if anchor:
            text += moved
        else:
            text = text.removesuffix("</span>") + moved + "</span>"
    if ctx.mode == "print":
        return anchor + text + f'<span class="footnote">{note}</span>'
    number = ctx.note_number(f"cite:{cid}")
    ctx.notes.append((cid, note))
    return (
        anchor
        + text
        + f'<sup class="note-ref"><a href="#note-{cid}" role="doc-noteref">{number}</a></sup>'
    )


def xref(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: dict[str, Any]
) -> str:
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
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: dict[str, Any]
) -> str:
    tok = tokens[idx]
    number = (tok.meta or {}).get("number", "")
    out = self.renderToken(tokens, idx, options, env)
    if number:
        out += f'<span class="secno">{html.escape(number)}</span> '
    return str(out)


def figure_open(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: dict[str, Any]
) -> str:
    tok = tokens[idx]
    ident = tok.attrs.get("id", "")
    return f'<figure id="{html.escape(str(ident))}">\n'


def figure_close(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: dict[str, Any]
) -> str:
    opener = next(t for t in reversed(tokens[:idx]) if t.type == "figure_open")
    image: Token = opener.meta["image"]
    label = str(opener.meta.get("label", ""))
    caption = self.renderInline(image.children or [], options, env)
    if ident := str(opener.attrs.get("id", "")):
        ctx = _ctx(env)
        ctx.captions.append(("figure", ident, _listed(f"{label}: ", image.children, ctx)))
    return (
        f'<figcaption><span class="label">{html.escape(label)}:</span> {caption}</figcaption>\n'
        "</figure>\n"
    )


def _listed(label: str, children: Sequence[Token] | None, ctx: RenderContext) -> str:
    """A caption as a list of figures or tables shows it: its label, then its text."""
    return " ".join((label + _alt_text(children or [], ctx)).split())


def image(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: dict[str, Any]
) -> str:
    ctx = _ctx(env)
    tok = tokens[idx]
    src = str(tok.attrs.get("src", ""))
    alt = _alt_text(tok.children or [], ctx)
    if src in ctx.figures_html:  # drawn by dossier, labels escaped
        drawn, _, site_only = ctx.figures_html[src].partition(SITE_ONLY)
        return ctx.ref_links(drawn + site_only if ctx.mode == "site" else drawn)
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
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: dict[str, Any]
) -> str:
    ctx = _ctx(env)
    # a copy: the same tokens are rendered for the site and then for print
    tok = copy.copy(tokens[idx])
    tok.attrs = dict(tok.attrs)
    href = str(tok.attrs.get("href", ""))
    path, _, frag = href.partition("#")
    if not path and frag:  # `[text](#id)`: to whichever page holds the id
        target = ctx.targets.get(unquote(frag))
        if target is not None:
            tok.attrSet("href", ctx.href(target))
        elif unquote(frag).startswith("ref-"):  # a bibliography entry
            tok.attrSet("href", ctx.ref_links(f'href="#{frag}"')[6:-1])
        return str(self.renderToken([tok], 0, options, env))
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
    final = str(tok.attrs.get("href", ""))
    if final and not final.startswith("#") and not _kept(final, ctx.mode, final != href):
        # a project file the site does not publish (or, in print, any file: WeasyPrint
        # would turn it into a file: URI): the text stays, the link goes
        del tok.attrs["href"]
    elif re.match(r"https?:", final):
        tok.attrSet("rel", "noopener")
    return str(self.renderToken([tok], 0, options, env))


def implicit_ref(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: dict[str, Any]
) -> str:
    """`[Heading text]`: a link to the heading with that text, else the text as written."""
    ctx = _ctx(env)
    tok = tokens[idx]
    if ctx.by_title is None:
        ctx.by_title = {}
        for target in ctx.targets.values():
            if target.kind == "sec":
                ctx.by_title.setdefault(" ".join(target.title.split()), target)
    heading = ctx.by_title.get(tok.content)
    if heading is None:
        return html.escape(tok.meta["source"])
    return f'<a href="{html.escape(ctx.href(heading))}">{html.escape(tok.content)}</a>'


def _kept(href: str, mode: str, chapter: bool) -> bool:
    if mode == "print":
        return bool(re.match(r"(?:https?|mailto):", href)) and site_href(href)
    return chapter or site_href(href)


def table_open(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: dict[str, Any]
) -> str:
    opening = '<div class="table-wrap">'
    if _ctx(env).mode == "site":
        # a region that may scroll sideways on a phone: reachable and named for keyboards
        label = html.escape((tokens[idx].meta or {}).get("label", "") or "Table")
        opening = f'<div class="table-wrap" tabindex="0" role="region" aria-label="{label}">'
    return opening + str(self.renderToken(tokens, idx, options, env))


def table_close(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: dict[str, Any]
) -> str:
    return str(self.renderToken(tokens, idx, options, env)) + "</div>\n"


_ALIGN = re.compile(r"text-align:(left|right|center)")


def cell_open(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: dict[str, Any]
) -> str:
    """A table cell; on the site its alignment is a class, since the site's policy lets
    no inline style apply (markdown-it writes style="text-align:...")."""
    tok = tokens[idx]
    style = str(tok.attrs.get("style", ""))
    m = _ALIGN.fullmatch(style)
    if _ctx(env).mode != "site" or not m:
        return str(self.renderToken(tokens, idx, options, env))
    tok = copy.copy(tok)  # the same tokens are rendered for print too
    tok.attrs = {k: v for k, v in tok.attrs.items() if k != "style"}
    tok.attrSet("class", f"align-{m.group(1)}")
    return str(self.renderToken([tok], 0, options, env))


_LIST_STYLES = {"1": "decimal", "a": "lower-alpha", "A": "upper-alpha", "i": "lower-roman"}
_LIST_STYLES["I"] = "upper-roman"


def ordered_list_open(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: dict[str, Any]
) -> str:
    """WeasyPrint reads neither `start` nor `type` of a list: in print they are written
    as the CSS that means the same (browsers read both, so the site keeps them bare)."""
    tok = tokens[idx]
    start = str(tok.attrs.get("start", "1"))
    kind = _LIST_STYLES.get(str(tok.attrs.get("type", "")))
    if _ctx(env).mode != "print" or (start == "1" and not kind) or not start.isdigit():
        return str(self.renderToken(tokens, idx, options, env))
    tok = copy.copy(tok)
    style = [f"counter-reset: list-item {int(start) - 1}"] if start != "1" else []
    style += [f"list-style-type: {kind}"] if kind else []
    tok.attrs = {**tok.attrs, "style": "; ".join(style)}
    return str(self.renderToken([tok], 0, options, env))


def title_block(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: dict[str, Any]
) -> str:
    """Pandoc's html5 title block, less the title (the chapter's heading is above it).
    Metadata is text: escaped, never read as Markdown or HTML."""
    shown = tokens[idx].meta
    out = ['<header class="title-block">']
    if "subtitle" in shown:
        out.append(f'<p class="subtitle">{html.escape(shown["subtitle"])}</p>')
    out += [f'<p class="author">{html.escape(a)}</p>' for a in shown.get("authors", ())]
    if "date" in shown:
        out.append(f'<p class="date">{html.escape(shown["date"])}</p>')
    if "abstract" in shown:
        # one line is inline text in Pandoc (`abstract: x`); a `|` block is paragraphs
        paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", shown["abstract"])]
        if "\n" not in shown["abstract"]:
            body = html.escape(paragraphs[0])
        else:
            body = "\n".join(f"<p>{html.escape(p)}</p>" for p in paragraphs if p)
        out += ['<div class="abstract">', '<div class="abstract-title">Abstract</div>', body]
        out.append("</div>")
    return "\n".join(out) + "\n</header>\n"


def caption_open(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: dict[str, Any]
) -> str:
    table = next(t for t in reversed(tokens[:idx]) if t.type == "table_open")
    label = str((table.meta or {}).get("label", ""))
    if ident := str(table.attrs.get("id", "")):
        text = tokens[idx + 1] if idx + 1 < len(tokens) else None
        ctx = _ctx(env)
        children = text.children if text is not None and text.type == "inline" else None
        ctx.captions.append(("table", ident, _listed(f"{label}: " if label else "", children, ctx)))
    return f'<caption><span class="label">{html.escape(label)}:</span> ' if label else "<caption>"


def configure(md: MarkdownIt, mode: str) -> MarkdownIt:
    rules = {
        "citation": citation,
        "xref": xref,
        "heading_open": heading_open,
        "figure_open": figure_open,
        "figure_close": figure_close,
        "image": image,
        "link_open": link_open,
        "implicit_ref": implicit_ref,
        "table_open": table_open,
        "table_close": table_close,
        "caption_open": caption_open,
        "ordered_list_open": ordered_list_open,
        "title_block": title_block,
        "th_open": cell_open,
        "td_open": cell_open,
    }
    if mode == "site":
        rules.update(
            {
                "footnote_ref": footnote_ref_site,
                "footnote_block_open": footnote_block_open_site,
                "footnote_anchor": footnote_anchor_site,
            }
        )
    if mode == "print":
        rules.update(
            {
                "footnote_ref": footnote_ref_print,
                "footnote_block_open": nothing,
                "footnote_block_close": nothing,
                "footnote_open": nothing,
                "footnote_close": nothing,
                "footnote_anchor": nothing,
            }
        )
    rules.update(render_rules(mode))
    for name, fn in rules.items():
        md.add_render_rule(name, fn)
    return md


def render_chapter(
    md: MarkdownIt, tokens: Sequence[Token], parse_env: dict[str, Any], ctx: RenderContext
) -> str:
    env = {**parse_env, "ctx": ctx}
    tokens = list(tokens)
    if ctx.formatted.note_style:
        tokens = place_notes(tokens, ctx.formatted)
        if ctx.mode == "site":
            return one_sequence(md, tokens, env, ctx)
    if ctx.mode == "print":
        footnote_tokens = footnote_region(tokens)
        env["_print_notes"] = print_notes(md, footnote_tokens, env)
        skip = {id(t) for t in footnote_tokens}
        tokens = [t for t in tokens if id(t) not in skip]
    return str(md.renderer.render(tokens, md.options, env))
