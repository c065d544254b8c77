"""Pandoc's simple and multiline tables: columns drawn by a line of dashes.

    Right  Left  Center  Default           -----------------------------
    -----  ----  ------  -------            Centered  Default   Right
       12  12      12    12                  Header   Aligned  Aligned
                                           ---------- ------- ---------
                                              First   row         12.0
                                                      spans two
                                                      lines
                                           -----------------------------

Each run of dashes is a column; a column's text runs from the start of its dashes to
the start of the next run (the last to the end of the line). The header's text against
its dashes gives the alignment (flush right: right; flush left: left; both: default;
neither: centered); without a header, the first row does. A simple table has one line
per row and ends at a blank line (without a header: at a line of dashes and a blank
line). A multiline table opens with a full line of dashes, its rows are separated by
blank lines and a line of dashes closes it; a cell's lines join into one paragraph.

Every scan stops at the next line of dashes or at a blank line, so the rule reads a
chapter of many dashed lines in linear time."""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock

from .tablecells import Align, Cell, Row, push_table

_COLUMNS = re.compile(r"-+(?: +-+)* *")
_FULL = re.compile(r"-{3,} *")
_SEGMENT = re.compile(r"-+")
MAX_COLUMNS = 1000  # more runs of dashes than this is not a table anyone writes


def simple_table(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    if state.sCount[start] - state.blkIndent >= 4 or start + 1 >= end:
        return False
    first = _raw(state, start)
    if _FULL.fullmatch(first):
        found = _headed_multiline(state, start, end) or _headerless(state, start, end)
    elif _COLUMNS.fullmatch(first):
        found = _headerless(state, start, end)
    elif first.strip() and _columns(_raw(state, start + 1), 2):
        found = _headed_simple(state, start, end)
    else:
        return False
    if found is None:
        return False
    if not silent:
        last, head, body = found
        push_table(state, start, last, head, body)
        state.line = last
    return bool(found)


Found = tuple[int, tuple[Row, ...], tuple[Row, ...]] | None  # (end line, head, body)


def _headed_simple(state: StateBlock, start: int, end: int) -> Found:
    cols = _columns(_raw(state, start + 1), 2)
    assert cols is not None
    line = start + 2
    while line < end and not state.isEmpty(line):
        line += 1
    if line == start + 2:
        return None
    head = _row(cols, [_raw(state, start)], start, [_raw(state, start)])
    body = tuple(
        _row(cols, [_raw(state, n)], n, [_raw(state, start)]) for n in range(start + 2, line)
    )
    return line, (head,), body


def _headerless(state: StateBlock, start: int, end: int) -> Found:
    cols = _columns(_raw(state, start), 1)
    if cols is None or state.isEmpty(start + 1):
        return None
    groups = _groups(state, start + 1, end)
    if groups is None:
        return None
    rows, last = groups
    if len(rows) == 1:  # no blank line between rows: a simple table, a line a row
        rows = [[n] for n in rows[0]]
    model = [_raw(state, n) for n in rows[0]]
    body = tuple(_row(cols, [_raw(state, n) for n in g], g[0], model) for g in rows)
    return last, (), body


def _headed_multiline(state: StateBlock, start: int, end: int) -> Found:
    line = start + 1
    while line < end and not state.isEmpty(line) and not _columns(_raw(state, line), 1):
        line += 1
    if line == start + 1 or line >= end or state.isEmpty(line):
        return None
    cols = _columns(_raw(state, line), 1)
    assert cols is not None
    header = [_raw(state, n) for n in range(start + 1, line)]
    groups = _groups(state, line + 1, end)
    if groups is None:
        return None
    rows, last = groups
    head = _row(cols, header, start + 1, header)
    body = tuple(_row(cols, [_raw(state, n) for n in g], g[0], header) for g in rows)
    return last, (head,), body


def _groups(state: StateBlock, line: int, end: int) -> tuple[list[list[int]], int] | None:
    """Rows (lines separated by blank lines) up to a closing line of dashes followed by a
    blank line or the end; and the line after that closing line. None if none closes."""
    groups: list[list[int]] = []
    current: list[int] = []
    while line < end:
        if state.isEmpty(line):
            if current:
                groups.append(current)
                current = []
        else:
            text = _raw(state, line)
            if _FULL.fullmatch(text) or _COLUMNS.fullmatch(text):
                if current:
                    groups.append(current)
                if not groups or (line + 1 < end and not state.isEmpty(line + 1)):
                    return None
                return groups, line + 1
            current.append(line)
        line += 1
    return None


def _row(cols: list[tuple[int, int]], lines: list[str], first: int, model: list[str]) -> Row:
    cells = []
    for i, (begin, _) in enumerate(cols):
        stop = cols[i + 1][0] if i + 1 < len(cols) else None
        parts = [text[begin:stop].strip() for text in lines]
        text = "\n".join(p for p in parts if p)
        cells.append(Cell(text, first, len(lines)))
    aligns = tuple(
        _align([m[b : cols[i + 1][0] if i + 1 < len(cols) else None] for m in model], b, e)
        for i, (b, e) in enumerate(cols)
    )
    return Row(tuple(cells), aligns)


def _align(texts: list[str], begin: int, end: int) -> Align:
    """Pandoc's rule: the shortest non-empty line of the header against its dashes."""
    filled = sorted((t.rstrip() for t in texts if t.strip()), key=len)
    if not filled:
        return ""
    shortest = filled[0]
    left_space, right_space = shortest[0] == " ", len(shortest) < end - begin
    if left_space and right_space:
        return "center"
    return "right" if left_space else "left" if right_space else ""


def _columns(text: str, least: int) -> list[tuple[int, int]] | None:
    """(start, end) of each run of dashes when `text` is a line of them, else None."""
    if not _COLUMNS.fullmatch(text.lstrip(" ")) or not text.strip():
        return None
    runs = [(m.start(), m.end()) for m in _SEGMENT.finditer(text, 0, len(text))]
    if not least <= len(runs) <= MAX_COLUMNS:
        return None
    return runs


def _raw(state: StateBlock, line: int) -> str:
    """Line `line` as the table sees it: columns count from the block's indentation."""
    text = state.src[state.bMarks[line] : state.eMarks[line]].rstrip()
    indent = min(state.blkIndent, len(text) - len(text.lstrip(" ")))
    return text[indent:]


def simple_tables_plugin(md: MarkdownIt) -> None:
    md.block.ruler.before("hr", "simple_table", simple_table)
