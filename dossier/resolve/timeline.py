"""A chronology figure drawn at build time from a TOML data file.

A chapter shows it like any image: `![Caption](data/timeline.toml){#fig-timeline}`.
Each event links to the bibliography entry of the source that supports it. The SVG
is inline and uses only shapes and text, so it is the same in the site and the PDF.
"""

from __future__ import annotations

import html
import re
import tomllib
from collections.abc import Collection
from pathlib import Path

from ..diagnostics import Diagnostic, Location, did_you_mean, error
from ..projectfs import MAX_DATA_BYTES
from ..read.load import read_text

WIDTH = 640
TOP, BOTTOM = 24, 24
AXIS_X = 64
LABEL_X = 150
ROW = 17
PER_YEAR = 9.0
MAX_SPAN_YEARS = 5000  # drawn to scale: 5,000 years are 45,000 px tall already
# One row per event: 12,000 events drew a 200,000 px figure that took the PDF 28 s.
MAX_EVENTS = 1000


def read_events(
    root: Path, rel: str, loc: Location, keys: Collection[str]
) -> tuple[list[dict[str, object]], list[Diagnostic]]:
    # through the one loader: a FIFO, a device or a symlink out of the project is refused
    text, problems = read_text(root, rel, "timeline data", loc, MAX_DATA_BYTES)
    if text is None or problems:  # not there, or not UTF-8 (each bad line is reported)
        return [], problems
    try:
        data = tomllib.loads(text)
    except RecursionError:
        return [], [error("timeline.syntax", "invalid TOML: nested too deeply", Location(rel))]
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"at line (\d+), column (\d+)", str(exc))
        where = Location(rel, int(m.group(1)), int(m.group(2))) if m else Location(rel)
        message = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
        return [], [error("timeline.syntax", f"invalid TOML: {message}", where)]
    events = data.get("event", [])
    if not isinstance(events, list) or not events:
        return [], [error("timeline.empty", f"'{rel}' has no [[event]] entries", loc)]
    diags: list[Diagnostic] = []
    good = []
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
        good.append({"year": year, "label": label.strip(), "cite": [k for k in cites if k in keys]})
    good.sort(key=lambda e: int(str(e["year"])))
    if len(good) > MAX_EVENTS:
        diags.append(
            error(
                "timeline.too-long",
                f"the timeline has {len(good):,} events; one timeline shows at most {MAX_EVENTS:,}",
                loc,
                "split it into several timelines, by period or by theme",
            )
        )
        return [], diags
    if good and int(str(good[-1]["year"])) - int(str(good[0]["year"])) > MAX_SPAN_YEARS:
        first, last = good[0]["year"], good[-1]["year"]
        diags.append(
            error(
                "timeline.field",
                f"the events run from {first} to {last}; a timeline spans at most "
                f"{MAX_SPAN_YEARS:,} years (it is drawn to scale)",
                loc,
                "split it into timelines of nearby years",
            )
        )
        return [], diags
    return good, diags


# The header of one event as TOML allows it to be written: `[[event]]`, `[[ event ]]`,
# `[["event"]]`, with a comment after it. Matching only the first spelling put every
# later event's diagnostics at the line of another event, or at none.
_EVENT_HEADER = re.compile(r"""\s*\[\[\s*(?:event|"event"|'event')\s*\]\]\s*(?:#.*)?""")


def _event_lines(text: str) -> list[int]:
    """The line of each [[event]], in the text already read (never a second read: the
    file could have been swapped for another since), found in one pass."""
    return [n for n, line in enumerate(text.splitlines(), 1) if _EVENT_HEADER.fullmatch(line)]


def draw(events: list[dict[str, object]], title: str = "Timeline") -> str:
    years = [int(str(e["year"])) for e in events]
    first, last = min(years), max(years)
    first -= first % 5
    last += (5 - last % 5) % 5
    span = max(last - first, 1)
    axis_h = span * PER_YEAR
    label_y: list[float] = []
    for e in events:
        y = TOP + (int(str(e["year"])) - first) * PER_YEAR
        y = max(y, (label_y[-1] + ROW) if label_y else y)
        label_y.append(y)
    height = int(max(TOP + axis_h, label_y[-1]) + BOTTOM)
    out = [
        # a list of events, not an image: its links stay reachable (role="img" would hide them)
        f'<svg class="timeline" xmlns="http://www.w3.org/2000/svg" role="list" '
        f'viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" '
        f'font-family="Noto Sans, DejaVu Sans, sans-serif" font-size="11">',
        f"<title>{html.escape(title)}</title>",
        '<g aria-hidden="true">',
        f'<line class="tl-axis" x1="{AXIS_X}" y1="{TOP}" x2="{AXIS_X}" y2="{TOP + axis_h}" '
        'stroke="#444" stroke-width="1.5"/>',
    ]
    for year in range(first, last + 1, 5):
        y = TOP + (year - first) * PER_YEAR
        out.append(
            f'<line class="tl-axis" x1="{AXIS_X - 5}" y1="{y:.1f}" x2="{AXIS_X}" y2="{y:.1f}" '
            'stroke="#444"/>'
        )
        out.append(
            f'<text class="tl-year" x="{AXIS_X - 9}" y="{y + 4:.1f}" text-anchor="end" '
            f'fill="#555">{year}</text>'
        )
    out.append("</g>")
    for e, ly in zip(events, label_y, strict=True):
        year = int(str(e["year"]))
        y = TOP + (year - first) * PER_YEAR
        label = html.escape(f"{year}  {e['label']}")
        out.append('<g role="listitem">')
        out.append(
            f'<circle class="tl-dot" cx="{AXIS_X}" cy="{y:.1f}" r="3.5" fill="#7a1f2b"/>'
            f'<polyline class="tl-leader" points="{AXIS_X + 4},{y:.1f} {LABEL_X - 14},{y:.1f} '
            f'{LABEL_X - 6},{ly - 4:.1f}" fill="none" stroke="#bbb"/>'
        )
        cites = list(e["cite"]) if isinstance(e["cite"], list) else []
        text = f'<text class="tl-label" x="{LABEL_X}" y="{ly:.1f}" fill="#111">{label}</text>'
        if cites:
            key = html.escape(str(cites[0]), quote=True)
            text = f'<a href="#ref-{key}">{text}</a>'
        out.append(text)
        out.append("</g>")
    out.append("</svg>")
    return "\n".join(out)


# What follows it in a drawn figure is for the site only (render.writer.Writer.image leaves it
# out of the PDF): the events as an HTML list, shown instead of the drawing on a phone.
SITE_ONLY = "<!--dossier:site-only-->"


def draw_list(events: list[dict[str, object]], title: str = "Timeline") -> str:
    """The events as a list of dated links, each to the entry of the source that supports
    it: what a phone shows instead of a drawing whose labels would shrink to 6 px."""
    out = [f'<ol class="timeline-list" aria-label="{html.escape(title)}">']
    for e in events:
        label = html.escape(str(e["label"]))
        cites = list(e["cite"]) if isinstance(e["cite"], list) else []
        if cites:
            key = html.escape(str(cites[0]), quote=True)
            label = f'<a href="#ref-{key}">{label}</a>'
        out.append(f'<li><span class="tl-when">{int(str(e["year"]))}</span> {label}</li>')
    out.append("</ol>")
    return "\n".join(out)


def draw_file(
    root: Path, rel: str, loc: Location, keys: Collection[str]
) -> tuple[str, list[Diagnostic]]:
    events, diags = read_events(root, rel, loc, keys)
    return (draw(events) if events else ""), diags


_VIEW = re.compile(r'viewBox="0 0 (\d+) (\d+)"')
_LINKED = re.compile(
    r'<a href="([^"]*)"><text class="tl-label" x="([\d.]+)" y="([\d.]+)"[^>]*>([^<]*)</text></a>'
)
# Noto Sans at font-size 11 averages about 5.4 units a character (measured on the
# example timeline's labels in the PDF)
CHAR_WIDTH = 5.5


def with_print_links(svg: str) -> str:
    """The drawing with an HTML link over each linked label, for the PDF: WeasyPrint
    draws a link inside SVG as plain text, but makes a link annotation for an HTML
    `<a>`. Each is placed in percent of the drawing, so it stays on its label however
    the drawing is scaled to the text block (print.css: `.timeline-links`)."""
    size = _VIEW.search(svg)
    if size is None:
        return svg
    width, height = int(size.group(1)), int(size.group(2))
    links = []
    for href, x, y, label in _LINKED.findall(svg):
        left, top = float(x), float(y) - 12
        span = min(len(html.unescape(label)) * CHAR_WIDTH + 4, width - left)
        place = (
            f"left:{100 * left / width:.3f}%;top:{100 * top / height:.3f}%;"
            f"width:{100 * span / width:.3f}%;height:{100 * 16 / height:.3f}%"
        )
        links.append(f'<a class="timeline-link" href="{href}" title="{label}" style="{place}"></a>')
    if not links:
        return svg
    return f'<span class="timeline-links">{svg}{"".join(links)}</span>'
