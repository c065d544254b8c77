"""dossier.evidence.quotes: which text of a chapter is a quotation, and whether (and on which
page) an archived source holds it, forgiving what typesetting changes."""

# typographic quotes and dashes are the data normalised here
# ruff: noqa: RUF001

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dossier.diagnostics import Location
from dossier.evidence.archive import Archived
from dossier.evidence.quotes import Quotation, QuoteMark, bind, check, closest, normalise
from dossier.markdown import make_parser, parse_chapter
from dossier.model import CiteItem, Cluster
from dossier.read.scan import scan_chapter

HERE = Location("chapters/01.md", 3, 7)


def marks(text: str) -> list[QuoteMark]:
    """The chapter's quotations, its citations numbered as the scan numbers them."""
    return list(scan_chapter(parse_chapter(make_parser(), text, "ch.md")).quotes)


def cluster(*items: tuple[str, str]) -> Cluster:
    return Cluster("c1", "", tuple(CiteItem(k, locator=loc) for k, loc in items), False, HERE)


def quote(text: str, *items: tuple[str, str]) -> Quotation:
    return Quotation(cluster(*items or (("src", ""),)), text, HERE)


def archive(*pages: tuple[str, str], key: str = "src") -> Archived:
    return Archived(key, f"sources/{key}.txt", "0" * 64, 100, pages)


PAGED = archive(
    ("1", "Front matter of the report."),
    ("2", "The organisation was founded in 1965 by students of Tehran University."),
    ("3", "It moved to Iraq in 1986, as the report’s “second chapter” says."),
)


# --- finding quotations in a chapter --------------------------------------------------------


def test_inline_quotations_with_their_places() -> None:
    text = (
        "# T\n\n"
        "He wrote that “the organisation was\n"
        'founded in 1965” [@a, p. 3] and "other" [@b].\n'
    )
    assert marks(text) == [
        QuoteMark(0, "the organisation was\nfounded in 1965", Location("ch.md", 3, 15)),
        QuoteMark(1, "other", Location("ch.md", 4, 33)),
    ]


def test_what_is_not_a_quotation() -> None:
    text = (
        "# T\n\n"
        "Cited [@a] with no quotation, “then text” and [@b] later.\n\n"
        "“ ” [@c] is empty, and “unclosed [@d] is open.\n\n"
        "> A block quote [@e] followed by more words.\n"
    )
    assert marks(text) == []


def test_block_quotes_end_with_their_citation() -> None:
    text = "# T\n\n> Quoted text.\n>\n> Second paragraph. [@f]\n\n> A quotation [@g].\n"
    assert marks(text) == [
        QuoteMark(0, "Quoted text. Second paragraph.", Location("ch.md", 3, 1), block=True),
        QuoteMark(1, "A quotation", Location("ch.md", 7, 1), block=True),
    ]


def test_bind_pairs_marks_with_the_clusters_their_citations_became() -> None:
    found = marks('# T\n\nSee [@x] and "quoted" [@y].\n')
    clusters = [cluster(("x", "")), cluster(("y", ""))]
    assert bind(found, clusters) == [Quotation(clusters[1], "quoted", found[0].location)]
    assert bind(found, clusters[:1]) == []  # a citation with no cluster is left out


# --- normalising ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "normal"),
    [
        ("“curly” and ‘single’", "\"curly\" and 'single'"),
        ("«guillemets» „low“", '"guillemets" "low"'),
        ("en – em — dashes", "en - em - dashes"),
        ("no\u00a0break\u202fthin\u2009space", "no break thin space"),
        ("the ﬁrst ﬂoor", "the first floor"),
        ("a hyphen-\nated word", "a hyphenated word"),
        ("*emphasis* and `code` and \\_", "emphasis and code and"),
        ("  lines\n\n and\tspaces  ", "lines and spaces"),
    ],
)
def test_normalise(written: str, normal: str) -> None:
    assert normalise(written) == normal


@settings(max_examples=300, derandomize=True, database=None, deadline=None)
@given(st.text(alphabet=st.sampled_from("ae -\n*_`\\“”’—\u00a0\u0301ﬁ\uff0a\u1100\u1161x")))
def test_normalise_is_idempotent(text: str) -> None:
    once = normalise(text)
    assert normalise(once) == once


# --- checking against an archived source ------------------------------------------------------


def test_found_across_a_line_break_and_typographic_quotes() -> None:
    result = check(quote('the report\'s\n"second chapter" says', ("src", "p. 3")), {"src": PAGED})
    assert (result.status, result.key, result.page) == ("found", "src", "3")
    assert result.context[1] == 'the report\'s "second chapter" says'


def test_the_first_letter_may_change_case() -> None:
    result = check(quote("the organisation was founded"), {"src": PAGED})
    assert (result.status, result.page) == ("found", "2")
    assert result.context[1] == "The organisation was founded"


@pytest.mark.parametrize("gap", ["...", "…", "[...]", "[…]"])
def test_ellipses_join_pieces_in_order(gap: str) -> None:
    found = check(quote(f"founded in 1965 {gap} Tehran University"), {"src": PAGED})
    assert found.status == "found"
    assert found.context[1] == "founded in 1965 by students of Tehran University"
    backwards = check(quote(f"Tehran University {gap} founded in 1965"), {"src": PAGED})
    assert backwards.status == "not-found"


def test_a_bracketed_insertion_stands_for_a_few_words() -> None:
    assert check(quote("[The group] was founded in 1965"), {"src": PAGED}).status == "found"
    assert check(quote("organisation [it] founded"), {"src": PAGED}).status == "found"


def test_on_the_wrong_page() -> None:
    result = check(quote("founded in 1965", ("src", "p. 3")), {"src": PAGED})
    assert (result.status, result.page) == ("wrong-page", "2")
    assert result.context == (
        "Front matter of the report. The organisation was ",
        "founded in 1965",
        " by students of Tehran University. It moved to Iraq in 1986,…",
    )


@pytest.mark.parametrize("locator", ["p. 2", "pp. 1-3", "pp. 2–4", "P. 2"])
def test_on_a_page_in_the_range_cited(locator: str) -> None:
    assert check(quote("founded in 1965", ("src", locator)), {"src": PAGED}).status == "found"


def test_a_later_match_on_the_right_page_wins() -> None:
    source = archive(("1", "the same words"), ("2", "other"), ("3", "the same words"))
    result = check(quote("the same words", ("src", "p. 3")), {"src": source})
    assert (result.status, result.page) == ("found", "3")


def test_page_labels_that_are_not_numbers() -> None:
    source = archive(("iii", "preface words"), ("1", "body words"))
    assert check(quote("preface words", ("src", "p. iii")), {"src": source}).status == "found"
    assert check(quote("preface words", ("src", "p. 1")), {"src": source}).page == "iii"


def test_an_unpaged_source_takes_any_page() -> None:
    source = archive(("", "one long text without pages"))
    result = check(quote("long text", ("src", "p. 40")), {"src": source})
    assert (result.status, result.page) == ("found", "")


def test_not_found_gives_the_closest_passage_and_its_page() -> None:
    result = check(quote("the group was created in 1965"), {"src": PAGED})
    assert (result.status, result.key, result.page) == ("not-found", "src", "2")
    assert result.passage == "The organisation was founded in 1965"


def test_the_cited_key_that_holds_the_quotation() -> None:
    other = archive(("", "nothing relevant"), key="other")
    result = check(
        quote("founded in 1965", ("other", ""), ("src", "")), {"other": other, "src": PAGED}
    )
    assert (result.status, result.key) == ("found", "src")


def test_no_archive_for_any_cited_key() -> None:
    result = check(quote("words", ("a", ""), ("b", "")), {"src": PAGED})
    assert (result.status, result.key, result.passage) == ("no-archive", "a", "")


def test_closest() -> None:
    text = "a slow brown dog. the quick red fox jumps"
    assert closest("the quick brown fox", text) == (18, "the quick red fox")
    assert closest("anything", "") == (0, "")
    assert closest("one two three", "one") == (0, "one")  # shorter than the quotation


def test_an_accent_split_from_its_letter_by_markup_still_matches() -> None:
    source = archive(("", "le café est ouvert"))  # é as one character
    assert check(quote("le caf*e*\u0301 est"), {"src": source}).status == "found"
