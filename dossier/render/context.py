"""What rendering one chapter page needs to know beyond its tokens: the mode (site or
print), the formatted citations, the targets of cross-references and links, and the
state of its notes. markup and footnotes both read it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..model import Formatted, Target
from .sanitize import clean_fragment

_REF_HREF = re.compile(r'href="#ref-([^"]+)"')


@dataclass
class RenderContext:
    mode: str  # "site" | "print"
    formatted: Formatted
    targets: dict[str, Target]
    chapter_pages: dict[str, str]  # chapter path -> page (for links between chapters)
    images: dict[str, str]  # src as written -> href in output ("" = refused)
    figures_html: dict[str, str] = field(default_factory=dict)  # src -> inline SVG
    page: str = ""
    notes: list[tuple[str, str]] = field(default_factory=list)  # note-style citations
    by_title: dict[str, Target] | None = None  # headings by their text (implicit_ref)
    # In a note style the site numbers citation notes and footnotes in one sequence
    # per page, as the PDF does (render.notes): "cite:<id>" or "fn:<id>" -> number.
    numbered: dict[str, int] = field(default_factory=dict)

    def note_number(self, key: str) -> int:
        return self.numbered.setdefault(key, len(self.numbered) + 1)

    def href(self, target: Target) -> str:
        if self.mode == "print" or target.page == self.page:
            return f"#{target.id}"
        return f"{target.page}#{target.id}"

    def bib_link(self, fragment: str) -> str:
        """Pandoc's HTML (untrusted: made from BibTeX fields) with its #ref- links
        pointing where the bibliography is."""
        return self.ref_links(clean_fragment(fragment))

    def ref_links(self, fragment: str) -> str:
        prefix = "" if self.mode == "print" else "bibliography.html"
        return _REF_HREF.sub(lambda m: f'href="{prefix}#ref-{m.group(1)}"', fragment)
