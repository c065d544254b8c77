"""Reading project files: regular files inside the project only, strict UTF-8 with
line-accurate errors, byte-order marks and CR/CRLF line endings normalised."""

from __future__ import annotations

import codecs
import re
from pathlib import Path

from ..diagnostics import Diagnostic, Location, error, visible, warning
from ..projectfs import MAX_CHAPTER_BYTES, inside, read_bytes

# Opening, limits and refusals are projectfs's; this module decodes the text.
__all__ = [
    "MAX_CHAPTER_BYTES",
    "bidi_controls",
    "decode_text",
    "inside",
    "read_bytes",
    "read_text",
]


def read_text(
    root: Path,
    rel: str,
    what: str = "file",
    cited_from: Location | None = None,
    limit: int = MAX_CHAPTER_BYTES,
) -> tuple[str | None, list[Diagnostic]]:
    data, diags = read_bytes(root, rel, what, cited_from, limit)
    return (None, diags) if data is None else decode_text(data, rel)


def decode_text(data: bytes, rel: str) -> tuple[str, list[Diagnostic]]:
    diags: list[Diagnostic] = []
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            text = data.decode("utf-16", errors="replace")
            diags.append(error("load.encoding", "invalid UTF-16 text", Location(rel, 1, 1)))
    else:
        if data.startswith(codecs.BOM_UTF8):
            data = data[3:]
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = data.decode("utf-8", errors="replace")
            diags.extend(
                error(
                    "load.encoding",
                    "invalid UTF-8 byte sequence",
                    Location(rel, line, col),
                    "save the file as UTF-8",
                )
                for line, col in bad_utf8(data)
            )
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "\ufffd")
    return text, diags


def bad_utf8(data: bytes) -> list[tuple[int, int]]:
    """The 1-based line and column of each invalid UTF-8 byte sequence in `data` (the
    callers report them, each with its own code)."""
    found = []
    for line_no, line in enumerate(data.split(b"\n"), 1):
        try:
            line.decode("utf-8")
        except UnicodeDecodeError as exc:
            found.append((line_no, exc.start + 1))
    return found


# Embeddings, overrides and isolates reorder what a reader sees without changing the
# text dossier checks ("Trojan Source", CVE-2021-42574): a quotation or a key can look
# like something else. Marks (U+200E, U+200F) only nudge neutral characters and stay.
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")
MAX_BIDI_REPORTS = 20  # per file: the first few make the point


def bidi_controls(text: str, rel: str) -> list[Diagnostic]:
    """A warning at each bidirectional control character in `text`."""
    out: list[Diagnostic] = []
    for m in _BIDI.finditer(text):
        if len(out) == MAX_BIDI_REPORTS:
            break
        line = text.count("\n", 0, m.start()) + 1
        col = m.start() - (text.rfind("\n", 0, m.start()) + 1) + 1
        out.append(
            warning(
                "md.bidi",
                f"invisible bidirectional control {visible(m.group())} changes the order "
                "readers see the text in",
                Location(rel, line, col),
                "remove it, unless the text around it is meant to be shown reordered",
            )
        )
    return out
