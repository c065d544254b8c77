"""Pandoc's implicit header references: `[Heading text]` or `[Heading text][]` links to
the heading with that text, in any chapter. The bracket is marked here; whether a
heading has that text is known only once every chapter is read, so the renderer
(render.writer) makes it a link, or prints the brackets as they were
written (`[sic]`, `[...]`, `[emphasis added]` stay text). Labels with markup, and
brackets followed by `(`, `{`, or `[label]` of a reference, are left to other rules."""

from __future__ import annotations

from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline

# markup, or what typography would change (quotes, dashes, ellipses): left to the text
_MARKUP = set("*_`<[]\\$@^\"'")


def implicit_ref(state: StateInline, silent: bool) -> bool:
    src, pos = state.src, state.pos
    if not src.startswith("[", pos):
        return False
    end = src.find("]", pos + 1, state.posMax)
    if end <= pos + 1:
        return False
    label = src[pos + 1 : end]
    if _MARKUP & set(label) or "--" in label or "..." in label or not label.strip():
        return False
    after = end + 1
    if src.startswith("[]", after):
        after += 2
    elif src.startswith(("(", "{", "["), after):
        return False
    if not silent:
        token = state.push("implicit_ref", "", 0)
        token.content = " ".join(label.split())
        token.meta = {"source": src[pos:after]}
    state.pos = after
    return True


def implicit_refs_plugin(md: MarkdownIt) -> None:
    md.inline.ruler.after("link", "implicit_ref", implicit_ref)
