"""Incremental builds: the cache under build/ lets a rebuild render only what changed,
and a warm build is always byte-identical to a cold one."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from dossier.build import Result, build
from dossier.cache import CACHE_NAME
from dossier.cite import engine as cite
from dossier.read import scan

from .conftest import JONES, SMITH, tiny_png

CHAPTERS = {
    f"chapters/0{n}.md": f"# {title}\n\nProse of chapter {n} [@{key}].\n\nMore prose.\n"
    for n, title, key in (
        (1, "Alpha", "smith2020"),
        (2, "Beta", "jones2019"),
        (3, "Gamma", "smith2020"),
    )
}
TOML = """title = "Incremental"
csl = "apa"
chapters = ["chapters/01.md", "chapters/02.md", "chapters/03.md"]
"""


def quiet(_: str) -> None:
    pass


@pytest.fixture
def project(make_project: Callable[..., Path]) -> Path:
    root = make_project(
        {
            "dossier.toml": TOML,
            "chapters/01-a.md": None,
            "references.bib": SMITH + "\n" + JONES,
            **CHAPTERS,
        }
    )
    first = build(root, pdf=False, progress=quiet)
    assert first.ok, first.diagnostics
    assert len(first.rendered) >= 5  # everything, the first time
    return root


def rebuild(root: Path, **kw: object) -> Result:
    result = build(root, pdf=False, progress=quiet, **kw)  # type: ignore[arg-type]
    assert result.ok, result.diagnostics
    return result


def files(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def same_as_cold(root: Path) -> None:
    """The warm build in build/ equals a cold build of the same inputs."""
    cold = build(root, pdf=False, progress=quiet, output="cold")
    assert cold.ok
    assert files(root / "build" / "html") == files(root / "cold" / "html")


def edit(root: Path, rel: str, old: str, new: str) -> None:
    path = root / rel
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_no_change_renders_nothing(project: Path) -> None:
    assert rebuild(project).rendered == ()


def test_a_project_nested_inside_is_not_an_input(project: Path) -> None:
    """A folder with a dossier.toml of its own (the manual in docs/ beside the example
    dossier) is another project: building or editing it is no change to this one."""
    docs = project / "docs"
    (docs / "chapters").mkdir(parents=True)
    (docs / "dossier.toml").write_text('title = "M"\nchapters = []\n', encoding="utf-8")
    assert rebuild(project).rendered == ()
    (docs / "chapters" / "01.md").write_text("# New\n", encoding="utf-8")
    (docs / "build").mkdir()
    (docs / "build" / "x.html").write_text("made", encoding="utf-8")
    assert rebuild(project).rendered == ()


def test_prose_edit_renders_only_that_page(project: Path) -> None:
    edit(project, "chapters/02.md", "More prose.", "More prose, and a new sentence.")
    assert rebuild(project).rendered == ("html/02-chapter.html",)
    assert "and a new sentence" in (project / "build/html/02-chapter.html").read_text("utf-8")
    same_as_cold(project)


def test_prose_edit_does_not_run_pandoc(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    real = cite.format_citations
    monkeypatch.setattr(
        cite,
        "format_citations",
        lambda reqs, *a, **k: calls.append(len(reqs)) or real(reqs, *a, **k),
    )
    edit(project, "chapters/01.md", "More prose.", "Other prose.")
    rebuild(project)
    assert calls == []


def test_changed_citation_formats_only_that_citation(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []
    real = cite.format_citations
    monkeypatch.setattr(
        cite,
        "format_citations",
        lambda reqs, *a, **k: calls.append(len(reqs)) or real(reqs, *a, **k),
    )
    edit(project, "chapters/03.md", "[@smith2020]", "[@smith2020, p. 4]")
    result = rebuild(project)
    assert calls == [1]
    # the page with the citation, and the pages listing where entries are cited
    assert "html/03-chapter.html" in result.rendered
    assert {"html/01-chapter.html", "html/02-chapter.html", "html/index.html"}.isdisjoint(
        result.rendered
    )
    assert "p. 4" in (project / "build/html/03-chapter.html").read_text("utf-8")
    same_as_cold(project)


def test_search_index_parses_only_the_pages_rendered_again(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dossier.render import search

    parsed: list[str] = []
    real = search.sections
    monkeypatch.setattr(search, "sections", lambda page: parsed.append(page) or real(page))
    edit(project, "chapters/02.md", "More prose.", "More prose, and findable words.")
    rebuild(project)
    assert len(parsed) == 1 and "findable words" in parsed[0]
    (named,) = (project / "build/html/assets").glob("search-index.*.js")  # its hash in its name
    index = named.read_text("utf-8")
    assert "findable words" in index and "Prose of chapter 3" in index
    same_as_cold(project)


def test_changed_entry_rerenders_its_citing_pages(project: Path) -> None:
    edit(project, "references.bib", "year    = {2019}", "year    = {1999}")
    result = rebuild(project)
    assert {"html/02-chapter.html", "html/bibliography.html"} <= set(result.rendered)
    assert {"html/01-chapter.html", "html/03-chapter.html"}.isdisjoint(result.rendered)
    assert "1999" in (project / "build/html/02-chapter.html").read_text("utf-8")
    same_as_cold(project)


TIMELINE = '[[event]]\nyear = 1990\nlabel = "Start"\ncite = "smith2020"\n'


def test_a_timeline_is_drawn_again_only_when_what_it_shows_changes(project: Path) -> None:
    """A chapter page is fingerprinted with the data of the figures it shows: a comment
    in the data file is no change to the drawing, a new label is, for its page alone."""
    edit(project, "chapters/03.md", "More prose.", "![Chronology](../data/t.toml)")
    (project / "data").mkdir()
    (project / "data/t.toml").write_text(TIMELINE, encoding="utf-8")
    assert "html/03-chapter.html" in rebuild(project).rendered
    assert rebuild(project).rendered == ()
    edit(project, "data/t.toml", "[[event]]", "# the founding\n[[event]]")
    again = rebuild(project)
    assert again.analysis is not None and again.rendered == ()  # read again, not drawn
    edit(project, "data/t.toml", "Start", "Founded")
    drawn = rebuild(project).rendered
    assert "html/03-chapter.html" in drawn
    # the other chapters' pages do not show it: they are taken from the last build
    assert "html/01-chapter.html" not in drawn and "html/02-chapter.html" not in drawn
    assert ">1990  Founded</text>" in (project / "build/html/03-chapter.html").read_text("utf-8")
    same_as_cold(project)


def test_new_heading_changes_every_page_contents(project: Path) -> None:
    edit(project, "chapters/01.md", "More prose.", "## A new section\n\nMore prose.")
    result = rebuild(project)
    assert {
        "html/01-chapter.html",
        "html/02-chapter.html",
        "html/03-chapter.html",
        "html/index.html",
    } <= set(result.rendered)
    same_as_cold(project)


def test_theme_change_rerenders_everything(project: Path) -> None:
    (project / "templates").mkdir()
    (project / "templates/style.css").write_text("body { color: #111; }\n", encoding="utf-8")
    result = rebuild(project)
    assert {"html/01-chapter.html", "html/02-chapter.html", "html/03-chapter.html"} <= set(
        result.rendered
    )
    (css,) = (project / "build/html/assets").glob("style.*.css")
    assert css.read_text("utf-8").startswith("body")


@pytest.mark.parametrize(
    "damage",
    [
        b"{not json",
        b'{"version": 999}',
        b"\xff\xfe",
        b"[]",
        b'{"version": 2, "tool": "0.1.0", "citations": {}, '
        b'"outputs": {"html/01-chapter.html": ["x"]}}',
    ],
)
def test_damaged_cache_is_a_warning_and_a_full_rebuild(project: Path, damage: bytes) -> None:
    (project / "build" / CACHE_NAME).write_bytes(damage)
    result = build(project, pdf=False, progress=quiet)
    assert result.ok
    assert [d.code for d in result.diagnostics] == ["cache.ignored"]
    assert "html/01-chapter.html" in result.rendered
    same_as_cold(project)


def test_hand_edited_output_is_rendered_again(project: Path) -> None:
    page = project / "build/html/02-chapter.html"
    page.write_text("tampered", encoding="utf-8")
    assert rebuild(project).rendered == ("html/02-chapter.html",)
    assert "Prose of chapter 2" in page.read_text("utf-8")


def test_cited_cache_values_never_reach_a_page_unchecked(project: Path) -> None:
    """A cache whose formatted citations were tampered with (same refset) would be
    trusted; but the bibliography entry itself changing invalidates it."""
    edit(project, "references.bib", "Jones, Bob", "Jones, Robert")
    rebuild(project)
    assert "Jones, R." in (project / "build/html/bibliography.html").read_text("utf-8")
    same_as_cold(project)


@pytest.mark.slow
def test_no_change_does_not_render_the_pdf_again(make_project: Callable[..., Path]) -> None:
    root = make_project()
    first = build(root, progress=quiet)
    assert first.ok and "test-dossier.pdf" in first.rendered
    pdf = (root / "build/test-dossier.pdf").read_bytes()
    second = build(root, progress=quiet)
    assert second.ok and second.rendered == ()
    assert (root / "build/test-dossier.pdf").read_bytes() == pdf
    edit(root, "chapters/01-a.md", "Text citing", "Prose citing")
    third = build(root, progress=quiet)
    assert "test-dossier.pdf" in third.rendered


def test_no_op_build_skips_all_work_and_repeats_the_warnings(
    make_project: Callable[..., Path],
) -> None:
    root = make_project({"chapters/01-a.md": "# A\n\nCites [@smith2020] and <b>raw</b> HTML.\n"})
    first = build(root, pdf=False, progress=quiet)
    assert first.ok and first.diagnostics
    messages: list[str] = []
    second = build(root, pdf=False, progress=messages.append)
    assert messages == ["nothing changed since the last build"]
    assert second.diagnostics == first.diagnostics and second.rendered == ()
    # any edit, even one that keeps the size, is seen
    path = root / "chapters/01-a.md"
    path.write_text(path.read_text("utf-8").replace("raw", "RAW"), encoding="utf-8")
    third = build(root, pdf=False, progress=messages.append)
    assert third.rendered == ("html/01-a.html",)
    # --strict is a different build: the replayed warnings become errors
    assert not build(root, pdf=False, strict=True, progress=quiet).ok


@pytest.mark.slow
def test_pdf_follows_files_named_by_print_css_and_source_date_epoch(
    make_project: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    from dossier.render.theme import THEME_DIR

    from .conftest import tiny_png

    css = (THEME_DIR / "print.css").read_text(encoding="utf-8") + (
        "\n.title-page { background: url(img/bg.png) no-repeat; }\n"
    )
    root = make_project({"templates/print.css": css, "img/bg.png": tiny_png()})
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1000000000")
    assert build(root, html=False, progress=quiet).ok
    png = bytearray(tiny_png())
    png[-20] ^= 1  # another (broken) image: the PDF must be made again
    (root / "img/bg.png").write_bytes(bytes(png))
    assert "test-dossier.pdf" in build(root, html=False, progress=quiet).rendered
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "2000000000")
    with (root / "chapters/01-a.md").open("a", encoding="utf-8") as f:
        f.write("\n")  # a blank line: the same print document, so only the date differs
    assert "test-dossier.pdf" in build(root, html=False, progress=quiet).rendered


def png_of_grey(level: int) -> bytes:
    """A valid 1x1 greyscale PNG of the given grey: an image that differs, not a broken one."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    pixels = zlib.compress(bytes([0, level]))
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def made_pdf(result: Result) -> bool:
    assert result.ok, result.diagnostics
    return any(rel.endswith(".pdf") for rel in result.rendered)


@pytest.mark.slow
@pytest.mark.parametrize("jobs", [1, 2])
def test_pdf_follows_the_files_its_renderer_read(
    make_project: Callable[..., Path], jobs: int
) -> None:
    """The PDF workers report the project files WeasyPrint read (in one process, or
    each part of a PDF laid out in parts), and the cache keeps them with the PDF: an
    image the PDF shows that changes makes it again, a file it never read does not."""
    figure = CHAPTERS["chapters/02.md"] + "\n![A figure](img/fig.png)\n"
    root = make_project(
        {
            "dossier.toml": TOML + f"\n[pdf]\njobs = {jobs}\n",
            "chapters/01-a.md": None,
            "references.bib": SMITH + "\n" + JONES,
            **CHAPTERS,
            "chapters/02.md": figure,
            "img/fig.png": png_of_grey(0),
            "img/unused.png": png_of_grey(0),
        }
    )
    assert made_pdf(build(root, html=False, progress=quiet))
    record = json.loads((root / "build" / CACHE_NAME).read_text("utf-8"))["pdf"]
    assert [rel for rel, _ in record["read"]] == ["img/fig.png"]
    (root / "img/unused.png").write_bytes(png_of_grey(255))
    assert not made_pdf(build(root, html=False, progress=quiet))
    (root / "img/fig.png").write_bytes(png_of_grey(255))
    assert made_pdf(build(root, html=False, progress=quiet))
    (root / "notes.txt").write_text("not an input of the PDF\n", encoding="utf-8")
    assert not made_pdf(build(root, html=False, progress=quiet))


@pytest.mark.slow
def test_pdf_is_made_again_when_a_file_it_missed_appears_or_its_record_is_damaged(
    make_project: Callable[..., Path],
) -> None:
    """A file WeasyPrint asked for and did not get is in the record too: once it is
    there, the PDF shows it. A record that is not exactly one, or that no longer matches
    the PDF it was written with, makes the PDF again."""
    from dossier.render.theme import THEME_DIR

    css = (THEME_DIR / "print.css").read_text(encoding="utf-8") + (
        "\n.title-page { background: url(img/later.png) no-repeat; }\n"
    )
    root = make_project({"templates/print.css": css})
    first = build(root, html=False, progress=quiet)
    assert made_pdf(first)
    cache = root / "build" / CACHE_NAME
    assert json.loads(cache.read_text("utf-8"))["pdf"]["read"] == [["img/later.png", None]]
    (root / "notes.txt").write_text("a change, so that the build is no no-op\n", "utf-8")
    assert not made_pdf(build(root, html=False, progress=quiet))
    (root / "img").mkdir()
    (root / "img/later.png").write_bytes(png_of_grey(0))
    assert made_pdf(build(root, html=False, progress=quiet))

    def entry_lost(record: Any) -> Any:
        return {**record, "read": []}

    for n, damage in enumerate((entry_lost, lambda _: "pdf", lambda _: None)):
        raw = json.loads(cache.read_text("utf-8"))
        raw["pdf"] = damage(raw["pdf"])
        cache.write_text(json.dumps(raw), encoding="utf-8")
        (root / "notes.txt").write_text(f"change {n}\n", encoding="utf-8")
        assert made_pdf(build(root, html=False, progress=quiet)), n


def test_bibliography_problems_are_reported_again_when_it_is_reused(project: Path) -> None:
    bib = project / "references.bib"
    bib.write_text(
        bib.read_text("utf-8") + "\n@misc{orphan2001, title = {Never cited}, year = {n.d.}}\n",
        encoding="utf-8",
    )
    first = rebuild(project)
    codes = sorted(d.code for d in first.diagnostics)
    assert "cite.unused-entry" in codes and "bib.year" in codes
    edit(project, "chapters/01.md", "More prose.", "Other prose.")
    second = rebuild(project)  # the bibliography is not parsed again, its problems stay
    assert sorted(d.code for d in second.diagnostics) == codes
    assert [d.format() for d in second.diagnostics] == [d.format() for d in first.diagnostics]


TIED = """@book{x1, author = {Smith, Jane}, title = {Same Title}, year = {2020}, publisher = {P}}
@book{x2, author = {Smith, Jane}, title = {Same Title}, year = {2020}, publisher = {Q}}
"""


def test_tied_references_get_their_letters_from_the_whole_documents_order(
    make_project: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two entries alike in author, year and title: 2020a goes to the one cited first in
    the document, also when the citations are formatted in separate pandoc runs."""
    from dossier.cite import formatting

    monkeypatch.setattr(formatting, "PARALLEL_FROM", 1)
    monkeypatch.setattr(formatting.os, "cpu_count", lambda: 2)  # two runs, even here
    chapters = {
        "chapters/01.md": "# One\n\nFirst [@x2].\n",
        "chapters/02.md": "# Two\n\nThen [@x1].\n",
    }
    root = make_project(
        {
            "dossier.toml": TOML.replace(', "chapters/03.md"', ""),
            "chapters/01-a.md": None,
            "references.bib": TIED,
            **chapters,
        }
    )
    assert build(root, pdf=False, progress=quiet).ok
    one = (root / "build/html/01-chapter.html").read_text("utf-8")
    two = (root / "build/html/02-chapter.html").read_text("utf-8")
    assert "2020a" in one and "2020b" in two  # as pandoc gives for the whole document
    # a warm rebuild formats one new citation in a run of its own: same letters
    edit(root, "chapters/02.md", "[@x1]", "[@x1, p. 3]")
    assert build(root, pdf=False, progress=quiet).ok
    assert "2020b, p. 3" in (root / "build/html/02-chapter.html").read_text("utf-8")
    same_as_cold(root)


def test_strict_builds_survive_a_cache_from_another_version(project: Path) -> None:
    """After an upgrade the cache is ignored: a note, never a --strict failure (which
    would leave the old cache in place and fail every build after it)."""
    cache = project / "build" / CACHE_NAME
    data = json.loads(cache.read_text("utf-8"))
    data["tool"] = "old-" + data["tool"]
    cache.write_text(json.dumps(data), encoding="utf-8")
    first = build(project, pdf=False, strict=True, progress=quiet)
    assert first.ok, first.diagnostics
    assert [(d.code, d.severity.value) for d in first.diagnostics] == [("cache.ignored", "note")]
    second = build(project, pdf=False, strict=True, progress=quiet)
    assert second.ok and second.diagnostics == ()  # the note is not repeated


def test_note_styles_are_formatted_as_a_whole_and_stay_right(
    make_project: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """In a note style a citation depends on those before it (ibid., short forms), so a
    changed citation formats the whole document again, and prose edits reuse it."""
    calls: list[int] = []
    real = cite.format_citations
    monkeypatch.setattr(
        cite,
        "format_citations",
        lambda reqs, *a, **k: calls.append(len(reqs)) or real(reqs, *a, **k),
    )
    root = make_project(
        {
            "dossier.toml": TOML.replace('"apa"', '"chicago-note-bibliography"'),
            "chapters/01-a.md": None,
            "references.bib": SMITH + "\n" + JONES,
            **CHAPTERS,
        }
    )
    assert build(root, pdf=False, progress=quiet).ok and calls == [3]
    edit(root, "chapters/02.md", "More prose.", "Other prose.")
    assert build(root, pdf=False, progress=quiet).ok and calls == [3]  # reused
    edit(root, "chapters/01.md", "[@smith2020]", "[@jones2019]")
    assert build(root, pdf=False, progress=quiet).ok and calls == [3, 3]  # all again
    same_as_cold(root)


def test_prose_edit_parses_only_that_chapter(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    parsed: list[str] = []
    real = scan.parse_chapter
    monkeypatch.setattr(
        scan, "parse_chapter", lambda md, text, path: parsed.append(path) or real(md, text, path)
    )
    edit(project, "chapters/02.md", "More prose.", "Other prose.")
    rebuild(project)
    assert parsed == ["chapters/02.md"]  # once: the page is rendered from the same tokens
    same_as_cold(project)


RICH = """---
title: Rich
---

# Rich {#sec-rich}

## Unnumbered {.unnumbered}

As @smith2020 [p. 3] wrote, "a quoted phrase" [@jones2019, p. 2]. See @sec-rich and
@fig-dot and @tbl-nums.[^n]

> A block quotation that ends with its citation.
> [@smith2020]

![A dot [@jones2019]](dot.png){#fig-dot}

| a | b |
|---|---|
| 1 | 2 |

: Numbers {#tbl-nums}

::: note
never closed

[^n]: In a note [-@smith2020; @jones2019, ch. 2].
"""


def test_a_scan_survives_the_cache_exactly() -> None:
    from dossier.markdown import make_parser, parse_chapter
    from dossier.read.scan import from_json, scan_chapter, to_json

    found = scan_chapter(parse_chapter(make_parser(), RICH, "chapters/09-rich.md"))
    assert len([m for m in found.marks if isinstance(m, scan.CiteMark)]) == 5
    assert {type(m).__name__ for m in found.marks} == {"HeadingMark", "BlockMark", "CiteMark"}
    assert found.xrefs and found.quotes and found.images and found.diagnostics
    assert from_json(json.loads(json.dumps(to_json(found))), found.path) == found
    assert from_json({"marks": [["x"]]}, found.path) is None


def test_chapter_problems_are_reported_again_when_its_scan_is_reused(
    make_project: Callable[..., Path],
) -> None:
    root = make_project(
        {
            "dossier.toml": TOML.replace(
                '"chapters/03.md"', '"chapters/03.md", "chapters/09-rich.md"'
            ),
            "chapters/01-a.md": None,
            "references.bib": SMITH + "\n" + JONES,
            "dot.png": tiny_png(),
            "chapters/09-rich.md": RICH,
            **CHAPTERS,
        }
    )
    first = build(root, pdf=False, progress=quiet)
    assert first.ok
    assert {"quote.no-archive", "md.unclosed-div"} <= {d.code for d in first.diagnostics}
    edit(root, "chapters/01.md", "More prose.", "Other prose.")
    second = build(root, pdf=False, progress=quiet)
    assert [d.format() for d in second.diagnostics] == [d.format() for d in first.diagnostics]
    assert "html/09-rich.html" not in second.rendered
    same_as_cold(root)


def test_a_damaged_chapter_scan_is_made_again(project: Path) -> None:
    path = project / "build" / CACHE_NAME
    data = json.loads(path.read_text("utf-8"))
    for record in data["chapters"].values():
        record[1] = {"marks": "not a scan"}
    path.write_text(json.dumps(data), encoding="utf-8")
    edit(project, "chapters/02.md", "More prose.", "Other prose.")
    rebuild(project)
    same_as_cold(project)


@pytest.mark.parametrize("damage", ["level", "kind", "huge", "fewer"])
def test_a_scan_the_text_does_not_match_is_never_trusted(project: Path, damage: str) -> None:
    """A cache whose scan has the chapter's hash but not its content (damaged, or made
    by hand) gives the same site as a cold build, never a crash."""
    path = project / "build" / CACHE_NAME
    data = json.loads(path.read_text("utf-8"))
    kept = data["chapters"]["chapters/02.md"]
    record = json.loads(kept[1])  # the scan, as JSON text beside the tree
    heading = next(m for m in record["marks"] if m[0] == "h")
    if damage == "level":
        heading[1] = 7
    elif damage == "kind":
        record["marks"].append(["b", "x", "", 1])
    elif damage == "huge":
        heading[5] = 10**400
    else:  # one citation fewer than the text has
        record["marks"] = [m for m in record["marks"] if m[0] != "c"]
    kept[1] = json.dumps(record)  # the seal is left as it was: the record is refused
    path.write_text(json.dumps(data), encoding="utf-8")
    # a new section renumbers the contents of every page: chapter 02 is rendered from
    # its cached scan
    edit(project, "chapters/01.md", "More prose.", "## A new section\n\nMore prose.")
    result = build(project, pdf=False, progress=quiet)
    assert result.ok, result.diagnostics
    same_as_cold(project)


def test_tied_references_are_found_once_and_again_when_the_bibliography_changes(
    make_project: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Which references tie is kept with the cache: a rebuild after a prose edit does not
    decode every name again, a changed entry does, and a damaged record is recomputed."""
    from dossier.cite import formatting

    calls: list[int] = []
    real = formatting.tie_groups
    monkeypatch.setattr(
        formatting, "tie_groups", lambda bib, pool: calls.append(1) or real(bib, pool)
    )
    chapters = {
        "chapters/01.md": "# One\n\nFirst [@x2].\n",
        "chapters/02.md": "# Two\n\nThen [@x1].\n",
    }
    root = make_project(
        {
            "dossier.toml": TOML.replace(', "chapters/03.md"', ""),
            "chapters/01-a.md": None,
            "references.bib": TIED,
            **chapters,
        }
    )
    rebuild(root)
    assert len(calls) == 1
    edit(root, "chapters/02.md", "[@x1]", "[@x1, p. 3]")
    rebuild(root)
    assert len(calls) == 1  # same references: the ties from the cache
    edit(root, "references.bib", "year = {2020}, publisher = {Q}", "year = {2021}, publisher = {Q}")
    rebuild(root)
    assert len(calls) == 2  # x2 moved to 2021: no tie any more
    assert "2020a" not in (root / "build/html/01-chapter.html").read_text("utf-8")
    same_as_cold(root)
    path = root / "build" / CACHE_NAME
    data = json.loads(path.read_text("utf-8"))
    data["citations"]["ties"] = [data["citations"]["ties"][0], "x1"]  # not a list of keys
    path.write_text(json.dumps(data), encoding="utf-8")
    edit(root, "chapters/02.md", "[@x1, p. 3]", "[@x1, p. 4]")
    rebuild(root)
    assert len(calls) >= 3
    same_as_cold(root)


def test_an_edit_renames_the_search_index_in_every_page(project: Path) -> None:
    """The index is named by its bytes: an edit of one chapter gives it a new name, which
    the pages not rendered again name too, and the old index is gone."""
    html = project / "build" / "html"
    (before,) = (html / "assets").glob("search-index.*.js")
    edit(project, "chapters/02.md", "More prose.", "More prose, with a new word: quokka.")
    result = rebuild(project)
    assert "html/01-chapter.html" not in result.rendered  # reused, yet up to date
    (after,) = (html / "assets").glob("search-index.*.js")
    assert after.name != before.name and b"quokka" in after.read_bytes()
    for page in html.glob("*.html"):
        assert f'data-index="assets/{after.name}"' in page.read_text("utf-8"), page.name
    same_as_cold(project)


def _damage_citations(record: dict[str, Any], damage: str) -> None:
    if damage == "cluster not a pair":
        record["clusters"] = {k: 5 for k in record["clusters"]}
    elif damage == "cluster of numbers":
        record["clusters"] = {k: [1, 2] for k in record["clusters"]}
    elif damage == "no order":
        del record["order"]
    elif damage == "entries not text":
        record["bibliography"] = {k: None for k in record["bibliography"]}
    elif damage == "no bibliography":
        del record["bibliography"]
    elif damage == "a text not a pair":
        record["texts"][0] = ["only one"]
    elif damage == "an index out of range":
        record["at"][0] = len(record["texts"])
    elif damage == "notes not numbers":
        record["notes"] = {k: "0" for k in record["notes"]}
    else:  # a signature of numbers
        record["signature"] = {k: 1 for k in record["signature"]}


@pytest.mark.parametrize(
    ("csl", "damage"),
    [
        ("apa", "cluster not a pair"),
        ("apa", "cluster of numbers"),
        ("apa", "no order"),
        ("apa", "entries not text"),
        ("apa", "no bibliography"),
        ("chicago-note-bibliography", "no bibliography"),
        ("chicago-note-bibliography", "no order"),
        ("chicago-note-bibliography", "a text not a pair"),
        ("chicago-note-bibliography", "an index out of range"),
        ("chicago-note-bibliography", "notes not numbers"),
        ("chicago-note-bibliography", "a signature of numbers"),
    ],
)
def test_a_damaged_citation_record_is_formatted_again(
    make_project: Callable[..., Path], csl: str, damage: str
) -> None:
    """The citation record keeps its refset (so it would be reused) but a part of it has
    the wrong shape, as in a build folder that came with the project: that part is
    formatted again, never a crash."""
    root = make_project(
        {
            "dossier.toml": TOML.replace('"apa"', f'"{csl}"'),
            "chapters/01-a.md": None,
            "references.bib": SMITH + "\n" + JONES,
            **CHAPTERS,
        }
    )
    assert build(root, pdf=False, progress=quiet).ok
    path = root / "build" / CACHE_NAME
    data = json.loads(path.read_text("utf-8"))
    _damage_citations(data["citations"], damage)
    path.write_text(json.dumps(data), encoding="utf-8")
    edit(root, "chapters/02.md", "More prose.", "Other prose.")
    rebuild(root)
    same_as_cold(root)
