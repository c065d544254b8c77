"""dossier.evidence.quotematch: a quotation read as literal parts, and where those parts stand in
a text. (tests/test_bounded_sources.py compares spans with the regular expression it
replaced, and checks that it finishes in bounded time.)"""

from __future__ import annotations

# an ellipsis character is the data split on here
from dossier.evidence.quotematch import INSERTION_GAP, MAX_PIECES, PIECE_GAP, Part, parts_of, spans


def test_parts_of_a_quotation() -> None:
    assert parts_of("one two ... three [the MEK] four … [x] five [...] six") == (
        Part("one two", PIECE_GAP, True),
        Part("three", PIECE_GAP, True),
        Part("four", INSERTION_GAP, False),  # after an insertion, in the same piece
        Part("five", PIECE_GAP, True),
        Part("six", PIECE_GAP, True),
    )


def test_a_piece_may_start_with_an_insertion_or_a_digit() -> None:
    assert parts_of("[He] said it") == (Part("said it", PIECE_GAP, True),)
    assert parts_of("1965 was the year") == (Part("1965 was the year", PIECE_GAP, False),)


def test_nothing_but_marks_is_no_quotation() -> None:
    assert parts_of(" ... […] [x] ") == ()
    assert list(spans((), "any text")) == []


def test_at_most_twelve_pieces() -> None:
    parts = parts_of(" ... ".join(f"w{i}" for i in range(20)))
    assert len(parts) == MAX_PIECES
    assert parts[-1].text == "w11"


def test_spans_left_to_right_without_overlap() -> None:
    assert list(spans(parts_of("ab ... cd"), "ab xx cd ab cd")) == [(0, 8), (9, 14)]
    assert list(spans(parts_of("aa"), "aaaa")) == [(0, 2), (2, 4)]


def test_the_first_letter_of_each_piece_may_change_case() -> None:
    text = "The start, and Then the end"
    assert list(spans(parts_of("the start ... then the end"), text)) == [(0, len(text))]
    assert list(spans(parts_of("the START"), text)) == []  # only the first letter


def test_gaps_are_bounded() -> None:
    near = "alpha " + "x" * 80 + " omega"
    far = "alpha " + "x" * 81 + " omega"
    assert list(spans(parts_of("alpha [words] omega"), near)) == [(0, len(near))]
    assert list(spans(parts_of("alpha [words] omega"), far)) == []
    pieces = "alpha " + "y" * (PIECE_GAP - 2) + " omega"
    assert list(spans(parts_of("alpha … omega"), pieces)) == [(0, len(pieces))]
    assert list(spans(parts_of("alpha … omega"), pieces.replace("y", "yy", 1))) == []
