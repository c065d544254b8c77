"""Evidence in the site: one page per archived source (its data, fingerprint, the
passages the dossier quotes, highlighted, with links back) and, for each chapter, the
data its citation pop-overs need (the formatted references and the quoted passages),
embedded in the page so that pop-overs also work when the site is opened from disk."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypedDict

from ..config import Config, slug
from ..evidence.quotes import QuoteCheck
from ..evidence.sources import Evidence, SourceStatus
from ..model import Bibliography, Cluster, Entry, Formatted
from ..sanitize import inert_tree
from ..urls import web_url
from .bibpages import BackLinks

# A reference as the pop-over script builds it: [tag, class, child...], where a child is
# text or such a list again (sanitize.inert_tree).
Tree = list["str | Tree"]


class CiteLink(TypedDict):
    href: str
    label: str
    where: str  # file:line:col, for the author (a link's title)


class ChapterCitations(TypedDict):
    chapter: str
    links: list[CiteLink]


class QuoteContext(TypedDict):
    id: str
    status: str
    page: str
    before: str
    match: str
    after: str
    passage: str
    quoted: str
    where: str
    chapter: str
    href: str


class FullTextPage(TypedDict):
    label: str
    paragraphs: list[str]


# What a chapter's pop-overs are made from (see popover_inputs): each cited key with its
# formatted entry and source page; each quotation found, as (citation id, key, page,
# passage split for highlighting).
RefInput = tuple[str, str | None, str | None]
QuoteInput = tuple[str, str, str, tuple[str, str, str]]


class PopoverQuote(TypedDict):
    cite: str
    before: str
    match: str
    after: str
    page: str
    source: str


class Popovers(TypedDict):
    """One chapter's pop-overs: the data, and its JSON for the page ("" when none)."""

    refs: list[tuple[str, Tree]]
    quotes: list[PopoverQuote]
    json: str


class ChangeRow(TypedDict):
    key: str
    title: str
    state: str
    meaning: str
    entry: str
    source: str
    cited: BackLinks | None
    path: str
    locked: str
    old: str
    new: str
    quotations: list[str]


class ChangesForReaders(TypedDict):
    problems: list[ChangeRow]
    unused: list[ChangeRow]
    unarchived: list[ChangeRow]


class SourceContext(TypedDict):
    """What source.html shows of one archived source."""

    key: str
    title: str
    reference: str
    url: str
    path: str
    sha256: str
    size: int
    pages: int
    state: str
    locked: str
    locked_sha256: str
    cited: int
    citations: list[ChapterCitations]
    quotations: list[QuoteContext]
    full_text: list[FullTextPage]


@dataclass(frozen=True, slots=True)
class SourcePage:
    key: str
    name: str  # file name in the site
    context: SourceContext


def source_names(keys: Iterable[str]) -> dict[str, str]:
    """Cite key -> page file name: safe on every file system, and unique."""
    names: dict[str, str] = {}
    taken: set[str] = set()
    for key in keys:
        base = "source-" + (slug(key) or "entry")
        name, n = f"{base}.html", 2
        while name in taken:
            name, n = f"{base}-{n}.html", n + 1
        taken.add(name)
        names[key] = name
    return names


def publishable(rel: str) -> bool:
    """Whether an archived file may be shown on the site: a `file` field can name any
    project file, and hidden ones (.git/config, .env) hold secrets, not sources."""
    return not any(part.startswith(".") for part in rel.replace("\\", "/").split("/"))


def _quotes_of(checks: Iterable[QuoteCheck]) -> dict[str, list[QuoteCheck]]:
    out: dict[str, list[QuoteCheck]] = {}
    for c in checks:
        if c.key:
            out.setdefault(c.key, []).append(c)
    return out


def _grouped(
    clusters: Iterable[Cluster], page_of: Mapping[str, str], title_of: Mapping[str, str]
) -> list[ChapterCitations]:
    """Citations grouped by chapter, in reading order: a reader sees chapter titles, an
    author gets file:line:col as each link's title."""
    groups: dict[str, ChapterCitations] = {}
    for c in clusters:
        path = c.location.path
        group = groups.setdefault(path, {"chapter": title_of.get(path, path), "links": []})
        group["links"].append(
            {
                "href": f"{page_of.get(path, '')}#cite-{c.id}",
                "label": str(len(group["links"]) + 1),
                "where": str(c.location),
            }
        )
    return list(groups.values())


def _quote_context(
    c: QuoteCheck, n: int, page_of: Mapping[str, str], title_of: Mapping[str, str]
) -> QuoteContext:
    before, match, after = c.context if c.status in ("found", "wrong-page") else ("", "", "")
    q = c.quotation
    return {
        "id": f"q-{n}",
        "status": c.status,
        "page": c.page,
        "before": before,
        "match": match,
        "after": after,
        "passage": c.passage,
        "quoted": q.text,
        "where": str(q.location),
        "chapter": title_of.get(q.location.path, q.location.path),
        "href": f"{page_of.get(q.location.path, '')}#cite-{q.cluster.id}",
    }


def _full_text(pages: tuple[tuple[str, str], ...]) -> list[FullTextPage]:
    return [
        {"label": label, "paragraphs": [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]}
        for label, text in pages
    ]


def source_pages(
    config: Config,
    bib: Bibliography,
    formatted: Formatted,
    evidence: Evidence,
    citing: Mapping[str, tuple[Cluster, ...]],
    page_of: Mapping[str, str],
    title_of: Mapping[str, str],
) -> list[SourcePage]:
    entries = bib.by_key()
    shown = {k for k, a in evidence.archives.items() if publishable(a.path)}
    order = [k for k in formatted.order if k in shown]
    order += sorted(k for k in shown if k not in order)
    names = source_names(order)
    states: dict[str, SourceStatus] = {s.key: s for s in evidence.statuses}
    quotes = _quotes_of(evidence.checks)
    pages = []
    for key in order:
        archived = evidence.archives[key]
        entry = entries.get(key)
        status = states.get(key)
        clusters = citing.get(key, ())
        context: SourceContext = {
            "key": key,
            "title": source_title(entry, key),
            "reference": formatted.bibliography.get(key, ""),
            "url": web_url(entry.get("url")) if entry else "",
            "path": archived.path,
            "sha256": archived.sha256,
            "size": archived.size,
            "pages": sum(1 for label, _ in archived.pages if label),
            "state": status.state if status else "",
            "locked": status.locked if status else "",
            "locked_sha256": status.old_sha256 if status else "",
            "cited": len(clusters),
            "citations": _grouped(clusters, page_of, title_of),
            "quotations": [
                _quote_context(c, n, page_of, title_of)
                for n, c in enumerate(quotes.get(key, []), 1)
            ],
            "full_text": _full_text(archived.pages) if config.html.publishes(key) else [],
        }
        pages.append(SourcePage(key, names[key], context))
    return pages


@functools.lru_cache(maxsize=16384)
def _tree(fragment: str) -> Tree:
    """A reference's pop-over tree, made once per build for the many pages citing it
    (never mutated: it is only serialised)."""
    return inert_tree(fragment)


def popover_inputs(
    clusters: Sequence[Cluster],
    formatted: Formatted,
    found: Mapping[str, Sequence[QuoteCheck]],
    source_of: Mapping[str, str],
) -> tuple[list[RefInput], list[QuoteInput]]:
    """Everything one chapter's pop-overs are made from, cheap to hash: a page taken
    from the last build needs its inputs compared, never its pop-overs made (the trees
    and the JSON were a third of a rebuild after a citation edit)."""
    keys = list(dict.fromkeys(i.key for c in clusters for i in c.items))
    # tuples, which the digest writes as the JSON arrays that lists were
    return (
        [(k, formatted.bibliography.get(k), source_of.get(k)) for k in keys],
        [(c.quotation.cluster.id, c.key, c.page, c.context) for c in _found(clusters, found)],
    )


def _found(
    clusters: Iterable[Cluster], found: Mapping[str, Sequence[QuoteCheck]]
) -> list[QuoteCheck]:
    return [c for cluster in clusters for c in found.get(cluster.id, ())]


def popover_data(
    clusters: Sequence[Cluster],
    formatted: Formatted,
    found: Mapping[str, Sequence[QuoteCheck]],
    source_of: Mapping[str, str],
) -> Popovers:
    """What one chapter's pop-overs show: each cited reference, and for a quotation the
    passage of the archived source that it matches (`found`: see quotes_found)."""
    keys = list(dict.fromkeys(i.key for c in clusters for i in c.items))
    # the site's script builds pop-overs from this JSON with text nodes only: references
    # (citeproc's HTML, sanitised) as [tag, class, child...] trees, quotations as text
    refs = [(k, _tree(formatted.bibliography[k])) for k in keys if k in formatted.bibliography]
    quotes: list[PopoverQuote] = [
        {
            "cite": f"cite-{c.quotation.cluster.id}",
            "before": c.context[0],
            "match": c.context[1],
            "after": c.context[2],
            "page": c.page,
            "source": source_of[c.key],
        }
        for c in _found(clusters, found)
        if c.key in source_of  # a source without a page is not shown (see publishable)
    ]
    data = {"refs": refs, "quotes": quotes}
    text = json.dumps(data, ensure_ascii=False) if refs or quotes else ""
    return {"refs": refs, "quotes": quotes, "json": text}


def quotes_found(checks: Iterable[QuoteCheck]) -> dict[str, list[QuoteCheck]]:
    """The quotations found in their sources, by the id of the citation they quote
    (grouped once, so that each chapter's pop-overs do not walk every check)."""
    found: dict[str, list[QuoteCheck]] = {}
    for c in checks:
        if c.status == "found":
            found.setdefault(c.quotation.cluster.id, []).append(c)
    return found


# What each state of a source means to a reader, most serious first.
STATES = {
    "changed": "changed since it was locked",
    "missing": "the archived copy is missing",
    "entry-changed": "its bibliography entry changed since it was locked",
    "new": "archived but not yet locked",
    "unused": "archived but not cited",
    "no-archive": "no archived copy",
}


def source_title(entry: Entry | None, key: str) -> str:
    """The title of a source as a reader knows it (BibTeX's protective braces dropped)."""
    title = re.sub(r"[{}]", "", entry.get("title")) if entry else ""
    return " ".join(title.split()) or key


def _records(value: object) -> list[Mapping[str, object]]:
    """The JSON objects of a list in the change report (its "changes", a change's
    "quotations"); the report may come from build/changes.json, so nothing is assumed."""
    return [v for v in value if isinstance(v, Mapping)] if isinstance(value, list) else []


def changes_context(
    report: Mapping[str, object],
    bib: Bibliography | None,
    listed: Mapping[str, str],
    cited: Mapping[str, BackLinks],
    source_of: Mapping[str, str],
) -> ChangesForReaders:
    """The "Sources and changes" page for readers: problems first, each source by its
    title with its citations linked to the text; the sources without an archived copy
    folded into one list; build paths and fingerprints tucked into <details>.
    `listed`: key -> the bibliography page with its entry; `cited`: site_backlinks."""
    entries = bib.by_key() if bib is not None else {}
    rows: list[ChangeRow] = []
    for c in _records(report.get("changes")):
        key = str(c.get("key"))
        rows.append(
            {
                "key": key,
                "title": source_title(entries.get(key), key),
                "state": str(c.get("state")),
                "meaning": STATES.get(str(c.get("state")), str(c.get("state"))),
                "entry": f"{listed[key]}#ref-{key}" if key in listed else "",
                "source": source_of.get(key, ""),
                "cited": cited.get(key),
                "path": str(c.get("path") or ""),
                "locked": str(c.get("locked") or ""),
                "old": str(c.get("old") or "")[:12],
                "new": str(c.get("new") or "")[:12] if c.get("new") != c.get("old") else "",
                "quotations": [str(q.get("status")) for q in _records(c.get("quotations"))],
            }
        )
    order = list(STATES)
    rows.sort(key=lambda r: (order.index(r["state"]) if r["state"] in order else 0, r["title"]))
    return {
        "problems": [r for r in rows if r["state"] not in ("no-archive", "unused")],
        "unused": [r for r in rows if r["state"] == "unused"],
        "unarchived": [r for r in rows if r["state"] == "no-archive"],
    }
