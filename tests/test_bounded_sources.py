"""Searches and readers over archived sources finish in bounded time: the quotation
matcher (the spans of the lazy regular expression it replaced, without its hours of
backtracking), the closest passage to a misquotation, archived HTML full of unclosed
constructs, and PDFs whose pages share one content stream."""

from __future__ import annotations

import re

import hypothesis
import hypothesis.strategies as st
import pytest

from dossier.evidence import quotematch
from dossier.evidence.quotematch import Part, parts_of, spans

from .conftest import time_limit


def reference(parts: tuple[Part, ...]) -> re.Pattern[str]:
    """The old way: one lazy expression (its gaps taken from the parts)."""
    body = ""
    for n, part in enumerate(parts):
        literal = re.escape(part.text)
        if part.any_case:
            literal = f"[{part.text[0].lower()}{part.text[0].upper()}]" + re.escape(part.text[1:])
        body += (f".{{0,{part.gap}}}?" if n else "") + literal
    return re.compile(body, re.DOTALL)


QUOTE = st.lists(st.sampled_from(["ab", "b", "Ba", "a", " ... ", " [x] ", " "]), max_size=7)
TEXT = st.text(alphabet="aAbB .", max_size=40)


@hypothesis.settings(max_examples=400, derandomize=True, database=None, deadline=None)
@hypothesis.given(QUOTE, TEXT, st.integers(0, 3), st.integers(0, 6))
def test_spans_equal_the_lazy_expression(pieces, text, insertion_gap, piece_gap) -> None:
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(quotematch, "INSERTION_GAP", insertion_gap)
        mp.setattr(quotematch, "PIECE_GAP", piece_gap)
        parts = parts_of("".join(pieces))
    expected = [m.span() for m in reference(parts).finditer(text)] if parts else []
    assert list(spans(parts, text)) == expected


def test_a_quotation_with_insertions_in_a_long_source_finishes() -> None:
    """Four insertions against 1 MB of one repeated word: the expression took hours."""
    source = "word " * 200_000
    parts = parts_of("[the MEK] word [x] word [y] word [z] missing")
    with time_limit(60, lambda: AssertionError("the quotation search hangs")):
        assert list(spans(parts, source)) == []


def test_many_pieces_and_a_near_miss_finish() -> None:
    source = ("word word word " * 60_000) + "missing"
    parts = parts_of(" ... ".join(["word word word missing"] * 12))
    with time_limit(60, lambda: AssertionError("the quotation search hangs")):
        assert list(spans(parts, source)) == []


@pytest.mark.slow  # a 2 MB source
def test_closest_passage_in_a_2_mb_source_is_found_without_hanging() -> None:
    """A misquotation's closest passage: difflib over every window took 10 s for 20
    words in 2 MB, and hours for a few hundred."""
    from dossier.evidence.quotes import closest

    words = [f"w{n}x" for n in range(5000)]
    source = " ".join(words[(n * 7919) % 5000] for n in range(350_000))
    planted = source.split()[200_000:200_300]
    misquote = " ".join([*planted[:150], "changed", *planted[151:]])
    with time_limit(60, lambda: AssertionError("the closest-passage search hangs")):
        at, passage = closest(misquote, source)
    assert passage.split()[:5] == planted[:5]
    assert source[at:].startswith(" ".join(planted[:5]))


@pytest.mark.parametrize("flood", ["<!--", '<a href="', "<![CDATA[", "<a"])
def test_archived_html_full_of_unclosed_constructs_is_read_without_hanging(flood: str) -> None:
    """CPython's HTMLParser took 20 s for 50,000 `<!--` and 100 s for 30,000 `<a href="`."""
    from dossier.evidence.archive import html_text

    page = "<p>The quoted words are here.</p>" + flood * 200_000
    with time_limit(60, lambda: AssertionError(f"reading {flood!r} x 200,000 hangs")):
        text = html_text(page)
    assert "The quoted words are here." in text


@pytest.mark.slow  # one 2 MB page of text is still extracted once (about 4 s)
def test_an_archived_pdf_whose_pages_share_one_content_stream_is_read_once() -> None:
    """100 pages drawing the same 2 MB of text (23 KB compressed) took 100 x 3 s."""
    import io

    import pikepdf

    from dossier.evidence.archive import extract_pages

    pdf = pikepdf.new()
    font = pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica
        )
    )
    drawn = b"BT /F1 10 Tf 20 800 Td " + b"(Some words of text here) Tj 0 -1 Td " * 60000 + b"ET"
    stream = pdf.make_stream(drawn)
    resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font))
    for _ in range(100):
        page = pikepdf.Dictionary(
            Type=pikepdf.Name.Page, MediaBox=[0, 0, 595, 842], Contents=stream, Resources=resources
        )
        pdf.pages.append(pikepdf.Page(page))
    out = io.BytesIO()
    pdf.save(out)
    with time_limit(60, lambda: AssertionError("the shared content stream is read per page")):
        pages = extract_pages(out.getvalue(), ".pdf")
    assert len(pages) == 100
    assert pages[0][1] == pages[99][1] and "Some words of text here" in pages[99][1]
    assert [label for label, _ in pages[:3]] == ["1", "2", "3"]
