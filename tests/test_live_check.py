"""`dossier sources check --live`: the live page against the locked archive (unchanged,
changed with a word diff and each quotation's fate, moved, gone, unreachable), the
citations affected, the text and JSON reports, exit statuses, the record in
sources.lock; and `build` and `check` never opening a socket."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from dossier import build as pipeline

from .live_http import Route, Server, serving

STORY = b"<html><body><p>The fox jumps over the dog.</p><p>The weather was sunny.</p></body></html>"
CHAPTER = """\
# Alpha

As the page says, "the fox jumps over the dog" [@story]. See also [@other].
"""


@pytest.fixture
def server() -> Iterator[Server]:
    with serving() as s:
        yield s


def entry(key: str, url: str) -> str:
    return f"@misc{{{key},\n  title = {{Page {key}}},\n  year = {{2024}},\n  url = {{{url}}},\n}}\n"


@pytest.fixture
def fetched(make_project, server, run_cli, monkeypatch):
    """A project citing two pages, both fetched and locked (dates fixed)."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")  # 2023-11-14
    story = server.page("/story", STORY)
    other = server.page("/other", b"Another page, in plain text.", "text/plain")
    bib = entry("story", story) + "\n" + entry("other", other)
    root = make_project({"references.bib": bib, "chapters/01-a.md": CHAPTER})
    code, err = run_cli(["sources", "fetch", "--allow-private"], cwd=root)
    assert code == 0, err
    return root


def check(run_cli, root: Path, *more: str) -> tuple[int, str]:
    return run_cli(
        ["sources", "check", "--live", "--allow-private", "--timeout", "0.5", *more], cwd=root
    )


def live_of(root: Path, key: str) -> dict:
    return json.loads((root / "sources.lock").read_text())["sources"][key]["live"]


def test_unchanged_pages_exit_0(fetched, run_cli):
    code, err = check(run_cli, fetched)
    assert code == 0, err
    assert run_cli.out.splitlines()[0].startswith("unchanged    story")
    assert "2 cited URL(s) checked on 2023-11-14: 2 unchanged, 0 changed" in err
    assert live_of(fetched, "story") == {
        "state": "unchanged",
        "checked": "2023-11-14",
        "since": "2023-11-14",
        "status": 200,
        "final_url": json.loads((fetched / "sources.lock").read_text())["sources"]["story"]["url"],
        "detail": "",
    }


def test_typography_is_no_change(fetched, run_cli, server):
    server.page("/story", STORY.replace(b"fox jumps", b"fox\n   jumps").replace(b"<p>", b"<p> "))
    code, _ = check(run_cli, fetched)
    assert code == 0


def test_one_sentence_changed_the_quotation_still_there(fetched, run_cli, server):
    server.page("/story", STORY.replace(b"was sunny", b"was rainy"))
    code, err = check(run_cli, fetched)
    assert code == 1
    out = run_cli.out
    assert "changed      story" in out and "(1 word(s) removed, 1 added)" in out
    assert "- “sunny.”  + “rainy.”" in out
    assert "quotation at chapters/01-a.md:3:19: still on the live page" in out
    assert "cited at chapters/01-a.md:3:48" in out
    assert "[live.changed]" in err and "no longer on the page" not in err
    assert live_of(fetched, "story")["state"] == "changed"


def test_one_sentence_changed_the_quotation_gone(fetched, run_cli, server):
    server.page("/story", STORY.replace(b"fox jumps over", b"fox leaps over"))
    code, err = check(run_cli, fetched)
    assert code == 1
    assert "quotation at chapters/01-a.md:3:19: NOT on the live page" in run_cli.out
    assert "quotation(s) no longer on the page: chapters/01-a.md:3:19" in err


def test_moved_when_redirected_elsewhere(fetched, run_cli, server):
    server.page("/elsewhere", STORY)
    server.redirect("/story", "/elsewhere", 301)
    code, err = check(run_cli, fetched, "story")
    assert code == 1
    assert f"moved        story  {server.url('/story')}  (now at {server.url('/elsewhere')})" in (
        run_cli.out
    )
    assert "readers are sent to the archived copy sources/story.html" in run_cli.out
    assert "[live.moved]" in err


@pytest.mark.parametrize(
    ("route", "state", "detail", "exit_code"),
    [
        (Route(404, b"no"), "gone", "HTTP 404", 1),
        (Route(410, b"no"), "gone", "HTTP 410", 1),
        (Route(503, b"busy"), "unreachable", "HTTP 503: try again later", 3),
        (Route(stall=True), "unreachable", "no answer within 0.5 s", 3),
    ],
)
def test_gone_and_unreachable(fetched, run_cli, server, route, state, detail, exit_code):
    server.routes["/story"] = route
    code, err = check(run_cli, fetched)
    assert code == exit_code
    assert f"{state:<12} story" in run_cli.out and f"({detail})" in run_cli.out
    assert f"[live.{state}]" in err and "Traceback" not in err
    assert live_of(fetched, "story")["state"] == state


def test_dns_failure_is_gone(make_project, run_cli, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    root = make_project(
        {
            "references.bib": entry("story", "http://dead-host.invalid/page"),
            "chapters/01-a.md": CHAPTER.replace(" See also [@other].", ""),
            "sources/story.html": STORY.decode(),
        }
    )
    assert run_cli(["sources", "accept"], cwd=root)[0] == 0
    code, _ = check(run_cli, root)
    assert code == 1
    assert "gone         story  http://dead-host.invalid/page  (DNS failure:" in run_cli.out
    assert live_of(root, "story")["state"] == "gone"


def test_json_report(fetched, run_cli, server):
    server.page("/story", STORY.replace(b"fox jumps over", b"fox leaps over"))
    server.routes["/other"] = Route(410, b"")
    code, _ = check(run_cli, fetched, "--json")
    assert code == 1
    data = json.loads(run_cli.out)
    assert data["checked"] == "2023-11-14" and data["exit"] == 1 and data["recorded"] == 2
    assert data["summary"]["changed"] == 1 and data["summary"]["gone"] == 1
    story, other = data["results"]
    assert story["key"] == "story" and story["code"] == "live.changed"
    assert story["diff"] == {
        "removed": 1,
        "added": 1,
        "changes": [{"removed": "jumps", "added": "leaps"}],
    }
    assert story["quotations"] == [{"at": "chapters/01-a.md:3:19", "on_live_page": False}]
    assert story["citations"] == ["chapters/01-a.md:3:48"]
    assert other["state"] == "gone" and other["status"] == 410 and other["diff"] is None


def test_dead_since_is_kept_and_accept_keeps_the_record(fetched, run_cli, server, monkeypatch):
    server.routes["/story"] = Route(404, b"")
    check(run_cli, fetched, "story")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1710000000")  # 2024-03-09
    check(run_cli, fetched, "story")
    live = live_of(fetched, "story")
    assert live["checked"] == "2024-03-09" and live["since"] == "2023-11-14"
    assert run_cli(["sources", "accept"], cwd=fetched)[0] == 0
    record = json.loads((fetched / "sources.lock").read_text())["sources"]["story"]
    assert record["live"] == live and record["captured"].startswith("20")


def test_only_keys_named_and_usage(fetched, run_cli):
    code, err = run_cli(["sources", "check", "--allow-private"], cwd=fetched)
    assert code == 2 and "needs --live" in err
    code, err = check(run_cli, fetched, "nosuchkey")
    assert code == 2 and "no bibliography entry 'nosuchkey'" in err
    code, _ = check(run_cli, fetched, "other")
    assert code == 0 and "story" not in run_cli.out


def _no_sockets(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a socket was opened")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


def test_build_and_check_open_no_socket(fetched, run_cli, server, monkeypatch):
    """With live results recorded (a dead link, a changed page), a build and a check
    use them from sources.lock: no socket at all, loopback included."""
    server.routes["/story"] = Route(404, b"")
    server.page("/other", b"Another page, edited.", "text/plain")
    check(run_cli, fetched)
    _no_sockets(monkeypatch)
    result = pipeline.check(fetched, progress=lambda _: None)
    assert result.ok
    result = pipeline.build(fetched, html=True, pdf=False, progress=lambda _: None)
    assert result.ok, [d.format() for d in result.diagnostics]
    code, err = run_cli(["check"], cwd=fetched)
    assert code == 0, err


def test_sources_list_shows_the_last_live_check(fetched, run_cli, server):
    server.routes["/story"] = Route(410, b"")
    check(run_cli, fetched)
    code, _ = run_cli(["sources"], cwd=fetched)
    assert code == 0
    line = next(x for x in run_cli.out.splitlines() if x.startswith("story"))
    assert line.endswith("live: gone (2023-11-14)")


@pytest.mark.parametrize(
    ("failure", "status", "state"),
    [
        ("dns", 0, "gone"),
        ("tls", 0, "gone"),
        ("timeout", 0, "unreachable"),
        ("connect", 0, "unreachable"),
        ("blocked", 0, "unreachable"),
        ("too-large", 200, "unreachable"),
        ("", 404, "gone"),
        ("", 410, "gone"),
        ("", 500, "unreachable"),
        ("", 429, "unreachable"),
    ],
)
def test_states_of_failures(failure: str, status: int, state: str) -> None:
    from dossier.live.checking import judge
    from dossier.live.fetcher import Fetched

    got = Fetched("https://e.org/a", "https://e.org/a", status, "", b"", "", failure, "why")
    assert judge("k", got, None, "https://e.org/a", None, "2026-01-01").state == state


@pytest.mark.parametrize(
    ("final", "state"),
    [
        ("https://e.org/a", "not-archived"),
        ("http://E.org/a/", "not-archived"),  # https -> http, case, a trailing slash
        ("https://e.org/a#part", "not-archived"),
        ("https://e.org/b", "moved"),
        ("https://other.org/a", "moved"),
    ],
)
def test_moved_or_not(final: str, state: str) -> None:
    from dossier.live.checking import judge
    from dossier.live.fetcher import Fetched

    got = Fetched("https://e.org/a", final, 200, "text/plain", b"x", "")
    assert judge("k", got, "x", "https://e.org/a", None, "2026-01-01").state == state
