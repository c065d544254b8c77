"""What the build cache keeps of the PDF: what it was made from. The print document is
one input; the others are the project files WeasyPrint read while laying it out
(images, fonts, whatever a stylesheet names), as the PDF workers' fetcher reported them.
Nothing reads the document back to guess them: a file is listed because it was asked
for. New references can only come with a changed document, so "the same document, and
every file it read still reads the same" is exactly "the same PDF".

Imported by the cache on every build, so it imports nothing of the renderer."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TypeGuard

from ...projectfs import Refused, read_file

# A project file the renderer asked for -> SHA-256 of the bytes it was served, or None
# when it was not served (missing, not a regular file, too large): a file that appears
# later would change the PDF as much as one that changes.
Reads = Mapping[str, str | None]

# What the fetcher serves at most (fetch.MAX_BYTES, which imports this); a larger file is
# refused there and here alike.
MAX_READ_BYTES = 50 * 1024 * 1024

_SHA = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True, slots=True)
class PdfRecord:
    made_from: str  # digest of the print document and SOURCE_DATE_EPOCH (stage.make_pdf)
    read: tuple[tuple[str, str | None], ...]  # sorted by path

    @classmethod
    def made(cls, made_from: str, read: Reads) -> PdfRecord:
        return cls(made_from, tuple(sorted(read.items())))

    @property
    def fingerprint(self) -> str:
        """The PDF's fingerprint in the cache's outputs: over the whole record, so that a
        record changed since (an entry lost) does not match the PDF it stood for."""
        blob = json.dumps([self.made_from, self.read], separators=(",", ":"))
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()

    def still_reads_alike(self, root: Path) -> bool:
        """Every file the last render read has the bytes it was served then (through
        projectfs, as every project file is read); an unreadable one counts as not
        served."""
        return all(_now(root, rel) == sha for rel, sha in self.read)

    def to_json(self) -> dict[str, object]:
        return {"made_from": self.made_from, "read": [list(pair) for pair in self.read]}

    @classmethod
    def from_json(cls, data: object) -> PdfRecord | None:
        """The record, or None when it is not one exactly (then the PDF is made again)."""
        if not isinstance(data, dict) or set(data) != {"made_from", "read"}:
            return None
        made_from, read = data["made_from"], data["read"]
        if not isinstance(made_from, str) or not isinstance(read, list):
            return None
        pairs = [_pair(item) for item in read]
        found = [pair for pair in pairs if pair is not None]
        paths = [rel for rel, _ in found]
        if len(found) != len(read) or paths != sorted(set(paths)):
            return None
        return cls(made_from, tuple(found))


def union(reads: Iterable[Reads]) -> dict[str, str | None]:
    """The files several workers read (the parts of one PDF). Should one file have been
    served with other bytes to another part (it changed during the build), the first
    stays: the next build sees the file differ from it and makes the PDF again."""
    merged: dict[str, str | None] = {}
    for read in reads:
        for rel, sha in read.items():
            merged.setdefault(rel, sha)
    return merged


def is_reads(value: object) -> TypeGuard[dict[str, str | None]]:
    """A worker's report of what it read, as JSON: {path: SHA-256 or null}."""
    return isinstance(value, dict) and all(
        isinstance(rel, str) and (sha is None or (isinstance(sha, str) and _SHA.fullmatch(sha)))
        for rel, sha in value.items()
    )


def _pair(item: object) -> tuple[str, str | None] | None:
    if not isinstance(item, list) or len(item) != 2:
        return None
    rel, sha = item
    if not isinstance(rel, str) or not (sha is None or isinstance(sha, str)):
        return None
    return rel, sha


def _now(root: Path, rel: str) -> str | None:
    try:
        return hashlib.sha256(read_file(root, rel, MAX_READ_BYTES)).hexdigest()
    except (Refused, OSError):
        return None
