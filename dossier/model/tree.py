"""A chapter as a tree: frozen nodes shaped like Pandoc's AST, made once by the reader
(read.tree) and walked by every later stage; no stage writes into them.

Where this differs from Pandoc's AST it is on purpose:
- attributes are kept as written, in order (`Attrs`), since a writer prints them so;
- nodes that resolving numbers or links carry a `ref`, their place among the chapter's
  headings, numbered blocks or citations, in document order: the resolver's facts are
  looked up by it (resolve.collect.ChapterInfo), never written into the node;
- blocks carry their source line, and citations, cross-references, `#` links and images
  their line and column: diagnostics point there;
- footnotes are the document's `notes`, referenced by `NoteRef`, as Markdown writes them
  (Pandoc inlines them as `Note`), so that the site can list them and print can place them;
- text a writer leaves out (comments, raw blocks of other formats, metadata blocks) is a
  `RawBlock`, since where it stood changes how the next block is laid out.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Union

from . import CiteItem

Attrs = tuple[tuple[str, str], ...]  # HTML attributes as written, in order


def attr(attrs: Attrs, name: str, default: str = "") -> str:
    for key, value in attrs:
        if key == name:
            return value
    return default


# --- inlines ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Str:
    text: str


@dataclass(frozen=True, slots=True)
class SoftBreak:
    pass


@dataclass(frozen=True, slots=True)
class LineBreak:
    pass


@dataclass(frozen=True, slots=True)
class Emph:
    children: Inlines


@dataclass(frozen=True, slots=True)
class Strong:
    children: Inlines


@dataclass(frozen=True, slots=True)
class Strikeout:
    children: Inlines


@dataclass(frozen=True, slots=True)
class Subscript:
    children: Inlines


@dataclass(frozen=True, slots=True)
class Superscript:
    children: Inlines


@dataclass(frozen=True, slots=True)
class Span:
    """`[text]{#id .class lang=fa}`; `tag` is how it prints (span, mark, u)."""

    tag: str
    attrs: Attrs
    children: Inlines


@dataclass(frozen=True, slots=True)
class RawTag:
    """A raw HTML element dossier keeps (`<u>`, `<sub>`...), balanced by the reader."""

    tag: str
    children: Inlines


@dataclass(frozen=True, slots=True)
class RawAnchor:
    """`<a name="x">` or `<a id="x">`: a link target, kept as an empty span."""

    attrs: Attrs


@dataclass(frozen=True, slots=True)
class Code:
    text: str
    attrs: Attrs = ()


@dataclass(frozen=True, slots=True)
class Math:
    tex: str
    display: bool


@dataclass(frozen=True, slots=True)
class Link:
    attrs: Attrs
    children: Inlines
    line: int = 0  # for a link to `#id`: where it stands
    col: int = 0


@dataclass(frozen=True, slots=True)
class Image:
    attrs: Attrs  # src, alt, width...
    children: Inlines  # its description (a figure's caption)
    line: int = 0


@dataclass(frozen=True, slots=True)
class Cite:
    """A citation cluster as written: `[see @a, p. 2; @b]` or `@a [p. 7]`."""

    ref: int
    source: str
    items: tuple[CiteItem, ...]
    narrative: bool
    line: int
    col: int
    note_context: str = ""  # inside a footnote: markdown.citations.note_context


@dataclass(frozen=True, slots=True)
class XrefItem:
    key: str
    prefix: str = ""
    suffix: str = ""


@dataclass(frozen=True, slots=True)
class CrossRef:
    """`@fig-map`, `[see @sec-a; @tbl-b]`: numbered when written."""

    items: tuple[XrefItem, ...]
    source: str
    line: int
    col: int


@dataclass(frozen=True, slots=True)
class ImplicitRef:
    """`[Heading text]`: a link to the heading with that text, if there is one."""

    text: str
    source: str


@dataclass(frozen=True, slots=True)
class NoteRef:
    """A reference to footnote `note` (Note.id); `sub` counts earlier references to
    the same note."""

    note: int
    sub: int = 0


Inline = Union[  # noqa: UP007 - a runtime alias, read by the codec
    Str,
    SoftBreak,
    LineBreak,
    Emph,
    Strong,
    Strikeout,
    Subscript,
    Superscript,
    Span,
    RawTag,
    RawAnchor,
    Code,
    Math,
    Link,
    Image,
    Cite,
    CrossRef,
    ImplicitRef,
    NoteRef,
]
Inlines = tuple[Inline, ...]

# the inlines that hold inlines
WRAPPERS = (Emph, Strong, Strikeout, Subscript, Superscript, Span, RawTag, Link, Image)


# --- blocks ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Para:
    children: Inlines
    line: int = 0


@dataclass(frozen=True, slots=True)
class Plain:
    """Text without a paragraph around it: a tight list's item, a table cell."""

    children: Inlines
    line: int = 0


@dataclass(frozen=True, slots=True)
class Heading:
    level: int
    attrs: Attrs  # as written; the id and number come from the resolver (ref)
    children: Inlines
    ref: int
    line: int = 0


@dataclass(frozen=True, slots=True)
class BlockQuote:
    blocks: Blocks
    line: int = 0


@dataclass(frozen=True, slots=True)
class ListItem:
    blocks: Blocks


@dataclass(frozen=True, slots=True)
class BulletList:
    items: tuple[ListItem, ...]
    line: int = 0


@dataclass(frozen=True, slots=True)
class OrderedList:
    attrs: Attrs  # start, type, class as Pandoc writes them
    items: tuple[ListItem, ...]
    line: int = 0


@dataclass(frozen=True, slots=True)
class Term:
    children: Inlines


@dataclass(frozen=True, slots=True)
class Definition:
    blocks: Blocks


@dataclass(frozen=True, slots=True)
class DefinitionList:
    items: tuple[Term | Definition, ...]  # in the order written
    line: int = 0


@dataclass(frozen=True, slots=True)
class CodeBlock:
    text: str
    info: str = ""  # a fenced block's info string
    fenced: bool = True
    line: int = 0


@dataclass(frozen=True, slots=True)
class HorizontalRule:
    line: int = 0


@dataclass(frozen=True, slots=True)
class Cell:
    header: bool
    attrs: Attrs  # style="text-align:...", colspan, rowspan
    blocks: Blocks


@dataclass(frozen=True, slots=True)
class Row:
    cells: tuple[Cell, ...]


@dataclass(frozen=True, slots=True)
class Table:
    attrs: Attrs
    caption: Inlines | None  # None: no caption line at all
    head: tuple[Row, ...] | None  # None: no <thead>
    body: tuple[Row, ...] | None  # None: no <tbody>
    ref: int  # among the numbered blocks; -1 when it has no caption
    line: int = 0


@dataclass(frozen=True, slots=True)
class Figure:
    """An image alone in its paragraph, with a caption: numbered."""

    attrs: Attrs
    children: Inlines  # the image (and what stands beside it)
    ref: int
    line: int = 0

    @property
    def image(self) -> Image:
        return next(c for c in self.children if isinstance(c, Image))


@dataclass(frozen=True, slots=True)
class Equation:
    """`$$...$$ {#eq-x}`: a display formula with a number."""

    attrs: Attrs
    children: Inlines
    ref: int
    line: int = 0


@dataclass(frozen=True, slots=True)
class MathBlock:
    tex: str
    line: int = 0


@dataclass(frozen=True, slots=True)
class Div:
    attrs: Attrs
    blocks: Blocks
    line: int = 0


@dataclass(frozen=True, slots=True)
class LineBlock:
    attrs: Attrs
    children: Inlines
    line: int = 0


@dataclass(frozen=True, slots=True)
class RawBlock:
    """Text no writer prints: a comment, a raw block for another format, metadata."""

    format: str
    text: str = ""
    line: int = 0


@dataclass(frozen=True, slots=True)
class TitleBlock:
    """Pandoc's title block under the chapter's title: from its metadata, as text."""

    subtitle: str | None
    authors: tuple[str, ...]
    date: str | None
    abstract: str | None


Block = Union[  # noqa: UP007 - a runtime alias, read by the codec
    Para,
    Plain,
    Heading,
    BlockQuote,
    BulletList,
    OrderedList,
    DefinitionList,
    CodeBlock,
    HorizontalRule,
    Table,
    Figure,
    Equation,
    MathBlock,
    Div,
    LineBlock,
    RawBlock,
    TitleBlock,
]
Blocks = tuple[Block, ...]


@dataclass(frozen=True, slots=True)
class Note:
    """A footnote's text; `id` is markdown-it's (NoteRef.note), `refs` is how often the
    text refers to it."""

    id: int
    label: str | None  # `[^label]`; None for an inline note `^[...]`
    blocks: Blocks
    refs: int = 1


@dataclass(frozen=True, slots=True)
class Doc:
    path: str
    blocks: Blocks
    notes: tuple[Note, ...] = ()


def walk(doc: Doc) -> Iterator[Block | Inline | Note]:
    """Every node of the chapter in document order, parents before their children: the
    text, then the footnotes (the order refs count in)."""
    stack: list[object] = [*reversed(doc.notes), *reversed(doc.blocks)]
    while stack:
        node = stack.pop()
        if isinstance(node, (ListItem, Term, Definition, Row, Cell)):
            pass
        else:
            yield node  # type: ignore[misc]  # every other node is a block, inline or note
        stack.extend(reversed(_children(node)))


def _children(node: object) -> list[object]:
    """A node's children in document order (a table's caption before its rows)."""
    if isinstance(node, Table):
        rows = [*(node.head or ()), *(node.body or ())]
        return [*(node.caption or ()), *rows]
    if isinstance(node, (BulletList, OrderedList)):
        return list(node.items)
    if isinstance(node, DefinitionList):
        return list(node.items)
    if isinstance(node, Row):
        return list(node.cells)
    out: list[object] = []
    for name in ("blocks", "children"):
        value = getattr(node, name, None)
        if isinstance(value, tuple):
            out.extend(value)
    return out
