"""Pandoc fenced divs: `::: note` or `::: {#id .class}` ... `:::`, nestable."""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock

from .walk import line_text

_OPEN = re.compile(r"^(:{3,})\s*(?:\{(?P<attrs>[^}]*)\}|(?P<name>[\w-]+))\s*:*\s*$")
_CLOSE = re.compile(r"^:{3,}\s*$")


def parse_attrs(text: str) -> tuple[str, list[str], dict[str, str]]:
    ident, classes, kv = "", [], {}
    for part in re.findall(r'[^\s=]+="[^"]*"|\S+', text):
        if part.startswith("#"):
            ident = part[1:]
        elif part.startswith("."):
            classes.append(part[1:])
        elif part == "-":
            classes.append("unnumbered")
        elif "=" in part:
            k, v = part.split("=", 1)
            kv[k] = v.strip('"')
    return ident, classes, kv


def fenced_div(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    if state.sCount[start] - state.blkIndent >= 4:
        return False
    m = _OPEN.match(line_text(state, start))
    if not m:
        return False
    if silent:
        return True
    depth, line, closed = 1, start + 1, False
    while line < end:
        if state.sCount[line] < state.blkIndent and not state.isEmpty(line):
            break
        text = line_text(state, line)
        if _OPEN.match(text):
            depth += 1
        elif _CLOSE.match(text):
            depth -= 1
            if depth == 0:
                closed = True
                break
        line += 1
    ident, classes, kv = parse_attrs(m.group("attrs") or "")
    if m.group("name"):
        classes.insert(0, m.group("name"))
    old_parent, old_limit = state.parentType, state.lineMax
    state.parentType = "div"
    state.lineMax = line
    token = state.push("div_open", "div", 1)
    token.map = [start, line]
    token.meta = {"unclosed": not closed}
    if ident:
        token.attrSet("id", ident)
    if classes:
        token.attrSet("class", " ".join(classes))
    for name in ("lang", "dir"):  # checked with every other attribute (safe_attributes)
        if name in kv:
            token.attrSet(name, kv[name])
    state.md.block.tokenize(state, start + 1, line)
    state.push("div_close", "div", -1)
    state.parentType, state.lineMax = old_parent, old_limit
    state.line = line + 1 if closed else line
    return True


# markdown-it stops parsing, silently, at this depth of nested blocks (block quotes,
# list items, divs); its default, 20, cuts off lists 7 deep. The collect stage reports
# anything that reaches the limit, since what lies deeper is lost.
MAX_NESTING = 50


def divs_plugin(md: MarkdownIt) -> None:
    md.options["maxNesting"] = MAX_NESTING
    md.block.ruler.before(
        "fence", "fenced_div", fenced_div, {"alt": ["paragraph", "reference", "blockquote", "list"]}
    )
