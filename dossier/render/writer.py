"""A chapter's tree -> HTML, for the site ("site") or the print document ("print").

The two modes differ in where links point (another page vs. an anchor in one document),
what a footnote is (a list at the page foot vs. a WeasyPrint `float: footnote` span where
it is referenced) and how math is drawn (MathML vs. SVG). What resolving decided (ids,
numbers, labels, citation ids) is looked up by each node's `ref` in the chapter's
ChapterInfo; nothing is written into the tree.

Whitespace between tags follows markdown-it's HTML renderer, which the site was first
written with: a line break after a block's opening tag unless text follows it directly,
and one before a block that follows a tight list item's text."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from ..model import tree as t
from ..resolve.collect import ChapterInfo
from ..texmath import print_html as print_math
from ..texmath import site_html as site_math
from .context import RenderContext
from .elements import attrs_html, esc, image_size, title_block, unescape_info, with_attr
from .inlines import citation, implicit_ref, link_href, xref
from .placement import place
from .timeline import draw_print, draw_site

__all__ = ["RenderContext", "render_chapter"]


def hidden(block: t.Block) -> bool:
    """Blocks that print nothing around their text: a tight list item's paragraph, and
    the blocks no writer prints. A block opening after one starts on a new line."""
    return isinstance(block, (t.Plain, t.RawBlock))


_LIST_STYLES = {"1": "decimal", "a": "lower-alpha", "A": "upper-alpha", "i": "lower-roman"}
_LIST_STYLES["I"] = "upper-roman"
_ALIGN = re.compile(r"text-align:(left|right|center)")


@dataclass(slots=True)
class Writer:
    ctx: RenderContext
    info: ChapterInfo
    in_note: bool = False
    moved: dict[int, str] = field(default_factory=dict)  # cite ref -> render.placement
    # print: each footnote's text, and a copy without ids for its later references
    print_notes: dict[int, tuple[str, str]] = field(default_factory=dict)
    anchored: bool = True  # citations carry their ids (see render.inlines.citation)

    # --- blocks -----------------------------------------------------------------------

    def blocks(self, blocks: Sequence[t.Block], after_hidden: bool = False) -> str:
        out = []
        for block in blocks:
            out.append(self.block(block, "\n" if after_hidden else ""))
            after_hidden = hidden(block)
        return "".join(out)

    def container(self, tag: str, attrs: t.Attrs, blocks: Sequence[t.Block], nl: str) -> str:
        """A block element holding blocks, as markdown-it lays it out."""
        lf = "\n" if blocks and not hidden(blocks[0]) else ""
        return f"{nl}<{tag}{attrs_html(attrs)}>{lf}{self.blocks(blocks)}</{tag}>\n"

    def block(self, block: t.Block, nl: str) -> str:
        if isinstance(block, t.Para):
            return self.para(block, nl)
        if isinstance(block, t.Plain):
            return self.text(block.children)
        if isinstance(block, t.Heading):
            return self.heading(block, nl)
        if isinstance(block, t.BlockQuote):
            return self.container("blockquote", (), block.blocks, nl)
        if isinstance(block, (t.BulletList, t.OrderedList)):
            return self.list(block, nl)
        if isinstance(block, t.DefinitionList):
            out = [f"{nl}<dl>\n" if block.items else f"{nl}<dl>"]
            for item in block.items:
                if isinstance(item, t.Term):
                    out.append(f"<dt>{self.text(item.children)}</dt>\n")
                else:
                    out.append(self.container("dd", (), item.blocks, ""))
            return "".join(out) + "</dl>\n"
        if isinstance(block, t.CodeBlock):
            return self.code_block(block)
        if isinstance(block, t.HorizontalRule):
            return f"{nl}<hr />\n"
        if isinstance(block, t.Table):
            return self.table(block, nl)
        if isinstance(block, t.Figure):
            return self.figure(block)
        if isinstance(block, t.Equation):
            return self.equation(block)
        if isinstance(block, t.MathBlock):
            # a paragraph holding the display formula, as Pandoc writes it
            return f"<p>{self.math(block.tex, True)}</p>\n"
        if isinstance(block, t.Div):
            return self.container("div", block.attrs, block.blocks, nl)
        if isinstance(block, t.LineBlock):
            return f"{nl}<div{attrs_html(block.attrs)}>{self.text(block.children)}</div>\n"
        if isinstance(block, t.RawBlock):
            return ""
        return title_block(block)

    def para(self, block: t.Para, nl: str, end: str = "") -> str:
        """A paragraph; `end` is HTML after its text (a footnote's links back)."""
        return f"{nl}<p>{self.text(block.children)}{end}</p>\n"

    def heading(self, block: t.Heading, nl: str) -> str:
        resolved = self.info.headings[block.ref]
        attrs = with_attr(block.attrs, "id", resolved.id)
        number = (
            f'<span class="secno">{html.escape(resolved.number)}</span> ' if resolved.number else ""
        )
        tag = f"h{block.level}"
        return f"{nl}<{tag}{attrs_html(attrs)}>{number}{self.text(block.children)}</{tag}>\n"

    def list(self, block: t.BulletList | t.OrderedList, nl: str) -> str:
        attrs: t.Attrs = ()
        if isinstance(block, t.BulletList):
            tag = "ul"
        else:
            tag, attrs = "ol", self.list_attrs(block.attrs)
            if attrs != block.attrs:
                nl = ""  # the print style's list has always started on the same line
        lf = "\n" if block.items else ""
        items = "".join(self.container("li", (), item.blocks, "") for item in block.items)
        return f"{nl}<{tag}{attrs_html(attrs)}>{lf}{items}</{tag}>\n"

    def list_attrs(self, attrs: t.Attrs) -> t.Attrs:
        """WeasyPrint reads neither `start` nor `type` of a list: in print they are written
        as the CSS that means the same (browsers read both, so the site keeps them bare)."""
        start = t.attr(attrs, "start", "1")
        kind = _LIST_STYLES.get(t.attr(attrs, "type"))
        if self.ctx.mode != "print" or (start == "1" and not kind) or not start.isdigit():
            return attrs
        style = [f"counter-reset: list-item {int(start) - 1}"] if start != "1" else []
        style += [f"list-style-type: {kind}"] if kind else []
        return with_attr(attrs, "style", "; ".join(style))

    def code_block(self, block: t.CodeBlock) -> str:
        # on the site a long line scrolls sideways: the block must be reachable by keyboard
        pre = '<pre tabindex="0">' if self.ctx.mode == "site" else "<pre>"
        info = unescape_info(block.info).strip(" \t\n\r\f\v") if block.fenced else ""
        if info:
            lang = re.split(r"[ \t\n\r\f\v]+", info, maxsplit=1)[0]
            return f'{pre}<code class="language-{esc(lang)}">{esc(block.text)}</code></pre>\n'
        return f"{pre}<code>{esc(block.text)}</code></pre>\n"

    def table(self, block: t.Table, nl: str) -> str:
        label = ""
        attrs = block.attrs
        if block.ref >= 0:
            ident, label = self.info.blocks[block.ref]
            attrs = with_attr(attrs, "id", ident)
        opening = '<div class="table-wrap">'
        if self.ctx.mode == "site":
            # a region that may scroll sideways on a phone: reachable and named for keyboards
            name = html.escape(label or "Table")
            opening = f'<div class="table-wrap" tabindex="0" role="region" aria-label="{name}">'
        parts = []
        if block.caption is not None:
            parts.append(self.caption(block.caption, label, t.attr(attrs, "id")))
        for tag, rows in (("thead", block.head), ("tbody", block.body)):
            if rows is not None:
                lf = "\n" if rows else ""
                parts.append(f"<{tag}>{lf}{''.join(self.row(r) for r in rows)}</{tag}>\n")
        lf = "\n" if parts else ""
        return f"{opening}{nl}<table{attrs_html(attrs)}>{lf}{''.join(parts)}</table>\n</div>\n"

    def caption(self, caption: t.Inlines, label: str, ident: str) -> str:
        if ident:
            listed = self.listed(f"{label}: " if label else "", caption)
            self.ctx.captions.append(("table", ident, listed))
        opening = (
            f'<caption><span class="label">{html.escape(label)}:</span> ' if label else "<caption>"
        )
        return f"{opening}{self.text(caption)}</caption>\n"

    def row(self, row: t.Row) -> str:
        lf = "\n" if row.cells else ""
        return f"<tr>{lf}{''.join(self.cell(c) for c in row.cells)}</tr>\n"

    def cell(self, cell: t.Cell) -> str:
        """A table cell; on the site its alignment is a class, since the site's policy
        lets no inline style apply."""
        attrs = cell.attrs
        tag = "th" if cell.header else "td"
        m = _ALIGN.fullmatch(t.attr(attrs, "style"))
        if self.ctx.mode == "site" and m:
            attrs = tuple((k, v) for k, v in attrs if k != "style")
            attrs = with_attr(attrs, "class", f"align-{m.group(1)}")
            # a line break after the tag, whatever follows: the site has always had it
            # (markdown-it laid the changed tag out alone); kept, so pages stay the same
            return f"<{tag}{attrs_html(attrs)}>\n{self.blocks(cell.blocks)}</{tag}>\n"
        return self.container(tag, attrs, cell.blocks, "")

    def figure(self, block: t.Figure) -> str:
        ident, label = self.info.blocks[block.ref]
        image = block.image
        body = self.text(block.children)
        caption = self.text(image.children)
        self.ctx.captions.append(("figure", ident, self.listed(f"{label}: ", image.children)))
        return (
            f'<figure id="{html.escape(ident)}">\n{body}'
            f'<figcaption><span class="label">{html.escape(label)}:</span> {caption}</figcaption>\n'
            "</figure>\n"
        )

    def equation(self, block: t.Equation) -> str:
        ident, label = self.info.blocks[block.ref]
        # the number, as Quarto and pandoc-crossref print it: "(1)" at the right
        number = html.escape(label.rsplit(" ", 1)[-1])
        end = f' <span class="equation-number">({number})</span></p>\n' if number else "</p>\n"
        opening = f'<p class="equation" id="{html.escape(ident, quote=True)}">'
        return opening + self.text(block.children) + end

    def math(self, tex: str, display: bool) -> str:
        return (site_math if self.ctx.mode == "site" else print_math)(tex, display)

    # --- inlines ----------------------------------------------------------------------

    def text(self, children: t.Inlines) -> str:
        """A block's text. In a note style, a note citation's marker goes where pandoc
        puts it (render.placement), in the site and in print alike."""
        if self.ctx.formatted.note_style:
            children, moved = place(children, self.ctx.formatted, self.cluster_id, self.in_note)
            self.moved.update(moved)
        return self.inlines(children)

    def cluster_id(self, ref: int) -> str:
        return self.info.clusters[ref].id

    def inlines(self, inlines: Sequence[t.Inline]) -> str:
        return "".join(self.inline(node) for node in inlines)

    def inline(self, node: t.Inline) -> str:
        if isinstance(node, t.Str):
            return esc(node.text)
        if isinstance(node, t.SoftBreak):
            return "\n"
        if isinstance(node, t.LineBreak):
            return "<br />\n"
        if isinstance(node, t.Emph):
            return f"<em>{self.inlines(node.children)}</em>"
        if isinstance(node, t.Strong):
            return f"<strong>{self.inlines(node.children)}</strong>"
        if isinstance(node, t.Strikeout):
            return f"<s>{self.inlines(node.children)}</s>"
        if isinstance(node, t.Subscript):
            return f"<sub>{self.inlines(node.children)}</sub>"
        if isinstance(node, t.Superscript):
            return f"<sup>{self.inlines(node.children)}</sup>"
        if isinstance(node, t.Span):
            return f"<{node.tag}{attrs_html(node.attrs)}>{self.inlines(node.children)}</{node.tag}>"
        if isinstance(node, t.RawTag):
            return f"<{node.tag}>{self.inlines(node.children)}</{node.tag}>"
        if isinstance(node, t.RawAnchor):
            return f"<span{attrs_html(node.attrs)}></span>"
        if isinstance(node, t.Code):
            return f"<code{attrs_html(node.attrs)}>{esc(node.text)}</code>"
        if isinstance(node, t.Math):
            return self.math(node.tex, node.display)
        if isinstance(node, t.Link):
            return f"<a{attrs_html(self.link_attrs(node.attrs))}>{self.inlines(node.children)}</a>"
        if isinstance(node, t.Image):
            return self.image(node)
        if isinstance(node, t.Cite):
            return self.citation(node)
        if isinstance(node, t.CrossRef):
            return xref(self.ctx, node)
        if isinstance(node, t.ImplicitRef):
            return implicit_ref(self.ctx, node)
        return self.note_ref(node)

    def citation(self, node: t.Cite) -> str:
        moved = self.moved.get(node.ref, "")
        cid = self.cluster_id(node.ref)
        return citation(self.ctx, cid, node.source, moved, self.in_note, self.anchored)

    def link_attrs(self, attrs: t.Attrs) -> t.Attrs:
        href = t.attr(attrs, "href")
        final = link_href(self.ctx, href)
        if final is None:
            # a project file the site does not publish (or, in print, any file: WeasyPrint
            # would turn it into a file: URI): the text stays, the link goes
            return tuple((k, v) for k, v in attrs if k != "href")
        attrs = with_attr(attrs, "href", final) if final != href else attrs
        if re.match(r"https?:", final):
            attrs = with_attr(attrs, "rel", "noopener")
        return attrs

    def image(self, node: t.Image) -> str:
        ctx = self.ctx
        src = t.attr(node.attrs, "src")
        alt = self.alt_text(node.children)
        figure = ctx.figures.get(src)
        if figure is not None:  # drawn by dossier, for this page's links
            if ctx.mode == "print":
                return draw_print(figure, lambda key: f"#ref-{key}")
            return draw_site(figure, lambda key: f"{ctx.ref_page(key)}#ref-{key}")
        href = ctx.images.get(src, "")
        if not href:
            return f'<span class="missing-image">[{html.escape(alt)}]</span>'
        extra = "".join(f' {k}="{html.escape(v)}"' for k, v in image_size(node.attrs, ctx.mode))
        return f'<img src="{html.escape(href)}" alt="{html.escape(alt)}"{extra}>'

    def alt_text(self, children: Sequence[t.Inline]) -> str:
        """The caption as plain text, citations as they print (without rendering them:
        a note-style citation rendered here would be numbered twice)."""
        parts = []
        for node in children:
            if isinstance(node, t.Cite):
                formatted = self.ctx.formatted.citations.get(self.cluster_id(node.ref))
                text = formatted.html if formatted else node.source
                parts.append(html.unescape(re.sub(r"<[^>]*>", "", text)))
            elif isinstance(node, (t.SoftBreak, t.LineBreak)):
                parts.append(" ")
            elif isinstance(node, (t.Str, t.Code)):
                parts.append(node.text)
            elif isinstance(node, t.WRAPPERS):
                parts.append(self.alt_text(node.children))
        return "".join(parts)

    def listed(self, label: str, children: Sequence[t.Inline]) -> str:
        """A caption as a list of figures or tables shows it: its label, then its text."""
        return " ".join((label + self.alt_text(children)).split())

    def note_ref(self, node: t.NoteRef) -> str:
        n = str(node.note + 1)
        if self.ctx.mode == "print":
            first, again = self.print_notes.get(node.note, ("", ""))
            return f'<span class="footnote">{again if node.sub > 0 else first}</span>'
        ref = n + (f":{node.sub}" if node.sub > 0 else "")
        # in a note style, its place in the page's one sequence of notes
        shown = self.ctx.note_number(f"fn:{n}") if self.ctx.formatted.note_style else n
        return (
            f'<a href="#fn{n}" class="footnote-ref" id="fnref{ref}" role="doc-noteref">'
            f"<sup>{shown}</sup></a>"
        )


def render_chapter(doc: t.Doc, info: ChapterInfo, ctx: RenderContext) -> str:
    """A chapter's body for the page or print document `ctx` is for."""
    from .notelist import footnote_list, note_sequence, print_notes  # which imports this

    writer = Writer(ctx, info)
    if ctx.mode == "print":
        writer.print_notes = print_notes(writer, doc.notes)
        return writer.blocks(doc.blocks)
    if ctx.formatted.note_style:
        return note_sequence(writer, doc)
    return writer.blocks(doc.blocks) + footnote_list(writer, doc.notes)
