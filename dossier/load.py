"""Reading project files: regular files inside the project only, strict UTF-8 with
line-accurate errors, byte-order marks and CR/CRLF line endings normalised."""

from __future__ import annotations

import codecs
import stat
from pathlib import Path

from .diagnostics import Diagnostic, Location, error

# Parsing costs about 100 MB of memory and a few seconds per MB of Markdown; a book is
# about 1 MB. Larger files are refused rather than left to exhaust the machine.
MAX_CHAPTER_BYTES = 8 * 1024 * 1024


def inside(root: Path, rel: str) -> Path | None:
    """The resolved path of `rel` if it stays inside the project (symlinks followed)."""
    try:
        path = (root / rel).resolve()
    except (OSError, RuntimeError):
        return None
    base = root.resolve()
    return path if path == base or base in path.parents else None


def read_text(
    root: Path, rel: str, what: str = "file", cited_from: Location | None = None
) -> tuple[str | None, list[Diagnostic]]:
    data, diags = read_bytes(root, rel, what, cited_from)
    return (None, diags) if data is None else decode_text(data, rel)


def read_bytes(
    root: Path,
    rel: str,
    what: str = "file",
    cited_from: Location | None = None,
    limit: int = MAX_CHAPTER_BYTES,
) -> tuple[bytes | None, list[Diagnostic]]:
    """The bytes of a regular file inside the project. Nothing else is opened: not a
    symlink out of the project, not a FIFO (opening one would wait forever), not a
    device (/dev/zero never ends)."""
    where = cited_from or Location(rel)
    path = inside(root, rel)
    if path is None:
        return None, [error("load.outside", f"{what} '{rel}' is outside the project", where)]
    try:
        info = path.stat()
    except FileNotFoundError:
        return None, [error("load.missing", f"{what} '{rel}' not found", where)]
    except OSError as exc:
        return None, [error("load.unreadable", f"cannot read {what} '{rel}': {exc}", where)]
    if not stat.S_ISREG(info.st_mode):
        return None, [error("load.not-a-file", f"{what} '{rel}' is not a regular file", where)]
    if info.st_size > limit:
        return None, [
            error("load.too-large", f"{what} '{rel}' is larger than {limit // 2**20} MB", where)
        ]
    try:
        return path.read_bytes(), []
    except OSError as exc:
        return None, [error("load.unreadable", f"cannot read {what} '{rel}': {exc}", where)]


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
            for line_no, line in enumerate(data.split(b"\n"), 1):
                try:
                    line.decode("utf-8")
                except UnicodeDecodeError as exc:
                    diags.append(
                        error(
                            "load.encoding",
                            "invalid UTF-8 byte sequence",
                            Location(rel, line_no, exc.start + 1),
                            "save the file as UTF-8",
                        )
                    )
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "\ufffd")
    return text, diags
