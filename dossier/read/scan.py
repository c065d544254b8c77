"""What the rest of the build needs from one chapter, read from its tokens once.

A scan lists the chapter's headings, figures, captioned tables and citations in
document order, its cross-references, quotations and images, each with its place in
the source, and the chapter's own diagnostics. It depends on nothing but the chapter's
text, and it is plain data: the build cache keeps it beside the chapter's tree
(read.tree), so an unchanged chapter is not parsed again. The scan and the tree are
made from one reading of the tokens, in the same document order: the n-th heading,
numbered block and citation of the scan are the tree's nodes with `ref` n."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from urllib.parse import unquote

from markdown_it import MarkdownIt
from markdown_it.token import Token

from ..diagnostics import Diagnostic, Location, error
from ..markdown import ParsedChapter, parse_chapter
from ..markdown.chaptermeta import as_json
from ..markdown.divs import MAX_NESTING
from ..markdown.ids import EMPTY, pandoc_id, plain_text
from ..markdown.walk import image_line, link_at, numbered_block, token_at, walk
from ..model import JSON, RESET_POSITIONS, CiteItem
from ..model.codec import decode_doc, encode_doc
from ..model.tree import Doc
from .quotes import QuoteMark, scan_quotes
from .record import ChapterRecord
from .tree import read_tree


@dataclass(frozen=True, slots=True)
class HeadingMark:
    level: int
    text: str
    given: str  # an {#id} written in the chapter
    numbered: bool
    line: int
    index: int  # its place in the walk
    auto: str  # the identifier Pandoc would give it (markdown.ids)


@dataclass(frozen=True, slots=True)
class BlockMark:
    """A figure, or a table with a caption."""

    kind: str  # "fig" | "tbl"
    given: str
    line: int


@dataclass(frozen=True, slots=True)
class CiteMark:
    source: str
    items: tuple[CiteItem, ...]
    narrative: bool
    location: Location
    in_note: bool
    note_context: str = ""  # inside a footnote: markdown.citations.note_context
    note: int = -1  # inside a footnote: the footnote's id (markdown-it's)


@dataclass(frozen=True, slots=True)
class XrefMark:
    keys: tuple[str, ...]
    location: Location
    link: bool = False  # a link `[text](#id)` rather than `@sec-x`


@dataclass(frozen=True, slots=True)
class AnchorMark:
    """An identifier given to a fenced div or a bracketed span: a link target."""

    ident: str
    line: int


@dataclass(frozen=True, slots=True)
class ImageMark:
    src: str
    line: int


Mark = HeadingMark | BlockMark | CiteMark | AnchorMark


@dataclass(frozen=True, slots=True)
class ChapterScan:
    path: str
    title: str  # from the front matter; collect falls back to the first heading
    marks: tuple[Mark, ...]
    xrefs: tuple[XrefMark, ...] = ()
    quotes: tuple[QuoteMark, ...] = ()
    images: tuple[ImageMark, ...] = ()
    empty: bool = False
    diagnostics: tuple[Diagnostic, ...] = ()
    # each footnote reference in the text, in order: (the footnote's id, how many
    # citations outside footnotes come before it), for numbering notes as pandoc does;
    # a heading of class RESET_POSITIONS as (-its level, ...)
    footnotes: tuple[tuple[int, int], ...] = ()
    meta: str = "{}"  # the chapter's metadata as JSON (markdown.chaptermeta)


@dataclass(frozen=True, slots=True)
class Chapter:
    """A chapter in the pipeline: its text, its scan and its tree. A chapter unchanged
    since the last build has its tree as the cache kept it (`kept`, JSON), decoded only
    if its page must be rendered again."""

    path: str
    text: str
    lines: tuple[str, ...]
    scan: ChapterScan
    sha: str  # SHA-256 of the text: what a page made from it is fingerprinted by
    tree: Doc | None = field(default=None, compare=False, repr=False)
    kept: str = field(default="", compare=False, repr=False)  # the cached tree, JSON

    def document(self) -> Doc:
        """The chapter's tree: this build's, or the last build's as kept in the cache
        (read again from the text if that record is damaged)."""
        if self.tree is not None:
            return self.tree
        try:
            return decode_doc(json.loads(self.kept))
        except (ValueError, RecursionError):
            return read_tree(parse_chapter(parser(), self.text, self.path))


@cache  # one parser, made only if a chapter has changed since the last build
def parser() -> MarkdownIt:
    from ..markdown import make_parser

    return make_parser()


def read_chapter(
    text: str, path: str, kept: ChapterRecord | None = None
) -> tuple[Chapter, ChapterRecord]:
    """The chapter and what the cache keeps of it. The scan and tree of `kept`, the last
    build's record, are taken when the text is unchanged."""
    sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
    lines = tuple(text.split("\n"))
    record = kept if isinstance(kept, ChapterRecord) else None
    if record is not None and record.sha == sha:
        try:
            scan = from_json(json.loads(record.scan), path)
        except ValueError:
            scan = None
        if scan is not None:
            return Chapter(path, text, lines, scan, sha, kept=record.tree), record
    parsed = parse_chapter(parser(), text, path)
    scan = scan_chapter(parsed)
    doc = read_tree(parsed)
    scan_text = json.dumps(to_json(scan), ensure_ascii=False, separators=(",", ":"))
    tree_text = json.dumps(encode_doc(doc), ensure_ascii=False, separators=(",", ":"))
    return Chapter(path, text, lines, scan, sha, doc), ChapterRecord.made(sha, scan_text, tree_text)


def scan_chapter(chapter: ParsedChapter) -> ChapterScan:
    tokens = chapter.tokens
    index = {id(t): j for j, t in enumerate(tokens)}
    marks: list[Mark] = []
    xrefs: list[XrefMark] = []
    images: list[ImageMark] = []
    cites: dict[int, int] = {}  # id of a citation token -> its position in the chapter
    one_paragraph = False  # the footnote being walked is a single paragraph
    note = -1  # the footnote being walked
    in_text = 0  # citations outside footnotes so far
    footnotes: list[tuple[int, int]] = []
    top = 6  # the lowest heading level so far
    block_line = 0  # the line of the block the inline tokens stand in
    for i, (tok, in_note) in enumerate(walk(tokens)):
        line = (tok.map[0] + 1) if tok.map else 0
        block_line = line or block_line
        if tok.type == "footnote_open":
            one_paragraph = _one_paragraph(tokens, index.get(id(tok), -1))
            note = int((tok.meta or {}).get("id", -1))
        elif tok.type == "footnote_ref" and not in_note:
            footnotes.append((int((tok.meta or {}).get("id", -1)), in_text))
        elif tok.type == "citation" and not in_note:
            in_text += 1
        if tok.type == "heading_open":
            j = index.get(id(tok), -1) + 1
            inline = tokens[j] if 0 < j < len(tokens) and tokens[j].type == "inline" else None
            classes = str(tok.attrs.get("class", "")).split()
            level = int(tok.tag[1])
            if RESET_POSITIONS in classes and level <= top and not in_note:
                # pandoc 3.9 starts positions again at such a heading, if its section is
                # not inside another's (collect checks the chapters before)
                footnotes.append((-level, in_text))
            top = min(top, level)
            marks.append(
                HeadingMark(
                    int(tok.tag[1]),
                    # what a reader sees (contents, <title>, labels): no Markdown marks
                    " ".join(plain_text(inline.children or []).split()) if inline else "",
                    str(tok.attrs.get("id") or ""),
                    "unnumbered" not in classes,
                    line,
                    i,
                    pandoc_id(plain_text(inline.children or [])) if inline else EMPTY,
                )
            )
        elif kind := numbered_block(tok):
            marks.append(BlockMark(kind, str(tok.attrs.get("id") or ""), line))
        elif tok.type == "citation":
            cites[id(tok)] = len(cites)  # for the quotations below
            marks.append(
                CiteMark(
                    tok.content,
                    tuple(
                        CiteItem(it["key"], it["suppress_author"], it["suffix"])
                        for it in tok.meta["items"]
                    ),
                    tok.meta["narrative"],
                    _where(chapter, tok),
                    in_note,
                    _note_context(str(tok.meta.get("note_context", "")), one_paragraph)
                    if in_note
                    else "",
                    note if in_note else -1,
                )
            )
        elif tok.type == "link_open" and str(tok.attrs.get("href", "")).startswith("#"):
            frag = unquote(str(tok.attrs["href"])[1:])
            xrefs.append(XrefMark((frag,), _link_where(chapter, block_line, frag), link=True))
        elif tok.type in ("div_open", "span_open", "raw_anchor") and tok.attrs.get("id"):
            marks.append(AnchorMark(str(tok.attrs["id"]), block_line or line))
        elif tok.type == "xref":
            xrefs.append(
                XrefMark(tuple(it["key"] for it in tok.meta["items"]), _where(chapter, tok))
            )
        elif tok.type == "image":
            src = str(tok.attrs.get("src", ""))
            images.append(
                ImageMark(
                    src,
                    image_line(chapter.lines, src),
                )
            )
    deepest = next((t for t in tokens if t.level >= MAX_NESTING - 1), None)
    diagnostics = chapter.diagnostics
    if deepest is not None:
        diagnostics += (
            error(
                "md.too-deep",
                f"blocks nested more than {MAX_NESTING - 2} "
                "levels deep (block quotes, lists, fenced divs); what lies "
                "deeper is not shown",
                Location(chapter.path, deepest.map[0] + 1 if deepest.map else 0),
                "flatten the nesting",
            ),
        )
    return ChapterScan(
        chapter.path,
        str(chapter.front_matter.get("title", "")),
        tuple(marks),
        tuple(xrefs),
        tuple(scan_quotes(chapter, cites)),
        tuple(images),
        not any(line.strip() for line in chapter.lines),
        diagnostics,
        tuple(footnotes),
        as_json(chapter.front_matter),
    )


def _link_where(chapter: ParsedChapter, line: int, frag: str) -> Location:
    return Location(chapter.path, *link_at(chapter.lines, line, frag))


def _where(chapter: ParsedChapter, tok: Token) -> Location:
    return Location(chapter.path, *token_at(chapter.lines, tok))


# JSON: compact rows, since a large dossier has tens of thousands of marks.


def _one_paragraph(tokens: Sequence[Token], start: int) -> bool:
    """Whether the footnote opened at tokens[start] holds one paragraph and nothing else
    (pandoc prints a citation that opens such a note as the note itself)."""
    if start < 0:
        return False
    level, blocks = tokens[start].level, 0
    for k in range(start + 1, len(tokens)):  # not a slice: a chapter may hold many notes
        tok = tokens[k]
        if tok.type == "footnote_close" and tok.level == level:
            break
        if tok.nesting == 1 and tok.level == level + 1:
            blocks += 1
            if tok.type != "paragraph_open" or blocks > 1:
                return False
    return blocks == 1


def _note_context(context: str, one_paragraph: bool) -> str:
    return context if one_paragraph else context.replace("first", "")


def to_json(scan: ChapterScan) -> dict[str, object]:
    from ..diagnostics import encode_diagnostics

    def mark(m: Mark) -> list[JSON]:
        if isinstance(m, HeadingMark):
            return ["h", m.level, m.text, m.given, m.numbered, m.line, m.index, m.auto]
        if isinstance(m, BlockMark):
            return ["b", m.kind, m.given, m.line]
        if isinstance(m, AnchorMark):
            return ["a", m.ident, m.line]
        return [
            "c",
            m.source,
            [[i.key, i.suppress_author, i.locator] for i in m.items],
            m.narrative,
            m.location.line,
            m.location.col,
            m.in_note,
            m.note_context,
            m.note,
        ]

    return {
        "title": scan.title,
        "marks": [mark(m) for m in scan.marks],
        "xrefs": [[list(x.keys), x.location.line, x.location.col, x.link] for x in scan.xrefs],
        "quotes": [[q.cite, q.text, q.location.line, q.location.col, q.block] for q in scan.quotes],
        "images": [[i.src, i.line] for i in scan.images],
        "empty": scan.empty,
        "diagnostics": encode_diagnostics(scan.diagnostics),
        "footnotes": [list(f) for f in scan.footnotes],
        "meta": scan.meta,
    }


def from_json(data: object, path: str) -> ChapterScan | None:
    """The scan kept by the last build; None when the record is not one."""
    from ..diagnostics import decode_diagnostics

    if not isinstance(data, dict):
        return None

    def mark(row: object) -> Mark:
        if not isinstance(row, list):
            raise ValueError("not a mark")
        if row[0] == "h":
            if row[1] not in range(1, 7):
                raise ValueError(row[1])
            return HeadingMark(
                int(row[1]),
                str(row[2]),
                str(row[3]),
                bool(row[4]),
                int(row[5]),
                int(row[6]),
                str(row[7]),
            )
        if row[0] == "b":
            if row[1] not in ("fig", "tbl", "eq"):
                raise ValueError(row[1])
            return BlockMark(str(row[1]), str(row[2]), int(row[3]))
        if row[0] == "a":
            return AnchorMark(str(row[1]), int(row[2]))
        if row[0] != "c":
            raise ValueError(row[0])
        return CiteMark(
            str(row[1]),
            tuple(CiteItem(str(k), bool(s), str(loc)) for k, s, loc in row[2]),
            bool(row[3]),
            Location(path, int(row[4]), int(row[5])),
            bool(row[6]),
            str(row[7]) if len(row) > 7 else "",
            int(row[8]) if len(row) > 8 else -1,
        )

    try:
        diags = decode_diagnostics(data["diagnostics"])
        if diags is None:
            return None
        return ChapterScan(
            path,
            str(data["title"]),
            tuple(mark(m) for m in data["marks"]),
            tuple(
                XrefMark(
                    tuple(str(k) for k in keys), Location(path, int(line), int(col)), bool(link)
                )
                for keys, line, col, link in data["xrefs"]
            ),
            tuple(
                QuoteMark(int(c), str(t), Location(path, int(line), int(col)), bool(b))
                for c, t, line, col, b in data["quotes"]
            ),
            tuple(ImageMark(str(s), int(line)) for s, line in data["images"]),
            bool(data["empty"]),
            diags,
            tuple((int(n), int(k)) for n, k in data.get("footnotes", ())),
            _meta(data.get("meta", "{}")),
        )
    except (KeyError, TypeError, ValueError, IndexError, OverflowError):
        return None


def _meta(text: object) -> str:
    """A kept record's metadata, if it is a JSON object (ValueError otherwise)."""
    if not isinstance(text, str) or not isinstance(json.loads(text), dict):
        raise ValueError("metadata")
    return text
