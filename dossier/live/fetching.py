"""`dossier sources fetch`: which entries to fetch, and each page stored and locked."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..diagnostics import Diagnostic, error, warning
from ..evidence.archive import Archived, lock_record, read_archive, read_lock, today, write_lock
from ..model import Bibliography, Entry
from ..projectfs import MAX_BIB_BYTES, Refused, read_file, write_file
from .bibedit import set_urldate
from .fetcher import Fetched
from .store import safe_key, sniff, write_capture

# what a lock record keeps of a capture (and `sources accept` carries over while the
# archive's fingerprint is unchanged): the reader's "archived on" date comes from here
CAPTURE_FIELDS = ("url", "final_url", "captured")


@dataclass(frozen=True, slots=True)
class Job:
    key: str
    url: str
    archived: str  # the archive it has now ("" for none)


def plan(
    bib: Bibliography,
    archives: dict[str, Archived],
    keys: Sequence[str],
    refresh: bool,
    sources_dir: str,
) -> tuple[list[Job], list[Diagnostic], list[str]]:
    """(jobs, problems, keys skipped because they are archived already)."""
    entries = bib.by_key()
    chosen = [entries[k] for k in dict.fromkeys(keys) if k in entries] if keys else bib.entries
    jobs, diags, skipped = [], [], []
    for entry in chosen:
        url = entry.get("url").strip()
        if not url:
            if keys:
                diags.append(
                    error("live.no-url", f"entry '{entry.key}' has no url field", entry.location)
                )
            continue
        have = archives.get(entry.key)
        if have is not None and not refresh:
            skipped.append(entry.key)
            continue
        if have is not None and not have.path.startswith(f"{sources_dir}/{entry.key}."):
            diags.append(
                warning(
                    "live.not-replaced",
                    f"the archive of '{entry.key}' is {have.path} (its file field); "
                    "a fetched page would not replace it, so it is not fetched",
                    entry.location,
                )
            )
            continue
        if not safe_key(entry.key):
            diags.append(
                error(
                    "live.unsafe-key",
                    f"cite key '{entry.key}' cannot be a file name in {sources_dir}/; "
                    "save the page by hand and name it in the entry's file field",
                    entry.location,
                )
            )
            continue
        jobs.append(Job(entry.key, url, have.path if have else ""))
    return jobs, diags, skipped


def store(root: Path, sources_dir: str, job: Job, got: Fetched, entry: Entry) -> Diagnostic | str:
    """The page written under sources/; its path, or the problem."""
    if got.failure:
        return error("live.fetch-failed", f"{job.key}: {job.url}: {got.problem}", entry.location)
    if not 200 <= got.status < 300:
        return error(
            "live.fetch-failed",
            f"{job.key}: {job.url}: the server answered HTTP {got.status}",
            entry.location,
        )
    suffix = sniff(got.content_type, got.body)
    if suffix is None:
        return error(
            "live.not-archivable",
            f"{job.key}: {got.final_url} is {got.content_type or 'of no stated type'}, "
            "not an HTML page, a PDF or text",
            entry.location,
        )
    rel = f"{sources_dir}/{job.key}{suffix}"
    if job.archived and job.archived != rel:
        return error(
            "live.not-replaced",
            f"{job.key}: the page is now {suffix[1:].upper()}, but the archive is "
            f"{job.archived}; remove that file, then fetch again",
            entry.location,
        )
    try:
        write_capture(root, rel, got)
    except Refused as exc:
        why = exc.detail or exc.reason
        return error("live.fetch-failed", f"{job.key}: cannot write {rel}: {why}", entry.location)
    except OSError as exc:
        why = exc.strerror or str(exc)
        return error("live.fetch-failed", f"{job.key}: cannot write {rel}: {why}", entry.location)
    return rel


def write_urldates(root: Path, bib_rel: str, entries: Sequence[Entry], date: str) -> list[str]:
    """urldate set in the .bib for each entry (bottom up, so line numbers hold); returns
    the keys it could not be set for."""
    try:
        text = read_file(root, bib_rel, MAX_BIB_BYTES).decode("utf-8")
    except (Refused, UnicodeDecodeError):
        return [e.key for e in entries]
    missed = []
    for entry in sorted(entries, key=lambda e: -e.location.line):
        changed = set_urldate(text, entry.location.line, date)
        if changed is None:
            missed.append(entry.key)
        else:
            text = changed
    write_file(root, bib_rel, text.encode("utf-8"))
    return missed


def lock_captures(
    root: Path,
    bib: Bibliography,
    captured: dict[str, tuple[str, Fetched]],
) -> list[Diagnostic]:
    """Each stored page locked, with the capture's URLs and date in its record."""
    lock, diags = read_lock(root)
    if diags:  # a damaged lock is the author's to restore, never overwritten here
        return diags
    entries = bib.by_key()
    stamp = today()
    for key, (rel, got) in sorted(captured.items()):
        archived, more = read_archive(root, key, rel)
        diags.extend(more)
        if archived is None or key not in entries:
            continue
        lock[key] = {
            **lock_record(archived, entries[key], stamp),
            "url": got.url,
            "final_url": got.final_url,
            "captured": got.fetched_at,
        }
    write_lock(root, lock)
    return diags
