"""Note styles rebuilt from the build cache: a note is reused where its words and its
position (first, short form, ibid., how far back, "(n 3)") are the same, and formatted
again where an edit moved it. Each rebuild is compared with what pandoc prints for the
edited text."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from dossier import formatting
from tests.parity import note_text
from tests.test_notes import NOTE_STYLE, dossier_says, pandoc_says

FOOTNOTES = "".join(f"\n\n[^{n}]: Note {n}." for n in range(1, 6))

# (before, after): the edit changes the position of a later note
EDITS = {
    "first becomes ibid": (
        "A [@doe2019]. B [@smith2020]. C [@doe2019].\n",
        "A [@doe2019]. B [@doe2019]. C [@doe2019].\n",
    ),
    "ibid becomes a short form": (
        "A [@doe2019]. B [@doe2019]. C [@doe2019, 4].\n",
        "A [@doe2019]. B [@smith2020]. C [@doe2019, 4].\n",
    ),
    "a short form becomes the first note": (
        "A [@smith2020]. B [@doe2019]. C [@doe2019, 4].\n",
        "A [@smith2020]. B [@roe2018]. C [@doe2019, 4].\n",
    ),
    "ibid with a locator becomes ibid": (
        "A [@doe2019, 3]. B [@doe2019, 4]. C [@doe2019, 4].\n",
        "A [@doe2019, 3]. B [@doe2019, 3]. C [@doe2019, 4].\n",
    ),
    "a near note goes beyond near-note-distance": (
        "A [@doe2019].[^1][^2][^3] B [@doe2019]. C [@smith2020]." + FOOTNOTES[:48] + "\n",
        "A [@doe2019].[^1][^2][^3][^4][^5] B [@doe2019]. C [@smith2020]." + FOOTNOTES + "\n",
    ),
    "every note number moves": (
        "A [@doe2019]. B [@smith2020]. C [@doe2019]. D [@smith2020].\n",
        "Z.[^1] A [@doe2019]. B [@smith2020]. C [@doe2019]. D [@smith2020].\n\n[^1]: New.\n",
    ),
    "narrative and suppressed authors": (
        "@doe2019 says so. B [-@doe2019, 3]. C [@doe2019, 3].\n",
        "@doe2019 says so. B [-@doe2019, 4]. C [@doe2019, 3].\n",
    ),
}


def pandoc_notes(tmp_path: Path, body: str, style_name: str) -> tuple[list[str], list[str]]:
    return note_text(pandoc_says(tmp_path, "# A\n\n" + body, style_name, "en-US"), "pandoc")


def dossier_notes(tmp_path: Path, body: str, style_name: str) -> tuple[list[str], list[str]]:
    page = dossier_says(tmp_path, "# A\n\n" + body, style_name, "en-US")
    return note_text(page, "dossier")


@pytest.fixture
def runs(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many pandoc runs formatting made, one entry per run."""
    made: list[int] = []
    real = formatting._run

    def counted(*args: Any, **kwargs: Any) -> Any:
        made.append(len(args[0]))
        return real(*args, **kwargs)

    monkeypatch.setattr(formatting, "_run", counted)
    return made


@pytest.mark.parametrize("style_name", [NOTE_STYLE, "oscola"])
@pytest.mark.parametrize("edit", EDITS, ids=list(EDITS))
def test_a_rebuild_after_an_edit_prints_pandocs_notes(
    tmp_path: Path, edit: str, style_name: str
) -> None:
    before, after = EDITS[edit]
    assert dossier_notes(tmp_path, before, style_name) == pandoc_notes(tmp_path, before, style_name)
    # the second build starts from the first one's cache
    assert dossier_notes(tmp_path, after, style_name) == pandoc_notes(tmp_path, after, style_name)


def test_notes_whose_position_is_unchanged_are_reused(tmp_path: Path, runs: list[int]) -> None:
    """A footnote added before the last citation moves its note number, not its form:
    every note was formatted before, so no pandoc run is made."""
    before = "A [@doe2019]. B [@doe2019, 4]. C [@smith2020]. D [@doe2019].\n"
    after = "A [@doe2019]. B [@doe2019, 4]. Text.[^1] C [@smith2020]. D [@doe2019].\n"
    after += "\n[^1]: Words.\n"
    dossier_notes(tmp_path, before, NOTE_STYLE)
    assert runs == [4]
    assert dossier_notes(tmp_path, after, NOTE_STYLE) == pandoc_notes(tmp_path, after, NOTE_STYLE)
    assert runs == [4]


def test_a_moved_first_note_number_is_formatted_again(tmp_path: Path, runs: list[int]) -> None:
    """oscola prints the note a work was first cited in ("(n 1)"): when that number moves,
    the later notes are formatted again."""
    before = "A [@doe2019]. C [@doe2019, 4].\n"
    after = "Z.[^1] A [@doe2019]. C [@doe2019, 4].\n\n[^1]: New.\n"
    dossier_notes(tmp_path, before, "oscola")
    assert dossier_notes(tmp_path, after, "oscola") == pandoc_notes(tmp_path, after, "oscola")
    assert len(runs) == 2
