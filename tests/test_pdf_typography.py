"""The print document as a report: dates in the dossier's language, page ranges, names
never hyphenated, Persian runs marked, the imprint and the lists of figures and tables;
and, on the example dossier's PDF, the measurements of the manual's typography table."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from bench.printdoc import print_document
from dossier.build import build
from dossier.config import parse_config
from dossier.render.pdf.dates import build_day, long_date
from dossier.render.pdf.html import imprint, mark_rtl_runs, protect_words
from dossier.render.pdf.split import cited_on, page_ranges

from .conftest import tiny_png

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    ("iso", "language", "words"),
    [
        ("2026-11-23", "en-GB", "23 November 2026"),
        ("2026-11-23", "en-US", "November 23, 2026"),
        ("2026-11-23", "fr", "23 novembre 2026"),
        ("2026-03-01", "de-DE", "1. März 2026"),
        ("2026-08-05", "pt-BR", "5 de agosto de 2026"),
        ("2026-11", "en-GB", "November 2026"),
        ("2026-11-23", "fa", "2026-11-23"),  # no month names for it: ISO
        ("2026-02-30", "en-GB", "2026-02-30"),  # not a date: as written
        ("Autumn 2026", "en-GB", "Autumn 2026"),
    ],
)
def test_dates_in_the_dossiers_language(iso: str, language: str, words: str) -> None:
    assert long_date(iso, language) == words


def test_the_build_day_comes_from_source_date_epoch() -> None:
    assert build_day("1000000000") == "2001-09-09"
    assert build_day("", dt.date(2026, 1, 2)) == "2026-01-02"


def test_pages_collapse_to_ranges() -> None:
    assert page_ranges([4, 5, 7, 8, 9, 12]) == [(4, 5), (7, 9), (12, 12)]
    inner = "".join(f'<a href="#c{n}"></a>' for n in range(6))
    pages = {"c0": 4, "c1": 5, "c2": 5, "c3": 7, "c4": 8, "c5": 12}
    text = cited_on(inner, pages)
    assert ">4</a>\u2013<a" in text and ">7</a>\u2013<a" in text and ">12</a>." in text
    assert text.count("<a ") == 5  # 4, 5, 7, 8, 12: each end links to its first citation


def test_names_are_kept_whole_outside_tags_and_svg() -> None:
    page = (
        '<html><head><title>Mujahedin</title></head><body data-t="Mujahedin">'
        "<p>The Mujahedin-e-Khalq and mujahedins.</p>"
        "<svg><text>Mujahedin</text></svg></body></html>"
    )
    out = protect_words(page, ["Mujahedin"])
    assert '<span class="nohyphen">Mujahedin-e-Khalq</span>' in out
    assert '<span class="nohyphen">mujahedins</span>' in out
    assert "<title>Mujahedin</title>" in out and 'data-t="Mujahedin"' in out
    assert "<text>Mujahedin</text>" in out
    # without names, only compounds with a one- or two-letter part are kept whole
    assert protect_words(page, []).count("nohyphen") == 1


def test_arabic_script_runs_get_their_language() -> None:
    page = "<html><body><p>Persian سازمان مجاهدین خلق ایران and Arabic مجاهد.</p></body></html>"
    out = mark_rtl_runs(page, "en-GB")
    assert '<span lang="fa" dir="rtl">سازمان مجاهدین خلق ایران</span>' in out
    assert '<span lang="ar" dir="rtl">مجاهد</span>' in out
    assert mark_rtl_runs(page, "fa-IR") == page


def test_the_lists_of_figures_and_tables(make_project: Callable[..., Path]) -> None:
    """The lists after the contents name each captioned figure and table with an id, by
    its label and its caption as plain text (a citation as it prints), in order."""
    root = make_project(
        {
            "dossier.toml": 'title = "T"\nchapters = ["chapters/01-a.md"]\n[pdf]\nlists = true\n',
            "chapters/01-a.md": (
                "# Alpha\n\n![A *bold* & plain map [@smith2020].](map.png){#fig-a}\n\n"
                "![No id.](map.png)\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n"
                ": Names **in** a table {#tbl-a}\n"
            ),
            "map.png": tiny_png(),
        }
    )
    printed = print_document(root, root / "print.html").read_text(encoding="utf-8")
    figures = printed.split('id="dossier-list-of-figures"')[1].split("</ol>")[0]
    tables = printed.split('id="dossier-list-of-tables"')[1].split("</ol>")[0]
    assert re.findall(r'<li><a href="#([^"]+)">([^<]*)</a>', figures) == [
        ("fig-a", "Figure 1: A bold &amp; plain map (Smith 2020)."),
        ("fig-2", "Figure 2: No id."),  # numbered all the same, with an id of its own
    ]
    assert re.findall(r'<li><a href="#([^"]+)">([^<]*)</a>', tables) == [
        ("tbl-a", "Table 1: Names in a table")
    ]


def test_the_imprint_says_how_to_cite(tmp_path: Path) -> None:
    toml = (
        'title = "Wells"\nsubtitle = "A report"\nauthors = ["Ann Author", "Bob Writer"]\n'
        'date = "2025-03-04"\nlanguage = "en-GB"\nchapters = ["a.md"]\n'
        '[pdf]\nversion = "1.2"\nlicence = "CC BY 4.0"\n'
    )
    config, _ = parse_config(tmp_path, toml)
    assert config is not None
    made = imprint(config, "1000000000")
    assert made["cite"] == "Ann Author, Bob Writer. 2025. Wells: A report. Version 1.2."
    assert made["licence"] == "CC BY 4.0"
    assert made["made"] == "9 September 2001"


@pytest.mark.slow
@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils is not installed")
def test_the_example_pdf_reads_like_a_report(tmp_path: Path) -> None:
    """The figures of the manual's typography table, on the example dossier."""
    import pikepdf

    from bench.pdfstats import stats

    result = build(
        ROOT, html=False, pdf=True, output=str(tmp_path / "out"), progress=lambda _: None
    )
    assert [d.format() for d in result.diagnostics] == []
    pdf = next((tmp_path / "out").glob("*.pdf"))
    measured = stats(str(pdf))
    assert 60 <= measured["chars/line"] <= 75
    assert measured["2-letter"] == 0
    assert measured["stranded"] == 0
    assert measured["redundant"] == 0
    with pikepdf.open(pdf) as doc:
        outline = doc.Root.Outlines
        first = outline.First
        while "/Next" in first and "Summary" not in str(first.Title):
            first = first.Next
        assert int(first.Count) < 0  # a chapter's sections are folded
        fonts = {str(f.get("/BaseFont")) for p in doc.pages for f in p.Resources.Font.values()}
        assert not any("DejaVu-Sans+" in f or f.endswith("DejaVu-Sans") for f in fonts)


def test_the_theme_folder_is_served_under_its_fixed_name_only(tmp_path: Path) -> None:
    """file:///dossier-theme/ is the theme (the second allowed folder) and nothing
    outside it: the bundled fonts are read, a way out is refused."""
    from dossier.render.pdf.fetch import THEME_URL, Refused, resolve_file_url
    from dossier.render.theme import THEME_DIR

    allowed = [tmp_path, THEME_DIR]
    font = resolve_file_url(THEME_URL + "fonts/NotoSerif-Regular.ttf", allowed)
    assert font == THEME_DIR / "fonts" / "NotoSerif-Regular.ttf"
    for way_out in ("../../../etc/passwd", "fonts/../../../../etc/hostname", "%2e%2e/%2e%2e/x"):
        with pytest.raises((Refused, OSError)):
            resolve_file_url(THEME_URL + way_out, allowed)
    with pytest.raises((Refused, OSError)):  # without a theme folder, nothing
        resolve_file_url(THEME_URL + "fonts/NotoSerif-Regular.ttf", [tmp_path])
