"""Attributes in braces as Pandoc reads them, after images, links, code and bracketed
spans: `![Map](m.png){#fig-map width=100% .wide}`, `[text]{lang=fa dir=rtl}`.

Pandoc's grammar: `#id`, `.class`, `key=value` with the value in double or single
quotes or bare (anything up to a space or `}`: `100%`, `a:b`), and `-` for
`.unnumbered`. mdit-py-plugins' attrs rule reads `%` as the start of a comment, so
`width=100%` lost the whole block, the id with it, and `@fig-map` failed. Only the
attributes on the allow-list are kept; transforms.safe_attributes checks their values.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token

ALLOWED = frozenset({"id", "class", "width", "height", "lang", "dir"})
AFTER = frozenset({"image", "code_inline", "link_close", "span_close"})
MAX_LENGTH = 4096  # characters between the braces: attributes are short
_ITEM = re.compile(
    r"""[ \t\n]*(?:
        \#(?P<id>[^\s{}#."']+)
      | \.(?P<cls>[^\s{}#.="']+)
      | (?P<key>[A-Za-z_:][\w.:-]*)=
        (?:"(?P<dq>(?:[^"\\]|\\.)*)"|'(?P<sq>[^']*)'|(?P<bare>[^\s}"']+))
      | (?P<dash>-)(?=[\s}])
    )""",
    re.X,
)
_END = re.compile(r"[ \t\n]*\}")


def parse(src: str, start: int, limit: int) -> tuple[int, dict[str, str]] | None:
    """The attributes in braces opening at src[start] ('{'): (offset after '}', attrs),
    or None when the braces do not hold attributes (then they are text)."""
    if not src.startswith("{", start):
        return None
    limit = min(limit, start + MAX_LENGTH)
    pos = start + 1
    attrs: dict[str, str] = {}
    classes: list[str] = []
    while True:
        if end := _END.match(src, pos, limit):
            if classes:
                attrs["class"] = " ".join(classes)
            return end.end(), attrs
        m = _ITEM.match(src, pos, limit)
        if not m or m.end() == pos:
            return None
        if m["id"]:
            attrs["id"] = m["id"]
        elif m["cls"]:
            classes.append(m["cls"])
        elif m["dash"]:
            classes.append("unnumbered")
        else:
            value = next(v for v in (m["dq"], m["sq"], m["bare"]) if v is not None)
            if m["dq"] is not None:
                value = re.sub(r"\\(.)", r"\1", value)
            if m["key"] == "class":
                classes.extend(value.split())
            else:
                attrs[m["key"]] = value
        pos = m.end()


def _kept(attrs: dict[str, str]) -> dict[str, str | int | float]:
    return {k: v for k, v in attrs.items() if k in ALLOWED}


def _opening(tokens: Sequence[Token], end: int) -> int | None:
    """The token that a trailing `{...}` belongs to: the image or code itself, or the
    link_open/span_open that the closing token at `end` closes."""
    if tokens[end].nesting == 0:
        return end
    level = 0
    for i in range(end, -1, -1):
        level += tokens[i].nesting
        if level == 0:
            return i
    return None


def trailing_attrs(state: StateInline, silent: bool) -> bool:
    if state.pending or not state.tokens or state.tokens[-1].type not in AFTER:
        return False
    found = parse(state.src, state.pos, state.posMax)
    opener = _opening(state.tokens, len(state.tokens) - 1) if found else None
    if found is None or opener is None:
        return False
    if not silent:
        token = state.tokens[opener]
        attrs = _kept(found[1])
        if "class" in attrs and "class" in token.attrs:
            attrs["class"] = f"{token.attrs['class']} {attrs['class']}"
        token.attrs.update(attrs)
    state.pos = found[0]
    return True


def bracketed_span(state: StateInline, silent: bool) -> bool:
    """`[text]{attrs}`: a span. Tried after links, so `[text](url){...}` is a link."""
    if not state.src.startswith("[", state.pos):
        return False
    label_end = state.md.helpers.parseLinkLabel(state, state.pos, True)
    if label_end < 0:
        return False
    found = parse(state.src, label_end + 1, state.posMax)
    if found is None:
        return False
    if not silent:
        maximum = state.posMax
        state.pos, state.posMax = state.pos + 1, label_end
        token = state.push("span_open", "span", 1)
        token.attrs = _kept(found[1])
        state.md.inline.tokenize(state)
        state.push("span_close", "span", -1)
        state.posMax = maximum
    state.pos = found[0]
    return True


def attributes_plugin(md: MarkdownIt) -> None:
    md.inline.ruler.push("trailing_attrs", trailing_attrs)
    md.inline.ruler.after("link", "bracketed_span", bracketed_span)
