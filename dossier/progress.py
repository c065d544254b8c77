"""Progress on stderr while a build runs: a live status line (rich) on a terminal,
each finished stage printed with its time; nothing at all when stderr is not a terminal
(CI logs, pipes) or with -q, so that output stays the diagnostics and the summary."""

from __future__ import annotations

import re
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console

Progress = Callable[[str], None]

# "rendering pages (3/43)": a stage counting its items. Each count updates the stage's
# line in place; a new stage (another text before the count) finishes it.
_COUNT = re.compile(r"^(.*?) \((\d+)/(\d+)[^)]*\)$")


def stage_of(message: str) -> str:
    m = _COUNT.match(message)
    return m.group(1) if m else message


def is_count(message: str) -> bool:
    """Whether the message only moves a counter on (not the first of its stage): what a
    plain log leaves out."""
    m = _COUNT.match(message)
    return m is not None and m.group(2) != "0"


def _silent(_: str) -> None:
    pass


@dataclass(frozen=True, slots=True)
class _Stage:
    """The stage on the status line: its last message ("" once printed) and its start."""

    message: str
    since: float


@contextmanager
def progress(quiet: bool, stream: IO[str] | None = None) -> Iterator[Progress]:
    out = stream or sys.stderr
    if quiet or not out.isatty():
        yield _silent
        return
    from rich.console import Console  # only on a terminal: it costs ~0.1 s to import
    from rich.markup import escape

    console = Console(file=out, highlight=False)
    started = time.perf_counter()
    current = _Stage("", started)
    with console.status("", spinner="dots") as status:

        def report(message: str) -> None:
            nonlocal current
            if stage_of(message) != stage_of(current.message):
                _finish(console, current)
                current = _Stage(message, time.perf_counter())
            else:
                current = replace(current, message=message)
            status.update(f"{escape(message)} …")

        try:
            yield report
        finally:
            _finish(console, current)
    console.print(f"[dim]done in {time.perf_counter() - started:.1f} s[/dim]")


def _finish(console: Console, current: _Stage) -> None:
    if current.message:
        took = time.perf_counter() - current.since
        from rich.markup import escape

        console.print(f"[green]✓[/green] {escape(current.message)} [dim]{took:.1f} s[/dim]")
