"""The site as readers meet it, in Debian's Chromium: every page of the example dossier,
of tests/roots/messy and of the small synthetic corpus, at 390 and 1280 px, light and
dark, checked by axe-core (WCAG 2.2 A/AA: no violation of any impact), never wider than
the window, without a console error, a failed request or a request leaving the site; and
every page checked by the Nu HTML checker (0 errors, 0 warnings).

The checkers come from the npm registry through `make checkers` (into .node/); Chromium
and Java from Debian. Only a missing browser or Java skips these tests."""

from __future__ import annotations

import functools
import http.server
import json
import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from dossier.build import build

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
NODE = ROOT / ".node" / "node_modules"
AXE = NODE / "axe-core" / "axe.min.js"
VNU = NODE / "vnu-jar" / "build" / "dist" / "vnu.jar"
WIDTHS = (390, 1280)
SCHEMES = ("light", "dark")
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]

needs_chromium = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium")
pytestmark = pytest.mark.slow


def _checker(path: Path) -> Path:
    if not path.is_file():
        pytest.fail(f"{path.relative_to(ROOT)} is missing: run `make checkers`")
    return path


def _quiet(_: str) -> None:
    pass


def _built(src: Path, dest: Path, pdf: bool) -> Path:
    shutil.copytree(src, dest, ignore=shutil.ignore_patterns("build", ".bench-complete"))
    result = build(dest, pdf=pdf, output="out", progress=_quiet)
    assert result.ok, [d.format() for d in result.diagnostics]
    return dest / "out" / "html"


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    from bench.corpus import DEFAULT_CACHE, GENERATOR, ensure_corpus

    base = tmp_path_factory.mktemp("sites")
    out = {
        "example": _built(ROOT, base / "example", pdf=True),
        "messy": _built(ROOT / "tests" / "roots" / "messy", base / "messy", pdf=False),
        # every construct the writers know, and a note style's one sequence of notes
        "constructs": _built(ROOT / "tests" / "roots" / "constructs", base / "c", pdf=False),
        "notes": _built(ROOT / "tests" / "roots" / "notes", base / "notes", pdf=False),
    }
    if GENERATOR.is_file():
        out["small"] = _built(ensure_corpus("small", DEFAULT_CACHE), base / "small", pdf=False)
    return out


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def serving(folder: Path) -> Iterator[str]:
    """The folder over HTTP on 127.0.0.1, as a static host would serve it."""
    handler = functools.partial(_Quiet, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def chromium() -> Iterator[Any]:
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"]
        )
        try:
            yield browser
        finally:
            browser.close()


def sweep(browser: Any, base: str, pages: list[str], width: int, scheme: str) -> list[str]:
    """Every problem found on the pages in one window size and colour scheme."""
    context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=scheme)
    # injected by the browser itself: the site's policy lets no inline script run
    context.add_init_script(script=AXE.read_text(encoding="utf-8"))
    page = context.new_page()
    problems: list[str] = []
    where = [""]
    page.on(
        "console",
        lambda m: (
            problems.append(f"{where[0]}: console {m.type}: {m.text}")
            if m.type == "error"
            else None
        ),
    )
    page.on("pageerror", lambda e: problems.append(f"{where[0]}: script error: {e}"))
    page.on("requestfailed", lambda r: problems.append(f"{where[0]}: request failed: {r.url}"))
    page.on(
        "request",
        lambda r: (
            None
            if r.url.startswith((base, "data:"))
            else problems.append(f"{where[0]}: request leaves the site: {r.url}")
        ),
    )
    try:
        for name in pages:
            where[0] = f"{name} at {width} px, {scheme}"
            response = page.goto(base + name)
            assert response is not None and response.ok, name
            page.wait_for_load_state("load")
            found = page.evaluate(
                "async (tags) => (await axe.run(document, {runOnly: {type: 'tag', values: tags}}))"
                ".violations.map(v => v.id + ' (' + v.impact + '): ' + v.nodes.length + ' '"
                " + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', '))",
                WCAG,
            )
            problems += [f"{where[0]}: {v}" for v in found]
            wide = page.evaluate("document.documentElement.scrollWidth")
            if wide > width:
                problems.append(f"{where[0]}: the page is {wide} px wide")
    finally:
        context.close()
    return problems


@needs_chromium
@pytest.mark.parametrize("name", ["example", "messy", "constructs", "notes", "small"])
def test_every_page_is_accessible_and_fits_the_window(sites: dict[str, Path], name: str) -> None:
    _checker(AXE)
    if name not in sites:
        pytest.skip("the corpus generator is not on this machine")
    folder = sites[name]
    pages = sorted(p.name for p in folder.glob("*.html"))
    problems: list[str] = []
    with serving(folder) as base, chromium() as browser:
        for width in WIDTHS:
            for scheme in SCHEMES:
                problems += sweep(browser, base, pages, width, scheme)
    assert problems == []


# The checker reads the pages from files, where the policy's 'self' matches nothing: it
# then warns that the site's own stylesheet and script would be blocked (in a browser,
# from file: and over HTTP, they are not; test_every_page_is_accessible... sees them run
# and load).
_FILE_ONLY = (
    "Resource violates Content Security Policy (meta tag): external ",
    # the same for the site's own images, in its media folder
    "Resource violates Content Security Policy (meta tag): image “media/",
)
# The synthetic corpus's chapters go from # to ### (the generator writes them so): the
# outline is the author's, which a theme must keep as written.
_AUTHORS_OUTLINE = re.compile(r"The heading .h\d. .* skipping \d heading levels?\.")


@pytest.mark.skipif(shutil.which("java") is None, reason="needs Java for the Nu HTML checker")
def test_every_page_is_valid_html(sites: dict[str, Path]) -> None:
    files = sorted(str(p) for folder in sites.values() for p in folder.glob("*.html"))
    # one Java process for all pages: starting the checker costs more than checking
    proc = subprocess.run(
        ["java", "-jar", str(_checker(VNU)), "--format", "json", "--exit-zero-always", *files],
        capture_output=True,
        text=True,
        check=False,
    )
    messages = json.loads(proc.stderr or proc.stdout)["messages"]
    shown = [
        f"{m.get('url', '')}:{m.get('lastLine', 0)}: {m['type']}: {m['message']}"
        for m in messages
        if (m["type"] != "info" or m.get("subType") == "warning")
        and not m["message"].startswith(_FILE_ONLY)
        and not ("/small/" in m.get("url", "") and _AUTHORS_OUTLINE.match(m["message"]))
    ]
    assert shown == []
