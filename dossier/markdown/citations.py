"""Inline rules for Pandoc citations and Quarto cross-references.

`[see @a, ch. 2; -@b]` (bracketed), `@a` and `@a [p. 7]` (narrative). A key starts
with a letter, digit or `_` and may hold internal punctuation `:.#$%&-+?<>~/`, as in
Pandoc; `@{...}` braces allow anything. An `@` after a word character (an e-mail
address) is never a citation. Keys beginning `sec-`, `fig-` or `tbl-` are
cross-references. Tokens record where they stand in the source (`meta["line0"]`),
because markdown-it gives inline tokens no map of their own.
"""

from __future__ import annotations

import re
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline

KEY = r"(?:\{[^{}\n]+\}|[\w](?:[\w]|[:.#$%&\-+?<>~/](?=[\w]))*)"
_ITEM = re.compile(
    rf"^(?P<prefix>(?:.*?[\s(])?)(?P<neg>-)?@(?P<key>{KEY})(?P<suffix>.*)$", re.DOTALL
)
_NARRATIVE = re.compile(rf"@(?P<key>{KEY})")
_SUFFIX = re.compile(r"[ \t]?\[(?P<suffix>[^\[\]@]*)\]")
XREF_KINDS = ("sec", "fig", "tbl")


def is_xref(key: str) -> bool:
    return key.split("-", 1)[0] in XREF_KINDS and "-" in key


def _key(raw: str) -> str:
    return raw[1:-1] if raw.startswith("{") else raw


def _closing_bracket(src: str, start: int) -> int:
    """Index of the ']' matching src[start] == '[', or -1."""
    depth = 0
    i = start
    while i < len(src):
        ch = src[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return -1


def _split_items(body: str) -> list[str]:
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(body):
        if ch in "[{":
            depth += 1
        elif ch in "]}":
            depth -= 1
        elif ch == ";" and depth == 0:
            parts.append(body[start:i])
            start = i + 1
    parts.append(body[start:])
    return parts


def parse_bracketed(body: str) -> list[dict[str, Any]] | None:
    items = []
    for part in _split_items(body):
        m = _ITEM.match(part.strip())
        if not m:
            return None
        items.append({
            "key": _key(m.group("key")),
            "prefix": m.group("prefix").strip(),
            "suffix": m.group("suffix").strip(),
            "suppress_author": bool(m.group("neg")),
        })
    return items


def _push(state: StateInline, kind: str, source: str, items: list[dict[str, Any]],
          narrative: bool, start: int) -> None:
    token = state.push(kind, "", 0)
    line_map = state.env.get("_inline_map")
    base = line_map[0] if line_map else 0
    token.meta = {
        "source": source,
        "items": items,
        "narrative": narrative,
        "line0": base + state.src.count("\n", 0, start),
    }
    token.content = source


def bracketed_rule(state: StateInline, silent: bool) -> bool:
    src, pos = state.src, state.pos
    if src[pos] != "[" or ("@" not in src[pos:pos + 200] and "@" not in src[pos:]):
        return False
    end = _closing_bracket(src, pos)
    if end < 0 or src[end + 1:end + 2] in ("(", "["):
        return False
    items = parse_bracketed(src[pos + 1:end])
    if not items:
        return False
    xrefs = [is_xref(i["key"]) for i in items]
    if any(xrefs) and not all(xrefs):
        return False
    if not silent:
        source = " ".join(src[pos:end + 1].split())
        _push(state, "xref" if all(xrefs) else "citation", source, items, False, pos)
    state.pos = end + 1
    return True


def narrative_rule(state: StateInline, silent: bool) -> bool:
    src, pos = state.src, state.pos
    if src[pos] != "@" or (pos > 0 and (src[pos - 1].isalnum() or src[pos - 1] in "_@")):
        return False
    m = _NARRATIVE.match(src, pos)
    if not m:
        return False
    key = _key(m.group("key"))
    end = m.end()
    if is_xref(key):
        if not silent:
            _push(state, "xref", m.group(0), [{"key": key, "prefix": "", "suffix": "",
                                                "suppress_author": False}], True, pos)
        state.pos = end
        return True
    suffix = ""
    sm = _SUFFIX.match(src, end)
    if sm and src[sm.end():sm.end() + 1] not in ("(", "["):
        suffix = sm.group("suffix").strip()
        end = sm.end()
    if not silent:
        _push(state, "citation", " ".join(src[pos:end].split()),
              [{"key": key, "prefix": "", "suffix": suffix, "suppress_author": False}], True,
              pos)
    state.pos = end
    return True


def inline_with_lines(state: Any) -> None:
    """The core 'inline' rule, telling inline rules which source lines they parse."""
    for token in state.tokens:
        if token.type == "inline":
            if token.children is None:
                token.children = []
            state.env["_inline_map"] = token.map
            state.md.inline.parse(token.content, state.md, state.env, token.children)
    state.env.pop("_inline_map", None)


def citations_plugin(md: MarkdownIt) -> None:
    md.inline.ruler.before("link", "citation", bracketed_rule)
    md.inline.ruler.before("link", "narrative_citation", narrative_rule)
    md.core.ruler.at("inline", inline_with_lines)
