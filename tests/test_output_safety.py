"""The output folder is replaced on every build, so dossier must never be pointed at
anything else; names made from titles and file names stay inside it; and a build that
fails, or is killed, leaves the previous build exactly as it was."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from dossier import write
from dossier.cache import CACHE_NAME
from dossier.config import BUILD_MARKER, Config, parse_config

MESSAGE = {
    "input": "would overwrite the project or its inputs",
    "file": "is an existing file, not a folder",
    "other": "is not empty and holds no previous dossier build",
}


def tree(folder: Path) -> dict[str, bytes | str]:
    """Every file's bytes and every folder and link under `folder`, to compare a whole
    tree before and after."""
    out: dict[str, bytes | str] = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        if path.is_symlink():
            out[rel] = f"-> {os.readlink(path)}"
        elif path.is_dir():
            out[rel] = "dir"
        else:
            out[rel] = path.read_bytes()
    return out


def leftovers(folder: Path) -> list[str]:
    return sorted(
        p.name for p in folder.iterdir() if ".stage-" in p.name or p.name.endswith(".old")
    )


def hostile_project(make_project, texts):
    """Inputs in every kind of place: an image folder, a bibliography in a sub-folder,
    a templates folder, an unrelated file and an unrelated folder of other things."""
    return make_project(
        {
            "dossier.toml": texts.toml + 'bibliography = "refs/library.bib"\n',
            "references.bib": None,
            "refs/library.bib": texts.smith,
            "chapters/01-a.md": texts.chapter + "\n![A dot](../img/dot.png)\n",
            "img/dot.png": texts.png(),
            "templates/style.css": "body { color: black; }\n",
            "sources/keep.txt": "archived",
            "notes.txt": "my notes",
            "stuff/keep.txt": "not a build",
        }
    )


REFUSED = [
    (".", "input"),
    ("./", "input"),
    ("..", "input"),
    ("../..", "input"),
    ("chapters", "input"),
    ("chapters/html", "input"),
    ("chapters/01-a.md", "input"),
    ("sources", "input"),
    ("sources/build", "input"),
    ("templates", "input"),
    ("img", "input"),
    ("img/out", "input"),
    ("img/dot.png", "input"),
    ("refs", "input"),
    ("refs/library.bib", "input"),
    ("dossier.toml", "input"),
    ("notes.txt", "file"),
    ("stuff", "other"),
]


@pytest.mark.parametrize(("output", "kind"), REFUSED)
def test_unsafe_output_option_is_refused_and_nothing_is_touched(
    run_cli, make_project, texts, output, kind
):
    root = hostile_project(make_project, texts)
    before = tree(root.parent)
    code, err = run_cli(["build", "--html", "-q", "-o", output], root)
    assert code == 1
    assert err.splitlines() == [
        f"error: output folder '{output}' {MESSAGE[kind]}"
        + (
            f" (no {BUILD_MARKER} file); dossier replaces the whole folder on every build"
            if kind == "other"
            else ""
        )
        + " [config.output]",
        "1 error, 0 warnings",
    ]
    assert tree(root.parent) == before


# Images are found by reading the chapters, so only the build knows img/ holds inputs.
@pytest.mark.parametrize(
    ("output", "kind"), [o for o in REFUSED if not o[0].startswith("img")] + [("", "input")]
)
def test_unsafe_output_in_config_is_refused_by_build_and_check(
    run_cli, make_project, texts, output, kind
):
    root = hostile_project(make_project, texts)
    toml = root / "dossier.toml"
    toml.write_text(toml.read_text(encoding="utf-8") + f'output = "{output}"\n', encoding="utf-8")
    before = tree(root.parent)
    for command in ("build", "check"):
        code, err = run_cli([command, "-q"], root)
        assert code == 1
        first = err.splitlines()[0]
        assert first.startswith(
            f"dossier.toml:6: error: output folder '{output}' {MESSAGE[kind]}"
        ), first
        assert first.endswith("(use a dedicated folder such as 'build') [config.output]")
    assert tree(root.parent) == before


def test_absolute_paths_above_the_project_are_refused(run_cli, make_project):
    root = make_project()
    before = tree(root.parent)
    for output in (str(root), str(root.parent), "/"):
        code, err = run_cli(["build", "--html", "-q", "-o", output], root)
        assert code == 1
        assert f"output folder '{output}' would overwrite the project" in err
    assert tree(root.parent) == before


def test_symlinked_output_folder_is_judged_by_its_target(run_cli, make_project):
    root = make_project()
    (root / "out").symlink_to(root / "chapters", target_is_directory=True)
    (root / "up").symlink_to(root.parent, target_is_directory=True)
    before = tree(root.parent)
    for output in ("out", "up", "up/elsewhere/.."):
        code, err = run_cli(["build", "--html", "-q", "-o", output], root)
        assert code == 1
        assert "would overwrite the project or its inputs [config.output]" in err
    assert tree(root.parent) == before


def test_safe_outputs_are_built(run_cli, make_project, tmp_path):
    root = make_project()
    (root / "empty").mkdir()
    outside = tmp_path / "elsewhere" / "site"
    assert run_cli(["build", "--html", "-q", "-o", "previous"], root) == (0, "")
    assert (root / "previous" / BUILD_MARKER).is_file()
    for output in ("fresh", "deep/er/site", "empty", "previous", str(outside)):
        assert run_cli(["build", "--html", "-q", "-o", output], root) == (0, ""), output
        assert (root / output / "html" / "index.html").is_file()
        assert (root / output / BUILD_MARKER).is_file()
    assert leftovers(root) == [] and leftovers(root / "deep" / "er") == []


def test_a_build_from_before_the_marker_is_still_replaced(run_cli, make_project):
    root = make_project()
    assert run_cli(["build", "--html", "-q"], root) == (0, "")
    for name in (BUILD_MARKER, CACHE_NAME):  # what a build of an older dossier lacks
        (root / "build" / name).unlink()
    assert run_cli(["build", "--html", "-q"], root) == (0, "")
    assert (root / "build" / BUILD_MARKER).is_file()


# --- names made from titles and file names ----------------------------------------------

TITLES = [
    "../../evil",
    "/etc/passwd",
    "CON",
    "con",
    "LPT1",
    "a/b",
    ".hidden",
    "",
    "   ",
    "x" * 300,
    "🎉🎉🎉",
    "\x00\x1b[31mred",
    "..",
    "-",
    "a\\b",
    "Ünïcödé Tïtle",
]


@pytest.mark.parametrize("title", TITLES)
def test_pdf_name_from_any_title_is_a_plain_short_file_name(title):
    config = Config(root=Path("/p"), title=title, chapters=())
    name = config.pdf_name
    assert re.fullmatch(r"[a-z0-9][a-z0-9-]*\.pdf", name), name
    assert len(name) <= 90
    assert name.rsplit(".", 1)[0] not in ("con", "prn", "aux", "nul", "lpt1")


def test_pdf_name_examples():
    def name(title: str) -> str:
        return Config(root=Path("/p"), title=title, chapters=()).pdf_name

    assert name("The Mujahedin-e Khalq (MEK)") == "the-mujahedin-e-khalq-mek.pdf"
    assert name("../../evil") == "evil.pdf"
    assert name("CON") == "con-dossier.pdf"
    assert name("🎉") == name("") == "dossier.pdf"
    assert name("x" * 300) == "x" * 80 + ".pdf"


@pytest.mark.parametrize(
    ("filename", "problem"),
    [
        ("../evil.pdf", "must be a plain file name"),
        ("/etc/evil.pdf", "must be a plain file name"),
        ("a/b.pdf", "must be a plain file name"),
        ("a\\\\b.pdf", "must be a plain file name"),
        (".hidden.pdf", "must be a plain file name"),
        ("report", "must be a file name ending in '.pdf'"),
        (".pdf", "must be a file name ending in '.pdf'"),
        ("con.pdf", "must be at most 200 bytes and not a reserved device name"),
        ("x" * 300 + ".pdf", "must be at most 200 bytes"),
    ],
)
def test_unsafe_pdf_filename_is_refused(run_cli, make_project, texts, filename, problem):
    root = make_project({"dossier.toml": texts.toml + f'[pdf]\nfilename = "{filename}"\n'})
    before = tree(root.parent)
    code, err = run_cli(["build", "-q"], root)
    assert code == 1
    assert err.startswith("dossier.toml:6: error: 'pdf.filename' " + problem), err
    assert err.endswith("(for example 'report.pdf') [config.pdf-filename]\n1 error, 0 warnings\n")
    assert tree(root.parent) == before


def test_config_accepts_a_plain_pdf_filename():
    config, diags = parse_config(
        Path("/p"), 'title = "T"\nchapters = []\n[pdf]\nfilename = "Report 2025 (final).PDF"\n'
    )
    assert diags == ()
    assert config is not None and config.pdf_name == "Report 2025 (final).PDF"


CHAPTER_FILES = {
    "chapters/CON.md": "# CON\n",
    "chapters/.hidden.md": "# .hidden\n",
    "chapters/a b.md": "---\ntitle: /etc/passwd\n---\n\nText.\n",
    "chapters/🎉.md": "# 🎉🎉\n",
    "chapters/" + "x" * 250 + ".md": "# " + "y" * 300 + "\n",
    "chapters/one/01-same.md": "# Same\n\nCiting [@smith2020].\n",
    "chapters/two/01-same.md": "# Same\n",
    "chapters/../../evil.md": None,
    "chapters/dots..md": "# ../../evil\n",
    "chapters/-.md": "# a/b\n",
}


def test_chapter_pages_have_safe_unique_names_inside_the_output(
    run_cli, make_project, texts, tmp_path
):
    files = {k: v for k, v in CHAPTER_FILES.items() if v is not None}
    listed = ", ".join(f'"{k}"' for k in files)
    root = make_project(
        {
            "dossier.toml": texts.toml.replace(
                'chapters = ["chapters/01-a.md"]', f"chapters = [{listed}]"
            ),
            "chapters/01-a.md": None,
            **files,
        }
    )
    before_outside = sorted(p.name for p in tmp_path.iterdir())
    code, err = run_cli(["build", "--html", "-q"], root)
    assert code == 0, err
    pages = sorted(p.name for p in (root / "build" / "html").glob("*.html"))
    chapter_pages = [p for p in pages if re.match(r"\d\d-", p)]
    assert len(chapter_pages) == len(files) == len(set(chapter_pages))
    for name in chapter_pages:
        assert re.fullmatch(r"\d\d-[a-z0-9-]+\.html", name), name
        assert len(name.encode()) <= 100, name
    assert set(pages) - set(chapter_pages) <= {"index.html", "bibliography.html", "changes.html"}
    # Nothing was written outside build/: the project holds its inputs and build/ only.
    made = {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}
    assert {m for m in made if not m.startswith("build/")} == {
        "dossier.toml",
        "references.bib",
        *files,
    }
    assert sorted(p.name for p in tmp_path.iterdir()) == before_outside


@pytest.mark.slow
def test_pdf_from_a_hostile_title_lands_inside_the_output(run_cli, make_project, texts):
    title = "../../" + "a/b" * 150 + " CON .hidden"
    root = make_project({"dossier.toml": texts.toml.replace("Test Dossier", title)})
    code, err = run_cli(["build", "-q"], root)
    assert (code, err) == (0, "")
    made = sorted(p.name for p in (root / "build").iterdir())
    assert made == sorted(
        [BUILD_MARKER, ".dossier-cache.json", "changes.json", "html", "ab" * 40 + ".pdf"]
    )
    assert sorted(p.name for p in root.iterdir()) == [
        "build",
        "chapters",
        "dossier.toml",
        "references.bib",
    ]


# --- a failure at any point leaves the previous build ---------------------------------


@pytest.fixture
def built(run_cli, make_project):
    """A project with a complete previous build (site and PDF), and its tree."""
    root = make_project()
    assert run_cli(["build", "-q"], root) == (0, "")
    assert (root / "build" / "test-dossier.pdf").is_file()
    return root, tree(root / "build")


def _change(root: Path) -> None:
    (root / "chapters" / "01-a.md").write_text("# Changed\n\nNew [@smith2020].\n", encoding="utf-8")


@pytest.mark.slow
def test_pdf_step_crashing_leaves_the_previous_build(run_cli, built, monkeypatch):
    root, before = built
    _change(root)
    from dossier.render.pdf import document as pdf

    def crash(config, html_text, stage, name, progress=None):
        (stage / name).write_bytes(b"%PDF-half")
        raise RuntimeError("renderer exploded")

    monkeypatch.setattr(pdf, "render_pdf", crash)
    code, err = run_cli(["build", "-q"], root)
    assert code == 1
    assert "dossier: internal error: RuntimeError: renderer exploded" in err
    assert tree(root / "build") == before
    assert leftovers(root) == []


def test_a_failed_swap_puts_the_previous_build_back(run_cli, make_project, monkeypatch):
    """Where the folders cannot be exchanged in one step, the swap is two renames; if
    the second one fails, the first is undone."""
    root = make_project()
    assert run_cli(["build", "--html", "-q"], root) == (0, "")
    before = tree(root / "build")
    _change(root)
    monkeypatch.setattr(write, "_exchange", lambda a, b: False)
    real_rename = Path.rename

    def rename(self: Path, target):
        if ".stage-" in self.name:
            raise OSError(28, "No space left on device")
        return real_rename(self, target)

    monkeypatch.setattr(Path, "rename", rename)
    code, err = run_cli(["build", "--html", "-q"], root)
    assert code == 1
    assert err.splitlines() == [
        "error: cannot write the output folder 'build': No space left on device; the previous "
        "build is unchanged (free some disk space, or make the output folder writable) "
        "[output.unwritable]",
        "1 error, 0 warnings",
    ]
    assert tree(root / "build") == before
    assert leftovers(root) == []


def test_leftovers_of_a_kill_during_a_swap_are_recovered(run_cli, make_project):
    root = make_project()
    assert run_cli(["build", "--html", "-q"], root) == (0, "")
    # A kill between the two renames of a swap: the build moved aside, a stage beside it.
    (root / "build").rename(root / ".build.old")
    (root / ".build.stage-999999999").mkdir()
    assert run_cli(["build", "--html", "-q"], root) == (0, "")
    assert (root / "build" / "html" / "index.html").is_file()
    assert leftovers(root) == []


def test_the_stage_of_a_running_build_is_left_alone(run_cli, make_project):
    root = make_project()
    running = root / f".build.stage-{os.getppid()}"  # a live process: another build
    (running / "html").mkdir(parents=True)
    assert run_cli(["build", "--html", "-q"], root) == (0, "")
    assert running.is_dir()
    assert leftovers(root) == [running.name]


@pytest.mark.slow
def test_kill_9_mid_build_leaves_the_previous_build_and_the_next_build_cleans_up(built):
    root, before = built
    _change(root)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "dossier", "build", "-q"],
        cwd=root,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    stage = None
    try:
        deadline = time.monotonic() + 120  # a bound on waiting, not a timing assertion
        while stage is None and proc.poll() is None and time.monotonic() < deadline:
            stage = next(iter(root.glob(".build.stage-*")), None)
            time.sleep(0.005)
    finally:
        os.kill(proc.pid, signal.SIGKILL)  # not reaped yet, so the pid is still ours
        _, err = proc.communicate()
    assert stage is not None, f"the build ended before staging: {err!r}"
    assert proc.returncode == -signal.SIGKILL
    assert tree(root / "build") == before
    assert stage.name in leftovers(root)  # the killed build's stage, cleaned up next time
    done = subprocess.run(
        [sys.executable, "-m", "dossier", "build", "-q"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert " error" not in done.stderr
    assert leftovers(root) == []
    assert "Changed" in (root / "build" / "html" / "01-a.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", ["../escape.html", "/etc/passwd", "html/../../x", "..", ".", ""])
def test_the_stage_refuses_names_that_leave_it(tmp_path, name):
    stage = tmp_path / "stage"
    stage.mkdir()
    with pytest.raises(ValueError, match="outside the output folder"):
        write.write_files(stage, {name: b"x"})
    assert not (tmp_path / "escape.html").exists() and list(stage.iterdir()) == []


def test_the_stage_takes_nested_names_and_folds_dots(tmp_path):
    write.write_files(
        tmp_path, {"html/media/a.png": b"1", "html/./b.html": b"2", "html/media/../c.html": b"3"}
    )
    assert sorted(
        p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file()
    ) == ["html/b.html", "html/c.html", "html/media/a.png"]
