"""The site's bibliography in pages of a bounded size.

A long dossier's bibliography is mostly back-links (the 500 entries of the medium corpus
are 149 KB; their 3,000 back-links another 500 KB), too much for one page on a phone.
The entries are cut, in the order the style sorts them, into pages of at most `BUDGET`
bytes, at the change of an initial letter where possible, so that each page holds whole
letters ("A-C", "D-G") and the reader can tell which page holds a name; a letter
longer than a page is cut, and named by guide words on either side ("N-Ne", "No-R").
A bibliography that fits is one page, bibliography.html, as before. Every link to an entry
(`#ref-KEY`) is written with the page that holds it (RenderContext.ref_pages), so no
script is needed to find an entry: it works without JavaScript and from file://.
A numbered style (a `csl-left-margin` with "[1]") is cut by numbers instead ("1-80")."""

from __future__ import annotations

import html as htmlmod
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TypedDict

from ..resolve.collect import Collected

FIRST_PAGE = "bibliography.html"
# Bytes of entries and back-links on one page (estimated, see `weight`); the header, the
# contents and the footer come on top (15 KB on a 40-chapter dossier), under 150 KB.
BUDGET = 110_000
# What a whole page may weigh, and what every page carries besides its entries: the
# head, header and footer, and the contents twice (the sidebar, and the phone's menu),
# about a line of markup per chapter. On a 200-chapter dossier the contents alone are
# 58 KB, which `budget_for` takes from the entries' share.
PAGE_LIMIT = 140_000
CHROME = 10_000

DASH = "\u2013"  # an en dash, between the first and last letter of a page
_TAG = re.compile(r"<[^>]*>")
# Letters Unicode does not decompose into a base letter and a mark, filed under the
# letter they are sorted with (Øster under O, Łukasz under L), as citeproc sorts them.
_FOLD = str.maketrans("ØøŁłĐđÐðÆæŒœÞþßıĦħ", "OOLLDDDDAAOOTTSIHH")


@dataclass(frozen=True, slots=True)
class Section:
    """A run of entries under one initial letter ("" in a numbered style)."""

    letter: str
    keys: tuple[str, ...]
    continued: bool = False  # the letter began on the page before


@dataclass(frozen=True, slots=True)
class BibPage:
    name: str
    label: str  # "A-C", "S", "1-80" (an en dash); "" when the bibliography is one page
    sections: tuple[Section, ...]


class BackLink(TypedDict):
    href: str
    label: str  # its number in the chapter
    name: str  # for a listener: "citation 3 in chapter 2, Names and aliases"


class ChapterBackLinks(TypedDict):
    number: int
    title: str
    links: list[BackLink]


class BackLinks(TypedDict):
    """An entry's citations, for the site's bibliography and the changes page."""

    total: int
    chapters: list[ChapterBackLinks]
    folded: bool  # in a <details> (more than BACKLINKS_SHOWN)


def budget_for(chapters: Sequence[tuple[str, str]]) -> int:
    """Bytes of entries for each page of a dossier whose chapters are these (page, title)
    pairs: BUDGET, less what a long contents adds to every page (20 KB at least: past
    some 400 chapters a page holds few entries, and so be it)."""
    contents = sum(2 * (70 + len(page) + len(title.encode())) for page, title in chapters)
    return min(BUDGET, max(20_000, PAGE_LIMIT - CHROME - contents))


def numbered(entries: Mapping[str, str]) -> bool:
    """Whether the style numbers its entries ("[1]" in a left margin)."""
    return any("csl-left-margin" in h for h in entries.values())


def initial(entry_html: str) -> str:
    """The letter an entry is filed under: the first letter of its text, without its
    accent (Åström under A); "" when it begins otherwise (a year, "———" for the same
    author again), which files it with the entries before it."""
    text = htmlmod.unescape(_TAG.sub("", entry_html))
    for char in text.translate(_FOLD):
        if char.isalpha():
            base = unicodedata.normalize("NFKD", char)[0]
            return base.upper() if base.isalpha() else char.upper()
        if char.isdigit():
            return ""
    return ""


def sections(order: Sequence[str], entries: Mapping[str, str]) -> list[Section]:
    """The entries in runs by initial letter. Letters only move forward: an entry out of
    alphabetical order (a title sorted without its article, say) stays in the run it is
    in, and a new letter starts a run only if the entry after it does not go back."""
    if numbered(entries):
        return [Section("", tuple(order))] if order else []
    letters = [initial(entries.get(k, "")) for k in order]
    runs: list[tuple[str, list[str]]] = []
    for i, key in enumerate(order):
        letter = letters[i]
        after = next((a for a in letters[i + 1 :] if a), "")  # the next entry with a letter
        if not runs:
            runs.append((letter or "#", [key]))
        elif letter and letter > runs[-1][0] and (not after or after >= letter):
            runs.append((letter, [key]))
        else:
            runs[-1][1].append(key)
    return [Section(letter, tuple(keys)) for letter, keys in runs]


def weight(entry_html: str, cited: BackLinks | None) -> int:
    """About how many bytes an entry takes on the page: its text, the markup around it
    and each back-link (its address and its name for listeners)."""
    size = len(entry_html.encode()) + 160
    for group in cited["chapters"] if cited else []:
        size += len(group["title"].encode()) + 60
        size += sum(len(link["href"]) + len(link["name"].encode()) + 32 for link in group["links"])
    return size


def paginate(
    order: Sequence[str],
    entries: Mapping[str, str],
    cited: Mapping[str, BackLinks],
    budget: int | None = None,
) -> list[BibPage]:
    """The bibliography's pages, in order; one page when it fits in `budget` bytes
    (BUDGET unless given)."""
    budget = BUDGET if budget is None else budget
    size = {k: weight(entries.get(k, ""), cited.get(k)) for k in order}
    if sum(size.values()) <= budget:
        return [BibPage(FIRST_PAGE, "", tuple(sections(order, entries)))]
    pages: list[list[Section]] = [[]]
    used = 0
    for section in sections(order, entries):
        total = sum(size[k] for k in section.keys)
        if pages[-1] and used + total > budget:
            pages.append([])
            used = 0
        if total <= budget:
            pages[-1].append(section)
            used += total
            continue
        # a letter longer than a page: cut between its entries
        chunk: list[str] = []
        continued = False
        for key in section.keys:
            if chunk and used + size[key] > budget:
                pages[-1].append(Section(section.letter, tuple(chunk), continued))
                pages.append([])
                chunk, used, continued = [], 0, True
            chunk.append(key)
            used += size[key]
        pages[-1].append(Section(section.letter, tuple(chunk), continued))
    return _named([p for p in pages if p], order, entries)


def _word(entry_html: str) -> str:
    """The first word of an entry in plain letters ("Åström, A." -> "Astrom")."""
    text = htmlmod.unescape(_TAG.sub("", entry_html))
    plain = "".join(unicodedata.normalize("NFKD", c)[0] for c in text.translate(_FOLD))
    word = re.search(r"[^\W\d_]+", plain)
    return word.group().capitalize() if word else ""


def guide(entry_html: str, other_html: str) -> str:
    """The guide word of a letter cut between two pages, as a dictionary prints it: the
    shortest start of the entry's first word (two letters at least) that tells it from
    the entry on the other side of the cut ("Ne" | "No", "Karsai" | "Karsau"); the whole
    word when both begin with it (one author's works over two pages: "Smith" | "Smith",
    as a dictionary repeats a guide word); "" for an entry without a word ("———. 1990.",
    the same author again)."""
    word, other = _word(entry_html), _word(other_html)
    for n in range(2, len(word) + 1):
        if word[:n] != other[:n]:
            return word[:n]
    return word


def _named(
    pages: list[list[Section]], order: Sequence[str], entries: Mapping[str, str]
) -> list[BibPage]:
    out: list[BibPage] = []
    taken: set[str] = set()
    position = {k: n for n, k in enumerate(order, 1)}
    for n, secs in enumerate(pages):
        first, last = secs[0], secs[-1]
        if first.letter:
            # a letter cut between two pages is named by guide words on both sides of
            # the cut ("N-Ne", "No-R"), so a reader can tell which page holds a name
            start, end = first.letter, last.letter
            if first.continued:
                before = entries.get(pages[n - 1][-1].keys[-1], "")
                start = guide(entries.get(first.keys[0], ""), before) or start
            if n + 1 < len(pages) and pages[n + 1][0].continued:
                after = entries.get(pages[n + 1][0].keys[0], "")
                end = guide(entries.get(last.keys[-1], ""), after) or end
            label = start if start == end else start + DASH + end
            slug = first.letter.lower() if first.letter.isascii() else str(n + 1)
        else:  # a numbered style: the numbers of its first and last entries
            label = f"{position[first.keys[0]]}{DASH}{position[last.keys[-1]]}"
            slug = str(n + 1)
        name = FIRST_PAGE if n == 0 else f"bibliography-{slug}.html"
        again = 1
        while name in taken:  # a letter over several pages: bibliography-n-2.html
            again += 1
            name = f"bibliography-{slug}-{again}.html"
        taken.add(name)
        out.append(BibPage(name, label, tuple(secs)))
    return out


def page_of_key(pages: Sequence[BibPage]) -> dict[str, str]:
    """key -> the bibliography page that holds its entry."""
    return {k: p.name for p in pages for s in p.sections for k in s.keys}


def letter_id(letter: str) -> str:
    """The id of a letter's heading (in the theme's namespace of ids)."""
    plain = letter.isascii() and letter.isalnum()
    code = letter.lower() if plain else f"u{ord(letter[:1] or '#'):x}"
    return f"dossier-letter-{code}"


# More citations than this and an entry's back-links fold into a <details>.
BACKLINKS_SHOWN = 6


def site_backlinks(collected: Collected, page_of: Mapping[str, str]) -> dict[str, BackLinks]:
    """key -> its citations grouped by chapter, for the site's bibliography. Each link is
    named for a listener ("citation 3 in chapter 2, Names and aliases"); the build path
    of a citation is never shown to readers."""
    info = {c.path: c for c in collected.chapters}
    out: dict[str, BackLinks] = {}
    for key, clusters in collected.citing.items():
        groups: dict[str, ChapterBackLinks] = {}
        for cluster in clusters:
            path = cluster.location.path
            chapter = info.get(path)
            if chapter is None:
                continue
            group = groups.setdefault(
                path,
                {"number": chapter.number, "title": chapter.title_text, "links": []},
            )
            n = len(group["links"]) + 1
            group["links"].append(
                {
                    "href": f"{page_of.get(path, '')}#cite-{cluster.id}",
                    "label": str(n),
                    "name": f"citation {n} in chapter {chapter.number}, {chapter.title_text}",
                }
            )
        total = sum(len(g["links"]) for g in groups.values())
        out[key] = {
            "total": total,
            "chapters": list(groups.values()),
            "folded": total > BACKLINKS_SHOWN,
        }
    return out
