"""The harmless inline HTML authors write for Pandoc, read as what it means.

Raw HTML is never passed through (it is shown as text, with a warning): a tag is
active content waiting for a mistake. But a few tags are only formatting or anchors,
and real books use them: `<br>`, `<sub>`, `<sup>`, `<u>`, `<mark>`, `<span>` with
lang/dir/class, and `<a name="x"></a>` (or `id`) as a link target. Those are parsed
here into tokens of their own, keeping only the attributes on an allow-list, checked
as every other attribute (transforms.safe_attributes). A tag that is not on the list,
has any other attribute, or is not closed in the same paragraph stays text.
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict

# Elements read as formatting: name -> the attributes they may keep.
PAIRED = {
    "sub": frozenset(),
    "sup": frozenset(),
    "u": frozenset(),
    "mark": frozenset(),
    "span": frozenset({"lang", "dir", "class"}),
}
_ATTR = re.compile(r'\s+([a-zA-Z-]+)\s*=\s*(?:"([^"<>]*)"|\'([^\'<>]*)\'|([^\s"\'<>=`]+))')
_OPEN = re.compile(r"<([a-zA-Z]+)((?:" + _ATTR.pattern + r")*)\s*(/?)>")
_CLOSE = re.compile(r"</([a-zA-Z]+)\s*>")
_ANCHOR = re.compile(r"<a((?:" + _ATTR.pattern + r")*)\s*>\s*</a\s*>")


def _attrs(text: str) -> dict[str, str] | None:
    found: dict[str, str] = {}
    for m in _ATTR.finditer(text):
        name = m.group(1).lower()
        if name in found:
            return None
        found[name] = next(g for g in m.groups()[1:] if g is not None)
    return found


def safe_tag(state: StateInline, silent: bool) -> bool:
    src, pos = state.src, state.pos
    if not src.startswith("<", pos):
        return False
    if m := _ANCHOR.match(src, pos):  # <a name="x"></a>: a link target, nothing shown
        attrs = _attrs(m.group(1))
        if not attrs or set(attrs) - {"name", "id"} or len(attrs) != 1:
            return False
        if not silent:
            token = state.push("raw_anchor", "span", 0)
            token.attrs = {"id": next(iter(attrs.values()))}
        state.pos = m.end()
        return True
    if m := _CLOSE.match(src, pos):
        name = m.group(1).lower()
        if name not in PAIRED:
            return False
        if not silent:
            # nesting is set after the push: markdown-it's delimiter stack would break on
            # a close it never saw open (the tags are balanced afterwards, in balance)
            token = state.push("raw_tag_close", name, 0)
            token.nesting, token.meta = -1, {"source": m.group(0)}
        state.pos = m.end()
        return True
    m = _OPEN.match(src, pos)
    if not m:
        return False
    name, attr_text, selfclosing = m.group(1).lower(), m.group(2), m.group(m.lastindex or 0)
    attrs = _attrs(attr_text)
    if name == "br" and attrs == {}:
        if not silent:
            state.push("hardbreak", "br", 0)
        state.pos = m.end()
        return True
    if name not in PAIRED or attrs is None or set(attrs) - PAIRED[name] or selfclosing == "/":
        return False
    if not silent:
        token = state.push("raw_tag_open", name, 0)
        token.nesting, token.attrs, token.meta = 1, dict(attrs), {"source": m.group(0)}
    state.pos = m.end()
    return True


def balance(state: StateCore) -> None:
    """A tag opened and not closed in the same inline (or closed and never opened)
    goes back to being text: nothing may leak its formatting past its paragraph."""
    for block in state.tokens:
        if block.type == "inline" and block.children:
            _balance(block.children)


def _balance(children: list[Token]) -> None:
    stack: list[Token] = []
    for tok in children:
        if tok.type == "raw_tag_open":
            stack.append(tok)
        elif tok.type == "raw_tag_close":
            if stack and stack[-1].tag == tok.tag:
                stack.pop()
            else:
                _as_text(tok)
        elif tok.children:
            _balance(tok.children)
    for tok in stack:
        _as_text(tok)


def _as_text(tok: Token) -> None:
    tok.type, tok.nesting, tok.content, tok.attrs = "text", 0, tok.meta["source"], {}


def raw_inline_plugin(md: MarkdownIt) -> None:
    md.inline.ruler.before("autolink", "safe_tag", safe_tag)
    md.core.ruler.after("inline", "balance_raw_tags", balance)
    md.add_render_rule("raw_anchor", _anchor)


def _anchor(
    self: RendererHTML, tokens: list[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    return f"<span{self.renderAttrs(tokens[idx])}></span>"
