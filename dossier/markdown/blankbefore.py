"""Pandoc's blank-line rules: a list, an ATX heading or a block quote starts only after
a blank line (Pandoc's `blank_before_header` and `blank_before_blockquote`, and its
list rule); right under a line of a paragraph it is part of that paragraph. CommonMark
and GitHub let them interrupt a paragraph, so authors who learned those write

    The goals are:
    - speed
    - safety

and mean a list. dossier reads it as Pandoc does, one paragraph, and warns at the line
(`md.ambiguous`) with the fix: a blank line before it. A sublist inside a list item
needs no blank line, in Pandoc as here.

A change of bullet (`-` then `+`) starts a new list in CommonMark but not in Pandoc:
such neighbours are joined into one list.
"""

from __future__ import annotations

from collections.abc import Callable

from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock, blockquote, heading, list_block
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

BlockRule = Callable[[StateBlock, int, int, bool], bool]
AMBIGUOUS = "_dossier_ambiguous"  # env key: {0-based line: "list" | "heading" | ...}

# markdown-it's own rules and the rules they may interrupt (parser_block.py)
_RULES: dict[str, tuple[BlockRule, list[str]]] = {
    "list": (list_block, ["paragraph", "reference", "blockquote"]),
    "heading": (heading, ["paragraph", "reference", "blockquote"]),
    "blockquote": (blockquote, ["paragraph", "reference", "blockquote", "list"]),
}
NAMES = {"list": "a list", "heading": "a heading", "blockquote": "a block quote"}
# the characters each can begin with
_FIRST = {
    "list": frozenset("-+*0123456789"),
    "heading": frozenset("#"),
    "blockquote": frozenset(">"),
}


def _pandoc(name: str, rule: BlockRule) -> BlockRule:
    def apply(state: StateBlock, start: int, end: int, silent: bool) -> bool:
        interrupting = silent and state.parentType == "paragraph"
        in_item = name == "list" and state.listIndent >= 0
        if interrupting and not in_item:
            pos = state.bMarks[start] + state.tShift[start]
            if state.src[pos : pos + 1] not in _FIRST[name]:
                return False  # cannot start one: not worth asking the rule (every line)
            if rule(state, start, end, True):  # CommonMark would end the paragraph here
                state.env.setdefault(AMBIGUOUS, {}).setdefault(start, name)
            return False
        return rule(state, start, end, silent)

    return apply


def join_bullet_lists(state: StateCore) -> None:
    """A bullet list closed and another opened at once, at the same level: one list."""
    tokens = state.tokens
    keep: list[Token] = []
    for i, tok in enumerate(tokens):
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        prev = tokens[i - 1] if i else None
        if (
            tok.type == "bullet_list_close"
            and nxt is not None
            and nxt.type == "bullet_list_open"
            and nxt.level == tok.level
        ) or (
            tok.type == "bullet_list_open"
            and prev is not None
            and prev.type == "bullet_list_close"
            and prev.level == tok.level
        ):
            continue
        keep.append(tok)
    if len(keep) != len(tokens):
        state.tokens = keep


def blank_before_plugin(md: MarkdownIt) -> None:
    for name, (rule, alt) in _RULES.items():
        md.block.ruler.at(name, _pandoc(name, rule), {"alt": alt})
    md.core.ruler.after("block", "join_bullet_lists", join_bullet_lists)
