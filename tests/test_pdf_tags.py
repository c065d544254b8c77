"""The structure tree's finer points (dossier/render/pdf/tags.py): a table broken across
pages has one set of `TH` (the header repeated on later pages is an artifact), and the
contents and the lists of figures and tables are `TOC` with `TOCI` items. (A timeline's
link overlay for the PDF is tested with its drawer, in tests/unit/test_timeline.py.)"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from dossier.build import build
from dossier.render.pdf.check import check_ua

ROWS = 90  # about three A4 pages of rows


def _project(tmp_path: Path) -> Path:
    root = tmp_path / "p"
    (root / "chapters").mkdir(parents=True)
    (root / "sources").mkdir()
    (root / "references.bib").write_text("", encoding="utf-8")
    (root / "dossier.toml").write_text(
        'title = "Tables"\nchapters = ["chapters/a.md"]\nlanguage = "en-GB"\n[pdf]\nlists = true\n',
        encoding="utf-8",
    )
    rows = "\n".join(f"| {i} | Row {i} of the long table | text |" for i in range(1, ROWS))
    (root / "chapters" / "a.md").write_text(
        "# Long\n\nIntro.\n\n| N | Text | More |\n|---|---|---|\n"
        f"{rows}\n\n: A long table. {{#tbl-long}}\n\nAfter.\n",
        encoding="utf-8",
    )
    return root


def _walk(node: Any) -> Any:
    import pikepdf

    kids = node.get("/K")
    for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
        if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
            yield kid
            yield from _walk(kid)


@pytest.fixture(scope="module")
def tagged(tmp_path_factory: pytest.TempPathFactory) -> Any:
    import pikepdf

    root = _project(tmp_path_factory.mktemp("tags"))
    result = build(root, html=False, pdf=True, progress=lambda _: None)
    assert [d.code for d in result.diagnostics] == ["bib.empty"]
    with pikepdf.open(root / "build" / "tables.pdf") as pdf:
        yield pdf


@pytest.mark.slow
def test_a_repeated_table_header_is_tagged_once(tagged: Any) -> None:
    pdf = tagged
    assert check_ua(pdf) == []
    page_of = {p.obj.objgen: n for n, p in enumerate(pdf.pages, 1)}
    tables = [e for e in _walk(pdf.Root.StructTreeRoot) if e.S == "/Table"]
    assert len(tables) == 1
    cells = list(_walk(tables[0]))
    pages = {page_of[c.Pg.objgen] for c in cells if c.S == "/TD"}
    assert len(pages) >= 3  # the table does break across pages
    headers = [c for c in cells if c.S == "/TH"]
    assert len(headers) == 3  # one per column, not one per page
    first = min(pages)
    for th in headers:
        assert {page_of[k.Pg.objgen] for k in _walk(th)} == {first}
    # every cell, on whichever page, names the first page's header cells
    names = {str(th.ID) for th in headers}
    data = [c for c in cells if c.S == "/TD"]
    assert len(data) == 3 * (ROWS - 1)
    assert all(len(c.A.Headers) == 1 and str(c.A.Headers[0]) in names for c in data)
    # the header is still printed on each later page, as artifacts: its three cells
    # besides the running heads and the folio (at most three)
    for number in sorted(pages)[1:]:
        assert _artifacts_with_text(pdf.pages[number - 1]) >= 4


def _artifacts_with_text(page: Any) -> int:
    """How many /Artifact sequences of the page draw text."""
    import pikepdf

    stack: list[list[Any]] = []
    count = 0
    for instruction in pikepdf.parse_content_stream(page):
        op = str(instruction.operator)
        if op in ("BDC", "BMC"):
            stack.append([str(instruction.operands[0]), False])
        elif op == "EMC" and stack:
            kind, text = stack.pop()
            count += kind == "/Artifact" and text
        elif op in ("Tj", "TJ") and stack:
            stack[-1][1] = True
    return count


@pytest.mark.slow
def test_the_contents_and_lists_are_toc(tagged: Any) -> None:
    elements = list(_walk(tagged.Root.StructTreeRoot))
    tocs = [e for e in elements if e.S == "/TOC"]
    assert len(tocs) == 2  # the contents, the list of tables
    for toc in tocs:
        items = [k for k in toc.K if k.S == "/TOCI"]
        assert items and len(items) == len(toc.K)
        for item in items:
            assert [str(k.S) for k in item.K] == ["/Reference"]
            assert [str(k.S) for k in item.K[0].K if "/S" in k] == ["/Link"]
    assert not any(e.S in ("/L", "/LI", "/LBody") for e in elements)
    # a link's page number (its ::after) is no link of its own
    links = [e for e in elements if e.S == "/Link"]
    assert all(any(k.get("/Type") == "/OBJR" for k in e.K) for e in links)
