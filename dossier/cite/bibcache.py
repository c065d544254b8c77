"""The bibliography as the last build read it, reused while the file's bytes are the
same: parsing 500 entries (and importing the parser) is a good part of a rebuild after
a one-line edit. The record is plain JSON inside the build cache, decoded and checked
when the cache is read."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from ..diagnostics import Diagnostic, Location, decode_diagnostics, encode_diagnostics
from ..model import Bibliography, Entry
from ..read.load import read_bytes

MAX_BIB_BYTES = 64 * 1024 * 1024  # as bib.MAX_BIB_BYTES; bib.py is not imported on a hit


@dataclass(frozen=True, slots=True)
class BibRecord:
    """The bibliography as a build read it, with the file's path and SHA-256: the
    cache's record of it, and its one codec (to_json / from_json)."""

    path: str
    sha256: str
    bibliography: Bibliography
    diagnostics: tuple[Diagnostic, ...]

    def to_json(self) -> dict[str, object]:
        bib = self.bibliography
        return {
            "path": self.path,
            "sha256": self.sha256,
            "clean": bib.clean_bibtex,
            "strings": bib.strings_bibtex,
            "diagnostics": encode_diagnostics(self.diagnostics),
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

    @classmethod
    def from_json(cls, data: object) -> BibRecord | None:
        """The record read back; None if it is damaged in any way (the cache is as
        untrusted as the project it came with)."""
        if not isinstance(data, dict):
            return None
        try:
            entries = tuple(
                Entry(
                    _text(k),
                    _text(t),
                    tuple((_text(a), _text(b)) for a, b in fields),
                    Location(_text(p), _number(line), _number(col)),
                    _text(raw),
                )
                for k, t, fields, p, line, col, raw in data["entries"]
            )
            bib = Bibliography(entries, _text(data["clean"]), _text(data["strings"]))
            diags = decode_diagnostics(data["diagnostics"])
            path, key = _text(data["path"]), _text(data["sha256"])
        except (KeyError, TypeError, ValueError):
            return None
        return cls(path, key, bib, diags) if diags is not None else None


def load(
    root: Path, rel: str, record: BibRecord | None
) -> tuple[Bibliography, tuple[Diagnostic, ...], BibRecord | None]:
    """(bibliography, diagnostics, the record to keep for the next build)."""
    data, _ = read_bytes(root, rel, "bibliography", Location(rel), MAX_BIB_BYTES)
    key = hashlib.sha256(data).hexdigest() if data is not None else ""
    if key and record is not None and record.sha256 == key and record.path == rel:
        return record.bibliography, record.diagnostics, record
    from .bib import load_bibliography  # the parser, only when the file changed

    bib, diags = load_bibliography(root, rel)
    return bib, diags, (BibRecord(rel, key, bib, diags) if key else None)


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
