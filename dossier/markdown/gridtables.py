"""Pandoc's grid tables: cells drawn with `+`, `-`, `=` and `|`, holding blocks.

    +---------+--------------------+
    | Fruit   | Advantages         |
    +:========+===================:+
    | Bananas | - built-in wrapper |
    |         | - bright color     |
    +---------+--------------------+

A `+===+` line ends the header (none: a headerless table); colons in it (or in the top
border when there is no header) align the columns. As in Pandoc 3, a cell spans
columns where a `|` is missing and rows where a border is missing, as long as every
cell stays a rectangle.

The grid is read once: column boundaries are the `+` of the border lines, and each
piece between two boundaries is joined to its neighbour when no border separates
them, so a table of 10,000 columns costs one pass over its characters. Anything that
is not a clean grid (ragged lines, an unclosed table, a cell that is not a rectangle)
is not a table, and stays text, as in Pandoc."""

from __future__ import annotations

import re
from itertools import pairwise

from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock

from .tablecells import Align, Cell, Row, push_table

_BORDER = re.compile(r"\+(?:[-=:]+\+)+")
_FULL_BORDER = re.compile(r"\+(?:[-:]+\+)+|\+(?:[=:]+\+)+")
_CORNER = re.compile(r"\+[-=:]+(?=\+)")  # a border piece, from its left `+`
MAX_CELLS = 200_000  # atomic pieces (rows x columns): beyond, the grid is left as text


def grid_table(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    if state.sCount[start] - state.blkIndent >= 4:
        return False
    indent = state.bMarks[start] + state.tShift[start]
    top = state.src[indent : state.eMarks[start]].rstrip()
    if not top.startswith("+") or not _FULL_BORDER.fullmatch(top):
        return False
    lines = _lines(state, start, end, len(top))
    if lines is None:
        return False
    parsed = _read(lines, start)
    if parsed is None:
        return False
    if silent:
        return True
    head, body = parsed
    push_table(state, start, start + len(lines), head, body)
    state.line = start + len(lines)
    return True


def _lines(state: StateBlock, start: int, end: int, width: int) -> list[str] | None:
    """The table's lines, from its top border to its last border; None when they are
    not a closed rectangle."""
    shift = state.tShift[start]
    lines: list[str] = []
    line = start
    while line < end:
        pos = state.bMarks[line] + shift
        if state.tShift[line] != shift or pos >= state.eMarks[line]:
            break
        text = state.src[pos : state.eMarks[line]].rstrip()
        if text[:1] not in ("+", "|"):
            break
        if len(text) != width or text[-1] not in "+|":
            return None  # ragged: Pandoc reads no table either
        lines.append(text)
        line += 1
    while lines and not lines[-1].startswith("+"):
        lines.pop()  # trailing content rows never closed by a border
    if len(lines) < 3 or not _BORDER.fullmatch(lines[-1]):
        return None
    return lines


def _read(lines: list[str], first: int) -> tuple[tuple[Row, ...], tuple[Row, ...]] | None:
    width = len(lines[0])
    # corners come from border lines only, which begin or end at the table's edge with a
    # `+`: a `+--+` inside a cell (a table in a table) draws no column of this table
    borders = [t for t in lines if t[0] == "+" or t[-1] == "+"]
    corners = {m.start() for text in borders for m in _CORNER.finditer(text)}
    corners |= {m.end() for text in borders for m in _CORNER.finditer(text)}
    bounds = sorted(corners | {0, width - 1})
    pieces = list(pairwise(bounds))
    rules = [
        r
        for r, t in enumerate(lines)
        if (t[0] == "+" or t[-1] == "+") and any(_horizontal(t, a, b) for a, b in pieces)
    ]
    ncols, nrows = len(pieces), len(rules) - 1
    if ncols * nrows > MAX_CELLS or rules[0] != 0 or rules[-1] != len(lines) - 1:
        return None
    header = [k for k, r in enumerate(rules) if "=" in lines[r]]
    if header and (
        len(header) > 1 or header[0] == 0 or not _BORDER.fullmatch(lines[rules[header[0]]])
    ):
        return None
    parent = list(range(nrows * ncols))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for k in range(nrows):
        for j in range(ncols):
            if j + 1 < ncols and not _vertical(lines, rules[k], rules[k + 1], bounds[j + 1]):
                parent[root(k * ncols + j + 1)] = root(k * ncols + j)
            if k + 1 < nrows and not _horizontal(lines[rules[k + 1]], *pieces[j]):
                parent[root((k + 1) * ncols + j)] = root(k * ncols + j)
    boxes: dict[int, list[int]] = {}  # root -> [top, left, bottom, right, pieces]
    for i in range(nrows * ncols):
        k, j = divmod(i, ncols)
        box = boxes.setdefault(root(i), [k, j, k, j, 0])
        box[0], box[1] = min(box[0], k), min(box[1], j)
        box[2], box[3], box[4] = max(box[2], k), max(box[3], j), box[4] + 1
    if any((b[2] - b[0] + 1) * (b[3] - b[1] + 1) != b[4] for b in boxes.values()):
        return None  # a cell that is not a rectangle
    aligns = _aligns(lines[rules[header[0]] if header else 0], bounds)
    rows: dict[int, list[tuple[Cell, Align]]] = {}
    for k0, j0, k1, j1, _ in sorted(boxes.values()):
        top, bottom, left, right = rules[k0], rules[k1 + 1], bounds[j0], bounds[j1 + 1]
        text = _dedent([lines[r][left + 1 : right] for r in range(top + 1, bottom)])
        cell = Cell(text, first + top + 1, bottom - top - 1, j1 - j0 + 1, k1 - k0 + 1, True)
        rows.setdefault(k0, []).append((cell, aligns[j0]))
    head: list[Row] = []
    body: list[Row] = []
    for k, cells in sorted(rows.items()):
        row = Row(tuple(c for c, _ in cells), tuple(a for _, a in cells))
        (head if header and k < header[0] else body).append(row)
    return tuple(head), tuple(body)


def _vertical(lines: list[str], top: int, bottom: int, col: int) -> bool:
    """A `|` (or `+`) runs down column `col` between two border lines."""
    return all(lines[r][col] in "|+" for r in range(top + 1, bottom))


def _horizontal(line: str, left: int, right: int) -> bool:
    """A border runs along `line` between two column boundaries."""
    segment = line[left + 1 : right]
    return bool(segment) and line[left] == "+" and line[right] == "+" and not segment.strip("-=:")


def _aligns(rule: str, bounds: list[int]) -> list[Align]:
    out: list[Align] = []
    for left, right in pairwise(bounds):
        segment = rule[left + 1 : right]
        first, last = segment.startswith(":"), segment.endswith(":")
        out.append("center" if first and last else "left" if first else "right" if last else "")
    return out


def _dedent(rows: list[str]) -> str:
    """A cell's lines without the space that separates them from the `|`."""
    rows = [r.rstrip() for r in rows]
    if all(r.startswith(" ") or not r for r in rows):
        rows = [r[1:] for r in rows]
    return "\n".join(rows).strip("\n") + "\n"


def grid_tables_plugin(md: MarkdownIt) -> None:
    md.block.ruler.before("table", "grid_table", grid_table)
