"""One timed child process: wall time and the peak resident memory of its process tree."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path


class CommandFailed(Exception):
    pass


# GNU time measures from a process of its own: a child of this (large) Python process
# starts with the parent's resident set counted in its peak, one of GNU time does not.
GNU_TIME = "/usr/bin/time"


@dataclass(frozen=True, slots=True)
class Sample:
    seconds: float
    # CPU time of the whole process tree (user + system): less noisy than wall time on a
    # busy machine, but not what the goals are about (a parallel build spends more CPU).
    cpu_seconds: float
    # The largest resident set of any one process in the tree (the command itself or a
    # child it waited for), as the kernel reports it to wait4: "memory per process".
    peak_rss_mb: float
    # Whether any process of the tree mapped the watched shared library (see LibraryWatch).
    loaded: bool = False


def command_text(
    cmd: Sequence[str], cwd: Path | None = None, env: Mapping[str, str] | None = None
) -> str:
    """The command as a user would type it in a shell; `env` holds only what differs from
    the caller's environment."""
    assignments = [f"{k}={shlex.quote(v)}" for k, v in sorted((env or {}).items())]
    text = " ".join([*assignments, shlex.join(cmd)])
    return f"cd {shlex.quote(str(cwd))} && {text}" if cwd else text


def run_timed(
    cmd: Sequence[str],
    log: Path,
    *,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    watch: str | None = None,
) -> Sample:
    """Runs cmd, with `env` added to this process's environment and output to `log`;
    raises CommandFailed (with the log's tail) unless it exits 0. time.perf_counter around
    the child's whole life, as a user would time it."""
    log.parent.mkdir(parents=True, exist_ok=True)
    rss_file = log.with_suffix(".rss")
    wrapped = list(cmd)
    if shutil.which(GNU_TIME):
        wrapped = [GNU_TIME, "-f", "%M", "-o", str(rss_file), *wrapped]
    with log.open("wb") as out:
        start = time.perf_counter()
        proc = subprocess.Popen(
            wrapped,
            cwd=cwd,
            env={**os.environ, **(env or {})},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        # wait4 rather than Popen.wait: it also returns this child's resource usage, which
        # RUSAGE_CHILDREN cannot (that one is a high-water mark over every child so far).
        watcher = LibraryWatch(proc.pid, watch) if watch else None
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        if watcher:
            watcher.stop()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        tail = log.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-15:]
        raise CommandFailed(
            f"exit status {proc.returncode}: {command_text(cmd, cwd, env)}\n" + "\n".join(tail)
        )
    cpu = usage.ru_utime + usage.ru_stime
    return Sample(
        seconds, cpu, _peak_kb(rss_file, usage.ru_maxrss) / 1024, bool(watcher and watcher.seen)
    )


def _peak_kb(rss_file: Path, fallback: int) -> int:
    """Kilobytes, from GNU time's report, else from wait4 (an overestimate, see GNU_TIME)."""
    try:
        return int(rss_file.read_text(encoding="utf-8").split()[-1])
    except (OSError, ValueError, IndexError):
        return fallback


class LibraryWatch:
    """Polls /proc while a command runs: did any process of its tree map a shared library
    whose path contains `needle`? WeasyPrint loads Pango (libpango) when imported, whether
    the PDF step runs in a worker process, a pool of them or the build's own process, so
    this tells whether a build rendered a PDF without knowing how dossier renders it."""

    def __init__(self, pid: int, needle: str, interval: float = 0.05) -> None:
        self.pid, self.needle, self.interval = pid, needle, interval
        self.seen = False
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._done.set()
        self._thread.join()

    def _poll(self) -> None:
        while not self.seen and not self._done.is_set():
            self.seen = any(self._maps_needle(p) for p in tree(self.pid))
            self._done.wait(self.interval)

    def _maps_needle(self, pid: int) -> bool:
        try:
            return self.needle in Path(f"/proc/{pid}/maps").read_text(errors="replace")
        except OSError:
            return False


def tree(pid: int) -> set[int]:
    """pid and its descendants, from /proc (empty where /proc is missing)."""
    children: dict[int, list[int]] = {}
    try:
        entries = [e.name for e in os.scandir("/proc") if e.name.isdigit()]
    except OSError:
        return set()
    for name in entries:
        try:
            stat = Path(f"/proc/{name}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(name))
    found, todo = {pid}, [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found
