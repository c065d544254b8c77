"""Issue 13, classes 3-6: nothing active reaches the site or the PDF, by construction.

3. the site's script fetches and inserts nothing it did not write itself;
4. SVG images with script, however spelled, are never published;
5. project templates cannot smuggle scripts, handlers or attachments past the check
   with markup Python's parser reads otherwise than browsers;
6. the PDF embeds no file and links no file: URI; bibliography URLs follow the one URL
   policy; a `file` field naming a hidden file publishes nothing of it."""

from __future__ import annotations

import html
import http.server
import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pikepdf
import pytest

from dossier.build import build
from dossier.render.assets import site_script
from dossier.render.pdf import worker as pdfworker
from dossier.render.theme import THEME_DIR
from dossier.resolve.media import svg_problem
from dossier.sanitize import page_problem, with_csp

from .test_evidence import SOURCE_PAGED, project


def quiet(_: str) -> None:
    pass


# --- 3. the pop-over script ---------------------------------------------------------


class _Recorder(http.server.BaseHTTPRequestHandler):
    seen: list[str] = []  # noqa: RUF012 (shared by every request of one server)
    body = b""

    def do_GET(self) -> None:
        type(self).seen.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Access-Control-Allow-Origin", "*")  # as an attacker would
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def listener() -> Iterator[tuple[int, list[str]]]:
    class Evil(_Recorder):
        seen: list[str] = []  # noqa: RUF012
        body = (
            b'<div id="ref-smith2019"><img src="x" onerror="window.__pwned = 1">'
            b"<script>window.__pwned = 1</script>remote</div>"
        )

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Evil)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server.server_address[1], Evil.seen
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def served_site(tmp_path: Path) -> Iterator[tuple[Path, int]]:
    chapter = 'The group "was founded in 1965" [@rajavi2003, p. 1] and [@smith2019].\n'
    root = project(tmp_path, "# One\n\n" + chapter)
    assert build(root, pdf=False, progress=quiet).ok
    site = root / "build" / "html"

    class Site(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, directory=str(site), **kwargs)  # type: ignore[arg-type]

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Site)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield site, server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.slow  # a browser
@pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="needs Debian's chromium")
def test_popover_fetches_and_inserts_nothing_remote(
    served_site: tuple[Path, int], listener: tuple[int, list[str]]
) -> None:
    """A `#ref-` link to another origin inside a citation (the policy would refuse it in
    Markdown, so it is written into the page here, as a hostile template could) is never
    fetched, and nothing of it runs; real citations still show their reference."""
    playwright = pytest.importorskip("playwright.sync_api")
    site, port = served_site
    evil_port, seen = listener
    page_file = site / "01-one.html"
    text = page_file.read_text(encoding="utf-8")
    evil = (
        f'<p><span class="citation" id="cite-evil">(see <a id="evil" '
        f'href="http://127.0.0.1:{evil_port}/#ref-smith2019">the record</a>)</span></p>'
    )
    page_file.write_text(text.replace("</article>", evil + "</article>", 1), encoding="utf-8")
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium", headless=True, args=["--no-sandbox"]
        )
        try:
            page = browser.new_page()
            page.goto(f"http://127.0.0.1:{port}/01-one.html")
            page.locator("#evil").hover()
            page.locator("#evil").focus()
            page.wait_for_timeout(500)
            assert seen == []
            assert page.evaluate("window.__pwned") is None
            assert "remote" not in page.locator("body").inner_text()
            # the pop-over still works, from the page's own data
            page.locator("#cite-c0 a").first.hover()
            tip = page.locator(".cite-popover")
            tip.wait_for(state="visible")
            assert "Speech at the Rally" in tip.inner_text()
            assert tip.locator("mark").inner_text() == "was founded in 1965"
            page.locator("#cite-c1 a").first.focus()
            assert "Notes on Exile" in tip.inner_text()
            # file:// too, and the policy lets the theme's script and stylesheet load
            errors: list[str] = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.goto(page_file.as_uri())
            page.locator("#cite-c0 a").first.hover()
            page.locator(".cite-popover").wait_for(state="visible")
            assert page.evaluate("getComputedStyle(document.body).fontFamily") != "", errors
            assert not [e for e in errors if "Content Security Policy" in e], errors
        finally:
            browser.close()
    assert seen == []


def test_every_page_carries_the_policy(served_site: tuple[Path, int]) -> None:
    site, _ = served_site
    for page in site.glob("*.html"):
        assert page_problem(page.read_text(encoding="utf-8"), site=True) == "", page.name


# --- 4. SVG ---------------------------------------------------------------------------

SVG_NS = 'xmlns="http://www.w3.org/2000/svg"'
ACTIVE_SVGS = {
    "prefixed": b'<svg:svg xmlns:svg="http://www.w3.org/2000/svg"><svg:script>'
    b"alert(1)</svg:script></svg:svg>",
    "xhtml": f'<svg {SVG_NS}><h:script xmlns:h="http://www.w3.org/1999/xhtml">alert(1)'
    "</h:script></svg>".encode(),
    "utf-16": f'<?xml version="1.0" encoding="UTF-16"?><svg {SVG_NS}><script>alert(1)</script>'
    "</svg>".encode("utf-16"),
    "entities": f'<!DOCTYPE svg [<!ENTITY s "&#60;script&#62;alert(1)&#60;/script&#62;">]>'
    f"<svg {SVG_NS}>&s;</svg>".encode(),
    "char-refs": f'<svg {SVG_NS}><rect width="1" &#111;nload="alert(1)"/></svg>'.encode(),
    "handler-entity": f'<svg {SVG_NS}><rect &#x6f;&#x6e;load="x"/></svg>'.encode(),
    "animate-href": f'<svg {SVG_NS}><use href="#a"><set attributeName="href" '
    'to="javascript:alert(1)"/></use></svg>'.encode(),
    "foreign": f"<svg {SVG_NS}><foreignObject><iframe/></foreignObject></svg>".encode(),
}


@pytest.mark.parametrize("name", sorted(ACTIVE_SVGS))
def test_active_svg_is_refused_however_spelled(name: str) -> None:
    assert svg_problem(ACTIVE_SVGS[name]) != ""


def test_plain_svg_is_kept() -> None:
    svg = f'<svg {SVG_NS} viewBox="0 0 2 2"><title>a &amp; b</title><rect width="1" height="1" '
    svg += 'style="fill: red"/><use href="#x"/></svg>'
    assert svg_problem(svg.encode()) == ""


@pytest.mark.parametrize("name", ["prefixed", "utf-16", "entities"])
def test_active_svg_is_never_published(make_project, build_project, name: str) -> None:
    root = make_project(
        {"chapters/01-a.md": "# A\n\n![dot](img/dot.svg)\n\n[@smith2020]\n", "img/dot.svg": b""}
    )
    (root / "img" / "dot.svg").write_bytes(ACTIVE_SVGS[name])
    built = build_project(root)
    assert "media.active" in {d.code for d in built.result.diagnostics}
    assert not list(root.glob("build/**/*.svg"))


# --- 5. project templates: parser differentials ------------------------------------------

DIFFERENTIALS = {
    "empty comment": "<!--><img src=x onerror=window.__pwned=1>",
    "bang comment end": "<!-- a --!><img src=x onerror=window.__pwned=1>",
    "cdata": "<![CDATA[><img src=x onerror=window.__pwned=1>]]>",
    "duplicate": '<img src="ok.png" alt="a" alt="b" onerror="window.__pwned=1">',
    "duplicate rel": '<a rel="attachment" rel="x" href="dossier.toml">x</a>',
    "noscript": '<noscript><p title="</noscript><img src=x onerror=window.__pwned=1>"></noscript>',
}


@pytest.mark.parametrize("name", sorted(DIFFERENTIALS))
def test_differentials_are_found_in_rendered_pages(name: str) -> None:
    """The check of rendered pages parses as a browser does: it is a barrier by itself."""
    page = (THEME_DIR / "base.html").read_text(encoding="utf-8")
    page = page.replace("{{ assets['site.js'] }}", site_script())
    page = re.sub(r"\{[%{#].*?[%}#]\}", "", page)  # the template, without its tags
    main = '<main id="dossier-main">'
    page = with_csp(page.replace(main, main + DIFFERENTIALS[name]))
    assert page_problem(page, site=True) != ""
    assert page_problem(with_csp(re.sub(r"<main.*?</main>", "", page, flags=re.S)), True) == ""


@pytest.mark.parametrize("name", sorted(DIFFERENTIALS))
def test_templates_with_differentials_build_nothing(run_cli, make_project, name: str) -> None:
    base = (THEME_DIR / "base.html").read_text(encoding="utf-8")
    main = '<main id="dossier-main">'
    evil = base.replace(main, main + DIFFERENTIALS[name], 1)
    root = make_project({"templates/base.html": evil})
    code, err = run_cli(["build", "--html", "-q"], root)
    assert code == 1 and "[theme.active]" in err
    assert not (root / "build" / "html").exists()


def test_rendered_check_catches_what_the_source_check_cannot(run_cli, make_project) -> None:
    """Built from {{ }}, the comment trick is invisible in the source: the rendered page
    is parsed as a browser would and refused."""
    base = (THEME_DIR / "base.html").read_text(encoding="utf-8")
    trick = '{{ "<!-" }}-><img src=x {{ "on" }}error=window.__pwned=1>'
    root = make_project({"templates/base.html": base.replace("</main>", trick + "</main>", 1)})
    code, err = run_cli(["build", "--html", "-q"], root)
    assert code == 1 and "[theme.active]" in err
    assert not (root / "build" / "html").exists()


# --- 6. the PDF: no attachment, no file: link --------------------------------------------

HOSTILE_PRINT = """<!doctype html><html><head><meta charset="utf-8">
<link rel="attachment" rel="x" href="secret.txt"><link rel="attachment" href="secret.txt">
</head><body><p>
<a rel="attachment" rel="x" href="secret.txt">a</a> <a rel="attachment" href="secret.txt">b</a>
<a href="../C:/Windows/System32/calc.exe">calc</a> <a href="file:///etc/passwd">f</a>
<a href="secret.txt">rel</a> <a href="http://169.254.169.254/latest">m</a>
<a href="https://example.org/">ok</a> <a href="#x" id="x">in</a></p></body></html>
"""


def pdf_facts(path: Path) -> tuple[bool, list[str], list[str]]:
    """(embedded files?, annotation subtypes, URI actions) of a PDF."""
    with pikepdf.open(path) as pdf:
        names = pdf.Root.get("/Names")
        embedded = names is not None and "/EmbeddedFiles" in names
        kinds, uris = [], []
        for page in pdf.pages:
            for annot in page.get("/Annots", []):
                kinds.append(str(annot.get("/Subtype")))
                action = annot.get("/A")
                if action is not None and "/URI" in action:
                    uris.append(str(action.URI))
    return embedded, kinds, uris


@pytest.mark.slow  # builds a PDF
def test_the_pdf_embeds_no_file_and_links_no_file_uri(tmp_path: Path) -> None:
    """The worker itself, fed a document no check has seen: nothing a template writes
    can embed a project file or make a file: URI action."""
    (tmp_path / "secret.txt").write_text("SECRET-TOKEN", encoding="utf-8")
    (tmp_path / "print.html").write_text(HOSTILE_PRINT, encoding="utf-8")
    out = tmp_path / "out.pdf"
    assert pdfworker.whole(str(tmp_path / "print.html"), str(out), [str(tmp_path)]) == 0
    embedded, kinds, uris = pdf_facts(out)
    assert not embedded
    assert "/FileAttachment" not in kinds
    assert uris == ["https://example.org/"]
    assert b"SECRET-TOKEN" not in out.read_bytes()


@pytest.mark.slow
def test_project_links_never_become_file_uris_in_the_pdf(make_project, build_project) -> None:
    chapter = (
        "# A\n\nSee [calc](../C:/Windows/System32/calc.exe), [data](data/x.csv), "
        "[web](https://example.org/) and [@smith2020].\n"
    )
    root = make_project({"chapters/01-a.md": chapter, "data/x.csv": "a,b\n"})
    built = build_project(root, html=False, pdf=True)
    pdf = next((root / "build").glob("*.pdf"))
    embedded, kinds, uris = pdf_facts(pdf)
    assert not embedded and "/FileAttachment" not in kinds
    assert uris == ["https://example.org/"], built.result.diagnostics


# --- 6. bibliography URLs and archived files ---------------------------------------------


def test_bibliography_urls_follow_the_one_policy(tmp_path: Path) -> None:
    root = project(tmp_path, '# One\n\nIt "was founded in 1965" [@rajavi2003, p. 1].\n')
    bib = (root / "references.bib").read_text(encoding="utf-8")
    bib = bib.replace(
        "  title = {Speech at the Rally},",
        "  title = {Speech at the Rally},\n  url = {http://169.254.169.254/latest},",
    )
    (root / "references.bib").write_text(bib, encoding="utf-8")
    assert build(root, pdf=False, progress=quiet).ok
    for page in (root / "build" / "html").glob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert not re.search(r"href=\"[^\"]*169\.254", text), page.name
    source = (root / "build" / "html" / "source-rajavi2003.html").read_text(encoding="utf-8")
    assert "<dt>Original</dt>" not in source


def test_a_file_field_naming_a_hidden_file_publishes_nothing(tmp_path: Path) -> None:
    root = project(tmp_path, '# One\n\nIt "was founded in 1965" [@smith2019].\n')
    (root / "sources" / "smith2019.txt").unlink()
    (root / ".git").mkdir()
    (root / ".git" / "config").write_text(
        SOURCE_PAGED + "\n[remote]\n  token = SECRET-TOKEN\n", encoding="utf-8"
    )
    bib = (root / "references.bib").read_text(encoding="utf-8")
    bib = bib.replace(
        "  title = {Notes on Exile},", "  title = {Notes on Exile},\n  file = {.git/config},"
    )
    (root / "references.bib").write_text(bib, encoding="utf-8")
    build(root, pdf=False, progress=quiet)
    site = root / "build" / "html"
    for page in site.glob("*") if site.exists() else []:
        if page.is_file():
            text = html.unescape(page.read_text(encoding="utf-8", errors="replace"))
            assert "SECRET-TOKEN" not in text and ".git/config" not in text, page.name
            assert "<mark>was founded in 1965</mark>" not in text, page.name
            assert '"match": "was founded in 1965"' not in text, page.name
    assert not (site / "source-smith2019.html").exists()
