"""Shared fixtures: small projects written from a dict, the CLI run in-process, the
messy test project built once, and an HTML reader for checking the built site."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import struct
import zlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest

from dossier import build as pipeline
from dossier.cli import main

ROOTS = Path(__file__).resolve().parent / "roots"

# A small project that builds with 0 errors and 0 warnings. Tests add or replace files
# (a value of None removes a default file).
DEFAULT_TOML = """\
title = "Test Dossier"
authors = ["Ann Author"]
csl = "apa"
chapters = ["chapters/01-a.md"]
"""
DEFAULT_CHAPTER = """\
# Alpha {#sec-alpha}

Text citing [@smith2020].
"""
SMITH = """\
@book{smith2020,
  author    = {Smith, Jane},
  title     = {A Book About Things},
  year      = {2020},
  publisher = {Example Press},
}
"""
JONES = """\
@article{jones2019,
  author  = {Jones, Bob},
  title   = {An Article on Examples},
  journal = {Journal of Examples},
  year    = {2019},
  volume  = {3},
  pages   = {1--10},
}
"""
DEFAULTS: dict[str, str] = {
    "dossier.toml": DEFAULT_TOML,
    "chapters/01-a.md": DEFAULT_CHAPTER,
    "references.bib": SMITH,
}


@contextmanager
def time_limit(seconds: int, failure: Callable[[], BaseException]) -> Iterator[None]:
    """Raise failure() if the block runs longer than `seconds` (SIGALRM): a hang (a FIFO
    opened, a runaway parse) fails the test instead of blocking the suite."""

    def expired(signum: int, frame: object) -> None:
        raise failure()

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def tiny_png() -> bytes:
    """A valid 1x1 greyscale PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\x00"))
        + chunk(b"IEND", b"")
    )


def write_project(
    root: Path, files: Mapping[str, str | bytes | None], defaults: bool = True
) -> Path:
    merged: dict[str, str | bytes | None] = {**(DEFAULTS if defaults else {}), **files}
    root.mkdir(parents=True, exist_ok=True)
    for rel, content in merged.items():
        if content is None:
            continue
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_bytes(content.encode("utf-8"))
    return root


@dataclass(frozen=True)
class BuiltProject:
    root: Path
    result: pipeline.Result
    html: Path


class Texts:
    """File contents tests combine into projects."""

    toml = DEFAULT_TOML
    chapter = DEFAULT_CHAPTER
    smith = SMITH
    jones = JONES

    @staticmethod
    def png() -> bytes:
        return tiny_png()


@pytest.fixture(scope="session")
def texts() -> type[Texts]:
    return Texts


@pytest.fixture
def make_project(tmp_path: Path) -> Callable[..., Path]:
    """make_project({"chapters/01-a.md": "...", ...}, defaults=True, name="proj") -> root.

    Writes the files (str as UTF-8, bytes as they are) over a small default project
    (dossier.toml, chapters/01-a.md, references.bib) unless defaults=False."""
    made: set[str] = set()

    def make(
        files: Mapping[str, str | bytes | None] | None = None,
        *,
        defaults: bool = True,
        name: str = "proj",
    ) -> Path:
        assert name not in made, f"project {name!r} already made in this test"
        made.add(name)
        return write_project(tmp_path / name, files or {}, defaults)

    return make


@pytest.fixture(scope="session")
def project_factory(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., Path]:
    """Like make_project, for module- and session-scoped fixtures."""

    def make(
        files: Mapping[str, str | bytes | None] | None = None,
        *,
        defaults: bool = True,
        name: str = "proj",
    ) -> Path:
        return write_project(tmp_path_factory.mktemp(name) / name, files or {}, defaults)

    return make


def quiet(message: str) -> None:
    """A progress callback that prints nothing."""


@pytest.fixture(scope="session")
def build_project() -> Callable[..., BuiltProject]:
    """build_project(root, html=True, pdf=False, **kw) -> BuiltProject, via the pipeline."""

    def run(root: Path, *, html: bool = True, pdf: bool = False, **kwargs: object) -> BuiltProject:
        result = pipeline.build(root, html=html, pdf=pdf, progress=quiet, **kwargs)
        return BuiltProject(root, result, root / "build" / "html")

    return run


class CliRunner:
    """run_cli(args, cwd) -> (exit code, stderr); the last stdout is in .out."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
        self._monkeypatch = monkeypatch
        self._capsys = capsys
        self.out = ""

    def __call__(self, args: list[str], cwd: Path | None = None) -> tuple[int, str]:
        if cwd is not None:
            self._monkeypatch.chdir(cwd)
        self._capsys.readouterr()  # drop anything printed before
        code = main(args)
        captured = self._capsys.readouterr()
        self.out = captured.out
        return code, captured.err


@pytest.fixture
def run_cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> CliRunner:
    return CliRunner(monkeypatch, capsys)


# `make quick` sets DOSSIER_TEST_PANDOC_MEMO=1: pandoc's answers are kept for the session,
# keyed by everything pandoc reads (its arguments, the document on its stdin, the bytes
# of the bibliography and style copies it is given), so the many small projects that
# differ only in their prose run pandoc once. pandoc is deterministic on its inputs, so
# the answers are the same; the full run (`make test`, CI) never uses this.
_PANDOC_ANSWERS: dict[tuple[object, ...], tuple[str, str]] = {}


@pytest.fixture(autouse=True)
def _pandoc_memo(monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> None:
    if os.environ.get("DOSSIER_TEST_PANDOC_MEMO") != "1":
        return
    if request.node.get_closest_marker("real_pandoc"):  # the test watches pandoc run
        return
    from dossier.cite import engine as cite

    real = cite._run

    def remembered(args: Sequence[str], stdin: str, cwd: Path) -> tuple[str, str]:
        here = str(cwd)
        files = tuple(
            (a.replace(here, "<run>"), Path(a).read_bytes())
            for a in args
            if a.startswith(here) and Path(a).is_file()
        )
        key = (tuple(a.replace(here, "<run>") for a in args), stdin, files)
        if key not in _PANDOC_ANSWERS:
            _PANDOC_ANSWERS[key] = real(args, stdin, cwd)
        return _PANDOC_ANSWERS[key]

    monkeypatch.setattr(cite, "_run", remembered)


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any attempt of dossier (in this process) to open a network connection fails the
    test loudly (loopback excepted: the preview server tests talk to it); subprocesses
    (pandoc, the PDF worker) are checked by their output."""
    real_connect = socket.socket.connect

    def guarded(self: socket.socket, address: object) -> None:
        loopback = isinstance(address, tuple) and address[0] in ("127.0.0.1", "::1")
        if self.family in (socket.AF_INET, socket.AF_INET6) and not loopback:
            raise AssertionError(f"network access attempted: {address!r}")
        real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)


# --- the messy project, built once --------------------------------------------------------


@pytest.fixture(scope="session")
def messy_build(tmp_path_factory: pytest.TempPathFactory) -> BuiltProject:
    """tests/roots/messy (3 chapters, 33-entry messy BibTeX, APA) copied to a temporary
    folder and built once, HTML only."""
    root = tmp_path_factory.mktemp("messy") / "messy"
    shutil.copytree(ROOTS / "messy", root, ignore=shutil.ignore_patterns("build"))
    result = pipeline.build(root, html=True, pdf=False, progress=quiet)
    return BuiltProject(root, result, root / "build" / "html")


# --- reading a built site -------------------------------------------------------------------


@dataclass
class Page:
    name: str
    text: str
    ids: set[str] = field(default_factory=set)
    # (tag, attribute, value) for every href/src on the page
    refs: list[tuple[str, str, str]] = field(default_factory=list)


class _Reader(HTMLParser):
    def __init__(self, page: Page):
        super().__init__(convert_charrefs=True)
        self.page = page

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value is None:
                continue
            if name == "id":
                self.page.ids.add(value)
            elif name in ("href", "src"):
                self.page.refs.append((tag, name, value))

    handle_startendtag = handle_starttag


def read_site(html_dir: Path) -> dict[str, Page]:
    pages = {}
    for path in sorted(html_dir.glob("*.html")):
        page = Page(path.name, path.read_text(encoding="utf-8"))
        _Reader(page).feed(page.text)
        pages[path.name] = page
    return pages


@pytest.fixture(scope="session")
def load_site() -> Callable[[Path], dict[str, Page]]:
    """load_site(build/html) -> {page name: Page(text, ids, refs)}."""
    return read_site
