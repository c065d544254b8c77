"""Note styles as `pandoc --citeproc` prints them: the text of each note, the
punctuation moved before the note marker (and inside quotation marks where the locale
says so), citations inside footnotes, one sequence of notes. Each case is compared with
what the pandoc dossier ships prints for the same Markdown."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from dossier.build import build
from dossier.cite.engine import pandoc_path, resolve_style
from tests.parity import note_text

BIB = r"""
@article{doe2019, author = {Doe, Jane}, title = {An Article}, journal = {J}, year = {2019},
  volume = {3}, pages = {1--9}}
@book{smith2020, author = {Smith, John}, title = {A Book}, publisher = {P}, year = {2020}}
@book{roe2018, author = {Roe, Rick and Poe, Pat and Moe, Max and Low, Lee}, title = {Many},
  publisher = {P}, year = {2018}}
"""
NOTE_STYLE = "chicago-note-bibliography"


def pandoc_says(tmp_path: Path, chapter: str, style_name: str, lang: str) -> str:
    style, problems = resolve_style(tmp_path, style_name, None)  # type: ignore[arg-type]
    assert style is not None and not problems
    (tmp_path / "pandoc.md").write_text(chapter, encoding="utf-8")
    (tmp_path / "pandoc.bib").write_text(BIB, encoding="utf-8")
    cmd = [pandoc_path(), "pandoc.md", "--citeproc", "--bibliography", "pandoc.bib"]
    cmd += ["--csl", str(style), "-M", f"lang={lang}", "-t", "html", "--wrap=none"]
    return subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=tmp_path).stdout


def dossier_says(
    tmp_path: Path, chapter: str, style_name: str, lang: str, whole: bool = False
) -> str:
    project = tmp_path / "p"
    (project / "chapters").mkdir(parents=True, exist_ok=True)
    (project / "chapters" / "01-a.md").write_text(chapter, encoding="utf-8")
    (project / "references.bib").write_text(BIB, encoding="utf-8")
    (project / "dossier.toml").write_text(
        f'title = "P"\nlanguage = "{lang}"\ncsl = "{style_name}"\n'
        'chapters = ["chapters/01-a.md"]\n',
        encoding="utf-8",
    )
    # a 1x1 PNG, for figures
    (project / "fig.png").write_bytes(
        bytes.fromhex(
            "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
            "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
        )
    )
    result = build(project, html=True, pdf=False, output="build", progress=lambda _: None)
    assert result.ok, [d.format() for d in result.diagnostics]
    page = next((project / "build" / "html").glob("01-*.html"))
    text = page.read_text(encoding="utf-8")
    return text if whole else text.split("</article>", 1)[0]


def both(
    tmp_path: Path, body: str, lang: str = "en-US", style_name: str = NOTE_STYLE
) -> tuple[tuple[list[str], list[str]], tuple[list[str], list[str]]]:
    """(pandoc's, dossier's) paragraphs (markers as '^') and notes, for one chapter."""
    chapter = "# A\n\n" + body
    theirs = note_text(pandoc_says(tmp_path, chapter, style_name, lang), "pandoc")
    ours = note_text(dossier_says(tmp_path, chapter, style_name, lang), "dossier")
    return theirs, ours


@pytest.mark.parametrize(
    ("lang", "short"),
    [("en-US", "Doe, “An Article.”"), ("en-GB", "Doe, \u2018An Article\u2019.")],
)
def test_the_final_period_goes_where_the_locale_puts_it(
    tmp_path: Path, lang: str, short: str
) -> None:
    """Repro 1: `“Title”.` was printed where pandoc (en-US) prints `“Title.”`."""
    theirs, ours = both(tmp_path, "Text [@doe2019].\n\nAgain [@doe2019].\n", lang)
    assert ours[1] == theirs[1]
    assert short in ours[1]


@pytest.mark.parametrize(
    "body",
    [
        "First @smith2020, here. Text [@smith2020].\n",  # the issue's repro
        'He said "quoted" [@doe2019]. Next "one" [@smith2020], then.\n',
        "(see [@doe2019]) next; End[@doe2019]. Next\n",
        "Text\n[@smith2020]. more *Text* [@doe2019]. more\n",
        "As @roe2018, says. As @smith2020. Next [@doe2019].) more [@doe2019] more\n",
    ],
)
@pytest.mark.parametrize("lang", ["en-US", "en-GB"])
def test_the_marker_goes_after_the_punctuation(tmp_path: Path, body: str, lang: str) -> None:
    """Repro 2: `form ¹.` and `Smith⁴, here` were printed where pandoc prints `form.¹`
    and `Smith,⁴ here`."""
    theirs, ours = both(tmp_path, body, lang)
    assert ours[0] == theirs[0]
    assert ours[1] == theirs[1]


def test_the_issue_repro_reads_as_pandoc_prints_it(tmp_path: Path) -> None:
    _, ours = both(tmp_path, "First @smith2020, here. Text [@smith2020].\n")
    assert ours[0] == ["First John Smith,^ here. Text.^"]


@pytest.mark.parametrize(
    "footnote",
    [
        "A note citing [@doe2019, 4].",  # the issue's repro
        "[@doe2019, 5]. More text.",
        "[@doe2019]",
        "See @smith2020 for more.",
        "See @smith2020. Then more.",
        "See @smith2020",
        "Two [@doe2019] and [see @smith2020, 3; @roe2018].",
        "Multi.\n\n    [@doe2019] starts a second paragraph.",
    ],
)
@pytest.mark.parametrize("lang", ["en-US", "en-GB"])
def test_citations_in_footnotes_are_printed_in_them(
    tmp_path: Path, footnote: str, lang: str
) -> None:
    """Repro 3: `Doe, “An Article,” 4..` was printed where pandoc prints
    `(Doe, “An Article,” 4).` inside the footnote."""
    theirs, ours = both(tmp_path, f"Text.[^1]\n\n[^1]: {footnote}\n", lang)
    assert ours[0] == theirs[0]
    assert ours[1] == theirs[1]


def test_the_footnote_repro_reads_as_pandoc_prints_it(tmp_path: Path) -> None:
    _, ours = both(tmp_path, "Text.[^1]\n\n[^1]: A note citing [@doe2019, 4].\n")
    assert ours[1] == ["A note citing (Jane Doe, “An Article,” J 3 (2019): 4)."]


@pytest.mark.parametrize(
    "body",
    [
        # a footnote's citation comes where the footnote is referred to: first here
        "Text.[^1] Later [@doe2019]. Again [@doe2019, 9].\n\n[^1]: See [@doe2019, 4].\n",
        # footnotes without citations take numbers too (oscola prints "(n 2)")
        "A.[^1] B [@doe2019]. C.[^2] D [@smith2020]; E [@doe2019].\n\n"
        "[^1]: Plain.\n\n[^2]: Two [@smith2020] and [@doe2019, 3].\n",
        # two chapters' worth of ibid. in one sequence
        "A [@doe2019]. B [@doe2019]. C.[^1] D [@doe2019, 5].\n\n[^1]: Only words.\n",
    ],
)
@pytest.mark.parametrize("style_name", [NOTE_STYLE, "oscola", "mhra-notes-subsequent-ibid"])
def test_positions_follow_pandocs_order_of_notes(
    tmp_path: Path, body: str, style_name: str
) -> None:
    """Repros 4 and 5: citation notes and footnotes are one sequence, in order, and ibid.,
    short forms and "(n 2)" follow from it as in pandoc."""
    theirs, ours = both(tmp_path, body, style_name=style_name)
    assert ours[0] == theirs[0]
    assert ours[1] == theirs[1]


def test_the_site_numbers_notes_and_footnotes_in_one_sequence(tmp_path: Path) -> None:
    """Repro 4: a footnote and citation notes share one sequence of numbers, in the
    order of the text, and one list, as in pandoc's output and the PDF."""
    body = "A [@doe2019]. Text.[^1] More [@doe2019, 4].\n\n[^1]: A note citing [@smith2020].\n"
    page = dossier_says(tmp_path, "# A\n\n" + body, NOTE_STYLE, "en-US")
    markers = re.findall(
        r'<sup class="note-ref"><a href="#([^"]+)"[^>]*>(\d+)<'
        r'|<a href="#(fn\d+)" class="footnote-ref"[^>]*><sup>(\d+)<',
        page,
    )
    markers = [(a or c, b or d) for a, b, c, d in markers]
    assert markers == [("note-c0", "1"), ("fn1", "2"), ("note-c1", "3")]
    listed = re.findall(r'<li id="([^"]+)"', page)
    assert listed == ["note-c0", "fn1", "note-c1"]
    assert page.split("<article", 1)[1].count("<ol") == 1


@pytest.mark.parametrize(
    "body",
    [
        "| A | B |\n|---|---|\n| x [@doe2019]. | y @smith2020, z |\n\nTable: Caption [@roe2018].\n",
        "Text [@smith2020].\n\n![A caption [@doe2019].](fig.png)\n\nMore [@doe2019].\n",
    ],
)
def test_notes_in_table_cells_and_captions(tmp_path: Path, body: str) -> None:
    theirs, ours = both(tmp_path, body)
    # dossier labels captions ("Table 1: "); pandoc does not
    labelled = [re.sub(r"^(Table|Figure) \d+: ", "", p) for p in ours[0]]
    assert labelled == theirs[0]
    assert ours[1] == theirs[1]


@pytest.mark.parametrize("style_name", [NOTE_STYLE, "oscola"])
@pytest.mark.parametrize("level", ["#", "##"])
def test_a_heading_can_start_positions_again(tmp_path: Path, style_name: str, level: str) -> None:
    """Pandoc 3.9's `reset-citation-positions` class: the first citation under such a
    heading is a first, full note again (when the heading's section is not inside
    another's: under `# A`, a `##` heading's is)."""
    body = (
        f"X [@doe2019]. Z [@doe2019, 3].\n\n{level} B {{.reset-citation-positions}}\n\n"
        "Y [@doe2019]. W.[^1]\n\n[^1]: See [@smith2020].\n\n## C\n\nV [@doe2019].\n"
    )
    theirs, ours = both(tmp_path, body, style_name=style_name)
    assert ours[1] == theirs[1]
    assert (ours[1][0] == ours[1][2]) == (level == "#")  # the full note again


def test_the_scan_keeps_where_notes_stand(tmp_path: Path) -> None:
    """What the order of notes is made of survives the build cache's JSON."""
    from dossier.markdown import make_parser, parse_chapter
    from dossier.read.scan import CiteMark, from_json, scan_chapter, to_json

    text = (
        "# A\n\nX [@doe2019].[^1] Y.[^2]\n\n## B {.reset-citation-positions}\n\n"
        "# C {.reset-citation-positions}\n\nZ.\n\n"
        "[^1]: [@smith2020] first, then @doe2019 here.\n\n[^2]: Multi.\n\n    Para [@doe2019]\n"
    )
    scan = scan_chapter(parse_chapter(make_parser(), text, "ch.md"))
    cites = [m for m in scan.marks if isinstance(m, CiteMark)]
    assert [(c.in_note, c.note_context, c.note) for c in cites] == [
        (False, "", -1),
        (True, "first", 0),
        (True, "", 0),
        (True, "+period", 1),
    ]
    # footnote 0 after one citation, footnote 1 too; only the `#` heading resets
    assert scan.footnotes == ((0, 1), (1, 1), (-1, 1))
    assert from_json(to_json(scan), "ch.md") == scan


def test_a_note_marker_has_what_its_pop_over_needs(tmp_path: Path) -> None:
    """site.js shows a note's references from the marker: the citation (with its keys)
    stands right before the marker, and the page carries the references' data."""
    chapter = "# A\n\nText [@doe2019; @smith2020].\n"
    page = dossier_says(tmp_path, chapter, NOTE_STYLE, "en-US", whole=True)
    assert (
        'Text.<span class="citation" id="cite-c0" data-cites="doe2019 smith2020"></span>'
        '<sup class="note-ref">' in page
    )
    popovers = re.search(r'data-popovers="([^"]*)"', page)
    assert popovers and "doe2019" in popovers.group(1) and "smith2020" in popovers.group(1)
