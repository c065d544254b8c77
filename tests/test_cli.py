"""The command line: exit codes 0 ok / 1 problems / 2 usage, and what it prints."""

from __future__ import annotations

from pathlib import Path

import pytest

from dossier import __version__


def test_version_exits_0_and_prints_version(run_cli, tmp_path):
    code, err = run_cli(["--version"], tmp_path)
    assert code == 0
    assert run_cli.out == f"dossier {__version__}\n"
    assert err == ""


def test_help_exits_0(run_cli, tmp_path):
    code, err = run_cli(["--help"], tmp_path)
    assert code == 0
    assert err == ""
    assert run_cli.out.startswith("usage: dossier ")
    for command in ("build", "check", "new"):
        assert command in run_cli.out


def test_no_command_is_usage_error(run_cli, tmp_path):
    code, err = run_cli([], tmp_path)
    assert code == 2
    assert err.startswith("usage: dossier ")


def test_unknown_option_is_usage_error(run_cli, tmp_path):
    code, err = run_cli(["build", "--frobnicate"], tmp_path)
    assert code == 2
    assert "unrecognized arguments: --frobnicate" in err
    assert "Traceback" not in err


def test_unknown_command_is_usage_error(run_cli, tmp_path):
    code, err = run_cli(["publish"], tmp_path)
    assert code == 2
    assert "invalid choice: 'publish'" in err


# --- new ---------------------------------------------------------------------------------


def test_new_creates_a_project_that_builds_html(run_cli, tmp_path):
    code, err = run_cli(["new", "my-report"], tmp_path)
    assert code == 0, err
    assert err == "created my-report/ — build it with: cd my-report && dossier build\n"
    project = tmp_path / "my-report"
    for rel in (
        "dossier.toml",
        "chapters/01-introduction.md",
        "references.bib",
        "sources/.gitkeep",
        ".gitignore",
    ):
        assert (project / rel).is_file(), rel
    assert 'title = "My Report"' in (project / "dossier.toml").read_text(encoding="utf-8")

    code, err = run_cli(["build", "--html"], project)
    assert code == 0, err
    assert err.splitlines()[-2:] == ["0 errors, 0 warnings", "wrote build/html/index.html"]
    html = project / "build" / "html"
    pages = {p.name for p in html.glob("*.html")} - {"changes.html"}
    assert sorted(pages) == ["01-introduction.html", "bibliography.html", "index.html"]
    assert 'id="ref-example2024"' in (html / "bibliography.html").read_text(encoding="utf-8")


def test_new_project_named_with_toml_characters_builds(run_cli, tmp_path, monkeypatch):
    """A folder name with a backslash or quotes became an unreadable dossier.toml."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    code, err = run_cli(["new", 'bs\\x "q" né'], tmp_path)
    assert code == 0, err
    config = (tmp_path / 'bs\\x "q" né' / "dossier.toml").read_text(encoding="utf-8")
    assert 'date = "2023-11-14"' in config
    code, err = run_cli(["build", "--html", "-q"], tmp_path / 'bs\\x "q" né')
    assert code == 0, err
    page = (tmp_path / 'bs\\x "q" né' / "build" / "html" / "index.html").read_text("utf-8")
    assert "Bs\\X &#34;Q&#34; Né" in page or "Bs\\X &quot;Q&quot; Né" in page


@pytest.mark.slow
def test_new_project_builds_html_and_pdf(run_cli, tmp_path):
    assert run_cli(["new", "report"], tmp_path)[0] == 0
    project = tmp_path / "report"
    code, err = run_cli(["build"], project)
    assert code == 0, err
    assert "0 errors, 0 warnings\n" in err
    assert "wrote build/report.pdf" in err.splitlines()
    pdf = project / "build" / "report.pdf"
    assert pdf.read_bytes().startswith(b"%PDF-")
    assert (project / "build" / "html" / "index.html").is_file()
    assert not list((project / "build").glob(".print.html"))


def test_new_refuses_to_overwrite_a_project(run_cli, tmp_path):
    assert run_cli(["new", "p"], tmp_path)[0] == 0
    config = tmp_path / "p" / "dossier.toml"
    config.write_text('title = "Mine"\nchapters = []\n', encoding="utf-8")
    code, err = run_cli(["new", "p"], tmp_path)
    assert code == 1
    assert err == "error: p/dossier.toml already exists; not overwriting a project\n"
    assert config.read_text(encoding="utf-8") == 'title = "Mine"\nchapters = []\n'


def test_new_refuses_to_overwrite_any_file(run_cli, tmp_path):
    chapter = tmp_path / "p" / "chapters" / "01-introduction.md"
    chapter.parent.mkdir(parents=True)
    chapter.write_text("my own words\n", encoding="utf-8")
    code, err = run_cli(["new", "p"], tmp_path)
    assert code == 1
    assert (
        err == f"error: {Path('p/chapters/01-introduction.md')} already exists; "
        "not overwriting it\n"
    )
    assert chapter.read_text(encoding="utf-8") == "my own words\n"
    assert not (tmp_path / "p" / "dossier.toml").exists()


# --- check / build -----------------------------------------------------------------------


def test_check_writes_nothing(run_cli, make_project):
    root = make_project()
    before = sorted(p.relative_to(root) for p in root.rglob("*"))
    code, err = run_cli(["check"], root)
    assert code == 0, err
    # not a terminal: no progress, only the summary
    assert err == "0 errors, 0 warnings\n"
    assert not (root / "build").exists()
    assert sorted(p.relative_to(root) for p in root.rglob("*")) == before


def test_build_html_makes_no_pdf(run_cli, make_project):
    root = make_project()
    code, err = run_cli(["build", "--html"], root)
    assert code == 0, err
    assert "rendering the PDF" not in err
    assert (root / "build" / "html" / "index.html").is_file()
    assert not list(root.rglob("*.pdf"))
    assert not list(root.rglob(".print.html"))


def test_quiet_prints_nothing_on_success(run_cli, make_project):
    root = make_project()
    code, err = run_cli(["build", "--html", "-q"], root)
    assert code == 0
    assert err == ""
    assert run_cli.out == ""
    assert (root / "build" / "html" / "index.html").is_file()


def test_quiet_still_reports_problems(run_cli, make_project):
    root = make_project({"chapters/01-a.md": "# Alpha\n\nText [@nobody].\n"})
    code, err = run_cli(["check", "-q"], root)
    assert code == 1
    assert err == (
        "chapters/01-a.md:3:6: error: unknown citation key 'nobody' "
        "[cite.unknown-key]\n"
        "references.bib:1: warning: entry 'smith2020' is never cited (cite it, "
        "list it under 'nocite' in dossier.toml, or remove it) [cite.unused-entry]\n"
        "1 error, 1 warning\n"
    )


def test_project_found_from_a_subfolder(run_cli, make_project):
    root = make_project()
    code, err = run_cli(["check", "-q"], root / "chapters")
    assert code == 0, err


def test_project_option(run_cli, make_project, tmp_path):
    root = make_project()
    code, err = run_cli(["build", "--html", "-q", "-C", str(root)], tmp_path)
    assert code == 0, err
    assert (root / "build" / "html" / "index.html").is_file()


def test_outside_a_project_is_usage_error(run_cli, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    for command in (["build"], ["check"]):
        code, err = run_cli(command, empty)
        assert code == 2
        assert err == (
            f"error: no dossier.toml in {empty} or its parents "
            "(start a project with 'dossier new DIR')\n"
        )
    assert list(empty.iterdir()) == []


def test_project_option_without_config_is_usage_error(run_cli, tmp_path):
    code, err = run_cli(["check", "-C", str(tmp_path / "nowhere")], tmp_path)
    assert code == 2
    assert "error: no dossier.toml in " in err
    assert "dossier new DIR" in err


def _unused_entry_project(make_project, texts):
    return make_project({"references.bib": texts.smith + "\n" + texts.jones})


def test_warning_alone_exits_0(run_cli, make_project, texts):
    root = _unused_entry_project(make_project, texts)
    code, err = run_cli(["check"], root)
    assert code == 0
    assert (
        "references.bib:8: warning: entry 'jones2019' is never cited (cite it, list it "
        "under 'nocite' in dossier.toml, or remove it) [cite.unused-entry]"
    ) in err
    assert err.endswith("0 errors, 1 warning\n")


@pytest.mark.parametrize("command", [["check", "--strict"], ["build", "--html", "--strict"]])
def test_strict_turns_warnings_into_errors(run_cli, make_project, texts, command):
    root = _unused_entry_project(make_project, texts)
    code, err = run_cli(command, root)
    assert code == 1
    assert (
        "references.bib:8: error: entry 'jones2019' is never cited (cite it, list it "
        "under 'nocite' in dossier.toml, or remove it) [cite.unused-entry]"
    ) in err
    assert err.endswith("1 error, 0 warnings\n")
    assert not (root / "build").exists()


def test_nocite_silences_the_unused_warning(run_cli, make_project, texts):
    root = make_project(
        {
            "dossier.toml": 'title = "T"\ncsl = "apa"\nchapters = ["chapters/01-a.md"]\n'
            'nocite = ["jones2019"]\n',
            "references.bib": texts.smith + "\n" + texts.jones,
        }
    )
    code, err = run_cli(["build", "--html", "--strict", "-q"], root)
    assert code == 0, err
    bib = (root / "build" / "html" / "bibliography.html").read_text(encoding="utf-8")
    assert 'id="ref-jones2019"' in bib


def test_errors_exit_1_and_build_nothing(run_cli, make_project):
    root = make_project({"chapters/01-a.md": "# Alpha\n\nSee [@smith2021].\n"})
    code, err = run_cli(["build"], root)
    assert code == 1
    assert (
        "chapters/01-a.md:3:5: error: unknown citation key 'smith2021' "
        "(did you mean 'smith2020'?) [cite.unknown-key]"
    ) in err
    assert "wrote " not in err
    assert not (root / "build").exists()
