"""Links inside a dossier: `[text](#id)` reaches the id on whichever page holds it
(headings, figures, tables, fenced divs, bracketed spans, `<a name>` anchors, and
`#ref-KEY` entries); a link to no id is a warning with a did-you-mean; and no built
site has a dead internal link."""

from __future__ import annotations

import shutil
from pathlib import Path
from urllib.parse import unquote, urlsplit

import lxml.html
import pytest

from dossier import build as pipeline

ROOTS = Path(__file__).parent / "roots"
FIRST = (
    "# A\n\nSee [the part](#later-part), [the box](#box), [the spot](#spot), "
    "[the anchor](#table-x), [the entry](#ref-smith2020) [@smith2020].\n\n"
    "## Here\n\n[Same page](#here).\n"
)
SECOND = (
    "# B\n\n## Later part\n\n::: {#box .note}\nA box.\n:::\n\nA [spot]{#spot} here.\n\n"
    '<a name="table-x"></a> An anchor <sub>2</sub> <u>u</u><br>line.\n'
)


def two_chapters(make_project, first: str = FIRST):
    toml = 'title = "T"\nchapters = ["chapters/01-a.md", "chapters/02-b.md"]\n'
    return make_project(
        {"dossier.toml": toml, "chapters/01-a.md": first, "chapters/02-b.md": SECOND}
    )


def hrefs(page: Path) -> list[str]:
    doc = lxml.html.fromstring(page.read_text(encoding="utf-8"))
    # the text's links, not the "On this page" list at the top of a chapter
    return [a.get("href") for a in doc.xpath("//article//a[@href][not(ancestor::nav)]")]


def test_links_reach_ids_on_other_pages(run_cli, make_project) -> None:
    root = two_chapters(make_project)
    code, err = run_cli(["build", "--html", "-q", "--strict"], root)
    assert code == 0, err
    site = root / "build" / "html"
    assert hrefs(site / "01-a.html")[:5] == [
        "02-b.html#later-part",
        "02-b.html#box",
        "02-b.html#spot",
        "02-b.html#table-x",
        "bibliography.html#ref-smith2020",
    ]
    assert "#here" in hrefs(site / "01-a.html")
    second = (site / "02-b.html").read_text(encoding="utf-8")
    assert '<span id="table-x"></span>' in second
    assert "<sub>2</sub>" in second and "<u>u</u>" in second and "<br" in second


def test_a_link_to_no_id_is_a_warning_with_a_hint(run_cli, make_project) -> None:
    root = two_chapters(make_project, FIRST.replace("#later-part", "#later-prat"))
    code, err = run_cli(["build", "--html", "-q"], root)
    assert code == 0
    assert (
        "chapters/01-a.md:3:16: warning: link to '#later-prat': no heading, figure, table, "
        "div or span has this identifier (did you mean 'later-part'?) [xref.dead-link]"
    ) in err.splitlines()


@pytest.mark.parametrize(
    "raw",
    [
        '<span onclick="alert(1)">x</span>',
        '<span style="color:red">x</span>',
        '<a name="x" onclick="alert(1)"></a>',
        '<a href="javascript:alert(1)"></a>',
        "<u>never closed",
        '<span class="a" class="b">x</span>',
        "<sub><script>alert(1)</script></sub>",
    ],
)
def test_raw_tags_off_the_list_stay_text(run_cli, make_project, raw: str) -> None:
    root = make_project({"chapters/01-a.md": f"# A\n\n{raw} [@smith2020].\n"})
    code, err = run_cli(["build", "--html", "-q"], root)
    assert code == 0, err
    assert "[md.raw-html]" in err
    article = lxml.html.fromstring(
        (root / "build" / "html" / "01-a.html").read_text(encoding="utf-8")
    ).xpath("//article")[0]
    for el in article.iter():
        if isinstance(el.tag, str):
            assert (
                el.tag not in ("script", "a")
                or el.get("class") == "cite-anchor"
                or (el.get("href", "").startswith(("bibliography.html", "#")))
            ), lxml.html.tostring(el)
            assert not [a for a in el.attrib if a.startswith("on") or a == "style"]


def dead_links(site: Path) -> list[str]:
    """Every same-site href of every page whose file or id does not exist."""
    ids: dict[str, set[str]] = {}
    pages = sorted(site.rglob("*.html"))
    for page in pages:
        doc = lxml.html.fromstring(page.read_bytes())
        ids[page.relative_to(site).as_posix()] = {str(i) for i in doc.xpath("//@id")}
    dead = []
    for page in pages:
        here = page.relative_to(site).as_posix()
        doc = lxml.html.fromstring(page.read_bytes())
        for href in doc.xpath("//a/@href"):
            parts = urlsplit(str(href))
            if parts.scheme or parts.netloc:
                continue
            target = here if not parts.path else (page.parent / parts.path).resolve()
            rel = target if isinstance(target, str) else target.relative_to(site.resolve())
            rel_s = rel if isinstance(rel, str) else rel.as_posix()
            if rel_s.endswith(".html") and rel_s not in ids:
                dead.append(f"{here}: {href} (no page)")
            elif parts.fragment and rel_s in ids and unquote(parts.fragment) not in ids[rel_s]:
                dead.append(f"{here}: {href} (no id)")
    return dead


@pytest.mark.parametrize("name", ["messy"])
def test_no_dead_internal_link_in_a_built_site(name: str, tmp_path) -> None:
    root = tmp_path / name
    shutil.copytree(ROOTS / name, root)
    pipeline.build(root, html=True, pdf=False, progress=lambda _: None)
    assert dead_links(root / "build" / "html") == []


def test_no_dead_internal_link_in_the_example(tmp_path) -> None:
    repo = Path(__file__).parent.parent
    root = tmp_path / "example"
    root.mkdir()
    for name in ("dossier.toml", "references.bib", "sources.lock"):
        if (repo / name).exists():
            shutil.copy(repo / name, root / name)
    for folder in ("chapters", "sources", "data", "figures", "templates"):
        if (repo / folder).is_dir():
            shutil.copytree(repo / folder, root / folder)
    pipeline.build(root, html=True, pdf=False, progress=lambda _: None)
    assert dead_links(root / "build" / "html") == []


def test_no_dead_internal_link_in_two_linked_chapters(run_cli, make_project) -> None:
    root = two_chapters(make_project)
    assert run_cli(["build", "--html", "-q"], root)[0] == 0
    assert dead_links(root / "build" / "html") == []


def test_an_author_may_use_the_ids_the_theme_once_took(run_cli, make_project) -> None:
    chapter = (
        "# A\n\n## Contents {#contents}\n\n## Top {#top}\n\n## Main {#main}\n\n"
        "See [the contents](#contents) [@smith2020].\n"
    )
    root = make_project({"chapters/01-a.md": chapter})
    code, err = run_cli(["build", "--html", "-q", "--strict"], root)
    assert code == 0, err
    for page in (root / "build" / "html").glob("*.html"):
        ids = lxml.html.fromstring(page.read_bytes()).xpath("//@id")
        assert len(ids) == len(set(ids)), page.name
    assert dead_links(root / "build" / "html") == []


def test_implicit_header_references_reach_headings_on_any_page(run_cli, make_project):
    first = "# A\n\nSee [Later part] and [Later part][], but [sic] and [...] stay [@smith2020].\n"
    root = two_chapters(make_project, first)
    code, err = run_cli(["build", "--html", "-q", "--strict"], root)
    assert code == 0, err
    page = (root / "build" / "html" / "01-a.html").read_text(encoding="utf-8")
    article = lxml.html.fromstring(page).xpath("//article")[0]
    assert [a.get("href") for a in article.xpath(".//a[text()='Later part']")] == [
        "02-b.html#later-part",
        "02-b.html#later-part",
    ]
    assert "[sic]" in article.text_content() and "[\u2026]" in article.text_content()
