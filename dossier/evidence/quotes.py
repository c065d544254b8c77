"""Quotations and the archived text they must come from.

A quotation is text in quotation marks immediately followed by a citation, or a block
quote whose last line is a citation. Matching forgives what typesetting changes
(whitespace, line breaks, typographic quotes, dashes, ligatures, the case of a first
letter); `...`, `…` and `[...]` split a quotation into pieces that must appear in
order; a bracketed insertion `[the MEK]` stands for any few words.
"""

from __future__ import annotations

import difflib
import heapq
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from ..diagnostics import Location
from ..model import Cluster
from ..read.quotes import QuoteMark
from .archive import Archived
from .quotematch import parts_of, spans

_TRANSLATE = str.maketrans(
    {
        "“": '"',
        "”": '"',
        "„": '"',
        "«": '"',
        "»": '"',
        "‘": "'",
        "’": "'",
        "‚": "'",
        "–": "-",
        "—": "-",
        "‑": "-",
        "‐": "-",
        "\u00a0": " ",
        "\u2009": " ",
        "\u202f": " ",
    }
)
_LOCATOR = re.compile(r"\bpp?\.\s*([0-9ivxlc]+)(?:\s*[-–]\s*([0-9ivxlc]+))?", re.I)


@dataclass(frozen=True, slots=True)
class Quotation:
    cluster: Cluster
    text: str
    location: Location
    block: bool = False


@dataclass(frozen=True, slots=True)
class QuoteCheck:
    quotation: Quotation
    status: str  # "found" | "not-found" | "wrong-page" | "no-archive"
    key: str = ""
    page: str = ""
    passage: str = ""  # the matching passage, or the closest one when not found
    # the passage split as (text before, the quoted words, text after), for highlighting
    context: tuple[str, str, str] = ("", "", "")


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).translate(_TRANSLATE)
    text = re.sub(r"(?<=\w)-\n(?=\w)", "", text)  # words hyphenated across lines
    text = re.sub(r"[*_`\\]", "", text)
    # composed again: a mark removed between a letter and its accent (`e*\u0301`) leaves
    # them side by side, still apart, and the source's `é` would not match
    text = unicodedata.normalize("NFC", text)
    return re.sub(r"\s+", " ", text).strip()


def bind(marks: Sequence[QuoteMark], clusters: Sequence[Cluster]) -> list[Quotation]:
    """One chapter's quotations with the clusters its citations became."""
    return [
        Quotation(clusters[q.cite], q.text, q.location, q.block)
        for q in marks
        if 0 <= q.cite < len(clusters)
    ]


def _pages_wanted(cluster: Cluster, key: str) -> tuple[str, str] | None:
    for item in cluster.items:
        if item.key == key:
            m = _LOCATOR.search(item.locator)
            if m:
                return m.group(1), m.group(2) or m.group(1)
    return None


def _on_page(label: str, wanted: tuple[str, str]) -> bool:
    if label.isdigit() and wanted[0].isdigit() and wanted[1].isdigit():
        return int(wanted[0]) <= int(label) <= int(wanted[1])
    return label.lower() in (wanted[0].lower(), wanted[1].lower())


def check(quote: Quotation, archives: dict[str, Archived]) -> QuoteCheck:
    keys = [i.key for i in quote.cluster.items if i.key in archives]
    if not keys:
        return QuoteCheck(quote, "no-archive", quote.cluster.items[0].key)
    parts = parts_of(normalise(quote.text))
    best: QuoteCheck | None = None
    for key in keys:
        text, starts = _joined(archives[key])
        wanted = _pages_wanted(quote.cluster, key)
        for start, end in spans(parts, text):
            page = _page_at(archives[key], starts, start)
            around = _context(text, start, end)
            passage = "".join(around)
            if wanted and _paged(archives[key]) and not _on_page(page, wanted):
                best = best or QuoteCheck(quote, "wrong-page", key, page, passage, around)
                continue
            return QuoteCheck(quote, "found", key, page, passage, around)
    if best:
        return best
    key = keys[0]
    text, starts = _joined(archives[key])
    at, passage = closest(normalise(quote.text), text)
    return QuoteCheck(quote, "not-found", key, _page_at(archives[key], starts, at), passage)


def _paged(archive: Archived) -> bool:
    return len(archive.pages) > 1 or bool(archive.pages and archive.pages[0][0])


def _joined(archive: Archived) -> tuple[str, list[int]]:
    starts, parts, offset = [], [], 0
    for _, page_text in archive.pages:
        norm = normalise(page_text)
        starts.append(offset)
        parts.append(norm)
        offset += len(norm) + 1
    return " ".join(parts), starts


def _page_at(archive: Archived, starts: list[int], offset: int) -> str:
    index = 0
    for i, s in enumerate(starts):
        if s <= offset:
            index = i
    return archive.pages[index][0] if archive.pages else ""


def _context(text: str, start: int, end: int, pad: int = 60) -> tuple[str, str, str]:
    a = text.rfind(" ", 0, max(0, start - pad)) + 1
    b = text.find(" ", min(len(text), end + pad))
    b = b if b > 0 else len(text)
    return (
        ("…" if a > 0 else "") + text[a:start],
        text[start:end],
        text[end:b] + ("…" if b < len(text) else ""),
    )


def closest(quote: str, text: str) -> tuple[int, str]:
    """The passage of `text` most like `quote` (by words), and where it starts.

    Linear in the text: every window of the quotation's length (in words) is scored by
    how many of its words the quotation has (a running count as the window slides),
    and only the best few windows are compared closely with difflib. Comparing every
    window with difflib took 10 s for a 20-word misquotation in a 2 MB source."""
    words = list(re.finditer(r"\S+", text))
    if not words:
        return 0, ""
    size = max(1, len(quote.split()))
    best_at = _best_window(quote, text, words, size)
    start = words[best_at].start()
    end = words[min(best_at + size, len(words)) - 1].end()
    return start, text[start:end]


CANDIDATES = 8  # windows compared closely
CLOSE_COMPARE_CHARS = 4000  # past this, the word count alone decides


def _best_window(quote: str, text: str, words: list[re.Match[str]], size: int) -> int:
    wanted = Counter(quote.casefold().split())
    folded = [w.group().casefold() for w in words]
    have: Counter[str] = Counter()
    score = 0
    scores: list[int] = []
    for i, word in enumerate(folded):
        if have[word] < wanted[word]:
            score += 1
        have[word] += 1
        if i >= size:  # the word leaving the window
            gone = folded[i - size]
            have[gone] -= 1
            if have[gone] < wanted[gone]:
                score -= 1
        if i >= size - 1 or i == len(folded) - 1:
            scores.append(score)
    ranked = heapq.nlargest(CANDIDATES, range(len(scores)), key=lambda i: (scores[i], -i))
    if len(quote) > CLOSE_COMPARE_CHARS:
        return ranked[0]
    matcher = difflib.SequenceMatcher(autojunk=False)
    matcher.set_seq2(quote.casefold())

    def likeness(i: int) -> tuple[float, int]:
        last = words[min(i + size, len(words)) - 1].end()
        matcher.set_seq1(text[words[i].start() : last].casefold())
        return matcher.ratio(), -i

    return max(ranked, key=likeness)
