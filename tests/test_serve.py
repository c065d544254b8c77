"""`dossier serve`: only the built site, on loopback, with live reload that never loads a
broken build. HTTP is spoken with http.client (raw sockets where it refuses the path)."""

from __future__ import annotations

import http.client
import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from dossier.serve.server import EVENTS, is_loopback, plan, serve

CHROMIUM = Path("/usr/bin/chromium")
SECRET = "TOP-SECRET-NOT-IN-THE-SITE"


@dataclass
class Live:
    url: str
    lines: list[str] = field(default_factory=list)

    @property
    def port(self) -> int:
        return urlsplit(self.url).port or 0


@contextmanager
def serving(root: Path, **options: Any) -> Iterator[Live]:
    """serve() on a free loopback port in a thread, stopped (and joined) on exit."""
    stop, ready = threading.Event(), queue.Queue[str | BaseException]()
    live = Live("")

    def run() -> None:
        try:
            serve(
                root,
                port=0,
                stop=stop,
                ready=ready.put,
                progress=live.lines.append,
                report=lambda ds: live.lines.extend(d.format() for d in ds),
                **options,
            )
        except BaseException as exc:  # surfaced in the test, not lost in the thread
            ready.put(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        first = ready.get(timeout=60)
        if isinstance(first, BaseException):
            raise first
        live.url = first
        yield live
    finally:
        stop.set()
        thread.join(timeout=30)
    assert not thread.is_alive(), "serve() did not stop when asked"


def request(port: int, target: str, method: str = "GET") -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.putrequest(method, target, skip_accept_encoding=True)
        conn.endheaders()
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


def raw_request(port: int, target: bytes, host: bytes = b"127.0.0.1") -> tuple[int, bytes]:
    """For requests http.client refuses to send (NUL and other control bytes)."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(b"GET " + target + b" HTTP/1.0\r\nHost: " + host + b"\r\n\r\n")
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    return int(data.split(b" ", 2)[1]), data


def wait_until(check: Callable[[], bool], what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting: {what}")
        time.sleep(0.05)


def chapter(text: str) -> str:
    return f"# Alpha {{#sec-alpha}}\n\n{text}\n"


def edit(path: Path, text: str) -> None:
    """Save as editors do (a temporary file renamed over the old one), so that no build
    can read a half-written file."""
    temp = path.with_name(f".{path.name}.tmp")
    temp.write_text(text, encoding="utf-8")
    os.replace(temp, path)


# --- a served site, shared by the read-only tests ---------------------------------------


@pytest.fixture(scope="module")
def site(project_factory: Callable[..., Path]) -> Iterator[tuple[Path, Live]]:
    root = project_factory({"secret.txt": SECRET + "\n"})
    with serving(root) as live:
        html = root / "build" / "html"
        (html / "leak.txt").symlink_to(root / "secret.txt")
        (html / "up").symlink_to(root, target_is_directory=True)
        yield root, live


TRAVERSALS = [
    "/../secret.txt",
    "/assets/../../secret.txt",
    "/%2e%2e/secret.txt",
    "/%2e%2e%2fsecret.txt",
    "/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd",
    "/assets/%2e%2e/%2e%2e/secret.txt",
    "/%252e%252e%252fsecret.txt",  # double encoded
    "/%25252e%25252e/secret.txt",  # triple encoded
    "/..%5csecret.txt",
    "/..\\secret.txt",
    "/assets\\..\\..\\secret.txt",
    "/%c0%ae%c0%ae/secret.txt",  # overlong UTF-8 for '.'
    "/%2fetc%2fpasswd",
    "/%2F..%2Fsecret.txt",
    "http://127.0.0.1/../secret.txt",  # absolute-form target
    "/./index.html",
    "/.dossier-build",
]


@pytest.mark.parametrize("target", TRAVERSALS)
def test_refuses_path_traversal(site: tuple[Path, Live], target: str) -> None:
    status, _, body = request(site[1].port, target)
    assert status == 400
    assert SECRET.encode() not in body


@pytest.mark.parametrize(
    "target",
    [
        b"/%00",
        b"/index.html%00.css",
        b"/\x00../secret.txt",
        b"/..%00/secret.txt",
        b"/index\x01.html",
    ],
)
def test_refuses_nul_and_control_bytes(site: tuple[Path, Live], target: bytes) -> None:
    status, data = raw_request(site[1].port, target)
    assert status == 400
    assert SECRET.encode() not in data


@pytest.mark.parametrize("host", [b"127.0.0.1", b"localhost:80", b"[::1]:8000"])
def test_loopback_host_names_are_served(site: tuple[Path, Live], host: bytes) -> None:
    status, data = raw_request(site[1].port, b"/index.html", host)
    assert status == 200 and b"Test Dossier" in data


@pytest.mark.parametrize(
    "host", [b"evil.example", b"evil.example:8000", b"192.168.1.2", b"127.0.0.1.evil.example", b""]
)
def test_other_host_names_are_refused(site: tuple[Path, Live], host: bytes) -> None:
    """A site that points its own name at 127.0.0.1 (DNS rebinding) reads nothing."""
    status, data = raw_request(site[1].port, b"/index.html", host)
    assert status == 400 and b"Test Dossier" not in data


def test_absolute_paths_never_leave_the_site(site: tuple[Path, Live]) -> None:
    # http.server itself folds a leading '//' to '/', so this is looked up in the site.
    for target in ("//etc/passwd", f"/{site[0]}/secret.txt"):
        status, _, body = request(site[1].port, target)
        assert status == 404, target
        assert SECRET.encode() not in body


def test_symlinks_leaving_the_site_are_forbidden(site: tuple[Path, Live]) -> None:
    for target in ("/leak.txt", "/up/secret.txt", "/up/dossier.toml"):
        status, _, body = request(site[1].port, target)
        assert status == 403, target
        assert SECRET.encode() not in body


def asset(root: Path, pattern: str) -> str:
    """The address of a theme file, named by a hash of its bytes: "style.*.css"."""
    (found,) = (root / "build" / "html" / "assets").glob(pattern)
    return "/assets/" + found.name


def test_serves_the_site_with_types_and_headers(site: tuple[Path, Live]) -> None:
    port = site[1].port
    expected = {
        "/": "text/html; charset=utf-8",
        "/01-a.html": "text/html; charset=utf-8",
        asset(site[0], "style.*.css"): "text/css; charset=utf-8",
        asset(site[0], "site.*.js"): "text/javascript; charset=utf-8",
    }
    for target, ctype in expected.items():
        status, headers, body = request(port, target)
        assert (status, headers["content-type"]) == (200, ctype), target
        assert headers["cache-control"] == "no-store"
        assert headers["x-content-type-options"] == "nosniff"
        assert int(headers["content-length"]) == len(body) > 0
    status, headers, body = request(port, "/01-a.html", method="HEAD")
    assert (status, body) == (200, b"") and int(headers["content-length"]) > 0
    assert request(port, asset(site[0], "style.*.css") + "?v=2#top")[0] == 200


def test_no_directory_listings_and_404s(site: tuple[Path, Live]) -> None:
    for target in ("/assets/", "/assets", "/missing.html", "/changes.json", "/index.html/"):
        status, headers, body = request(site[1].port, target)
        assert status == 404, target
        assert b"style.css" not in body
        assert headers["x-content-type-options"] == "nosniff"


def test_reload_script_is_in_responses_not_on_disk(site: tuple[Path, Live]) -> None:
    root, live = site
    _, _, page = request(live.port, "/01-a.html")
    assert page.count(b"data-dossier-live") == 1
    assert b'src="/__dossier__/live.js?v=' in page and b"<script>" not in page  # CSP: no inline
    assert page.rstrip().endswith(b"</script></body>\n</html>")
    _, _, script = request(live.port, "/__dossier__/live.js")
    assert EVENTS.encode() in script
    sheet = asset(root, "style.*.css")
    _, _, css = request(live.port, sheet)
    assert b"dossier-live" not in css and css == (root / "build/html" / sheet[1:]).read_bytes()
    for built in (root / "build" / "html").rglob("*"):
        if built.is_file() and not built.is_symlink():
            assert b"dossier-live" not in built.read_bytes(), built
            assert EVENTS.encode() not in built.read_bytes(), built


# --- live reload without a browser: the event stream -----------------------------------


class Events:
    """Reads the server-sent events of one connection."""

    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.conn.request("GET", EVENTS)
        self.resp = self.conn.getresponse()
        assert self.resp.status == 200
        assert self.resp.getheader("content-type") == "text/event-stream"

    def next(self) -> dict[str, Any]:
        while True:
            line = self.resp.fp.readline().decode()
            if line.startswith("data: "):
                return dict(json.loads(line[6:]))

    def close(self) -> None:
        self.conn.close()


def test_events_reload_on_good_builds_and_report_bad_ones(
    make_project: Callable[..., Path],
) -> None:
    root = make_project()
    page = root / "chapters" / "01-a.md"
    with serving(root) as live:
        events = Events(live.port)
        assert events.next() == {"version": 1, "errors": []}
        edit(page, chapter("Second text [@smith2020]."))
        assert events.next() == {"version": 2, "errors": []}
        assert b"Second text" in request(live.port, "/01-a.html")[2]

        edit(page, chapter("Broken text [@nosuch2099; @smith2020]."))
        state = events.next()
        assert state["version"] == 2  # no reload into a broken site
        assert state["errors"] == [
            "chapters/01-a.md:3:13: error: unknown citation key 'nosuch2099' [cite.unknown-key]"
        ]
        body = request(live.port, "/01-a.html")[2]
        assert b"Second text" in body and b"Broken text" not in body

        edit(page, chapter("Third text [@smith2020]."))
        assert events.next() == {"version": 3, "errors": []}
        events.close()
    assert "changed: chapters/01-a.md" in live.lines
    assert any("unknown citation key 'nosuch2099'" in line for line in live.lines)


def test_folders_made_later_are_watched(make_project: Callable[..., Path]) -> None:
    root = make_project()
    with serving(root) as live:
        events = Events(live.port)
        assert events.next()["version"] == 1
        (root / "templates").mkdir()
        assert events.next() == {"version": 2, "errors": []}
        edit(root / "templates" / "style.css", "main { color: #123456 }\n")
        assert events.next() == {"version": 3, "errors": []}
        events.close()
        assert request(live.port, asset(root, "style.*.css"))[2] == b"main { color: #123456 }\n"


def test_first_build_failing_serves_an_error_page(make_project: Callable[..., Path]) -> None:
    root = make_project({"chapters/01-a.md": chapter("See [@evil<b>key] and [@smith2020].")})
    with serving(root) as live:
        status, headers, body = request(live.port, "/01-a.html")
        assert status == 503 and headers["content-type"] == "text/html; charset=utf-8"
        assert b"unknown citation key &#x27;evil&lt;b&gt;key&#x27;" in body
        assert b"<b>" not in body
        assert b"data-dossier-live" in body  # so the page reloads once a build works
        edit(root / "chapters" / "01-a.md", chapter("Fixed [@smith2020]."))
        wait_until(lambda: request(live.port, "/01-a.html")[0] == 200, "a good build")
        assert b"Fixed" in request(live.port, "/01-a.html")[2]


# --- what is watched --------------------------------------------------------------------


def test_watches_the_inputs_and_nothing_else(make_project: Callable[..., Path], texts: Any) -> None:
    root = make_project(
        {
            "dossier.toml": texts.toml.replace(
                '"chapters/01-a.md"', '"chapters/01-a.md", "extra/02-b.md"'
            )
            + 'bibliography = "bib/r.bib"\n',
            "extra/02-b.md": "# Beta\n\n![A dot.](../figures/dot.png)\n\n![T](../charts/t.toml)\n",
            "figures/dot.png": texts.png(),
            # a timeline's data, named from a chapter in another folder
            "charts/t.toml": '[[event]]\nyear = 1990\nlabel = "x"\ncite = "smith2020"\n',
            "bib/r.bib": texts.smith,
            "references.bib": None,
        }
    )
    from dossier import build as pipeline

    result = pipeline.build(root, html=True, pdf=False, progress=lambda _: None)
    watched = plan(root, result)
    real = root.resolve()
    # what the build read, data files included: a build that finds nothing changed
    # reports the same inputs, and the watcher plans from them
    assert "charts/t.toml" in result.inputs
    again = pipeline.build(root, html=True, pdf=False, progress=lambda _: None)
    assert again.inputs == result.inputs
    for rel in (
        "dossier.toml",
        "chapters/01-a.md",
        "chapters/new.md",
        "extra/02-b.md",
        "bib/r.bib",
        "figures/dot.png",
        "charts/t.toml",
        "sources/smith2020.txt",
        "templates/x.css",
        "data/timeline.toml",
        "sources",
    ):
        assert watched.wanted(real / rel), rel
    for rel in (
        "build/html/index.html",
        "build",
        ".build.stage-123/html/x.html",
        ".build.old/x",
        "chapters/.01-a.md.swp",
        "chapters/01-a.md~",
        "chapters/.#01-a.md",
        "chapters/4913",
        "chapters/.git/x",
        "README.md",
        "notes.txt",
        ".venv/lib/x.py",
    ):
        assert not watched.wanted(real / rel), rel
    # a second build finds nothing changed (no analysis): the images are still watched
    again = pipeline.build(root, html=True, pdf=False, progress=lambda _: None)
    assert again.analysis is None and again.ok
    assert plan(root, again).wanted(real / "figures/dot.png")
    (root / "dossier.toml").write_text("title = [\n", encoding="utf-8")
    assert plan(root, previous=watched) == watched  # still watching extra/ while broken
    assert not plan(root).wanted(real / "extra" / "02-b.md")


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.1.2.3", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("LocalHost", True),
        ("0.0.0.0", False),
        ("::", False),
        ("192.168.1.10", False),
        ("example.org", False),
    ],
)
def test_loopback_hosts(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


# --- the command ------------------------------------------------------------------------


def test_cli_serves_on_loopback_and_stops_on_ctrl_c(make_project: Callable[..., Path]) -> None:
    root = make_project()
    proc = subprocess.Popen(
        [sys.executable, "-m", "dossier", "serve", "-C", str(root), "--port", "0"],
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert proc.stderr is not None
        seen = []
        for line in proc.stderr:
            seen.append(line)
            if line.startswith("serving "):
                break
        url = seen[-1].split()[1]
        assert url.startswith("http://127.0.0.1:") and url.endswith("/"), seen
        status, _, body = request(urlsplit(url).port or 0, "/")
        assert status == 200 and b"Test Dossier" in body
        proc.send_signal(signal.SIGINT)
        rest = proc.stderr.read()
        assert proc.wait(timeout=30) == 0
        assert "Traceback" not in rest and rest.strip().endswith("stopped")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_cli_rejects_a_bad_port(make_project: Callable[..., Path], run_cli: Any) -> None:
    code, err = run_cli(["serve", "-C", str(make_project()), "--port", "70000"])
    assert code == 2 and "invalid port '70000'" in err


def test_port_in_use_is_an_error_not_a_traceback(make_project: Callable[..., Path]) -> None:
    root = make_project()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port, notices = taken.getsockname()[1], list[str]()
        code = serve(root, port=port, notice=notices.append)
    assert code == 1
    assert notices[0].startswith(f"error: cannot listen on 127.0.0.1:{port}: ")
    assert not (root / "build").exists()


def test_clients_that_reset_their_connection_print_no_traceback(
    make_project: Callable[..., Path], capfd: pytest.CaptureFixture[str]
) -> None:
    """A reload or a closed tab resets connections mid-answer; the server printed a
    traceback for each."""
    import struct

    root = make_project()
    with serving(root) as live:
        for target in ("/", "/01-a.html", EVENTS, asset(root, "style.*.css")):
            sock = socket.create_connection(("127.0.0.1", live.port), timeout=30)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            sock.sendall(f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
            sock.close()  # with linger 0: a reset, not a polite close
        time.sleep(0.5)
        assert request(live.port, "/")[0] == 200  # and it goes on serving
    captured = capfd.readouterr()
    assert "Traceback" not in captured.err + captured.out
    assert "Exception occurred" not in captured.err + captured.out


# --- a real browser ---------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="needs Debian's chromium at /usr/bin/chromium (apt-get install chromium)",
)
def test_browser_reloads_on_edits_and_shows_errors(make_project: Callable[..., Path]) -> None:
    from playwright.sync_api import expect, sync_playwright

    root = make_project()
    source = root / "chapters" / "01-a.md"
    with serving(root) as live, sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"]
        )
        page = browser.new_page()
        main, overlay = page.locator("main"), page.locator("#dossier-errors")
        page.goto(live.url + "01-a.html")
        expect(main).to_contain_text("Text citing")
        page.evaluate("window.sameDocument = true")

        edit(source, chapter("Freshly edited text [@smith2020]."))
        expect(main).to_contain_text("Freshly edited text", timeout=30_000)
        assert page.evaluate("window.sameDocument") is None  # reloaded

        page.evaluate("window.sameDocument = true")
        edit(source, chapter("Broken edit [@evil<b>key]."))
        expect(overlay).to_contain_text("unknown citation key 'evil<b>key'", timeout=30_000)
        expect(overlay.locator("b")).to_have_count(0)  # shown as text, not as markup
        expect(main).to_contain_text("Freshly edited text")
        expect(main).not_to_contain_text("Broken edit")
        assert page.evaluate("window.sameDocument") is True  # not reloaded

        page.reload()  # the next page load shows the problem too
        expect(overlay).to_contain_text("[cite.unknown-key]", timeout=30_000)
        expect(main).to_contain_text("Freshly edited text")

        edit(source, chapter("Fixed at last [@smith2020]."))
        expect(main).to_contain_text("Fixed at last", timeout=30_000)
        expect(overlay).to_have_count(0)
        browser.close()
