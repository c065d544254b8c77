"""The site's full-text search index: one record per section of every chapter (its
heading, the chapter, the link to it and its words), written as a script file,
assets/search-index.js, that the site's script loads when the search box is first
used. A script and not fetched JSON, so that search works from file:// too, where
browsers refuse fetch(). Made from the pages as written, reused or not."""

from __future__ import annotations

import json
from collections.abc import Iterable
from html.parser import HTMLParser

# elements whose text is not part of the prose a reader searches
_SKIPPED = frozenset({"script", "style", "svg", "nav", "header", "footer"})
_HEADINGS = frozenset({"h1", "h2", "h3"})


class _Sections(HTMLParser):
    """Splits a chapter page's <article> at its h1-h3 headings that carry an id."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.sections: list[dict[str, str]] = []
        self._article = 0
        self._skip = 0
        self._heading: str | None = None  # the id of the heading being read
        self._title: list[str] = []
        self._text: list[str] = []
        self._anchor = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "article":
            self._article += 1
        if not self._article:
            return
        if tag in _SKIPPED or ("class", "secno") in attrs:
            self._skip += 1
        elif tag in _HEADINGS:
            self._flush()
            self._heading = dict(attrs).get("id") or ""
            self._title = []

    def handle_endtag(self, tag: str) -> None:
        if not self._article:
            return
        if tag == "article":
            self._article -= 1
            if not self._article:
                self._flush()
        elif tag in _SKIPPED or (tag == "span" and self._skip):
            self._skip = max(0, self._skip - 1)
        elif tag in _HEADINGS and self._heading is not None:
            self._anchor = self._heading or self._anchor
            self._heading = None

    def handle_data(self, data: str) -> None:
        if not self._article or self._skip:
            return
        (self._title if self._heading is not None else self._text).append(data)

    def _flush(self) -> None:
        text = " ".join("".join(self._text).split())
        title = " ".join("".join(self._title).split())
        if text or title:
            self.sections.append({"anchor": self._anchor, "title": title, "text": text})
        self._text, self._title = [], []


def sections(page: str) -> list[dict[str, str]]:
    parser = _Sections()
    parser.feed(page)
    parser.close()
    return parser.sections


def search_index(pages: Iterable[tuple[str, str, str]]) -> bytes:
    """(page name, chapter label, HTML) of each chapter -> the assets/search-index.js."""
    docs = []
    heading = ""
    for name, chapter, html in pages:
        for n, s in enumerate(sections(html)):
            heading = s["title"] or heading
            docs.append(
                {
                    "id": f"{name}#{n}",
                    "href": f"{name}#{s['anchor']}" if s["anchor"] else name,
                    "title": heading,
                    "chapter": chapter,
                    "text": s["text"],
                }
            )
    data = json.dumps(docs, ensure_ascii=False, separators=(",", ":"))
    # JSON is a JavaScript expression; U+2028/9 are escaped for older parsers
    data = data.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return f"self.dossierSearchDocs = {data};\n".encode()
