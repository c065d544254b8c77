"""Each archived source gets a page in the site; quotation pop-overs show the matching
passage; PDF and HTML archives are read for real."""

from __future__ import annotations

import html
import json
import re
import shutil
from pathlib import Path

import pytest

from dossier.build import build, check
from dossier.render.evidence import source_names
from dossier.urls import web_url

from .test_evidence import project


def pdf_with_pages(*pages: str) -> bytes:
    """A minimal, valid PDF with one line of Helvetica text per page, written by hand
    so that the test exercises the real PDF reader on a real file."""
    objects: list[bytes] = [b"<< /Type /Catalog /Pages 2 0 R >>", b""]
    kids = []
    for text in pages:
        escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        stream = f"BT /F1 12 Tf 72 720 Td ({escaped}) Tj ET".encode("latin-1")
        objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream))
        content = len(objects)
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            b"/Contents %d 0 R /Resources << /Font << /F1 FONT 0 R >> >> >>" % content
        )
        kids.append(len(objects))
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    font = len(objects)
    objects = [o.replace(b"FONT", str(font).encode()) for o in objects]
    objects[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (
        b" ".join(b"%d 0 R" % k for k in kids),
        len(kids),
    )
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (n, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def quiet(_: str) -> None:
    pass


def html_of(root: Path, name: str) -> str:
    return (root / "build" / "html" / name).read_text(encoding="utf-8")


def test_pdf_archive_is_read_page_by_page(tmp_path: Path) -> None:
    root = project(
        tmp_path,
        'They called it "a movement of students" [@smith2019, p. 2].\n\n'
        'And "nothing of the kind" [@smith2019, p. 1].\n',
    )
    (root / "sources" / "smith2019.txt").unlink()
    (root / "sources" / "smith2019.pdf").write_bytes(
        pdf_with_pages(
            "The first page speaks of exile in Paris.",
            "It began as a movement of students in Tehran.",
        )
    )
    diags = [
        d.format() for d in check(root, progress=quiet).diagnostics if d.code.startswith("quote.")
    ]
    assert len(diags) == 1, diags
    assert "01-one.md:3:" in diags[0] and "quote.not-in-source" in diags[0]
    # the closest passage comes from the PDF's text, with its page
    assert "(p. 1)" in diags[0] or "(p. 2)" in diags[0]


def test_pdf_archive_page_locator_is_checked(tmp_path: Path) -> None:
    root = project(tmp_path, 'It was "a movement of students" [@smith2019, p. 1].\n')
    (root / "sources" / "smith2019.txt").unlink()
    (root / "sources" / "smith2019.pdf").write_bytes(
        pdf_with_pages(
            "The first page speaks of exile in Paris.",
            "It began as a movement of students in Tehran.",
        )
    )
    diags = [d.format() for d in check(root, progress=quiet).diagnostics]
    assert any("quote.wrong-page" in d and "on p. 2" in d for d in diags), diags


def test_html_archive_ignores_scripts_and_furniture(tmp_path: Path) -> None:
    root = project(
        tmp_path,
        'The page says "exile began in 1981" [@smith2019].\n\nNot "alert the user" [@smith2019].\n',
    )
    (root / "sources" / "smith2019.txt").unlink()
    (root / "sources" / "smith2019.html").write_text(
        "<html><head><script>alert the user</script><style>p{}</style></head><body>"
        "<nav>Home | About</nav><p>Exile <b>began</b> in\n1981 in Paris.</p></body></html>",
        encoding="utf-8",
    )
    diags = [
        d.format() for d in check(root, progress=quiet).diagnostics if d.code.startswith("quote.")
    ]
    assert len(diags) == 1 and "01-one.md:3:" in diags[0], diags


CHAPTER = """# One

The group "was founded in 1965" [@rajavi2003, p. 1]. Later it "moved its
headquarters to Iraq" [@rajavi2003]. Exile [@smith2019] and "no such words" [@smith2019].
"""


def add_urls(root: Path) -> None:
    """A web address for one entry, a javascript: one for another."""
    bib = (root / "references.bib").read_text(encoding="utf-8")
    (root / "references.bib").write_text(
        bib.replace(
            "title = {Speech at the Rally},",
            "title = {Speech at the Rally},\n  url = {https://example.org/speech?id=1&x=2},",
        ).replace(
            "title = {Notes on Exile},", "title = {Notes on Exile},\n  url = {javascript:alert(1)},"
        ),
        encoding="utf-8",
    )


@pytest.fixture
def built(tmp_path: Path) -> Path:
    root = project(tmp_path, CHAPTER)
    add_urls(root)
    result = build(root, pdf=False, progress=quiet)
    assert [d.code for d in result.diagnostics if d.severity == "error"] == [
        "quote.not-in-source"
    ], result.diagnostics
    return root


@pytest.fixture
def site(tmp_path: Path) -> Path:
    root = project(tmp_path, CHAPTER.replace(' and "no such words" [@smith2019]', ""))
    add_urls(root)
    result = build(root, pdf=False, progress=quiet)
    assert result.ok, result.diagnostics
    return root


def test_a_failed_quotation_check_fails_the_build(built: Path) -> None:
    assert not (built / "build").exists()


def test_each_archived_source_has_a_page(site: Path) -> None:
    page = html_of(site, "source-rajavi2003.html")
    assert "sources/rajavi2003.txt" in page
    from dossier.evidence.archive import read_archive

    archived, _ = read_archive(site, "rajavi2003", "sources/rajavi2003.txt")
    assert archived is not None and archived.sha256 in page
    assert '<a href="https://example.org/speech?id=1&amp;x=2"' in page
    assert "Speech at the Rally" in page
    # the quoted words are highlighted inside their context, with a link back
    assert "<mark>was founded in 1965</mark>" in page
    assert "by three university students" in page  # context after the quotation
    assert 'href="01-one.html#cite-c0"' in page
    assert "<mark>moved its headquarters to Iraq</mark>" in page
    assert "3 pages" in page
    # the other source: a javascript: URL never becomes a live link
    other = html_of(site, "source-smith2019.html")
    assert not re.search(r'(href|src)="\s*javascript:', other, re.I)
    assert "<dt>Original</dt>" not in other
    assert "The dossier does not quote this source." in other
    # an entry without an archive has no page; the bibliography links to the pages
    assert not (site / "build/html/source-smith2019b.html").exists()
    bib = html_of(site, "bibliography.html")
    assert 'href="source-rajavi2003.html"' in bib and 'href="source-smith2019.html"' in bib
    listing = html_of(site, "changes.html")
    assert 'href="source-rajavi2003.html"' in listing and "2 of 2" in listing


def test_full_text_is_published_only_when_asked(site: Path) -> None:
    assert "it was disarmed in 2003" not in html_of(site, "source-rajavi2003.html")
    config = site / "dossier.toml"
    config.write_text(
        config.read_text(encoding="utf-8") + '\n[html]\npublish_sources = ["rajavi2003"]\n',
        encoding="utf-8",
    )
    (site / "sources" / "smith2019.txt").write_text(
        "Exile <script>x</script> in Paris.\n", encoding="utf-8"
    )
    assert build(site, pdf=False, progress=quiet).ok
    page = html_of(site, "source-rajavi2003.html")
    assert "Archived text" in page and "it was disarmed in 2003" in page
    assert "Page 3" in page
    assert "Archived text" not in html_of(site, "source-smith2019.html")
    config.write_text(
        config.read_text(encoding="utf-8").replace('["rajavi2003"]', "true"), encoding="utf-8"
    )
    assert build(site, pdf=False, progress=quiet).ok
    other = html_of(site, "source-smith2019.html")
    assert "Exile &lt;script&gt;x&lt;/script&gt; in Paris." in other


def test_quotation_popover_data_is_in_the_chapter_page(site: Path) -> None:
    page = html_of(site, "01-one.html")
    # JSON in a data- attribute (built into pop-overs with text nodes), no longer HTML
    m = re.search(r'<div id="dossier-cite-data" hidden data-popovers="([^"]*)"></div>', page)
    assert m
    data = json.loads(html.unescape(m.group(1)))
    assert {r[0] for r in data["refs"]} == {"rajavi2003", "smith2019"}
    quotes = {q["cite"]: q for q in data["quotes"]}
    assert quotes["cite-c0"]["match"] == "was founded in 1965"
    assert "cite-c2" not in quotes  # not a quotation


def test_source_page_names_are_safe_and_unique() -> None:
    names = source_names(["Smith:2020", "smith-2020", "../etc", "", "Ærø"])
    assert list(names.values()) == [
        "source-smith2020.html",
        "source-smith-2020.html",
        "source-etc.html",
        "source-entry.html",
        "source-r.html",
    ]
    assert len(set(names.values())) == len(names)


@pytest.mark.parametrize(
    "url, ok",
    [
        ("https://example.org/a", True),
        ("http://example.org", True),
        ("javascript:alert(1)", False),
        (" JavaScript:alert(1)", False),
        ("java\tscript:alert(1)", False),
        ("data:text/html,x", False),
        ("file:///etc/passwd", False),
        ("//example.org", False),
        ("https:///x", False),
    ],
)
def test_only_web_addresses_become_links(url: str, ok: bool) -> None:
    assert bool(web_url(url)) is ok


@pytest.mark.slow
@pytest.mark.skipif(
    not shutil.which("chromium") and not Path("/usr/bin/chromium").exists(),
    reason="needs Debian's chromium",
)
def test_quotation_popover_in_a_browser(site: Path) -> None:
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium", headless=True, args=["--no-sandbox"]
        )
        try:
            page = browser.new_page()
            page.goto((site / "build/html/01-one.html").as_uri())
            page.locator("#cite-c0 a").first.hover()
            tip = page.locator(".cite-popover")
            tip.wait_for(state="visible")
            assert "Speech at the Rally" in tip.inner_text()
            assert tip.locator("mark").inner_text() == "was founded in 1965"
            page.locator("#cite-c2 a").first.focus()
            assert "Notes on Exile" in tip.inner_text()
            assert tip.locator("mark").count() == 0
        finally:
            browser.close()
