"""A few notes of a note style formatted in a small document instead of the whole one.

A note's text depends on its words, its position (positions.contexts) and the
document's disambiguation. The small document gives pandoc:
- only the references the notes could be confused with (families.related), R;
- for each position an item of R is cited in over the whole document (its *forms*,
  positions.forms), a short run of citations that cites it in that position, so that
  disambiguation among R sees what it sees in the whole document;
- then each note, after the citations that give it its position: its items cited
  before it far back, near, or as the citation right before it (for ibid.), each run
  after a heading of class reset-citation-positions, which starts positions afresh.

The plan is then checked with the same rules (positions): every note must get the
context it has in the whole document and the forms of R must be exactly the whole
document's. When a plan cannot be made or checked (a style that prints the note an
item was first cited in, a near-note-distance under 3), formatting falls back to the
whole document (noteformat.format_notes).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from . import positions
from .model import RESET_POSITIONS
from .notekeys import NoteKeys, note_events

if TYPE_CHECKING:
    from .formatting import Request

FIRST = ("first",)


@dataclass
class _Plan:
    requests: list[Request] = field(default_factory=list)
    order: list[int | str] = field(default_factory=list)
    notes: int = 0  # footnotes made so far (their ids)

    def cite(self, request: Request) -> int:
        self.requests.append(request)
        n = len(self.requests) - 1
        if request.in_note:
            if not self.order or self.order[-1] != request.note:
                self.order.append(request.note)
        else:
            self.order.append(n)
        return n

    def empty(self, count: int = 1) -> None:
        for _ in range(count):
            self.notes += 1
            self.order.append(f"zz:{self.notes}")

    def reset(self) -> None:
        self.order.append(RESET_POSITIONS)


@dataclass(frozen=True, slots=True)
class Mini:
    requests: list[Request]
    order: list[int | str]
    index: dict[int, int]  # request of the whole document -> its request here


def plan(
    targets: Sequence[int],
    requests: Sequence[Request],
    nk: NoteKeys,
    related: set[str],
    cited: set[str],
    tied: set[str],
) -> Mini | None:
    """The small document formatting `targets` (requests of the whole document), seeing
    the references `related`; `cited`: every item the whole document cites; `tied`:
    references that share author and year with another (families.tie_groups). None when
    no exact plan is found."""

    near = nk.facts.near_note_distance
    if nk.facts.first_note or near < 3:
        return None
    ghosts = related - cited  # pandoc cites them after the document (nocite)
    if ghosts & tied:
        return None  # their year suffixes could follow an order this plan does not make
    wanted = {f for f in nk.forms if f[0] in related}
    wanted |= {(k, "normal", FIRST) for k in ghosts}
    # Year suffixes of references that tie in the bibliography's order go by the order
    # of first citation: the plan cites the items in the whole document's.
    rank: dict[str, int] = {}
    for n in nk.contexts:  # in pandoc's order (positions.contexts)
        for c in requests[n].cites:
            rank.setdefault(c.key, len(rank))
    p = _Plan()
    for key, kind, ctx in sorted(wanted, key=lambda f: (rank.get(f[0], len(rank)), repr(f))):
        p.reset()
        if ctx == FIRST:
            p.cite(_primer(key, kind))
            continue
        start = _first_kind(key, wanted)
        if start is None or len(ctx) != 4 or ctx[2] or ctx[3]:
            return None
        is_near, ibid = ctx[0], ctx[1]
        p.cite(_primer(key, start))
        if not ibid:
            p.empty(1 if is_near else near - 1)
        elif not is_near:
            return None
        p.cite(_primer(key, kind))
    index: dict[int, int] = {}
    for t in targets:
        made = _target(p, t, requests, nk, wanted)
        if made is None:
            return None
        index[t] = made
    return Mini(p.requests, p.order, index) if _checks(p, index, nk, wanted, related) else None


def _primer(key: str, kind: str) -> Request:
    from .formatting import Request

    dash = "-" if kind == "suppress" else ""
    return Request(f"[{dash}@{{{key}}}]", False, (key,), cites=(positions.Cite(key, kind),))


def _first_kind(key: str, wanted: set[positions.Form]) -> str | None:
    """How `key` is first cited in the whole document (normal, or its author suppressed)."""
    return next((k for k in ("normal", "suppress") if (key, k, FIRST) in wanted), None)


def _target(
    p: _Plan, t: int, requests: Sequence[Request], nk: NoteKeys, wanted: set[positions.Form]
) -> int | None:
    """Cites what gives request `t` its position, then `t`; its index in the plan."""
    near = nk.facts.near_note_distance
    request = requests[t]
    far_keys: list[str] = []
    near_keys: list[str] = []
    ibid = -1
    seen: set[str] = set()
    for c, ctx, prev in zip(request.cites, nk.contexts[t], nk.previous[t], strict=True):
        if c.key in seen or ctx == FIRST:
            seen.add(c.key)
            continue
        seen.add(c.key)
        if ctx[1] and prev >= 0:
            if ibid >= 0:
                return None
            ibid = prev
        elif ctx[0]:
            near_keys.append(c.key)
        else:
            far_keys.append(c.key)
    p.reset()
    for keys, gap in ((far_keys, near), (near_keys, 1)):
        for key in keys:
            kind = _first_kind(key, wanted)
            if kind is None:
                return None
            p.cite(_primer(key, kind))
        if keys:
            p.empty(gap)
    tag = f"zzt:{t}"
    if ibid >= 0:
        before = requests[ibid]
        same = before.in_note and request.in_note and before.note == request.note
        p.cite(_moved(before, tag if same else f"zzp:{t}"))
    return p.cite(_moved(request, tag))


def _moved(request: Request, note: str) -> Request:
    from .formatting import Request

    if not request.in_note:
        return request
    return Request(request.source, True, request.keys, request.note_context, note, request.cites)


def _checks(
    p: _Plan, index: dict[int, int], nk: NoteKeys, wanted: set[positions.Form], related: set[str]
) -> bool:
    """The plan, read with the same rules: each note in its position, and the forms of
    the references it sees exactly the whole document's."""
    events = note_events(p.requests, p.order)
    items = [r.cites for r in p.requests]
    real = positions.contexts(events, items, nk.facts)
    if any(real.get(mine) != nk.contexts[t] for t, mine in index.items()):
        return False
    clean = positions.cleaned(items)
    found = positions.forms(clean, positions.contexts(events, clean, nk.facts))
    cited_here = {c.key for its in items for c in its}
    found |= {(k, "normal", FIRST) for k in related - cited_here}
    return found == wanted
