"""Quotations as a chapter writes them, found by the reader: text in quotation marks
immediately followed by a citation, or a block quote whose last line is a citation.
What they are checked against is evidence.quotes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from markdown_it.token import Token

from ..diagnostics import Location
from ..markdown import ParsedChapter
from ..markdown.walk import column

_OPEN = '"“'
_CLOSE = '"”'


@dataclass(frozen=True, slots=True)
class QuoteMark:
    """A quotation as found in its chapter: `cite` is the position of its citation among
    the chapter's citations (see scan), which collect turns into a cluster."""

    cite: int
    text: str
    location: Location
    block: bool = False


def scan_quotes(chapter: ParsedChapter, cites: Mapping[int, int]) -> list[QuoteMark]:
    """The chapter's quotations. `cites` gives the position of each citation token (by
    its id) among the chapter's citations, as the scan counted them: the tokens are
    never written to."""
    found: list[QuoteMark] = []
    tokens = chapter.tokens
    for i, tok in enumerate(tokens):
        if tok.type == "inline":
            found.extend(_inline_quotes(chapter, tok, cites))
        elif tok.type == "blockquote_open":
            quote = _block_quote(chapter, tokens, i, cites)
            if quote:
                found.append(quote)
    return found


def _citations(tok: Token, cites: Mapping[int, int]) -> list[tuple[int, Token]]:
    """The citations of an inline token that the scan counted, with their positions."""
    return [(cites[id(c)], c) for c in tok.children or () if id(c) in cites]


def _inline_quotes(chapter: ParsedChapter, tok: Token, cites: Mapping[int, int]) -> list[QuoteMark]:
    content = tok.content
    out = []
    pos = floor = 0  # a quotation starts after the citation before it: bounded scans
    lines_before, counted_to = 0, 0
    for position, cite in _citations(tok, cites):
        start = content.find(cite.content.split()[0], pos)
        if start < 0:
            continue
        pos = start + 1
        end = start
        while end > floor and content[end - 1].isspace():
            end -= 1
        low, floor = floor, start + len(cite.content)
        if end <= low or content[end - 1] not in _CLOSE:
            continue
        opening = max(content.rfind(ch, low, end - 1) for ch in _OPEN)
        if opening < 0:
            continue
        text = content[opening + 1 : end - 1]
        if not text.strip():
            continue
        lines_before += content.count("\n", counted_to, opening)
        counted_to = opening
        line0 = (tok.map[0] if tok.map else 0) + lines_before
        snippet = content[opening : opening + 12].split("\n")[0]
        col = column(chapter.lines, line0, snippet) if snippet.strip() else 1
        out.append(QuoteMark(position, text, Location(chapter.path, line0 + 1, col)))
    return out


def _block_quote(
    chapter: ParsedChapter, tokens: Sequence[Token], start: int, cites: Mapping[int, int]
) -> QuoteMark | None:
    depth, inlines, end = 0, [], start
    for j in range(start, len(tokens)):
        t = tokens[j]
        if t.type == "blockquote_open":
            depth += 1
        elif t.type == "blockquote_close":
            depth -= 1
            if depth == 0:
                end = j
                break
        elif t.type == "inline" and depth == 1:
            inlines.append(t)
    if not inlines:
        return None
    last = inlines[-1]
    counted = _citations(last, cites)
    if not counted:
        return None
    position, cite = counted[-1]
    idx = last.content.rfind(cite.content.split()[0])
    tail = last.content[idx + len(cite.content) :] if idx >= 0 else "x"
    if idx < 0 or tail.strip(" .\n"):
        return None
    parts = [t.content for t in inlines[:-1]] + [last.content[:idx]]
    text = " ".join(p.strip() for p in parts).strip()
    if not text:
        return None
    where = tokens[start].map
    line = where[0] + 1 if where else 0
    del end
    return QuoteMark(position, text, Location(chapter.path, line, 1), block=True)
