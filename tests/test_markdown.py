"""dossier.markdown: the Pandoc extensions a chapter is written in, token by token."""

from __future__ import annotations

import re

import pytest

from dossier.markdown import make_parser, parse_chapter
from dossier.markdown.citations import parse_bracketed
from dossier.markdown.walk import walk
from dossier.model import Formatted
from tests.rendering import render_text


def parse(text: str, path: str = "chapters/01-a.md"):
    return parse_chapter(make_parser(), text, path)


def refs(text: str) -> list[tuple[str, str, bool, bool, list[dict[str, object]]]]:
    """(type, source, narrative, in footnote, items) of every citation/xref token."""
    return [
        (t.type, t.content, t.meta["narrative"], in_note, t.meta["items"])
        for t, in_note in walk(parse(text).tokens)
        if t.type in ("citation", "xref")
    ]


def item(key: str, prefix: str = "", suffix: str = "", suppress: bool = False):
    return {"key": key, "prefix": prefix, "suffix": suffix, "suppress_author": suppress}


def render(text: str, images: dict[str, str] | None = None) -> str:
    """Site HTML of one chapter, without citations formatted."""
    return render_text(text, images=images)


# --- citations --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "source", "narrative", "items"),
    [
        ("Text [@key].", "[@key]", False, [item("key")]),
        ("Text [@key, p. 33].", "[@key, p. 33]", False, [item("key", suffix=", p. 33")]),
        ("Text [@key, pp. 3-5].", "[@key, pp. 3-5]", False, [item("key", suffix=", pp. 3-5")]),
        (
            "Text [see @a, ch. 2; @b, 45].",
            "[see @a, ch. 2; @b, 45]",
            False,
            [item("a", prefix="see", suffix=", ch. 2"), item("b", suffix=", 45")],
        ),
        (
            "Text [e.g., @a; also @b].",
            "[e.g., @a; also @b]",
            False,
            [item("a", prefix="e.g.,"), item("b", prefix="also")],
        ),
        ("As @key says.", "@key", True, [item("key")]),
        ("As @key [p. 7] says.", "@key [p. 7]", True, [item("key", suffix="p. 7")]),
        ("Said [-@key].", "[-@key]", False, [item("key", suppress=True)]),
        ("Said [-@key, 12].", "[-@key, 12]", False, [item("key", suffix=", 12", suppress=True)]),
        ("See @un:2018:report here.", "@un:2018:report", True, [item("un:2018:report")]),
        ("Field notes of @doe.2019.", "@doe.2019", True, [item("doe.2019")]),
        (
            "By @jva-tr-04 [pp. 12-14].",
            "@jva-tr-04 [pp. 12-14]",
            True,
            [item("jva-tr-04", suffix="pp. 12-14")],
        ),
        (
            "A @doi:10.5555/02508060 key.",
            "@doi:10.5555/02508060",
            True,
            [item("doi:10.5555/02508060")],
        ),
        ("By @{weird key} here.", "@{weird key}", True, [item("weird key")]),
        ("By [@{weird key}, 3].", "[@{weird key}, 3]", False, [item("weird key", suffix=", 3")]),
        ("See (@_under_score)", "@_under_score", True, [item("_under_score")]),
    ],
)
def test_citation_forms(text, source, narrative, items):
    assert refs(text) == [("citation", source, narrative, False, items)]


def test_citation_spanning_lines_is_one_cluster_at_its_first_line():
    chapter = parse("# A\n\nText [see @a,\np. 3; @b].\n")
    cites = [t for t, _ in walk(chapter.tokens) if t.type == "citation"]
    assert len(cites) == 1
    assert cites[0].content == "[see @a, p. 3; @b]"
    assert cites[0].meta["line0"] == 2
    assert [i["key"] for i in cites[0].meta["items"]] == ["a", "b"]


def test_line_of_a_citation_in_a_later_paragraph_line():
    chapter = parse("# A\n\nOne\ntwo\nthree @key four\n")
    cites = [t for t, _ in walk(chapter.tokens) if t.type == "citation"]
    assert [c.meta["line0"] for c in cites] == [4]


def test_citation_inside_a_footnote():
    assert refs("Text.[^1]\n\n[^1]: See [@fnkey, p. 2].\n") == [
        ("citation", "[@fnkey, p. 2]", False, True, [item("fnkey", suffix=", p. 2")])
    ]


def test_citation_inside_an_inline_footnote():
    assert refs("Text.^[See @inl.]\n") == [("citation", "@inl", True, True, [item("inl")])]


@pytest.mark.parametrize(
    "text",
    [
        "Write to team@example.org today.",
        "Write to first.last+tag@example.org.",
        "Write to <team@example.org>.",
        "A [link](http://x) here.",
        "A [link with text](http://example.org/@user) here.",
        "A [reference link][ref].\n\n[ref]: http://example.org",
        "Code `@key` is code.",
        "```\n[@key]\n```",
        "A price [in brackets] and [more; text].",
        "An escaped \\@key.",
    ],
)
def test_not_a_citation(text):
    assert refs(text) == []


def test_email_is_rendered_as_text():
    assert (
        render("Write to team@example.org today.\n") == "<p>Write to team@example.org today.</p>\n"
    )


def test_link_is_rendered_as_a_link():
    assert (
        render("A [link](http://x) here.\n")
        == '<p>A <a href="http://x" rel="noopener">link</a> here.</p>\n'
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("See @sec-intro.", [("xref", "@sec-intro", True, False, [item("sec-intro")])]),
        (
            "See [@fig-map; @tbl-data].",
            [("xref", "[@fig-map; @tbl-data]", False, False, [item("fig-map"), item("tbl-data")])],
        ),
        (
            "See [ch. @sec-law].",
            [("xref", "[ch. @sec-law]", False, False, [item("sec-law", prefix="ch.")])],
        ),
        # a bracket mixing a citation and a cross-reference is neither
        (
            "See [@sec-law; @smith2020].",
            [
                ("xref", "@sec-law", True, False, [item("sec-law")]),
                ("citation", "@smith2020", True, False, [item("smith2020")]),
            ],
        ),
        # 'section' is not a cross-reference kind: a citation key
        (
            "See @secretary-report.",
            [("citation", "@secretary-report", True, False, [item("secretary-report")])],
        ),
    ],
)
def test_cross_references(text, expected):
    assert refs(text) == expected


def test_parse_bracketed_rejects_text_without_keys():
    assert parse_bracketed("just words") is None
    assert parse_bracketed("see @a; and words") is None


# --- block extensions ---------------------------------------------------------------------


def test_heading_attributes():
    chapter = parse("# Title {#sec-id .unnumbered}\n\n## Sub {-}\n\n## Plain\n")
    headings = [
        (t.attrs, chapter.tokens[i + 1].content)
        for i, t in enumerate(chapter.tokens)
        if t.type == "heading_open"
    ]
    assert headings == [
        ({"id": "sec-id", "class": "unnumbered"}, "Title"),
        ({"class": "unnumbered"}, "Sub"),
        ({}, "Plain"),
    ]


def test_heading_attributes_render():
    assert render("## Title {#sec-id .extra}\n") == (
        '<h2 id="sec-id" class="extra"><span class="secno">1.1</span> Title</h2>\n'
    )


def test_fenced_div_with_a_name():
    assert (
        render("::: note\nHello *there*.\n:::\n")
        == '<div class="note">\n<p>Hello <em>there</em>.</p>\n</div>\n'
    )


def test_fenced_div_with_attributes_nested():
    text = "::: {#box .warning .wide}\nOuter\n\n:::: inner\nInner\n::::\n\nAfter\n:::\n\nOut\n"
    assert render(text) == (
        '<div id="box" class="warning wide">\n<p>Outer</p>\n'
        '<div class="inner">\n<p>Inner</p>\n</div>\n<p>After</p>\n'
        "</div>\n<p>Out</p>\n"
    )
    assert parse(text).diagnostics == ()


def test_unclosed_fenced_div_is_a_warning():
    chapter = parse("# A\n\n::: note\nNever closed.\n")
    assert [d.format() for d in chapter.diagnostics] == [
        "chapters/01-a.md:3:1: warning: fenced div is never closed with ':::' [md.unclosed-div]"
    ]


TABLE = "| a | b |\n|---|---|\n| 1 | 2 |\n"
# on the site a table scrolls sideways in a region a keyboard can reach
CAPTIONED = (
    '<div class="table-wrap" tabindex="0" role="region" aria-label="Table 1">'
    '<table id="{id}">\n<caption><span class="label">Table 1:</span> {caption}</caption>\n'
    "<thead>\n<tr>\n<th>a</th>\n<th>b</th>\n</tr>\n</thead>\n<tbody>\n<tr>\n"
    "<td>1</td>\n<td>2</td>\n</tr>\n</tbody>\n</table>\n</div>\n"
)


@pytest.mark.parametrize(
    "text",
    [
        TABLE + "\nTable: Water use {#tbl-x}\n",
        "Table: Water use {#tbl-x}\n\n" + TABLE,
        TABLE + "\n: Water use {#tbl-x}\n",
    ],
)
def test_table_caption_after_or_before(text):
    chapter = parse(text)
    table = next(t for t in chapter.tokens if t.type == "table_open")
    assert table.attrs == {"id": "tbl-x"}
    assert table.meta == {"captioned": True}
    assert [t.type for t in chapter.tokens].count("paragraph_open") == 0
    assert render(text) == CAPTIONED.format(id="tbl-x", caption="Water use")


def test_table_without_caption_is_not_captioned():
    chapter = parse(TABLE + "\nA paragraph.\n")
    table = next(t for t in chapter.tokens if t.type == "table_open")
    assert not (table.meta or {}).get("captioned")
    assert "caption" not in render(TABLE + "\nA paragraph.\n")


def test_image_alone_in_paragraph_is_a_figure():
    chapter = parse("![A map of the basin](img/map.png){#fig-map width=300}\n")
    assert [t.type for t in chapter.tokens] == ["figure_open", "inline", "figure_close"]
    figure = chapter.tokens[0]
    assert figure.attrs == {"id": "fig-map"}
    assert figure.meta["image"].attrs == {"src": "img/map.png", "alt": "", "width": "300"}
    html = render(
        "![A map of the basin](img/map.png){#fig-map width=300}\n",
        {"img/map.png": "media/img/map.png"},
    )
    assert html == (
        '<figure id="fig-map">\n<img src="media/img/map.png" '
        'alt="A map of the basin" width="300"><figcaption><span class="label">Figure 1:'
        "</span> A map of the basin</figcaption>\n</figure>\n"
    )


def test_image_inside_text_is_not_a_figure():
    chapter = parse("Text ![icon](img/i.png) inline.\n")
    assert "figure_open" not in [t.type for t in chapter.tokens]
    assert (
        render("Text ![icon](img/i.png) inline.\n", {"img/i.png": "media/img/i.png"})
        == '<p>Text <img src="media/img/i.png" alt="icon"> inline.</p>\n'
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "\"Double\" and 'single' quotes",
            "<p>\u201cDouble\u201d and \u2018single\u2019 quotes</p>\n",
        ),
        ("pages 3--5, a dash --- here...", "<p>pages 3\u20135, a dash \u2014 here\u2026</p>\n"),
        ("it's", "<p>it\u2019s</p>\n"),
        # Pandoc's smart extension does not make (c), (tm) or +- into symbols
        ("So (c) (tm) +-", "<p>So (c) (tm) +-</p>\n"),  # at a line start, (c) is a list
        ("a ---- b", "<p>a \u2014- b</p>\n"),  # as pandoc: greedy, em dash then hyphen
        ("`a -- b`", "<p><code>a -- b</code></p>\n"),
    ],
)
def test_smart_punctuation(text, expected):
    assert render(text + "\n") == expected


def test_dashes_in_link_urls_are_kept():
    html = render("See [the page](http://example.org/a--b---c...) -- here.\n")
    assert html == (
        '<p>See <a href="http://example.org/a--b---c..." rel="noopener">the page'
        "</a> \u2013 here.</p>\n"
    )


def test_raw_html_is_escaped():
    html = render(
        '<script>alert(1)</script>\n\nInline <img src=x onerror="alert(1)"> and <b>bold</b>.\n'
    )
    assert "<script" not in html
    assert "<img" not in html
    assert "<b>" not in html
    assert html == (
        "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>\n"
        "<p>Inline &lt;img src=x onerror=\u201calert(1)\u201d&gt; and "
        "&lt;b&gt;bold&lt;/b&gt;.</p>\n"
    )


_TAG_WITH_HANDLER = re.compile(r"<[a-z][^>]*\son\w+\s*=", re.I)


@pytest.mark.parametrize(
    "text",
    [
        "[link](http://x){onclick=alert(1)}\n",
        '[link](http://x){onclick="alert(1)"}\n',
        "## Heading {#h onclick=alert(1)}\n",
        '## Heading {#h onmouseover="alert(1)" .c}\n',
        '::: {#d onclick="alert(1)"}\nText\n:::\n',
        '![i](a.png){onclick="alert(1)" width=20}\n',
        'Text [span]{onclick="alert(1)"} here.\n',
        '*em*{onclick="alert(1)"}\n',
    ],
)
def test_event_handler_attributes_are_dropped(text):
    html = render(text, {"a.png": "media/a.png"})
    assert not _TAG_WITH_HANDLER.search(html), html
    assert "javascript:" not in html


def test_allowed_attributes_are_kept():
    html = render("[link](http://x){#l .c}\n")
    assert html == '<p><a href="http://x" id="l" class="c" rel="noopener">link</a></p>\n'


def test_front_matter_title():
    chapter = parse("---\ntitle: From Front Matter\n---\n\nText.\n")
    assert chapter.front_matter == {"title": "From Front Matter"}
    assert chapter.diagnostics == ()


def test_front_matter_keeps_other_keys_for_the_templates():
    chapter = parse("---\ntitle: T\nauthor: X\nown: {a: 1}\n---\n\nText.\n")
    assert chapter.front_matter == {"title": "T", "author": "X", "own": {"a": 1}}
    assert chapter.diagnostics == ()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a: " + "[" * 3000 + "]" * 3000, "error: front matter is nested too deeply"),
        ("\n".join(f"k{i}: {{a: 1}}" for i in range(6000)), "warning: front matter over 64 KiB"),
    ],
)
def test_hostile_front_matter_is_a_diagnostic(text: str, message: str) -> None:
    """PyYAML ran out of stack on `[[[[...` (a traceback); over 64 KiB was silent."""
    chapter = parse(f"---\n{text}\n---\n\n# A\n")
    assert [d.format()[: len(message) + 20] for d in chapter.diagnostics] == [
        f"chapters/01-a.md:2: {message}"
    ]
    assert chapter.front_matter == {}


def test_a_link_between_chapters_is_a_page_on_the_site_and_an_anchor_in_print() -> None:
    """The site and the print document are written from one tree, one after the other:
    a link to another chapter is that chapter's page on the site and an anchor in print,
    whichever is written first, and the tree is left as it was."""
    from dossier.read.scan import read_chapter
    from dossier.render.context import RenderContext
    from dossier.render.writer import render_chapter
    from dossier.resolve.collect import collect

    chapter, _ = read_chapter(
        "See [there](02-b.md#sec-x) and [web](https://example.org).\n", "chapters/01-a.md"
    )
    doc = chapter.document()
    info = collect([chapter.scan], [])[0].chapters[0]
    pages = {"chapters/02-b.md": "02-b.html"}
    printed = render_chapter(doc, info, RenderContext("print", Formatted(), {}, pages, {}))
    site = render_chapter(doc, info, RenderContext("site", Formatted(), {}, pages, {}))
    assert 'href="02-b.html#sec-x"' in site
    assert 'href="#sec-x"' in printed
    assert chapter.document() == doc
