"""The site's pages as published, without a browser: the bibliography's back-links,
the language and direction, the PDF link, the publishing metadata."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from dossier.build import build
from dossier.config import load_config
from dossier.render.site import cite_this, human_size, text_direction

CHAPTER_TWO = """\
# Names and aliases

First [@smith2020], second [@smith2020] and third [@smith2020].
"""


def _site(root: Path, **options: bool) -> Path:
    result = build(root, progress=lambda _: None, **{"pdf": False, **options})
    assert result.ok, [d.format() for d in result.diagnostics]
    return root / "build" / "html"


def test_back_links_are_grouped_and_named_by_chapter(make_project: Callable[..., Path]) -> None:
    root = make_project(
        {
            "dossier.toml": 'title = "T"\nchapters = ["chapters/01-a.md", "chapters/02-b.md"]\n',
            "chapters/02-b.md": CHAPTER_TWO,
        }
    )
    bib = (_site(root) / "bibliography.html").read_text(encoding="utf-8")
    links = re.findall(r'<a href="([^"]+)" aria-label="([^"]+)">(\d+)</a>', bib)
    assert links == [
        ("01-a.html#cite-c0", "citation 1 in chapter 1, Alpha", "1"),
        ("02-b.html#cite-c1", "citation 1 in chapter 2, Names and aliases", "1"),
        ("02-b.html#cite-c2", "citation 2 in chapter 2, Names and aliases", "2"),
        ("02-b.html#cite-c3", "citation 3 in chapter 2, Names and aliases", "3"),
    ]
    assert '<p class="backlinks">Cited in <span class="bl-chapter">1 Alpha</span>' in bib
    assert ".md:" not in bib  # no build path in a title or a label
    assert "white-space: nowrap" not in bib


def test_many_citations_fold_into_a_summary(make_project: Callable[..., Path]) -> None:
    many = "# Alpha\n\n" + " ".join("[@smith2020]." for _ in range(9)) + "\n"
    bib = (_site(make_project({"chapters/01-a.md": many})) / "bibliography.html").read_text(
        encoding="utf-8"
    )
    assert '<details class="backlinks"><summary>Cited 9 times in 1 chapter</summary>' in bib


def test_language_and_direction_come_from_the_configuration(
    make_project: Callable[..., Path],
) -> None:
    toml = 'title = "T"\nlanguage = "fa-IR"\nchapters = ["chapters/01-a.md"]\n'
    page = (_site(make_project({"dossier.toml": toml})) / "01-a.html").read_text(encoding="utf-8")
    assert '<html lang="fa-IR" dir="rtl">' in page
    assert text_direction("en-GB") == "ltr"
    assert text_direction("ar") == "rtl"
    assert text_direction("he-IL") == "rtl"


def test_no_pdf_link_without_a_pdf(make_project: Callable[..., Path]) -> None:
    site = _site(make_project())
    index = (site / "index.html").read_text(encoding="utf-8")
    assert "pdf-link" not in index and "Download the PDF" not in index
    assert not list(site.glob("*.pdf"))


def test_metadata_for_reference_managers(make_project: Callable[..., Path]) -> None:
    site = _site(make_project())
    page = (site / "01-a.html").read_text(encoding="utf-8")
    assert '<meta name="citation_title" content="Alpha">' in page
    assert '<meta name="citation_inbook_title" content="Test Dossier">' in page
    assert '<meta name="citation_author" content="Ann Author">' in page
    assert '<meta property="og:title" content="Alpha">' in page
    assert re.search(r'<link rel="icon" href="assets/favicon\.[0-9a-f]{10}\.svg"', page)
    index = (site / "index.html").read_text(encoding="utf-8")
    assert "<h2>Cite this dossier</h2>" in index
    assert "@book{author," in index


def test_cite_this_is_balanced_bibtex(make_project: Callable[..., Path]) -> None:
    toml = (
        'title = "On {braces}"\nauthors = ["Ann Author", "Bo Bee"]\ndate = "May 2024"\n'
        'chapters = ["chapters/01-a.md"]\n'
    )
    config, _ = load_config(make_project({"dossier.toml": toml}))
    assert config is not None
    assert cite_this(config) == (
        "@book{author2024,\n  title = {On (braces)},\n  author = {Ann Author and Bo Bee},\n"
        "  year = {2024},\n  langid = {en-US},\n}"
    )


def test_human_sizes() -> None:
    assert human_size(999) == "999 bytes"
    assert human_size(205_607) == "206 KB"
    assert human_size(3_400_000) == "3.4 MB"


def test_sources_and_changes_put_problems_first() -> None:
    from dossier.render.evidence import changes_context

    report = {
        "changes": [
            {"key": "b", "state": "no-archive", "path": "", "citations": []},
            {"key": "a", "state": "changed", "path": "sources/a.txt", "old": "1" * 64},
            {"key": "gone", "state": "no-archive"},
        ]
    }
    listed = {"a": "bibliography.html", "b": "bibliography.html"}
    out = changes_context(report, None, listed, {}, {"a": "source-a.html"})
    assert [r["key"] for r in out["problems"]] == ["a"]
    assert out["problems"][0]["meaning"] == "changed since it was locked"
    assert out["problems"][0]["source"] == "source-a.html"
    assert [(r["key"], r["entry"]) for r in out["unarchived"]] == [
        ("b", "bibliography.html#ref-b"),
        ("gone", ""),  # not in the bibliography: no link to an anchor that does not exist
    ]


def test_a_change_report_of_another_shape_is_read_as_far_as_it_goes() -> None:
    from dossier.render.evidence import changes_context

    # "changes" that is no list, entries that are no objects, "quotations" that is none
    assert changes_context({"changes": None}, None, {}, {}, {})["problems"] == []
    report = {"changes": ["a", {"key": "a", "state": "changed", "quotations": "x"}, 3]}
    (row,) = changes_context(report, None, {}, {}, {})["problems"]
    assert (row["key"], row["quotations"], row["path"], row["locked"]) == ("a", [], "", "")


def test_search_index_has_a_record_per_section() -> None:
    from dossier.render.search import search_index, sections

    page = (
        '<nav><a>Contents</a></nav><article><h1 id="sec-a"><span class="secno">1</span> '
        'Alpha</h1><p>First words.</p><h2 id="sec-b">Beta</h2><p>More <em>words</em>.'
        "</p><svg><text>not prose</text></svg></article>"
    )
    assert sections(page) == [
        {"anchor": "sec-a", "title": "Alpha", "text": "First words."},
        {"anchor": "sec-b", "title": "Beta", "text": "More words."},
    ]
    data, record = search_index([("01-a.html", "fp1", "1 Alpha", page)], {})
    script = data.decode()
    assert script.startswith("self.dossierSearchDocs = [")
    assert '"href":"01-a.html#sec-b"' in script
    assert record == {"01-a.html": ("fp1", sections(page))}


def test_search_index_reuses_the_sections_recorded_for_an_unchanged_page() -> None:
    from dossier.render.search import search_index

    recorded = [{"anchor": "old", "title": "Recorded", "text": "kept words"}]
    # same fingerprint: the page is not parsed again (the HTML given here is not read)
    data, record = search_index(
        [("01-a.html", "fp1", "1 A", "<article/>")], {"01-a.html": ["fp1", recorded]}
    )
    assert b"kept words" in data and record["01-a.html"] == ("fp1", recorded)
    page = '<article><h1 id="new">New</h1><p>fresh words</p></article>'
    # another fingerprint, or a record of the wrong shape (the cache is untrusted): parsed
    for previous in (
        {"01-a.html": ["fp0", recorded]},
        {"01-a.html": ["fp1", [{"anchor": 1, "title": "t", "text": "x"}]]},
        {"01-a.html": ["fp1", [{"anchor": "a", "title": "t", "text": "x", "more": ""}]]},
        {"01-a.html": ["fp1", "not a list"]},
        {"01-a.html": "fp1"},
    ):
        data, _ = search_index([("01-a.html", "fp1", "1 A", page)], previous)
        assert b"fresh words" in data and b"kept words" not in data


@pytest.mark.parametrize(
    "article",
    [
        "<p>Intro <b>bold</b> tail</p><h2>No id <a href='#x'>link</a> more</h2><p>After"
        "<script>var x</script> text.</p><h3 id='c'><span class='x secno'>2.1</span>"
        "</h3><nav>skip</nav><p>last</p>",
        "<h1 id='a'>A</h1><h2>B</h2>",  # empty sections keep their titles
        "<p>a \ue000 mark in the text</p><h2 id='m'>M</h2><p>x</p>",
        "<h2 id='n'>Out <h3 id='i'>in</h3> after</h2><p>y</p>",  # a heading in a heading
        "<ol class='notes'><li>Doe, <em>Title</em>, 4.<a href='#r1'>↩</a></li></ol>",
    ],
)
def test_search_sections_read_as_a_walk_over_every_element_reads_them(article: str) -> None:
    from dossier.render.search import _walked, sections

    fragment = f"<article>{article}</article>"
    assert sections(f"<main>{fragment}</main>") == _walked(fragment)


def test_the_timeline_is_a_list_of_linked_events() -> None:
    from dossier.render.timeline import draw
    from dossier.resolve.timeline import Timeline, TimelineEvent

    events = (
        TimelineEvent(1965, "Founded", ("smith2020",), 1),
        TimelineEvent(1981, "Exile", (), 5),
    )
    svg = draw(Timeline("data/t.toml", events), lambda key: f"#ref-{key}")
    assert 'role="img"' not in svg  # it would hide the links inside from assistive technology
    assert svg.count('<g role="listitem">') == 2 and 'role="list"' in svg
    assert '<a href="#ref-smith2020"><text class="tl-label"' in svg
    assert '<g aria-hidden="true">' in svg  # the axis and its years are decoration


def test_titles_are_what_a_reader_sees_not_markdown(make_project: Callable[..., Path]) -> None:
    """A heading's Markdown (emphasis, code, a link, straight quotes) is read for the
    contents, "On this page" and the page's <title>, as Pandoc's contents shows it."""
    root = make_project(
        {
            "dossier.toml": 'title = "T"\nchapters = ["chapters/01-a.md"]\n',
            "chapters/01-a.md": (
                '# The *MEK* and `code` in "exile"\n\n'
                "## The leaders' names [link](https://example.org)\n\nText [@smith2020].\n"
            ),
        }
    )
    site = _site(root)
    page = (site / "01-a.html").read_text(encoding="utf-8")
    index = (site / "index.html").read_text(encoding="utf-8")
    assert "<title>The MEK and code in “exile” · T</title>" in page
    assert "The leaders\u2019 names link</a>" in page  # On this page, a curly apostrophe
    assert "The MEK and code in “exile”</a>" in index
    for text in (page, index):
        assert "*MEK*" not in text and "`code`" not in text and "](https" not in text
