"""The evidence stage: archived sources, their lock, and the quotations checked
against them. Pure apart from reading the archive files; `accept` writes the lock."""

from __future__ import annotations

import os
import stat
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..diagnostics import Diagnostic, Location, error, warning
from ..model import Bibliography, Cluster, Entry
from ..projectfs import inside
from .archive import (
    LOCK_NAME,
    Archived,
    entry_fingerprint,
    locate,
    lock_record,
    read_archive,
    read_lock,
    today,
    write_lock,
)
from .quotes import Quotation, QuoteCheck, check


@dataclass(frozen=True, slots=True)
class SourceStatus:
    key: str
    state: str  # ok | changed | entry-changed | missing | new | unused | no-archive
    path: str = ""
    old_sha256: str = ""
    new_sha256: str = ""
    locked: str = ""


@dataclass(frozen=True, slots=True)
class Evidence:
    archives: dict[str, Archived]
    statuses: tuple[SourceStatus, ...]
    checks: tuple[QuoteCheck, ...]
    # sources.lock as read: what `sources fetch` and `sources check --live` recorded
    # there (capture date, live state) is what the reader is shown (dossier.live.marks)
    records: dict[str, dict[str, object]] = field(default_factory=dict)


def gather(
    root: Path, bib: Bibliography, sources_dir: str
) -> tuple[dict[str, Archived], list[Diagnostic]]:
    archives: dict[str, Archived] = {}
    diags: list[Diagnostic] = []
    folder = inside(root, sources_dir)
    present: set[str] | None
    if folder is None:  # `sources -> /etc`: not even the names there are looked at
        present = set()
        diags.append(
            error(
                "source.outside",
                f"sources folder '{sources_dir}' is outside the project",
                Location(sources_dir),
            )
        )
    else:
        try:
            present = set(os.listdir(folder))
        except OSError:
            present = set() if not folder.exists() else None
        diags.extend(_odd_files(root, folder, sources_dir, present or set()))
    for entry in bib.entries:
        rel, more = locate(root, entry, sources_dir, present)
        diags.extend(more)
        if rel is None:
            continue
        archived, more = read_archive(root, entry.key, rel)
        diags.extend(more)
        if archived:
            archives[entry.key] = archived
    return archives, diags


def _odd_files(root: Path, folder: Path, sources_dir: str, names: set[str]) -> list[Diagnostic]:
    """A word for what the sources folder holds that can never be an archive: FIFOs,
    devices, sockets and symlinks to folders are skipped, and links out of the project
    never followed; saying so beats a source that silently counts as not archived."""
    out: list[Diagnostic] = []
    for name in sorted(names):
        path = folder / name
        try:
            info = os.lstat(path)
        except OSError:
            continue
        where = Location(f"{sources_dir}/{name}")
        if stat.S_ISLNK(info.st_mode):
            if inside(root, f"{sources_dir}/{name}") is None:
                out.append(
                    warning(
                        "source.outside",
                        f"'{sources_dir}/{name}' points outside the project; it is ignored",
                        where,
                    )
                )
            elif not os.path.isfile(path):
                out.append(
                    warning(
                        "source.not-a-file",
                        f"'{sources_dir}/{name}' links to something that is not a regular "
                        "file; it is ignored",
                        where,
                    )
                )
        elif not stat.S_ISREG(info.st_mode) and not stat.S_ISDIR(info.st_mode):
            out.append(
                warning(
                    "source.not-a-file",
                    f"'{sources_dir}/{name}' is not a regular file (a FIFO, device or "
                    "socket); it is ignored",
                    where,
                )
            )
    return out


def statuses(
    bib: Bibliography,
    archives: dict[str, Archived],
    lock: dict[str, dict[str, object]],
    cited: set[str],
) -> list[SourceStatus]:
    out = []
    for entry in bib.entries:
        record = lock.get(entry.key)
        archived = archives.get(entry.key)
        if archived is None:
            out.append(
                SourceStatus(
                    entry.key,
                    "missing" if record else "no-archive",
                    str(record.get("path", "")) if record else "",
                    str(record.get("sha256", "")) if record else "",
                )
            )
        elif record is None:
            out.append(
                SourceStatus(
                    entry.key,
                    "new" if entry.key in cited else "unused",
                    archived.path,
                    "",
                    archived.sha256,
                )
            )
        elif record.get("sha256") != archived.sha256:
            out.append(
                SourceStatus(
                    entry.key,
                    "changed",
                    archived.path,
                    str(record["sha256"]),
                    archived.sha256,
                    str(record.get("locked", "")),
                )
            )
        elif record.get("entry") != entry_fingerprint(entry):
            out.append(
                SourceStatus(
                    entry.key,
                    "entry-changed",
                    archived.path,
                    str(record.get("entry", "")),
                    entry_fingerprint(entry),
                    str(record.get("locked", "")),
                )
            )
        else:
            out.append(
                SourceStatus(
                    entry.key,
                    "ok" if entry.key in cited else "unused",
                    archived.path,
                    archived.sha256,
                    archived.sha256,
                    str(record.get("locked", "")),
                )
            )
    known = {e.key for e in bib.entries}
    out += [
        SourceStatus(k, "unused", str(r.get("path", "")), str(r.get("sha256", "")))
        for k, r in sorted(lock.items())
        if k not in known
    ]
    return out


def evaluate(
    root: Path,
    bib: Bibliography,
    sources_dir: str,
    citing: dict[str, tuple[Cluster, ...]],
    quotations: Sequence[Quotation],
) -> tuple[Evidence, list[Diagnostic]]:
    cited = set(citing)
    archives, diags = gather(root, bib, sources_dir)
    lock, more = read_lock(root)
    diags.extend(more)
    checks = tuple(check(q, archives) for q in quotations)
    diags.extend(_quote_diagnostics(checks))
    found = statuses(bib, archives, lock, cited)
    entries = bib.by_key()
    quoting = quoting_by_key(checks)
    for status in found:
        diags.extend(
            _status_diagnostics(
                status, entries.get(status.key), citing, quoting.get(status.key, [])
            )
        )
    return Evidence(archives, tuple(found), checks, lock), diags


def quoting_by_key(checks: Sequence[QuoteCheck]) -> dict[str, list[QuoteCheck]]:
    """Cite key -> the quotations whose citation includes it (once each, in order)."""
    out: dict[str, list[QuoteCheck]] = {}
    for c in checks:
        for key in dict.fromkeys(i.key for i in c.quotation.cluster.items):
            out.setdefault(key, []).append(c)
    return out


def _quote_diagnostics(checks: Sequence[QuoteCheck]) -> list[Diagnostic]:
    out = []
    for c in checks:
        q = c.quotation
        if c.status == "not-found":
            where = f" (p. {c.page})" if c.page else ""
            out.append(
                error(
                    "quote.not-in-source",
                    f"quotation not found in the archived "
                    f"source of '{c.key}'; closest passage{where}: “{c.passage}”",
                    q.location,
                )
            )
        elif c.status == "wrong-page":
            out.append(
                error(
                    "quote.wrong-page",
                    f"quotation is in '{c.key}' but on p. {c.page}, not on the page cited",
                    q.location,
                )
            )
        elif c.status == "no-archive":
            out.append(
                warning(
                    "quote.no-archive",
                    f"quotation cannot be checked: '{c.key}' has no archived source",
                    q.location,
                    f"save a copy as sources/{c.key}.txt (or .html, .pdf)",
                )
            )
    return out


def _status_diagnostics(
    status: SourceStatus,
    entry: Entry | None,
    citing: dict[str, tuple[Cluster, ...]],
    quotes: Sequence[QuoteCheck],
) -> list[Diagnostic]:
    loc = entry.location if entry else Location(LOCK_NAME)
    if status.state not in ("changed", "entry-changed", "missing", "new"):
        return []
    clusters = citing.get(status.key, ())
    affected = ", ".join(str(c.location) for c in clusters[:20]) or "no citations"
    if len(clusters) > 20:
        affected += f" and {len(clusters) - 20} more"
    quote_note = (
        "; quotations: "
        + ", ".join(
            f"{c.quotation.location} {'still found' if c.status == 'found' else 'now missing'}"
            for c in quotes
        )
        if quotes
        else ""
    )
    if status.state == "changed":
        return [
            warning(
                "source.changed",
                f"archived source of '{status.key}' "
                f"({status.path}) changed since it was locked on {status.locked}: "
                f"sha256 {status.old_sha256[:12]} → {status.new_sha256[:12]}; "
                f"affects {len(clusters)} citation(s): {affected}{quote_note}",
                loc,
                f"review, then run 'dossier sources accept {status.key}'",
            )
        ]
    if status.state == "entry-changed":
        return [
            warning(
                "source.entry-changed",
                f"bibliography entry '{status.key}' changed "
                f"since it was locked on {status.locked}: fingerprint "
                f"{status.old_sha256[:12]} → {status.new_sha256[:12]}; the rebuild "
                f"updates {len(clusters)} citation(s): {affected}",
                loc,
                f"review, then run 'dossier sources accept {status.key}'",
            )
        ]
    if status.state == "missing":
        return [
            error(
                "source.missing",
                f"archived source of '{status.key}' "
                f"({status.path}) is locked but missing; cited at {affected}",
                loc,
            )
        ]
    return [
        warning(
            "source.new",
            f"archived source of '{status.key}' ({status.path}) is not locked yet",
            loc,
            "run 'dossier sources accept' to record it",
        )
    ]


# What `sources fetch` and `sources check --live` add to a record: kept by `accept`
# while the archived copy is the same (a capture's date and the last live check belong
# to that copy, not to a new one)
CARRIED = ("url", "final_url", "captured", "live")


def accept(
    root: Path, bib: Bibliography, archives: dict[str, Archived], keys: Sequence[str]
) -> list[str]:
    """Re-lock the given keys (all when none given); returns the keys locked."""
    lock, _ = read_lock(root)
    entries = bib.by_key()
    chosen = list(keys) or sorted(archives)
    stamp = today()
    done = []
    for key in chosen:
        if key in archives and key in entries:
            old = lock.get(key) or {}
            record = lock_record(archives[key], entries[key], stamp)
            if old.get("sha256") == record["sha256"]:
                record.update({k: old[k] for k in CARRIED if k in old})
            lock[key] = record
            done.append(key)
        elif key not in entries:
            lock.pop(key, None)
            done.append(key)
    if not keys:  # a full accept also forgets entries that are gone
        for key in [k for k in lock if k not in entries or k not in archives]:
            del lock[key]
    write_lock(root, lock)
    return done


def unknown_keys(keys: Sequence[str], bib: Bibliography) -> list[Diagnostic]:
    known = bib.by_key()
    return [
        error("source.unknown-key", f"no bibliography entry '{k}'") for k in keys if k not in known
    ]


def report(evidence: Evidence, citing: dict[str, tuple[Cluster, ...]]) -> dict[str, object]:
    """What changed since the sources were locked, for build/changes.json and the site."""
    changes = []
    quoting = quoting_by_key(evidence.checks)
    for status in evidence.statuses:
        if status.state == "ok":
            continue
        clusters = citing.get(status.key, ())
        quotes = quoting.get(status.key, [])
        changes.append(
            {
                "key": status.key,
                "state": status.state,
                "path": status.path,
                "old": status.old_sha256,
                "new": status.new_sha256,
                "locked": status.locked,
                "citations": [str(c.location) for c in clusters],
                "quotations": [
                    {
                        "at": str(c.quotation.location),
                        "status": c.status,
                        "page": c.page,
                        "passage": c.passage,
                    }
                    for c in quotes
                ],
            }
        )
    return {
        "version": 1,
        "changes": changes,
        "quotations": {
            "checked": len(evidence.checks),
            "found": sum(c.status == "found" for c in evidence.checks),
        },
    }
