"""`dossier sources check --live`: each cited URL fetched again and judged against the
locked archive; the results, with the citations and quotations they affect, and their
record in sources.lock (so that builds show them without going online)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from ..evidence.archive import Archived, read_lock, write_lock
from ..evidence.quotes import QuoteCheck
from ..evidence.sources import quoting_by_key
from ..model import Bibliography, Cluster
from .compare import Diff, archived_text, contains_quotation, word_diff
from .fetcher import Fetched

# unchanged, not-archived: fine; changed, moved, gone: the reader or the author must
# act; unreachable: try again later
STATES = ("unchanged", "not-archived", "changed", "moved", "gone", "unreachable")
PROBLEMS = ("changed", "moved", "gone")
EXIT_FINE, EXIT_CHANGED, EXIT_UNREACHABLE = 0, 1, 3


@dataclass(frozen=True, slots=True)
class LiveResult:
    key: str
    url: str
    state: str
    checked: str  # the date (UTC) of this check
    status: int = 0  # the last HTTP status; 0 when none came
    final_url: str = ""
    detail: str = ""  # one line: why, for gone and unreachable; what, for changed
    diff: Diff | None = None
    quotations: tuple[tuple[str, bool], ...] = ()  # (chapter:line:col, still on the page)
    citations: tuple[str, ...] = ()  # chapter:line:col
    archive: str = ""  # the archived copy's path


def _same_place(a: str, b: str) -> bool:
    """The same page, allowing what servers do without moving it: http -> https, a
    trailing slash, a default port, the case of the host, a fragment."""

    def key(url: str) -> tuple[str, str, str]:
        try:
            p = urlsplit(url.strip())
            port = p.port
        except ValueError:
            return (url, "", "")
        host = (p.hostname or "").rstrip(".").lower()
        if port and port not in (80, 443):
            host += f":{port}"
        return host, p.path.rstrip("/") or "/", p.query

    return key(a) == key(b)


def judge(
    key: str,
    got: Fetched,
    text: str | None,
    expected: str,
    archived: Archived | None,
    checked: str,
) -> LiveResult:
    """The state of one source. `text`: the live page's (see live_text); `expected`:
    where the page was when it was archived."""
    base = LiveResult(key, got.url, "", checked, got.status, got.final_url)
    if got.failure in ("dns", "tls"):
        return _with(base, "gone", got.problem)
    if got.failure:
        return _with(base, "unreachable", got.problem)
    if got.status in (404, 410):
        return _with(base, "gone", f"HTTP {got.status}")
    if got.status >= 500:
        return _with(base, "unreachable", f"HTTP {got.status}: try again later")
    if not 200 <= got.status < 300:
        return _with(base, "unreachable", f"HTTP {got.status}")
    moved = not _same_place(got.final_url, expected)
    diff = None
    if archived is not None and text is not None:
        diff = word_diff(archived_text(archived), text)
    state = "moved" if moved else "not-archived" if archived is None else "unchanged"
    detail = f"now at {got.final_url}" if moved else ""
    if archived is not None and text is None:
        state, detail = "changed", f"the page is now {got.content_type or 'of no stated type'}"
    elif diff is not None and not diff.same and not moved:
        state = "changed"
    if diff is not None and not diff.same:
        words = f"{diff.removed} word(s) removed, {diff.added} added"
        detail = f"{detail}; {words}" if detail else words
    return LiveResult(key, got.url, state, checked, got.status, got.final_url, detail, diff)


def _with(base: LiveResult, state: str, detail: str) -> LiveResult:
    return LiveResult(base.key, base.url, state, base.checked, base.status, base.final_url, detail)


def affected(
    result: LiveResult,
    text: str | None,
    citing: Mapping[str, tuple[Cluster, ...]],
    checks: Sequence[QuoteCheck],
    archived: Archived | None,
) -> LiveResult:
    """The result with the citations of the source and, for a page that answered, for
    each of its quotations whether the live page still holds it."""
    quotes = quoting_by_key(checks).get(result.key, [])
    held = tuple(
        (str(c.quotation.location), text is not None and contains_quotation(text, c.quotation.text))
        for c in quotes
    )
    return LiveResult(
        result.key,
        result.url,
        result.state,
        result.checked,
        result.status,
        result.final_url,
        result.detail,
        result.diff,
        held,
        tuple(str(c.location) for c in citing.get(result.key, ())),
        archived.path if archived else "",
    )


def record(root: Path, results: Sequence[LiveResult]) -> int:
    """Each result of a locked source written into its lock record; returns how many.
    `since`: the first check that found the present state (a link dead for months)."""
    lock, _ = read_lock(root)
    done = 0
    for r in results:
        entry = lock.get(r.key)
        if entry is None:
            continue
        before = entry.get("live")
        since = r.checked
        if isinstance(before, dict) and before.get("state") == r.state:
            since = str(before.get("since") or before.get("checked") or r.checked)
        entry["live"] = {
            "state": r.state,
            "checked": r.checked,
            "since": since,
            "status": r.status,
            "final_url": r.final_url,
            "detail": r.detail,
        }
        done += 1
    if done:
        write_lock(root, lock)
    return done


def exit_status(results: Sequence[LiveResult]) -> int:
    if any(r.state in PROBLEMS for r in results):
        return EXIT_CHANGED
    if any(r.state == "unreachable" for r in results):
        return EXIT_UNREACHABLE
    return EXIT_FINE


def cited_urls(
    bib: Bibliography, citing: Mapping[str, object], keys: Sequence[str]
) -> list[tuple[str, str]]:
    """(key, url) of the entries to check: the ones named, else every cited one."""
    entries = bib.by_key()
    chosen = list(dict.fromkeys(keys)) if keys else [e.key for e in bib.entries if e.key in citing]
    return [(k, entries[k].get("url").strip()) for k in chosen if entries[k].get("url").strip()]
