"""The live page against the archived copy, as text normalised the way quotations are
(so typography, whitespace and markup changes are no change), and a short word diff."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from ..evidence.archive import Archived, extract_pages
from ..evidence.quotematch import parts_of, spans
from ..evidence.quotes import normalise
from .fetcher import Fetched
from .store import sniff

DIFF_WORDS = 20_000  # past this many differing words, only the counts are given
SHOWN_CHANGES = 5
SHOWN_WORDS = 12


@dataclass(frozen=True, slots=True)
class Diff:
    removed: int  # words
    added: int
    changes: tuple[tuple[str, str], ...]  # (words removed, words added), the first few

    @property
    def same(self) -> bool:
        return not self.removed and not self.added


def archived_text(archived: Archived) -> str:
    return " ".join(normalise(text) for _, text in archived.pages)


def live_text(got: Fetched) -> str | None:
    """The page's text, or None when it is not HTML, PDF or text (or unreadable)."""
    suffix = sniff(got.content_type, got.body)
    if suffix is None:
        return None
    try:
        pages = extract_pages(got.body, suffix)
    except Exception:  # a damaged PDF: no text, as for an archive
        return None
    return " ".join(normalise(text) for _, text in pages)


def _clip(words: list[str]) -> str:
    shown = " ".join(words[:SHOWN_WORDS])
    return shown + (" …" if len(words) > SHOWN_WORDS else "")


def word_diff(old: str, new: str) -> Diff:
    a, b = old.split(), new.split()
    # the common start and end are skipped first: an edit is usually local, and
    # difflib's work grows with the length of what it compares
    head = 0
    while head < min(len(a), len(b)) and a[head] == b[head]:
        head += 1
    tail = 0
    while tail < min(len(a), len(b)) - head and a[-1 - tail] == b[-1 - tail]:
        tail += 1
    a, b = a[head : len(a) - tail], b[head : len(b) - tail]
    if not a and not b:
        return Diff(0, 0, ())
    if len(a) + len(b) > DIFF_WORDS:
        return Diff(len(a), len(b), ((_clip(a), _clip(b)),))
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    removed = added = 0
    changes: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            continue
        removed += i2 - i1
        added += j2 - j1
        if len(changes) < SHOWN_CHANGES:
            changes.append((_clip(a[i1:i2]), _clip(b[j1:j2])))
    return Diff(removed, added, tuple(changes))


def contains_quotation(text: str, quotation: str) -> bool:
    """Whether `text` (normalised) holds the quotation, by the rules quotations are
    checked by (ellipses, insertions, the case of a first letter)."""
    parts = parts_of(normalise(quotation))
    return bool(parts) and next(iter(spans(parts, text)), None) is not None
