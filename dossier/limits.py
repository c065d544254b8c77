"""Resource limits a project asks for, kept within what this machine can safely give.

dossier.toml is untrusted: `[pdf] jobs = 42` would start 42 WeasyPrint processes on 2
cores, `memory_mb = -1` would lift the memory limit and `timeout = 999999` would let a
runaway layout run for days. Each value is clamped to a documented range, and a value
the project set that had to be changed is reported as a note (the build goes on).

The bounds are module attributes, read at each call, so a test can lower them."""

from __future__ import annotations

import os
from collections.abc import Callable, Collection

from .diagnostics import Diagnostic, Location, Severity

MIN_MEMORY_MB = 512  # WeasyPrint's interpreter and fonts alone need about this much
MEMORY_FRACTION = 0.5  # of physical memory, for each PDF process at most
MIN_TIMEOUT_S = 10
MAX_TIMEOUT_S = 3600


def cores() -> int:
    """The cores this process may run on (a container's share, not the host's)."""
    if hasattr(os, "sched_getaffinity"):
        return max(len(os.sched_getaffinity(0)), 1)
    return os.cpu_count() or 1


def physical_mb() -> int:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // (1024 * 1024)
    except (ValueError, OSError, AttributeError):  # not known here: assume a small machine
        return 4096


def max_memory_mb() -> int:
    return max(MIN_MEMORY_MB, int(physical_mb() * MEMORY_FRACTION))


def _within(value: int, low: int, high: int) -> int:
    return min(max(value, low), high)


def clamp_pdf(
    values: dict[str, int], given: Collection[str], where: Callable[[str], Location]
) -> tuple[dict[str, int], list[Diagnostic]]:
    """`[pdf]` jobs, memory_mb and timeout within their bounds, with a note for each
    value the project set (`given`) that was changed; defaults are fitted silently."""
    top = max_memory_mb()
    bounds = {
        "jobs": (0, cores(), f"0 (one per core) to this machine's {cores()} core(s)"),
        "memory_mb": (MIN_MEMORY_MB, top, f"{MIN_MEMORY_MB} to {top} MB"),
        "timeout": (MIN_TIMEOUT_S, MAX_TIMEOUT_S, f"{MIN_TIMEOUT_S} to {MAX_TIMEOUT_S} s"),
    }
    out = dict(values)
    notes: list[Diagnostic] = []
    for key, (low, high, allowed) in bounds.items():
        if key not in values:
            continue
        value = values[key]
        fitted = _within(value, low, high)
        if fitted == value:
            continue
        out[key] = fitted
        if key in given:
            unlimited = " (which would lift the limit)" if key == "memory_mb" and value <= 0 else ""
            notes.append(
                Diagnostic(
                    Severity.NOTE,
                    "config.clamped",
                    f"'pdf.{key} = {value}'{unlimited} is outside {allowed}; using {fitted}",
                    where(key),
                )
            )
    return out, notes
