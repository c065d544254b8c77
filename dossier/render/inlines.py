"""The inlines whose HTML depends on what resolving and formatting decided: a citation
as the style prints it (with its note, in a note style), and a link's target."""

from __future__ import annotations

import html
import re
from urllib.parse import unquote

from ..model import tree as t
from ..urls import site_href
from .context import RenderContext


def citation(
    ctx: RenderContext, cid: str, source: str, moved: str, in_note: bool, anchored: bool = True
) -> str:
    """Cluster `cid` as formatted; `moved` is punctuation placed before its note marker
    (render.placement). Not `anchored`: a second copy of the citation (a footnote printed
    at each of its references), without the id the bibliography's back-link targets."""
    formatted = ctx.formatted.citations.get(cid)
    if formatted is None:
        return f'<span class="citation unresolved">{html.escape(source)}</span>'
    text = ctx.bib_link(formatted.html)
    note = ctx.bib_link(formatted.note_html)
    # The back-link target is the citation itself: an empty anchor before it would be an
    # inline box of its own, which upsets WeasyPrint's line breaking.
    anchor = f'<a class="cite-anchor" id="cite-{cid}"></a>'
    if not anchored:
        anchor = ""
    elif text.startswith('<span class="citation"'):
        text = text.replace('<span class="citation"', f'<span class="citation" id="cite-{cid}"', 1)
        anchor = ""
    if not note:
        return anchor + text
    if in_note:
        return anchor + (text + " " if text else "") + note
    moved = html.escape(moved, quote=False)
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


def link_href(ctx: RenderContext, href: str) -> str | None:
    """Where a link written `href` points in this page; None when the link must go."""
    path, _, frag = href.partition("#")
    if not path and frag:  # `[text](#id)`: to whichever page holds the id
        target = ctx.targets.get(unquote(frag))
        if target is not None:
            return ctx.href(target)
        if unquote(frag).startswith("ref-"):  # a bibliography entry
            return href if ctx.mode == "print" else ctx.ref_href(href)
        return href
    final = href
    for chapter, page in ctx.chapter_pages.items():
        if path and chapter.endswith(path.lstrip("./")):
            if ctx.mode == "print":
                final = f"#{frag}" if frag else "#"
            else:
                final = page + (f"#{frag}" if frag else "")
            break
    if final and not final.startswith("#") and not _kept(final, ctx.mode, final != href):
        # a project file the site does not publish (or, in print, any file: WeasyPrint
        # would turn it into a file: URI): the text stays, the link goes
        return None
    return final


def _kept(href: str, mode: str, chapter: bool) -> bool:
    if mode == "print":
        return bool(re.match(r"(?:https?|mailto):", href)) and site_href(href)
    return chapter or site_href(href)


def xref(ctx: RenderContext, node: t.CrossRef) -> str:
    """`@fig-map`, `[see @sec-a; @tbl-b]`: each target's label, linked."""
    parts = []
    for item in node.items:
        target = ctx.targets.get(item.key)
        if target is None:
            parts.append(html.escape("??" + item.key))
            continue
        link = (
            f'<a class="xref xref-{target.kind}" href="{html.escape(ctx.href(target))}">'
            f"{html.escape(target.label)}</a>"
        )
        prefix = html.escape(item.prefix) + " " if item.prefix else ""
        parts.append(prefix + link + html.escape(item.suffix))
    return "; ".join(parts)


def implicit_ref(ctx: RenderContext, node: t.ImplicitRef) -> str:
    """`[Heading text]`: a link to the heading with that text, else the text as written."""
    if ctx.by_title is None:
        ctx.by_title = {}
        for target in ctx.targets.values():
            if target.kind == "sec":
                ctx.by_title.setdefault(" ".join(target.title.split()), target)
    heading = ctx.by_title.get(node.text)
    if heading is None:
        return html.escape(node.source)
    return f'<a href="{html.escape(ctx.href(heading))}">{html.escape(node.text)}</a>'
