"""`dossier sources fetch` and the safe fetcher under it, against a web server on
127.0.0.1 (tests/live_http.py): pages archived as HTML, PDF and text with their
sidecar and lock record; redirects; every failure as one line; the size and address
limits."""

from __future__ import annotations

import ipaddress
import json
import shutil
import socket
import threading
import time
import zlib
from collections.abc import Iterator

import pytest

from dossier.live import policy
from dossier.live.bibedit import set_urldate
from dossier.live.fetcher import Fetcher, Limits
from dossier.live.store import safe_key, sniff

from .live_http import Server, serving, serving_tls, text_pdf

MB = 1024 * 1024
HTML = b"<!doctype html><html><body><nav>menu</nav><p>The quick brown fox.</p></body></html>"


@pytest.fixture
def server() -> Iterator[Server]:
    with serving() as s:
        yield s


def bib_of(urls: dict[str, str]) -> str:
    return "\n".join(
        f"@misc{{{key},\n  title = {{Page {key}}},\n  year = {{2024}},\n  url = {{{url}}},\n}}\n"
        for key, url in urls.items()
    )


def project(make_project, urls: dict[str, str]):
    cites = " ".join(f"[@{k}]" for k in urls)
    return make_project(
        {"references.bib": bib_of(urls), "chapters/01-a.md": f"# Alpha\n\nText {cites}.\n"}
    )


def lock_of(root) -> dict:
    return json.loads((root / "sources.lock").read_text())["sources"]


def test_fetch_archives_html_pdf_and_text_with_sidecar_and_lock(run_cli, make_project, server):
    urls = {
        "page": server.page("/page", HTML),
        "paper": server.page("/paper.pdf", text_pdf("Hello PDF world"), "application/pdf"),
        "notes": server.page("/notes", b"Plain notes here.\n", "text/plain; charset=utf-8"),
    }
    root = project(make_project, urls)
    bib_before = (root / "references.bib").read_bytes()
    code, err = run_cli(["sources", "fetch", "--allow-private"], cwd=root)
    assert code == 0, err
    for key, suffix in (("page", ".html"), ("paper", ".pdf"), ("notes", ".txt")):
        assert (root / "sources" / f"{key}{suffix}").is_file()
        side = json.loads((root / "sources" / f"{key}.capture.json").read_text())
        assert side["url"] == urls[key] and side["final_url"] == urls[key]
        assert side["status"] == 200 and side["fetched_at"].endswith("Z")
        record = lock_of(root)[key]
        assert record["path"] == f"sources/{key}{suffix}"
        assert record["sha256"] == side["sha256"]
        assert record["captured"] == side["fetched_at"]
        assert f"{key}: {urls[key]} -> sources/{key}{suffix}" in run_cli.out
    assert (root / "sources" / "page.html").read_bytes() == HTML  # as received
    assert "urldate = {" in run_cli.out
    assert (root / "references.bib").read_bytes() == bib_before  # no --write-bib
    # the archive is a source like any other: listed as ok, quotations checked against it
    code, _ = run_cli(["sources"], cwd=root)
    assert "page" in run_cli.out and "ok" in run_cli.out
    # fetched already: nothing to do without --refresh
    code, err = run_cli(["sources", "fetch", "--allow-private"], cwd=root)
    assert code == 0 and "already archived" in err
    assert len(server.seen) == 3


def test_write_bib_sets_urldate_only(run_cli, make_project, server, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")  # 2023-11-14
    root = project(make_project, {"page": server.page("/page", HTML)})
    code, err = run_cli(["sources", "fetch", "--allow-private", "--write-bib"], cwd=root)
    assert code == 0, err
    text = (root / "references.bib").read_text()
    assert text.count("urldate = {2023-11-14}") == 1
    assert text.replace("  urldate = {2023-11-14}\n", "") == bib_of({"page": server.url("/page")})
    # locked against the entry as it now is: nothing reported as changed
    code, err = run_cli(["check"], cwd=root)
    assert "source.entry-changed" not in err and "source.new" not in err


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("@misc{a,\n  url = {u},\n}\n", "@misc{a,\n  url = {u},\n  urldate = {D}\n}\n"),
        ("@misc{a,\n  url = {u}\n}\n", "@misc{a,\n  url = {u},\n  urldate = {D}\n}\n"),
        (
            "@misc{a, url = {u}, urldate = {2001-01-01}, note = {urldate = {x}}}\n",
            "@misc{a, url = {u}, urldate = {D}, note = {urldate = {x}}}\n",
        ),
        ('@misc{a,\n  URLDATE = "2001",\n}\n', "@misc{a,\n  URLDATE = {D},\n}\n"),
        (
            "@misc{a,\r\n  url = {u}\r\n}\r\n",
            "@misc{a,\r\n  url = {u},\r\n  urldate = {D}\r\n}\r\n",
        ),
    ],
)
def test_urldate_edit_is_minimal(before: str, after: str) -> None:
    text = "% keep me\n\n" + before + "\n@book{b, title = {B}}\n"
    assert set_urldate(text, 3, "D") == "% keep me\n\n" + after + "\n@book{b, title = {B}}\n"


def test_redirect_is_followed_and_recorded(run_cli, make_project, server):
    server.page("/new", HTML)
    old = server.redirect("/old", "/new", 301)
    root = project(make_project, {"page": old})
    code, err = run_cli(["sources", "fetch", "--allow-private"], cwd=root)
    assert code == 0, err
    side = json.loads((root / "sources" / "page.capture.json").read_text())
    assert side["final_url"] == server.url("/new") and side["redirects"] == [old]
    assert lock_of(root)["page"]["final_url"] == server.url("/new")


def failing(server: Server) -> dict[str, str]:
    server.routes["/gone"] = _route(410, b"gone")
    server.routes["/error"] = _route(503, b"busy")
    server.routes["/slow"] = _route(stall=True)
    return {
        "missing": server.url("/nothing-here"),
        "gone": server.url("/gone"),
        "error": server.url("/error"),
        "slow": server.url("/slow"),
        "nodns": "http://no-such-host.invalid/page",
        "ftp": "ftp://example.org/file",
    }


def _route(status: int = 200, body: bytes = b"", stall: bool = False):
    from .live_http import Route

    return Route(status, body, {"Content-Type": "text/html"}, stall)


def test_each_failure_is_one_line_and_nothing_is_stored(run_cli, make_project, server):
    root = project(make_project, failing(server))
    code, err = run_cli(["sources", "fetch", "--allow-private", "--timeout", "0.5"], cwd=root)
    assert code == 1
    lines = [line for line in err.splitlines() if "[live.fetch-failed]" in line]
    assert len(lines) == 6, err
    expected = {
        "missing": "the server answered HTTP 404",
        "gone": "the server answered HTTP 410",
        "error": "the server answered HTTP 503",
        "slow": "no answer within 0.5 s",
        "nodns": "DNS failure: 'no-such-host.invalid' does not resolve",
        "ftp": "only http and https are fetched, not 'ftp:'",
    }
    for key, why in expected.items():
        assert any(f"error: {key}: " in line and why in line for line in lines), (key, err)
    assert "Traceback" not in err
    assert not (root / "sources").exists() and not (root / "sources.lock").exists()


def test_private_addresses_are_refused_without_the_flag(run_cli, make_project, server):
    root = project(make_project, {"page": server.page("/page", HTML)})
    code, err = run_cli(["sources", "fetch"], cwd=root)
    assert code == 1
    assert "resolves to 127.0.0.1, a private, loopback, link-local or reserved address" in err
    assert "--allow-private" in err and server.seen == []  # refused before connecting


def test_a_redirect_to_a_private_address_is_refused(run_cli, make_project, server, monkeypatch):
    # the test's server stands in for a public one: 127.0.0.1 counts as public here,
    # every other private address is still refused
    real = policy.is_private
    loopback = ipaddress.ip_address("127.0.0.1")
    monkeypatch.setattr(policy, "is_private", lambda a: a != loopback and real(a))
    metadata = server.redirect("/meta", "http://169.254.169.254/latest/meta-data/")
    local = server.redirect("/local", "http://localhost:1/admin")
    ten = server.redirect("/ten", "http://10.0.0.7/")
    root = project(make_project, {"meta": metadata, "local": local, "ten": ten})
    code, err = run_cli(["sources", "fetch"], cwd=root)
    assert code == 1
    assert "169.254.169.254, a private, loopback, link-local or reserved address" in err
    assert "'localhost': it points to this computer or a local network" in err
    assert "10.0.0.7, a private" in err
    assert not (root / "sources").exists()
    # the first hops were asked; the private addresses never were (no socket to them:
    # the suite's network guard would have failed the test)
    assert sorted(p for p, _ in server.seen) == ["/local", "/meta", "/ten"]


def test_sixty_megabytes_are_streamed_and_abandoned(server):
    def sixty() -> Iterator[bytes]:
        chunk = b"a" * MB
        for _ in range(60):
            yield chunk

    streamed = server.page("/big", sixty, "text/plain")  # no Content-Length
    declared = server.page(
        "/declared", sixty, "text/plain", headers={"Content-Length": str(60 * MB)}
    )
    fetcher = Fetcher(Limits(read=5, connect=2, total=60), allow_private=True)
    got = fetcher.fetch(streamed)
    assert got.failure == "too-large" and got.body == b""
    assert got.problem == "the page is larger than 50 MB"
    got = fetcher.fetch(declared)
    assert got.failure == "too-large" and got.problem == "the page is 60 MB, more than 50 MB"


def test_at_most_five_redirects(server):
    for n in range(7):
        server.redirect(f"/r{n}", f"/r{n + 1}")
    server.page("/r7", HTML)
    got = Fetcher(allow_private=True).fetch(server.url("/r2"))  # 5 redirects: fine
    assert got.status == 200 and len(got.redirects) == 5
    got = Fetcher(allow_private=True).fetch(server.url("/r0"))
    assert got.failure == "redirects" and got.problem == "more than 5 redirects"


def test_user_agent_and_one_request_per_host_at_a_time(server):
    active, most = 0, 0
    lock = threading.Lock()

    def page() -> Iterator[bytes]:
        nonlocal active, most
        with lock:
            active += 1
            most = max(most, active)
        time.sleep(0.05)  # overlapping requests would show here; none should
        with lock:
            active -= 1
        yield b"<p>x</p>"

    urls = [server.page(f"/p{n}", page) for n in range(4)]
    fetcher = Fetcher(Limits(workers=4), allow_private=True, contact="https://example.org/d")
    results = fetcher.fetch_all(urls)
    assert all(r.status == 200 for r in results.values())
    assert most == 1
    agents = {h["user-agent"] for _, h in server.seen}
    assert len(agents) == 1 and agents.pop().startswith("dossier/")
    assert "(+https://example.org/d)" in server.seen[0][1]["user-agent"]


@pytest.mark.parametrize(
    ("kind", "body", "suffix"),
    [
        ("text/html", b"<p>x</p>", ".html"),
        ("text/plain", b"<!DOCTYPE html><html>", ".html"),  # the bytes win
        ("application/octet-stream", b"%PDF-1.7\n", ".pdf"),
        ("application/pdf", b"not a pdf", None),
        ("text/plain", b"words", ".txt"),
        ("", b"words", ".txt"),
        ("image/png", b"\x89PNG\r\n\x1a\n\x00\x00", None),
        ("application/json", b"{}", None),
    ],
)
def test_sniffed_type(kind: str, body: bytes, suffix: str | None) -> None:
    assert sniff(kind, body) == suffix


@pytest.mark.parametrize(
    ("address", "private"),
    [
        ("127.0.0.1", True),
        ("10.1.2.3", True),
        ("192.168.0.1", True),
        ("169.254.169.254", True),
        ("100.64.0.1", True),
        ("224.0.0.1", True),
        ("::1", True),
        ("fe80::1", True),
        ("::ffff:127.0.0.1", True),
        ("fd00::1", True),
        ("93.184.215.14", False),
        ("2606:4700::1", False),
    ],
)
def test_private_addresses(address: str, private: bool) -> None:
    assert policy.is_private(ipaddress.ip_address(address)) is private


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("file:///etc/passwd", "only http and https"),
        ("javascript:alert(1)", "only http and https"),
        ("http://user:pw@example.org/", "user name or password"),
        ("http:///path", "names no host"),
        ("http://[::1/", "not a valid web address"),
    ],
)
def test_refused_urls(url: str, why: str) -> None:
    got = Fetcher().fetch(url)
    assert got.failure == "blocked" and why in got.problem


def test_numeric_spellings_of_loopback_are_refused() -> None:
    for url in ("http://2130706433/", "http://0x7f.1/", "http://127.1/", "http://[::1]/"):
        got = Fetcher().fetch(url)
        assert got.failure == "blocked", url


@pytest.mark.parametrize(
    ("key", "ok"), [("smith2020", True), ("a:b-c.d_e+f", True), ("../x", False), ("a/b", False)]
)
def test_safe_keys(key: str, ok: bool) -> None:
    assert safe_key(key) is ok


def test_a_damaged_lock_is_not_overwritten(run_cli, make_project, server):
    root = project(make_project, {"page": server.page("/page", HTML)})
    (root / "sources.lock").write_text("{not json")
    code, err = run_cli(["sources", "fetch", "--allow-private"], cwd=root)
    assert code == 1 and "[source.lock]" in err
    assert (root / "sources.lock").read_text() == "{not json"


def test_nothing_to_fetch(run_cli, make_project):
    root = make_project()
    code, err = run_cli(["sources", "fetch"], cwd=root)
    assert code == 0 and "nothing to fetch" in err


def test_the_connection_goes_to_the_address_checked(server, monkeypatch):
    """DNS rebinding: the name is resolved once per hop, checked, and the connection
    made to that address; a second answer (here the metadata address) is never asked
    for, and the server still sees the name in Host."""
    real = policy.is_private
    loopback = ipaddress.ip_address("127.0.0.1")
    monkeypatch.setattr(policy, "is_private", lambda a: a != loopback and real(a))
    asked: list[str] = []
    real_lookup = socket.getaddrinfo

    def lookup(host, port, *args, **kwargs):
        if host == "rebind.test":
            asked.append(host)
            address = "127.0.0.1" if len(asked) == 1 else "169.254.169.254"
            return real_lookup(address, port, *args, **kwargs)
        return real_lookup(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", lookup)
    server.page("/page", HTML)
    got = Fetcher().fetch(f"http://rebind.test:{server.port}/page")
    assert got.status == 200 and got.body == HTML
    assert asked == ["rebind.test"]
    assert server.seen[0][1]["host"] == f"rebind.test:{server.port}"


def test_a_certificate_that_fails_is_a_tls_failure(tmp_path):
    if shutil.which("openssl") is None:
        pytest.skip("no openssl command to make a certificate")
    with serving_tls(tmp_path) as tls:
        url = tls.page("/page", HTML)
        got = Fetcher(Limits(read=5, connect=5, total=20), allow_private=True).fetch(url)
    assert got.failure == "tls", got.problem
    assert got.problem.startswith("TLS failure: ") and "\n" not in got.problem


def test_refresh_archives_again_and_relocks(run_cli, make_project, server):
    url = server.page("/page", HTML)
    root = project(make_project, {"page": url})
    assert run_cli(["sources", "fetch", "--allow-private"], cwd=root)[0] == 0
    first = lock_of(root)["page"]["sha256"]
    server.page("/page", HTML.replace(b"quick", b"slow"))
    code, err = run_cli(["sources", "fetch", "--allow-private", "--refresh", "page"], cwd=root)
    assert code == 0, err
    record = lock_of(root)["page"]
    assert record["sha256"] != first
    assert b"slow" in (root / "sources" / "page.html").read_bytes()
    # a page that is now of another type never hides behind the old copy
    server.page("/page", b"plain words now", "text/plain")
    code, err = run_cli(["sources", "fetch", "--allow-private", "--refresh"], cwd=root)
    assert code == 1 and "the page is now TXT, but the archive is sources/page.html" in err
    assert not (root / "sources" / "page.txt").exists()


def test_a_compressed_bomb_is_abandoned_past_the_limit(server):
    """60 MB of zeros in about 60 KB of gzip: the limit counts what is decompressed."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)  # 31: the gzip format
    zeros = bytes(MB)
    packed = b"".join(packer.compress(zeros) for _ in range(60)) + packer.flush()
    assert len(packed) < MB
    url = server.page("/bomb", packed, "text/plain", headers={"Content-Encoding": "gzip"})
    got = Fetcher(allow_private=True).fetch(url)
    assert got.failure == "too-large" and got.problem == "the page is larger than 50 MB"


def test_two_hosts_are_fetched_at_the_same_time(server):
    """127.0.0.1 and localhost are two hosts: their pages meet at a barrier, which
    only both requests in flight at once can pass."""
    meeting = threading.Barrier(2, timeout=10)

    def page() -> Iterator[bytes]:
        try:
            meeting.wait()
            yield b"together"
        except threading.BrokenBarrierError:
            yield b"alone"

    server.page("/meet", page, "text/plain")
    urls = [server.url("/meet"), f"http://localhost:{server.port}/meet"]
    results = Fetcher(allow_private=True).fetch_all(urls)
    assert [results[u].body for u in urls] == [b"together", b"together"]
