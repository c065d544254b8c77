"""dossier.resolve.timeline: the events of a TOML data file, each problem at its event's line,
in the order of their years, and the SVG drawn from them."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dossier.diagnostics import Location, Severity
from dossier.resolve import timeline
from dossier.resolve.timeline import draw, draw_file, read_events

CITED_AT = Location("chapters/01.md", 4)
KEYS = {"smith2020", "jones2019"}
NO_EVENTS = "'t.toml' has no [[event]] entries"


def read(tmp_path: Path, text: str) -> tuple[list[dict[str, object]], list[tuple[str, str, str]]]:
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
    assert events == [
        {"year": 1965, "label": "Founded", "cite": ["jones2019", "smith2020"]},
        {"year": 1981, "label": "Exile", "cite": ["smith2020"]},
        {"year": 1981, "label": "Same year, later in the file", "cite": []},
    ]


def test_each_bad_event_is_reported_at_its_line(tmp_path: Path) -> None:
    events, diags = read(
        tmp_path,
        '[[event]]\nyear = "1965"\nlabel = "A"\n\n'
        "[[event]]\nyear = true\nlabel = 'B'\n\n"
        '[[event]]\nyear = 1970\nlabel = "  "\n\n'
        '[[event]]\nyear = 1971\nlabel = "D"\ncite = [1]\n\n'
        '[[event]]\nyear = 1972\nlabel = "E"\ncite = ["smith2021", "jones2019"]\n',
    )
    assert events == [{"year": 1972, "label": "E", "cite": ["jones2019"]}]
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
    assert events == []
    assert diags == [expected]


def test_a_file_that_is_not_there(tmp_path: Path) -> None:
    events, diags = read_events(tmp_path, "gone.toml", CITED_AT, KEYS)
    assert events == []
    assert [d.code for d in diags] == ["load.missing"]


def test_too_many_events(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(timeline, "MAX_EVENTS", 2)
    events, diags = read(tmp_path, '[[event]]\nyear = 1\nlabel = "x"\n' * 3)
    assert events == []
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
    assert events == []
    assert diags == [
        (
            "timeline.field",
            "chapters/01.md:4",
            "the events run from -3000 to 2001; a timeline spans at most 5,000 years "
            "(it is drawn to scale)",
        )
    ]


# --- drawing --------------------------------------------------------------------------------


def test_draw_links_labels_to_their_first_source() -> None:
    svg = draw(
        [
            {"year": 1963, "label": "Founded <secretly>", "cite": ["smith2020", "jones2019"]},
            {"year": 1971, "label": "Arrests", "cite": []},
        ],
        title="Events & dates",
    )
    assert svg.startswith('<svg class="timeline" xmlns="http://www.w3.org/2000/svg" role="list"')
    assert "<title>Events &amp; dates</title>" in svg
    # the axis runs over whole five-year steps around the events
    assert re.findall(r'class="tl-year"[^>]*>(\d+)<', svg) == ["1960", "1965", "1970", "1975"]
    assert '<a href="#ref-smith2020"><text class="tl-label"' in svg
    assert "1963  Founded &lt;secretly&gt;</text></a>" in svg
    assert ">1971  Arrests</text>\n</g>" in svg  # no source: no link
    assert svg.count('<g role="listitem">') == 2


def test_draw_file(tmp_path: Path) -> None:
    (tmp_path / "t.toml").write_text('[[event]]\nyear = 2000\nlabel = "x"\n')
    svg, diags = draw_file(tmp_path, "t.toml", CITED_AT, KEYS)
    assert diags == [] and svg.startswith("<svg")
    assert draw_file(tmp_path, "none.toml", CITED_AT, KEYS)[0] == ""


@settings(max_examples=100, derandomize=True, database=None, deadline=None)
@given(st.lists(st.integers(-2000, 2000), min_size=1, max_size=30))
def test_labels_never_overlap_and_follow_the_years(years: list[int]) -> None:
    events = [{"year": y, "label": f"e{i}", "cite": []} for i, y in enumerate(sorted(years))]
    svg = draw(events)
    ys = [float(y) for y in re.findall(r'class="tl-label" x="\d+" y="([\d.]+)"', svg)]
    assert len(ys) == len(events)
    assert all(b - a >= timeline.ROW - 0.05 for a, b in itertools.pairwise(ys))
    height = int(re.search(r'height="(\d+)"', svg).group(1))  # type: ignore[union-attr]
    assert ys[-1] < height


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
    assert [(e["year"], e["label"]) for e in events] == expected


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
