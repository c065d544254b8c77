"""render.writer, render.notelist and render.placement: one tree, two writers."""

from __future__ import annotations

from dossier.model import Formatted, FormattedCitation
from dossier.model import tree as t
from dossier.read.scan import read_chapter
from dossier.render.context import RenderContext
from dossier.render.placement import place
from dossier.render.writer import render_chapter
from dossier.resolve.collect import collect
from tests.rendering import render_text


def test_footnotes_are_a_list_on_the_site_and_in_place_in_print() -> None:
    text = "# A\n\nText[^1] and more[^1].\n\n[^1]: The *note*.\n"
    site = render_text(text)
    assert '<a href="#fn1" class="footnote-ref" id="fnref1" role="doc-noteref">' in site
    assert 'id="fnref1:1"' in site  # the second reference to the same note
    assert site.endswith(
        '<li id="fn1" class="footnote-item"><p>The <em>note</em>. '
        '<a href="#fnref1" class="footnote-back" role="doc-backlink" '
        'aria-label="Back to the text">↩︎</a> <a href="#fnref1:1" class="footnote-back" '
        'role="doc-backlink" aria-label="Back to the text">↩︎</a></p>\n</li>\n</ol>\n'
        "</section>\n"
    )
    printed = render_text(text, "print")
    assert printed.count('<span class="footnote">The <em>note</em>.</span>') == 2
    assert "footnote-item" not in printed


def test_a_note_of_several_blocks_prints_its_paragraphs_on_lines() -> None:
    text = "# A\n\nText[^1].\n\n[^1]: One.\n\n    - two\n    - three\n"
    printed = render_text(text, "print")
    assert '<span class="footnote">One.<br>two<br>three</span>' in printed
    site = render_text(text)
    # the back link after a note's last block when it is not a paragraph
    assert '<li>three</li>\n</ul>\n <a href="#fnref1"' in site


def test_headings_figures_and_tables_take_what_resolving_decided() -> None:
    text = (
        "# One\n\n## Part {.unnumbered}\n\n## Two\n\n![Map](m.png){#fig-m}\n\n"
        "| a |\n|---|\n| 1 |\n\n: Values\n\nSee @fig-m and @tbl-1.\n"
    )
    html = render_text(text, images={"m.png": "media/m.png"})
    assert '<h1 id="one"><span class="secno">1</span> One</h1>' in html
    assert '<h2 class="unnumbered" id="part">Part</h2>' in html  # as written, then the id
    assert '<h2 id="two"><span class="secno">1.1</span> Two</h2>' in html
    assert '<figure id="fig-m">' in html and '"label">Figure 1:</span> Map' in html
    assert '<table id="tbl-1">' in html and '"label">Table 1:</span> Values' in html


def test_tight_list_text_then_a_block_starts_on_a_new_line() -> None:
    """markdown-it's layout, which the site was written with: kept byte for byte."""
    assert render_text("- a\n  - b\n- c\n") == (
        "<ul>\n<li>a\n<ul>\n<li>b</li>\n</ul>\n</li>\n<li>c</li>\n</ul>\n"
    )
    assert render_text("<!-- x -->\nText.\n") == "\n<p>Text.</p>\n"


def test_alignment_is_a_class_on_the_site_and_a_style_in_print() -> None:
    text = "| a |\n|--:|\n| 1 |\n"
    assert '<td class="align-right">\n1</td>' in render_text(text)
    assert '<td style="text-align:right">1</td>' in render_text(text, "print")


def test_links_between_chapters_and_to_files() -> None:
    pages = {"chapters/02-b.md": "02-b.html"}
    text = "[b](02-b.md#x) [w](https://example.org) [f](notes/secret.txt) [m](mailto:a@b.c)\n"
    site = render_text(text, pages=pages)
    printed = render_text(text, "print", pages=pages)
    assert '<a href="02-b.html#x">b</a>' in site and '<a href="#x">b</a>' in printed
    assert '<a href="https://example.org" rel="noopener">w</a>' in site
    assert "<a>f</a>" in printed  # WeasyPrint would make a file: URI of it
    assert '<a href="mailto:a@b.c">m</a>' in printed


def test_the_writers_never_change_the_tree() -> None:
    chapter, _ = read_chapter("# A\n\nText [@a], and more[^1].\n\n[^1]: N.\n", "chapters/a.md")
    doc = chapter.document()
    info = collect([chapter.scan], ["a"])[0].chapters[0]
    formatted = Formatted({"c0": FormattedCitation("", "Doe, <i>Title</i>.")}, note_style=True)
    before = repr(doc)
    for mode in ("site", "print", "site"):
        render_chapter(doc, info, RenderContext(mode, formatted, {}, {}, {}))
    assert repr(doc) == before


def test_note_citations_take_the_punctuation_before_their_marker() -> None:
    formatted = Formatted({"c0": FormattedCitation("", "Doe, <i>Title</i>.")}, note_style=True)
    chapter, _ = read_chapter("# A\n\nAs shown [@a], here. *Also [@a].*\n", "chapters/a.md")
    info = collect([chapter.scan], ["a"])[0].chapters[0]
    site = render_chapter(chapter.document(), info, RenderContext("site", formatted, {}, {}, {}))
    # "shown [@a]," prints "shown,¹": the space goes, the comma moves before the marker
    assert 'As shown,<a class="cite-anchor" id="cite-c0"></a>' in site
    assert '<a href="#note-c0" role="doc-noteref">1</a></sup> here.' in site
    para = chapter.document().blocks[1]
    assert isinstance(para, t.Para)
    placed, moved = place(para.children, formatted, lambda ref: f"c{ref}", in_note=False)
    assert moved == {} and placed != para.children  # the original children are intact
    assert t.Str("As shown [@a], here. ") not in para.children


def test_a_footnote_printed_at_each_reference_keeps_its_ids_unique() -> None:
    """In print a footnote's text stands at each reference to it; the citation's id,
    which the bibliography's back-link targets, only in the first (WeasyPrint reported
    'Anchor defined twice' before)."""
    formatted = Formatted({"c0": FormattedCitation('<span class="citation">(Doe 2001)</span>')})
    chapter, _ = read_chapter("# A\n\nOne[^n] and two[^n].\n\n[^n]: Cites [@doe].\n", "a.md")
    info = collect([chapter.scan], ["doe"])[0].chapters[0]
    printed = render_chapter(
        chapter.document(), info, RenderContext("print", formatted, {}, {}, {})
    )
    assert printed.count('<span class="footnote">Cites <span class="citation"') == 2
    assert printed.count('id="cite-c0"') == 1


def test_image_sizes_are_valid_html_on_the_site_and_as_written_in_print() -> None:
    images = {"m.png": "media/m.png"}
    text = "![a](m.png){width=62%} ![b](m.png){.wide width=300px height=2in}\n"
    site = render_text(text, images=images)
    assert '<img src="media/m.png" alt="a" class="width-60">' in site
    assert '<img src="media/m.png" alt="b" width="300" class="wide">' in site  # as written
    printed = render_text(text, "print", images=images)
    assert 'alt="a" width="62%"' in printed and 'height="2in"' in printed


def test_a_code_block_is_reachable_by_keyboard_on_the_site() -> None:
    assert render_text("```\nx\n```\n").startswith('<pre tabindex="0"><code>x')
    assert render_text("```\nx\n```\n", "print").startswith("<pre><code>x")
