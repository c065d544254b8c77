"""Progress on stderr: live on a terminal, silent in logs and pipes or with -q."""

from __future__ import annotations

import io
import re

import pytest

from dossier.build import build
from dossier.progress import progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_terminal_shows_each_stage_with_its_time(make_project) -> None:
    root = make_project()
    screen = Terminal()
    with progress(False, screen) as report:
        assert build(root, pdf=False, progress=report).ok
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", screen.getvalue())  # colours, cursor
    for stage in (
        "reading chapters (1/1)",
        "checking sources and quotations",
        "formatting 1 citations",
        "making the site (4/4 pages, 4 rendered, the others unchanged)",
    ):
        assert f"✓ {stage}" in text
    assert "done in" in text
    assert "✓ reading chapters (0/1)" not in text  # a count moves its stage's line on


@pytest.mark.slow
def test_a_pdf_build_counts_its_pages(make_project) -> None:
    root = make_project()
    screen = Terminal()
    with progress(False, screen) as report:
        built = build(root, html=False, progress=report)
        assert built.ok, [d.format() for d in built.diagnostics]  # why, if it fails
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", screen.getvalue())
    assert re.search(r"✓ drawing the PDF's \d+ pages", text), text


@pytest.mark.slow
def test_a_long_pdf_counts_parts_and_pages(make_project) -> None:
    """Parallel layout: each part's pages are counted as it is laid out."""
    chapters = {
        f"chapters/0{n}.md": f"# Chapter {n}\n\n" + "Prose. " * 3000 + "\n" for n in range(1, 4)
    }
    toml = (
        'title = "Long"\ncsl = "apa"\nchapters = ['
        + ", ".join(f'"{c}"' for c in chapters)
        + ']\nnocite = ["*"]\n[pdf]\njobs = 2\nstandard = "none"\n'
    )
    root = make_project({"dossier.toml": toml, "chapters/01-a.md": None, **chapters})
    screen = Terminal()
    with progress(False, screen) as report:
        built = build(root, html=False, progress=report)
        assert built.ok, [d.format() for d in built.diagnostics]  # why, if it fails
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", screen.getvalue())
    assert re.search(r"✓ laying out the PDF \(2/2 parts, \d+ pages\)", text), text
    assert re.search(r"✓ drawing the PDF's \d+ pages in \d processes", text), text


def test_plain_logs_leave_counts_out(capsys) -> None:
    from dossier.progress import is_count

    assert not is_count("reading chapters (0/40)")
    assert is_count("reading chapters (3/40)")
    assert not is_count("formatting 1900 citations")


def test_markup_in_messages_is_shown_literally() -> None:
    screen = Terminal()
    with progress(False, screen) as report:
        report("reading [bold]chapters/[x].md")
    assert "reading [bold]chapters/[x].md" in screen.getvalue()


def test_quiet_and_pipes_show_nothing() -> None:
    for quiet, stream in ((True, Terminal()), (False, io.StringIO())):
        with progress(quiet, stream) as report:
            report("reading 1 chapters")
        assert stream.getvalue() == ""
