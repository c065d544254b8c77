"""Where a quotation stands in a source's text, in time linear in the text.

A quotation is read as literal parts in order: `...`, `…` and `[...]` split it into
pieces (at most 12) that may stand up to 4,000 characters apart, and a bracketed
insertion `[the MEK]` inside a piece stands for up to 80 characters (plus a space on
each side). The first letter of each piece may differ in case.

This was a regular expression (`.{0,4000}?` between pieces, `\\s?.{0,80}?\\s?` for an
insertion); on a long source with a common word, its backtracking grew with the product
of the gaps and a quotation with a few insertions ran for hours. Here every part's
occurrences are found once with str.find, the starts from which the rest of the
quotation can still be completed are worked out from the last part back (a binary
search per occurrence), and a match is then read forwards, each part at its earliest
completable place: the spans a lazy expression `part.{0,gap}?part...` gives, leftmost
first and not overlapping (tests/test_quotematch.py compares the two). The one
difference from the old expression: an insertion may take 82 characters whether or
not its edges are spaces."""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import dataclass

_ELLIPSIS = re.compile(r"\s*(?:\[\s*(?:\.\.\.|…)\s*\]|\.\.\.|…)\s*")
_INSERTION = re.compile(r"\[[^\]]*\]")
MAX_PIECES = 12
PIECE_GAP = 4000  # characters between two pieces
INSERTION_GAP = 82  # an insertion: up to 80 characters and a space on each side


@dataclass(frozen=True, slots=True)
class Part:
    text: str
    gap: int  # at most this many characters between the part before and this one
    any_case: bool  # the first letter may be upper or lower case


def parts_of(quote: str) -> tuple[Part, ...]:
    """The literal parts of a normalised quotation, in order."""
    out: list[Part] = []
    pieces = [p for p in _ELLIPSIS.split(quote) if p.strip()][:MAX_PIECES]
    for piece in pieces:
        literals = [p.strip() for p in _INSERTION.split(piece) if p.strip()]
        for n, literal in enumerate(literals):
            first = n == 0
            out.append(
                Part(literal, PIECE_GAP if first else INSERTION_GAP, first and literal[0].isalpha())
            )
    return tuple(out)


def _starts(text: str, part: Part) -> list[int]:
    """Every place `part` starts in `text` (overlapping ones too), in order."""
    forms = {part.text}
    if part.any_case:
        forms |= {part.text[0].lower() + part.text[1:], part.text[0].upper() + part.text[1:]}
    found: set[int] = set()
    for form in forms:
        at = text.find(form)
        while at >= 0:
            found.add(at)
            at = text.find(form, at + 1)
    return sorted(found)


def spans(parts: tuple[Part, ...], text: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each match of the quotation in `text`, left to right."""
    if not parts:
        return
    # completable[i]: the starts of part i from which parts i+1.. can still follow
    completable: list[list[int]] = [[] for _ in parts]
    completable[-1] = _starts(text, parts[-1])
    for i in range(len(parts) - 2, -1, -1):
        after, part = completable[i + 1], parts[i + 1]
        keep = []
        for start in _starts(text, parts[i]):
            end = start + len(parts[i].text)
            j = bisect_left(after, end)
            if j < len(after) and after[j] - end <= part.gap:
                keep.append(start)
        completable[i] = keep
    position = 0
    for start in completable[0]:  # a quotation's parts are never empty, so end > start
        if start < position:
            continue  # overlaps the match before it
        end = start + len(parts[0].text)
        for i in range(1, len(parts)):
            nxt = completable[i]
            at = nxt[bisect_left(nxt, end)]  # exists: `start` was completable
            end = at + len(parts[i].text)
        yield start, end
        position = end
