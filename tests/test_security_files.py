"""Files a project ships under the names dossier reads and writes (issue 13, classes 2,
7, 8 and 9): symlinks out of the project, FIFOs, devices and huge sparse files under
fixed names; a preview server pointed at / through build/html; limits asked for in
dossier.toml; terminal escape sequences in text that diagnostics quote. Each is
refused, clamped or shown escaped; nothing outside the project is read or written."""

from __future__ import annotations

import json
import os
import stat
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from dossier import limits, projectfs
from dossier.config import BUILD_MARKER, parse_config
from dossier.diagnostics import Location, error
from dossier.evidence.archive import LOCK_NAME
from dossier.serve.watch import plan, real_folders

from .conftest import time_limit
from .test_serve import request, serving

SECRET = "SECRET-OUTSIDE-THE-PROJECT"
ARCHIVE = {"sources/smith2020.txt": "The archived text of the book.\n"}


class Hang(Exception):
    pass


def no_hang(seconds: int = 10) -> Any:
    return time_limit(seconds, lambda: Hang(f"still running after {seconds} s"))


def everything_under(folder: Path) -> str:
    """All the text of every regular file under `folder` ('' when there is none)."""
    if not folder.exists():
        return ""
    return "\n".join(
        p.read_bytes().decode("utf-8", "replace")
        for p in folder.rglob("*")
        if p.is_file() and not p.is_symlink()
    )


def outside_lock(tmp_path: Path) -> Path:
    """A valid lock file outside the project, holding a secret where a build would
    publish it (a locked source's path goes into changes.json)."""
    victim = tmp_path / "outside" / "victim.lock"
    victim.parent.mkdir(exist_ok=True)
    record = {"path": SECRET, "sha256": "0" * 64, "size": 1, "locked": "2001-01-01", "entry": ""}
    victim.write_text(json.dumps({"version": 1, "sources": {"gone": record}}), encoding="utf-8")
    return victim


# --- fixed names: the lock and the configuration ------------------------------------------


def test_sources_lock_tmp_symlink_is_never_written_through(run_cli, make_project, tmp_path):
    victim = tmp_path / "victim-bashrc"
    victim.write_bytes(b"export PATH=/usr/bin\n")
    root = make_project(ARCHIVE)
    (root / "sources.lock.tmp").symlink_to(victim)
    code, _ = run_cli(["sources", "accept", "-q"], root)
    assert code == 0
    assert victim.read_bytes() == b"export PATH=/usr/bin\n"
    assert (root / "sources.lock.tmp").is_symlink()  # left alone, not used
    lock = root / LOCK_NAME
    assert not lock.is_symlink() and "smith2020" in json.loads(lock.read_text())["sources"]
    assert [p.name for p in root.iterdir() if p.name.startswith(".sources.lock")] == []


def test_a_symlinked_sources_lock_is_replaced_not_written_through(run_cli, make_project, tmp_path):
    victim = outside_lock(tmp_path)
    before = victim.read_bytes()
    root = make_project(ARCHIVE)
    (root / LOCK_NAME).symlink_to(victim)
    code, _ = run_cli(["sources", "accept", "-q"], root)
    assert code == 0
    assert victim.read_bytes() == before
    assert not (root / LOCK_NAME).is_symlink()
    assert SECRET not in (root / LOCK_NAME).read_text(encoding="utf-8")


def test_sources_lock_linked_outside_is_refused_and_never_published(
    run_cli, make_project, tmp_path
):
    root = make_project(ARCHIVE)
    (root / LOCK_NAME).symlink_to(outside_lock(tmp_path))
    code, err = run_cli(["build", "--html", "-q"], root)
    assert code == 1
    assert (
        "sources.lock: error: lock file 'sources.lock' is outside the project [load.outside]"
        in err.splitlines()
    ), err
    assert SECRET not in err
    assert SECRET not in everything_under(root / "build")


def test_dossier_toml_linked_outside_is_refused_and_never_published(
    run_cli, make_project, texts, tmp_path
):
    elsewhere = tmp_path / "outside" / "private.toml"
    elsewhere.parent.mkdir()
    elsewhere.write_text(texts.toml.replace("Test Dossier", SECRET), encoding="utf-8")
    root = make_project({"dossier.toml": None})
    (root / "dossier.toml").symlink_to(elsewhere)
    code, err = run_cli(["build", "--html", "-q"], root)
    assert code == 1
    assert err.splitlines() == [
        "dossier.toml: error: configuration 'dossier.toml' is outside the project [load.outside]",
        "1 error, 0 warnings",
    ]
    assert SECRET not in everything_under(root / "build")


def test_a_fifo_sources_lock_fails_fast(run_cli, make_project):
    root = make_project(ARCHIVE)
    os.mkfifo(root / LOCK_NAME)
    with no_hang():
        code, err = run_cli(["check", "-q"], root)
    assert code == 1
    assert (
        "sources.lock: error: lock file 'sources.lock' is not a regular file [load.not-a-file]"
        in err.splitlines()
    ), err


def test_sources_lock_linked_to_dev_zero_is_refused(run_cli, make_project):
    root = make_project(ARCHIVE)
    (root / LOCK_NAME).symlink_to("/dev/zero")
    with no_hang():
        code, err = run_cli(["check", "-q"], root)
    assert code == 1
    assert "lock file 'sources.lock' is outside the project [load.outside]" in err


@pytest.mark.skipif(os.geteuid() != 0, reason="making a device needs root")
def test_sources_lock_that_is_a_device_is_never_read(run_cli, make_project):
    root = make_project(ARCHIVE)
    os.mknod(root / LOCK_NAME, stat.S_IFCHR | 0o666, os.makedev(1, 5))  # /dev/zero
    with no_hang():
        code, err = run_cli(["check", "-q"], root)
    assert code == 1
    assert "[load.not-a-file]" in err


def test_a_huge_sparse_dossier_toml_is_refused_without_reading_it(
    run_cli, make_project, monkeypatch
):
    root = make_project()
    with open(root / "dossier.toml", "r+b") as f:
        f.truncate(1024**3)
    read = os.read
    taken: list[int] = []

    def counting(fd: int, n: int) -> bytes:
        data = read(fd, n)
        taken.append(len(data))
        return data

    monkeypatch.setattr(os, "read", counting)
    with no_hang(5):
        code, err = run_cli(["check", "-q"], root)
    assert code == 1
    assert err.splitlines() == [
        "dossier.toml: error: configuration 'dossier.toml' is larger than 1 MB [load.too-large]",
        "1 error, 0 warnings",
    ]
    assert sum(taken) <= projectfs.MAX_CONFIG_BYTES + 1


def test_a_file_that_grows_past_its_limit_is_read_only_to_the_limit(tmp_path):
    (tmp_path / "big.toml").write_bytes(b"x" * 5000)
    with pytest.raises(projectfs.Refused) as refused:
        projectfs.read_file(tmp_path, "big.toml", 4096)
    assert refused.value.reason == "too-large"
    assert projectfs.read_file(tmp_path, "big.toml", 5000) == b"x" * 5000


def test_a_sources_folder_linked_out_of_the_project_is_not_listed_or_read(
    run_cli, make_project, tmp_path
):
    elsewhere = tmp_path / "outside" / "archive"
    elsewhere.mkdir(parents=True)
    (elsewhere / "smith2020.txt").write_text(SECRET, encoding="utf-8")
    root = make_project()
    (root / "sources").symlink_to(elsewhere, target_is_directory=True)
    code, err = run_cli(["build", "--html", "-q"], root)
    assert code == 1
    assert (
        "sources: error: sources folder 'sources' is outside the project [source.outside]"
        in err.splitlines()
    ), err
    assert SECRET not in err and SECRET not in everything_under(root / "build")


# --- the output folder ---------------------------------------------------------------------


def test_output_folder_linked_out_of_the_project_is_refused(run_cli, make_project, tmp_path):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    root = make_project()
    (root / "build").symlink_to(outside, target_is_directory=True)
    code, err = run_cli(["build", "--html", "-q"], root)
    assert code == 1
    assert (
        "error: output folder 'build' leads out of the project through a symbolic link "
        "[config.output]" in err.splitlines()
    ), err
    assert list(outside.iterdir()) == []
    assert not any(p.name.startswith(".elsewhere.") for p in tmp_path.iterdir())


def test_a_shipped_build_whose_html_links_out_is_not_taken_for_a_build(run_cli, make_project):
    """`build --pdf` keeps the last site by copying build/html: through `html -> /` that
    would copy the whole disk into the project."""
    root = make_project()
    (root / "build").mkdir()
    (root / "build" / BUILD_MARKER).write_text("", encoding="utf-8")
    (root / "build" / "html").symlink_to("/", target_is_directory=True)
    code, err = run_cli(["build", "--html", "-q"], root)
    assert code == 1
    assert "output folder 'build' is not empty and holds no previous dossier build" in err
    assert (root / "build" / "html").is_symlink()


@pytest.mark.parametrize("kind", ["fifo", "dev-zero", "outside"])
def test_a_shipped_cache_that_is_no_regular_file_is_ignored(run_cli, make_project, kind, tmp_path):
    """The build cache lives in build/, which may come with the project: a FIFO would
    hang its read, /dev/zero would fill memory, a link out would be read."""
    root = make_project()
    assert run_cli(["build", "--html", "-q"], root)[0] == 0
    cache = root / "build" / ".dossier-cache.json"
    cache.unlink()
    if kind == "fifo":
        os.mkfifo(cache)
    elif kind == "dev-zero":
        cache.symlink_to("/dev/zero")
    else:
        (tmp_path / "secret.json").write_text('{"version": 1}', encoding="utf-8")
        cache.symlink_to(tmp_path / "secret.json")
    with time_limit(30, lambda: AssertionError(f"{kind}: the build hung on its cache")):
        code, err = run_cli(["build", "--html"], root)
    assert code == 0, err
    assert ("[cache.ignored]" in err) == (kind == "outside"), err  # others: no cache at all
    assert cache.is_file() and not cache.is_symlink()  # the new build's own


@pytest.mark.parametrize("output", ["../site", "/tmp/dossier-site"])
def test_config_output_outside_the_project_is_refused(run_cli, make_project, texts, output):
    root = make_project({"dossier.toml": texts.toml + f'output = "{output}"\n'})
    code, err = run_cli(["check", "-q"], root)
    assert code == 1
    assert (
        f"dossier.toml:5: error: output folder '{output}' is outside the project "
        "(use a dedicated folder such as 'build') [config.output]" in err.splitlines()
    ), err
    assert not (root.parent / "site").exists()


# --- serve ---------------------------------------------------------------------------------


def test_serve_never_serves_the_disk_through_a_symlinked_html_folder(make_project, tmp_path):
    secret = tmp_path / "outside" / "secret.txt"
    secret.parent.mkdir()
    secret.write_text(SECRET + "\n", encoding="utf-8")
    # a build that fails (unknown key), over a build/ the project ships with html -> /
    root = make_project({"chapters/01-a.md": "# Alpha\n\nSee [@nosuch2099].\n"})
    (root / "build").mkdir()
    (root / "build" / BUILD_MARKER).write_text("", encoding="utf-8")
    (root / "build" / "html").symlink_to("/", target_is_directory=True)
    with serving(root) as live:
        for target in ("/etc/passwd", "/etc/hostname", "/proc/self/environ", f"{secret}", "/"):
            status, _, body = request(live.port, target)
            assert status in (404, 503), target
            assert SECRET.encode() not in body and b"root:x:" not in body, target


def test_serve_follows_no_symlink_inside_a_real_build(make_project, tmp_path):
    secret = tmp_path / "outside" / "secret.txt"
    secret.parent.mkdir()
    secret.write_text(SECRET + "\n", encoding="utf-8")
    root = make_project()
    with serving(root) as live:
        html = root / "build" / "html"
        (html / "inside.html").symlink_to(html / "index.html")
        (html / "disk").symlink_to("/", target_is_directory=True)
        (html / "out.txt").symlink_to(secret)
        assert request(live.port, "/index.html")[0] == 200
        for target in ("/inside.html", "/disk/etc/passwd", "/out.txt"):
            status, _, body = request(live.port, target)
            assert status == 403, target
            assert SECRET.encode() not in body and b"root:x:" not in body


def test_serve_without_dossiers_marker_serves_nothing(make_project):
    root = make_project({"chapters/01-a.md": "# Alpha\n\nSee [@nosuch2099].\n"})
    (root / "build" / "html").mkdir(parents=True)
    (root / "build" / "html" / "index.html").write_text(SECRET, encoding="utf-8")
    with serving(root) as live:
        status, _, body = request(live.port, "/index.html")
        assert status == 503 and SECRET.encode() not in body


# --- the watcher ---------------------------------------------------------------------------


def linked_to_root(make_project: Callable[..., Path]) -> Path:
    root = make_project({"chapters/sub/notes.md": "notes\n"})
    (root / "chapters" / "disk").symlink_to("/", target_is_directory=True)
    (root / "sources").mkdir()
    (root / "sources" / "up").symlink_to(root.parent, target_is_directory=True)
    return root


def test_watched_folders_never_follow_a_symlink_out(make_project):
    root = linked_to_root(make_project)
    real = root.resolve()
    with no_hang():
        folders = real_folders(plan(root))
    assert real / "chapters" in folders and real / "chapters" / "sub" in folders
    assert all(f == real or real in f.parents for f in folders), folders
    assert not any("disk" in f.parts or "up" in f.parts for f in folders)


def test_serve_watches_each_folder_without_recursing(make_project, monkeypatch):
    import watchfiles

    root = linked_to_root(make_project)
    calls: list[tuple[tuple[str, ...], bool]] = []

    def fake_watch(
        *paths: str, recursive: bool = True, stop_event: threading.Event, **_: object
    ) -> Iterator[set[object]]:
        calls.append((tuple(map(str, paths)), recursive))
        yield set()
        stop_event.wait()

    monkeypatch.setattr(watchfiles, "watch", fake_watch)
    with serving(root):
        pass
    real = root.resolve()
    assert calls
    for paths, recursive in calls:
        assert recursive is False
        for path in map(Path, paths):
            assert path == real or real in path.parents, path
            assert "disk" not in path.parts and "up" not in path.parts


# --- limits asked for in dossier.toml ------------------------------------------------------

GREEDY = "\n[pdf]\njobs = 42\nmemory_mb = -1\ntimeout = 999999\n"


@pytest.fixture
def small_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "cores", lambda: 2)
    monkeypatch.setattr(limits, "physical_mb", lambda: 8192)


def test_greedy_pdf_limits_are_clamped_with_notes(small_machine, texts):
    config, diags = parse_config(Path("/p"), texts.toml + GREEDY)
    assert config is not None
    assert (config.pdf.jobs, config.pdf.memory_mb, config.pdf.timeout) == (2, 512, 3600)
    assert [d.format() for d in diags] == [
        "dossier.toml:7: note: 'pdf.jobs = 42' is outside 0 (one per core) to this "
        "machine's 2 core(s); using 2 [config.clamped]",
        "dossier.toml:8: note: 'pdf.memory_mb = -1' (which would lift the limit) is outside "
        "512 to 4096 MB; using 512 [config.clamped]",
        "dossier.toml:9: note: 'pdf.timeout = 999999' is outside 10 to 3600 s; "
        "using 3600 [config.clamped]",
    ]


def test_clamped_limits_are_notes_in_the_cli_and_the_build_goes_on(
    small_machine, run_cli, make_project, texts
):
    root = make_project({"dossier.toml": texts.toml + GREEDY.replace("-1", "99999999")})
    code, err = run_cli(["check", "-q"], root)
    assert code == 0
    lines = err.splitlines()
    assert len([line for line in lines if ": note: " in line]) == 3, err
    assert "using 4096 [config.clamped]" in err
    assert lines[-1] == "0 errors, 0 warnings"


def test_limits_within_bounds_and_defaults_give_no_note(small_machine, texts):
    config, diags = parse_config(Path("/p"), texts.toml + "\n[pdf]\njobs = 2\ntimeout = 60\n")
    assert config is not None and diags == ()
    assert (config.pdf.jobs, config.pdf.timeout, config.pdf.memory_mb) == (2, 60, 4096)


# --- inert diagnostics ---------------------------------------------------------------------

TITLE = "\x1b]0;pwned\x07"
ERASE = "\x1b[2K"


def test_escape_sequences_in_project_text_are_shown_escaped(run_cli, make_project, texts):
    root = make_project(
        {
            # TOML strings cannot hold ESC itself, only its escape
            "dossier.toml": texts.toml + 'nocite = ["jones\\u001b]0;pwned\\u0007\\u001b[2K2019"]\n',
            "chapters/01-a.md": "# Alpha {#sec-alpha}\n\nText [@smith2020].\n\n"
            f'## Beta <span title="{TITLE}{ERASE}">x</span>\n',
        }
    )
    code, err = run_cli(["check", "-q"], root)
    assert code == 1
    assert not any(c in err for c in "\x1b\x07\x9b"), repr(err)
    escaped = "\\x1b]0;pwned\\x07\\x1b[2K"
    assert f"unknown citation key 'jones{escaped}2019' in nocite" in err
    assert f"raw HTML '<span title=\"{escaped}\">'" in err


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("\x1b[2J", "\\x1b[2J"),
        ("a\nb\rc\td", "a\\x0ab\\x0dc\\x09d"),
        ("\x7f\x9b31m", "\\x7f\\x9b31m"),
        ("txt.\u202eexe\u2066\u2069", "txt.\\u202eexe\\u2066\\u2069"),
        ("Ünïcödé — “quotes”", "Ünïcödé — “quotes”"),
    ],
)
def test_diagnostic_format_escapes_every_control(raw, shown):
    d = error("x.y", f"m {raw}", Location(f"f{raw}.md", 1, 2), f"h {raw}")
    assert d.format() == f"f{shown}.md:1:2: error: m {shown} (h {shown}) [x.y]"
