"""Note styles (and every style whose citations depend on one another): formatted in
one pandoc run over the whole document, and reused from the last build:
- whole, when nothing a citation depends on changed (a prose edit);
- note by note, when each note's words and position (notekeys) were formatted before
  under the same disambiguation (positions.forms);
- otherwise, when the disambiguation is the same, the notes not formatted before go to
  pandoc alone, each after what gives it its position (minidoc);
- and else the whole document is formatted again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import cite, formatting, minidoc
from .cache import digest
from .families import related, tie_groups
from .model import Bibliography, FormattedCitation
from .notekeys import NoteKeys, note_keys

# Past this many notes not formatted before, or references they could be confused
# with, the small document is no cheaper than the whole one.
MINI_NOTES = 100
MINI_REFERENCES = 300


@dataclass(frozen=True, slots=True)
class Document:
    requests: Sequence[formatting.Request]
    bib: Bibliography
    pool: set[str]  # the references the bibliography holds (formatting.wanted_keys)
    bibtex: str
    style: Path
    style_text: str
    language: str
    nocite: Sequence[str]
    notes: Sequence[int | str]


def format_notes(
    doc: Document, record: dict[str, Any], clean: Callable[[str], str]
) -> tuple[list[FormattedCitation], dict[str, Any], list[str]]:
    """(one formatted citation per request, the new record, pandoc's warnings).
    `record` is the last build's, for the same references, style and language."""
    requests = doc.requests
    whole = digest([(r.source, r.in_note, r.note_context, r.note) for r in requests], doc.notes)
    if record.get("doc") == whole:
        return [FormattedCitation(*pair) for pair in record["clusters"]], record, []
    nk = note_keys(requests, doc.style_text, doc.notes)
    known = record.get("notes")
    if nk is not None and record.get("signature") == nk.signature and isinstance(known, dict):
        missing = _formatted_alone(doc, nk, known, clean)
        if missing is not None:
            known = {k: known[k] if k in known else missing[k] for k in nk.keys}
            pairs = [known[k] for k in nk.keys]
            record = {**record, "doc": whole, "clusters": pairs, "notes": known}
            return [FormattedCitation(*pair) for pair in pairs], record, []
    with cite.private_folder() as tmp:
        formatted, warnings = formatting._run(
            requests, doc.bibtex, doc.style, doc.language, doc.nocite, workdir=tmp, notes=doc.notes
        )
    pairs = [
        [clean(c.html), clean(c.note_html)]
        for c in (formatted.citations[f"c{n}"] for n in range(len(requests)))
    ]
    record = {"doc": whole, **formatting._bib_record(formatted, clean), "clusters": pairs}
    if nk is not None:
        found: dict[str, list[str]] = {}
        # A key that got two texts would mean the contexts miss something pandoc reads:
        # then this document's notes are not reused note by note.
        if all(found.setdefault(k, pair) == pair for k, pair in zip(nk.keys, pairs, strict=True)):
            record = {**record, "signature": nk.signature, "notes": found}
    return [FormattedCitation(*pair) for pair in pairs], record, warnings


def _formatted_alone(
    doc: Document, nk: NoteKeys, known: dict[str, Any], clean: Callable[[str], str]
) -> dict[str, list[str]] | None:
    """The notes not formatted before (key -> texts), in a small document (minidoc);
    None when there is none to make."""
    todo: dict[str, int] = {}
    for n, key in enumerate(nk.keys):
        if key not in known:
            todo.setdefault(key, n)
    if not todo:
        return {}
    if len(todo) > MINI_NOTES:
        return None
    keys = {k for n in todo.values() for k in doc.requests[n].keys}
    near = set(related(doc.bib, doc.pool, keys))
    if len(near) > MINI_REFERENCES:
        return None
    cited = {k for r in doc.requests for k in r.keys}
    tied = {k for group in tie_groups(doc.bib, near) for k in group}
    mini = minidoc.plan(list(todo.values()), doc.requests, nk, near, cited, tied)
    if mini is None:
        return None
    with cite.private_folder() as tmp:
        formatted, _ = formatting._run(
            mini.requests,
            doc.bib.subset(near),
            doc.style,
            doc.language,
            sorted(near),
            workdir=tmp,
            notes=mini.order,
        )
    out = {}
    for key, n in todo.items():
        c = formatted.citations[f"c{mini.index[n]}"]
        out[key] = [clean(c.html), clean(c.note_html)]
    return out
