"""The PDF workers end to end on a tiny document: pdfworker renders it whole, and in
parts (pdfparallel, one worker a part, page numbers sent once the parts are laid out)
that pdfmerge joins. The joined PDF must have the same pages, page numbers, outline,
named destinations and links, across parts too, as the whole one. WeasyPrint runs in
child processes as in a build; several seconds, so slow."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pikepdf
import pytest
from pypdf import PdfReader

from dossier.render.pdf.merge import merge
from dossier.render.pdf.parallel import Settings, deadline_after, plan, render_parts
from dossier.render.pdf.process import Child
from dossier.render.pdf.split import split_document
from dossier.render.pdf.worker import main as worker_main
from dossier.render.theme import THEME_DIR

pytestmark = pytest.mark.slow

STYLE = (
    "@page { size: A6; @bottom-center { content: 'page ' counter(page) } }"
    " section { break-before: page } body { font-family: DejaVu Sans }"
)
PRINT = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>T</title><style>{STYLE}</style></head>
<body>
<!--dossier:front--><section><h1>Contents</h1>
<p><a href="#one">One</a></p><p><a href="#two">Two</a></p></section>
<!--dossier:chapter--><section id="one"><h1>One</h1><p>See <a href="#two">chapter two</a>.</p>
<p style="break-before: page">Second page of one.</p></section>
<!--dossier:chapter--><section id="two"><h1>Two</h1><h2 id="two-sub">Sub</h2>
<p>Back to <a href="#one">one</a>, <a href="https://example.org/">the web</a>
and <a href="file:///etc/passwd">a file</a>.</p></section>
<!--dossier:end-->
</body></html>
"""
IDENT = "ab" * 16


def facts(path: Path) -> dict[str, Any]:
    """What a reader meets in a PDF: each page's text, the outline (title, page), the
        named destinations (name, page) and each page's links (destination or URI); text
    with its line breaks as spaces, since where a line breaks is the layout's business."""
    pdf = pikepdf.open(path)
    number = {page.objgen: n for n, page in enumerate(pdf.pages, 1)}

    def page_of(dest: Any) -> int:
        return number[dest[0].objgen]

    def outline(items: Any) -> list[Any]:
        return [(str(i.title), page_of(i.destination), outline(i.children)) for i in items]

    with pdf.open_outline() as tree:
        marks = outline(tree.root)
    names = pikepdf.NameTree(pdf.Root.Names.Dests)
    links = []
    for n, page in enumerate(pdf.pages, 1):
        for annot in page.obj.get("/Annots", ()):
            action = annot.get("/A")
            target = str(annot.Dest) if "/Dest" in annot else str(action.URI)
            links.append((n, target))
    return {
        "text": [" ".join(page.extract_text().split()) for page in PdfReader(path).pages],
        "outline": marks,
        "names": {str(k): page_of(v) for k, v in names.items()},
        "links": sorted(links),
        "id": bytes(pdf.trailer.ID[0]),
    }


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, list[str]]:
    work = tmp_path_factory.mktemp("pdfparts")
    (work / "print.html").write_text(PRINT, encoding="utf-8")
    allowed = (str(work), str(THEME_DIR))
    whole = Child(
        worker_main,
        [str(work / "print.html"), str(work / "whole.pdf"), *allowed],
        1024,
        deadline_after(600),
    )
    try:
        whole.finish()
    finally:
        whole.kill()
    split = split_document(PRINT)
    assert split is not None
    layout = plan(split, 2)
    assert layout is not None and len(layout.chapters) == 2
    parts, warnings, read = render_parts(
        split,
        layout,
        Settings(work, allowed, 1024, deadline_after(600), front_links=("one", "two")),
    )
    assert [p.name for p in parts] == ["part-00.pdf", "part-01.pdf", "part-02.pdf"]
    assert read == {}  # the document names no file of the project (its font is the system's)
    assert merge(str(work / "merged.pdf"), IDENT, [str(p) for p in parts]) == 0
    return work / "whole.pdf", work / "merged.pdf", [*warnings, *whole.warnings]


def test_no_warnings(pdfs: tuple[Path, Path, list[str]]) -> None:
    assert pdfs[2] == []


def test_the_whole_document(pdfs: tuple[Path, Path, list[str]]) -> None:
    whole = facts(pdfs[0])
    assert whole["text"] == [
        "Contents One Two page 1",
        "One See chapter two. page 2",
        "Second page of one. page 3",
        "Two Sub Back to one, the web and a file. page 4",
    ]
    assert whole["outline"] == [
        ("Contents", 1, []),
        ("One", 2, []),
        ("Two", 4, [("Sub", 4, [])]),
    ]
    assert whole["names"] == {"one": 2, "two": 4, "two-sub": 4}
    # a file: link is never made (pdfworker._seal)
    assert whole["links"] == [
        (1, "one"),
        (1, "two"),
        (2, "two"),
        (4, "https://example.org/"),
        (4, "one"),
    ]


def test_the_parts_joined_read_as_the_whole(pdfs: tuple[Path, Path, list[str]]) -> None:
    whole, merged = facts(pdfs[0]), facts(pdfs[1])
    for key in ("text", "outline", "names", "links"):
        assert merged[key] == whole[key], key
    assert merged["id"] == bytes.fromhex(IDENT)


LATE = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>T</title><style>{STYLE}
a.page::after {{ content: " p. " target-counter(attr(href url), page) }}</style></head>
<body>
<!--dossier:front--><section><h1>Contents</h1><p><a class="page" href="#late">Late</a></p></section>
<!--dossier:chapter--><section id="one"><h1>One</h1></section>
<!--dossier:chapter--><section id="two"><h1>Two</h1></section>
<!--dossier:back--><section id="bib"><h1>Bibliography</h1>
<p id="late" style="break-before: page">Late entry.</p></section>
<!--dossier:end-->
</body></html>
"""


@pytest.mark.parametrize(("front_links", "page"), [(("late",), 5), ((), 4)])
def test_a_contents_entry_deep_in_the_back_matter_gets_its_page(
    tmp_path: Path, front_links: tuple[str, ...], page: int
) -> None:
    """The back matter's anchors are first guessed at its first page; the front matter
    is laid out again when a link it has (Settings.front_links, from the print
    document's maker) leads further in. A link the maker did not name keeps the guess."""
    split = split_document(LATE)
    assert split is not None
    layout = plan(split, 2)
    assert layout is not None
    settings = Settings(
        tmp_path,
        (str(tmp_path), str(THEME_DIR)),
        1024,
        deadline_after(600),
        front_links=front_links,
    )
    parts, warnings, _ = render_parts(split, layout, settings)
    assert warnings == []
    front = " ".join(PdfReader(parts[0]).pages[0].extract_text().split())
    assert front == f"Contents Late p. {page} page 1"


FRONT_LIST = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>T</title><style>{STYLE}
a.page::after {{ content: " p. " target-counter(attr(href url), page) }}</style></head>
<body>
<!--dossier:front--><section><h1>Contents</h1><p><a class="page" href="#figures">Figures</a>
<a class="page" href="#one">One</a></p></section>
<section id="figures" style="break-before: page"><h1>List of figures</h1></section>
<!--dossier:chapter--><section id="one"><h1>One</h1></section>
<!--dossier:chapter--><section id="two"><h1>Two</h1></section>
<!--dossier:end-->
</body></html>
"""


def test_a_contents_entry_for_the_front_matter_gets_its_page(tmp_path: Path) -> None:
    """The contents' line for a list in the front matter itself had no page number in a
    PDF made in parts (only the other parts' pages were given): the front matter is laid
    out again once its own anchors' pages are known."""
    split = split_document(FRONT_LIST)
    assert split is not None
    layout = plan(split, 2)
    assert layout is not None
    settings = Settings(
        tmp_path,
        (str(tmp_path), str(THEME_DIR)),
        1024,
        deadline_after(600),
        front_links=("figures", "one"),
    )
    parts, warnings, _ = render_parts(split, layout, settings)
    assert warnings == []
    front = " ".join(PdfReader(parts[0]).pages[0].extract_text().split())
    assert front == "Contents Figures p. 2 One p. 3 page 1"
