"""The PDF, checked with poppler's pdftotext, pdffonts and pdfinfo. One PDF build for the
whole module (each takes a few seconds)."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not all(shutil.which(t) for t in ("pdftotext", "pdffonts", "pdfinfo")),
        reason="poppler-utils is not installed",
    ),
]

TOML = """\
title = "Printed Report"
authors = ["Ann Author", "Bob Writer"]
date = "2025-01-02"
csl = "apa"
chapters = ["chapters/01-first.md", "chapters/02-second.md"]
"""
FIRST = """\
# First Chapter

Opening text citing [@smith2020, p. 4].[^n1]

## Background {#sec-background}

See @fig-dot and @sec-second.

![A small dot](../img/dot.png){#fig-dot}

[^n1]: A footnote about wells, citing @jones2019.
"""
SECOND = """\
# Second Chapter {#sec-second}

Back to @sec-background, citing @smith2020 again.
"""


def run(*cmd: str) -> str:
    return subprocess.run(cmd, check=True, capture_output=True, text=True, timeout=60).stdout


@pytest.fixture(scope="module")
def printed(project_factory, build_project, texts):
    root = project_factory(
        {
            "dossier.toml": TOML,
            "chapters/01-a.md": None,
            "chapters/01-first.md": FIRST,
            "chapters/02-second.md": SECOND,
            "img/dot.png": texts.png(),
            "references.bib": texts.smith + "\n" + texts.jones,
        },
        name="printed",
    )
    site = build_project(root, html=True, pdf=False)
    assert site.result.ok
    html_before = {
        p.relative_to(site.html): p.read_bytes() for p in site.html.rglob("*") if p.is_file()
    }
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SOURCE_DATE_EPOCH", EPOCH)  # the imprint's date, as in `in_parts`
        built = build_project(root, html=False, pdf=True)
    pdf = root / "build" / "printed-report.pdf"
    return built, pdf, html_before


@pytest.fixture(scope="module")
def pages(printed) -> list[str]:
    _, pdf, _ = printed
    return run("pdftotext", "-layout", str(pdf), "-").split("\f")


def test_pdf_build_is_clean(printed):
    built, pdf, _ = printed
    assert [d.format() for d in built.result.diagnostics] == []
    assert built.result.outputs == ("build/printed-report.pdf",)
    assert pdf.read_bytes().startswith(b"%PDF-")
    assert not list(pdf.parent.glob(".print.html"))


def test_pdf_only_build_keeps_the_site(printed):
    built, _, html_before = printed
    html = built.root / "build" / "html"
    assert {
        p.relative_to(html): p.read_bytes() for p in html.rglob("*") if p.is_file()
    } == html_before


def test_title_page(pages):
    title_page = pages[0]
    assert "Printed Report" in title_page
    assert "Ann Author, Bob Writer" in title_page
    assert "January 2, 2025" in title_page  # the date in words of the language (en-US)


def _first_page_with(pages: list[str], pattern: str, after: int) -> int:
    """1-based number of the first page after `after` whose text matches."""
    for number, text in enumerate(pages, 1):
        if number > after and re.search(pattern, text, re.M):
            return number
    raise AssertionError(f"{pattern!r} is on no page after {after}")


def test_contents_with_page_numbers(pages):
    toc_page = _first_page_with(pages, r"^\s*Contents\s*$", 0)
    toc = pages[toc_page - 1]
    found = re.findall(r"^\s*((?:\d+(?:\.\d+)?\s+)?[A-Z][\w ]+?)[ .]+(\d+)\s*$", toc, re.M)
    # the numbers stand in their own column: "1       First Chapter"
    entries = {" ".join(name.split()): page for name, page in found}
    assert set(entries) == {"1 First Chapter", "1.1 Background", "2 Second Chapter", "Bibliography"}
    first = _first_page_with(pages, r"^\s*1 First Chapter\s*$", toc_page)
    second = _first_page_with(pages, r"^\s*2 Second Chapter\s*$", toc_page)
    bibliography = _first_page_with(pages, r"^\s*Bibliography\s*$", toc_page)
    assert toc_page < first < second < bibliography
    assert entries["1 First Chapter"] == str(first)
    assert entries["1.1 Background"] == str(first)
    assert entries["2 Second Chapter"] == str(second)
    assert entries["Bibliography"] == str(bibliography)


def test_body_text_footnote_and_cross_references(pages):
    text = "\n".join(pages)
    assert "Opening text citing (Smith, 2020, p. 4)." in text
    assert "See Figure 1 and Chapter 2." in text
    assert "Figure 1: A small dot" in text
    assert "Back to Section 1.1, citing Smith (2020) again." in text
    assert re.search(r"^\s*1\. A footnote about wells, citing Jones \(2019\)\.\s*$", text, re.M)


def test_bibliography_cites_the_pages(pages):
    toc_page = _first_page_with(pages, r"^\s*Contents\s*$", 0)
    first = _first_page_with(pages, r"^\s*1 First Chapter\s*$", toc_page)
    second = _first_page_with(pages, r"^\s*2 Second Chapter\s*$", toc_page)
    bibliography = pages[_first_page_with(pages, r"^\s*Bibliography\s*$", toc_page) - 1]
    flat = " ".join(bibliography.split())
    assert (
        f"Jones, B. (2019). An article on examples. Journal of Examples, 3, 1\u201310. "
        f"Cited on p. {first}."
    ) in flat
    pages_cited = f"{first}\u2013{second}" if second == first + 1 else f"{first}, {second}"
    assert (
        f"Smith, J. (2020). A book about things. Example Press. Cited on pp. {pages_cited}."
    ) in flat


def test_all_fonts_are_embedded(printed):
    _, pdf, _ = printed
    rows = run("pdffonts", str(pdf)).splitlines()
    assert rows[1].startswith("-----")
    fonts = rows[2:]
    assert fonts
    for row in fonts:
        m = re.search(r"\s(yes|no)\s+(yes|no)\s+(yes|no)\s+\d+\s+\d+\s*$", row)
        assert m, row
        assert m.group(1) == "yes", f"not embedded: {row}"


def test_document_information(printed):
    _, pdf, _ = printed
    info = dict(re.findall(r"^(\w[\w ]*?):\s+(.*)$", run("pdfinfo", str(pdf)), re.M))
    assert info["Title"] == "Printed Report"
    assert info["Author"] == "Ann Author, Bob Writer"
    assert info["Creator"] == "dossier"
    assert int(info["Pages"]) >= 5


# --- the PDF laid out in parts at the same time ---------------------------------------------

EPOCH = "1000000000"  # 2001-09-09T01:46:40Z


@pytest.fixture(scope="module")
def in_parts(project_factory, build_project, texts):
    """The project of `printed`, its PDF forced into parts (front matter, one part per
    chapter, bibliography), built twice with SOURCE_DATE_EPOCH set."""
    root = project_factory(
        {
            "dossier.toml": TOML + '\n[pdf]\njobs = 2\nstandard = "a-3b"\n',
            "chapters/01-a.md": None,
            "chapters/01-first.md": FIRST,
            "chapters/02-second.md": SECOND,
            "img/dot.png": texts.png(),
            "references.bib": texts.smith + "\n" + texts.jones,
        },
        name="parts",
    )
    pdf = root / "build" / "printed-report.pdf"
    made = []
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SOURCE_DATE_EPOCH", EPOCH)
        for _ in range(2):
            built = build_project(root, html=False, pdf=True)
            assert [d.format() for d in built.result.diagnostics] == []
            made.append(pdf.read_bytes())
    return pdf, made


def _structure(path) -> tuple[list[str], list[tuple[int, str, int]], list[tuple[int, int]]]:
    """Text of each page; outline (depth, title, page); links (page, target page)."""
    from pypdf import PdfReader

    reader = PdfReader(str(path))
    text = run("pdftotext", "-layout", str(path), "-").split("\f")

    def walk(items, depth=0):
        for item in items:
            if isinstance(item, list):
                yield from walk(item, depth + 1)
            else:
                yield depth, item.title, reader.get_destination_page_number(item)

    named = {k: reader.get_destination_page_number(v) for k, v in reader.named_destinations.items()}
    links = []
    for number, page in enumerate(reader.pages):
        for ref in page.get("/Annots") or []:
            annot = ref.get_object()
            if "/Dest" in annot:
                links.append((number, named[str(annot["/Dest"])]))
    return text, list(walk(reader.outline)), links


def test_parts_give_the_same_pdf_as_one_process(printed, in_parts):
    _, whole, _ = printed
    parts, _ = in_parts
    text, outline, links = _structure(parts)
    assert (text, outline, links) == _structure(whole)
    # the comparison is not vacuous: page numbers, contents, cited-on and links are there
    assert len(text) >= 6
    assert [t for _, t, _ in outline] == [
        "Contents",
        "1 First Chapter",
        "1.1 Background",
        "2 Second Chapter",
        "Bibliography",
    ]
    assert re.search(r"Cited on pp\. \d+(, |\u2013)\d+\.", " ".join(text[-2].split()))
    contents_page = next(n for n, page in enumerate(text) if "Contents" in page)
    toc = next(i for i, t in enumerate(links) if t[0] == contents_page)
    assert links[toc][1] > 1  # the contents link into later parts


def test_parts_are_byte_identical_and_dated_by_source_date_epoch(in_parts):
    pdf, (first, second) = in_parts
    assert first == second
    info = dict(re.findall(r"^(\w[\w ]*?):\s+(.*)$", run("pdfinfo", "-isodates", str(pdf)), re.M))
    assert info["CreationDate"].startswith("2001-09-09T01:46:40")
    assert info["ModDate"].startswith("2001-09-09T01:46:40")
    assert info["Title"] == "Printed Report"
    assert str(pdf.parent) not in first.decode("latin-1")


def test_a_part_out_of_memory_is_one_clear_error(run_cli, make_project, monkeypatch):
    from dossier import limits

    monkeypatch.setattr(limits, "MIN_MEMORY_MB", 0)  # a project may not ask for < 512 MB
    root = make_project(
        {
            "dossier.toml": TOML + '\n[pdf]\njobs = 2\nmemory_mb = 80\nstandard = "none"\n',
            "chapters/01-first.md": "# One\n\nText.\n",
            "chapters/02-second.md": "# Two\n\nMore [@smith2020].\n",
        }
    )
    code, err = run_cli(["build", "--pdf", "-q"], root)
    assert code == 1
    assert err.splitlines() == [
        "printed-report.pdf: error: the PDF could not be made: it needed more than 80 MB of "
        "memory [pdf.failed]",
        "1 error, 0 warnings",
    ]
    assert not (root / "build").exists()


@pytest.mark.slow
def test_parts_that_cannot_be_assembled_fall_back_to_one_process(make_project, monkeypatch):
    from dossier import build as pipeline
    from dossier.render.pdf import document as pdf_step
    from dossier.render.pdf.process import Relayout

    calls: list[int] = []

    def relayout(*_: object) -> object:
        calls.append(1)
        raise Relayout("the contents changed length once page numbers were known")

    monkeypatch.setattr(pdf_step, "render_parts", relayout)
    monkeypatch.setattr(pdf_step, "jobs_for", lambda *_: 2)
    root = make_project({"chapters/01-a.md": "# Alpha\n\nText [@smith2020].\n\n# Beta\n\nMore.\n"})
    result = pipeline.build(root, html=False, progress=lambda _: None)
    assert result.ok, result.diagnostics
    assert (root / "build" / "test-dossier.pdf").read_bytes()[:5] == b"%PDF-"
    assert calls == [1]
