"""`[pdf] standard`: the PDF checked with pikepdf against the machine-checkable items of
PDF/UA-1 (the Matterhorn protocol) and PDF/A, on the example dossier and on a
60-page corpus, laid out in one process (tagged) and in parts (archival)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from dossier.build import build
from dossier.config import parse_config
from dossier.render.pdf.check import check_pdfa, check_ua, font_programs
from dossier.render.pdf.tags import link_words

ROOT = Path(__file__).resolve().parents[1]
GENERATOR = ROOT.parent / "shared" / "bench" / "make_corpus.py"
CORPUS = ("--chapters", "6", "--words-per-chapter", "3000", "--refs", "60", "--quiet")


@pytest.mark.parametrize(
    ("target", "text", "words"),
    [
        (
            "#ref-state",
            "(U.S. Department of State, n.d.)",
            "Reference: U.S. Department of State, n.d.",
        ),
        ("#fig-timeline", "Figure 1", "Figure: Figure 1"),
        ("#sec-names", "Section 2.1", "Section: Section 2.1"),
        ("https://example.org/a", "", "Web link: https://example.org/a"),
        ("#chapter-3", "3  Origins", "Chapter: 3 Origins"),
    ],
)
def test_link_contents_are_words(target: str, text: str, words: str) -> None:
    assert link_words(target, text) == words


BASE = 'title = "T"\nchapters = ["a.md"]\n'


def test_the_standard_defaults_to_tagged_pdf_ua(tmp_path: Path) -> None:
    config, diags = parse_config(tmp_path, BASE)
    assert config is not None and not diags
    assert config.pdf.standard == "ua-1"


def test_an_unknown_standard_is_one_error_with_a_hint(tmp_path: Path) -> None:
    config, diags = parse_config(tmp_path, BASE + '[pdf]\nstandard = "a-3"\n')
    assert config is None
    assert [d.code for d in diags] == ["config.pdf-standard"]
    assert diags[0].location.line == 4
    assert "a-3b" in diags[0].format()


def test_no_hyphenate_holds_words(tmp_path: Path) -> None:
    config, _ = parse_config(tmp_path, BASE + '[pdf]\nno_hyphenate = ["Mujahedin", "Rajavi"]\n')
    assert config is not None and config.pdf.no_hyphenate == ("Mujahedin", "Rajavi")
    config, diags = parse_config(tmp_path, BASE + "[pdf]\nno_hyphenate = [1]\n")
    assert config is None and [d.code for d in diags] == ["config.type"]


def _pdf(folder: Path) -> Path:
    return next(folder.glob("*.pdf"))


@pytest.mark.slow
def test_the_example_dossier_is_pdf_ua(tmp_path: Path) -> None:
    import pikepdf

    result = build(
        ROOT, html=False, pdf=True, output=str(tmp_path / "out"), progress=lambda _: None
    )
    assert [d.format() for d in result.diagnostics] == []
    with pikepdf.open(_pdf(tmp_path / "out")) as pdf:
        assert check_ua(pdf) == []
        assert pdf.Root.PageMode == "/UseOutlines"
        document = pdf.Root.StructTreeRoot.K[0]
        kinds = [str(k.S) for k in document.K]
        # one Sect per chapter (9), not one per page; so are the title page, the
        # imprint, the lists of figures and tables, the abbreviations and the
        # bibliography
        assert kinds.count("/Sect") == 14
        tables = [e for e in _walk(document) if e.S == "/Table"]
        assert len(tables) == 5  # one per table, whatever the page breaks
        abbreviations, *captioned = tables  # the list comes before the chapters
        assert all(str(t.K[0].S) == "/Caption" for t in captioned)
        # the list of abbreviations: each short form a row header of its expansion
        rows = [e for e in _walk(abbreviations) if e.S == "/TR"]
        assert len(rows) == 11
        for row in rows:
            assert [str(c.S) for c in row.K] == ["/TH", "/TD"]
            assert row.K[0].A.Scope == "/Row" and list(row.K[1].A.Headers) == [row.K[0].ID]
        figures = [e for e in _walk(document) if e.S == "/Figure"]
        assert all(str(f.Alt).startswith("Figure") for f in figures)
        notes = [e for e in _walk(document) if e.S == "/Note"]
        assert notes and all(n.P.S == "/P" for n in notes)  # each by its call in the text
        assert any(str(e.get("/Lang", "")) == "fa" for e in _walk(document))
        _timeline_links_lead_to_references(pdf)


def _timeline_links_lead_to_references(pdf):  # type: ignore[no-untyped-def]
    """Each of the timeline's 18 events is a link to its source's bibliography entry,
    in the bibliography."""
    import pikepdf

    names = pdf.Root.Names.Dests
    dests: dict[str, object] = {}
    for node in [names, *names.get("/Kids", [])]:
        pairs = node.get("/Names", [])
        dests.update({str(pairs[i]): pairs[i + 1] for i in range(0, len(pairs), 2)})
    links = [
        (str(a.Dest), str(a.Contents))
        for page in pdf.pages
        for a in page.get("/Annots", [])
        if str(a.get("/Contents", "")).startswith("Reference: 19")
        or str(a.get("/Contents", "")).startswith("Reference: 20")
    ]
    assert len(links) == 18
    page_of = {p.obj.objgen: n for n, p in enumerate(pdf.pages)}

    def page(name: str) -> int:
        target = dests[name]
        target = target.D if isinstance(target, pikepdf.Dictionary) else target
        return page_of[target[0].objgen]

    for dest, _ in links:
        assert dest.startswith("ref-") and page(dest) >= page("dossier-references")


def _walk(node):  # type: ignore[no-untyped-def]
    import pikepdf

    kids = node.get("/K")
    for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
        if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
            yield kid
            yield from _walk(kid)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """About 60 pages: 6 chapters of 3,000 words, 60 references."""
    if not GENERATOR.is_file():
        pytest.skip(f"the shared corpus generator is missing: {GENERATOR}")
    root = tmp_path_factory.mktemp("corpus") / "c"
    subprocess.run(
        [sys.executable, str(GENERATOR), str(root), *CORPUS],
        check=True,
        timeout=120,
    )
    return root


def _built(corpus: Path, tmp: Path, pdf_table: str) -> Path:
    project = tmp / "p"
    shutil.copytree(corpus, project)
    toml = project / "dossier.toml"
    toml.write_text(toml.read_text(encoding="utf-8") + "\n[pdf]\n" + pdf_table, encoding="utf-8")
    result = build(project, html=False, pdf=True, progress=lambda _: None)
    assert [d.format() for d in result.diagnostics if d.severity.name == "ERROR"] == []
    return _pdf(project / "build")


@pytest.mark.slow
def test_a_corpus_in_parts_is_pdf_ua_and_pdf_a(corpus: Path, tmp_path: Path) -> None:
    """Laid out in parts, merged into one structure tree (pdfstruct)."""
    import pikepdf

    with pikepdf.open(_built(corpus, tmp_path, 'standard = "ua-1+a-3a"\njobs = 2\n')) as pdf:
        assert len(pdf.pages) >= 50
        assert check_ua(pdf) == []
        assert check_pdfa(pdf) == []
        tree = pdf.Root.StructTreeRoot
        assert len(tree.K) == 1
        ids = [str(e.ID) for e in _walk(tree.K[0]) if "/ID" in e]
        assert ids and all(i.startswith("p") for i in ids)  # made unique per part
        assert len(ids) == len(set(ids))
        keys = sorted(int(p.StructParents) for p in pdf.pages)
        assert len(set(keys)) == len(pdf.pages)  # no two pages share a parent-tree key
        with pdf.open_metadata() as meta:
            assert meta["pdfaid:part"] == "3" and meta["pdfaid:conformance"] == "A"


@pytest.mark.slow
def test_a_corpus_in_parts_keeps_pdf_a(corpus: Path, tmp_path: Path) -> None:
    import pikepdf

    with pikepdf.open(_built(corpus, tmp_path, 'standard = "a-3b"\njobs = 2\n')) as pdf:
        assert len(pdf.pages) >= 50
        assert check_pdfa(pdf) == []
        assert pdf.pdf_version == "1.7"
        # one font program per face, though each part subset its own
        assert set(font_programs(pdf).values()) == {1}
        assert pdf.Root.PageMode == "/UseOutlines"
