"""Hostile CSL styles: a dependent style whose parent link is spelled so that a regex
misses it (single quotes, spaces around '=', character references, an entity from a
DTD) and points at a file outside the project or at a URL. Pandoc follows such links
itself, even with --sandbox, so dossier resolves every style first: the outside file is
never read into the site, the URL never fetched, and the error names the .csl at the
link. Also: a style with a DTD is blamed on the style, a BibTeX key pandoc cannot read
is reported alike by check and build, and the private temporary folders of dead builds
are removed."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from dossier import build as pipeline
from dossier.cite import engine as cite

from .conftest import quiet

CANARY = "canary-3f9d1c7a-outside-the-project"
# An independent style that would print the canary in every citation and entry.
CANARY_STYLE = f"""<?xml version="1.0" encoding="utf-8"?>
<style xmlns="http://purl.org/net/xbiblio/csl" class="in-text" version="1.0">
  <info>
    <title>Canary</title>
    <id>canary</id>
    <updated>2020-01-01T00:00:00+00:00</updated>
  </info>
  <citation><layout><text value="{CANARY}"/></layout></citation>
  <bibliography><layout><text value="{CANARY}"/></layout></bibliography>
</style>
"""


def dependent(link: str, doctype: str = "") -> str:
    return f"""<?xml version="1.0" encoding="utf-8"?>
{doctype}<style xmlns="http://purl.org/net/xbiblio/csl" version="1.0" default-locale="en-US">
  <info>
    <title>Dependent</title>
    <id>http://example.org/dependent</id>
    {link}
    <updated>2020-01-01T00:00:00+00:00</updated>
  </info>
</style>
"""


def spelled(how: str, href: str) -> str:
    """A dependent style linking `href` as its parent, the link spelled `how`."""
    if how == "single-quotes":
        return dependent(f"<link rel='independent-parent' href='{href}'/>")
    if how == "spaces":
        return dependent(f'<link rel = "independent-parent"  href = "{href}" />')
    if how == "char-refs":
        coded = href.replace("/", "&#x2F;").replace(".", "&#46;")
        return dependent(f'<link rel="independent&#x2D;parent" href="{coded}"/>')
    assert how == "dtd-entity"
    doctype = f'<!DOCTYPE style [\n<!ENTITY rel "independent-parent">\n<!ENTITY up "{href}">\n]>\n'
    return dependent('<link rel="&rel;" href="&up;"/>', doctype)


SPELLINGS = ["single-quotes", "spaces", "char-refs", "dtd-entity"]


def line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


def style_project(make_project, text: str) -> Path:
    toml = 'title = "T"\nauthors = ["A"]\ncsl = "styles/dep.csl"\nchapters = ["chapters/01-a.md"]\n'
    return make_project({"dossier.toml": toml, "styles/dep.csl": text})


def assert_refused_at_the_style(result: pipeline.Result, text: str, how: str) -> None:
    errors = [d for d in result.diagnostics if d.severity.value == "error"]
    assert not result.ok
    if how == "dtd-entity":
        expected = ("csl.dtd", line_of(text, "<!DOCTYPE"))
    else:
        expected = ("csl.parent", line_of(text, "<link"))
    assert [
        (d.code, d.location and d.location.path, d.location and d.location.line) for d in errors
    ] == [(expected[0], "styles/dep.csl", expected[1])], [d.format() for d in errors]


def everything_in(folder: Path) -> str:
    if not folder.exists():
        return ""
    return "\n".join(
        p.read_bytes().decode("utf-8", "replace") for p in folder.rglob("*") if p.is_file()
    )


@pytest.mark.parametrize("how", SPELLINGS)
def test_parent_outside_the_project_is_never_read(make_project, tmp_path, how) -> None:
    canary = tmp_path / "canary.csl"  # a sibling of the project, outside it
    canary.write_text(CANARY_STYLE, encoding="utf-8")
    text = spelled(how, str(canary))
    root = style_project(make_project, text)
    result = pipeline.build(root, html=True, pdf=False, progress=quiet)
    assert CANARY not in everything_in(root / "build")
    assert_refused_at_the_style(result, text, how)


@pytest.fixture
def listener() -> Iterator[tuple[int, list[bytes]]]:
    """A TCP listener on 127.0.0.1; yields (port, what each connection sent)."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.settimeout(0.1)
    seen: list[bytes] = []
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(1)
                try:
                    seen.append(conn.recv(1024) or b"(connected)")
                except OSError:
                    seen.append(b"(connected)")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield server.getsockname()[1], seen
    finally:
        time.sleep(0.3)  # a connection in flight is still counted
        stop.set()
        thread.join()
        server.close()


@pytest.mark.parametrize("how", SPELLINGS)
def test_parent_url_is_never_fetched(make_project, listener, how) -> None:
    port, seen = listener
    text = spelled(how, f"http://127.0.0.1:{port}/styles/apa")
    root = style_project(make_project, text)
    result = pipeline.build(root, html=True, pdf=False, progress=quiet)
    time.sleep(0.3)
    assert seen == []
    assert_refused_at_the_style(result, text, how)


def test_parent_must_be_an_installed_style(make_project) -> None:
    """The installed collection's own form, with any spelling, resolves; anything
    that only looks like it (another host, a name not installed) does not."""
    good = dependent("<link rel='independent-parent' href='http://www.zotero.org/styles/apa'/>")
    root = style_project(make_project, good)
    result = pipeline.build(root, html=True, pdf=False, progress=quiet)
    assert result.ok, [d.format() for d in result.diagnostics]
    page = (root / "build/html/01-a.html").read_text("utf-8")
    assert "Smith, 2020" in page

    for href in (
        "https://example.org/styles/apa",
        "http://www.zotero.org/styles/no-such-style",
        "http://www.zotero.org/styles/../apa",
        "file:///etc/passwd",
    ):
        text = dependent(f'<link rel="independent-parent" href="{href}"/>')
        (root / "styles/dep.csl").write_text(text, encoding="utf-8")
        style, problems = cite.resolve_style(root, "styles/dep.csl", None)  # type: ignore[arg-type]
        assert style is None
        assert [(p.code, p.location.line if p.location else 0) for p in problems] == [
            ("csl.parent", line_of(text, "<link"))
        ], href


def test_installed_dependent_styles_resolve_to_their_installed_parent(tmp_path) -> None:
    """As before: a named dependent style is formatted with its parent."""
    for name in ("nature-biotechnology", "chicago-note-bibliography", "apa"):
        style, problems = cite.resolve_style(tmp_path, name, None)  # type: ignore[arg-type]
        assert not problems and style is not None, name
        assert style.parent == cite.styles_dir(), style
    style, _ = cite.resolve_style(tmp_path, "nature-biotechnology", None)  # type: ignore[arg-type]
    assert style == cite.styles_dir() / "nature.csl"


def test_a_style_with_a_dtd_is_blamed_on_the_style(make_project, run_cli) -> None:
    apa = (cite.styles_dir() / "apa.csl").read_text("utf-8")
    head, rest = apa.split("\n", 1)
    text = f'{head}\n<!DOCTYPE style SYSTEM "style.dtd">\n{rest}'
    root = style_project(make_project, text)
    for command in (["check", "-q"], ["build", "-q", "--html"]):
        code, err = run_cli(command, root)
        assert code == 1
        lines = [line for line in err.splitlines() if ": error: " in line]
        assert lines and all(line.startswith("styles/dep.csl:2:") for line in lines), err
        assert "[csl.dtd]" in lines[0] and "references.bib" not in err


def test_a_key_pandoc_cannot_read_is_reported_alike_by_check_and_build(
    make_project, run_cli, texts
) -> None:
    bib = (
        texts.smith
        + "\n@book{bad<key>,\n  author = {Doe, Jo},\n  title = {B},\n  year = {2021},\n}\n"
    )
    root = make_project({"references.bib": bib, "chapters/01-a.md": "# A\n\nText [@smith2020].\n"})
    reports = []
    for command in (["check", "-q"], ["build", "-q", "--html"]):
        code, err = run_cli(command, root)
        assert code == 1, err
        reports.append([line for line in err.splitlines() if ": error: " in line])
    assert reports[0] == reports[1]
    assert len(reports[0]) == 1 and reports[0][0].startswith("references.bib:8:"), reports
    assert "bad<key>" in reports[0][0] and "[bib.key]" in reports[0][0]
    assert tempfile.gettempdir() not in "".join(reports[0])


@pytest.mark.real_pandoc
def test_pandoc_runs_sandboxed_on_copies_in_a_private_folder(make_project, monkeypatch) -> None:
    root = make_project()
    calls: list[list[str]] = []
    real = subprocess.run

    def spy(args, *a, **k):  # type: ignore[no-untyped-def]
        calls.append([str(x) for x in args])
        return real(args, *a, **k)

    monkeypatch.setattr(cite.subprocess, "run", spy)
    result = pipeline.build(root, html=True, pdf=False, progress=quiet)
    assert result.ok
    pandoc = [c for c in calls if c and c[0] == cite.pandoc_path()]
    assert pandoc
    for args in pandoc:
        assert "--sandbox" in args
        given = [Path(args[i + 1]) for i, a in enumerate(args) if a in ("--csl", "--bibliography")]
        assert len(given) == 2
        for path in given:
            assert path.parent.parent.name.startswith(f"dossier-cite-{os.getpid()}-"), path
            assert root not in path.parents
            assert not path.exists()  # removed when the build was done


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_private_folders_of_dead_builds_are_removed(make_project, tmp_path, monkeypatch) -> None:
    base = tmp_path / "tmp"
    base.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(base))
    old = time.time() - 2 * 3600
    very_old = time.time() - 3 * 24 * 3600
    gone = dead_pid()
    folders = {
        f"dossier-cite-{gone}-abcd1234": (old, False),  # a killed build: removed
        f"dossier-cite-{gone}-fresh123": (time.time(), True),  # maybe another namespace's
        f"dossier-cite-{os.getpid()}-mine1234": (old, True),  # a running build
        "dossier-cite-k2j4h5g6": (very_old, False),  # what earlier versions left
        "dossier-style-a1b2c3d4": (very_old, False),
        "dossier-style-recent12": (time.time(), True),
        "dossier-citeful": (very_old, True),  # not ours
    }
    for name, (mtime, _) in folders.items():
        (base / name).mkdir()
        (base / name / "references.bib").write_text("x", encoding="utf-8")
        os.utime(base / name, (mtime, mtime))
    root = make_project()
    result = pipeline.build(root, html=True, pdf=False, progress=quiet)
    assert result.ok
    left = {p.name for p in base.iterdir()}
    assert left == {name for name, (_, kept) in folders.items() if kept}
