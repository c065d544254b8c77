"""Tokens for a table read by the grid, simple and multiline table rules, in the shape
markdown-it's pipe-table rule gives (table_open, thead, tr, th/td with an alignment
style, inline), so that captions, numbering, the list of tables, the site's alignment
classes and the PDF's tagged header cells treat every kind of table alike.

A grid-table cell holds blocks (lists, several paragraphs): its text is parsed as a
small document of its own, and a cell that is a single paragraph is shown without the
`<p>`, as Pandoc writes it (a Plain block)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from markdown_it.rules_block import StateBlock
from markdown_it.token import Token

from .blankbefore import AMBIGUOUS

Align = Literal["", "left", "right", "center"]
_NESTING = "_dossier_table_depth"  # env key: grid tables inside grid-table cells
MAX_NESTING = 8


@dataclass(frozen=True, slots=True)
class Cell:
    text: str
    line: int  # 0-based line of the chapter where the cell's text begins
    lines: int = 1  # how many lines of the chapter its text spans
    colspan: int = 1
    rowspan: int = 1
    blocks: bool = False  # a grid-table cell: its text is blocks, not one line of inlines


@dataclass(frozen=True, slots=True)
class Row:
    cells: tuple[Cell, ...]
    aligns: tuple[Align, ...]  # one per cell


def push_table(
    state: StateBlock, start: int, end: int, head: tuple[Row, ...], body: tuple[Row, ...]
) -> None:
    """Tokens for a table over the chapter's lines [start, end)."""
    table = state.push("table_open", "table", 1)
    table.map = [start, end]
    for rows, section, tag in ((head, "thead", "th"), (body, "tbody", "td")):
        if not rows:
            continue
        state.push(f"{section}_open", section, 1).map = [rows[0].cells[0].line, end]
        for row in rows:
            state.push("tr_open", "tr", 1).map = [row.cells[0].line, row.cells[0].line + 1]
            for cell, align in zip(row.cells, row.aligns, strict=True):
                _push_cell(state, cell, align, tag)
            state.push("tr_close", "tr", -1)
        state.push(f"{section}_close", section, -1)
    state.push("table_close", "table", -1)


def _push_cell(state: StateBlock, cell: Cell, align: Align, tag: str) -> None:
    opening = state.push(f"{tag}_open", tag, 1)
    opening.map = [cell.line, cell.line + cell.lines]
    if align:
        opening.attrSet("style", f"text-align:{align}")
    if cell.colspan > 1:
        opening.attrSet("colspan", str(cell.colspan))
    if cell.rowspan > 1:
        opening.attrSet("rowspan", str(cell.rowspan))
    if cell.blocks:
        _push_blocks(state, cell)
    else:
        inline = state.push("inline", "", 0)
        inline.content = cell.text.strip()
        inline.map = [cell.line, cell.line + cell.lines]
        inline.children = []
    state.push(f"{tag}_close", tag, -1)


def _push_blocks(state: StateBlock, cell: Cell) -> None:
    """The cell's text parsed as blocks, placed at this cell's level and lines."""
    env = state.env
    depth = int(env.get(_NESTING, 0))
    if depth >= MAX_NESTING or not cell.text.strip():
        if cell.text.strip():
            inline = state.push("inline", "", 0)
            inline.content = " ".join(cell.text.split())
            inline.map = [cell.line, cell.line + cell.lines]
            inline.children = []
        return
    outer = env.pop(AMBIGUOUS, None)
    env[_NESTING] = depth + 1
    inner: list[Token] = []
    try:
        state.md.block.parse(cell.text, state.md, env, inner)
    finally:
        env[_NESTING] = depth
        found = env.pop(AMBIGUOUS, {})
        if outer is not None or found:
            env[AMBIGUOUS] = {**(outer or {}), **{k + cell.line: v for k, v in found.items()}}
    if [t.type for t in inner] == ["paragraph_open", "inline", "paragraph_close"]:
        inner[0].hidden = inner[2].hidden = True  # a Plain cell, as Pandoc writes it
    for tok in inner:
        tok.level += state.level
        if tok.map:
            tok.map = [tok.map[0] + cell.line, tok.map[1] + cell.line]
        state.tokens.append(tok)
