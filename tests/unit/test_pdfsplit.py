"""dossier.render.pdf.split and pdfparallel.plan: the print document cut into parts at
its markers, each part a whole document whose links to other parts survive, and the
chapters grouped into runs of about equal size. Pure functions on text."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dossier.render.pdf.parallel import Plan, plan
from dossier.render.pdf.split import (
    DEST_SCHEME,
    Block,
    Split,
    cited_on,
    footnotes_in,
    group_chapters,
    has_cited_on,
    ids_of,
    part_document,
    resolve_cited_on,
    split_document,
)

HEAD = (
    "<html><head><style>a::after { content: target-counter(attr(href url), page) }</style>"
    "</head><body>"
)
FRONT = '<nav><a href="#one">One</a> <a href="#two">Two</a></nav>'
ONE = (
    '<section id="one"><h1>One</h1>'
    '<p>See <a href="#two">two</a> and <a href="#one">here</a>.</p></section>'
)
TWO = '<section id="two"><h1>Two</h1><span class="footnote">n</span></section>'
BACK = (
    '<section id="refs"><p id="ref-a">A <span class="cited-on">Cited on '
    '<a href="#c1"></a>, <a href="#c2"></a>.</span></p></section>'
)


def document(*blocks: tuple[str, str]) -> str:
    body = "".join(f"<!--dossier:{kind}-->{text}" for kind, text in blocks)
    return HEAD + body + "<!--dossier:end--></body></html>"


WHOLE = document(("front", FRONT), ("chapter", ONE), ("chapter", TWO), ("back", BACK))


def test_split_document_into_its_blocks() -> None:
    assert split_document(WHOLE) == Split(
        HEAD,
        (Block("front", FRONT), Block("chapter", ONE), Block("chapter", TWO), Block("back", BACK)),
        "</body></html>",
    )


@pytest.mark.parametrize(
    "text",
    [
        HEAD + "<p>no markers</p></body></html>",
        WHOLE.replace("<!--dossier:end-->", ""),
        WHOLE.replace("</body>", "<!--dossier:chapter--></body>"),  # a marker after the end
        WHOLE.replace("a::after", "@page :first { } a::after"),
        WHOLE.replace("a::after", "@page :left { } a::after"),
        WHOLE.replace("a::after", "h1 { break-before: right } a::after"),
        WHOLE.replace("a::after", "p::after { content: counter(pages) } a::after"),
        WHOLE.replace("a::after", "h2::before { content: counter(figure) } a::after"),
        WHOLE.replace("</head>", '<link rel="stylesheet" href="x.css"></head>'),
    ],
)
def test_documents_that_cannot_be_split(text: str) -> None:
    assert split_document(text) is None


@pytest.mark.parametrize(
    "style",
    [
        "tr:first-child { } li:nth-child(2) { }",  # element selectors, not page ones
        "/* @page :first { } */",  # a comment
        "a::after { content: counter(page) } p { counter-reset: footnote }",
    ],
)
def test_styles_that_do_not_prevent_a_split(style: str) -> None:
    assert split_document(WHOLE.replace("a::after", style + " a::after")) is not None


def test_part_document_links_inside_and_across_parts() -> None:
    split = split_document(WHOLE)
    assert split is not None
    part = part_document(split, ONE, 3, {"one": 4, "two": 7})
    # a link inside the part stays a link; one to another part becomes a dossier-dest
    # URI; both carry the page they point at
    assert '<a data-page="7" href="dossier-dest:two">two</a>' in part
    assert '<a data-page="4" href="#one">here</a>' in part
    # page references are read from data-page, footnotes go on from the parts before
    assert "content: attr(data-page)" in part and "target-counter" not in part
    assert "<style>html { counter-reset: footnote 3 }</style></head>" in part
    assert part.startswith("<html><head>") and part.endswith("</body></html>")


def test_part_document_without_pages_or_footnotes_before() -> None:
    split = split_document(WHOLE)
    assert split is not None
    part = part_document(split, FRONT + BACK, 0, {})
    assert f'<a href="{DEST_SCHEME}one">One</a>' in part
    assert "counter-reset: footnote" not in part
    assert '<span class="cited-on">' in part  # resolved only once pages are known


def test_an_anchor_name_is_escaped_in_the_uri() -> None:
    split = split_document(WHOLE)
    assert split is not None
    part = part_document(split, '<a href="#a&amp;b c">x</a>', 0, {})
    assert 'href="dossier-dest:a%26b%20c"' in part


def test_cited_on_pages_once_each_in_order() -> None:
    assert has_cited_on(BACK) and not has_cited_on(ONE)
    resolved = resolve_cited_on(BACK, {"c1": 9, "c2": 3})
    assert (
        '<span class="cited-on cited-on-final">Cited on pp. '
        '<a href="#c2">3</a>, <a href="#c1">9</a>.</span>'
    ) in resolved
    assert cited_on('<a href="#c1"></a><a href="#c2"></a>', {"c1": 5, "c2": 5}) == (
        '<span class="cited-on cited-on-final">Cited on p. <a href="#c1">5</a>.</span>'
    )
    assert cited_on('<a href="#gone"></a>', {}) == ""


def test_ids_and_footnotes() -> None:
    assert ids_of(ONE + BACK) == {"one", "refs", "ref-a"}
    assert ids_of('<p id="a&amp;b">') == {"a&b"}
    assert footnotes_in(TWO + TWO) == 2


def test_group_chapters() -> None:
    assert group_chapters([10, 10, 10, 10], 2) == [range(0, 2), range(2, 4)]
    assert group_chapters([100, 1, 1, 1], 2) == [range(0, 1), range(1, 4)]
    assert group_chapters([5, 5], 8) == [range(0, 1), range(1, 2)]
    assert group_chapters([5, 5, 5], 1) == [range(0, 3)]


@settings(max_examples=300, derandomize=True, database=None, deadline=None)
@given(st.lists(st.integers(0, 1000), min_size=1, max_size=30), st.integers(1, 8))
def test_groups_are_consecutive_runs_covering_every_chapter(sizes: list[int], jobs: int) -> None:
    runs = group_chapters(sizes, jobs)
    assert list(itertools.chain.from_iterable(runs)) == list(range(len(sizes)))
    assert all(len(run) > 0 for run in runs)
    assert len(runs) == min(jobs, len(sizes))


# --- pdfparallel.plan ---------------------------------------------------------------------


def test_plan_front_chapter_groups_back() -> None:
    split = split_document(
        document(
            ("front", FRONT), ("chapter", ONE), ("chapter", TWO), ("chapter", TWO), ("back", BACK)
        )
    )
    assert split is not None
    assert plan(split, 2) == Plan(FRONT, (ONE, TWO + TWO), BACK, (0, 0, 0, 2))


def test_plan_without_front_or_back() -> None:
    split = split_document(document(("chapter", ONE), ("chapter", TWO)))
    assert split is not None
    assert plan(split, 4) == Plan("", (ONE, TWO), "", (0, 0, 0, 1))


@pytest.mark.parametrize(
    "blocks",
    [
        (("front", FRONT), ("back", BACK)),  # no chapter
        (("chapter", ONE), ("front", FRONT), ("chapter", TWO)),  # front matter in between
        (("chapter", ONE), ("back", BACK), ("chapter", TWO)),
    ],
)
def test_no_plan_for_other_shapes(blocks: tuple[tuple[str, str], ...]) -> None:
    split = split_document(document(*blocks))
    assert split is not None
    assert plan(split, 2) is None
