"""sanitize.clean_fragment's link pass: links to a #fragment in citeproc's output are
pointed at the page that holds their target in the same pass that cleans them."""

from __future__ import annotations

from dossier.model import Formatted
from dossier.render.context import RenderContext
from dossier.sanitize import clean_fragment

ENTRY = (
    '<a href="#ref-doe" role="doc-biblioref">Doe</a> '
    '<a href="https://example.org/x?a=1&amp;b=2">web</a> '
    '<a href="javascript:alert(1)">bad</a> <a href="notes.txt">file</a>'
)


def test_only_fragment_links_are_pointed_elsewhere() -> None:
    out = clean_fragment(ENTRY, lambda href: "page.html" + href)
    assert '<a href="page.html#ref-doe" role="doc-biblioref">Doe</a>' in out
    assert 'href="https://example.org/x?a=1&amp;b=2"' in out
    # what the URL policy refuses is gone before any rewriting
    assert "javascript" not in out and 'href="notes.txt"' not in out
    assert clean_fragment(ENTRY) == out.replace("page.html#", "#")


def test_the_site_points_an_entry_at_its_page_and_print_at_its_anchor() -> None:
    pages = {"doe": "bibliography-d.html"}
    site = RenderContext("site", Formatted(), {}, {}, {}, ref_pages=pages)
    printed = RenderContext("print", Formatted(), {}, {}, {}, ref_pages=pages)
    assert 'href="bibliography-d.html#ref-doe"' in site.bib_link(ENTRY)
    assert 'href="#ref-doe"' in printed.bib_link(ENTRY)
    # a key on no page is on the first
    assert 'href="bibliography.html#ref-roe"' in site.bib_link('<a href="#ref-roe">R</a>')
