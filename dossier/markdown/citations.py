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
from typing import TypedDict

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline

# Invisible characters are part of a key, so that `@smith<U+200B>2020` is reported as
# an unknown key with the character named, not silently cited as `@smith`.
_INVISIBLE = "\u00ad\u200b-\u200f\u2060-\u2064\ufeff"
KEY = rf"(?:\{{[^{{}}\n]+\}}|[\w](?:[\w{_INVISIBLE}]|[:.#$%&\-+?<>~/](?=[\w]))*)"
_ITEM = re.compile(
    rf"^(?P<prefix>(?:.*?[\s(])?)(?P<neg>-)?@(?P<key>{KEY})(?P<suffix>.*)$", re.DOTALL
)
_NARRATIVE = re.compile(rf"@(?P<key>{KEY})")
_SUFFIX = re.compile(r"[ \t]?\[(?P<suffix>[^\[\]@]*)\]")
XREF_KINDS = ("sec", "fig", "tbl", "eq")
MAX_INNER_BRACKETS = 8


class ParsedItem(TypedDict):
    """One item of a citation as a token's `meta["items"]` holds it (read.scan reads it)."""

    key: str
    prefix: str
    suffix: str
    suppress_author: bool


def is_xref(key: str) -> bool:
    """`sec-x`, `fig-x`, `tbl-x`, `eq-x` (Quarto's form) or `sec:x`, `fig:x`, `eq:x` ...
    (pandoc-crossref's); both forms may be mixed in one project."""
    return bool(_XREF.match(key))


_XREF = re.compile(r"(?:sec|fig|tbl|eq)[-:].")


def _key(raw: str) -> str:
    return raw[1:-1] if raw.startswith("{") else raw


def _brackets(state: StateInline) -> tuple[dict[int, int], int]:
    """Each '[' of state.src -> its matching ']', and where the last '@' is.

    Found in one pass and kept for the whole inline text: scanning ahead from every
    '[' would take quadratic time on `[[[[...` or on a paragraph of 100,000 citations."""
    cached = state.env.get("_brackets")
    if cached is not None and cached[0] is state.src:
        return cached[1], cached[2]
    src = state.src
    pairs: dict[int, int] = {}
    stack: list[int] = []
    for m in re.finditer(r"\\.|[\[\]]", src, re.DOTALL):
        ch = m.group(0)
        if ch == "[":
            stack.append(m.start())
        elif ch == "]" and stack:
            pairs[stack.pop()] = m.start()
    last_at = src.rfind("@")
    state.env["_brackets"] = (src, pairs, last_at)
    return pairs, last_at


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


def parse_bracketed(body: str) -> list[ParsedItem] | None:
    items: list[ParsedItem] = []
    for part in _split_items(body):
        m = _ITEM.match(part.strip())
        if not m:
            return None
        items.append(
            {
                "key": _key(m.group("key")),
                "prefix": m.group("prefix").strip(),
                "suffix": m.group("suffix").strip(),
                "suppress_author": bool(m.group("neg")),
            }
        )
    return items


def _line_of(state: StateInline, start: int) -> tuple[int, int]:
    """(newlines before start, index where its line begins) in state.src.

    Inline rules run left to right, so the count continues from the last citation
    instead of rescanning the text: 100,000 citations in one paragraph stay linear."""
    src = state.src
    cached = state.env.get("_cite_pos")
    if cached is not None and cached[0] is src and cached[1] <= start:
        _, pos, lines, line_start = cached
    else:
        pos, lines, line_start = 0, 0, 0
    newlines = src.count("\n", pos, start)
    if newlines:
        lines += newlines
        line_start = src.rfind("\n", pos, start) + 1
    state.env["_cite_pos"] = (src, start, lines, line_start)
    return lines, line_start


_LEADING_SPACE = re.compile(r"\s*")
_NEXT_CHAR = re.compile(r"[ \t]*(.?)", re.DOTALL)


def note_context(src: str, start: int, end: int) -> str:
    """What pandoc looks at around a citation inside a footnote, in a note style (its
    deNote): "first" when nothing comes before it in its paragraph (it is then printed
    as the note, not in parentheses), "+period" when its final period stays (nothing, or
    a capital, follows it: pandoc's needsPeriod, for `@key` in a note)."""
    # matched in place, not sliced: a paragraph may hold 100,000 citations
    first = _LEADING_SPACE.match(src).end() >= start  # type: ignore[union-attr]
    following = _NEXT_CHAR.match(src, end).group(1)  # type: ignore[union-attr]
    stays = not following or following.isupper()
    return ("first" if first else "") + ("+period" if stays else "")


def _push(
    state: StateInline,
    kind: str,
    source: str,
    items: list[ParsedItem],
    narrative: bool,
    start: int,
    end: int = -1,
) -> None:
    token = state.push(kind, "", 0)
    line_map = state.env.get("_inline_map")
    base = line_map[0] if line_map else 0
    lines, line_start = _line_of(state, start)
    # The inline text is the source line less its indentation and block markers: the
    # column is found later by locating the start of this text in the source line.
    token.meta = {
        "source": source,
        "items": items,
        "narrative": narrative,
        "line0": base + lines,
        "offset": start - line_start,
        "head": state.src[line_start : line_start + 40].split("\n", 1)[0],
        "note_context": note_context(state.src, start, end) if end >= 0 else "",
    }
    token.content = source


def bracketed_rule(state: StateInline, silent: bool) -> bool:
    src, pos = state.src, state.pos
    if src[pos] != "[":
        return False
    pairs, last_at = _brackets(state)
    end = pairs.get(pos, -1)
    if last_at < pos or end < 0 or src[end + 1 : end + 2] in ("(", "["):
        return False
    body = src[pos + 1 : end]
    # Brackets nested deeper than a locator's `[p. 3]` mean this is not a citation;
    # parsing each of 10,000 nested brackets as one would take quadratic time.
    items = parse_bracketed(body) if body.count("[") <= MAX_INNER_BRACKETS else None
    if not items:
        return False
    xrefs = [is_xref(i["key"]) for i in items]
    if any(xrefs) and not all(xrefs):
        return False
    if not silent:
        source = " ".join(src[pos : end + 1].split())
        _push(state, "xref" if all(xrefs) else "citation", source, items, False, pos, end + 1)
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
            _push(
                state,
                "xref",
                m.group(0),
                [{"key": key, "prefix": "", "suffix": "", "suppress_author": False}],
                True,
                pos,
            )
        state.pos = end
        return True
    suffix = ""
    sm = _SUFFIX.match(src, end)
    if sm and src[sm.end() : sm.end() + 1] not in ("(", "["):
        suffix = sm.group("suffix").strip()
        end = sm.end()
    if not silent:
        _push(
            state,
            "citation",
            " ".join(src[pos:end].split()),
            [{"key": key, "prefix": "", "suffix": suffix, "suppress_author": False}],
            True,
            pos,
            end,
        )
    state.pos = end
    return True


def inline_with_lines(state: StateCore) -> None:
    """The core 'inline' rule, telling inline rules which source lines they parse."""
    for token in state.tokens:
        if token.type == "inline":
            if token.children is None:
                token.children = []
            state.env["_inline_map"] = token.map
            state.md.inline.parse(token.content, state.md, state.env, token.children)
    state.env.pop("_inline_map", None)
    state.env.pop("_cite_pos", None)
    state.env.pop("_brackets", None)


def citations_plugin(md: MarkdownIt) -> None:
    md.inline.ruler.before("link", "citation", bracketed_rule)
    md.inline.ruler.before("link", "narrative_citation", narrative_rule)
    md.core.ruler.at("inline", inline_with_lines)
