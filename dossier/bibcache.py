"""The bibliography as the last build read it, reused while the file's bytes are the
same: parsing 500 entries (and importing the parser) is a good part of a rebuild after
a one-line edit. The record is plain JSON inside the build cache."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from .cache import decode_diagnostics, encode_diagnostics
from .diagnostics import Diagnostic, Location
from .load import read_bytes
from .model import Bibliography, Entry

MAX_BIB_BYTES = 64 * 1024 * 1024  # as bib.MAX_BIB_BYTES; bib.py is not imported on a hit


def load(
    root: Path, rel: str, record: dict[str, Any]
) -> tuple[Bibliography, tuple[Diagnostic, ...], dict[str, Any]]:
    """(bibliography, diagnostics, the record to keep for the next build)."""
    data, _ = read_bytes(root, rel, "bibliography", Location(rel), MAX_BIB_BYTES)
    key = hashlib.sha256(data).hexdigest() if data is not None else ""
    if key and record.get("sha256") == key and record.get("path") == rel:
        found = _decode(record)
        if found is not None:
            return found[0], found[1], record
    from .bib import load_bibliography  # the parser, only when the file changed

    bib, diags = load_bibliography(root, rel)
    return bib, diags, (_encode(rel, key, bib, diags) if key else {})


def _encode(rel: str, key: str, bib: Bibliography, diags: tuple[Diagnostic, ...]) -> dict[str, Any]:
    return {
        "path": rel,
        "sha256": key,
        "clean": bib.clean_bibtex,
        "strings": bib.strings_bibtex,
        "diagnostics": encode_diagnostics(diags),
        "entries": [
            [
                e.key,
                e.type,
                [list(f) for f in e.fields],
                e.location.path,
                e.location.line,
                e.location.col,
                e.raw,
            ]
            for e in bib.entries
        ],
    }


def _decode(record: dict[str, Any]) -> tuple[Bibliography, tuple[Diagnostic, ...]] | None:
    try:
        entries = tuple(
            Entry(
                _text(k),
                _text(t),
                tuple((_text(a), _text(b)) for a, b in fields),
                Location(_text(p), _number(line), _number(col)),
                _text(raw),
            )
            for k, t, fields, p, line, col, raw in record["entries"]
        )
        diags = decode_diagnostics(record["diagnostics"])
        bib = Bibliography(entries, _text(record["clean"]), _text(record["strings"]))
    except (KeyError, TypeError, ValueError):
        return None
    return (bib, diags) if diags is not None else None


# Exact types, not str()/int() of whatever is there: a record that JSON-decodes to
# `null` or `1.5` where text or a line number belongs is damaged, and `str(None)` would
# hand pandoc the BibTeX "None".
def _text(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected text, not {type(value).__name__}")
    return value


def _number(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"expected a whole number, not {type(value).__name__}")
    return value
