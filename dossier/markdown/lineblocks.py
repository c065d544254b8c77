"""Pandoc's line blocks: lines that begin with `| ` keep their line breaks and their
leading spaces (verse, addresses), as `<div class="line-block">` with a break after
each line. A line that begins with a space continues the line above it. Tried after
pipe tables, which also begin with `|` but have a separator row."""

from __future__ import annotations

from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock

from .walk import line_text

HARD_BREAK = "\\\n"  # a backslash at the end of a line: markdown-it's hard break


def _starts(text: str) -> bool:
    return text == "|" or text.startswith("| ")


def line_block(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    if state.sCount[start] - state.blkIndent >= 4 or not _starts(line_text(state, start)):
        return False
    if silent:
        return True
    lines: list[str] = []
    line = start
    while line < end and not state.isEmpty(line):
        text = line_text(state, line)
        if _starts(text):
            body = text[2:]
            kept = len(body) - len(body.lstrip(" "))
            lines.append("\u00a0" * kept + body.lstrip(" "))
        elif state.sCount[line] > state.blkIndent and lines:
            lines[-1] += " " + text.strip()  # a continuation of the line above
        else:
            break
        line += 1
    state.push("line_block_open", "div", 1).attrs = {"class": "line-block"}
    inline = state.push("inline", "", 0)
    inline.content = HARD_BREAK.join(part.rstrip("\\") for part in lines)
    inline.map = [start, line]
    inline.children = []
    state.push("line_block_close", "div", -1)
    state.line = line
    return True


def line_blocks_plugin(md: MarkdownIt) -> None:
    md.block.ruler.before("paragraph", "line_block", line_block)
