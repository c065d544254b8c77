"""What a note's text depends on besides its own words: its position among the notes.

In a note style a citation prints as a first, full note, a short form, "Ibid." or
"Ibid., 4", and some styles print "(n 3)", the note it was first cited in. pandoc's
citeproc decides this per cited item from the last citation of the same item: how many
notes back it was, whether it was the citation right before and alone in its note, and
its locator. This module follows those rules over the requests in pandoc's order
(notekeys.in_note_order) and gives, for each request, a *context*: those inputs, no
coarser than citeproc reads them (a raw locator stands for the parsed one). A note
formatted once is then reused wherever its words and its context are the same.

Disambiguation (more names, initials, a year suffix) is decided over every citation of
the document at once, each rendered with its locators and affixes removed. Its inputs
are, per item, the positions it is cited in: `signature` is that set, and a cache of
notes holds only while it is unchanged (see formatting).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ..model import CiteItem

# citeproc's default when a style sets no near-note-distance
NEAR_NOTE_DISTANCE = 5


@dataclass(frozen=True, slots=True)
class Cite:
    """One item of a citation as citeproc sees it: a narrative citation `@a [p. 7]` is
    two, the author's name ("author") and the rest ("suppress")."""

    key: str
    kind: str  # "normal" | "author" | "suppress"
    locator: str = ""  # the raw suffix: equal text, equal locator and label


def cites(narrative: bool, items: Sequence[CiteItem]) -> tuple[Cite, ...]:
    """pandoc's items for a citation (Text.Pandoc.Citeproc.fromPandocCitations)."""
    out: list[Cite] = []
    for n, item in enumerate(items):
        if narrative and n == 0 and not item.suppress_author:
            out += [Cite(item.key, "author"), Cite(item.key, "suppress", item.locator)]
        else:
            out.append(
                Cite(item.key, "suppress" if item.suppress_author else "normal", item.locator)
            )
    return tuple(out)


@dataclass(frozen=True, slots=True)
class StyleFacts:
    near_note_distance: int
    first_note: bool  # prints first-reference-note-number ("(n 3)")
    # Whether contexts can key a style's notes: not when citation numbers (in the order
    # of first citation) or a sorted citation make the text depend on more.
    keyed: bool


def style_facts(text: str) -> StyleFacts:
    citation = re.search(r"<citation\b[^>]*>", text)
    near = re.search(r'near-note-distance="(\d+)"', citation.group(0)) if citation else None
    body = re.search(r"<citation\b.*?</citation>", text, re.DOTALL)
    bibliography = re.search(r"<bibliography\b.*?</bibliography>", text, re.DOTALL)
    keyed = bool(
        body
        and "<sort" not in body.group(0)
        and "citation-number" not in text
        and (bibliography is None or "<sort" in bibliography.group(0))
    )
    return StyleFacts(
        int(near.group(1)) if near else NEAR_NOTE_DISTANCE,
        "first-reference-note-number" in text,
        keyed,
    )


@dataclass(frozen=True, slots=True)
class Event:
    """One step of pandoc's order: a citation (`request`, the index of the request), a
    footnote without citations (`request` -1), or a heading of class
    reset-citation-positions (`reset`). `note`: the footnote it stands in ("" for a
    citation of the text, which is a note of its own)."""

    request: int = -1
    note: str = ""
    in_note: bool = False
    reset: bool = False


Context = tuple[tuple[object, ...], ...]  # one tuple per item of the citation


def contexts(
    events: Iterable[Event], items: Sequence[tuple[Cite, ...]], facts: StyleFacts
) -> dict[int, Context]:
    """request -> its context, each request's items in `items` (or in cleaned(items),
    for the positions citeproc renders to find what is ambiguous)."""
    last: dict[str, tuple[int, int, int, bool, str]] = {}  # citeproc's stateLastCitedMap
    in_notes: dict[int, set[str]] = {}  # note -> items cited in it (stateNoteMap)
    first: dict[str, int] = {}
    out: dict[int, Context] = {}
    note = group = 0
    leader = ""
    for ev in events:
        if ev.reset:
            last, in_notes, leader = {}, {}, ""
            continue
        if not ev.in_note:
            note, leader = note + 1, ""
        elif not (leader and ev.note == leader):
            note, leader = note + 1, ev.note
        if ev.request < 0:
            continue
        group += 1
        out[ev.request] = _cite(items[ev.request], group, note, last, in_notes, first, facts)
    return out


def cleaned(items: Sequence[tuple[Cite, ...]]) -> list[tuple[Cite, ...]]:
    """Each citation as citeproc renders it to find what is ambiguous: every locator
    removed, and a narrative citation made a normal one."""
    made: dict[tuple[Cite, ...], tuple[Cite, ...]] = {}
    out = []
    for its in items:
        tidy = made.get(its)
        if tidy is None:
            rest = its
            if len(its) >= 2 and its[0].kind == "author" and its[1].kind == "suppress":
                rest = (Cite(its[1].key, "normal"), *its[2:])
            tidy = made[its] = tuple(c if not c.locator else Cite(c.key, c.kind) for c in rest)
        out.append(tidy)
    return out


def _cite(
    items: tuple[Cite, ...],
    group: int,
    note: int,
    last: dict[str, tuple[int, int, int, bool, str]],
    in_notes: dict[int, set[str]],
    first: dict[str, int],
    facts: StyleFacts,
) -> Context:
    """citeproc's getPosition, updateRefMap and updateLastCitedMap for one citation."""
    alone_in_citation = len(items) == 1 or (
        len(items) == 2
        and items[0].key == items[1].key
        and (items[0].kind, items[1].kind) == ("author", "suppress")
    )
    start = 0 if items and items[0].kind == "author" else 1
    context: list[tuple[object, ...]] = []
    for pos, item in enumerate(items, start):
        prev = last.get(item.key)
        if prev is None:
            context.append(("first",))
            first[item.key] = note
        else:
            p_group, p_note, p_pos, p_alone, p_locator = prev
            alone = p_alone and len(in_notes.get(p_note, ())) <= 1
            ibid = (group == p_group and pos == p_pos + 1) or (
                group == p_group + 1 and note - p_note <= 1 and pos == 1 and alone
            )
            context.append(
                (
                    note - p_note < facts.near_note_distance,
                    ibid,
                    p_locator if ibid else "",
                    first[item.key] if facts.first_note else 0,
                )
            )
        in_notes.setdefault(note, set()).add(item.key)
        if item.kind != "author":
            last[item.key] = (group, note, pos, alone_in_citation, item.locator)
    return tuple(context)


def signature(
    clean: Sequence[tuple[Cite, ...]], contexts: dict[int, Context]
) -> dict[str, list[str]]:
    """What disambiguation depends on: each item with each position it is cited in, in
    the clean rendering (`clean`: cleaned(items), `contexts` over them), sorted."""
    found: dict[str, set[str]] = {}
    for n, context in contexts.items():
        for c, ctx in zip(clean[n], context, strict=True):
            found.setdefault(c.key, set()).add(repr((c.kind, ctx)))
    return {k: sorted(v) for k, v in found.items()}
