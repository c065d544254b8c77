"""Note styles rebuilt from the build cache: a note is reused where its words and its
position (first, short form, ibid., how far back, "(n 3)") are the same, and formatted
again where an edit moved it. Each rebuild is compared with what pandoc prints for the
edited text."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from dossier.cite import formatting
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


# (before, after): the edit makes notes that were never formatted
NEW_NOTES = {
    "a locator added": (
        "A [@doe2019]. B [@smith2020]. C [@doe2019]. D [@doe2019]. E [@smith2020].\n",
        "A [@doe2019]. B [@smith2020]. C [@doe2019, 7]. D [@doe2019]. E [@smith2020].\n",
    ),
    "ibid with a new locator": (
        "A [@doe2019]. B [@doe2019, 3]. C [@smith2020]. D [@doe2019, 3].\n",
        "A [@doe2019]. B [@doe2019, 3]. C [@smith2020]. D [@doe2019, 9].\n",
    ),
    "a footnote's second citation": (
        "A [@doe2019]. B [@smith2020]. T.[^1] C [@doe2019].\n\n"
        "[^1]: See [@smith2020, 2] and [@doe2019].\n",
        "A [@doe2019]. B [@smith2020]. T.[^1] C [@doe2019].\n\n"
        "[^1]: See [@smith2020, 2] and [@doe2019, 5].\n",
    ),
    "ibid inside a footnote": (
        "A [@doe2019]. B [@smith2020]. T.[^1] C [@doe2019].\n\n"
        "[^1]: See [@smith2020, 2]; and [@smith2020, 2].\n",
        "A [@doe2019]. B [@smith2020]. T.[^1] C [@doe2019].\n\n"
        "[^1]: See [@smith2020, 2]; and [@smith2020, 4].\n",
    ),
    "a narrative citation": (
        "A [@doe2019]. @smith2020 says. C [@smith2020, 3]. D [@doe2019].\n",
        "A [@doe2019]. @smith2020 [4] says. C [@smith2020, 3]. D [@doe2019].\n",
    ),
}


@pytest.mark.parametrize("style_name", [NOTE_STYLE, "mhra-notes"])
@pytest.mark.parametrize("edit", NEW_NOTES, ids=list(NEW_NOTES))
def test_notes_never_formatted_before_read_as_pandoc_prints_them(
    tmp_path: Path, edit: str, style_name: str
) -> None:
    before, after = NEW_NOTES[edit]
    dossier_notes(tmp_path, before, style_name)
    assert dossier_notes(tmp_path, after, style_name) == pandoc_notes(tmp_path, after, style_name)


# Two works of one author whose short forms read alike ("Linveberg, The Making of
# Ostpolitik"): pandoc adds the year to the short form of the article.
ALIKE = r"""
@article{art1986, author = {Linveberg, John}, title = {The making of \emph{Ostpolitik}},
  journal = {IO}, year = {1986}, volume = {79}, pages = {229--253}}
@book{book2017, author = {Linveberg, John},
  title = {The making of \emph{Ostpolitik}: Contesting elections in {Asia}},
  publisher = {OUP}, year = {2017}}
@book{other, author = {Other, Olga}, title = {Else}, publisher = {P}, year = {2019}}
"""


@pytest.mark.parametrize("style_name", [NOTE_STYLE, "mhra-notes"])
def test_a_new_short_form_keeps_the_disambiguation_of_the_whole_dossier(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, style_name: str
) -> None:
    """Formatted apart from the note that cites the book (in a small document made of
    reset-citation-positions sections, as was tried for the notes never formatted
    before), the article's new short form loses its year."""
    from tests import test_notes

    monkeypatch.setattr(test_notes, "BIB", ALIKE)
    before = "A [@art1986]. B [@book2017]. C [@other]. D [@art1986, 4]. E [@other].\n"
    after = "A [@art1986]. B [@book2017]. C [@other]. D [@art1986, 5]. E [@other].\n"
    assert dossier_notes(tmp_path, before, style_name) == pandoc_notes(tmp_path, before, style_name)
    assert dossier_notes(tmp_path, after, style_name) == pandoc_notes(tmp_path, after, style_name)


def test_a_reset_between_works_that_read_alike_is_followed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests import test_notes

    """The same works in the same positions, the sections swapped: the reused notes
    would keep a year pandoc now leaves out (the short forms no longer read alike
    within one section). A document with such headings is formatted whole."""
    monkeypatch.setattr(test_notes, "BIB", ALIKE)
    reset = "\n\n# Z {.reset-citation-positions}\n\n"
    before = "A [@art1986]. X [@other]. B [@art1986]." + reset + "C [@book2017].\n"
    after = "C [@book2017]." + reset + "A [@art1986]. X [@other]. B [@art1986].\n"
    assert dossier_notes(tmp_path, before, NOTE_STYLE) == pandoc_notes(tmp_path, before, NOTE_STYLE)
    assert dossier_notes(tmp_path, after, NOTE_STYLE) == pandoc_notes(tmp_path, after, NOTE_STYLE)


# (before, after): a new note among many citations of other works
FEW_OF_MANY = {
    "a page added": (
        "A [@smith2020]. B [@roe2018]. C [@doe2019]. D [@smith2020]. E [@roe2018].[^1]"
        " F [@smith2020]. G [@doe2019]. H [@roe2018]. I [@smith2020].\n\n"
        "[^1]: See [@roe2018] and [@smith2020, 3].\n",
        "A [@smith2020]. B [@roe2018]. C [@doe2019]. D [@smith2020]. E [@roe2018].[^1]"
        " F [@smith2020]. G [@doe2019, 4]. H [@roe2018]. I [@smith2020].\n\n"
        "[^1]: See [@roe2018] and [@smith2020, 3].\n",
    ),
    "ibid. in a footnote shared with another work": (
        "A [@smith2020]. B [@roe2018]. C [@doe2019].[^1] D [@smith2020]. E [@roe2018]."
        " F [@smith2020]. G [@roe2018]. H [@smith2020]. I [@roe2018].\n\n"
        "[^1]: See [@doe2019, 2] and [@roe2018].\n",
        "A [@smith2020]. B [@roe2018]. C [@doe2019].[^1] D [@smith2020]. E [@roe2018]."
        " F [@smith2020]. G [@roe2018]. H [@smith2020]. I [@roe2018].\n\n"
        "[^1]: See [@doe2019, 5] and [@roe2018].\n",
    ),
    "far from its first note": (
        "A [@doe2019]. B [@roe2018]. C [@smith2020]. D [@roe2018]. E [@smith2020]."
        " F [@roe2018]. G [@smith2020]. H [@roe2018]. I [@doe2019].\n",
        "A [@doe2019]. B [@roe2018]. C [@smith2020]. D [@roe2018]. E [@smith2020]."
        " F [@roe2018]. G [@smith2020]. H [@roe2018]. I [@doe2019, 8].\n",
    ),
}


@pytest.mark.parametrize("style_name", [NOTE_STYLE, "mhra-notes", "oscola"])
@pytest.mark.parametrize("edit", FEW_OF_MANY, ids=list(FEW_OF_MANY))
def test_a_new_note_is_formatted_with_only_the_notes_it_depends_on(
    tmp_path: Path, runs: list[int], edit: str, style_name: str
) -> None:
    """The new note's work is cited in a few of the notes: pandoc formats those, the
    others left empty (notesubset), and prints what it prints for the whole text."""
    before, after = FEW_OF_MANY[edit]
    dossier_notes(tmp_path, before, style_name)
    whole = runs[-1]
    assert dossier_notes(tmp_path, after, style_name) == pandoc_notes(tmp_path, after, style_name)
    assert len(runs) == 2 and runs[-1] < whole / 2


@pytest.mark.parametrize("style_name", [NOTE_STYLE, "mhra-notes"])
def test_a_work_cited_in_a_new_position_has_its_alike_works_formatted_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, runs: list[int], style_name: str
) -> None:
    """The article is cited again, far from its first note: its notes and the book's
    (whose short form reads alike) are formatted again with only the notes they depend
    on; Other's notes are reused."""
    from tests import test_notes

    monkeypatch.setattr(test_notes, "BIB", ALIKE)
    others = " ".join(f"{c} [@other, {n}]." for n, c in enumerate("FGHIJ", 2))
    before = f"A [@art1986]. B [@other]. C [@book2017]. D [@other, 1]. {others} K [@other].\n"
    after = f"A [@art1986]. B [@other]. C [@book2017]. D [@other, 1]. {others} K [@art1986].\n"
    dossier_notes(tmp_path, before, style_name)
    whole = runs[-1]
    assert dossier_notes(tmp_path, after, style_name) == pandoc_notes(tmp_path, after, style_name)
    assert len(runs) == 2 and runs[-1] < whole / 2
