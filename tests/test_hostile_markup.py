"""Hostile markup: raw HTML, script URLs and template syntax in every input (chapters,
front matter, BibTeX, file names, dossier.toml, templates) never become active content
in the site or the print HTML; raw HTML and refused links are reported at file:line."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

import hypothesis
import pytest

from dossier.markdown.transforms import url_problem
from dossier.render.assets import site_script
from dossier.render.pdf import document as pdf_step
from dossier.sanitize import clean_fragment as safe_html

MAIN = '<main id="dossier-main">'

# --- an independent judge of built HTML -------------------------------------------------

ACTIVE_TAGS = {
    "script",
    "base",
    "iframe",
    "object",
    "embed",
    "form",
    "frame",
    "frameset",
    "applet",
    "portal",
}
URL_ATTRS = {"href", "src", "action", "formaction", "xlink:href", "srcset", "poster", "data"}


def dangerous(url: str) -> bool:
    """Would a browser run or render this URL as a document? Entities are already
    decoded by the parser; percent-escapes, whitespace and control characters are
    undone here as generously as any browser could."""
    for _ in range(4):
        url = html.unescape(unquote(url))
    plain = re.sub(r"[\x00-\x20\x7f-\x9f\u200b-\u200f\ufeff]", "", url).lower()
    return plain.startswith(
        (
            "javascript:",
            "vbscript:",
            "data:text/html",
            "data:image/svg",
            "data:application",
            "file:",
        )
    )


@dataclass
class Findings:
    problems: list[str] = field(default_factory=list)
    text: list[str] = field(default_factory=list)


class Judge(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found = Findings()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "script" and values.get("src") != site_script():
            self.found.problems.append(f"<script {values}>")
        elif tag in ACTIVE_TAGS - {"script"}:
            self.found.problems.append(f"<{tag}>")
        elif tag == "meta" and "refresh" in values.get("http-equiv", "").lower():
            self.found.problems.append("<meta refresh>")
        for name, value in values.items():
            if name.startswith("on"):
                self.found.problems.append(f"<{tag} {name}=...>")
            if name in URL_ATTRS and dangerous(value):
                self.found.problems.append(f"<{tag} {name}={value!r}>")
            if name == "rel" and "attachment" in value.lower():
                self.found.problems.append(f"<{tag} rel=attachment>")

    handle_startendtag = handle_starttag

    def handle_data(self, data: str) -> None:
        self.found.text.append(data)


def judge(page: str) -> Findings:
    reader = Judge()
    reader.feed(page)
    reader.close()
    return reader.found


# --- one hostile project, built once (site and print HTML) ------------------------------

TOML = """\
title = "Hostile {{ 7*7 }} <script>alert('title')</script>"
subtitle = "<img src=x onerror=alert('subtitle')> {% include 'x' %}"
authors = ["<svg onload=alert('author')>", "Eve {# c #}"]
csl = "chicago-note-bibliography"
chapters = ["chapters/01-<b>{{ 7*7 }}.md", "chapters/02-b.md"]
"""
CHAPTER = """\
---
title: "Front <script>alert('fm')</script> {{ 7*7 }}"
subtitle: "Sub <script>alert('sub')</script> {{ 7*7 }}"
author: ["<img src=x onerror=alert('au')>", {name: "<svg onload=alert('au2')>"}]
abstract: "<iframe src=javascript:alert('abs')></iframe>"
keywords: ["\\"><script>alert('kw')</script>"]
own: {deep: ["<script>alert('own')</script>"]}
---

# Heading <img src=x onerror=alert(1)> {#sec-h .c onclick=alert(2)}

Inline <script>alert(3)</script>, <img src=x onerror=alert(4)>, <iframe src="javascript:alert(5)">
and {{ 7*7 }} {% include 'x' %} {# comment #} citing [@smith2020].

<base href="http://evil.example/">
<meta http-equiv="refresh" content="0;url=javascript:alert(6)">
<style>body{background:url(javascript:alert(7))}</style>
<svg onload=alert(8)></svg><object data="x.swf"></object><embed src="x">
<form action="javascript:alert(9)"><button formaction="javascript:alert(10)">

<div onclick="alert(11)">
block <script>alert(12)</script>
</div>

## Sub {#a"onmouseover="alert(13) .x"onclick="alert(14)}

[a](javascript:alert(1)) [b](JaVaScRiPt:alert(1)) [c]( javascript:alert(1))
[d](jav&#x09;ascript:alert(1)) [e](&#106;avascript:alert(1)) [f](vbscript:msgbox(1))
[g](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==) [h](javascript%3Aalert(1))
[i](&#x6A;&#x61;vascript:alert(1)) [j](\\x01javascript:alert(1)) <javascript:alert(1)>
[k](https://example.org/ "t\\"onmouseover=alert(1)") [l](java&#10;script:alert(1))

![Caption <script>alert(15)</script> {{ 7*7 }} [x](javascript:alert(16))](javascript:alert(17))

| <script>alert(18)</script> | [y](javascript:alert(19)) |
|---|---|
| {{ 7*7 }} <img src=x onerror=alert(20)> | <iframe srcdoc="<script>alert(21)</script>"> |

Text[^n] and ^[inline <script>alert(22)</script> {{ 7*7 }}].

[^n]: Note <script>alert(23)</script> [z](javascript:alert(24)) {{ 7*7 }}

::: {#div-x .note onclick=alert(25)}
Inside a div.
:::
"""
CHAPTER2 = "# Second\n\nMore [@jones2019] {{ 7*7 }}.\n"
BIB = r"""@book{smith2020,
  author    = {Smith, <script>alert('author')</script>},
  title     = {A Book <img src=x onerror=alert('title')> \{\{ 7*7 \}\}
               \href{javascript:alert(1)}{clickme}},
  year      = {2020},
  publisher = {Example Press},
  url       = {javascript:alert('url')},
  note      = {<iframe src=javascript:alert('note')></iframe>
               <a rel="attachment" href="/etc/passwd">x</a>},
}
@article{jones2019,
  author  = {Jones, Bob},
  title   = {An Article},
  journal = {Journal <svg onload=alert(1)>},
  year    = {2019},
  url     = {JaVa&#x09;Script:alert('url2')},
  doi     = {10.1000/"onmouseover=alert(1)},
}
"""
CH1 = "chapters/01-<b>{{ 7*7 }}.md"


@pytest.fixture(scope="module")
def hostile(project_factory, build_project):
    root = project_factory(
        {
            "dossier.toml": TOML,
            "chapters/01-a.md": None,
            CH1: CHAPTER,
            "chapters/02-b.md": CHAPTER2,
            "references.bib": BIB,
        },
        name="hostile",
    )
    captured: list[str] = []

    def fake_pdf(config, document, stage, name, progress=None):
        captured.append(document.html)
        (stage / name).write_bytes(b"%PDF-1.7\n")
        return [], {}

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(pdf_step, "render_pdf", fake_pdf)
        built = build_project(root, html=True, pdf=True)
    assert built.result.ok, [d.format() for d in built.result.diagnostics]
    assert len(captured) == 1
    return built, captured[0]


def test_the_hostile_project_builds(hostile):
    built, _ = hostile
    assert set(p.name for p in built.html.glob("*.html")) >= {
        "index.html",
        "01-b-77.html",
        "02-b.html",
        "bibliography.html",
    }


def test_site_has_no_active_content(hostile):
    built, _ = hostile
    pages = sorted(built.html.glob("*.html"))
    assert pages
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert judge(text).problems == [], page.name
        assert text.count("<script") == 1 and f'<script src="{site_script()}"' in text


def test_print_html_has_no_active_content(hostile):
    _, printed = hostile
    assert judge(printed).problems == []
    assert "<script" not in printed


@pytest.mark.parametrize("page", ["index.html", "01-b-77.html", "02-b.html", "bibliography.html"])
def test_template_syntax_in_inputs_stays_literal(hostile, page):
    built, _ = hostile
    text = "".join(judge((built.html / page).read_text(encoding="utf-8")).text)
    assert "{{ 7*7 }}" in text
    assert "49" not in text


def test_template_syntax_everywhere_in_the_chapter_and_print(hostile):
    built, printed = hostile
    text = "".join(judge((built.html / "01-b-77.html").read_text(encoding="utf-8")).text)
    for literal in (
        "{% include \u2018x\u2019 %}",
        "{# comment #}",
        "Front <script>alert('fm')</script>",
        "Hostile {{ 7*7 }} <script>alert('title')</script>",
        "Sub <script>alert('sub')</script> {{ 7*7 }}",
        "<img src=x onerror=alert('au')>",
        "<iframe src=javascript:alert('abs')></iframe>",
    ):
        assert literal in text
    printed_text = "".join(judge(printed).text)
    assert "Sub <script>alert('sub')</script> {{ 7*7 }}" in printed_text
    assert "{{ 7*7 }}" in printed_text and "49" not in printed_text
    assert "<svg onload=alert('author')>, Eve {# c #}" in printed_text


def test_raw_html_is_shown_as_text(hostile):
    built, _ = hostile
    text = "".join(judge((built.html / "01-b-77.html").read_text(encoding="utf-8")).text)
    assert "<script>alert(3)</script>" in text
    assert "<div onclick=“alert(11)”>" in text
    assert "Note <script>alert(23)</script>" in text


def test_bibtex_fields_are_inert(hostile):
    built, printed = hostile
    page = (built.html / "bibliography.html").read_text(encoding="utf-8")
    text = "".join(judge(page).text)
    assert "Smith, <script>alert(\u2019author\u2019)</script>" in text
    assert "A Book <Img Src=x Onerror=alert(\u2019title\u2019)>" in text
    assert "{{ 7*7 }}" in text
    for html_text in (page, printed):
        assert judge(html_text).problems == []
        assert 'href="javascript' not in html_text.lower()
        assert "<a>javascript:alert('url')</a>" in html_text


def test_link_titles_and_heading_attributes_are_escaped(hostile):
    built, _ = hostile
    page = (built.html / "01-b-77.html").read_text(encoding="utf-8")
    assert 'title="t&quot;onmouseover=alert(1)"' in page
    assert 'onmouseover="alert' not in page and "onclick=" not in page.replace("onclick=“", "")


# --- diagnostics: where raw HTML and refused links are --------------------------------


def test_raw_html_warnings_point_at_each_line(run_cli, make_project, texts):
    root = make_project(
        {
            "chapters/01-a.md": texts.chapter
            + (
                "\nA <b onclick=x>bold</b> word.\n\n<script>\nalert(1)\n</script>\n\n"
                "Code `<script>` and \\<b> are fine; so is &lt;i&gt;.\n\n"
                "| <img src=x onerror=y> |\n|---|\n| ok |\n"
            )
        }
    )
    code, err = run_cli(["check", "-q"], root)
    assert code == 0
    hint = "(write it in Markdown, or remove it) [md.raw-html]"
    assert err.splitlines() == [
        f"chapters/01-a.md:5:3: warning: raw HTML '<b onclick=x>' is shown as text, not "
        f"passed through {hint}",
        f"chapters/01-a.md:7:1: warning: raw HTML '<script>' is shown as text, not passed "
        f"through {hint}",
        f"chapters/01-a.md:9:1: warning: raw HTML '</script>' is shown as text, not passed "
        f"through {hint}",
        f"chapters/01-a.md:13:3: warning: raw HTML '<img src=x onerror=y>' is shown as text, "
        f"not passed through {hint}",
        "0 errors, 4 warnings",
    ]


def test_strict_turns_raw_html_into_an_error(run_cli, make_project, texts):
    root = make_project({"chapters/01-a.md": texts.chapter + "\n<iframe src=x>\n"})
    code, err = run_cli(["build", "--html", "--strict", "-q"], root)
    assert code == 1
    assert "chapters/01-a.md:5:1: error: raw HTML '<iframe src=x>'" in err
    assert not (root / "build").exists()


DISGUISED = [
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    " javascript:alert(1)",
    "jav&#x09;ascript:alert(1)",
    "&#106;avascript:alert(1)",
    "&#x6A;avascript:alert(1)",
    "javascript&colon;alert(1)",
    "java%09script:alert(1)",
    "javascript%3Aalert(1)",
    "%6A%61%76%61%73%63%72%69%70%74:alert(1)",
    "vbscript:msgbox(1)",
    "VBScript:x",
    "data:text/html;base64,PHNjcmlwdD4=",
    "DATA:text/html,<script>x</script>",
    "data:image/svg+xml;base64,PHN2Zz4=",
    "java&#10;script:alert(1)",
    "java&#13;script:alert(1)",
    "&#0000106avascript:alert(1)",
    "file:///etc/passwd",
]


@pytest.mark.parametrize("url", DISGUISED)
def test_disguised_script_links_are_refused_with_a_warning(run_cli, make_project, texts, url):
    root = make_project({"chapters/01-a.md": texts.chapter + f"\nSee [here]({url}).\n"})
    code, err = run_cli(["build", "--html", "-q"], root)
    assert code == 0, err
    lines = err.splitlines()
    assert len(lines) == 2 and lines[1] == "0 errors, 1 warning"
    assert lines[0].startswith("chapters/01-a.md:5:5: warning: link to '")
    assert lines[0].endswith(
        "links are not allowed (only http, https and mailto) [md.link-refused]"
    )
    page = (root / "build" / "html" / "01-a.html").read_text(encoding="utf-8")
    assert judge(page).problems == []
    assert '<span class="link-refused">here</span>' in page


@pytest.mark.parametrize(
    "url",
    [
        *DISGUISED,
        "\x01javascript:alert(1)",
        "\t java\nscript:x",
        "javascript\u200b:x",
        "//127.0.0.1/",
        "http://2130706433/",
        "http://0x7f.1/",
        "http://[::ffff:127.0.0.1]/",
        "http://localhost./",
        "/\\169.254.169.254/",
    ],
)
def test_disguised_urls_are_refused_by_the_policy(url):
    """The policy itself, with the spelling markdown-it hands it (entities decoded)."""
    assert url_problem(html.unescape(url).strip())


@pytest.mark.parametrize(
    "url",
    [
        "https://example.org/a?b=c#d",
        "http://example.org",
        "mailto:team@example.org",
        "#sec-x",
        "02-b.md#sec-y",
        "../chapters/02-b.md",
        "figures/a%20b.png",
    ],
)
def test_ordinary_links_are_kept(url):
    assert url_problem(url, "chapters") is None


@pytest.mark.parametrize(
    "fragment,expected",
    [
        ('<a href="javascript:alert(1)">x</a>', "<a>x</a>"),
        ('<a href="JaVa&#x09;Script:alert(1)" class="c">x</a>', '<a class="c">x</a>'),
        ('<span onclick="x()" class="y">z</span>', '<span class="y">z</span>'),
        # nh3 (browser parsing) removes a script with its content, and an img altogether
        ("<script>alert('<b>')</script>", ""),
        ('<a rel="attachment" href="/etc/passwd">p</a>', "<a>p</a>"),
        ("<img src=x onerror=alert(1)>", ""),
        ('<a href="http://169.254.169.254/latest">m</a>', "<a>m</a>"),
    ],
)
def test_pandoc_html_is_made_inert(fragment, expected):
    assert safe_html(fragment) == expected


def test_pandoc_html_that_is_safe_is_kept_byte_for_byte():
    # character references come back as the characters (nh3 serialises its parse tree)
    fragment = (
        '<span class="citation" data-cites="a">(<a href="#ref-a" role="doc-biblioref">'
        "Smith &amp; Jones, 2020</a>; <em>Title</em> {} "
        '<a href="https://doi.org/10.1/x">https://doi.org/10.1/x</a>)</span>'
    )
    assert safe_html(fragment.format("&#8220;q&#8221;")) == fragment.format("\u201cq\u201d")


@pytest.mark.parametrize("style", ["apa", "ieee", "chicago-author-date"])
def test_bibtex_url_fields_never_become_script_links(make_project, build_project, style):
    root = make_project(
        {
            "dossier.toml": f'title = "T"\ncsl = "{style}"\nchapters = ["chapters/01-a.md"]\n',
            "references.bib": BIB,
            "chapters/01-a.md": "# A\n\n[@smith2020; @jones2019]\n",
        }
    )
    built = build_project(root)
    assert built.result.ok, [d.format() for d in built.result.diagnostics]
    for page in built.html.glob("*.html"):
        assert judge(page.read_text(encoding="utf-8")).problems == [], page.name


# --- templates of the project: sandboxed, and checked for active content --------------


def test_project_template_with_scripts_is_refused_at_its_line(run_cli, make_project, texts):
    base = (Path(pdf_step.THEME_DIR) / "base.html").read_text(encoding="utf-8")
    evil = base.replace(
        "</head>",
        '<script>alert(1)</script>\n<base href="http://x/">\n'
        '<link rel="attachment" href="/etc/passwd">\n</head>',
        1,
    )
    root = make_project({"templates/base.html": evil})
    code, err = run_cli(["build", "--html", "-q"], root)
    assert code == 1
    line = evil.splitlines().index("<script>alert(1)</script>") + 1
    assert err.splitlines() == [
        f"templates/base.html:{line}: error: the template has a <script> (only the theme's "
        "script, src=\"{{ assets['site.js'] }}\", may run); a dossier never publishes active "
        "content [theme.active]",
        f"templates/base.html:{line + 1}: error: the template has a <base> element; a dossier "
        "never publishes active content [theme.active]",
        f'templates/base.html:{line + 2}: error: the template has rel="attachment" (it would '
        "embed a file in the PDF); a dossier never publishes active content [theme.active]",
        f'templates/base.html:{line + 2}: error: the template has href="/etc/passwd" (it is '
        "an absolute path); a dossier never publishes active content [theme.active]",
        "4 errors, 0 warnings",
    ]
    assert not (root / "build").exists()


def test_project_template_syntax_error_is_a_diagnostic(run_cli, make_project):
    root = make_project({"templates/index.html": "{% extends 'base.html' %}\n{% block x %}\n"})
    code, err = run_cli(["check", "-q"], root)
    assert code == 1
    assert err.splitlines()[0].startswith("templates/index.html:")
    assert "[theme.syntax]" in err


def test_project_template_cannot_reach_python(run_cli, make_project):
    """Sandboxed: a template that tries to reach Python internals stops the build with a
    message, never runs code and never writes the site."""
    root = make_project(
        {"templates/index.html": "{{ ''.__class__.__mro__[1].__subclasses__() }}\n"}
    )
    code, err = run_cli(["build", "--html", "-q"], root)
    assert code == 1
    assert "Traceback" not in err
    assert not (root / "build").exists()


def test_project_site_js_is_never_published(run_cli, make_project):
    root = make_project({"templates/site.js": "alert('from the project')\n"})
    code, err = run_cli(["build", "--html", "-q"], root)
    assert code == 0
    assert err.splitlines() == [
        "templates/site.js: warning: 'templates/site.js' is ignored: the site's script always "
        "comes from dossier's theme (a dossier never publishes its own scripts) "
        "[theme.script]",
        "0 errors, 1 warning",
    ]
    (js_file,) = (root / "build" / "html" / "assets").glob("site.*.js")
    js = js_file.read_text(encoding="utf-8")
    assert "from the project" not in js


PIECES = [
    '<span class="citation" data-cites="a b">',
    "</span>",
    '<a href="#ref-a">',
    "</a>",
    '<a href="#x" onclick="y">',
    "<em>",
    "</em>",
    "text",
    "&amp;",
    "&#160;",
    "<",
    '<a href="javascript:x">',
    "<script>",
    "</script>",
    "<!-- c -->",
    '"',
    "&",
    '<div class="csl-entry">',
    "</div>",
    "</span >",
    '<span style="x">',
    "AT&T",
]


@hypothesis.settings(max_examples=300, derandomize=True, database=None, deadline=None)
@hypothesis.given(
    hypothesis.strategies.lists(hypothesis.strategies.sampled_from(PIECES), max_size=12)
)
def test_the_sanitizer_is_stable_and_loses_no_text(pieces):
    """Citations are made inert when formatted and again where a page shows them: a
    second pass must change nothing, and plain text must come through whole."""
    fragment = "".join(pieces)
    once = safe_html(fragment)
    assert safe_html(once) == once
    assert "AT&amp;T" in safe_html("AT&T") and "T" in safe_html("x&T")  # nothing lost


def test_template_that_builds_active_markup_at_render_time_is_refused(run_cli, make_project):
    from dossier.render.theme import THEME_DIR

    index = (
        (THEME_DIR / "index.html")
        .read_text(encoding="utf-8")
        .replace(
            "{% block content %}",
            "{% block content %}<{{ 'img' }} src=x {{ 'on' }}error=alert(1)>"
            "<a href=\"{{ 'javascript' }}:alert(2)\">x</a>",
            1,
        )
    )
    root = make_project({"templates/index.html": index})
    code, err = run_cli(["build", "--html"], root)
    assert code == 1 and "[theme.active]" in err and "index.html" in err, err
    assert not (root / "build").exists()


def test_a_harmless_template_override_still_builds(run_cli, make_project, texts):
    from dossier.render.theme import THEME_DIR

    base = (
        (THEME_DIR / "base.html")
        .read_text(encoding="utf-8")
        .replace(MAIN, MAIN + '<p class="notice">Draft</p>', 1)
    )
    chapter = (
        "# Alpha\n\nSee [a site](https://example.org/x) and [Beta](#sec-b), "
        "citing [@smith2020].\n\n![A dot.](img/dot.png){#fig-dot}\n\n"
        "## Beta {#sec-b}\n\nText.\n"
    )
    root = make_project(
        {"templates/base.html": base, "chapters/01-a.md": chapter, "img/dot.png": texts.png()}
    )
    code, err = run_cli(["build", "--html", "-q"], root)
    assert (code, err) == (0, ""), err
    assert "Draft" in (root / "build/html/01-a.html").read_text(encoding="utf-8")


# --- raw HTML is found in linear time ---------------------------------------------------

_OLD_RAW_TAG = re.compile(
    r"<(?:/?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?|!--.*?--|![A-Za-z][^<>]*"
    r"|\?[^<>]*\?)>",
    re.S,
)


@hypothesis.settings(max_examples=500, derandomize=True, database=None, deadline=None)
@hypothesis.given(
    hypothesis.strategies.lists(
        hypothesis.strategies.sampled_from(
            [
                "<",
                ">",
                "<!--",
                "-->",
                "--",
                "-",
                "<b>",
                "</i>",
                "<a x='1'>",
                "<!x",
                "<?p?>",
                "a",
                " ",
            ]
        ),
        max_size=12,
    ).map("".join)
)
def test_raw_tags_are_what_the_old_expression_found(text: str) -> None:
    """The linear scanner finds exactly the tags the backtracking expression found."""
    from dossier.markdown.transforms import raw_tags

    assert raw_tags(text) == _OLD_RAW_TAG.findall(text)


@pytest.mark.parametrize("flood", ["<!--", "<a ", "<!-- x --", "<?"])
def test_a_chapter_full_of_unclosed_comments_is_read_without_hanging(flood: str) -> None:
    """`"<!--" * 50000` in a chapter took 55 s in the raw-HTML scan alone."""
    from dossier.markdown import make_parser, parse_chapter

    from .conftest import time_limit

    text = "Intro <b>bold</b>.\n\n" + flood * 50_000 + "\n\n" + "<i>x</i>\n" * 2000
    with time_limit(60, lambda: AssertionError(f"{flood!r} x 50,000 hangs")):
        parsed = parse_chapter(make_parser(), text, "chapters/01.md")
    warned = [d for d in parsed.diagnostics if d.code == "md.raw-html"]
    assert warned[0].location.line == 1
    assert len(warned) >= 2001  # one per line that holds a tag
