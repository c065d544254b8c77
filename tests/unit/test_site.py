"""dossier.render.site: the helpers of the site (its context, contents, back-links,
"Cite this dossier", sizes) and build_site's list of pages, their order and their
reuse, on a two-chapter dossier made in memory (no pandoc: citations formatted by hand)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from dossier.config import Config
from dossier.diagnostics import Location
from dossier.model import CiteItem, Cluster, Formatted, FormattedCitation, Heading
from dossier.read.scan import read_chapter
from dossier.render.bibpages import BACKLINKS_SHOWN
from dossier.render.site import (
    PdfLink,
    SiteInput,
    backlinks,
    build_site,
    cite_this,
    contents,
    human_size,
    site_backlinks,
    site_context,
    theme_fingerprint,
)
from dossier.resolve.collect import ChapterInfo, Collected, collect

CHAPTERS = {
    "chapters/01-a.md": "# Alpha\n\nText [@smith2020].\n\n## Sub {#sec-sub}\n\nMore.\n",
    "chapters/02-b.md": "# Beta\n\nSee @sec-sub and [@smith2020; @jones2019].\n",
}


def config(root: Path, **kw: object) -> Config:
    return Config(root, kw.pop("title", "T"), tuple(CHAPTERS), **kw)  # type: ignore[arg-type]


def site_input(root: Path, texts: dict[str, str] = CHAPTERS, order: bool = True) -> SiteInput:
    chapters = tuple(read_chapter(text, path)[0] for path, text in texts.items())
    collected, diags = collect([c.scan for c in chapters], ["smith2020", "jones2019"])
    assert diags == []
    formatted = Formatted(
        {c.id: FormattedCitation(f"(cite {c.id})") for c in collected.clusters},
        {"smith2020": "<p>Smith</p>", "jones2019": "<p>Jones</p>"},
        ("jones2019", "smith2020") if order else (),
    )
    return SiteInput(config(root), chapters, collected, formatted, {}, {})


def pager(page: bytes) -> tuple[str | None, str | None]:
    text = page.decode()
    prev = re.search(r'<a class="prev" rel="prev" href="([^"]*)"', text)
    nxt = re.search(r'<a class="next" rel="next" href="([^"]*)"', text)
    return (prev.group(1) if prev else None, nxt.group(1) if nxt else None)


# --- the small helpers ----------------------------------------------------------------------


def test_site_context(tmp_path: Path) -> None:
    assert site_context(config(tmp_path, subtitle="Sub", authors=("A", "B"))) == {
        "title": "T",
        "subtitle": "Sub",
        "authors": ("A", "B"),
        "date": "",
        "language": "en-US",
        "dir": "ltr",
        "description": "Sub by A, B",
    }
    persian = site_context(config(tmp_path, language="fa-IR"))
    assert (persian["dir"], persian["description"]) == ("rtl", "T")


def test_contents_lists_sections_of_levels_two_and_three() -> None:
    headings = tuple(
        Heading(level, f"h{level}", str(level), "", f"Heading {level}") for level in (1, 2, 3, 4)
    )
    chapter = ChapterInfo(3, "chapters/c.md", "03-c.html", "Gamma", headings, ())
    assert contents([chapter]) == [
        {
            "number": 3,
            "title": "Gamma",
            "page": "03-c.html",
            "sections": [
                {"level": 2, "id": "h2", "number": "2", "title": "Heading 2"},
                {"level": 3, "id": "h3", "number": "3", "title": "Heading 3"},
            ],
        }
    ]


@pytest.mark.parametrize(
    ("size", "shown"),
    [
        (0, "0 bytes"),
        (999, "999 bytes"),
        (1000, "1 KB"),
        (1499, "1 KB"),
        (999_499, "999 KB"),
        (999_999, "1.0 MB"),
        (1_000_000, "1.0 MB"),
        (3_449_999, "3.4 MB"),
        (12_000_000, "12.0 MB"),
    ],
)
def test_human_size(size: int, shown: str) -> None:
    assert human_size(size) == shown


def test_cite_this_with_the_least_there_is(tmp_path: Path) -> None:
    assert cite_this(config(tmp_path, title="Only {a} title")) == (
        "@book{dossier,\n  title = {Only (a) title},\n  langid = {en-US},\n}"
    )


def test_cite_this_with_everything(tmp_path: Path) -> None:
    cfg = config(
        tmp_path,
        subtitle="A {sub}",
        authors=("Jane van Dyke-Smith", "Bo {Bee}"),
        date="2024-05-01",
        language="de",
    )
    assert cite_this(cfg) == (
        "@book{dykesmith2024,\n"
        "  title = {T},\n"
        "  subtitle = {A (sub)},\n"
        "  author = {Jane van Dyke-Smith and Bo (Bee)},\n"
        "  year = {2024},\n"
        "  langid = {de},\n"
        "}"
    )


def test_cite_this_with_a_name_of_no_ascii_letters(tmp_path: Path) -> None:
    assert cite_this(config(tmp_path, authors=("مسعود رجوی",))).startswith("@book{dossier,")
    assert cite_this(config(tmp_path, authors=("Δ",), date="1999")).startswith("@book{1999,")


# --- back-links -----------------------------------------------------------------------------


def test_backlinks_for_the_site_and_for_print(tmp_path: Path) -> None:
    si = site_input(tmp_path)
    page_of = {c.path: c.page for c in si.collected.chapters}
    assert backlinks(si, page_of, "site") == {
        "smith2020": [
            {"href": "01-a.html#cite-c0", "label": "a", "where": "chapters/01-a.md:3:6"},
            {"href": "02-b.html#cite-c1", "label": "b", "where": "chapters/02-b.md:3:18"},
        ],
        "jones2019": [
            {"href": "02-b.html#cite-c1", "label": "a", "where": "chapters/02-b.md:3:18"}
        ],
    }
    assert [link["href"] for link in backlinks(si, page_of, "print")["smith2020"]] == [
        "#cite-c0",
        "#cite-c1",
    ]


def test_backlinks_past_the_alphabet_are_numbered(tmp_path: Path) -> None:
    clusters = tuple(
        Cluster(f"c{n}", "", (CiteItem("k"),), False, Location("a.md", n)) for n in range(28)
    )
    si = SiteInput(
        config(tmp_path), (), Collected((), clusters, citing={"k": clusters}), Formatted(), {}, {}
    )
    labels = [link["label"] for link in backlinks(si, {}, "site")["k"]]
    assert labels[:2] == ["a", "b"] and labels[25:] == ["z", "27", "28"]


def test_site_backlinks_are_grouped_by_chapter_and_fold(tmp_path: Path) -> None:
    si = site_input(tmp_path)
    page_of = {c.path: c.page for c in si.collected.chapters}
    grouped = site_backlinks(si.collected, page_of)
    assert grouped["smith2020"] == {
        "total": 2,
        "chapters": [
            {
                "number": 1,
                "title": "Alpha",
                "links": [
                    {
                        "href": "01-a.html#cite-c0",
                        "label": "1",
                        "name": "citation 1 in chapter 1, Alpha",
                    }
                ],
            },
            {
                "number": 2,
                "title": "Beta",
                "links": [
                    {
                        "href": "02-b.html#cite-c1",
                        "label": "1",
                        "name": "citation 1 in chapter 2, Beta",
                    }
                ],
            },
        ],
        "folded": False,
    }
    many = "# Many\n\n" + " ".join(["[@jones2019]"] * (BACKLINKS_SHOWN + 1)) + "\n"
    si = site_input(tmp_path, {**CHAPTERS, "chapters/02-b.md": many})
    assert site_backlinks(si.collected, page_of)["jones2019"]["folded"] is True


# --- the pages ------------------------------------------------------------------------------


def test_the_pages_and_their_order(tmp_path: Path) -> None:
    site = build_site(site_input(tmp_path))
    pages = ["index.html", "01-a.html", "02-b.html", "bibliography.html"]
    assert site.rendered == tuple(pages)
    assert sorted(site.fingerprints) == sorted(pages)
    # theme files and the search index carry a hash of their bytes in their names
    unhashed = [re.sub(r"\.[0-9a-f]{10}\.", ".", name) for name in site.files]
    assert all(n == u for n, u in zip(site.files, unhashed, strict=True) if n.endswith(".html"))
    assert sorted(unhashed) == sorted(
        [
            *pages,
            "assets/favicon.svg",
            "assets/minisearch.LICENSE.txt",
            "assets/minisearch.js",
            "assets/search-index.js",
            "assets/site.js",
            "assets/style.css",
        ]
    )
    assert [pager(site.files[p]) for p in pages] == [
        (None, "01-a.html"),
        ("index.html", "02-b.html"),
        ("01-a.html", "bibliography.html"),
        ("02-b.html", None),
    ]
    beta = site.files["02-b.html"].decode()
    assert '<a class="xref xref-sec" href="01-a.html#sec-sub">Section 1.1</a>' in beta
    assert '<a class="cite-anchor" id="cite-c1"></a>(cite c1)' in beta


def test_no_bibliography_page_without_entries(tmp_path: Path) -> None:
    site = build_site(site_input(tmp_path, order=False))
    assert site.rendered == ("index.html", "01-a.html", "02-b.html")
    assert pager(site.files["02-b.html"]) == ("01-a.html", None)


def test_the_pdf_link_and_its_size_on_the_title_page(tmp_path: Path) -> None:
    site = build_site(site_input(tmp_path), pdf=PdfLink("t.pdf", 205_607))
    index, chapter = site.files["index.html"].decode(), site.files["01-a.html"].decode()
    assert 'href="t.pdf"' in index and "206 KB" in index
    assert 'href="t.pdf"' in chapter and "206 KB" not in chapter


def test_unchanged_pages_are_reused_and_an_edit_renders_its_page_again(tmp_path: Path) -> None:
    first = build_site(site_input(tmp_path))

    def reuse(name: str, fingerprint: str) -> bytes | None:
        return first.files[name] if first.fingerprints[name] == fingerprint else None

    again = build_site(site_input(tmp_path), reuse=reuse)
    assert again.rendered == ()
    assert again.files == first.files
    edited = {**CHAPTERS, "chapters/01-a.md": CHAPTERS["chapters/01-a.md"] + "\nNew words.\n"}
    third = build_site(site_input(tmp_path, edited), reuse=reuse)
    assert third.rendered == ("01-a.html",)
    assert [n for n in first.fingerprints if first.fingerprints[n] != third.fingerprints[n]] == [
        "01-a.html"
    ]


def test_the_theme_fingerprint_follows_the_projects_templates(tmp_path: Path) -> None:
    plain = theme_fingerprint(tmp_path)
    assert theme_fingerprint(tmp_path) == plain
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates/style.css").write_text("body { color: red }\n")
    red = theme_fingerprint(tmp_path)
    (tmp_path / "templates/style.css").write_text("body { color: blue }\n")
    assert len({plain, red, theme_fingerprint(tmp_path)}) == 3
