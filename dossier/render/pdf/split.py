"""Splitting the print document into parts that can be laid out in parallel.

The print template marks its blocks with comments (`<!--dossier:front-->`,
`<!--dossier:chapter-->`, `<!--dossier:back-->`, `<!--dossier:end-->`); chapter text
cannot contain them, since raw HTML in Markdown is shown as text. Each part is a whole
HTML document (the same head, a run of blocks). Every page reference is printed as a
literal number (`data-page` on the link) and every link to another part becomes a
`dossier-dest:` URI that the merge turns back into an internal link. Pure functions on
text, no WeasyPrint."""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from urllib.parse import quote

MARKER = re.compile(r"<!--dossier:(front|chapter|back|end)-->")
DEST_SCHEME = "dossier-dest:"
# What layout-dependent CSS a part cannot reproduce: first/left/right/blank pages, and
# page counters other than `page` (a part does not know the total). Element selectors
# such as `tr:first-child` and `li:nth-child(2)` are no page selectors.
_UNSPLITTABLE = re.compile(
    r":(first|left|right|blank)(?![\w-])|:nth\(|counter\(\s*pages\s*\)|"
    r"break-(before|after)\s*:\s*(left|right|recto|verso)|"
    r"(?<![\w-])counters?\(\s*(?!page\s*[,)]|footnote\s*[,)])[\w-]+",
    re.I,
)
_TARGET_COUNTER = re.compile(r"target-counter\(\s*attr\(\s*href\s+url\s*\)\s*,\s*page\s*\)")
_COMMENT = re.compile(r"/\*.*?\*/", re.S)
_STYLE = re.compile(r"(<style[^>]*>)(.*?)(</style>)", re.S | re.I)
_ID = re.compile(r'\sid="([^"]*)"')
_HREF = re.compile(r'<a\b([^>]*?)\shref="#([^"]*)"')
_CITED_ON = re.compile(r'<span class="cited-on">(.*?)</span>', re.DOTALL)
_CITED_HREF = re.compile(r'href="#([^"]+)"')


@dataclass(frozen=True, slots=True)
class Block:
    kind: str  # front | chapter | back
    text: str


@dataclass(frozen=True, slots=True)
class Split:
    head: str  # up to and including <body ...>
    blocks: tuple[Block, ...]
    tail: str  # </body></html>


def split_document(text: str) -> Split | None:
    """The marked blocks, or None when the document cannot be split safely."""
    pieces = MARKER.split(text)
    if len(pieces) < 5 or pieces[-2] != "end" or MARKER.search(pieces[-1]):
        return None
    styles = _COMMENT.sub("", "".join(m.group(2) for m in _STYLE.finditer(pieces[0])))
    if _UNSPLITTABLE.search(styles) or "<link" in pieces[0].lower():
        return None
    blocks = tuple(
        Block(kind, body) for kind, body in zip(pieces[1:-2:2], pieces[2:-2:2], strict=True)
    )
    return Split(pieces[0], blocks, pieces[-1])


def group_chapters(sizes: Sequence[int], groups: int) -> list[range]:
    """Consecutive runs of chapters of about equal total size (at most `groups` runs):
    each run ends at the chapter boundary nearest to its share of the total."""
    groups = max(1, min(groups, len(sizes)))
    ends = [sum(sizes[: i + 1]) for i in range(len(sizes))]
    cuts = [0]
    for k in range(1, groups):
        target = ends[-1] * k / groups
        cut = min(
            range(cuts[-1] + 1, len(sizes) - groups + k + 1),
            key=lambda i: abs(ends[i - 1] - target),
        )
        cuts.append(cut)
    cuts.append(len(sizes))
    return [range(a, b) for a, b in pairwise(cuts) if b > a]


def ids_of(text: str) -> set[str]:
    return {html.unescape(m) for m in _ID.findall(text)}


def footnotes_in(text: str) -> int:
    """Footnotes are numbered through the whole document: a part starts where the
    previous ones stopped."""
    return text.count('<span class="footnote">')


def part_document(split: Split, body: str, footnotes_before: int, pages: Mapping[str, int]) -> str:
    """One part as a document: literal page numbers from `pages` (anchor -> global
    page), links to other parts as dossier-dest: URIs."""
    own = ids_of(body)

    def link(m: re.Match[str]) -> str:
        attrs, target = m.group(1), m.group(2)
        name = html.unescape(target)
        page = pages.get(name)
        extra = f' data-page="{page}"' if page is not None else ""
        if name in own:
            return f'<a{attrs}{extra} href="#{target}"'
        uri = DEST_SCHEME + quote(name, safe="")
        return f'<a{attrs}{extra} href="{uri}"'

    body = _HREF.sub(
        link, _CITED_ON.sub(lambda m: cited_on(m.group(1), pages), body) if pages else body
    )
    head = _STYLE.sub(
        lambda m: m.group(1) + _TARGET_COUNTER.sub("attr(data-page)", m.group(2)) + m.group(3),
        split.head,
    )
    reset = f"<style>html {{ counter-reset: footnote {footnotes_before} }}</style>"
    head = head.replace("</head>", reset + "</head>", 1) if footnotes_before else head
    return head + body + split.tail


def cited_on(inner: str, pages: Mapping[str, int]) -> str:
    """ "Cited on pp. 3, 7-9, 17" (an en dash): each distinct page once, in order,
    runs of pages as ranges, each number linking to the first citation on its page."""
    first_on_page: dict[int, str] = {}
    for anchor in _CITED_HREF.findall(inner):
        page = pages.get(html.unescape(anchor))
        if page is not None:
            first_on_page.setdefault(page, anchor)
    if not first_on_page:
        return ""
    numbers = sorted(first_on_page)

    def link(n: int) -> str:
        return f'<a href="#{first_on_page[n]}">{n}</a>'

    links = ", ".join(
        link(a) if a == b else f"{link(a)}\u2013{link(b)}" for a, b in page_ranges(numbers)
    )
    label = "p." if len(numbers) == 1 else "pp."
    return f'<span class="cited-on cited-on-final">Cited on {label} {links}.</span>'


def page_ranges(numbers: Sequence[int]) -> list[tuple[int, int]]:
    """Sorted page numbers as runs: [4, 5, 7, 8, 9, 12] -> [(4, 5), (7, 9), (12, 12)],
    printed "4-5, 7-9, 12" (en dashes), each end linking to the first citation on its page."""
    runs: list[tuple[int, int]] = []
    for n in numbers:
        if runs and n == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], n)
        else:
            runs.append((n, n))
    return runs


def has_cited_on(text: str) -> bool:
    return _CITED_ON.search(text) is not None


def resolve_cited_on(text: str, pages: Mapping[str, int]) -> str:
    return _CITED_ON.sub(lambda m: cited_on(m.group(1), pages), text)
