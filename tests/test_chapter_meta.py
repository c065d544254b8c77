"""A chapter's metadata (front matter and metadata blocks anywhere): every key kept as
plain data for the templates (`chapter.meta`), Pandoc's title block (subtitle,
authors, date, abstract) under the chapter's heading in the site and the PDF, and
`lang`/`dir` on the chapter. Metadata is text: never read as HTML or template code."""

from __future__ import annotations

import lxml.html
import pytest

from dossier.markdown import make_parser, parse_chapter
from dossier.markdown.chaptermeta import MAX_ITEMS
from dossier.read.scan import from_json, scan_chapter, to_json
from dossier.render.pdf import document as pdf_step

from .test_hostile_markup import judge

CHAPTER = """\
---
title: The founding years
subtitle: "Tehran, 1965"
author:
  - Ann Author
  - name: Bob Writer
    affiliation: Somewhere
date: 2024-05-01
keywords: [history, Iran]
lang: en-GB
custom:
  nested: [1, 2, {x: "<i>deep</i>"}]
---

# Origins

Text [@smith2020].

---
abstract: |
  A first paragraph,
  over two lines.

  A second one.
subtitle: "Tehran, 1965-1971"
...

More text.
"""


def parse(text: str):
    return parse_chapter(make_parser(), text, "chapters/01-a.md")


def test_every_key_is_kept_and_a_later_block_wins() -> None:
    chapter = parse(CHAPTER)
    assert chapter.diagnostics == ()
    assert chapter.front_matter == {
        "title": "The founding years",
        "subtitle": "Tehran, 1965-1971",
        "author": ["Ann Author", {"name": "Bob Writer", "affiliation": "Somewhere"}],
        "date": "2024-05-01",
        "keywords": ["history", "Iran"],
        "lang": "en-GB",
        "custom": {"nested": [1, 2, {"x": "<i>deep</i>"}]},
        "abstract": "A first paragraph,\nover two lines.\n\nA second one.\n",
    }


def test_keys_of_the_wrong_shape_are_warnings_and_dropped() -> None:
    chapter = parse(
        "---\nauthor: {bad: 1}\nlang: 'en x'\ndir: sideways\nsubtitle: [a, b]\nother: 1\n"
        "---\n\n# A\n"
    )
    assert [d.format() for d in chapter.diagnostics] == [
        "chapters/01-a.md:2: warning: front matter 'author' must be a name or a list of "
        "names; it is ignored [md.front-matter]",
        "chapters/01-a.md:2: warning: front matter 'lang' must be a language tag such as "
        "'fa' or 'en-GB'; it is ignored [md.front-matter]",
        "chapters/01-a.md:2: warning: front matter 'dir' must be 'ltr', 'rtl' or 'auto'; "
        "it is ignored [md.front-matter]",
        "chapters/01-a.md:2: warning: front matter 'subtitle' must be a string; it is "
        "ignored [md.front-matter]",
    ]
    assert chapter.front_matter == {"other": 1}


def test_an_alias_bomb_is_cut_with_a_warning() -> None:
    """YAML aliases share one list; copied out as plain data, eight levels of ten
    would be 10^8 values. Past MAX_ITEMS the rest is dropped."""
    levels = ["a: &a [x, x, x, x, x, x, x, x, x, x]"] + [
        f"{n}: &{n} [{', '.join([f'*{p}'] * 10)}]"
        for p, n in zip("abcdefg", "bcdefgh", strict=True)
    ]
    chapter = parse("---\n" + "\n".join(levels) + "\n---\n\n# A\n")
    assert [d.format() for d in chapter.diagnostics] == [
        "chapters/01-a.md:2: warning: front matter is too large: part of it is dropped "
        "[md.front-matter]"
    ]
    assert len(chapter.front_matter["a"]) == 10
    assert len(str(chapter.front_matter)) < 20 * MAX_ITEMS


def test_the_scan_record_keeps_the_metadata() -> None:
    scan = scan_chapter(parse(CHAPTER))
    back = from_json(to_json(scan), "chapters/01-a.md")
    assert back is not None and back.meta == scan.meta and '"lang":"en-GB"' in scan.meta
    damaged = {**to_json(scan), "meta": "[1]"}
    assert from_json(damaged, "chapters/01-a.md") is None


@pytest.fixture(scope="module")
def built(project_factory, build_project):
    root = project_factory(
        {"chapters/01-a.md": CHAPTER},
        name="meta",
    )
    captured: list[str] = []

    def fake_pdf(config, document, stage, name, progress=None):
        captured.append(document.html)
        (stage / name).write_bytes(b"%PDF-1.7\n")
        return [], {}

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(pdf_step, "render_pdf", fake_pdf)
        result = build_project(root, html=True, pdf=True)
    assert result.result.ok, [d.format() for d in result.result.diagnostics]
    page = (result.html / "01-a.html").read_text(encoding="utf-8")
    return page, captured[0]


def title_block(html_text: str, where: str) -> list[tuple[str, str]]:
    (header,) = lxml.html.fromstring(html_text).xpath(f"{where}//header[@class='title-block']")
    return [
        (el.get("class") or el.tag, " ".join(el.text_content().split()))
        for el in header.iterchildren()
    ]


SHOWN = [
    ("subtitle", "Tehran, 1965-1971"),
    ("author", "Ann Author"),
    ("author", "Bob Writer"),
    ("date", "2024-05-01"),
    ("abstract", "Abstract A first paragraph, over two lines. A second one."),
]


def test_the_site_shows_the_title_block_under_the_heading(built) -> None:
    page, _ = built
    assert title_block(page, "//article") == SHOWN
    (article,) = lxml.html.fromstring(page).xpath("//article")
    assert [el.tag for el in article.iterchildren()][:2] == ["h1", "header"]
    assert article.get("lang") == "en-GB"
    assert '<meta name="keywords" content="history, Iran">' in page


def test_the_print_document_shows_it_too(built) -> None:
    _, printed = built
    assert title_block(printed, "//section[@id='chapter-1']") == SHOWN
    (section,) = lxml.html.fromstring(printed).xpath("//section[@id='chapter-1']")
    assert section.get("lang") == "en-GB"


def test_templates_reach_every_key_as_escaped_text(run_cli, make_project) -> None:
    template = (
        '{% extends "base.html" %}{% block content %}'
        '<p id="from-meta">{{ chapter.meta.custom.nested[2].x }} '
        "{{ chapter.meta.author[1].affiliation }}</p>{{ body }}{% endblock %}"
    )
    root = make_project({"chapters/01-a.md": CHAPTER, "templates/chapter.html": template})
    code, err = run_cli(["build", "--html", "-q"], root)
    assert code == 0, err
    page = (root / "build" / "html" / "01-a.html").read_text(encoding="utf-8")
    assert '<p id="from-meta">&lt;i&gt;deep&lt;/i&gt; Somewhere</p>' in page


HOSTILE = """\
---
subtitle: "<script>alert('sub')</script> {{ 7*7 }} *not emphasis*"
author: ["<img src=x onerror=alert('au')>", {name: "<svg onload=alert(1)>"}]
date: "<iframe src=javascript:alert(1)></iframe>"
keywords: ["\\"><script>alert('kw')</script>"]
abstract: |
  <script>alert('abs')</script>

  [x](javascript:alert(1)) {% include 'x' %}
---

# A

Text [@smith2020].
"""


def test_metadata_is_never_markup(run_cli, make_project) -> None:
    root = make_project({"chapters/01-a.md": HOSTILE})
    code, err = run_cli(["build", "--html", "-q"], root)
    assert code == 0, err
    page = (root / "build" / "html" / "01-a.html").read_text(encoding="utf-8")
    assert judge(page).problems == []
    assert page.count("<script") == 1  # the theme's own
    assert '<meta name="keywords" content="&#34;&gt;&lt;script&gt;' in page
    assert title_block(page, "//article") == [
        ("subtitle", "<script>alert('sub')</script> {{ 7*7 }} *not emphasis*"),
        ("author", "<img src=x onerror=alert('au')>"),
        ("author", "<svg onload=alert(1)>"),
        ("date", "<iframe src=javascript:alert(1)></iframe>"),
        (
            "abstract",
            "Abstract <script>alert('abs')</script> [x](javascript:alert(1)) {% include 'x' %}",
        ),
    ]


@pytest.mark.parametrize(
    ("key", "value"),
    [("lang", "'en\" onmouseover=\"alert(1)'"), ("dir", "'rtl onclick=alert(1)'")],
)
def test_a_bad_lang_or_dir_never_reaches_the_page(run_cli, make_project, key, value) -> None:
    chapter = f"---\n{key}: {value}\n---\n\n# A\n\nT [@smith2020].\n"
    root = make_project({"chapters/01-a.md": chapter})
    code, err = run_cli(["build", "--html", "-q"], root)
    assert code == 0 and "[md.front-matter]" in err
    page = (root / "build" / "html" / "01-a.html").read_text(encoding="utf-8")
    (article,) = lxml.html.fromstring(page).xpath("//article")
    assert article.get(key) is None and "onmouseover" not in page and "onclick" not in page


@pytest.mark.parametrize(
    ("text", "before"),
    [
        (
            "<!-- c -->\n\n# Title\n\nText.\n\n# Later\n",
            ["heading_open", "inline", "heading_close"],
        ),
        ("## Intro\n\nText.\n\n# Later\n", []),
        ("", []),
    ],
)
def test_the_title_block_opens_the_chapter(text: str, before: list[str]) -> None:
    """Under the heading the chapter opens with, as Pandoc's template puts it under
    the title; never under a level-one heading further down."""
    tokens = [t for t in parse(f"---\nsubtitle: S\n---\n\n{text}").tokens if not t.hidden]
    assert [t.type for t in tokens][: len(before) + 1] == [*before, "title_block"]
