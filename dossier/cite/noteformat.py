"""Styles whose citations depend on one another (a note style: ibid., short forms),
formatted in one pandoc run over the whole document and reused from the last build:
whole when nothing a citation depends on changed (a prose edit), note by note when
each note's words and position (notekeys) were formatted before under the same
disambiguation signature, the notes never formatted then going to pandoc with only
the notes they depend on (notesubset). Otherwise the whole document is formatted.

The record keeps each distinct text once: a note style repeats short forms and
"Ibid." many times, and the record is read and written on every build (on the medium
corpus, keeping the notes by key beside the clusters made it 40 % larger than an
author-date style's, and a rebuild about 0.1 s slower).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..cache import digest
from ..model import Bibliography, FormattedCitation
from . import engine as cite
from .families import related
from .notekeys import note_keys
from .notesubset import format_new_notes

_YEAR_SUFFIX = 'disambiguate-add-year-suffix="true"'

if TYPE_CHECKING:
    from .formatting import Request


def format_whole(
    requests: Sequence[Request],
    bib: Bibliography,
    pool: set[str],
    bibtex: str,
    style: Path,
    style_text: str,
    language: str,
    nocite: Sequence[str],
    record: dict[str, Any],
    clean: Callable[[str], str],
    notes: Sequence[int | str],
) -> tuple[list[FormattedCitation], dict[str, Any], list[str]]:
    """(one formatted citation per request, the new record, pandoc's warnings). `record`
    is the last build's, for the same references, style and language."""
    from .formatting import _bib_record, _run

    doc = digest([(r.source, r.in_note, r.note_context, r.note) for r in requests], notes)
    texts = _texts(record)
    at = record.get("at")
    if (
        record.get("doc") == doc
        and texts is not None
        and isinstance(at, list)
        and _indices(at, len(texts), len(requests))
    ):
        return [FormattedCitation(*texts[n]) for n in at], record, []
    keys, sig = note_keys(requests, style_text, notes)
    known = record.get("notes")
    stale = _stale(sig, record.get("signature"), bib, pool, style_text)
    if keys is not None and texts is not None and stale is not None and isinstance(known, dict):
        known = {k: n for k, n in known.items() if isinstance(n, int) and 0 <= n < len(texts)}
        # the notes never formatted or perhaps disambiguated otherwise, one per key
        todo = list(
            {
                k: n
                for n, k in enumerate(keys)
                if k not in known or not stale.isdisjoint(requests[n].keys)
            }.values()
        )
        entries = record.get("bibliography") if stale else None
        made = (
            format_new_notes(
                todo,
                requests,
                notes,
                bib,
                pool,
                (style, style_text, language, nocite),
                (entries, clean) if isinstance(entries, dict) else None,
            )
            if todo
            else {}
        )
        if made is not None:
            pairs = {k: texts[n] for k, n in known.items()}
            pairs.update({keys[n]: [clean(c.html), clean(c.note_html)] for n, c in made.items()})
            return _reused([pairs[k] for k in keys], keys, sig, record, doc)
    with cite.private_folder() as tmp:
        formatted, warnings = _run(
            requests, bibtex, style, language, nocite, workdir=tmp, notes=notes
        )
    index: dict[tuple[str, str], int] = {}
    at = []
    for n in range(len(requests)):
        c = formatted.citations[f"c{n}"]
        at.append(index.setdefault((clean(c.html), clean(c.note_html)), len(index)))
    texts = [list(pair) for pair in index]
    record = {"doc": doc, **_bib_record(formatted, clean), "texts": texts, "at": at}
    if keys is not None:
        found: dict[str, int] = {}
        # A key that got two texts would mean the contexts miss something pandoc reads:
        # then this document's notes are not reused note by note.
        if all(found.setdefault(k, n) == n for k, n in zip(keys, at, strict=True)):
            record = {**record, "signature": sig, "notes": found}
    return [FormattedCitation(*texts[n]) for n in at], record, warnings


def _stale(
    sig: dict[str, str], old: Any, bib: Bibliography, pool: set[str], style_text: str
) -> set[str] | None:
    """The works whose notes may read otherwise though their words and position are the
    same: those that could be confused with a work now cited in other positions than
    at the last build (their disambiguation may have changed). None when that cannot
    be told: then the whole document is formatted."""
    if old == sig:
        return set()
    # a year suffix shows in the bibliography, which the small run does not remake
    if not isinstance(old, dict) or _YEAR_SUFFIX in style_text:
        return None
    changed = {k for k in old.keys() | sig.keys() if old.get(k) != sig.get(k)}
    if not changed.issubset(pool):
        return None
    return set(related(bib, pool, changed))


def _reused(
    pairs: list[list[str]], keys: list[str], sig: dict[str, str], record: dict[str, Any], doc: str
) -> tuple[list[FormattedCitation], dict[str, Any], list[str]]:
    """The texts of every request (`pairs`), kept in the record once each, by key."""
    index: dict[tuple[str, str], int] = {}
    at = [index.setdefault((h, n), len(index)) for h, n in pairs]
    texts = [list(pair) for pair in index]
    notes = dict(zip(keys, at, strict=True))
    record = {**record, "doc": doc, "texts": texts, "at": at, "signature": sig, "notes": notes}
    return [FormattedCitation(*pair) for pair in pairs], record, []


def _texts(record: dict[str, Any]) -> list[list[str]] | None:
    texts = record.get("texts")
    if isinstance(texts, list) and all(
        isinstance(t, list) and len(t) == 2 and all(isinstance(s, str) for s in t) for t in texts
    ):
        return texts
    return None


def _indices(at: list[Any], size: int, count: int) -> bool:
    return len(at) == count and all(isinstance(n, int) and 0 <= n < size for n in at)
