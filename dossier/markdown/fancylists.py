"""Pandoc's fancy and example lists, on top of markdown-it's list rule.

markdown-it knows `1.` and `1)` only. Rather than a second list parser, this rule
shows markdown-it's a view of the source in which each marker of the list being read
(`a.`, `(iv)`, `#.`, `(@good)`) is written as a decimal marker of the same width, and
each marker of another style at the list's indentation as a decimal marker with the
other delimiter, which ends the list there (Pandoc starts a new list when the style
or delimiter changes). Item contents are untouched and keep their columns, so
everything else markdown-it does for lists (tight and loose, nesting, lazy lines)
holds. The list's tokens then get Pandoc's `type`, `start` and `class="example"`.

Example items (`(@)`, `(@label)`) are numbered across the whole chapter; a label
is kept in env for `@label` in the text (examplerefs)."""

from __future__ import annotations

import re
from collections.abc import Callable

from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock
from markdown_it.rules_inline import StateInline

from .listmarkers import HTML_TYPES, Marker, read_marker

BlockRule = Callable[[StateBlock, int, int, bool], bool]
EXAMPLES = "_dossier_examples"  # env: {"count": int, "labels": {label: number}}
_DECIMAL_WIDTH = 10  # markdown-it reads at most 9 digits and a delimiter


def _marker_at(state: StateBlock, line: int, style: str | None = None) -> Marker | None:
    pos = state.bMarks[line] + state.tShift[line]
    return read_marker(state.src[pos : state.eMarks[line]], style)


def _same_list(a: Marker, b: Marker) -> bool:
    return a.style == b.style and a.delim == b.delim


def _plan(state: StateBlock, start: int, end: int, first: Marker) -> dict[int, bool]:
    """{line: True for an item of this list, False for a marker that ends it} for the
    lines at the list's indentation, up to where the list cannot go on."""
    plan = {start: True}
    base = state.sCount[start]
    blank = False
    for line in range(start + 1, end):
        if state.isEmpty(line):
            blank = True
            continue
        if state.sCount[line] < base:
            break
        if state.sCount[line] == base:
            marker = _marker_at(state, line, first.style)
            if marker is not None and _same_list(first, marker):
                plan[line] = True
            elif marker is not None:
                plan[line] = False
                break
            elif blank:
                break  # a paragraph after a blank line ends the list
        blank = False
    return plan


def _shadow(state: StateBlock, plan: dict[int, bool], first: Marker) -> str | None:
    """The source with this list's markers decimal, or None when markdown-it reads it
    as it stands (a plain `1.` or `1)` list and nothing of another style after it)."""
    plain = first.style == "decimal" and first.delim != "()"
    own = first.delim if plain else "."
    other = ")" if own == "." else "."
    parts: list[str] = []
    done = 0
    changed = False
    for line, ours in sorted(plan.items()):
        marker = _marker_at(state, line, first.style if ours else None)
        if marker is None or (ours and plain):
            continue
        pos = state.bMarks[line] + state.tShift[line]
        parts += [state.src[done:pos], _decimal(marker.width, own if ours else other)]
        done = pos + marker.width
        changed = True
    if not changed:
        return None
    parts.append(state.src[done:])
    return "".join(parts)


def _decimal(width: int, delim: str) -> str:
    if width <= _DECIMAL_WIDTH:
        return "0" * (width - 2) + "1" + delim
    return "1" + delim + " " * (width - 2)  # a long example label: content keeps its column


def fancy(rule: BlockRule) -> BlockRule:
    def apply(state: StateBlock, start: int, end: int, silent: bool) -> bool:
        if state.is_code_block(start):
            return False
        first = _marker_at(state, start)
        if first is None:
            return rule(state, start, end, silent)
        plain = first.style == "decimal" and first.delim != "()"
        if silent and state.parentType == "paragraph" and state.listIndent < 0 and not plain:
            return False  # Pandoc never, CommonMark only for `1.`: nothing ambiguous
        if silent:  # asked at each line of a paragraph: no plan, no view of the source
            return rule(state, start, end, silent) if plain else _could_start(state, start, first)
        plan = _plan(state, start, end, first)
        shadow = _shadow(state, plan, first)
        source = state.src
        size = len(state.tokens)
        if shadow is not None:
            state.src = shadow
        try:
            found = rule(state, start, end, silent)
        finally:
            state.src = source
        if found and not silent:
            _style(state, size, first, plan)
        return found

    return apply


def _could_start(state: StateBlock, start: int, first: Marker) -> bool:
    """What markdown-it's list rule answers, asked without reading (a paragraph asks
    at each of its lines whether a list starts there): no view of the source needed."""
    indent = state.sCount[start]
    if state.listIndent >= 0 and indent - state.listIndent >= 4 and indent < state.blkIndent:
        return False  # a lazy line of a deeper item
    pos = state.bMarks[start] + state.tShift[start] + first.width
    empty = not state.src[pos : state.eMarks[start]].strip()
    return not (
        state.parentType == "paragraph" and state.sCount[start] >= state.blkIndent and empty
    )


def _style(state: StateBlock, size: int, first: Marker, plan: dict[int, bool]) -> None:
    """Pandoc's type, start and class on the list just read; example numbers."""
    opening = state.tokens[size]
    if opening.type != "ordered_list_open":
        return
    items = [
        t
        for t in state.tokens[size:]
        if t.type == "list_item_open" and t.level == opening.level + 1
    ]
    start = first.value
    if first.style == "example":
        examples = state.env.setdefault(EXAMPLES, {"count": 0, "labels": {}})
        start = examples["count"] + 1
        for item in items:
            examples["count"] += 1
            line = item.map[0] if item.map else -1
            marker = _marker_at(state, line, "example") if line in plan else None
            if marker is not None and marker.label:
                examples["labels"].setdefault(marker.label, examples["count"])
            item.info = str(examples["count"])
        opening.attrSet("class", "example")
    opening.attrs.pop("start", None)
    if start != 1:
        opening.attrSet("start", str(start))
    if HTML_TYPES[first.style]:
        opening.attrSet("type", HTML_TYPES[first.style])


_LABEL = re.compile(r"@([A-Za-z0-9_-]+)")


def example_ref(state: StateInline, silent: bool) -> bool:
    """`@good` is the number of the example labelled `good`, as in Pandoc; when no
    example has that label, it is left to the citation rules (`@smith2020`)."""
    src, pos = state.src, state.pos
    if src[pos] != "@" or (pos > 0 and (src[pos - 1].isalnum() or src[pos - 1] in "_@")):
        return False
    labels = state.env.get(EXAMPLES, {}).get("labels", {})
    m = _LABEL.match(src, pos)
    if not labels or m is None or m.group(1) not in labels:
        return False
    if not silent:
        state.push("text", "", 0).content = str(labels[m.group(1)])
    state.pos = m.end()
    return True


def fancy_lists_plugin(md: MarkdownIt) -> None:
    """After blank_before_plugin: wraps the list rule it installed."""
    rule: BlockRule = next(r.fn for r in md.block.ruler.__rules__ if r.name == "list")
    md.block.ruler.at("list", fancy(rule), {"alt": ["paragraph", "reference", "blockquote"]})
    md.inline.ruler.before("narrative_citation", "example_ref", example_ref)
