"""Pandoc Markdown constructs, one fixture each (tests/fixtures/pandoc/<name>.md), built
by dossier and compared with the HTML the pandoc binary dossier ships made of the same
file (<name>.pandoc.html, written by regen.py there).

What is compared is what a reader gets: the sequence of block and inline elements that
carry meaning (paragraphs, headings, lists, divs, spans with a language, direction or
class, sub- and superscripts, underline, highlight, strikeout) with their normalised
text and their lang/dir/class. dossier's own additions (section numbers, ids, anchor
links, the "On this page" list) are left aside; where dossier differs on purpose, the
fixture says so here.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import lxml.html
import pytest

from dossier import build as pipeline

FIXTURES = Path(__file__).parent / "fixtures" / "pandoc"
NAMES = sorted(p.stem for p in FIXTURES.glob("*.md"))
BLOCKS = {"p", "h1", "h2", "h3", "h4", "ul", "ol", "li", "blockquote", "pre", "div", "hr"}
TABLES = {"table", "caption", "thead", "tbody", "tr", "th", "td"}
INLINES = {"sub", "sup", "u", "mark", "del", "span"}
KEPT_ATTRS = ("lang", "dir", "class", "colspan", "rowspan", "type", "start")
# dossier's own markup inside headings and text, not part of the author's content
OURS = {"secno", "heading-anchor", "anchor", "table-wrap"}
# Pandoc passes raw HTML blocks through; dossier never does (raw_blocks: a note instead)
SAME_CLASSES = {"smallcaps", "note", "example"}


def structure(root: lxml.html.HtmlElement) -> list[tuple[str, str, tuple[str, ...]]]:
    out: list[tuple[str, str, tuple[str, ...]]] = []
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        classes = set((el.get("class") or "").split())
        if classes & OURS:
            continue
        tag = "del" if el.tag == "s" else el.tag
        if tag == "math":  # compared by its TeX (Pandoc's annotation) and display
            tex = " ".join(el.xpath("string(.//annotation)").split())
            out.append(("math", tex, (f"display={el.get('display')}",)))
            continue
        if tag not in BLOCKS and tag not in INLINES and tag not in TABLES:
            continue
        if tag == "span" and not (el.get("lang") or el.get("dir") or classes & SAME_CLASSES):
            continue  # a span only dossier makes (citations, anchors): not content
        attrs = []
        for name in KEPT_ATTRS:
            value = el.get(name)
            if name == "class" and value:
                value = " ".join(sorted(set(value.split()) & SAME_CLASSES))
            if value:
                attrs.append(f"{name}={value}")
        if tag in ("th", "td") and (align := alignment(el)):
            attrs.append(f"align={align}")
        out.append((tag, text_of(el), tuple(attrs)))
    return out


def alignment(cell: lxml.html.HtmlElement) -> str:
    """Pandoc writes a cell's alignment as a style; the site, as a class."""
    style = re.search(r"text-align:\s*(\w+)", cell.get("style") or "")
    ours = re.search(r"\balign-(\w+)", cell.get("class") or "")
    return (style or ours).group(1) if (style or ours) else ""


def text_of(el: lxml.html.HtmlElement) -> str:
    copy = lxml.html.fromstring(lxml.html.tostring(el, encoding="unicode", with_tail=False))
    for formula in copy.xpath(".//math"):  # compared apart, by its TeX
        formula.drop_tree()
    for ours in copy.xpath(".//*[contains(@class, 'secno')] | //caption/span[@class='label']"):
        ours.drop_tree()
    return re.sub(r"\s+", " ", copy.text_content()).strip()


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("fixtures")
    chapters = root / "chapters"
    chapters.mkdir()
    for name in NAMES:
        shutil.copy(FIXTURES / f"{name}.md", chapters / f"{name}.md")
    shutil.copy(FIXTURES / "map.png", chapters / "map.png")
    shutil.copy(FIXTURES / "map.png", chapters / "x.png")
    listed = ", ".join(f'"chapters/{n}.md"' for n in NAMES)
    (root / "dossier.toml").write_text(
        f'title = "Fixtures"\nchapters = [{listed}]\n', encoding="utf-8"
    )
    (root / "references.bib").write_text(
        "@book{k, author = {A. Author}, title = {T}, year = {2020}}\n", encoding="utf-8"
    )
    result = pipeline.build(root, html=True, pdf=False, progress=lambda _: None)
    assert not [d for d in result.diagnostics if d.severity.value == "error"], [
        d.format() for d in result.diagnostics
    ]
    return root / "build" / "html"


def chapter_page(site: Path, name: str) -> lxml.html.HtmlElement:
    (page,) = [p for p in site.glob("*.html") if p.stem.endswith(name)]
    doc = lxml.html.fromstring(page.read_text(encoding="utf-8"))
    (article,) = doc.xpath("//article")
    for fold in article.xpath(".//details[contains(@class, 'otp-fold')]"):
        fold.drop_tree()  # the theme's "On this page" list, under the chapter's title
    return article


def title_block(root: lxml.html.HtmlElement) -> list[tuple[str, str, str]]:
    """The elements of the title block (tag, class, text), taken out of root. Pandoc's
    standalone page heads it with the title; dossier's is under the chapter's heading,
    which holds the title already."""
    found = root.xpath(".//header[@class='title-block' or @id='title-block-header']")
    if not found:
        return []
    (header,) = found
    out = [
        (el.tag, el.get("class") or "", text_of(el))
        for el in header.iterdescendants()
        if isinstance(el.tag, str) and el.get("class") != "title"
    ]
    header.drop_tree()
    return out


@pytest.mark.parametrize("name", NAMES)
def test_dossier_renders_the_fixture_as_pandoc(built: Path, name: str) -> None:
    article = chapter_page(built, name)
    header = FIXTURES / f"{name}.pandoc.header.html"
    their_header = (
        title_block(lxml.html.fromstring(f"<div>{header.read_text(encoding='utf-8')}</div>"))
        if header.exists()
        else []
    )
    assert title_block(article) == their_header
    ours = structure(article)
    pandoc_html = (FIXTURES / f"{name}.pandoc.html").read_text(encoding="utf-8")
    theirs = structure(lxml.html.fromstring(f"<article>{pandoc_html}</article>"))
    assert ours == theirs


def test_comments_are_never_printed(built: Path) -> None:
    page = next(built.glob("*comments.html")).read_text(encoding="utf-8")
    assert "aside" not in page and "licence header" not in page
    assert "&lt;!-- code stays --&gt;" in page  # in code, a comment is text


def test_raw_blocks_are_left_out_with_a_note(run_cli, make_project) -> None:
    chapter = "# A\n\nText [@smith2020].\n\n```{=latex}\n\\newpage\n```\n"
    root = make_project({"chapters/01-a.md": chapter})
    code, err = run_cli(["build", "--html", "-q"], root)
    assert code == 0
    assert (
        "chapters/01-a.md:5:1: note: a raw 'latex' block is left out of the site and the "
        "PDF, as Pandoc leaves out formats other than its output's [md.raw-format]"
    ) in err.splitlines()
    assert "newpage" not in (root / "build" / "html" / "01-a.html").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "attrs",
    [
        'lang="en onmouseover=alert(1)"',
        'dir="rtl;x"',
        "onclick=alert(1)",
        'style="background:url(javascript:alert(1))"',
        'lang="fa" dir="sideways"',
    ],
)
def test_span_and_div_attributes_stay_inert(run_cli, make_project, attrs: str) -> None:
    chapter = f"# A\n\n[x]{{{attrs}}} [@smith2020].\n\n::: {{{attrs}}}\nY\n:::\n"
    root = make_project({"chapters/01-a.md": chapter})
    code, err = run_cli(["build", "--html", "-q"], root)
    assert code == 0, err
    page = (root / "build" / "html" / "01-a.html").read_text(encoding="utf-8")
    article = lxml.html.fromstring(page).xpath("//article")[0]
    for el in article.iter():
        if not isinstance(el.tag, str):
            continue
        assert not [a for a in el.attrib if a.startswith("on") or a == "style"], el.attrib
        assert el.get("dir") in (None, "ltr", "rtl", "auto")
        assert re.fullmatch(r"[A-Za-z0-9-]*", el.get("lang") or "")


def heading_ids(root: lxml.html.HtmlElement) -> list[str]:
    return [h.get("id") for h in root.iter("h1", "h2", "h3", "h4", "h5", "h6")]


@pytest.mark.parametrize("name", NAMES)
def test_headings_get_pandocs_identifiers(built: Path, name: str) -> None:
    """Pandoc's auto_identifiers, repeats numbered -1, -2: hand-written `#id` links
    made for Pandoc land."""
    pandoc_html = (FIXTURES / f"{name}.pandoc.html").read_text(encoding="utf-8")
    theirs = heading_ids(lxml.html.fromstring(f"<article>{pandoc_html}</article>"))
    assert heading_ids(chapter_page(built, name)) == theirs


def test_unquoted_attribute_values_and_captions_under_tables(run_cli, make_project) -> None:
    """`{#fig-a width=100%}` lost its id (and @fig-a failed); `Table:` on the line under
    a pipe table was read as a row (and @tbl-b failed)."""
    chapter = (
        "# A\n\n![Map](map.png){#fig-a width=100%}\n\n| a |\n|---|\n| 1 |\n"
        "Table: Counts {#tbl-b}\n\nSee @fig-a and @tbl-b [@smith2020].\n"
    )
    png = (FIXTURES / "map.png").read_bytes()
    root = make_project({"chapters/01-a.md": chapter, "chapters/map.png": png})
    code, err = run_cli(["build", "--html", "-q", "--strict"], root)
    assert code == 0, err
    article = chapter_page(root / "build" / "html", "a")
    # the site's width classes: HTML's width attribute takes no percentage
    assert article.xpath("//figure[@id='fig-a']//img[@class='width-100']")
    assert "Counts" in article.xpath("string(//table[@id='tbl-b']/caption)")
    assert len(article.xpath("//table[@id='tbl-b']//tr")) == 2


def test_a_metadata_block_later_in_a_chapter_is_read_not_printed(run_cli, make_project):
    chapter = "Intro [@smith2020].\n\n---\ntitle: From the block\nauthor: X\n...\n\nText.\n"
    root = make_project({"chapters/01-a.md": chapter})
    code, err = run_cli(["build", "--html", "-q"], root)
    assert code == 0, err
    assert "md.front-matter" not in err
    page = (root / "build" / "html" / "01-a.html").read_text(encoding="utf-8")
    assert "<title>From the block" in page and "author: X" not in page
    assert '<p class="author">X</p>' in page  # in the title block, as Pandoc shows it


def test_many_unclosed_dashes_are_read_in_linear_time() -> None:
    from dossier.markdown import make_parser, parse_chapter

    from .conftest import time_limit

    text = "# A\n\n" + "---\nword: a\n- b\n\n" * 10_000
    with time_limit(60, lambda: AssertionError("10,000 unclosed blocks hang")):
        parsed = parse_chapter(make_parser(), text, "chapters/01-a.md")
    assert sum(t.type == "hr" for t in parsed.tokens) == 10_000


def test_pandoc_crossref_forms_work_like_the_quarto_forms(run_cli, make_project) -> None:
    png = (FIXTURES / "map.png").read_bytes()
    chapter = (
        "# A {#sec:intro}\n\n## Method {#sec-method}\n\n"
        "See @fig:map, @tbl:counts, @sec:intro and @sec-method [@smith2020].\n\n"
        "![Map](map.png){#fig:map}\n\n| a |\n|---|\n| 1 |\n\nTable: Counts {#tbl:counts}\n\n"
        "Bad @fig:mpa.\n"
    )
    root = make_project({"chapters/01-a.md": chapter, "chapters/map.png": png})
    code, err = run_cli(["build", "--html", "-q"], root)
    assert code == 1
    assert err.splitlines()[0] == (
        "chapters/01-a.md:15:5: error: unknown cross-reference target 'fig:mpa' "
        "(did you mean 'fig:map'?) [xref.unknown]"
    )
    (root / "chapters" / "01-a.md").write_text(chapter.replace("Bad @fig:mpa.", "End."))
    code, err = run_cli(["build", "--html", "-q", "--strict"], root)
    assert code == 0, err
    links = chapter_page(root / "build" / "html", "a").xpath("//a[contains(@class, 'xref')]")
    assert [(a.get("href"), a.text) for a in links] == [
        ("#fig:map", "Figure 1"),
        ("#tbl:counts", "Table 1"),
        ("#sec:intro", "Chapter 1"),
        ("#sec-method", "Section 1.1"),
    ]
