"""Heading identifiers as Pandoc's `auto_identifiers` makes them, so that the `#id`
links an author wrote for Pandoc land in dossier too.

Pandoc takes the heading's text without its markup (link text, not the address; code
as written; no footnotes), lowercases it, keeps letters and digits of any script and
`_`, `-`, `.`, joins the words with `-`, and drops everything before the first letter.
Nothing left: `section`. Repeats get `-1`, `-2` ... (collect.claim).
"""

from __future__ import annotations

from collections.abc import Sequence

from markdown_it.token import Token

_KEPT = frozenset("_-.")
EMPTY = "section"


def plain_text(children: Sequence[Token]) -> str:
    """The text a reader sees in an inline: no markup, link text without its address,
    no footnote or citation marks."""
    parts: list[str] = []
    for tok in children:
        if tok.type in ("text", "code_inline"):
            parts.append(tok.content)
        elif tok.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif tok.type == "image" and tok.children:
            parts.append(plain_text(tok.children))
    return "".join(parts)


def pandoc_id(text: str) -> str:
    kept = "".join(c for c in text.lower() if c.isalnum() or c in _KEPT or c.isspace())
    joined = "-".join(kept.split())
    start = next((i for i, c in enumerate(joined) if c.isalpha()), len(joined))
    return joined[start:] or EMPTY
