"""Pandoc's inline extras: bracketed spans `[text]{.class lang=fa dir=rtl}`,
`~subscript~`, `^superscript^`, and raw blocks for other formats.

Spans come from mdit-py-plugins' attrs rule; here they become what Pandoc's HTML makes
of them: `.underline` is `<u>`, `.mark` is `<mark>`, `.smallcaps` stays a span with
that class (the themes set it in small capitals). `lang` and `dir` are kept only when
they are well-formed (a BCP 47 tag; `ltr`, `rtl` or `auto`), on spans, fenced divs and
headings alike (transforms.safe_attributes applies the same test everywhere).

A fenced block marked ```` ```{=latex} ```` (or `{=html}`, `{=typst}`, ...) holds raw
content for another format. Pandoc drops foreign formats from its HTML; dossier drops
them all, HTML included (raw HTML is never passed through), and says so with a note.
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from mdit_py_plugins.subscript import sub_plugin
from mdit_py_plugins.superscript import superscript_plugin

_LANG = re.compile(r"[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*")
DIRECTIONS = frozenset({"ltr", "rtl", "auto"})
_RAW_FORMAT = re.compile(r"^\{=([A-Za-z0-9_+-]{1,40})\}$")
# Pandoc's HTML writer turns these span classes into elements of their own.
_SPAN_TAGS = {"underline": "u", "mark": "mark"}


def good_lang(value: str) -> bool:
    return bool(_LANG.fullmatch(value))


def good_dir(value: str) -> bool:
    return value in DIRECTIONS


def span_elements(state: StateCore) -> None:
    """`[x]{.underline}` -> <u>x</u>, `[x]{.mark}` -> <mark>x</mark>, as Pandoc."""
    for block in state.tokens:
        if block.type != "inline" or not block.children:
            continue
        opened: list[Token] = []
        for tok in block.children:
            if tok.type == "span_open":
                classes = str(tok.attrs.get("class", "")).split()
                tag = next((_SPAN_TAGS[c] for c in classes if c in _SPAN_TAGS), "span")
                if tag != "span":
                    tok.tag = tag
                    rest = [c for c in classes if c not in _SPAN_TAGS]
                    if rest:
                        tok.attrs["class"] = " ".join(rest)
                    else:
                        tok.attrs.pop("class", None)
                opened.append(tok)
            elif tok.type == "span_close" and opened:
                tok.tag = opened.pop().tag


def raw_blocks(state: StateCore) -> None:
    """A ```{=format} block becomes a hidden token that remembers its format."""
    for tok in state.tokens:
        if tok.type != "fence":
            continue
        m = _RAW_FORMAT.match(tok.info.strip())
        if m:
            tok.type = "raw_block"
            tok.hidden = True
            tok.meta = {**(tok.meta or {}), "format": m.group(1)}


def spans_plugin(md: MarkdownIt) -> None:
    md.use(sub_plugin)
    md.use(superscript_plugin)
    md.core.ruler.after("inline", "span_elements", span_elements)
    md.core.ruler.after("block", "raw_blocks", raw_blocks)
    md.add_render_rule("raw_block", lambda *args: "")
