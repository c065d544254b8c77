"""Two small points where Pandoc's reader and markdown-it's differ in what a reader sees.

- A straight `"` that markdown-it's smartquotes leaves alone because it has no partner
  (`“stakeholder-specific."`, an opening quote typed curly and the closing one straight)
  is curled by its place, as Pandoc's `smart` extension does: after a letter or
  punctuation and before a space or the end it closes (”), otherwise it opens (“).
- Spaces and line breaks at either end of a link's text are dropped, as Pandoc drops
  them: `[Improper Certificate Validation⏎](url), and` reads "Validation, and".
- The quote before a decade (`'90s`) is an apostrophe (U+2019), never an opening
  quote, and a backslash before a space is a no-break space (`Mr.\\ Smith`).
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token

_YEAR = re.compile(r"[\u2018'](?=\d\ds?\b)")


def lone_quotes(state: StateCore) -> None:
    for block in state.tokens:
        if block.type == "inline" and block.children:
            _curl(block.children)


def _curl(children: list[Token]) -> None:
    for i, tok in enumerate(children):
        if tok.type == "text" and ("\u2018" in tok.content or "'" in tok.content):
            # the quote before a decade's digits is an apostrophe, not an opening quote
            tok.content = _YEAR.sub("\u2019", tok.content)
        if tok.type != "text" or '"' not in tok.content:
            continue
        before = _last_char(children[i - 1]) if i else ""
        out = []
        text = tok.content
        for j, ch in enumerate(text):
            if ch != '"':
                out.append(ch)
                continue
            prev = text[j - 1] if j else before
            nxt = text[j + 1] if j + 1 < len(text) else ""
            closes = bool(prev) and not prev.isspace() and (not nxt or not nxt.isalnum())
            out.append("\u201d" if closes else "\u201c")
        tok.content = "".join(out)


def _last_char(tok: Token) -> str:
    """What a quote right after this token follows: its last letter, a space after a line
    break, and a letter after any other element (`*word*"` closes)."""
    if tok.type == "text":
        return tok.content[-1:]
    return " " if tok.type in ("softbreak", "hardbreak") else "x"


def trim_link_text(state: StateCore) -> None:
    for block in state.tokens:
        if block.type != "inline" or not block.children:
            continue
        children = block.children
        drop = set()
        for i, tok in enumerate(children):
            if tok.type == "link_open" and i + 1 < len(children):
                if children[i + 1].type == "softbreak":
                    drop.add(i + 1)
                elif children[i + 1].type == "text":
                    children[i + 1].content = children[i + 1].content.lstrip()
            elif tok.type == "link_close" and i > 0:
                if children[i - 1].type == "softbreak":
                    drop.add(i - 1)
                elif children[i - 1].type == "text":
                    children[i - 1].content = children[i - 1].content.rstrip()
        if drop:
            block.children = [t for n, t in enumerate(children) if n not in drop]


def escaped_space(state: StateInline, silent: bool) -> bool:
    """`\\ ` is a no-break space in Pandoc (CommonMark keeps the backslash)."""
    if not state.src.startswith("\\ ", state.pos):
        return False
    if not silent:
        state.pending += "\u00a0"
    state.pos += 2
    return True


def typography_plugin(md: MarkdownIt) -> None:
    md.inline.ruler.before("escape", "escaped_space", escaped_space)
    md.core.ruler.after("smartquotes", "lone_quotes", lone_quotes)
    md.core.ruler.after("inline", "trim_link_text", trim_link_text)
