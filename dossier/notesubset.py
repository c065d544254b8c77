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
same assumption as formatting's runs by family for author-date styles.

Before the run, the positions of the works are read again over the reduced document
(positions.contexts) and must be the whole document's; otherwise, or when the
reduced document would not be much smaller, the caller formats the whole document.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import cite, positions
from .families import related
from .model import RESET_POSITIONS, Bibliography, FormattedCitation
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
    check: tuple[Mapping[str, Any], Callable[[str], str]] | None = None,
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
    if not facts.first_note:
        frame = _squeezed(frame, {r.note for r in small if r.in_note}, facts.near_note_distance)
    if not _same_positions(requests, notes, small, frame, order, near, facts):
        return None
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


def _squeezed(frame: list[int | str], kept: set[str], near: int) -> list[int | str]:
    """The frame without the empty notes before the first citation and after the last,
    and with at most `near` empty notes in a row: a work cited again that many notes
    later is as far as it is further on, which is all a style without note numbers
    ("(n 3)") reads of the distance (pandoc then sees a few hundred notes, not
    thousands)."""
    out: list[int | str] = []
    run = 0
    for item in frame:
        if isinstance(item, str) and item != RESET_POSITIONS and item not in kept:
            run += 1
            continue
        if out:
            out += [f"\0gap-{len(out)}-{n}" for n in range(min(run, near))]
        out.append(item)
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
