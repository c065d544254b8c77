"""Child processes of the PDF step: each with a memory limit, all under one deadline,
their JSON lines read as they come (warnings, layout reports), stderr kept for the
diagnostic when one fails."""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import queue
import resource
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, TypedDict, TypeGuard, final

from .record import is_reads

PACKAGE_PARENT = str(Path(__file__).resolve().parents[3])


class Failed(Exception):
    """A child failed; the message says why, in words for the user."""


class Relayout(Failed):
    """Parts cannot be assembled for this document (the contents changed length once
    the real page numbers were known): it is rendered in one process instead."""


class TimedOut(Exception):
    pass


class Layout(TypedDict):
    """A part laid out: its pages, and the 1-based page of each anchor in it."""

    pages: int
    anchors: dict[str, int]


@final  # so that `"warning" in message` tells the two apart
class Report(TypedDict, total=False):
    """A line a worker prints that is not a warning (worker.py writes them)."""

    pages: int  # the whole document is laid out: drawing its pages
    layout: Layout  # a part is laid out: it waits for its first page number


@final
class Warned(TypedDict):
    warning: str


@final
class Fetched(TypedDict):
    """The last line of a worker that wrote its PDF: the project files it read."""

    fetched: dict[str, str | None]  # path -> SHA-256 of the bytes served, or None


def _count(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _fields(value: object) -> dict[object, object] | None:
    return value if isinstance(value, dict) else None


def _layout(value: object) -> Layout | None:
    fields = _fields(value)
    if fields is None or set(fields) != {"pages", "anchors"}:
        return None
    pages, anchors = fields["pages"], _fields(fields["anchors"])
    if not _count(pages) or anchors is None:
        return None
    found = {k: v for k, v in anchors.items() if isinstance(k, str) and _count(v)}
    return {"pages": pages, "anchors": found} if len(found) == len(anchors) else None


def decode(line: object) -> Report | Warned | Fetched | None:
    """A worker's JSON line as what it must be, or None: the line is then skipped, as
    one that is no JSON object (a report of another shape is a worker's bug, and the
    part it should have said something about ends without it, in words)."""
    message = _fields(line)
    if message is None:
        return None
    if set(message) == {"warning"}:
        return {"warning": str(message["warning"])}
    if set(message) == {"fetched"}:
        fetched = message["fetched"]
        return {"fetched": fetched} if is_reads(fetched) else None
    report: Report = {}
    for key, value in message.items():
        layout = _layout(value) if key == "layout" else None
        if key == "pages" and _count(value):
            report["pages"] = value
        elif layout is not None:
            report["layout"] = layout
        else:
            return None
    return report


_PR_SET_PDEATHSIG = 1


def memory_cap_mb(memory_mb: int) -> int:
    """The address space a child gets: `memory_mb`, or less when this process runs under a
    lower hard limit (`ulimit -v` on shared hosts, HPC and CI containers), since a child
    may not raise a limit above its parent's hard one (setrlimit would fail in the child
    and Popen would raise)."""
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard == resource.RLIM_INFINITY:
        return memory_mb
    return max(1, min(memory_mb, hard // (1024 * 1024)))


def _limits(memory_mb: int) -> Callable[[], None]:
    limit = memory_mb * 1024 * 1024  # computed here: preexec_fn should do as little as it can

    def apply() -> None:
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
        os.setsid()
        _die_with_parent()

    return apply


def _die_with_parent() -> None:
    """A worker must not outlive a build that was killed (nobody would enforce its
    timeout any more): Linux sends it SIGKILL when the parent dies."""
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        pass


Entry = Callable[[list[str]], int]  # a worker's main: its arguments in, exit status out


def command(entry: Entry) -> list[str]:
    """The command that runs `entry` in a fresh interpreter. The entry is a function,
    not a module named in a string, so that moving or renaming a worker is checked by
    the type checker and the import, not found out by a failed PDF."""
    module, name = entry.__module__, entry.__qualname__
    if module == "__main__" or not name.isidentifier():
        raise ValueError(f"{module}.{name} cannot be imported by a child process")
    run = f"import sys; from {module} import {name} as m; sys.exit(m(sys.argv[1:]))"
    return [sys.executable, "-P", "-c", run]


class Child:
    """`entry(ARGS)` in a child process with RLIMIT_AS; messages() yields its JSON
    lines."""

    def __init__(self, entry: Entry, args: list[str], memory_mb: int, deadline: float):
        memory_mb = memory_cap_mb(memory_mb)
        self.memory_mb = memory_mb  # what the child really got, for the message if it fails
        self.deadline = deadline
        self.warnings: list[str] = []
        self.fetched: dict[str, str | None] | None = None  # its last line, once read
        self._ended = False
        self._stderr: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 (closed in kill)
        env = {**os.environ, "PYTHONPATH": PACKAGE_PARENT}
        # -P and cwd: `python -c` would otherwise import from the current folder first,
        # and that is often the (untrusted) project: a weasyprint.py there would run.
        self.proc = subprocess.Popen(
            [*command(entry), *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            preexec_fn=_limits(memory_mb),
            env=env,
            cwd=PACKAGE_PARENT,
        )
        self._lines: queue.Queue[Report | Warned | Fetched | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for raw in self.proc.stdout:
            try:
                message = decode(json.loads(raw))
            except ValueError:
                continue
            if message is not None:
                self._lines.put(message)
        self._lines.put(None)

    def next_report(self) -> Report | None:
        """The next message that is not a warning or the files read, or None when the
        child has ended."""
        while not self._ended:
            try:
                message = self._lines.get(timeout=max(0.0, self.deadline - time.monotonic()))
            except queue.Empty:
                raise TimedOut from None
            if message is None:
                self._ended = True
            elif "warning" in message:
                self.warnings.append(message["warning"])
            elif "fetched" in message:
                self.fetched = message["fetched"]
            else:
                return message
        return None

    def send(self, line: str) -> None:
        assert self.proc.stdin is not None
        try:
            self.proc.stdin.write((line + "\n").encode())
            self.proc.stdin.flush()
        except BrokenPipeError:
            pass  # it has died: finish() says why

    def finish(self) -> None:
        """Waits for the end; raises Failed (with the reason) or TimedOut."""
        while self.next_report() is not None:
            pass
        try:
            code = self.proc.wait(timeout=max(0.1, self.deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            raise TimedOut from None
        if code != 0:
            self._stderr.seek(0)
            raise Failed(
                reason(self._stderr.read().decode("utf-8", "replace"), code, self.memory_mb)
            )

    def files_read(self) -> dict[str, str | None]:
        """The project files the finished worker read. A worker that wrote its PDF says
        so; one that did not is a bug, and its PDF is not kept, since the cache could
        not tell when it must be made again."""
        if self.fetched is None:
            raise Failed("the renderer ended without saying which files it read")
        return self.fetched

    def kill(self) -> None:
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, 9)
            self.proc.wait()
        self._stderr.close()


def reason(stderr: str, code: int, memory_mb: int) -> str:
    # Out of address space shows as a MemoryError, or GLib failing to start a thread.
    if code in (-9, 137) or any(
        sign in stderr
        for sign in ("MemoryError", "Error creating thread", "Cannot allocate memory")
    ):
        return f"it needed more than {memory_mb} MB of memory"
    if "RecursionError" in stderr:
        return "the document is nested too deeply"
    last = [line for line in stderr.strip().splitlines() if line.strip()]
    return last[-1][:300] if last else f"the renderer exited with status {code}"
