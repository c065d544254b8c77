"""A timeline drawn when a page is written: an inline SVG of shapes and text, the same
in the site and the PDF but for where its links point, which the writer decides for
its page (`href(key)`). The site follows the drawing with the events as a list, for
phones; the PDF lays an HTML link over each linked label, placed from the numbers the
drawing was made with."""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass

from ..resolve.timeline import Timeline, TimelineEvent

Href = Callable[[str], str]  # a bibliography key -> the link to its entry, unescaped

WIDTH = 640
TOP, BOTTOM = 24, 24
AXIS_X = 64
LABEL_X = 150
ROW = 17
PER_YEAR = 9.0
# Noto Sans at font-size 11 averages about 5.4 units a character (measured on the
# example timeline's labels in the PDF)
CHAR_WIDTH = 5.5


@dataclass(frozen=True, slots=True)
class Layout:
    """Where everything goes, in the drawing's units (its width is WIDTH)."""

    first: int  # the axis runs over whole five-year steps around the events
    last: int
    axis_h: float
    height: int
    label_y: tuple[float, ...]  # each event's label baseline: at its year, or a row lower

    def year_y(self, year: int) -> float:
        return TOP + (year - self.first) * PER_YEAR


def layout(timeline: Timeline) -> Layout:
    years = [e.year for e in timeline.events]
    first, last = min(years), max(years)
    first -= first % 5
    last += (5 - last % 5) % 5
    label_y: list[float] = []
    for year in years:
        y = TOP + (year - first) * PER_YEAR
        label_y.append(max(y, label_y[-1] + ROW) if label_y else y)
    axis_h = max(last - first, 1) * PER_YEAR
    height = int(max(TOP + axis_h, label_y[-1]) + BOTTOM)
    return Layout(first, last, axis_h, height, tuple(label_y))


def _label(event: TimelineEvent) -> str:
    return f"{event.year}  {event.label}"


def draw(timeline: Timeline, href: Href) -> str:
    return _svg(timeline, layout(timeline), href)


def _svg(timeline: Timeline, lay: Layout, href: Href) -> str:
    out = [
        # a list of events, not an image: its links stay reachable (role="img" would hide them)
        f'<svg class="timeline" xmlns="http://www.w3.org/2000/svg" role="list" '
        f'viewBox="0 0 {WIDTH} {lay.height}" width="{WIDTH}" height="{lay.height}" '
        f'font-family="Noto Sans, DejaVu Sans, sans-serif" font-size="11">',
        f"<title>{html.escape(timeline.title)}</title>",
        '<g aria-hidden="true">',
        f'<line class="tl-axis" x1="{AXIS_X}" y1="{TOP}" x2="{AXIS_X}" y2="{TOP + lay.axis_h}" '
        'stroke="#444" stroke-width="1.5"/>',
    ]
    for year in range(lay.first, lay.last + 1, 5):
        y = lay.year_y(year)
        out.append(
            f'<line class="tl-axis" x1="{AXIS_X - 5}" y1="{y:.1f}" x2="{AXIS_X}" y2="{y:.1f}" '
            'stroke="#444"/>'
        )
        out.append(
            f'<text class="tl-year" x="{AXIS_X - 9}" y="{y + 4:.1f}" text-anchor="end" '
            f'fill="#555">{year}</text>'
        )
    out.append("</g>")
    for event, ly in zip(timeline.events, lay.label_y, strict=True):
        y = lay.year_y(event.year)
        out.append('<g role="listitem">')
        out.append(
            f'<circle class="tl-dot" cx="{AXIS_X}" cy="{y:.1f}" r="3.5" fill="#7a1f2b"/>'
            f'<polyline class="tl-leader" points="{AXIS_X + 4},{y:.1f} {LABEL_X - 14},{y:.1f} '
            f'{LABEL_X - 6},{ly - 4:.1f}" fill="none" stroke="#bbb"/>'
        )
        text = (
            f'<text class="tl-label" x="{LABEL_X}" y="{ly:.1f}" fill="#111">'
            f"{html.escape(_label(event))}</text>"
        )
        if event.cites:
            text = f'<a href="{html.escape(href(event.cites[0]))}">{text}</a>'
        out.append(text)
        out.append("</g>")
    out.append("</svg>")
    return "\n".join(out)


def draw_list(timeline: Timeline, href: Href) -> str:
    """The events as a list of dated links, each to the entry of the source that supports
    it: what a phone shows instead of a drawing whose labels would shrink to 6 px."""
    out = [f'<ol class="timeline-list" aria-label="{html.escape(timeline.title)}">']
    for event in timeline.events:
        label = html.escape(event.label)
        if event.cites:
            label = f'<a href="{html.escape(href(event.cites[0]))}">{label}</a>'
        out.append(f'<li><span class="tl-when">{event.year}</span> {label}</li>')
    out.append("</ol>")
    return "\n".join(out)


def draw_site(timeline: Timeline, href: Href) -> str:
    """The drawing, then the list a phone shows instead (style.css)."""
    return draw(timeline, href) + "\n" + draw_list(timeline, href)


def draw_print(timeline: Timeline, href: Href) -> str:
    """The drawing with an HTML link over each linked label, for the PDF: WeasyPrint
    draws a link inside SVG as plain text, but makes a link annotation for an HTML
    `<a>`. Each is placed in percent of the drawing, so it stays on its label however
    the drawing is scaled to the text block (print.css: `.timeline-links`)."""
    lay = layout(timeline)
    # the line break the site writes before its list, kept: the print document stays
    # what it was when both were cut from one string
    drawing = _svg(timeline, lay, href) + "\n"
    links = [
        _overlay(event, y, lay.height, href)
        for event, y in zip(timeline.events, lay.label_y, strict=True)
        if event.cites
    ]
    if not links:
        return drawing
    return f'<span class="timeline-links">{drawing}{"".join(links)}</span>'


def _overlay(event: TimelineEvent, baseline: float, height: int, href: Href) -> str:
    """A link box over one label: from a line above its baseline as the drawing writes
    it (to one decimal) to below it, as wide as the text is estimated to be."""
    text = _label(event)
    left, top = float(LABEL_X), float(f"{baseline:.1f}") - 12
    span = min(len(text) * CHAR_WIDTH + 4, WIDTH - left)
    place = (
        f"left:{100 * left / WIDTH:.3f}%;top:{100 * top / height:.3f}%;"
        f"width:{100 * span / WIDTH:.3f}%;height:{100 * 16 / height:.3f}%"
    )
    return (
        f'<a class="timeline-link" href="{html.escape(href(event.cites[0]))}" '
        f'title="{html.escape(text)}" style="{place}"></a>'
    )
