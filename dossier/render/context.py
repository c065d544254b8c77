"""What rendering one chapter page needs to know beyond its tokens: the mode (site or
print), the formatted citations, the targets of cross-references and links, and the
state of its notes. markup and footnotes both read it."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import unquote

from ..model import Formatted, Target
from ..resolve.timeline import Timeline
from ..sanitize import clean_fragment
from .bibpages import FIRST_PAGE


@dataclass
class RenderContext:
    mode: str  # "site" | "print"
    formatted: Formatted
    targets: dict[str, Target]
    chapter_pages: dict[str, str]  # chapter path -> page (for links between chapters)
    images: dict[str, str]  # src as written -> href in output ("" = refused)
    figures: dict[str, Timeline] = field(default_factory=dict)  # src -> drawn figure
    page: str = ""
    notes: list[tuple[str, str]] = field(default_factory=list)  # note-style citations
    by_title: dict[str, Target] | None = None  # headings by their text (implicit_ref)
    # In a note style the site numbers citation notes and footnotes in one sequence
    # per page, as the PDF does (render.notelist): "cite:<id>" or "fn:<id>" -> number.
    numbered: dict[str, int] = field(default_factory=dict)
    # ("figure" or "table", id, caption as plain text) of each captioned block with an
    # id, in document order: the PDF's lists of figures and tables, as data rather than
    # read back out of the HTML
    captions: list[tuple[str, str, str]] = field(default_factory=list)
    # key -> the page of the site's bibliography holding its entry (render.bibpages);
    # a key not in it is on the first page
    ref_pages: dict[str, str] = field(default_factory=dict)

    def note_number(self, key: str) -> int:
        return self.numbered.setdefault(key, len(self.numbered) + 1)

    def href(self, target: Target) -> str:
        if self.mode == "print" or target.page == self.page:
            return f"#{target.id}"
        return f"{target.page}#{target.id}"

    def bib_link(self, fragment: str) -> str:
        """Pandoc's HTML (untrusted: made from BibTeX fields), cleaned, with its #ref-
        links pointing where the bibliography is."""
        return clean_fragment(fragment, None if self.mode == "print" else self.ref_href)

    def ref_href(self, href: str) -> str:
        """Where a link to `#id` points from this page of the site: an entry of the
        bibliography (`#ref-KEY`) to the bibliography page that holds it."""
        if href.startswith("#ref-"):  # as a link writes it: percent-encoded
            return f"{self.ref_page(unquote(href[5:]))}{href}"
        return href

    def ref_page(self, key: str) -> str:
        """The bibliography page of the entry `key` (a key on no page is on the first)."""
        return self.ref_pages.get(key, FIRST_PAGE)
