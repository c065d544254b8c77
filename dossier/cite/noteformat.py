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

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from ..cache import digest
from ..model import Bibliography, Formatted, FormattedCitation
from . import engine as cite
from .families import related
from .notekeys import note_keys
from .notesubset import format_new_notes
from .record import CiteRecord

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
    record: CiteRecord,
    clean: Callable[[str], str],
    notes: Sequence[int | str],
) -> tuple[list[FormattedCitation], Formatted, CiteRecord, list[str]]:
    """(one formatted citation per request, the bibliography, the new record, pandoc's
    warnings). `record` is the last build's, for the same references, style and
    language; what it holds is reused only with the bibliography it was made with."""
    from .formatting import _run, cleaned_bibliography, cleaned_citation

    doc = digest([(r.source, r.in_note, r.note_context, r.note) for r in requests], notes)
    texts, at, kept = record.texts, record.at, record.bibliography
    if (
        record.doc == doc
        and texts is not None
        and at is not None
        and len(at) == len(requests)
        and kept is not None
    ):
        return [texts[n] for n in at], kept, record, []
    keys, sig = note_keys(requests, style_text, notes)
    known = record.notes  # only the keys whose texts are in the record (record.decode)
    stale = _stale(sig, record.signature, bib, pool, style_text)
    if (
        keys is not None
        and texts is not None
        and stale is not None
        and known is not None
        and kept is not None
    ):
        # the notes never formatted or perhaps disambiguated otherwise, one per key
        todo = list(
            {
                k: n
                for n, k in enumerate(keys)
                if k not in known or not stale.isdisjoint(requests[n].keys)
            }.values()
        )
        made = (
            format_new_notes(
                todo,
                requests,
                notes,
                bib,
                pool,
                (style, style_text, language, nocite),
                (kept.bibliography, clean) if stale else None,
            )
            if todo
            else {}
        )
        if made is not None:
            pairs = {k: texts[n] for k, n in known.items()}
            pairs.update({keys[n]: cleaned_citation(c, clean) for n, c in made.items()})
            out = [pairs[k] for k in keys]
            return out, kept, _reused(out, keys, sig, record, doc), []
    with cite.private_folder() as tmp:
        formatted, warnings = _run(
            requests, bibtex, style, language, nocite, workdir=tmp, notes=notes
        )
    out = [cleaned_citation(formatted.citations[f"c{n}"], clean) for n in range(len(requests))]
    index: dict[FormattedCitation, int] = {}
    made_at = [index.setdefault(c, len(index)) for c in out]
    bibliography = cleaned_bibliography(formatted, clean)
    record = CiteRecord(bibliography=bibliography, doc=doc, texts=tuple(index), at=tuple(made_at))
    if keys is not None:
        found: dict[str, int] = {}
        # A key that got two texts would mean the contexts miss something pandoc reads:
        # then this document's notes are not reused note by note.
        if all(found.setdefault(k, n) == n for k, n in zip(keys, made_at, strict=True)):
            record = replace(record, signature=sig, notes=found)
    return out, bibliography, record, warnings


def _stale(
    sig: dict[str, str],
    old: Mapping[str, str] | None,
    bib: Bibliography,
    pool: set[str],
    style_text: str,
) -> set[str] | None:
    """The works whose notes may read otherwise though their words and position are the
    same: those that could be confused with a work now cited in other positions than
    at the last build (their disambiguation may have changed). None when that cannot
    be told: then the whole document is formatted."""
    if old == sig:
        return set()
    # a year suffix shows in the bibliography, which the small run does not remake
    if old is None or _YEAR_SUFFIX in style_text:
        return None
    changed = {k for k in old.keys() | sig.keys() if old.get(k) != sig.get(k)}
    if not changed.issubset(pool):
        return None
    return set(related(bib, pool, changed))


def _reused(
    out: list[FormattedCitation],
    keys: list[str],
    sig: dict[str, str],
    record: CiteRecord,
    doc: str,
) -> CiteRecord:
    """The record with the texts of every request (`out`), kept once each, by key."""
    index: dict[FormattedCitation, int] = {}
    at = [index.setdefault(c, len(index)) for c in out]
    notes = dict(zip(keys, at, strict=True))
    return replace(record, doc=doc, texts=tuple(index), at=tuple(at), signature=sig, notes=notes)
