"""Walking a chapter's tokens, and finding where a token came from in its source."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

from markdown_it.rules_block import StateBlock
from markdown_it.token import Token


def walk(tokens: Sequence[Token]) -> Iterator[tuple[Token, bool]]:
    """Every token, children included, with whether it sits inside a footnote."""
    in_note = False
    for tok in tokens:
        if tok.type == "footnote_block_open":
            in_note = True
        elif tok.type == "footnote_block_close":
            in_note = False
        yield tok, in_note
        stack = list(reversed(tok.children or ()))
        while stack:  # nested: a citation may sit in an image's caption
            child = stack.pop()
            yield child, in_note
            stack.extend(reversed(child.children or ()))


def numbered_block(tok: Token) -> str | None:
    """ "fig", "tbl" or "eq" for a token that opens a figure, a captioned table or a
    labelled equation (what gets a number and a label), else None. The scan and the
    tree reader both ask this one question, so that the n-th block of one is the
    n-th block of the other."""
    if tok.type == "figure_open":
        return "fig"
    if tok.type == "equation_open":
        return "eq"
    if tok.type == "table_open" and (tok.meta or {}).get("captioned"):
        return "tbl"
    return None


def column(
    lines: Sequence[str], line0: int, source: str, meta: Mapping[str, object] | None = None
) -> int:
    """1-based column of a citation or cross-reference in its source line.

    With the token's meta (its offset in the inline text and that text's start), two
    identical citations on one line get their own columns; without, the first
    occurrence of the source's first word is taken."""
    if not 0 <= line0 < len(lines):
        return 1
    line = lines[line0]
    first = source.split()[0] if source.split() else source
    offset = meta.get("offset") if meta else None
    if meta and isinstance(offset, int):
        base = line.find(str(meta["head"])) if meta.get("head") else 0
        col = base + offset
        if base >= 0 and line.startswith(first, col):
            return col + 1
    idx = line.find(first)
    return idx + 1 if idx >= 0 else 1


def line_text(state: StateBlock, n: int) -> str:
    """Line n of a block rule's source, without its indentation."""
    return state.src[state.bMarks[n] + state.tShift[n] : state.eMarks[n]]


def find_in_lines(
    lines: Sequence[str], start: int, end: int, needles: Sequence[str]
) -> tuple[int, int]:
    """1-based line and column of the first needle found in lines[start:end] (tokens
    other than citations carry no column); the start line when none is found."""
    for needle in needles:
        if not needle:
            continue
        for n in range(start, min(end, len(lines))):
            col = lines[n].find(needle)
            if col >= 0:
                return n + 1, col + 1
    return start + 1, 1


# Where the reader's nodes and the scan's marks stand: one answer for both.


def token_at(lines: Sequence[str], tok: Token) -> tuple[int, int]:
    """1-based line and column of a citation or cross-reference token."""
    line0 = int(tok.meta["line0"])
    return line0 + 1, column(lines, line0, tok.content, tok.meta)


def link_at(lines: Sequence[str], line: int, frag: str) -> tuple[int, int]:
    """Where `](#frag` stands, from the line of its block on (links carry no position)."""
    start = max(line, 1) - 1
    return find_in_lines(lines, start, start + 200, ["#" + frag])


def image_line(lines: Sequence[str], src: str) -> int:
    """The first line naming an image's source (images carry no position); 0: none."""
    return next((n for n, text in enumerate(lines, 1) if src and src in text), 0)
