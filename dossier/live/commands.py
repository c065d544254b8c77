"""The two commands that go online: `sources fetch` and `sources check --live`."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..diagnostics import Diagnostic, has_errors
from ..evidence.archive import read_lock, today
from ..evidence.sources import unknown_keys
from .checking import LiveResult, affected, cited_urls, exit_status, judge, record
from .compare import live_text
from .fetcher import Fetched, Fetcher, Limits
from .fetching import lock_captures, plan, store, write_urldates
from .report import as_json, diagnostics, summary, text

if TYPE_CHECKING:
    from ..build import Analysis

Report = Callable[[Sequence[Diagnostic]], None]
Say = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class Options:
    keys: tuple[str, ...] = ()
    refresh: bool = False
    write_bib: bool = False
    allow_private: bool = False
    json: bool = False
    timeout: float = 30.0  # seconds without a byte (the connect limit is a third)
    contact: str = ""


def _fetcher(options: Options) -> Fetcher:
    limits = Limits(
        connect=max(0.1, min(10.0, options.timeout / 3)),
        read=options.timeout,
        total=max(options.timeout * 4, 1.0),
    )
    return Fetcher(limits, options.allow_private, options.contact)


def fetch(root: Path, analysis: Analysis, options: Options, report: Report, say: Say) -> int:
    from ..build import analyse  # the entries read again once their urldate is written

    bib, config = analysis.bibliography, analysis.config
    problems = unknown_keys(options.keys, bib)
    if problems:
        report(problems)
        return 1
    jobs, problems, skipped = plan(
        bib, analysis.evidence.archives, options.keys, options.refresh, config.sources
    )
    if skipped:
        say(f"already archived (fetch again with --refresh): {', '.join(skipped)}")
    if not jobs and not problems:
        say("nothing to fetch: no entry without an archived copy has a url field")
    entries = bib.by_key()
    stored: dict[str, tuple[str, Fetched]] = {}

    def done(got: Fetched) -> None:
        say(f"fetched {got.url}" if not got.failure else f"failed {got.url}")

    results = _fetcher(options).fetch_all([j.url for j in jobs], done)
    for job in jobs:
        got = results[job.url]
        outcome = store(root, config.sources, job, got, entries[job.key])
        if isinstance(outcome, str):
            stored[job.key] = (outcome, got)
        else:
            problems.append(outcome)
    date = today()
    for key, (rel, got) in sorted(stored.items()):
        print(
            f"{key}: {got.final_url} -> {rel} ({got.content_type or 'no type'}, "
            f"{len(got.body):,} bytes, HTTP {got.status}, sha256 {got.sha256[:12]}); "
            f"urldate = {{{got.fetched_at[:10]}}}"
        )
    if stored and options.write_bib:
        missed = write_urldates(root, config.bibliography, [entries[k] for k in stored], date)
        if missed:
            say(f"urldate not written for: {', '.join(missed)} (set it by hand)")
        else:
            say(f"urldate set in {config.bibliography} for {len(stored)} entr(y/ies)")
    if stored:
        again, more = analyse(root, progress=lambda _: None)
        lock_bib = again.bibliography if again is not None else bib
        problems.extend(d for d in more if d.code.startswith("bib.") and has_errors([d]))
        problems.extend(lock_captures(root, lock_bib, stored))
        say(f"locked {len(stored)} fetched source(s) in sources.lock: {', '.join(sorted(stored))}")
    report(problems)
    return 1 if has_errors(problems) else 0


def check_live(root: Path, analysis: Analysis, options: Options, report: Report, say: Say) -> int:
    bib, evidence = analysis.bibliography, analysis.evidence
    problems = unknown_keys(options.keys, bib)
    if problems:
        report(problems)
        return 2
    citing = analysis.collected.citing
    wanted = cited_urls(bib, citing, options.keys)
    lock, _ = read_lock(root)
    checked = today()
    fetched = _fetcher(options).fetch_all(
        [u for _, u in wanted], lambda got: say(f"checked {got.url}")
    )
    results: list[LiveResult] = []
    for key, url in wanted:
        got = fetched[url]
        text_now = live_text(got) if not got.failure and 200 <= got.status < 300 else None
        expected = str(lock.get(key, {}).get("final_url") or url)
        archived = evidence.archives.get(key)
        result = judge(key, got, text_now, expected, archived, checked)
        results.append(affected(result, text_now, citing, evidence.checks, archived))
    recorded = record(root, results)
    code = exit_status(results)
    if options.json:
        sys.stdout.write(as_json(results, checked, code, recorded))
    else:
        sys.stdout.write(text(results))
    report(diagnostics(results, bib.by_key()))
    say(summary(results, recorded, checked))
    return code
