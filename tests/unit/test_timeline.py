"""dossier.resolve.timeline: the events of a TOML data file, each problem at its event's line,
in the order of their years; dossier.render.timeline: the SVG drawn from them, with the
links of the page it is drawn for (the site's list for phones, the PDF's link overlay)."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dossier.diagnostics import Location, Severity
from dossier.render import timeline as drawing
from dossier.render.timeline import draw, draw_list, draw_print, draw_site
from dossier.resolve import timeline
from dossier.resolve.timeline import Timeline, TimelineEvent, read_events

CITED_AT = Location("chapters/01.md", 4)
KEYS = {"smith2020", "jones2019"}
NO_EVENTS = "'t.toml' has no [[event]] entries"


def read(tmp_path: Path, text: str) -> tuple[tuple[TimelineEvent, ...], list[tuple[str, str, str]]]:
    (tmp_path / "t.toml").write_text(text, encoding="utf-8")
    events, diags = read_events(tmp_path, "t.toml", CITED_AT, KEYS)
    assert all(d.severity is Severity.ERROR for d in diags)
    return events, [(d.code, str(d.location), d.message) for d in diags]


def test_events_in_the_order_of_their_years(tmp_path: Path) -> None:
    events, diags = read(
        tmp_path,
        '[[event]]\nyear = 1981\nlabel = " Exile "\ncite = "smith2020"\n\n'
        '[[event]]\nyear = 1965\nlabel = "Founded"\ncite = ["jones2019", "smith2020"]\n\n'
        '[[event]]\nyear = 1981\nlabel = "Same year, later in the file"\n',
    )
    assert diags == []
    assert events == (
        TimelineEvent(1965, "Founded", ("jones2019", "smith2020"), 6),
        TimelineEvent(1981, "Exile", ("smith2020",), 1),
        TimelineEvent(1981, "Same year, later in the file", (), 11),
    )


def test_each_bad_event_is_reported_at_its_line(tmp_path: Path) -> None:
    events, diags = read(
        tmp_path,
        '[[event]]\nyear = "1965"\nlabel = "A"\n\n'
        "[[event]]\nyear = true\nlabel = 'B'\n\n"
        '[[event]]\nyear = 1970\nlabel = "  "\n\n'
        '[[event]]\nyear = 1971\nlabel = "D"\ncite = [1]\n\n'
        '[[event]]\nyear = 1972\nlabel = "E"\ncite = ["smith2021", "jones2019"]\n',
    )
    assert events == (TimelineEvent(1972, "E", ("jones2019",), 18),)
    assert diags == [
        ("timeline.field", "t.toml:1", "event 1: 'year' must be an integer"),
        ("timeline.field", "t.toml:5", "event 2: 'year' must be an integer"),
        ("timeline.field", "t.toml:9", "event 3: 'label' must be a string"),
        ("timeline.field", "t.toml:13", "event 4: 'cite' must be a key or a list of keys"),
        ("cite.unknown-key", "t.toml:18", "unknown citation key 'smith2021' in event 5"),
    ]


def test_an_unknown_key_gets_a_suggestion(tmp_path: Path) -> None:
    (tmp_path / "t.toml").write_text('[[event]]\nyear = 1\nlabel = "x"\ncite = "smith202"\n')
    _, diags = read_events(tmp_path, "t.toml", CITED_AT, KEYS)
    assert [d.hint for d in diags] == ["did you mean 'smith2020'?"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "[[event]]\nyear = 1965\nyear = 1966\n",
            ("timeline.syntax", "t.toml:3:12", "invalid TOML: Cannot overwrite a value"),
        ),
        ("a = " + "[" * 5000, ("timeline.syntax", "t.toml", "invalid TOML: nested too deeply")),
        (
            "title = 'no events'\n",
            ("timeline.empty", "chapters/01.md:4", "'t.toml' has no [[event]] entries"),
        ),
        (
            "event = 3\n",
            ("timeline.empty", "chapters/01.md:4", "'t.toml' has no [[event]] entries"),
        ),
        ("event = [1]\n", ("timeline.field", "t.toml", "event 1 must be a table ([[event]])")),
    ],
)
def test_files_that_are_no_timeline(
    tmp_path: Path, text: str, expected: tuple[str, str, str]
) -> None:
    events, diags = read(tmp_path, text)
    assert events == ()
    assert diags == [expected]


def test_a_file_that_is_not_there(tmp_path: Path) -> None:
    events, diags = read_events(tmp_path, "gone.toml", CITED_AT, KEYS)
    assert events == ()
    assert [d.code for d in diags] == ["load.missing"]


def test_too_many_events(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(timeline, "MAX_EVENTS", 2)
    events, diags = read(tmp_path, '[[event]]\nyear = 1\nlabel = "x"\n' * 3)
    assert events == ()
    assert diags == [
        (
            "timeline.too-long",
            "chapters/01.md:4",
            "the timeline has 3 events; one timeline shows at most 2",
        )
    ]


def test_too_long_a_span(tmp_path: Path) -> None:
    events, diags = read(
        tmp_path, '[[event]]\nyear = -3000\nlabel = "a"\n\n[[event]]\nyear = 2001\nlabel = "b"\n'
    )
    assert events == ()
    assert diags == [
        (
            "timeline.field",
            "chapters/01.md:4",
            "the events run from -3000 to 2001; a timeline spans at most 5,000 years "
            "(it is drawn to scale)",
        )
    ]


# --- drawing --------------------------------------------------------------------------------


def figure(*events: tuple[int, str, tuple[str, ...]], title: str = "Timeline") -> Timeline:
    return Timeline("data/t.toml", tuple(TimelineEvent(*e, line=0) for e in events), title)


def on_site(key: str) -> str:
    return f"bibliography-b.html#ref-{key}"


def in_print(key: str) -> str:
    return f"#ref-{key}"


class Links(HTMLParser):
    """The <a> elements of a drawing, its tags and its text, as a browser reads them."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.found: list[dict[str, str | None]] = []
        self.tags: set[str] = set()
        self.text: list[str] = []
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        if tag == "a":
            self.found.append(dict(attrs))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


FOUNDED = (1963, "Founded <secretly>", ("smith2020", "jones2019"))
ARRESTS = (1971, "Arrests", ())


def test_draw_links_labels_to_their_first_source() -> None:
    svg = draw(figure(FOUNDED, ARRESTS, title="Events & dates"), in_print)
    assert svg.startswith('<svg class="timeline" xmlns="http://www.w3.org/2000/svg" role="list"')
    assert "<title>Events &amp; dates</title>" in svg
    # the axis runs over whole five-year steps around the events
    assert re.findall(r'class="tl-year"[^>]*>(\d+)<', svg) == ["1960", "1965", "1970", "1975"]
    assert '<a href="#ref-smith2020"><text class="tl-label"' in svg
    assert "1963  Founded &lt;secretly&gt;</text></a>" in svg
    assert ">1971  Arrests</text>\n</g>" in svg  # no source: no link
    assert svg.count('<g role="listitem">') == 2


def test_the_site_links_to_the_page_of_each_entry_and_lists_the_events() -> None:
    drawn = figure(FOUNDED, ARRESTS)
    site = draw_site(drawn, on_site)
    assert site == draw(drawn, on_site) + "\n" + draw_list(drawn, on_site)
    assert [a["href"] for a in Links(site).found] == [
        "bibliography-b.html#ref-smith2020",  # the drawing
        "bibliography-b.html#ref-smith2020",  # the list
    ]
    assert draw_list(drawn, on_site).splitlines() == [
        '<ol class="timeline-list" aria-label="Timeline">',
        '<li><span class="tl-when">1963</span> '
        '<a href="bibliography-b.html#ref-smith2020">Founded &lt;secretly&gt;</a></li>',
        '<li><span class="tl-when">1971</span> Arrests</li>',
        "</ol>",
    ]


def test_print_has_no_list_and_a_link_over_each_linked_label() -> None:
    drawn = figure(FOUNDED, ARRESTS, (1981, "Banned", ("jones2019", "smith2020")))
    printed = draw_print(drawn, in_print)
    svg = draw(drawn, in_print)
    assert printed.startswith('<span class="timeline-links">' + svg + "\n")
    assert printed.endswith("</span>") and "timeline-list" not in printed
    overlay = [a for a in Links(printed).found if a.get("class") == "timeline-link"]
    assert [(a["href"], a["title"]) for a in overlay] == [
        ("#ref-smith2020", "1963  Founded <secretly>"),
        ("#ref-jones2019", "1981  Banned"),
    ]
    # placed in percent of the drawing (640 by 273: 1960-1985 at 9 a year, 24 above and
    # below): from 12 above the label's baseline (24 + 3 * 9 = 51), 16 high, as wide as
    # its 24 characters at 5.5 each (and 4 more), from x = 150
    assert overlay[0]["style"] == "left:23.438%;top:14.286%;width:21.250%;height:5.861%"


def test_print_without_a_source_is_the_drawing_alone() -> None:
    drawn = figure(ARRESTS)
    assert draw_print(drawn, in_print) == draw(drawn, in_print) + "\n"


DRAWN_TAGS = {"svg", "title", "g", "line", "text", "circle", "polyline", "a", "ol", "li", "span"}
HOSTILE_LABEL = '</text><script>alert(1)</script><a href="javascript:x">&amp;'
HOSTILE_KEY = 'k"><script>alert(2)</script>&x'


@pytest.mark.parametrize("drawer", [draw, draw_list, draw_site, draw_print])
def test_hostile_labels_and_keys_stay_text(drawer: Callable[..., str]) -> None:
    drawn = figure((1990, HOSTILE_LABEL, (HOSTILE_KEY,)), (1991, HOSTILE_LABEL, ()))
    read = Links(drawer(drawn, in_print))
    # only the drawer's own elements; every link one it made, to the key as it is
    assert read.tags <= DRAWN_TAGS
    assert read.found and {a["href"] for a in read.found} == {f"#ref-{HOSTILE_KEY}"}
    # and each label is read back as the text it was (twice on the site: drawn, listed)
    assert sum(HOSTILE_LABEL in t for t in read.text) == (4 if drawer is draw_site else 2)


@settings(max_examples=100, derandomize=True, database=None, deadline=None)
@given(st.lists(st.integers(-2000, 2000), min_size=1, max_size=30))
def test_labels_never_overlap_and_follow_the_years(years: list[int]) -> None:
    svg = draw(figure(*((y, f"e{i}", ()) for i, y in enumerate(sorted(years)))), in_print)
    ys = [float(y) for y in re.findall(r'class="tl-label" x="\d+" y="([\d.]+)"', svg)]
    assert len(ys) == len(years)
    assert all(b - a >= drawing.ROW - 0.05 for a, b in itertools.pairwise(ys))
    height = int(re.search(r'height="(\d+)"', svg).group(1))  # type: ignore[union-attr]
    assert ys[-1] < height


@settings(max_examples=100, derandomize=True, database=None, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(1900, 2030), st.text(min_size=1, max_size=120)),
        min_size=1,
        max_size=20,
    )
)
def test_each_link_of_the_overlay_covers_its_label(events: list[tuple[int, str]]) -> None:
    drawn = figure(*((y, label, (f"k{i}",)) for i, (y, label) in enumerate(sorted(events))))
    printed = draw_print(drawn, in_print)
    lay = drawing.layout(drawn)
    overlay = [a for a in Links(printed).found if a.get("class") == "timeline-link"]
    assert [a["href"] for a in overlay] == [f"#ref-k{i}" for i in range(len(events))]
    for a, baseline in zip(overlay, lay.label_y, strict=True):
        box = dict(
            (name, float(value.rstrip("%")))
            for name, value in (part.split(":") for part in str(a["style"]).split(";"))
        )
        top, bottom = box["top"] * lay.height / 100, (box["top"] + box["height"]) * lay.height / 100
        assert top < baseline < bottom  # over the label's line of text
        assert box["left"] == pytest.approx(100 * drawing.LABEL_X / drawing.WIDTH, abs=1e-3)
        assert box["left"] + box["width"] <= 100.001  # never out of the drawing


def test_the_digest_follows_what_is_drawn() -> None:
    base = figure(FOUNDED, ARRESTS)
    moved = Timeline("other.toml", tuple(replace(e, line=9) for e in base.events))
    assert moved.digest() == base.digest()  # where the data is written does not show
    for other in (
        figure(FOUNDED, (1972, "Arrests", ())),
        figure(FOUNDED, (1971, "Arrests!", ())),
        figure(FOUNDED, (1971, "Arrests", ("smith2020",))),
        figure(FOUNDED, ARRESTS, title="Other"),
    ):
        assert other.digest() != base.digest()


@settings(max_examples=50, derandomize=True, database=None, deadline=None)
@given(st.lists(st.integers(1, 3000), min_size=1, max_size=20))
def test_read_events_sorts_by_year_keeping_file_order(
    tmp_path_factory: pytest.TempPathFactory, years: list[int]
) -> None:
    folder = tmp_path_factory.mktemp("t")
    text = "".join(f'[[event]]\nyear = {y}\nlabel = "n{i}"\n\n' for i, y in enumerate(years))
    (folder / "t.toml").write_text(text)
    events, diags = read_events(folder, "t.toml", CITED_AT, KEYS)
    assert diags == []
    expected = sorted(((y, f"n{i}") for i, y in enumerate(years)), key=lambda e: e[0])
    assert [(e.year, e.label) for e in events] == expected


def test_event_lines_however_the_header_is_written(tmp_path: Path) -> None:
    # TOML allows spaces inside the brackets, a quoted name and a comment after it
    _, diags = read(
        tmp_path,
        '[[event]]  # the first\nyear = "a"\nlabel = "A"\n\n'
        '[[ event ]]\nyear = "b"\nlabel = "B"\n\n'
        '[["event"]]\nyear = \'c\'\nlabel = "C"\n\n'
        '[[event]]\nyear = "d"\nlabel = "D"\n\n'
        "[event.note]\ntext = 'not an event of its own'\n\n"
        '  [[event]]\nyear = "e"\nlabel = "E"\n',
    )
    assert [(where, message[:7]) for _, where, message in diags] == [
        ("t.toml:1", "event 1"),
        ("t.toml:5", "event 2"),
        ("t.toml:9", "event 3"),
        ("t.toml:13", "event 4"),
        ("t.toml:20", "event 5"),
    ]
