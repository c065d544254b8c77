"""The list of abbreviations (dossier/resolve/abbreviations.py): read from the project's TOML
file, its problems at file:line:col, shown on the site's title page and spelt out at
each short form's first use on a chapter page. The PDF's list is checked on the example
dossier (tests/test_pdf_standards.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from dossier.diagnostics import Location
from dossier.resolve.abbreviations import (
    MAX_ABBREVIATIONS,
    Abbreviation,
    mark_first_uses,
    read_abbreviations,
    unused,
)

WHERE = Location("dossier.toml", 5)
REL = "data/abbreviations.toml"


def _read(tmp_path: Path, text: str) -> tuple[tuple[Abbreviation, ...], list[str]]:
    (tmp_path / "data").mkdir(exist_ok=True)
    (tmp_path / REL).write_text(text, encoding="utf-8")
    found, diags = read_abbreviations(tmp_path, REL, WHERE)
    return found, [d.format() for d in diags]


def test_a_list_is_read_and_sorted(tmp_path: Path) -> None:
    found, diags = _read(
        tmp_path, '# the list\nNCRI = "National Council"\n"U.S." = "United  States"\nmek = "x"\n'
    )
    assert diags == []
    assert [(a.short, a.expansion) for a in found] == [
        ("mek", "x"),
        ("NCRI", "National Council"),
        ("U.S.", "United States"),  # spaces in an expansion as one
    ]
    assert found[1].location == Location(REL, 2, 1)


def test_a_short_form_listed_twice_is_reported_where_it_is_repeated(tmp_path: Path) -> None:
    found, diags = _read(tmp_path, 'MEK = "a"\nUN = "b"\n  MEK = "c"\n"UN" = "d"\n')
    assert diags == [
        f"{REL}:3:3: error: 'MEK' is listed twice, first on line 1 (keep one of the two) "
        "[abbr.duplicate]",
        f"{REL}:4:1: error: 'UN' is listed twice, first on line 2 (keep one of the two) "
        "[abbr.duplicate]",
    ]
    assert [(a.short, a.expansion) for a in found] == [("MEK", "a"), ("UN", "b")]


@pytest.mark.parametrize("value", ["12", '""', "[1, 2]", '{ a = "b" }'])
def test_an_expansion_that_is_no_text_is_an_error(tmp_path: Path, value: str) -> None:
    found, diags = _read(tmp_path, f'NLA = "National Liberation Army"\n"U.N." = {value}\n')
    assert [a.short for a in found] == ["NLA"]
    assert diags == [
        f"{REL}:2:1: error: 'U.N.' must be given what it stands for, as text "
        '(write it as "U.N." = "what it stands for") [abbr.field]'
    ]


def test_invalid_toml_is_reported_at_its_line(tmp_path: Path) -> None:
    found, diags = _read(tmp_path, 'MEK = "a"\nNCRI = National Council\n')
    assert found == ()
    assert len(diags) == 1 and diags[0].startswith(f"{REL}:2:8: error: invalid TOML")
    assert diags[0].endswith("[abbr.syntax]")


def test_a_missing_file_is_reported_at_the_setting(tmp_path: Path) -> None:
    found, diags = read_abbreviations(tmp_path, REL, WHERE)
    assert found == () and len(diags) == 1
    assert diags[0].location == WHERE and diags[0].severity.name == "ERROR"


def test_too_many_abbreviations(tmp_path: Path) -> None:
    text = "".join(f'A{n} = "x"\n' for n in range(MAX_ABBREVIATIONS + 1))
    found, diags = _read(tmp_path, text)
    assert found == ()
    assert diags == [
        f"{REL}:1:1: error: the list has 1,001 abbreviations; a dossier lists at most 1,000 "
        "[abbr.too-many]"
    ]


def _listed(*shorts: str) -> tuple[Abbreviation, ...]:
    return tuple(
        Abbreviation(s, f"expansion of {s}", Location(REL, n, 1)) for n, s in enumerate(shorts, 1)
    )


def test_a_short_form_no_chapter_uses_is_a_warning() -> None:
    listed = _listed("MEK", "NCR", "NCRI", "U.S.", "EU")
    texts = ["The MEK's wing, the NCRI, and U.S. policy.", "MEKONG and EUR are other words."]
    diags = unused(listed, texts)
    hint = "(take it out of the list, or check how the chapters spell it) [abbr.unused]"
    assert [d.format() for d in diags] == [
        f"{REL}:2:1: warning: 'NCR' is in the list of abbreviations but in no chapter {hint}",
        f"{REL}:5:1: warning: 'EU' is in the list of abbreviations but in no chapter {hint}",
    ]
    assert unused((), texts) == []


def test_the_first_use_on_a_page_is_spelt_out() -> None:
    listed = (
        Abbreviation("MEK", 'Mujahedin-e "Khalq"', Location(REL)),
        Abbreviation("U.S.", "United States", Location(REL)),
        Abbreviation("A&B", "A and B", Location(REL)),
    )
    body = (
        '<h1 id="x">The MEK</h1>\n'
        '<p>See <span class="citation">(U.S. Department, n.d.)</span> and <code>MEK</code>.</p>\n'
        '<p>The MEK, the MEK and <a href="#y">the U.S. view</a>; A&amp;B.</p>\n'
        "<svg><text>MEK</text></svg><p>MEK again<br>U.S.</p>"
    )
    out = mark_first_uses(body, listed)
    assert out == (
        '<h1 id="x">The MEK</h1>\n'
        '<p>See <span class="citation">(U.S. Department, n.d.)</span> and <code>MEK</code>.</p>\n'
        '<p>The <abbr title="Mujahedin-e &quot;Khalq&quot;">MEK</abbr>, the MEK and '
        '<a href="#y">the <abbr title="United States">U.S.</abbr> view</a>; '
        '<abbr title="A and B">A&amp;B</abbr>.</p>\n'
        "<svg><text>MEK</text></svg><p>MEK again<br>U.S.</p>"
    )
    assert mark_first_uses(body, ()) == body


ABBREVIATED_TOML = 'title = "T"\nchapters = ["chapters/01-a.md"]\nabbreviations = "abbr.toml"\n'


def test_the_site_shows_the_list_and_spells_out_first_uses(run_cli, make_project) -> None:  # type: ignore[no-untyped-def]
    root = make_project(
        {
            "dossier.toml": ABBREVIATED_TOML,
            "chapters/01-a.md": "# Alpha\n\nThe NCRI and the NCRI [@smith2020].\n",
            "abbr.toml": 'NCRI = "National Council of Resistance of Iran"\nEU = "European Union"\n',
        }
    )
    code, err = run_cli(["build", "--html", "-q"], root)
    assert code == 0
    assert "abbr.toml:2:1: warning: 'EU' is in the list of abbreviations but in no chapter" in err
    html = root / "build" / "html"
    index = (html / "index.html").read_text(encoding="utf-8")
    assert '<section class="abbreviations" id="dossier-abbreviations">' in index
    assert "<dd>National Council of Resistance of Iran</dd>" in index
    page = (html / "01-a.html").read_text(encoding="utf-8")
    assert page.count('<abbr title="National Council of Resistance of Iran">NCRI</abbr>') == 1
    # a change to the list makes the pages again
    (root / "abbr.toml").write_text('NCRI = "National Council"\n', encoding="utf-8")
    assert run_cli(["build", "--html", "-q"], root) == (0, "")
    page = (html / "01-a.html").read_text(encoding="utf-8")
    assert '<abbr title="National Council">NCRI</abbr>' in page
