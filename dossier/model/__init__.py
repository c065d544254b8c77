"""The frozen data the stages pass along."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..diagnostics import Location

# Pandoc 3.9: the citations under a heading of this class are positioned (first note,
# ibid., short form) as if none came before them.
RESET_POSITIONS = "reset-citation-positions"


@dataclass(frozen=True, slots=True)
class Entry:
    """One bibliography entry as read from the .bib (fields LaTeX-decoded where needed)."""

    key: str
    type: str
    fields: tuple[tuple[str, str], ...]
    location: Location
    raw: str

    def get(self, name: str, default: str = "") -> str:
        for k, v in self.fields:
            if k == name:
                return v
        return default

    def parents(self) -> list[str]:
        """The keys of the entries it inherits fields from (crossref, xdata)."""
        return [
            key.strip()
            for name in ("crossref", "xdata")
            for key in self.get(name).split(",")
            if key.strip()
        ]


@dataclass(frozen=True, slots=True)
class Bibliography:
    entries: tuple[Entry, ...]
    clean_bibtex: str  # only the blocks that parsed, for the formatting engine
    strings_bibtex: str = ""  # the @string macros, which every subset needs

    def subset(self, keys: set[str]) -> str:
        """BibTeX for the given entries and the crossref/xdata parents they need."""
        entries = self.by_key()
        wanted, queue = set(), [k for k in keys if k in entries]
        while queue:
            key = queue.pop()
            if key in wanted:
                continue
            wanted.add(key)
            queue += [parent for parent in entries[key].parents() if parent in entries]
        raws = [e.raw for e in self.entries if e.key in wanted]
        return "\n\n".join([self.strings_bibtex, *raws]) + "\n"

    def by_key(self) -> dict[str, Entry]:
        return {e.key: e for e in self.entries}


@dataclass(frozen=True, slots=True)
class CiteItem:
    key: str
    suppress_author: bool = False
    locator: str = ""  # raw suffix text, e.g. ", p. 33"


@dataclass(frozen=True, slots=True)
class Cluster:
    """One citation as written: `[see @a, ch. 2; @b]` or narrative `@a [p. 7]`."""

    id: str
    source: str
    items: tuple[CiteItem, ...]
    narrative: bool
    location: Location
    in_note: bool = False
    note_context: str = ""  # inside a footnote: markdown.citations.note_context
    note: str = ""  # inside a footnote: which one ("chapter:footnote id")


@dataclass(frozen=True, slots=True)
class Target:
    """Something a cross-reference can point at: a section, figure or table."""

    id: str
    kind: str  # "sec" | "fig" | "tbl"
    label: str  # "Section 2.1", "Figure 3"
    page: str  # file name of the HTML page holding it
    title: str = ""


@dataclass(frozen=True, slots=True)
class Heading:
    level: int
    id: str
    number: str
    title_html: str
    title_text: str


@dataclass(frozen=True, slots=True)
class FormattedCitation:
    html: str  # what appears in the text
    note_html: str = ""  # for note styles: the footnote the citation becomes


@dataclass(frozen=True, slots=True)
class Formatted:
    citations: dict[str, FormattedCitation] = field(default_factory=dict)
    bibliography: dict[str, str] = field(default_factory=dict)  # key -> entry HTML
    order: tuple[str, ...] = ()  # bibliography order as the style sorts it
    note_style: bool = False
    punctuation_in_quote: bool = False  # the locale moves . and , inside quotation marks

    def __hash__(self) -> int:  # pragma: no cover - identity is enough
        return id(self)


# A JSON value as json.loads makes it, for records read back from the cache
JSON = str | int | float | bool | None | list["JSON"] | dict[str, "JSON"]
