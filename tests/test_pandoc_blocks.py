"""Grid, simple and multiline tables: numbered and cross-referenced like pipe tables,
and hostile shapes end as text (or a table), fast, never as a traceback."""

from __future__ import annotations

import lxml.html
import pytest

from dossier.markdown import make_parser, parse_chapter

from .conftest import time_limit

GRID = """+-----+-----+
| a   | b   |
+=====+=====+
| 1   | 2   |
+-----+-----+

: Grid {#tbl-grid}
"""
SIMPLE = """Name    Value
------  -----
alpha   1

Table: Simple {#tbl:simple}
"""
MULTI = """------------------
Name    Value
------  ----------
alpha   one and
        two

------------------

: Multi {#tbl-multi}
"""


def test_every_kind_of_table_is_numbered_and_referenced(run_cli, make_project) -> None:
    chapter = (
        f"# A\n\nSee @tbl-grid, @tbl:simple and @tbl-multi [@smith2020].\n\n{GRID}\n"
        f"{SIMPLE}\n{MULTI}"
    )
    root = make_project({"chapters/01-a.md": chapter})
    code, err = run_cli(["build", "--html", "-q", "--strict"], root)
    assert code == 0, err
    page = lxml.html.fromstring((root / "build" / "html" / "01-a.html").read_bytes())
    links = page.xpath("//article//a[contains(@class, 'xref')]")
    assert [(a.get("href"), a.text) for a in links] == [
        ("#tbl-grid", "Table 1"),
        ("#tbl:simple", "Table 2"),
        ("#tbl-multi", "Table 3"),
    ]
    assert page.xpath("string(//table[@id='tbl-multi']//td[2])").split() == ["one", "and", "two"]
    assert page.xpath("//table[@id='tbl-grid']/thead/tr/th")


def test_cells_that_span_rows_and_columns() -> None:
    text = (
        "+-----+-----+-----+\n| wide      | c   |\n+=====+=====+=====+\n"
        "| tall| x   | y   |\n|     +-----+-----+\n|     | z   | w   |\n+-----+-----+-----+\n"
    )
    from tests.rendering import render_text

    html = render_text(text)  # as dossier's writer writes it, not markdown-it's
    assert '<th colspan="2">wide</th>' in html
    assert '<td rowspan="2">tall</td>' in html


@pytest.mark.parametrize(
    "text",
    [
        "+" + "-+" * 10_000 + "\n|" + " |" * 10_000 + "\n+" + "-+" * 10_000 + "\n",
        "+" + "-+" * 10_000 + "\n|" + " |" * 10_000 + "\n",  # never closed
        "+---+\n| a |\n+----+\n| b  |\n+----+\n",  # ragged
        ("+---+---+\n| a | b |\n" * 5_000) + "+---+---+\n",
        " ".join(["---"] * 1000) + "\n" + "a " * 1000 + "\n" + " ".join(["---"] * 1000) + "\n",
        "a  b\n-- --\n" * 5_000,
        "-------\n" * 20_000,
        "--- ---\nx   y\n\n" * 10_000,
        "+"
        + "-" * 400
        + "+\n"
        + "".join(
            "|" + " " * k + "+" + "-" * (398 - 2 * k) + "+" + " " * k + "|\n" for k in range(199)
        ),
    ],
    ids=[
        "10k-columns",
        "unclosed",
        "ragged",
        "5k-rows-no-borders",
        "1000-dash-runs",
        "5k-headers",
        "20k-rules",
        "10k-headerless",
        "nested-borders",
    ],
)
def test_hostile_tables_end_fast(text: str) -> None:
    with time_limit(60, lambda: AssertionError("a hostile table hangs the parse")):
        parsed = parse_chapter(make_parser(), "# A\n\n" + text, "chapters/01-a.md")
    assert parsed.tokens


def test_grid_tables_nest_to_a_limit() -> None:
    """A table in a cell is a table; past the limit, a cell's text stays text."""
    inner = "+---+\n| x |\n+---+"
    for _ in range(12):
        rows = inner.split("\n")
        width = max(len(r) for r in rows)
        inner = "\n".join(
            ["+" + "-" * (width + 2) + "+"]
            + [f"| {r.ljust(width)} |" for r in rows]
            + ["+" + "-" * (width + 2) + "+"]
        )
    with time_limit(60, lambda: AssertionError("nested tables hang the parse")):
        parsed = parse_chapter(make_parser(), inner + "\n", "chapters/01-a.md")
    opened = sum(t.type == "table_open" for t in parsed.tokens)
    assert 1 < opened < 13


# --- fancy and example lists (same file: the other Pandoc block syntax) ---------------


def test_an_example_label_is_a_number_and_a_citation_key_stays_a_citation(
    run_cli, make_project
) -> None:
    """Pandoc reads `@label` as an example's number only when an example has that
    label; any other `@key` is a citation."""
    chapter = (
        "# A\n\n(@good) An example.\n(@) Another.\n\n"
        "As @good shows, @smith2020 says so [@smith2020, p. 3].\n\nAnd @nosuchkey.\n"
    )
    root = make_project({"chapters/01-a.md": chapter})
    code, err = run_cli(["build", "--html", "-q"], root)
    assert code == 1
    assert "'nosuchkey'" in err
    assert "'good'" not in err and "smith2020" not in err
    (root / "chapters" / "01-a.md").write_text(chapter.replace("And @nosuchkey.", "End."))
    code, err = run_cli(["build", "--html", "-q", "--strict"], root)
    assert code == 0, err
    page = lxml.html.fromstring((root / "build" / "html" / "01-a.html").read_bytes())
    (para,) = page.xpath("//article//p[contains(., 'shows')]")
    assert para.text_content().startswith("As 1 shows, ")
    assert para.xpath(".//*[contains(@class, 'citation')]")
    assert page.xpath("//article//ol[@class='example']/li")


def test_fancy_lists_print_with_their_style_and_start() -> None:
    """WeasyPrint reads neither `start` nor `type`: print writes them as CSS."""
    from tests.rendering import render_text

    html = render_text("c) three\nd) four\n\n(iv) four\n", "print")
    assert (
        '<ol start="3" type="a" style="counter-reset: list-item 2; list-style-type: lower-alpha">'
        in html
    )
    assert 'type="i" style="counter-reset: list-item 3; list-style-type: lower-roman"' in html


@pytest.mark.parametrize(
    "text",
    ["a. x\n\n" * 10_000, "(@) x\n" * 10_000, "a. x\n1. y\n" * 5_000, "(@" + "a" * 5000 + ") x\n"],
    ids=["10k-lists", "10k-examples", "10k-style-changes", "long-label"],
)
def test_many_fancy_lists_parse_fast(text: str) -> None:
    with time_limit(60, lambda: AssertionError("fancy lists hang the parse")):
        parsed = parse_chapter(make_parser(), "# A\n\n" + text, "chapters/01-a.md")
    assert parsed.tokens


HOSTILE = """\
# A

+------------------------------------+------------------------------------+
| <script>alert(1)</script>          | [x](javascript:alert(2))           |
+====================================+====================================+
| <img src=x onerror=alert(3)>       | ![i](javascript:alert(4))          |
|                                    |                                    |
| <a href="javascript:alert(5)">a</a>| <span onclick="alert(6)">s</span>  |
+------------------------------------+------------------------------------+

: Grid <iframe src=javascript:alert(7)> {#tbl-grid onclick=alert(8)}

Name                          Value
----------------------------  ------------------------------
<script>alert(9)</script>     [y](javascript:alert(10))

Table: Simple {#tbl-simple style="x:expression(alert(11))"}

(@a) <svg onload=alert(12)> [z](javascript:alert(13))

c) <u onclick="alert(14)">u</u> <span lang="en" onmouseover="alert(15)">v</span>

See @tbl-grid, @tbl-simple, (@a) [@smith2020].
"""


def test_new_blocks_keep_hostile_input_inert(project_factory, build_project) -> None:
    """Raw HTML, script links and handler attributes inside grid and simple tables,
    their captions and fancy and example lists stay text or are dropped, in the site
    and the print document."""
    from dossier.render.pdf import document as pdf_step

    from .test_hostile_markup import judge

    root = project_factory({"chapters/01-a.md": HOSTILE}, name="hostile-blocks")
    captured: list[str] = []

    def fake_pdf(config, document, stage, name, progress=None):
        captured.append(document.html)
        (stage / name).write_bytes(b"%PDF-1.7\n")
        return [], {}

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(pdf_step, "render_pdf", fake_pdf)
        built = build_project(root, html=True, pdf=True)
    assert built.result.ok, [d.format() for d in built.result.diagnostics]
    page = (built.html / "01-a.html").read_text(encoding="utf-8")
    for html_text in (page, captured[0]):
        assert judge(html_text).problems == []
        doc = lxml.html.fromstring(html_text)
        assert doc.xpath("//table[@id='tbl-grid']") and doc.xpath("//table[@id='tbl-simple']")
        for el in doc.iter():
            if isinstance(el.tag, str):
                assert not [a for a in el.attrib if a.startswith("on")], el.attrib
                assert "expression" not in (el.get("style") or "")
    text = lxml.html.fromstring(page).xpath("string(//article)")
    assert "<script>alert(1)</script>" in text and "<svg onload=alert(12)>" in text
