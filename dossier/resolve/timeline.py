"""A chronology figure's data, read from a TOML data file.

A chapter shows it like any image: `![Caption](data/timeline.toml){#fig-timeline}`.
Each event links to the bibliography entry of the source that supports it. What is read
here is data (a `Timeline`); render.timeline draws it when a page is written, with the
links of that page.
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from ..diagnostics import Diagnostic, Location, did_you_mean, error
from ..projectfs import MAX_DATA_BYTES
from ..read.load import read_text

MAX_SPAN_YEARS = 5000  # drawn to scale: 5,000 years are 45,000 px tall already
# One row per event: 12,000 events drew a 200,000 px figure that took the PDF 28 s.
MAX_EVENTS = 1000


@dataclass(frozen=True, slots=True)
class TimelineEvent:
    year: int
    label: str  # stripped of surrounding space
    cites: tuple[str, ...]  # the keys the bibliography has, as listed; the first is linked
    line: int  # of its [[event]] header in the data file (0: not found)


@dataclass(frozen=True, slots=True)
class Timeline:
    """A data figure: its events in the order of their years (never empty)."""

    path: str  # the data file, relative to the project
    events: tuple[TimelineEvent, ...]
    title: str = "Timeline"

    def digest(self) -> str:
        """A hash of what is drawn (not of where the file or its events are): a page
        showing the figure is made again exactly when this changes."""
        drawn = [self.title, [(e.year, e.label, e.cites) for e in self.events]]
        return hashlib.sha256(json.dumps(drawn).encode("ascii")).hexdigest()


def read_events(
    root: Path, rel: str, loc: Location, keys: Collection[str]
) -> tuple[tuple[TimelineEvent, ...], list[Diagnostic]]:
    # through the one loader: a FIFO, a device or a symlink out of the project is refused
    text, problems = read_text(root, rel, "timeline data", loc, MAX_DATA_BYTES)
    if text is None or problems:  # not there, or not UTF-8 (each bad line is reported)
        return (), problems
    try:
        data = tomllib.loads(text)
    except RecursionError:
        return (), [error("timeline.syntax", "invalid TOML: nested too deeply", Location(rel))]
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"at line (\d+), column (\d+)", str(exc))
        where = Location(rel, int(m.group(1)), int(m.group(2))) if m else Location(rel)
        message = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
        return (), [error("timeline.syntax", f"invalid TOML: {message}", where)]
    events = data.get("event", [])
    if not isinstance(events, list) or not events:
        return (), [error("timeline.empty", f"'{rel}' has no [[event]] entries", loc)]
    diags: list[Diagnostic] = []
    good: list[TimelineEvent] = []
    lines = _event_lines(text)
    for n, event in enumerate(events, 1):
        where = Location(rel, lines[n - 1] if n <= len(lines) else 0)
        if not isinstance(event, dict):
            diags.append(error("timeline.field", f"event {n} must be a table ([[event]])", where))
            continue
        year, label, cites = event.get("year"), event.get("label"), event.get("cite", [])
        if not isinstance(year, int) or isinstance(year, bool):
            diags.append(error("timeline.field", f"event {n}: 'year' must be an integer", where))
            continue
        if not isinstance(label, str) or not label.strip():
            diags.append(error("timeline.field", f"event {n}: 'label' must be a string", where))
            continue
        if isinstance(cites, str):
            cites = [cites]
        if not isinstance(cites, list) or not all(isinstance(k, str) for k in cites):
            diags.append(
                error("timeline.field", f"event {n}: 'cite' must be a key or a list of keys", where)
            )
            continue
        for key in cites:
            if key not in keys:
                diags.append(
                    error(
                        "cite.unknown-key",
                        f"unknown citation key '{key}' in event {n}",
                        where,
                        did_you_mean(str(key), keys),
                    )
                )
        known = tuple(k for k in cites if k in keys)
        good.append(TimelineEvent(year, label.strip(), known, where.line))
    good.sort(key=lambda e: e.year)
    if len(good) > MAX_EVENTS:
        diags.append(
            error(
                "timeline.too-long",
                f"the timeline has {len(good):,} events; one timeline shows at most {MAX_EVENTS:,}",
                loc,
                "split it into several timelines, by period or by theme",
            )
        )
        return (), diags
    if good and good[-1].year - good[0].year > MAX_SPAN_YEARS:
        first, last = good[0].year, good[-1].year
        diags.append(
            error(
                "timeline.field",
                f"the events run from {first} to {last}; a timeline spans at most "
                f"{MAX_SPAN_YEARS:,} years (it is drawn to scale)",
                loc,
                "split it into timelines of nearby years",
            )
        )
        return (), diags
    return tuple(good), diags


# The header of one event as TOML allows it to be written: `[[event]]`, `[[ event ]]`,
# `[["event"]]`, with a comment after it. Matching only the first spelling put every
# later event's diagnostics at the line of another event, or at none.
_EVENT_HEADER = re.compile(r"""\s*\[\[\s*(?:event|"event"|'event')\s*\]\]\s*(?:#.*)?""")


def _event_lines(text: str) -> list[int]:
    """The line of each [[event]], in the text already read (never a second read: the
    file could have been swapped for another since), found in one pass."""
    return [n for n, line in enumerate(text.splitlines(), 1) if _EVENT_HEADER.fullmatch(line)]
