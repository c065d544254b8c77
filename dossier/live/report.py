"""The results of `sources check --live` for people (a table on stdout, a diagnostic
per problem on stderr) and for programs (--json)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

from ..diagnostics import Diagnostic, Location, warning
from ..model import Entry
from .checking import STATES, LiveResult

SHOWN_CITATIONS = 10


def _citations(r: LiveResult) -> str:
    shown = ", ".join(r.citations[:SHOWN_CITATIONS]) or "no citations"
    more = len(r.citations) - SHOWN_CITATIONS
    return shown + (f" and {more} more" if more > 0 else "")


def text(results: Sequence[LiveResult]) -> str:
    width = max((len(r.key) for r in results), default=4)
    lines = []
    for r in results:
        head = f"{r.state:<12} {r.key:<{width}}  {r.url}"
        lines.append(head + (f"  ({r.detail})" if r.detail else ""))
        if r.state == "unchanged":
            continue
        pad = " " * 15
        if r.diff is not None:
            for old, new in r.diff.changes:
                lines.append(f"{pad}- “{old}”  + “{new}”" if old and new else
                             f"{pad}- “{old}”" if old else f"{pad}+ “{new}”")  # fmt: skip
        for where, held in r.quotations:
            lines.append(
                f"{pad}quotation at {where}: "
                + ("still on the live page" if held else "NOT on the live page")
            )
        if r.state in ("gone", "moved") and r.archive:
            lines.append(f"{pad}readers are sent to the archived copy {r.archive}")
        lines.append(f"{pad}cited at {_citations(r)}")
    return "\n".join(lines) + ("\n" if lines else "")


def summary(results: Sequence[LiveResult], recorded: int, checked: str) -> str:
    counts = {s: sum(r.state == s for r in results) for s in STATES}
    parts = ", ".join(f"{n} {s}" for s, n in counts.items() if n or s != "not-archived")
    return (
        f"{len(results)} cited URL(s) checked on {checked}: {parts}; "
        f"{recorded} result(s) recorded in sources.lock"
    )


_PROBLEMS = {
    "changed": (
        "live.changed",
        "read the change; to archive the new text: dossier sources fetch --refresh KEY",
    ),
    "moved": ("live.moved", "point the url field at the new address, or keep the archived copy"),
    "gone": (
        "live.gone",
        "readers are sent to the archived copy; add urlarchive if a public archive holds it",
    ),
    "unreachable": ("live.unreachable", "try again later"),
}


def diagnostics(results: Sequence[LiveResult], entries: Mapping[str, Entry]) -> list[Diagnostic]:
    out = []
    for r in results:
        if r.state not in _PROBLEMS:
            continue
        code, fix = _PROBLEMS.get(r.state, ("live.unreachable", "try again later"))
        entry = entries.get(r.key)
        where = entry.location if entry else Location("sources.lock")
        lost = [w for w, held in r.quotations if not held]
        quotes = f"; quotation(s) no longer on the page: {', '.join(lost)}" if lost else ""
        out.append(
            warning(
                code,
                f"the live page of '{r.key}' is {r.state} ({r.detail or r.url}) as of "
                f"{r.checked}; affects {len(r.citations)} citation(s): {_citations(r)}{quotes}",
                where,
                fix.replace("KEY", r.key),
            )
        )
    return out


def as_json(results: Sequence[LiveResult], checked: str, exit_code: int, recorded: int) -> str:
    data = {
        "version": 1,
        "checked": checked,
        "exit": exit_code,
        "recorded": recorded,
        "summary": {s: sum(r.state == s for r in results) for s in STATES},
        "results": [
            {
                "key": r.key,
                "url": r.url,
                "state": r.state,
                "code": _PROBLEMS[r.state][0] if r.state in _PROBLEMS else "",
                "status": r.status,
                "final_url": r.final_url,
                "detail": r.detail,
                "archive": r.archive,
                "diff": (
                    {
                        "removed": r.diff.removed,
                        "added": r.diff.added,
                        "changes": [{"removed": a, "added": b} for a, b in r.diff.changes],
                    }
                    if r.diff is not None
                    else None
                ),
                "quotations": [{"at": w, "on_live_page": held} for w, held in r.quotations],
                "citations": list(r.citations),
            }
            for r in results
        ],
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
