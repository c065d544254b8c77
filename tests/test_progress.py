"""Progress on stderr: live on a terminal, silent in logs and pipes or with -q."""

from __future__ import annotations

import io
import re

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
    for stage in ("reading 1 chapters", "checking sources and quotations",
                  "formatting 1 citations"):
        assert f"✓ {stage}" in text
    assert "done in" in text


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
