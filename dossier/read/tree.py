"""markdown-it's tokens -> the chapter's tree (model.tree), once, here: no stage after
the reader sees a token.

Headings, numbered blocks (figures, captioned tables, labelled equations) and citations
get their `ref` in document order (the text, then the footnotes), the order scan lists
them in, so that the resolver's n-th heading is the tree's heading n by construction."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from urllib.parse import unquote

from markdown_it.token import Token

from ..markdown import ParsedChapter
from ..markdown.walk import image_line, link_at, numbered_block, token_at
from ..model import CiteItem
from ..model import tree as t

_CLOSE_OF = {
    "blockquote_open": "blockquote_close",
    "bullet_list_open": "bullet_list_close",
    "ordered_list_open": "ordered_list_close",
    "list_item_open": "list_item_close",
    "dl_open": "dl_close",
    "dd_open": "dd_close",
    "div_open": "div_close",
    "table_open": "table_close",
    "thead_open": "thead_close",
    "tbody_open": "tbody_close",
    "tr_open": "tr_close",
    "th_open": "th_close",
    "td_open": "td_close",
    "footnote_open": "footnote_close",
}
_INLINE_WRAPPERS: dict[str, Callable[[t.Inlines], t.Inline]] = {
    "em_open": t.Emph,
    "strong_open": t.Strong,
    "s_open": t.Strikeout,
    "sub_open": t.Subscript,
    "sup_open": t.Superscript,
}
_HIDDEN_BLOCKS = {"comment": "comment", "metadata_block": "yaml", "front_matter": "yaml"}


class UnknownToken(ValueError):
    """A token the tree has no node for: a parser extension without a reader."""


def _attrs(tok: Token) -> t.Attrs:
    return tuple((str(k), str(v)) for k, v in tok.attrs.items())


@dataclass(slots=True)
class _Reader:
    chapter: ParsedChapter
    headings: int = 0
    numbered: int = 0
    cites: int = 0
    line: int = 0  # the line of the block being read (inline tokens carry none)
    refs: dict[int, int] = field(default_factory=dict)  # footnote id -> its anchors

    # --- blocks ---------------------------------------------------------------------

    def blocks(self, tokens: Sequence[Token], start: int, end: int) -> t.Blocks:
        out: list[t.Block] = []
        i = start
        while i < end:
            block, i = self.block(tokens, i, end)
            if block is not None:
                out.append(block)
        return tuple(out)

    def _close(self, tokens: Sequence[Token], i: int, end: int) -> int:
        """The index of the token closing tokens[i]."""
        opening, depth = tokens[i], 0
        closing = _CLOSE_OF.get(opening.type, opening.type.replace("_open", "_close"))
        for j in range(i, end):
            if tokens[j].type == opening.type and tokens[j].level == opening.level:
                depth += 1
            elif tokens[j].type == closing and tokens[j].level == opening.level:
                depth -= 1
                if depth == 0:
                    return j
        raise UnknownToken(f"{opening.type} is never closed")

    def _inlines_at(self, tokens: Sequence[Token], i: int) -> t.Inlines:
        tok = tokens[i] if i < len(tokens) else None
        if tok is None or tok.type != "inline":
            return ()
        if tok.map:
            self.line = tok.map[0] + 1
        return self.inlines(tok.children or ())

    def block(self, tokens: Sequence[Token], i: int, end: int) -> tuple[t.Block | None, int]:
        tok = tokens[i]
        kind = tok.type
        line = tok.map[0] + 1 if tok.map else 0
        if line:
            self.line = line
        if kind == "paragraph_open":
            close = self._close(tokens, i, end)
            children = self._inlines_at(tokens, i + 1)
            for j in range(i + 2, close):  # a footnote's last paragraph holds its anchors
                self.block(tokens, j, close)
            if tok.hidden:
                return t.Plain(children, line), close + 1
            return t.Para(children, line), close + 1
        if kind == "inline":  # bare text in a cell, a term, a caption
            return t.Plain(self._inlines_at(tokens, i), line), i + 1
        if kind == "heading_open":
            ref, self.headings = self.headings, self.headings + 1
            children = self._inlines_at(tokens, i + 1)
            close = self._close(tokens, i, end)
            return t.Heading(int(tok.tag[1]), _attrs(tok), children, ref, line), close + 1
        if kind == "blockquote_open":
            close = self._close(tokens, i, end)
            return t.BlockQuote(self.blocks(tokens, i + 1, close), line), close + 1
        if kind in ("bullet_list_open", "ordered_list_open"):
            close = self._close(tokens, i, end)
            items = tuple(
                t.ListItem(self.blocks(tokens, a + 1, b))
                for a, b in self._children(tokens, i + 1, close)
            )
            if kind == "bullet_list_open":
                return t.BulletList(items, line), close + 1
            return t.OrderedList(_attrs(tok), items, line), close + 1
        if kind == "dl_open":
            close = self._close(tokens, i, end)
            parts: list[t.Term | t.Definition] = []
            for a, b in self._children(tokens, i + 1, close):
                if tokens[a].type == "dt_open":
                    parts.append(t.Term(self._inlines_at(tokens, a + 1)))
                else:
                    parts.append(t.Definition(self.blocks(tokens, a + 1, b)))
            return t.DefinitionList(tuple(parts), line), close + 1
        if kind in ("fence", "code_block"):
            return t.CodeBlock(tok.content, tok.info, kind == "fence", line), i + 1
        if kind == "hr":
            return t.HorizontalRule(line), i + 1
        if kind == "table_open":
            return self.table(tokens, i, end)
        if numbered_block(tok) in ("fig", "eq"):
            ref, self.numbered = self.numbered, self.numbered + 1
            close = self._close(tokens, i, end)
            children = self._inlines_at(tokens, i + 1)
            make = t.Figure if kind == "figure_open" else t.Equation
            return make(_attrs(tok), children, ref, line), close + 1
        if kind == "math_block":
            return t.MathBlock(tok.content, line), i + 1
        if kind == "div_open":
            close = self._close(tokens, i, end)
            return t.Div(_attrs(tok), self.blocks(tokens, i + 1, close), line), close + 1
        if kind == "line_block_open":
            close = self._close(tokens, i, end)
            return t.LineBlock(_attrs(tok), self._inlines_at(tokens, i + 1), line), close + 1
        if kind == "raw_block":
            return t.RawBlock(str(tok.meta.get("format", "")), tok.content, line), i + 1
        if kind in _HIDDEN_BLOCKS:
            return t.RawBlock(_HIDDEN_BLOCKS[kind], tok.content, line), i + 1
        if kind == "title_block":
            meta = tok.meta
            return t.TitleBlock(
                meta.get("subtitle"),
                tuple(meta.get("authors", ())),
                meta.get("date"),
                meta.get("abstract"),
            ), i + 1
        if kind == "footnote_anchor":  # the writers place these (model.tree.Note)
            note = int(tok.meta["id"])
            self.refs[note] = self.refs.get(note, 0) + 1
            return None, i + 1
        raise UnknownToken(f"no tree node for the token '{kind}'")

    def _children(self, tokens: Sequence[Token], start: int, end: int) -> list[tuple[int, int]]:
        """(open, close) of each child block between start and end."""
        out, i = [], start
        while i < end:
            close = self._close(tokens, i, end)
            out.append((i, close))
            i = close + 1
        return out

    def table(self, tokens: Sequence[Token], i: int, end: int) -> tuple[t.Block, int]:
        tok = tokens[i]
        line = tok.map[0] + 1 if tok.map else 0
        ref = -1
        if numbered_block(tok) == "tbl":
            ref, self.numbered = self.numbered, self.numbered + 1
        close = self._close(tokens, i, end)
        caption: t.Inlines | None = None
        head: tuple[t.Row, ...] | None = None
        body: tuple[t.Row, ...] | None = None
        j = i + 1
        order: list[str] = []
        while j < close:
            part = tokens[j]
            if part.type == "caption_open":
                caption = self._inlines_at(tokens, j + 1)
                j = self._close(tokens, j, close) + 1
            else:
                part_close = self._close(tokens, j, close)
                rows = tuple(
                    self.row(tokens, a, b) for a, b in self._children(tokens, j + 1, part_close)
                )
                if part.type == "thead_open":
                    head = rows
                else:
                    body = rows
                j = part_close + 1
            order.append(part.type)
        if order[:1] != ["caption_open"] and "caption_open" in order:
            raise UnknownToken("a table caption after its rows")
        return t.Table(_attrs(tok), caption, head, body, ref, line), close + 1

    def row(self, tokens: Sequence[Token], start: int, end: int) -> t.Row:
        return t.Row(
            tuple(
                t.Cell(
                    tokens[a].type == "th_open", _attrs(tokens[a]), self.blocks(tokens, a + 1, b)
                )
                for a, b in self._children(tokens, start + 1, end)
            )
        )

    # --- inlines --------------------------------------------------------------------

    def inlines(self, tokens: Sequence[Token]) -> t.Inlines:
        stack: list[tuple[Token, list[t.Inline]]] = []
        out: list[t.Inline] = []
        for tok in tokens:
            kind = tok.type
            if tok.nesting == 1:
                stack.append((tok, out))
                out = []
                continue
            if tok.nesting == -1:
                opening, parent = stack.pop()
                parent.append(self.wrap(opening, tuple(out)))
                out = parent
                continue
            out.append(self.leaf(tok, kind))
        if stack:
            raise UnknownToken(f"'{stack[-1][0].type}' is never closed")
        return tuple(out)

    def wrap(self, opening: Token, children: t.Inlines) -> t.Inline:
        kind = opening.type
        if kind in _INLINE_WRAPPERS:
            return _INLINE_WRAPPERS[kind](children)
        if kind in ("span_open", "link_refused_open"):  # a refused link is its text
            return t.Span(opening.tag, _attrs(opening), children)
        if kind == "raw_tag_open":
            return t.RawTag(opening.tag, children)
        if kind == "link_open":
            href = str(opening.attrs.get("href", ""))
            if href.startswith("#"):
                where = link_at(self.chapter.lines, self.line, unquote(href[1:]))
                return t.Link(_attrs(opening), children, *where)
            return t.Link(_attrs(opening), children)
        raise UnknownToken(f"no tree node for the token '{kind}'")

    def leaf(self, tok: Token, kind: str) -> t.Inline:
        if kind == "text":
            return t.Str(tok.content)
        if kind == "softbreak":
            return t.SoftBreak()
        if kind == "hardbreak":
            return t.LineBreak()
        if kind == "code_inline":
            return t.Code(tok.content, _attrs(tok))
        if kind in ("math_inline", "math_inline_double"):
            return t.Math(tok.content, kind == "math_inline_double")
        if kind == "raw_anchor":
            return t.RawAnchor(_attrs(tok))
        if kind == "footnote_ref":
            sub = tok.meta.get("subId", 0)
            return t.NoteRef(int(tok.meta["id"]), sub if isinstance(sub, int) else 0)
        if kind == "implicit_ref":
            return t.ImplicitRef(tok.content, str(tok.meta["source"]))
        if kind == "image":
            src = str(tok.attrs.get("src", ""))
            line = image_line(self.chapter.lines, src)
            return t.Image(_attrs(tok), self.inlines(tok.children or ()), line)
        if kind == "citation":
            ref, self.cites = self.cites, self.cites + 1
            line, col = token_at(self.chapter.lines, tok)
            return t.Cite(
                ref,
                tok.content,
                tuple(
                    CiteItem(it["key"], it["suppress_author"], it["suffix"])
                    for it in tok.meta["items"]
                ),
                bool(tok.meta["narrative"]),
                line,
                col,
                str(tok.meta.get("note_context", "")),
            )
        if kind == "xref":
            line, col = token_at(self.chapter.lines, tok)
            return t.CrossRef(
                tuple(
                    t.XrefItem(str(it["key"]), str(it["prefix"]), str(it["suffix"]))
                    for it in tok.meta["items"]
                ),
                tok.content,
                line,
                col,
            )
        raise UnknownToken(f"no tree node for the token '{kind}'")


def read_tree(chapter: ParsedChapter) -> t.Doc:
    """The chapter's tree; UnknownToken if the parser made a token it has no node for."""
    reader = _Reader(chapter)
    tokens = chapter.tokens
    start = next((i for i, tok in enumerate(tokens) if tok.type == "footnote_block_open"), None)
    body = reader.blocks(tokens, 0, len(tokens) if start is None else start)
    notes: list[t.Note] = []
    if start is not None:
        close = next(
            i for i in range(start, len(tokens)) if tokens[i].type == "footnote_block_close"
        )
        for a, b in reader._children(tokens, start + 1, close):
            opening = tokens[a]
            note_id = int(opening.meta["id"])
            label = opening.meta.get("label")
            blocks = reader.blocks(tokens, a + 1, b)
            notes.append(
                t.Note(
                    note_id,
                    None if label is None else str(label),
                    blocks,
                    reader.refs.get(note_id, 0),
                )
            )
    return t.Doc(chapter.path, body, tuple(notes))
