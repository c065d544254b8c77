"""dossier.render.pdf.document.print_html: the print document comes with the ids its
front matter links to, as data, so that laying the PDF out in parts never reads them
back from the HTML. Here the HTML is read, once, to check that data against it."""

from __future__ import annotations

import html
import re
from pathlib import Path

from dossier.analysis import analyse
from dossier.cite.stage import format_citations
from dossier.render.pdf.document import PrintDocument, print_html
from dossier.render.pdf.split import split_document
from dossier.render.site import SiteInput

EXAMPLE = Path(__file__).resolve().parents[1]  # the repository is its own example


def print_document(root: Path) -> PrintDocument:
    analysis, _ = analyse(root)
    assert analysis is not None
    formatted, _ = format_citations(analysis)
    assert formatted is not None
    return print_html(SiteInput.of(analysis, formatted))


def test_front_links_are_the_links_of_the_front_matter() -> None:
    """The example has every kind: lists of figures and tables, abbreviations, sections
    and a bibliography."""
    document = print_document(EXAMPLE)
    split = split_document(document.html)
    assert split is not None
    front = "".join(block.text for block in split.blocks if block.kind == "front")
    written = [html.unescape(m) for m in re.findall(r'href="#([^"]*)"', front)]
    assert list(document.front_links) == written
    for kind in ("dossier-list-of-figures", "dossier-abbreviations", "dossier-references"):
        assert kind in written
    assert any(name.startswith("fig-") for name in written)
