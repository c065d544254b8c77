"""The build cache: a versioned JSON file inside the output folder, keyed on content
hashes. It remembers formatted citations (so pandoc sees only new ones), the inputs of
every page and of the PDF (so unchanged ones are copied from the previous build), and
nothing that could make an output wrong: whatever the cache says, a reused file is
checked against the SHA-256 recorded when it was written.

JSON, not pickle: a cache is data from disk, and loading it must never run code."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import NamedTuple

from . import __version__
from .cite.bibcache import BibRecord
from .diagnostics import (
    Diagnostic,
    Location,
    Severity,
    decode_diagnostics,
    encode_diagnostics,
)
from .model import JSON
from .projectfs import MAX_SERVED_BYTES, Refused, read_file
from .read.record import ChapterRecord
from .render.pdf.record import PdfRecord

CACHE_NAME = ".dossier-cache.json"
VERSION = 3


def digest(*parts: object) -> str:
    """A stable hash of JSON-able parts (dict keys sorted)."""
    # ASCII escapes: the C encoder's fastest path, and the blob is only hashed
    blob = json.dumps(parts, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(blob.encode("ascii")).hexdigest()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Output(NamedTuple):
    """An output file as the last build wrote it."""

    fingerprint: str  # of the inputs it was made from
    sha256: str  # of its bytes


@dataclass(frozen=True, slots=True)
class Cache:
    """The last build's records, each decoded and checked by its codec when read."""

    citations: dict[str, JSON] = field(default_factory=dict)  # see cite.record
    outputs: dict[str, Output] = field(default_factory=dict)  # by path in the output
    # the no-op check: a fingerprint of every input file's size and mtime, the inputs
    # found outside the usual folders, and the diagnostics that build printed (None:
    # not readable, so the next build cannot be skipped)
    state: str = ""
    inputs: tuple[str, ...] = ()
    diagnostics: tuple[Diagnostic, ...] | None = ()
    bibliography: BibRecord | None = None
    chapters: dict[str, ChapterRecord] = field(default_factory=dict)  # by chapter path
    # the search index's sections of each chapter page (render.search.SectionRecord);
    # checked where it is read
    search: dict[str, object] = field(default_factory=dict)
    pdf: PdfRecord | None = None  # what the PDF in `outputs` was made from


@cache
def tool_id() -> str:
    """This dossier: its version and the files of the package and the default theme,
    so that a cache never outlives a change of the tool itself."""
    here = Path(__file__).resolve().parent
    files = sorted([*here.rglob("*.py"), *(here / "theme").rglob("*")])
    stats = [(p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in files if p.is_file()]
    return digest(__version__, stats)[:16]


_SKIP = {"__pycache__", "node_modules"}


def snapshot(root: Path, out: Path, extra: Iterable[str], settings: object) -> tuple[str, set[str]]:
    """A fingerprint of the project as the file system sees it: every file's path, size
    and modification time (hidden folders, the output and other projects nested in it
    excepted, plus the inputs found elsewhere by the last build), the tool, and the
    build settings; and the project-relative paths it covered."""
    entries: list[tuple[str, int, int]] = []
    base = root.resolve()
    for folder, dirs, names in os.walk(base):
        here = Path(folder)
        # a folder with a dossier.toml of its own is another project (the manual in
        # docs/ beside the example): its edits and its build/ are not this one's inputs;
        # a file of it this project does use is still covered through `extra`
        dirs[:] = sorted(
            d
            for d in dirs
            if not d.startswith(".")
            and d not in _SKIP
            and (here / d) != out
            and not (here / d / "dossier.toml").is_file()
        )
        for name in sorted(names):
            _stat(entries, here / name, base)
    walked = {rel for rel, _, _ in entries}
    for rel in sorted(set(extra) - walked):
        _stat(entries, base / rel, base)
    state = digest(tool_id(), entries, settings, os.environ.get("SOURCE_DATE_EPOCH", ""))
    return state, {rel for rel, _, _ in entries}


def _stat(entries: list[tuple[str, int, int]], path: Path, base: Path) -> None:
    rel = str(path.relative_to(base)) if base in path.parents else str(path)
    try:
        info = path.stat()
    except OSError:
        entries.append((rel, -1, -1))  # missing: its appearance is a change too
        return
    entries.append((rel, info.st_size, info.st_mtime_ns))


def load(out: Path) -> tuple[Cache, list[Diagnostic]]:
    """The cache of the build in `out`; an empty one when there is none. A damaged or
    foreign cache is ignored with a warning: the build is then simply a full one."""
    path = out / CACHE_NAME
    if not path.is_file():
        return Cache(), []
    try:
        # build/ may have come with the project: read like any project file (no symlink
        # out, no FIFO or device, bounded), and a refusal is a damaged cache
        raw = json.loads(_output_bytes(out, CACHE_NAME).decode("utf-8"))
        ok = (
            isinstance(raw, dict)
            and raw.get("version") == VERSION
            and raw.get("tool") == tool_id()
            and isinstance(raw.get("citations"), dict)
            and isinstance(raw.get("outputs"), dict)
            and all(
                isinstance(v, list) and len(v) == 2 and all(isinstance(x, str) for x in v)
                for v in raw["outputs"].values()
            )
            and isinstance(raw.get("inputs", []), list)
            and all(isinstance(i, str) for i in raw.get("inputs", []))
        )
    except (OSError, Refused, UnicodeDecodeError, ValueError, RecursionError):
        ok, raw = False, None
    if not ok or not isinstance(raw, dict):
        # A note, not a warning: it is about dossier's own files, not the project, and it
        # mends itself; as a warning, --strict would fail every build from now on.
        return Cache(), [
            Diagnostic(
                Severity.NOTE,
                "cache.ignored",
                "the build cache is "
                "damaged or from another version of dossier; rebuilding "
                "everything",
                Location(f"{out.name}/{CACHE_NAME}"),
            )
        ]
    state, chapters, search = raw.get("state", ""), raw.get("chapters", {}), raw.get("search", {})
    return Cache(
        raw["citations"],
        {rel: Output(*v) for rel, v in raw["outputs"].items()},
        state if isinstance(state, str) else "",
        tuple(raw.get("inputs", [])),
        decode_diagnostics(raw.get("diagnostics", [])),
        BibRecord.from_json(raw.get("bibliography")),
        _chapters(chapters),
        search if isinstance(search, dict) else {},
        PdfRecord.from_json(raw.get("pdf")),
    ), []


def _chapters(raw: object) -> dict[str, ChapterRecord]:
    """The chapter records whose seal holds; the others are read again from their text."""
    if not isinstance(raw, dict):
        return {}
    found = {rel: ChapterRecord.from_json(v) for rel, v in raw.items() if isinstance(rel, str)}
    return {rel: record for rel, record in found.items() if record is not None}


def dump(cache: Cache) -> bytes:
    body = {
        "version": VERSION,
        "tool": tool_id(),
        "citations": cache.citations,
        "outputs": cache.outputs,
        "state": cache.state,
        "inputs": cache.inputs,
        "diagnostics": encode_diagnostics(cache.diagnostics or ()),
        "bibliography": cache.bibliography.to_json() if cache.bibliography else None,
        "chapters": {rel: record.to_json() for rel, record in cache.chapters.items()},
        "search": cache.search,
        "pdf": cache.pdf.to_json() if cache.pdf else None,
    }
    # neither sorted nor UTF-8: written on every build, it is the C encoder's fastest
    # path (18 -> 7 ms for a 40-chapter dossier); nothing compares its bytes
    return (json.dumps(body, separators=(",", ":")) + "\n").encode("ascii")


def unchanged(cache: Cache, out: Path) -> bool:
    """Every output the cache lists is in `out`, exactly as written."""
    for rel, (_, written) in cache.outputs.items():
        try:
            if sha256(_output_bytes(out, rel)) != written:
                return False
        except (OSError, Refused):
            return False
    return bool(cache.outputs)


def reuse(cache: Cache, out: Path, rel: str, fingerprint: str) -> bytes | None:
    """The bytes of `rel` from the previous build when its inputs are unchanged and the
    file is exactly what that build wrote."""
    record = cache.outputs.get(rel)
    if not record or record.fingerprint != fingerprint:
        return None
    try:
        data = _output_bytes(out, rel)
    except (OSError, Refused):
        return None
    return data if sha256(data) == record.sha256 else None


def _output_bytes(out: Path, rel: str) -> bytes:
    """A file of the previous build, which is as untrusted as the project it came with."""
    return read_file(out, rel, MAX_SERVED_BYTES)


@dataclass(frozen=True, slots=True)
class Previous:
    """What the last build left in the output folder, read once per build, and the
    snapshot of the inputs taken now, before any is read."""

    out: Path
    cache: Cache
    problems: tuple[Diagnostic, ...] = ()
    state: str = ""  # see snapshot
    covered: frozenset[str] = frozenset()  # the project files the snapshot covered
    # the last build's diagnostics, when no input changed since and its outputs are
    # there exactly as written: the build has nothing to do
    unchanged: tuple[Diagnostic, ...] | None = None


def last_build(root: Path, out_name: str, settings: Sequence[object]) -> Previous:
    """The last build into `root`/`out_name` and whether anything changed since."""
    out = (root / out_name).resolve()
    cache, problems = load(out) if (out / CACHE_NAME).is_file() else (Cache(), [])
    if problems:
        return Previous(out, cache, tuple(problems))
    state, covered = snapshot(root, out, cache.inputs, [*settings, out_name])
    diags = cache.diagnostics
    same = state == cache.state and diags is not None and unchanged(cache, out)
    return Previous(out, cache, (), state, frozenset(covered), diags if same else None)


def after_build(
    previous: Previous | None,
    cache: Cache,
    made: Mapping[str, Output],
    *,
    citations: dict[str, JSON],
    inputs: Sequence[str],
    diagnostics: Sequence[Diagnostic],
    bibliography: BibRecord | None,
    chapters: dict[str, ChapterRecord],
    search: dict[str, object] | None,
    html: bool,
    pdf: bool,
    pdf_name: str,
    pdf_record: PdfRecord | None = None,
) -> Cache:
    """The cache a build leaves: what it made, and of the last build's outputs what
    `--html` or `--pdf` left alone. The snapshot is kept only if it covered every
    input, or the next build could not trust it."""
    kept = {
        rel: v
        for rel, v in cache.outputs.items()
        if (not html and rel.startswith("html/")) or (not pdf and rel == pdf_name)
    }
    covered = previous is not None and set(inputs) <= previous.covered
    return Cache(
        citations,
        {**kept, **made},
        previous.state if previous is not None and covered else "",
        tuple(inputs),
        tuple(d for d in diagnostics if not d.code.startswith("cache.")),
        bibliography,
        chapters,
        cache.search if search is None else search,  # a PDF-only build keeps it
        pdf_record if pdf else cache.pdf,
    )
