"""The site's full-text search index: one record per section of every chapter (its
heading, the chapter, the link to it and its words), written as a script file,
assets/search-index.js, that the site's script loads when the search box is first
used. A script and not fetched JSON, so that search works from file:// too, where
browsers refuse fetch(). Made from the pages as written, reused or not; a page's
sections are kept in the build cache with the fingerprint of the page's inputs, so that
a page taken from the last build is not parsed again."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping

Section = dict[str, str]  # anchor, title, text
# page name -> (the fingerprint of the page's inputs, its sections)
SectionRecord = dict[str, tuple[str, list[Section]]]

# elements whose text is not part of the prose a reader searches
_SKIPPED = frozenset({"script", "style", "svg", "nav", "header", "footer"})
# section numbers, and the folded "On this page" list at the top of a chapter
_SKIPPED_CLASSES = frozenset({"secno", "otp-fold"})
_HEADINGS = frozenset({"h1", "h2", "h3"})


def sections(page: str) -> list[Section]:
    """A chapter page's <article> split at its h1-h3 headings: (anchor, title, text) of
    each part. Parsed with libxml2 (through lxml): a 200-chapter site in a fraction of
    a second, which matters since the index is remade on every build."""
    from lxml import html

    # only the article is parsed: on a long dossier the rest of a page is mostly the
    # contents (twice) and the pop-overs' data
    start, end = page.find("<article"), page.rfind("</article>")
    if start < 0 or end < start:
        return []
    fragment = page[start : end + len("</article>")]
    article = html.fragment_fromstring(fragment)
    # What is not prose goes, its tail kept; then each heading's text is swapped for a
    # mark and the article's text, gathered by libxml2 in one call, is cut at the marks
    # (a walk over every element in Python took twice as long on a page of notes).
    dropped = [el for el in article.iter(*_SKIPPED) if el is not article]
    dropped += [
        el
        for el in article.iter()
        if el is not article
        and isinstance(el.tag, str)
        and _SKIPPED_CLASSES.intersection((el.get("class") or "").split())
    ]
    for el in dropped:
        if el.getparent() is not None:  # not inside one already dropped
            el.drop_tree()
    heads = [h for h in article.iter(*_HEADINGS) if h is not article]
    if any(sum(1 for _ in h.iter(*_HEADINGS)) > 1 for h in heads):
        return _walked(fragment)  # a heading in a heading
    anchors, titles = [], []
    anchor = ""
    for h in heads:
        anchor = h.get("id") or anchor
        anchors.append(anchor)
        titles.append(" ".join(h.text_content().split()))
        for child in list(h):
            h.remove(child)
        h.text = _MARK
    parts = article.text_content().split(_MARK)
    if len(parts) != len(heads) + 1:
        return _walked(fragment)  # the page holds the mark itself
    out: list[Section] = []
    for n, text in enumerate(parts):
        words = " ".join(text.split())
        name = titles[n - 1] if n else ""
        if words or name:
            out.append({"anchor": anchors[n - 1] if n else "", "title": name, "text": words})
    return out


# stands for a heading while the article's text is cut (a private-use character: a
# page that holds one is walked instead)
_MARK = "\ue000"


def _walked(fragment: str) -> list[Section]:
    """sections() by a walk over every element: for a page the marks cannot cut."""
    from lxml import etree, html

    article = html.fragment_fromstring(fragment)
    out: list[Section] = []
    anchor, title, text = "", list[str](), list[str]()
    heading = False

    def flush() -> None:
        words, name = " ".join("".join(text).split()), " ".join("".join(title).split())
        if words or name:
            out.append({"anchor": anchor, "title": name, "text": words})

    walker = etree.iterwalk(article, events=("start", "end"))
    for event, el in walker:
        tag = el.tag if isinstance(el.tag, str) else ""
        if event == "start":
            if tag in _SKIPPED or _SKIPPED_CLASSES.intersection((el.get("class") or "").split()):
                walker.skip_subtree()  # its "end" event still comes, with its tail
                continue
            if tag in _HEADINGS:
                flush()
                anchor = el.get("id") or anchor
                title, text, heading = [], [], True
            (title if heading else text).append(el.text or "")
        else:
            if tag in _HEADINGS:
                heading = False
            if el is not article:
                (title if heading else text).append(el.tail or "")
    flush()
    return out


def search_index(
    pages: Iterable[tuple[str, str, str, str]], previous: Mapping[str, object]
) -> tuple[bytes, SectionRecord]:
    """(page name, fingerprint, chapter label, HTML) of each chapter, and the sections
    recorded by the last build -> the assets/search-index.js, and this build's record."""
    docs = []
    heading = ""
    record: SectionRecord = {}
    for name, fingerprint, chapter, html in pages:
        known = _recorded(previous.get(name), fingerprint)
        parts = known if known is not None else sections(html)
        record[name] = (fingerprint, parts)
        for n, s in enumerate(parts):
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
    return f"self.dossierSearchDocs = {data};\n".encode(), record


_KEYS = frozenset({"anchor", "title", "text"})


def _recorded(entry: object, fingerprint: str) -> list[Section] | None:
    """A page's sections as the last build recorded them, if they are of this page as
    it is now. The cache came with the build folder and is as untrusted as the project:
    anything but the expected shape is ignored."""
    if not (isinstance(entry, list | tuple) and len(entry) == 2 and entry[0] == fingerprint):
        return None
    parts = entry[1]
    if not isinstance(parts, list):
        return None
    for part in parts:
        if not (
            isinstance(part, dict)
            and part.keys() == _KEYS
            and all(isinstance(v, str) for v in part.values())
        ):
            return None
    return parts
