"""Which notes of a note style can be reused from the last build: each request's key
(its words and its position context, positions.contexts) and the document's
disambiguation signature (positions.signature), over the requests in pandoc's order."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import TYPE_CHECKING

from ..model import RESET_POSITIONS
from . import engine as cite
from . import positions

if TYPE_CHECKING:
    from .formatting import Request


def in_note_order(
    ids: Sequence[cite.ClusterRequest], notes: Sequence[int | str]
) -> list[cite.ClusterRequest]:
    """The requests in the order pandoc meets them, numbering notes (collect.note_order):
    a footnote's citations where the text refers to it, and a footnote without
    citations as an empty request, so that every note gets pandoc's number."""
    in_notes: dict[str, list[cite.ClusterRequest]] = {}
    for c in ids:
        if c.in_note and c.note:
            in_notes.setdefault(c.note, []).append(c)
    out: list[cite.ClusterRequest] = []
    for item in notes:
        if isinstance(item, int):
            if 0 <= item < len(ids):
                out.append(ids[item])
        elif item == RESET_POSITIONS:
            out.append(cite.ClusterRequest(f"r{len(out)}", "", False, "", item))
        elif item in in_notes:
            out += in_notes[item]
        else:
            out.append(cite.ClusterRequest(f"e{len(out)}", "", True, "", item))
    seen = {c.id for c in out}
    return out + [c for c in ids if c.id not in seen]  # whatever the order left out


def note_keys(
    requests: Sequence[Request], style_text: str, notes: Sequence[int | str]
) -> tuple[list[str] | None, dict[str, str]]:
    """Each request's key (its words and its position context) and the document's
    disambiguation signature, by work (positions.signature, hashed); (None, {}) when
    the style's notes cannot be keyed so."""
    facts = positions.style_facts(style_text)
    if not facts.keyed or any(r.keys and not r.cites for r in requests):
        return None, {}
    # Across a reset-citation-positions heading, citeproc's disambiguation depends on
    # which works are cited in which section and in what order, not only on the
    # positions each work is cited in (tests/test_note_cache.py): such a document is
    # formatted whole.
    if RESET_POSITIONS in notes:
        return None, {}
    events = note_events(requests, notes)
    items = [r.cites for r in requests]
    real = positions.contexts(events, items, facts)
    clean = positions.cleaned(items)
    tidy = positions.contexts(events, clean, facts)
    # hashed directly: through cache.digest's JSON this took 50 ms on 1,900 notes
    keys = [_hash(f"{r.key}\0{real.get(n, ())!r}") for n, r in enumerate(requests)]
    works = positions.signature(clean, tidy)
    # 64 bits a work: a record of 500 works grows by 10 kB, not 40
    return keys, {k: _hash("\n".join(v))[:16] for k, v in works.items()}


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def note_events(requests: Sequence[Request], notes: Sequence[int | str]) -> list[positions.Event]:
    """The requests in pandoc's order (in_note_order), as positions reads them."""
    ids = [
        cite.ClusterRequest(f"c{n}", r.source, r.in_note, r.note_context, r.note)
        for n, r in enumerate(requests)
    ]
    events = []
    for c in in_note_order(ids, notes) if notes else ids:
        if c.id.startswith("r"):
            events.append(positions.Event(reset=True))
        elif c.id.startswith("e"):
            events.append(positions.Event(-1, c.note, True))
        else:
            events.append(positions.Event(int(c.id[1:]), c.note, c.in_note))
    return events
