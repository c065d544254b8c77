"""Archived sources: which file backs which entry, its text (per page), and the
fingerprints recorded in sources.lock."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..diagnostics import Diagnostic, Location, error, warning
from ..model import Entry
from ..projectfs import MAX_ARCHIVE_BYTES, MAX_LOCK_BYTES, Refused, read_file, size_text, write_file

if TYPE_CHECKING:
    from pypdf import PageObject

LOCK_NAME = "sources.lock"
LOCK_VERSION = 1
TEXT_TYPES = (".txt", ".md", ".html", ".htm", ".pdf")
MAX_SOURCE_BYTES = MAX_ARCHIVE_BYTES
_PAGE_LINE = re.compile(r"^-{3}\s*page\s+(\d+)\s*-{3}\s*$", re.I | re.M)


@dataclass(frozen=True, slots=True)
class Archived:
    key: str
    path: str  # project-relative
    sha256: str
    size: int
    pages: tuple[tuple[str, str], ...]  # (page label, text); one page "" when unpaged


def entry_fingerprint(entry: Entry) -> str:
    """Stable across reformatting: the sorted fields, whitespace collapsed."""
    fields = sorted((k, " ".join(v.split())) for k, v in entry.fields)
    blob = json.dumps([entry.type, entry.key, fields], ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def _file_field(value: str) -> list[str]:
    """Zotero `a.pdf;b.pdf`, Mendeley `:C$\\backslash$:/x.pdf:pdf`, JabRef `desc:path:type`."""
    out = []
    for part in value.split(";"):
        part = part.strip().replace("$\\backslash$", "\\")
        bits = part.split(":")
        if len(bits) >= 3:
            part = ":".join(bits[1:-1])
        out.append(part.strip())
    return [p for p in out if p]


def locate(
    root: Path, entry: Entry, sources_dir: str, present: set[str] | None = None
) -> tuple[str | None, list[Diagnostic]]:
    """The archived file for an entry: its `file` field if that names a project file,
    else sources/<key>.<ext>. `present`: the names in the sources folder, when listed
    once for every entry."""
    files = _file_field(entry.get("file"))
    if (
        not files
        and present is not None
        and not any(f"{entry.key}{ext}" in present for ext in TEXT_TYPES)
    ):
        return None, []
    base = root.resolve()
    for candidate in files:
        path = (root / candidate).resolve() if not os.path.isabs(candidate) else None
        if path is not None and base in path.parents and path.is_file():
            return path.relative_to(base).as_posix(), []
    folder = root / sources_dir
    for ext in TEXT_TYPES:
        path = folder / f"{entry.key}{ext}"
        if path.exists() or path.is_symlink():
            resolved = path.resolve()
            if base not in resolved.parents:
                return None, [
                    error(
                        "source.outside",
                        f"archived source '{path.name}' points outside the project",
                        Location(f"{sources_dir}/{path.name}"),
                    )
                ]
            return resolved.relative_to(base).as_posix(), []
    return None, []


_ARCHIVE_PROBLEMS = {
    "outside": ("source.outside", "archived source points outside the project"),
    "symlink": ("source.outside", "archived source points outside the project"),
    "missing": ("source.unreadable", "cannot read archived source: it is gone"),
    "not-a-file": ("source.not-a-file", "archived source is not a regular file"),
    "too-large": (
        "source.too-large",
        f"archived source is larger than {size_text(MAX_SOURCE_BYTES)}",
    ),
}


def read_archive(root: Path, key: str, rel: str) -> tuple[Archived | None, list[Diagnostic]]:
    path = root / rel
    loc = Location(rel)
    try:
        data = read_file(root, rel, MAX_SOURCE_BYTES)
    except Refused as refused:
        code, message = _ARCHIVE_PROBLEMS.get(
            refused.reason,
            ("source.unreadable", f"cannot read archived source: {refused.detail}"),
        )
        return None, [error(code, message, loc)]
    digest = hashlib.sha256(data).hexdigest()
    try:
        pages = extract_pages(data, path.suffix.lower())
    except Exception as exc:  # a damaged PDF must not stop the build
        return Archived(key, rel, digest, len(data), ()), [
            warning("source.unreadable", f"no text could be read from the archive: {exc}", loc)
        ]
    return Archived(key, rel, digest, len(data), pages), []


def _content_key(page: PageObject) -> object:
    """What a page's text depends on: its content stream(s), by object number, and its
    resources, by object number or (a small inline dictionary) as written; None when
    the content is inline in the page (nothing to share)."""
    from pypdf.generic import IndirectObject

    # dict.get, not the page's [] (which resolves references): the numbers are the key
    contents: object = page.get("/Contents")
    refs = contents if isinstance(contents, list) else [contents]
    numbers = tuple(r.idnum if isinstance(r, IndirectObject) else None for r in refs)
    if contents is None or None in numbers:
        return None
    resources: object = page.get("/Resources")
    if resources is None:  # inherited from the page tree: the same parent, the same
        resources = page.get("/Parent")
    if isinstance(resources, IndirectObject):
        return numbers, resources.idnum
    written = repr(resources)  # names of fonts and objects, with their object numbers
    return (numbers, written) if len(written) < 10_000 else None


def extract_pages(data: bytes, suffix: str) -> tuple[tuple[str, str], ...]:
    if suffix == ".pdf":
        import io

        from pypdf import PdfReader

        reader = PdfReader(io.BytesIO(data))
        labels = list(reader.page_labels) if reader.page_labels else []
        # Pages may share one content stream (a 23 KB file can hold 100 pages that each
        # draw the same 2 MB of text): its text is extracted once, not once per page.
        # Two pages with the same stream and resources give the same text.
        texts: dict[object, str] = {}
        pages = []
        for i, page in enumerate(reader.pages):
            key = _content_key(page)
            if key is None or key not in texts:
                text = page.extract_text() or ""
                if key is not None:
                    texts[key] = text
            else:
                text = texts[key]
            pages.append((labels[i] if i < len(labels) else str(i + 1), text))
        return tuple(pages)
    text = data.decode("utf-8", errors="replace").replace("\r\n", "\n").replace("\r", "\n")
    if suffix in (".html", ".htm"):
        text = html_text(text)
    if "\f" in text:
        return tuple((str(n), t) for n, t in enumerate(text.split("\f"), 1))
    marks = list(_PAGE_LINE.finditer(text))
    if marks:
        pages = []
        if text[: marks[0].start()].strip():
            # text before the first marker is the page before it ("--- page 2 ---")
            previous = int(marks[0].group(1)) - 1
            pages.append((str(previous) if previous >= 1 else "", text[: marks[0].start()]))
        for i, m in enumerate(marks):
            end = marks[i + 1].start() if i + 1 < len(marks) else len(text)
            pages.append((m.group(1), text[m.end() : end]))
        return tuple(pages)
    return (("", text),)


# Text of an archived HTML page. CPython's HTMLParser is quadratic on unclosed
# constructs (`<!--`, `<a href="`, CDATA repeated: 30,000 of them took 20 to 100 s), so
# pages are parsed by libxml2's HTML parser through lxml (already installed with pikepdf):
# linear, no network, no entities fetched, comments and processing instructions dropped.
_SKIP = frozenset(
    {"script", "style", "nav", "header", "footer", "aside", "noscript", "template", "svg",
     "form", "button", "iframe"}
)  # fmt: skip
_BLOCK = frozenset(
    {"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "section", "article",
     "blockquote", "pre", "table", "ul", "ol"}
)  # fmt: skip


def html_text(markup: str) -> str:
    from lxml import etree, html

    parser = html.HTMLParser(
        encoding="utf-8", remove_comments=True, remove_pis=True, no_network=True
    )
    try:
        root = html.document_fromstring(markup.encode("utf-8"), parser=parser)
    except (etree.ParserError, ValueError):  # an empty document
        return ""
    parts: list[str] = []
    skip = 0
    for event, element in etree.iterwalk(root, events=("start", "end")):
        tag = element.tag if isinstance(element.tag, str) else ""
        if event == "start":
            if tag in _SKIP:
                skip += 1
            elif tag in _BLOCK:
                parts.append("\n")
            if not skip and element.text:
                parts.append(element.text)
        else:
            if tag in _SKIP:
                skip -= 1
            elif tag in _BLOCK and tag != "br":  # a void element: one break, not two
                parts.append("\n")
            if not skip and element.tail:
                parts.append(element.tail)
    return re.sub(r"\n\s*\n+", "\n\n", "".join(parts))


# --- the lock file ----------------------------------------------------------------------


def read_lock(root: Path) -> tuple[dict[str, dict[str, object]], list[Diagnostic]]:
    try:
        raw = read_file(root, LOCK_NAME, MAX_LOCK_BYTES)
    except Refused as refused:
        if refused.reason == "missing":
            return {}, []
        return {}, [refused.diagnostic("lock file", LOCK_NAME)]
    try:
        data = json.loads(raw.decode("utf-8"))
        if data.get("version") != LOCK_VERSION or not isinstance(data.get("sources"), dict):
            raise ValueError(f"expected version {LOCK_VERSION}")
        return dict(data["sources"]), []
    except (ValueError, AttributeError, RecursionError) as exc:
        return {}, [
            error(
                "source.lock",
                f"{LOCK_NAME} is unreadable ({exc}); re-create it with 'dossier sources accept'",
                Location(LOCK_NAME),
            )
        ]


def lock_record(archived: Archived, entry: Entry, today: str) -> dict[str, object]:
    return {
        "path": archived.path,
        "sha256": archived.sha256,
        "size": archived.size,
        "locked": today,
        "entry": entry_fingerprint(entry),
    }


def today() -> str:
    """The lock date: SOURCE_DATE_EPOCH when set (reproducible builds), else today (UTC)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    try:
        when = dt.datetime.fromtimestamp(int(epoch), dt.UTC) if epoch.isdigit() else None
    except (OverflowError, OSError, ValueError):  # out of range for this platform
        when = None
    return (when or dt.datetime.now(dt.UTC)).date().isoformat()


def write_lock(root: Path, records: dict[str, dict[str, object]]) -> None:
    text = (
        json.dumps(
            {"version": LOCK_VERSION, "sources": dict(sorted(records.items()))},
            indent=2,
            ensure_ascii=False,
        )
        + "\n"
    )
    # a fresh temporary file renamed over the lock: a `sources.lock.tmp` or a
    # `sources.lock` that the project ships as a symlink is never written through
    write_file(root, LOCK_NAME, text.encode("utf-8"))
