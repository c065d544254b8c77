"""Whole builds: the HTML site, its links, figures and cross-references, atomic output,
the output-folder guard, images, the messy real-world project and timeline figures."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from dossier.markdown import make_parser, parse_chapter
from dossier.read.scan import scan_chapter
from dossier.render.assets import site_script
from dossier.resolve.collect import collect

EXTRA_PAGES = {"changes.html"}

TOML = """\
title = "Two Chapter Test"
subtitle = "A Subtitle"
authors = ["Ann Author", "Bob Writer"]
date = "2025-01-02"
csl = "apa"
chapters = ["chapters/01-first.md", "chapters/02-second.md"]
"""
FIRST = """\
# First Chapter {#sec-first}

Opening text citing [@smith2020, p. 4].[^n1]

## Background {#sec-background}

See @fig-dot, @tbl-data and @sec-second.

![A small dot](../img/dot.png){#fig-dot}

| Year | Volume |
|------|--------|
| 1990 | 12     |

Table: Annual volumes {#tbl-data}

## Method

More text.

[^n1]: The footnote text with @jones2019.
"""
SECOND = """\
# Second Chapter {#sec-second}

Back to @sec-background, @fig-dot and @tbl-data, citing @smith2020 again.

## Deep {#sec-deep}

See [@sec-first] and @sec-deep.
"""


def site_files(texts, **extra):
    return {
        "dossier.toml": TOML,
        "chapters/01-first.md": FIRST,
        "chapters/02-second.md": SECOND,
        "chapters/01-a.md": None,
        "img/dot.png": texts.png(),
        "references.bib": texts.smith + "\n" + texts.jones,
        **extra,
    }


@pytest.fixture(scope="module")
def site(project_factory, build_project, texts, load_site):
    root = project_factory(site_files(texts), name="site")
    built = build_project(root)
    assert [d.format() for d in built.result.diagnostics] == []
    return built, load_site(built.html)


def snapshot(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def main_text(page) -> str:
    """The <main> element of a site page (without the navigation around it)."""
    return page.text[page.text.index('<main id="dossier-main">') : page.text.index("</main>")]


def internal_link_problems(pages) -> list[str]:
    """Every relative href/src must name a file of the site and an id on that page."""
    problems = []
    for page in pages.values():
        for tag, attr, value in page.refs:
            parts = urlsplit(value)
            if parts.scheme in ("http", "https", "mailto"):
                continue
            if parts.scheme or parts.netloc or value.startswith("/"):
                problems.append(f"{page.name}: <{tag} {attr}={value!r}> is not relative")
                continue
            target = parts.path or page.name
            if target.endswith(".html"):
                if target not in pages:
                    problems.append(f"{page.name}: {value!r}: no page {target}")
                elif parts.fragment and parts.fragment not in pages[target].ids:
                    problems.append(f"{page.name}: {value!r}: no id {parts.fragment!r}")
    return problems


# --- the site ---------------------------------------------------------------------------


def test_site_files(site, texts):
    built, pages = site
    # besides the report's own pages, the site may hold the 'Sources and changes' page
    assert sorted(set(pages) - EXTRA_PAGES) == [
        "01-first.html",
        "02-second.html",
        "bibliography.html",
        "index.html",
    ]
    files = snapshot(built.html)
    # the theme's files are named by a hash of their bytes (render.assets)
    names = {re.sub(r"\.[0-9a-f]{10}\.", ".#.", f) for f in files}
    assert sorted(names - EXTRA_PAGES) == [
        "01-first.html",
        "02-second.html",
        "assets/favicon.#.svg",
        "assets/minisearch.#.js",
        "assets/minisearch.LICENSE.txt",
        "assets/search-index.#.js",
        "assets/site.#.js",
        "assets/style.#.css",
        "bibliography.html",
        "index.html",
        "media/img/dot.png",
    ]
    assert files["media/img/dot.png"] == texts.png()
    assert "html" in {p.name for p in (built.root / "build").iterdir()}
    assert not list((built.root / "build").rglob("*.pdf"))
    assert built.result.outputs == ("build/html/index.html",)


def test_index_page_lists_chapters_and_sections(site):
    _, pages = site
    index = pages["index.html"].text
    assert '<h1 class="title">Two Chapter Test</h1>' in index
    assert '<p class="subtitle">A Subtitle</p>' in index
    assert '<p class="authors">Ann Author, Bob Writer</p>' in index
    assert '<a href="01-first.html"><span class="secno">1</span> First Chapter</a>' in index
    assert '<a href="02-second.html"><span class="secno">2</span> Second Chapter</a>' in index
    assert (
        '<a href="01-first.html#sec-background"><span class="secno">1.1</span> Background</a>'
    ) in index
    assert '<a href="01-first.html#method"><span class="secno">1.2</span> Method</a>' in index
    assert '<li><a href="bibliography.html">Bibliography</a></li>' in index


def test_on_this_page_lists_the_sections_of_the_chapter(site):
    """In the sidebar on a wide screen, folded under the title on a phone (style.css
    shows one or the other); the contents list only the chapters."""
    _, pages = site
    page = pages["01-first.html"].text
    listed = (
        '<ol class="on-this-page"><li class="level2"><a href="#sec-background">'
        '<span class="secno">1.1</span> Background</a></li><li class="level2">'
        '<a href="#method"><span class="secno">1.2</span> Method</a></li></ol>'
    )
    side, main = page.split('<main id="dossier-main">')
    assert '<nav class="otp-side" aria-labelledby="dossier-otp-side">' in side
    assert listed in side and listed in main
    title = '<h1 id="sec-first"><span class="secno">1</span> First Chapter</h1>'
    assert main.index(title) < main.index('<details class="otp-fold"><summary>On this page')
    assert "01-first.html#sec-background" not in side  # no longer in the contents
    for other in ("index.html", "bibliography.html"):
        assert "On this page" not in pages[other].text


def test_headings_are_numbered(site):
    _, pages = site
    first, second = main_text(pages["01-first.html"]), main_text(pages["02-second.html"])
    assert '<h1 id="sec-first"><span class="secno">1</span> First Chapter</h1>' in first
    assert '<h2 id="sec-background"><span class="secno">1.1</span> Background</h2>' in first
    assert '<h2 id="method"><span class="secno">1.2</span> Method</h2>' in first
    assert '<h1 id="sec-second"><span class="secno">2</span> Second Chapter</h1>' in second
    assert '<h2 id="sec-deep"><span class="secno">2.1</span> Deep</h2>' in second


def test_cross_references_on_the_same_page(site):
    _, pages = site
    first = main_text(pages["01-first.html"])
    assert (
        'See <a class="xref xref-fig" href="#fig-dot">Figure 1</a>, '
        '<a class="xref xref-tbl" href="#tbl-data">Table 1</a> and '
        '<a class="xref xref-sec" href="02-second.html#sec-second">Chapter 2</a>.'
    ) in first
    second = main_text(pages["02-second.html"])
    assert '<a class="xref xref-sec" href="#sec-deep">Section 2.1</a>' in second


def test_cross_references_across_pages(site):
    _, pages = site
    second = main_text(pages["02-second.html"])
    assert (
        'Back to <a class="xref xref-sec" href="01-first.html#sec-background">Section 1.1'
        '</a>, <a class="xref xref-fig" href="01-first.html#fig-dot">Figure 1</a> and '
        '<a class="xref xref-tbl" href="01-first.html#tbl-data">Table 1</a>'
    ) in second
    assert 'See <a class="xref xref-sec" href="01-first.html#sec-first">Chapter 1</a> and' in second


def test_figure_and_table(site):
    _, pages = site
    first = main_text(pages["01-first.html"])
    assert (
        '<figure id="fig-dot">\n<img src="media/img/dot.png" alt="A small dot">'
        '<figcaption><span class="label">Figure 1:</span> A small dot</figcaption>\n'
        "</figure>"
    ) in first
    assert (
        '<table id="tbl-data">\n<caption><span class="label">Table 1:</span> Annual '
        "volumes</caption>"
    ) in first


def test_footnotes(site):
    _, pages = site
    first = main_text(pages["01-first.html"])
    # as Pandoc writes them: a superscript number, DPUB-ARIA roles, a Notes heading
    assert (
        '<a href="#fn1" class="footnote-ref" id="fnref1" role="doc-noteref"><sup>1</sup></a>'
    ) in first
    assert '<h2 class="footnotes-title">Notes</h2>' in first
    assert re.search(
        r'<li id="fn1" class="footnote-item"><p>The footnote text with .*'
        r'Jones \(<a href="bibliography.html#ref-jones2019" '
        r'role="doc-biblioref">2019</a>\)',
        first,
    )
    assert '<a href="#fnref1" class="footnote-back" role="doc-backlink"' in first


def test_citations_are_formatted_and_linked(site):
    _, pages = site
    first = main_text(pages["01-first.html"])
    second = main_text(pages["02-second.html"])
    assert (
        '(<a href="bibliography.html#ref-smith2020" role="doc-biblioref">Smith, 2020, p. 4</a>)'
    ) in first
    assert (
        'Smith (<a href="bibliography.html#ref-smith2020" role="doc-biblioref">2020</a>)' in second
    )
    for page in pages.values():
        assert 'class="citation unresolved"' not in page.text
        assert "???" not in page.text
    assert "cite-c0" in pages["01-first.html"].ids
    assert "cite-c1" in pages["01-first.html"].ids
    assert "cite-c2" in pages["02-second.html"].ids


def _entries(bibliography_html: str) -> dict[str, list[str]]:
    """ref-KEY -> the back-link hrefs of that entry."""
    out = {}
    for key, body in re.findall(
        r'<div class="csl-entry" id="ref-([^"]+)"[^>]*>(.*?)(?=<div class="csl-entry"|</article>)',
        bibliography_html,
        re.DOTALL,
    ):
        backlinks = re.search(r'<(p|details) class="backlinks"[^>]*>(.*?)</\1>', body, re.DOTALL)
        out[key] = re.findall(r'href="([^"]+)"', backlinks.group(2)) if backlinks else []
    return out


def test_bibliography_entries_link_back_to_every_citation(site):
    _, pages = site
    bib = pages["bibliography.html"]
    assert _entries(bib.text) == {
        "jones2019": ["01-first.html#cite-c1"],
        "smith2020": ["01-first.html#cite-c0", "02-second.html#cite-c2"],
    }
    assert "Smith, J. (2020). <em>A book about things</em>. Example Press." in bib.text
    for hrefs in _entries(bib.text).values():
        for href in hrefs:
            page, _, anchor = href.partition("#")
            assert anchor in pages[page].ids, href


def test_prev_and_next_links(site):
    _, pages = site

    def pager(name):
        nav = pages[name].text.split('<nav class="pager"', 1)[1].split("</nav>", 1)[0]
        return (
            re.findall(r'rel="prev" href="([^"]+)"', nav),
            re.findall(r'rel="next" href="([^"]+)"', nav),
        )

    assert pager("index.html") == ([], ["01-first.html"])
    assert pager("01-first.html") == (["index.html"], ["02-second.html"])
    assert pager("02-second.html") == (["01-first.html"], ["bibliography.html"])
    assert pager("bibliography.html") == (["02-second.html"], [])


def test_only_relative_links_and_no_external_requests(site):
    _, pages = site
    for page in pages.values():
        assert 'href="/' not in page.text
        assert 'src="/' not in page.text
        assert 'src="http' not in page.text
        assert "//" not in "".join(v for tag, _, v in page.refs if tag in ("link", "script"))
        for tag, _, value in page.refs:
            if tag in ("link", "script", "img", "iframe", "source", "video", "audio"):
                assert not urlsplit(value).scheme, (page.name, tag, value)
        # named by a hash of their content, so a cached copy never meets new pages
        assert [
            re.sub(r"\.[0-9a-f]{10}\.", ".#.", h)
            for h in re.findall(r'<link [^>]*href="([^"]+)"', page.text)
        ] == ["assets/style.#.css", "assets/favicon.#.svg"]
        assert re.findall(r'<script [^>]*src="([^"]+)"', page.text) == [site_script()]
    assert internal_link_problems(pages) == []


def test_no_chapter_bibliographies_by_default(site):
    _, pages = site
    for page in pages.values():
        assert "chapter-references" not in page.text


def test_chapter_bibliographies_option(make_project, build_project, texts, load_site):
    root = make_project(
        site_files(texts, **{"dossier.toml": TOML + "\n[html]\nchapter_bibliographies = true\n"})
    )
    built = build_project(root)
    assert [d.format() for d in built.result.diagnostics] == []
    pages = load_site(built.html)

    def chapter_refs(name):
        text = pages[name].text
        section = text.split('<section class="chapter-references">', 1)[1].split("</section>")[0]
        return re.findall(r'<div class="csl-entry">(.*?)</div>', section)

    assert chapter_refs("01-first.html") == [
        "Jones, B. (2019). An article on examples. <em>Journal of Examples</em>, <em>3</em>, "
        "1\u201310.",
        "Smith, J. (2020). <em>A book about things</em>. Example Press.",
    ]
    assert chapter_refs("02-second.html") == [
        "Smith, J. (2020). <em>A book about things</em>. Example Press."
    ]
    assert internal_link_problems(pages) == []


def test_output_option(run_cli, make_project):
    root = make_project()
    code, err = run_cli(["build", "--html", "-o", "site"], root)
    assert code == 0, err
    assert "wrote site/html/index.html" in err.splitlines()
    assert (root / "site" / "html" / "index.html").is_file()
    assert not (root / "build").exists()


# --- atomic output --------------------------------------------------------------------------


def _leftovers(root: Path) -> list[str]:
    return sorted(p.name for p in root.iterdir() if p.name.startswith(".build"))


def test_failed_build_leaves_the_previous_build_untouched(run_cli, make_project):
    root = make_project()
    assert run_cli(["build", "--html", "-q"], root) == (0, "")
    before = snapshot(root / "build")
    assert "html/index.html" in before
    (root / "references.bib").write_text(
        "@book{smith2020,\n  title = {Unclosed,\n", encoding="utf-8"
    )
    code, err = run_cli(["build", "--html"], root)
    assert code == 1
    assert "references.bib:1: error: cannot parse @book entry 'smith2020': " in err
    assert err.endswith("2 errors, 0 warnings\n")
    assert snapshot(root / "build") == before
    assert _leftovers(root) == []


def test_failure_after_staging_leaves_the_previous_build_untouched(
    run_cli, make_project, monkeypatch
):
    """The HTML is written to the stage, then the PDF step fails: nothing is swapped."""
    from dossier import limits

    monkeypatch.setattr(limits, "MIN_TIMEOUT_S", 0)  # a project may not ask for < 10 s
    root = make_project()
    assert run_cli(["build", "--html", "-q"], root) == (0, "")
    before = snapshot(root / "build")
    (root / "chapters" / "01-a.md").write_text(
        "# Changed\n\nNew text [@smith2020].\n", encoding="utf-8"
    )
    with (root / "dossier.toml").open("a", encoding="utf-8") as f:
        f.write("\n[pdf]\ntimeout = 0\n")
    code, err = run_cli(["build", "-q"], root)
    assert code == 1
    assert (
        "test-dossier.pdf: error: the PDF step took longer than 0 s and was stopped "
        "(raise [pdf] timeout in dossier.toml) [pdf.timeout]"
    ) in err.splitlines()
    assert snapshot(root / "build") == before
    assert _leftovers(root) == []


def test_successful_rebuild_replaces_the_output(run_cli, make_project):
    root = make_project()
    assert run_cli(["build", "--html", "-q"], root) == (0, "")
    stale = root / "build" / "html" / "stale.html"
    stale.write_text("old", encoding="utf-8")
    (root / "chapters" / "01-a.md").write_text(
        "# Renamed\n\nText [@smith2020].\n", encoding="utf-8"
    )
    assert run_cli(["build", "--html", "-q"], root) == (0, "")
    assert not stale.exists()
    assert "Renamed" in (root / "build" / "html" / "01-a.html").read_text(encoding="utf-8")
    assert _leftovers(root) == []


# --- the output folder guard -----------------------------------------------------------------


def test_output_folder_project_root_is_refused_in_config(run_cli, make_project, texts):
    root = make_project({"dossier.toml": texts.toml + 'output = "."\n'})
    before = snapshot(root)
    code, err = run_cli(["build", "--html", "-q"], root)
    assert code == 1
    assert err.splitlines() == [
        "dossier.toml:5: error: output folder '.' would overwrite the project or its inputs "
        "(use a dedicated folder such as 'build') [config.output]",
        "1 error, 0 warnings",
    ]
    assert snapshot(root) == before


@pytest.mark.parametrize("output", [".", "..", "chapters", "chapters/html", "sources", "./"])
def test_output_folder_holding_the_project_is_refused(run_cli, make_project, output):
    root = make_project({"sources/keep.txt": "archived"})
    before = snapshot(root.parent)
    code, err = run_cli(["build", "--html", "-q", "-o", output], root)
    assert code == 1
    assert err.splitlines() == [
        f"error: output folder '{output}' would overwrite the project or its inputs "
        "[config.output]",
        "1 error, 0 warnings",
    ]
    assert snapshot(root.parent) == before


@pytest.mark.parametrize("output", ["img", "references.bib"])
def test_output_folder_holding_inputs_is_refused(run_cli, make_project, texts, output):
    root = make_project(
        {
            "chapters/01-a.md": texts.chapter + "\n![A dot](../img/dot.png)\n",
            "img/dot.png": texts.png(),
        }
    )
    before = snapshot(root)
    code, err = run_cli(["build", "--html", "-q", "-o", output], root)
    assert snapshot(root) == before
    assert code == 1
    assert "[config.output]" in err


def test_html_only_build_does_not_import_weasyprint(make_project):
    root = make_project()
    code = (
        "import sys; from dossier.cli import main; "
        f"main(['build','--html','-q','-C',{str(root)!r}]); "
        "print('weasyprint' in sys.modules)"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=root,
        env=env,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "False\n"
    assert proc.stderr == ""
    assert (root / "build" / "html" / "index.html").is_file()


# --- images ---------------------------------------------------------------------------------


def test_remote_image_is_a_warning_and_never_fetched(run_cli, make_project, texts):
    root = make_project(
        {
            "chapters/01-a.md": texts.chapter
            + "\n![Remote](http://example.org/a.png)\n\nAnd inline "
            "![r2](https://example.org/b.png) too.\n"
        }
    )
    code, err = run_cli(["build", "--html", "-q"], root)
    assert code == 0
    assert err.splitlines() == [
        "chapters/01-a.md:5: warning: image 'http://example.org/a.png' is not a project file "
        "and is not shown (dossier never fetches from the network) (save the image in the "
        "project) [media.remote]",
        "chapters/01-a.md:7: warning: image 'https://example.org/b.png' is not a project file "
        "and is not shown (dossier never fetches from the network) (save the image in the "
        "project) [media.remote]",
        "0 errors, 2 warnings",
    ]
    page = (root / "build" / "html" / "01-a.html").read_text(encoding="utf-8")
    assert "example.org" not in page
    assert 'src="http' not in page
    assert '<span class="missing-image">[Remote]</span>' in page
    assert not (root / "build" / "html" / "media").exists()


def test_network_guard_is_active():
    """The autouse guard in conftest makes any in-process request fail the test."""
    with pytest.raises(AssertionError, match="network access attempted"):
        socket.create_connection(("192.0.2.1", 80), timeout=1)


@pytest.mark.parametrize(
    "src", ["../../etc/passwd", "/etc/passwd", "../../../x.png", "img/link.png"]
)
def test_image_outside_the_project_is_an_error(run_cli, make_project, texts, src):
    root = make_project({"chapters/01-a.md": texts.chapter + f"\n![x]({src})\n"})
    (root / "img").mkdir()
    (root / "img" / "link.png").symlink_to("/etc/passwd")
    code, err = run_cli(["check", "-q"], root)
    assert code == 1
    assert err.splitlines() == [
        f"chapters/01-a.md:5: error: image '{src}' is outside the project [media.outside]",
        "1 error, 0 warnings",
    ]


def test_missing_image_and_non_image(run_cli, make_project, texts):
    root = make_project(
        {"chapters/01-a.md": texts.chapter + "\n![x](img/none.png)\n\n![y](../references.bib)\n"}
    )
    code, err = run_cli(["check", "-q"], root)
    assert code == 1
    assert err.splitlines() == [
        "chapters/01-a.md:5: error: image 'img/none.png' not found [media.missing]",
        "chapters/01-a.md:7: error: '../references.bib' is not an image (.gif, .jpeg, .jpg, "
        ".png, .svg, .webp) [media.type]",
        "2 errors, 0 warnings",
    ]


def test_citation_in_a_figure_caption(run_cli, make_project, texts):
    root = make_project(
        {
            "chapters/01-a.md": texts.chapter + "\n![A dot, after [@smith2020]](../img/dot.png)\n",
            "img/dot.png": texts.png(),
        }
    )
    code, err = run_cli(["build", "--html", "-q"], root)
    assert code == 0, err
    page = (root / "build" / "html" / "01-a.html").read_text(encoding="utf-8")
    assert '<img src="media/img/dot.png" alt="A dot, after (Smith, 2020)">' in page
    assert (
        '<figcaption><span class="label">Figure 1:</span> A dot, after <span '
        'class="citation" id="cite-c1" data-cites="smith2020">(<a href='
        '"bibliography.html#ref-smith2020"' in page
    )


# --- numbering and identifiers (collect) ----------------------------------------------------


def _collect(*chapters: str):
    md = make_parser()
    scans = [
        scan_chapter(parse_chapter(md, text, f"chapters/0{n}-c.md"))
        for n, text in enumerate(chapters, 1)
    ]
    return collect(scans, ["smith2020"])


def test_numbering_of_sections_figures_and_tables():
    collected, diags = _collect(
        "# One\n\n## A {#sec-a}\n\n### A.1 {#sec-a1}\n\n## B {-}\n\n## C {#sec-c}\n\n"
        "![f](x.png){#fig-x}\n",
        "# Two {#sec-two}\n\n![g](y.png)\n\n| a |\n|---|\n| 1 |\n\nTable: t {#tbl-t}\n",
    )
    assert diags == []
    labels = {k: (t.label, t.page) for k, t in collected.targets.items()}
    assert labels == {
        "one": ("Chapter 1", "01-c.html"),
        "sec-a": ("Section 1.1", "01-c.html"),
        "sec-a1": ("Section 1.1.1", "01-c.html"),
        "b": ("B", "01-c.html"),
        "sec-c": ("Section 1.2", "01-c.html"),
        "fig-x": ("Figure 1", "01-c.html"),
        "sec-two": ("Chapter 2", "02-c.html"),
        "fig-2": ("Figure 2", "02-c.html"),
        "tbl-t": ("Table 1", "02-c.html"),
    }


def test_explicit_duplicate_id_is_an_error():
    _, diags = _collect("# One {#sec-x}\n\n## Two {#sec-x}\n")
    assert [d.format() for d in diags] == [
        "chapters/01-c.md:3: error: identifier 'sec-x' is used twice [xref.duplicate-id]"
    ]


def test_same_heading_text_in_two_chapters_is_fine():
    """Generated ids are made unique quietly; only ids the author wrote can clash."""
    collected, diags = _collect("# One\n\n## Background\n", "# Two\n\n## Background\n")
    assert diags == []
    ids = [h.id for c in collected.chapters for h in c.headings]
    assert ids[:3] == ["one", "background", "two"]
    assert len(set(ids)) == 4
    assert ids[3].startswith("background-")
    assert collected.targets[ids[3]].page == "02-c.html"


def test_unnumbered_chapter_heading():
    collected, _ = _collect("# Preface {.unnumbered}\n\nText.\n")
    assert collected.targets["preface"].label == "Preface"
    assert collected.chapters[0].headings[0].number == ""


# --- the messy real-world project ------------------------------------------------------------

MESSY_BIB = Path(__file__).resolve().parent / "roots" / "messy" / "references.bib"


def messy_keys() -> set[str]:
    text = MESSY_BIB.read_text(encoding="utf-8")
    return {
        m.group(2)
        for m in re.finditer(r"^@(\w+)\s*\{\s*([^,\s]+)\s*,", text, re.M)
        if m.group(1).lower() not in ("string", "comment", "preamble")
    }


def test_messy_project_builds_without_errors(messy_build):
    errors = [d.format() for d in messy_build.result.diagnostics if d.severity.value == "error"]
    assert errors == []
    assert messy_build.result.ok
    assert (messy_build.html / "index.html").is_file()


def test_messy_project_resolves_every_citation(messy_build, load_site):
    pages = load_site(messy_build.html)
    assert sorted(set(pages) - EXTRA_PAGES) == [
        "01-intro.html",
        "02-law.html",
        "03-practice.html",
        "bibliography.html",
        "index.html",
    ]
    clusters = messy_build.result.analysis.collected.clusters
    assert len(clusters) > 50
    for page in pages.values():
        assert 'class="citation unresolved"' not in page.text, page.name
        assert "???" not in page.text, page.name
        assert "??" not in main_text(page), page.name
    for cluster in clusters:
        page = next(
            c.page
            for c in messy_build.result.analysis.collected.chapters
            if c.path == cluster.location.path
        )
        assert f"cite-{cluster.id}" in pages[page].ids, (cluster.id, cluster.source)
    assert internal_link_problems(pages) == []


def test_messy_bibliography_has_all_33_entries(messy_build, load_site):
    keys = messy_keys()
    assert len(keys) == 33
    bib = load_site(messy_build.html)["bibliography.html"]
    entries = _entries(bib.text)
    assert len(entries) == 33
    assert set(entries) == keys
    for key, hrefs in entries.items():
        assert hrefs, f"{key} has no back-link"


# --- timeline figures ------------------------------------------------------------------------

TIMELINE = """\
[[event]]
year = 1990
label = "Start & growth"
cite = "smith2020"

[[event]]
year = 2001
label = "Middle"
cite = ["jones2019"]

[[event]]
year = 1995
label = "Uncited"
"""
TIMELINE_CHAPTER = """\
# Alpha

Text [@smith2020] and [@jones2019]; see @fig-timeline.

![Chronology](data/timeline.toml){#fig-timeline}
"""


def test_timeline_figure(run_cli, make_project, texts, load_site):
    root = make_project(
        {
            "chapters/01-a.md": TIMELINE_CHAPTER,
            "data/timeline.toml": TIMELINE,
            "references.bib": texts.smith + "\n" + texts.jones,
        }
    )
    code, err = run_cli(["build", "--html", "-q"], root)
    assert (code, err) == (0, "")
    pages = load_site(root / "build" / "html")
    page = main_text(pages["01-a.html"])
    assert '<a class="xref xref-fig" href="#fig-timeline">Figure 1</a>' in page
    figure = page.split('<figure id="fig-timeline">\n', 1)[1].split("</figure>", 1)[0]
    assert figure.startswith('<svg class="timeline" xmlns="http://www.w3.org/2000/svg"')
    assert figure.endswith(
        '</ol><figcaption><span class="label">Figure 1:</span> Chronology</figcaption>\n'
    )
    # for a phone: the events as a list of dated links (style.css shows it below 600 px)
    listed = figure.split('<ol class="timeline-list" aria-label="Timeline">\n', 1)[1]
    assert listed.splitlines()[:3] == [
        '<li><span class="tl-when">1990</span> '
        '<a href="bibliography.html#ref-smith2020">Start &amp; growth</a></li>',
        '<li><span class="tl-when">1995</span> Uncited</li>',
        '<li><span class="tl-when">2001</span> '
        '<a href="bibliography.html#ref-jones2019">Middle</a></li>',
    ]
    links = re.findall(r'<a href="([^"]+)"><text [^>]*>([^<]*)</text></a>', figure)
    assert links == [
        ("bibliography.html#ref-smith2020", "1990  Start &amp; growth"),
        ("bibliography.html#ref-jones2019", "2001  Middle"),
    ]
    assert re.search(r"<text [^>]*>1995  Uncited</text>", figure)
    assert "<img" not in figure
    assert internal_link_problems(pages) == []
    assert not (root / "build" / "html" / "media").exists()


def test_the_timeline_is_drawn_for_each_output() -> None:
    """The site draws the figure with links to the bibliography's pages and lists its
    events for phones; print links within the document and lays links over the labels."""
    from dossier.resolve.timeline import Timeline, TimelineEvent
    from tests.rendering import render_text

    events = (TimelineEvent(1990, "Start", ("smith2020",), 1),)
    figures = {"data/t.toml": Timeline("data/timeline.toml", events)}
    out = {
        mode: render_text(
            "![Chronology](data/t.toml){#fig-t}\n",
            mode,
            figures=figures,
            ref_pages={"smith2020": "bibliography-s.html"},
        )
        for mode in ("site", "print")
    }
    assert '<svg class="timeline"' in out["print"] and "timeline-list" not in out["print"]
    assert re.findall(r'href="([^"]*)"', out["print"]) == ["#ref-smith2020"] * 2
    assert '<span class="timeline-links"><svg' in out["print"]
    assert '<svg class="timeline"' in out["site"] and '<ol class="timeline-list"' in out["site"]
    assert re.findall(r'href="([^"]*)"', out["site"]) == ["bibliography-s.html#ref-smith2020"] * 2


def test_timeline_with_an_unknown_key_is_an_error(run_cli, make_project, texts):
    root = make_project(
        {
            "chapters/01-a.md": TIMELINE_CHAPTER,
            "data/timeline.toml": TIMELINE.replace('["jones2019"]', '["jones2019", "smiht2020"]'),
            "references.bib": texts.smith + "\n" + texts.jones,
        }
    )
    code, err = run_cli(["check", "-q"], root)
    assert code == 1
    assert err.splitlines() == [
        "data/timeline.toml:6: error: unknown citation key 'smiht2020' in event 2 "
        "(did you mean 'smith2020'?) [cite.unknown-key]",
        "1 error, 0 warnings",
    ]


def test_timeline_event_without_a_year_is_an_error(run_cli, make_project, texts):
    root = make_project(
        {
            "chapters/01-a.md": TIMELINE_CHAPTER,
            "data/timeline.toml": TIMELINE.replace("year = 2001\n", 'year = "2001"\n'),
            "references.bib": texts.smith + "\n" + texts.jones,
        }
    )
    code, err = run_cli(["check", "-q"], root)
    assert code == 1
    assert err.splitlines() == [
        "data/timeline.toml:6: error: event 2: 'year' must be an integer [timeline.field]",
        "1 error, 0 warnings",
    ]


def test_timeline_toml_syntax_error(run_cli, make_project, texts):
    root = make_project(
        {
            "chapters/01-a.md": TIMELINE_CHAPTER,
            "data/timeline.toml": "[[event]\n",
            "references.bib": texts.smith + "\n" + texts.jones,
        }
    )
    code, err = run_cli(["check", "-q"], root)
    assert code == 1
    assert err.splitlines() == [
        "data/timeline.toml:1:8: error: invalid TOML: Expected ']]' at the end of an array "
        "declaration [timeline.syntax]",
        "1 error, 0 warnings",
    ]


def test_timeline_events_that_are_not_tables(run_cli, make_project, texts):
    root = make_project(
        {
            "chapters/01-a.md": TIMELINE_CHAPTER,
            "data/timeline.toml": "event = [1990, 2001]\n",
            "references.bib": texts.smith + "\n" + texts.jones,
        }
    )
    code, err = run_cli(["check", "-q"], root)
    assert code == 1
    assert "internal error" not in err
    assert "[timeline." in err


def test_timeline_only_citation_is_in_the_bibliography(run_cli, make_project, texts, load_site):
    root = make_project(
        {
            "chapters/01-a.md": "# Alpha\n\nText [@smith2020].\n\n"
            "![Chronology](data/timeline.toml)\n",
            "data/timeline.toml": TIMELINE,
            "references.bib": texts.smith + "\n" + texts.jones,
        }
    )
    code, err = run_cli(["build", "--html", "-q"], root)
    assert (code, err) == (0, "")
    pages = load_site(root / "build" / "html")
    assert "ref-jones2019" in pages["bibliography.html"].ids
    assert internal_link_problems(pages) == []


def test_template_error_while_rendering_is_a_diagnostic(make_project, run_cli):
    root = make_project(
        {
            "templates/index.html": "{% extends 'base.html' %}"
            "{% block content %}{{ no_such.thing }}"
            "{% endblock %}\n"
        }
    )
    code, err = run_cli(["build", "--html"], root)
    assert code == 1
    assert "internal error" not in err and "Traceback" not in err
    assert "templates/index.html" in err and "[theme.render]" in err
    assert not (root / "build").exists()


def test_compiled_templates_are_kept_only_in_the_users_own_cache_folder(tmp_path, monkeypatch):
    """Compiled templates are code: they are kept under the user's cache folder (never the
    project or its build/), and a folder open to others is not used."""
    from dossier.render import theme

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    env = theme.environment(tmp_path)
    env.get_template("chapter.html")
    folder = next((tmp_path / "cache" / "dossier").glob("templates-*"))
    assert list(folder.iterdir())  # compiled once, loaded from there next time
    assert oct(folder.stat().st_mode & 0o777) == "0o700"
    assert theme.environment(tmp_path).get_template("chapter.html").render  # loads
    folder.chmod(0o777)
    assert theme.environment(tmp_path).bytecode_cache is None
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "file"))
    (tmp_path / "file").write_text("not a folder")
    assert theme.environment(tmp_path).bytecode_cache is None
