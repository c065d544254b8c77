"""New notes of a note style formatted in the whole document's frame, without the
citations they cannot depend on.

A note's text depends on its position (the earlier citations of its works, note
numbers, what else a note holds) and on the disambiguation of the works it could be
confused with (families.related: those sharing a family name, and those without
names). So pandoc is given the whole sequence of notes, in the same sections, with
every note that cites none of those works left empty: each note keeps its number,
each work its positions, and a footnote that cites one of them keeps all its
citations (whether a work was alone in a note decides ibid.). What pandoc no longer
sees are the citations of works that share no name with the new notes' works, the
same assumption as formatting's runs by family for author-date styles. Runs of empty
notes are then shortened as far as the distances citeproc reads allow (_tight).

Before the run, the positions of the works are read again over the reduced document
(positions.contexts) and must be the whole document's; otherwise, or when the
reduced document would not be much smaller, the caller formats the whole document.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ..model import RESET_POSITIONS, Bibliography, FormattedCitation
from . import engine as cite
from . import positions
from .families import related
from .notekeys import note_events

if TYPE_CHECKING:
    from .formatting import Request

# Past this many references the new notes could be confused with, or this share of the
# document's citations kept, the reduced document is no cheaper than the whole one.
MAX_REFERENCES = 300
MAX_SHARE = 0.5


def format_new_notes(
    targets: Sequence[int],
    requests: Sequence[Request],
    notes: Sequence[int | str],
    bib: Bibliography,
    pool: set[str],
    how: tuple[Path, str, str, Sequence[str]],
    check: tuple[Mapping[str, str], Callable[[str], str]] | None = None,
) -> dict[int, FormattedCitation] | None:
    """The requests `targets` (indices into `requests`, in pandoc's order `notes`)
    formatted as in the whole document; None when that cannot be done for less. `how`:
    the style file, its text, the language and the whole document's nocite. `check`:
    the last build's bibliography entries and the cleaning they went through, when the
    disambiguation may have changed: each entry of the works the run sees must read as
    before (the bibliography is kept from the last build)."""
    from .formatting import _run

    style, style_text, language, nocite = how

    if not notes or not targets:
        return None
    near = set(related(bib, pool, {k for t in targets for k in requests[t].keys}))
    if len(near) > MAX_REFERENCES:
        return None
    by_note: dict[str, list[int]] = {}
    for n, r in enumerate(requests):
        if r.in_note and r.note:
            by_note.setdefault(r.note, []).append(n)
    kept: set[int] = set()
    for n, r in enumerate(requests):
        if n not in kept and not near.isdisjoint(r.keys):
            kept.update(by_note[r.note] if r.in_note and r.note else [n])
    if not kept.issuperset(targets) or len(kept) > MAX_SHARE * len(requests):
        return None
    order = sorted(kept)
    new = {old: n for n, old in enumerate(order)}
    small = [requests[n] for n in order]
    # A citation of the text left out is a note without citations (an unknown name:
    # notekeys.in_note_order makes it an empty footnote); a footnote left out has no
    # request left, and is made empty the same way.
    frame: list[int | str] = [
        new.get(item, f"\0gap{item}") if isinstance(item, int) else item for item in notes
    ]
    facts = positions.style_facts(style_text)
    frames = [frame]
    if not facts.first_note:
        # the tightest frame first, then one that keeps more of each gap
        kept_notes = {r.note for r in small if r.in_note}
        frames = [
            _squeezed(frame, kept_notes, _tight(frame, kept_notes, small, near, facts)),
            _squeezed(frame, kept_notes, lambda _, k: min(k, facts.near_note_distance)),
        ]
    chosen = next(
        (f for f in frames if _same_positions(requests, notes, small, f, order, near, facts)),
        None,
    )
    if chosen is None:
        return None
    frame = chosen
    refs = near | {k for r in small for k in r.keys}
    # pandoc cites what nocite names: only the whole document's, of these references
    # (listing them all moved the note a work was first cited in, "(n 3)")
    named = ["*"] if "*" in nocite else [k for k in nocite if k in refs]
    with cite.private_folder() as tmp:
        formatted, _ = _run(
            small, bib.subset(refs), style, language, named, workdir=tmp, notes=frame
        )
    if check is not None:
        entries, clean = check
        if any(clean(formatted.bibliography.get(k, "")) != entries.get(k) for k in near):
            return None
    return {t: formatted.citations[f"c{new[t]}"] for t in targets}


def _squeezed(
    frame: list[int | str], kept: set[str], size: Callable[[int, int], int]
) -> list[int | str]:
    """The frame without the empty notes before the first citation and after the last,
    each run of `k` empty notes after note `n` shortened to `size(n, k)` notes: in a
    style without note numbers ("(n 3)") only how far apart two citations of a work
    are matters, and only up to near-note-distance (pandoc then sees a few hundred
    notes, not thousands)."""
    out: list[int | str] = []
    run = number = 0
    for item in frame:
        if isinstance(item, str) and item != RESET_POSITIONS and item not in kept:
            run += 1
            number += 1
            continue
        if out and run:
            out += [f"\0gap-{len(out)}-{n}" for n in range(size(number - run, run))]
        out.append(item)
        number += item != RESET_POSITIONS
        run = 0
    return out


def _tight(
    frame: list[int | str],
    kept: set[str],
    small: Sequence[Request],
    near: set[str],
    facts: positions.StyleFacts,
) -> Callable[[int, int], int]:
    """Gap sizes that keep every two successive citations of a work in `near` as near
    or far apart as they are (a gap of one note at least, so that no ibid. appears):
    a gap is shortened by as much as the far pairs spanning it can spare, in order."""
    cited: dict[str, list[int]] = {}  # work -> the notes citing it, in order
    by_note: dict[str, list[str]] = {}
    for r in small:
        if r.in_note:
            by_note.setdefault(r.note, []).extend(r.keys)
    number = 0
    for item in frame:
        if item == RESET_POSITIONS:
            continue
        number += 1
        works = small[item].keys if isinstance(item, int) else by_note.get(item, ())
        for k in works:
            if k in near and (not cited.get(k) or cited[k][-1] != number):
                cited.setdefault(k, []).append(number)
    distance = facts.near_note_distance
    # far pairs: [first note, second note, what the notes between can lose]
    pairs = sorted(
        [a, b, b - a - distance]
        for notes in cited.values()
        for a, b in itertools.pairwise(notes)
        if b - a >= distance
    )
    sizes: dict[int, int] = {}
    active: list[list[int]] = []
    start = 0
    for after, run in _runs(frame, kept):
        while start < len(pairs) and pairs[start][0] <= after:
            active.append(pairs[start])
            start += 1
        active = [p for p in active if p[1] > after]
        spare = min([run - 1, *(p[2] for p in active)])
        for p in active:
            p[2] -= spare
        sizes[after] = run - spare
    return lambda after, run: sizes.get(after, run)


def _runs(frame: list[int | str], kept: set[str]) -> list[tuple[int, int]]:
    """(the note before, its length) of each run of empty notes between citations."""
    out = []
    run = number = 0
    seen = False
    for item in frame:
        if isinstance(item, str) and item != RESET_POSITIONS and item not in kept:
            run += 1
            number += 1
            continue
        if seen and run:
            out.append((number - run, run))
        seen = True
        number += item != RESET_POSITIONS
        run = 0
    return out


def _same_positions(
    requests: Sequence[Request],
    notes: Sequence[int | str],
    small: Sequence[Request],
    frame: Sequence[int | str],
    order: Sequence[int],
    near: set[str],
    facts: positions.StyleFacts,
) -> bool:
    """Whether every citation of the works in `near` has, in the reduced document, the
    position it has in the whole one (and so, the same clean forms)."""
    whole = positions.contexts(note_events(requests, notes), [r.cites for r in requests], facts)
    mine = positions.contexts(note_events(small, frame), [r.cites for r in small], facts)
    for n, old in enumerate(order):
        theirs, ours = whole.get(old), mine.get(n)
        if theirs is None or ours is None or len(theirs) != len(ours):
            return False
        for c, a, b in zip(requests[old].cites, theirs, ours, strict=True):
            if c.key in near and a != b:
                return False
    return True
