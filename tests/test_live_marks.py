"""What a reader sees of the live web, made from sources.lock without going online:
Robust Links attributes on every cited URL and its "archived copy" link, and a
"link dead as of DATE" note in the bibliography, the pop-overs, the source page and
the PDF."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

import pytest

from dossier.live.marks import LinkMark, decorate, link_marks
from dossier.model import Formatted

BIB = """\
@misc{gone1,
  title = {Gone page}, author = {Doe, Jane}, year = {2021},
  url = {https://example.org/gone?a=1&b=2},
}

@misc{ok1,
  title = {Fine page}, year = {2022},
  url = {https://example.org/ok},
}

@misc{pub1,
  title = {Public copy}, year = {2022},
  url = {https://example.org/pub},
  urlarchive = {https://web.archive.org/web/2022/https://example.org/pub},
  urldate = {2022-05-01},
}
"""
CHAPTER = "# Alpha\n\nSee [@gone1] and [@ok1] and [@pub1].\n"


def lock(root: Path, key: str, **extra: object) -> None:
    path = root / "sources.lock"
    data = json.loads(path.read_text())
    data["sources"][key].update(extra)
    path.write_text(json.dumps(data))


@pytest.fixture
def marked(make_project, run_cli) -> Path:
    root = make_project(
        {
            "references.bib": BIB,
            "chapters/01-a.md": CHAPTER,
            "sources/gone1.html": "<p>The gone page, archived.</p>",
            "sources/ok1.txt": "The fine page.",
        }
    )
    assert run_cli(["sources", "accept"], cwd=root)[0] == 0
    lock(
        root,
        "gone1",
        captured="2026-11-02T10:00:00Z",
        live={"state": "gone", "checked": "2026-12-07", "since": "2026-12-01", "status": 404},
    )
    lock(root, "ok1", captured="2026-10-05T08:00:00Z", live={"state": "unchanged"})
    return root


class Links(HTMLParser):
    """Every <a> of a page: its attributes, and the text of .link-dead spans."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[dict[str, str]] = []
        self.notes: list[str] = []
        self._in_note = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "a":
            self.links.append(values)
        if tag == "span" and values.get("class") == "link-dead":
            self._in_note = 1
            self.notes.append("")
        elif self._in_note and tag == "span":
            self._in_note += 1

    def handle_endtag(self, tag: str) -> None:
        if self._in_note and tag == "span":
            self._in_note -= 1

    def handle_data(self, data: str) -> None:
        if self._in_note:
            self.notes[-1] += data


def parse(path: Path) -> Links:
    links = Links()
    links.feed(path.read_text(encoding="utf-8"))
    return links


def test_robust_links_in_the_bibliography(marked, build_project):
    built = build_project(marked)
    assert built.result.ok, [d.format() for d in built.result.diagnostics]
    page = parse(built.html / "bibliography.html")
    by_href = {}
    for a in page.links:
        by_href.setdefault(a.get("href"), []).append(a)
    (gone,) = by_href["https://example.org/gone?a=1&b=2"]
    assert gone["data-originalurl"] == "https://example.org/gone?a=1&b=2"
    assert gone["data-versiondate"] == "2026-11-02"  # the capture's date
    assert gone["data-versionurl"] == "source-gone1.html"  # the copy's page on the site
    (ok,) = by_href["https://example.org/ok"]
    assert (ok["data-versiondate"], ok["data-versionurl"]) == ("2026-10-05", "source-ok1.html")
    # an entry's public archive copy is the version, and the date its urldate
    (pub,) = by_href["https://example.org/pub"]
    public = "https://web.archive.org/web/2022/https://example.org/pub"
    assert (pub["data-versionurl"], pub["data-versiondate"]) == (public, "2022-05-01")
    # each "archived copy" link: to the version, with the original and the date
    copies = [a for a in page.links if a.get("class") == "archived-link"]
    assert {(a["href"], a["data-originalurl"], a["data-versiondate"]) for a in copies} == {
        ("source-gone1.html", "https://example.org/gone?a=1&b=2", "2026-11-02"),
        ("source-ok1.html", "https://example.org/ok", "2026-10-05"),
        (public, "https://example.org/pub", "2022-05-01"),
    }
    # the dead link is noted, with the date it was first found dead, and one only
    assert page.notes == ["link dead as of 2026-12-01: read the archived copy"]
    assert len(by_href["source-gone1.html"]) == 2  # the note's link and "archived copy"


def test_dead_link_in_the_popover_and_on_the_source_page(marked, build_project):
    built = build_project(marked)
    chapter = (built.html / "01-a.html").read_text(encoding="utf-8")
    assert "link dead as of 2026-12-01: " in chapter.replace("&#34;", '"')
    source = parse(built.html / "source-gone1.html")
    original = next(a for a in source.links if a.get("rel") == "noopener noreferrer nofollow")
    assert original["data-versionurl"] == "source-gone1.html"
    assert original["data-versiondate"] == "2026-11-02"
    assert "link dead as of 2026-12-01: this page keeps the archived copy" in source.notes
    fine = parse(built.html / "source-ok1.html")
    assert fine.notes == []


def test_moved_and_unchanged_marks() -> None:
    formatted = Formatted(
        bibliography={"a": '<div class="csl-entry">A. <a href="https://e.org/a">x</a></div>'}
    )
    mark = LinkMark("a", "https://e.org/a", "2026-01-02", "", "moved", "2026-02-03")
    html = decorate(formatted, {"a": mark}, {"a": "source-a.html"}).bibliography["a"]
    assert html == (
        '<div class="csl-entry">A. <a href="https://e.org/a" data-originalurl="https://e.org/a"'
        ' data-versiondate="2026-01-02" data-versionurl="source-a.html">x</a> <span '
        'class="link-dead">link moved as of 2026-02-03: <a href="source-a.html">read the '
        "archived copy</a></span></div>"
    )
    still = LinkMark("a", "https://e.org/a", "", "", "", "")
    html = decorate(formatted, {"a": still}, {}).bibliography["a"]
    assert html.count("data-") == 1 and "link-dead" not in html


def test_marks_come_only_from_public_urls_and_the_lock(make_project) -> None:
    from dossier import build as pipeline

    root = make_project(
        {
            "references.bib": BIB.replace("https://example.org/ok", "javascript:alert(1)"),
            "chapters/01-a.md": CHAPTER,
        }
    )
    analysis, _ = pipeline.analyse(root, progress=lambda _: None)
    assert analysis is not None
    marks = link_marks(analysis.bibliography, {"gone1": {"live": {"state": "gone"}}})
    assert set(marks) == {"gone1", "pub1"}
    assert marks["gone1"].dead == "gone" and marks["gone1"].since == ""


@pytest.mark.slow
def test_dead_link_note_in_the_pdf(marked, build_project):
    import pypdf

    built = build_project(marked, html=False, pdf=True)
    assert built.result.ok, [d.format() for d in built.result.diagnostics]
    (pdf,) = (marked / "build").glob("*.pdf")
    text = " ".join(page.extract_text() for page in pypdf.PdfReader(pdf).pages)
    text = " ".join(text.split())
    assert "link dead as of 2026-12-01: read the archived copy (sources/gone1.html)" in text


def test_hostile_addresses_stay_inert(make_project, run_cli, build_project):
    hostile = 'https://example.org/a"onmouseover="alert(1)"<b>'
    bib = BIB.replace("https://example.org/ok", hostile).replace(
        "https://web.archive.org/web/2022/https://example.org/pub", "javascript:alert(2)"
    )
    root = make_project(
        {
            "references.bib": bib,
            "chapters/01-a.md": CHAPTER,
            "sources/ok1.txt": "The fine page.",
        }
    )
    assert run_cli(["sources", "accept"], cwd=root)[0] == 0
    lock(root, "ok1", live={"state": "moved", "since": "2026-12-01"})
    built = build_project(root)
    assert built.result.ok
    text = (built.html / "bibliography.html").read_text(encoding="utf-8")
    names: list[str] = []

    class Attributes(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            names.extend([tag] + [k for k, _ in attrs])

    Attributes().feed(text)  # the address shows as text and data, never as markup
    assert not [n for n in names if n.startswith("on") or n == "b"]
    assert "javascript:" not in text
    page = parse(built.html / "bibliography.html")
    assert all(not k.startswith("on") for a in page.links for k in a)
    copy = next(a for a in page.links if a.get("class") == "archived-link" and "ok1" in a["href"])
    assert copy["data-originalurl"] == hostile  # the address, as data, escaped
    assert page.notes == ["link moved as of 2026-12-01: read the archived copy"]
