"""Core rules that turn Pandoc conventions into tokens: heading attributes, table
captions, figures, and an allow-list for attributes written in `{...}`."""

from __future__ import annotations

import re
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.token import Token

from .divs import parse_attrs

_TRAILING_ATTRS = re.compile(r"\s*\{(?P<attrs>[^{}]*)\}\s*$")
_CAPTION = re.compile(r"^(?:Table:|:)\s+")
SAFE_ATTRS = frozenset({"id", "class", "width", "height", "src", "href", "alt", "title",
                        "start", "type", "style"})


def heading_attrs(state: Any) -> None:
    """`# Title {#sec-x .unnumbered}`: strip the braces, apply them to the heading."""
    tokens: list[Token] = state.tokens
    for i, tok in enumerate(tokens):
        if tok.type != "heading_open":
            continue
        inline = tokens[i + 1]
        m = _TRAILING_ATTRS.search(inline.content)
        if not m:
            continue
        ident, classes, _ = parse_attrs(m.group("attrs"))
        inline.content = inline.content[: m.start()]
        if ident:
            tok.attrSet("id", ident)
        if classes:
            tok.attrSet("class", " ".join(classes))


def table_captions(state: Any) -> None:
    """A paragraph `Table: ...` (or `: ...`) right before or after a table is its caption."""
    tokens: list[Token] = state.tokens
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok.type == "table_open":
            after = _table_end(tokens, i) + 1
            if _is_caption(tokens, after):
                caption = tokens[after:after + 3]
                del tokens[after:after + 3]
                _attach(tok, caption)
                tokens[i + 1:i + 1] = caption
            elif i >= 3 and _is_caption(tokens, i - 3):
                caption = tokens[i - 3:i]
                del tokens[i - 3:i]
                i -= 3
                _attach(tok, caption)
                tokens[i + 1:i + 1] = caption
        i += 1


def _table_end(tokens: list[Token], start: int) -> int:
    for j in range(start, len(tokens)):
        if tokens[j].type == "table_close" and tokens[j].level == tokens[start].level:
            return j
    return len(tokens) - 1


def _is_caption(tokens: list[Token], j: int) -> bool:
    return (
        j >= 0 and j + 2 < len(tokens)
        and tokens[j].type == "paragraph_open"
        and tokens[j + 1].type == "inline"
        and bool(_CAPTION.match(tokens[j + 1].content))
    )


def _attach(table: Token, caption: list[Token]) -> None:
    opening, inline, closing = caption
    inline.content = _CAPTION.sub("", inline.content, count=1)
    m = _TRAILING_ATTRS.search(inline.content)
    if m:
        ident, classes, _ = parse_attrs(m.group("attrs"))
        inline.content = inline.content[: m.start()]
        if ident:
            table.attrSet("id", ident)
    opening.type, opening.tag = "caption_open", "caption"
    closing.type, closing.tag = "caption_close", "caption"
    table.meta = {**(table.meta or {}), "captioned": True}


def figures(state: Any) -> None:
    """An image alone in its paragraph becomes a figure; its alt text is the caption."""
    tokens: list[Token] = state.tokens
    for i, tok in enumerate(tokens):
        if tok.type != "paragraph_open" or i + 2 >= len(tokens):
            continue
        children = [c for c in (tokens[i + 1].children or [])
                    if not (c.type == "text" and not c.content.strip()) and c.type != "softbreak"]
        if len(children) != 1 or children[0].type != "image":
            continue
        image = children[0]
        tok.type, tok.tag = "figure_open", "figure"
        tokens[i + 2].type, tokens[i + 2].tag = "figure_close", "figure"
        ident = str(image.attrs.pop("id", "") or "")
        tok.meta = {"image": image, "id": ident}
        if ident:
            tok.attrSet("id", ident)


def safe_attributes(state: Any) -> None:
    """`{onclick=...}` and friends never reach the page: keep an allow-list only."""
    stack: list[Token] = list(state.tokens)
    while stack:
        tok = stack.pop()
        if tok.attrs:
            for name in [n for n in tok.attrs if n not in SAFE_ATTRS]:
                del tok.attrs[name]
            style = tok.attrs.get("style")
            if style is not None and not re.fullmatch(r"[\w\s:;%.#-]*", str(style)):
                del tok.attrs["style"]
            if style is not None and re.search(r"url|expression|@|\\", str(style), re.I):
                tok.attrs.pop("style", None)
        if tok.children:
            stack.extend(tok.children)


def transforms_plugin(md: MarkdownIt) -> None:
    md.core.ruler.before("inline", "heading_attrs", heading_attrs)
    md.core.ruler.before("inline", "table_captions", table_captions)
    md.core.ruler.after("inline", "figures", figures)
    md.core.ruler.push("safe_attributes", safe_attributes)
