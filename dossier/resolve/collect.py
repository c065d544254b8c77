"""The whole dossier from its chapters' scans: number sections, figures and tables, give
citation clusters their ids in document order, and check every key and
cross-reference. What it decides is data (ChapterInfo), looked up by the writers by
each tree node's `ref`: its headings, blocks and clusters are in the tree's order."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from ..config import slug
from ..diagnostics import Diagnostic, Location, did_you_mean, error, visible, warning
from ..model import RESET_POSITIONS, Cluster, Heading, Target
from ..read.scan import AnchorMark, BlockMark, ChapterScan, CiteMark, HeadingMark

KIND_LABEL = {"sec": "Section", "fig": "Figure", "tbl": "Table", "eq": "Equation"}


@dataclass(frozen=True, slots=True)
class ChapterInfo:
    number: int
    path: str
    page: str
    title_text: str
    headings: tuple[Heading, ...]
    clusters: tuple[Cluster, ...]
    blocks: tuple[tuple[str, str], ...] = ()  # (id, label) of its figures and tables
    meta: str = "{}"  # its metadata as JSON, for the templates


@dataclass(frozen=True, slots=True)
class Collected:
    chapters: tuple[ChapterInfo, ...]
    clusters: tuple[Cluster, ...]
    targets: dict[str, Target] = field(default_factory=dict)
    citing: dict[str, tuple[Cluster, ...]] = field(default_factory=dict)  # key -> clusters
    # the order of notes as pandoc numbers them: a cluster's index, or a footnote's key
    # (Cluster.note) where the text refers to it
    notes: tuple[int | str, ...] = ()


def page_name(number: int, path: str) -> str:
    stem = re.sub(r"^\d+[-_]?", "", path.rsplit("/", 1)[-1].rsplit(".", 1)[0])
    return f"{number:02d}-{slug(stem)[:80].strip('-') or 'chapter'}.html"  # < 255 bytes


# The ids the default theme gives its own elements, in a namespace of their own so that
# an author may use any id Pandoc allows ("contents", "main", "references", "top").
THEME_IDS = frozenset(
    {
        "dossier-main",
        "dossier-contents",
        "dossier-references",
        "dossier-cite",
        "dossier-cite-data",
        "dossier-search-box",
        "dossier-search-results",
        "dossier-list-of-figures",
        "dossier-list-of-tables",
    }
)


# Each heading is a page-outline entry and, from level 2, a line of the PDF's contents:
# 60,000 of them made a 3,300-page PDF that took minutes. A long book has a few hundred.
MAX_HEADINGS = 5000


def _too_many_headings(loc: Location) -> Diagnostic:
    return error(
        "md.too-many-headings",
        f"more than {MAX_HEADINGS:,} headings in the dossier; this is the first past the limit",
        loc,
        "make the deeper ones bold paragraphs, or split the dossier",
    )


def collect(
    scans: Sequence[ChapterScan], keys: Sequence[str]
) -> tuple[Collected, list[Diagnostic]]:
    diags: list[Diagnostic] = []
    targets: dict[str, Target] = {}
    used_ids: set[str] = set(THEME_IDS)
    chapters: list[ChapterInfo] = []
    all_clusters: list[Cluster] = []
    counters = {"fig": 0, "tbl": 0, "eq": 0}
    known = set(keys)
    hints: dict[str, str] = {}

    suffix: dict[str, int] = {}  # the next number to try after each repeated id
    heading_count = 0

    def claim(ident: str, loc: Location, explicit: bool = True) -> str:
        if ident in used_ids:
            if explicit:  # generated ids are made unique quietly, as Pandoc does
                diags.append(error("xref.duplicate-id", f"identifier '{ident}' is used twice", loc))
            # counting on from where the last repeat stopped: 60,000 identical headings
            # took minutes when each one counted up from 2 again
            n = suffix.get(ident, 1)  # Pandoc's repeats: same, same-1, same-2
            while f"{ident}-{n}" in used_ids:
                n += 1
            suffix[ident] = n + 1
            ident = f"{ident}-{n}"
        used_ids.add(ident)
        return ident

    for number, scan in enumerate(scans, 1):
        page = page_name(number, scan.path)
        headings: list[Heading] = []
        clusters: list[Cluster] = []
        blocks: list[tuple[str, str]] = []
        section = [number, 0, 0, 0, 0, 0]
        title = scan.title
        for mark in scan.marks:
            if isinstance(mark, CiteMark):
                cluster = Cluster(
                    f"c{len(all_clusters)}",
                    mark.source,
                    mark.items,
                    mark.narrative,
                    mark.location,
                    mark.in_note,
                    mark.note_context,
                    f"{number}:{mark.note}" if mark.in_note else "",
                )
                clusters.append(cluster)
                all_clusters.append(cluster)
                for item in cluster.items:
                    if item.key not in known:
                        diags.append(_unknown_key(item.key, known, cluster.location, hints))
                continue
            loc = Location(scan.path, mark.line)
            if isinstance(mark, HeadingMark):
                heading_count += 1
                if heading_count == MAX_HEADINGS + 1:
                    diags.append(_too_many_headings(loc))
                level, text = mark.level, mark.text
                title = title or (text if level == 1 else "")
                label_no = ""
                if mark.numbered and level > 1:
                    section[level - 1] += 1
                    for deeper in range(level, 6):
                        section[deeper] = 0
                    label_no = ".".join(str(n) for n in section[:level])
                elif level == 1 and mark.numbered:
                    label_no = str(number)
                ident = claim(mark.given or mark.auto, loc, bool(mark.given))
                headings.append(Heading(level, ident, label_no, "", text))
                label = (
                    (f"Chapter {label_no}" if level == 1 else f"Section {label_no}")
                    if label_no
                    else text
                )
                targets[ident] = Target(ident, "sec", label, page, text)
            elif isinstance(mark, AnchorMark):
                ident = claim(mark.ident, loc)
                targets[ident] = Target(ident, "id", ident, page)
            elif isinstance(mark, BlockMark):
                counters[mark.kind] += 1
                ident = claim(
                    mark.given or f"{mark.kind}-{counters[mark.kind]}", loc, bool(mark.given)
                )
                label = f"{KIND_LABEL[mark.kind]} {counters[mark.kind]}"
                blocks.append((ident, label))
                targets[ident] = Target(ident, mark.kind, label, page)
        if scan.empty:
            diags.append(warning("md.empty", "chapter is empty", Location(scan.path, 1)))
        elif not title:
            diags.append(
                warning(
                    "md.no-title",
                    "chapter has no title (no '# heading' and no front matter title)",
                    Location(scan.path, 1),
                )
            )
        chapters.append(
            ChapterInfo(
                number,
                scan.path,
                page,
                title or scan.path,
                tuple(headings),
                tuple(clusters),
                tuple(blocks),
                scan.meta,
            )
        )

    for scan in scans:
        for xref in scan.xrefs:
            for key in xref.keys:
                if xref.link:
                    if key not in targets and key.removeprefix("ref-") not in known:
                        diags.append(_unknown_link(key, targets, xref.location))
                elif key not in targets:
                    kind = key.split("-", 1)[0].split(":", 1)[0]  # sec-x, sec:x, eq-x ...
                    same_kind = [t for t in targets if t.startswith((kind + "-", kind + ":"))]
                    diags.append(
                        error(
                            "xref.unknown",
                            f"unknown cross-reference target '{key}'",
                            xref.location,
                            did_you_mean(key, same_kind),
                        )
                    )

    citing: dict[str, list[Cluster]] = {}
    for cluster in all_clusters:
        for item in cluster.items:
            citing.setdefault(item.key, []).append(cluster)
    return Collected(
        tuple(chapters),
        tuple(all_clusters),
        targets,
        {k: tuple(v) for k, v in citing.items()},
        note_order(scans, chapters),
    ), diags


def note_order(
    scans: Sequence[ChapterScan], chapters: Sequence[ChapterInfo]
) -> tuple[int | str, ...]:
    """Notes in the order pandoc numbers them: each citation of the text where it
    stands, each footnote where the text first refers to it (its citations go with it),
    chapter by chapter. Footnotes the text never refers to come last in their chapter.
    A heading of class scan.RESET_POSITIONS is there as that name."""
    order: list[int | str] = []
    first = 0
    top = 6  # the lowest heading level of the chapters before
    for scan, info in zip(scans, chapters, strict=True):
        refs: dict[int, list[str]] = {}
        seen: set[str] = set()
        for note, before in scan.footnotes:
            if note < 0:
                if -note <= top:
                    refs.setdefault(before, []).append(RESET_POSITIONS)
                continue
            key = f"{info.number}:{note}"
            if key not in seen:
                seen.add(key)
                refs.setdefault(before, []).append(key)
        text = [n for n, c in enumerate(info.clusters, first) if not c.in_note]
        for k, n in enumerate(text):
            order += refs.get(k, [])
            order.append(n)
        order += [key for k, keys in sorted(refs.items()) if k >= len(text) for key in keys]
        orphans: list[str] = sorted(
            {c.note for c in info.clusters if c.in_note} - seen,
            key=lambda key: int(key.split(":")[1]),
        )
        order += orphans
        first += len(info.clusters)
        top = min([top, *(h.level for h in info.headings)])
    return tuple(order)


def _unknown_link(key: str, targets: dict[str, Target], loc: Location) -> Diagnostic:
    # A warning, not an error: Pandoc builds such a book (the link is dead there too),
    # and real books have a few; --strict makes it an error.
    return warning(
        "xref.dead-link",
        f"link to '#{visible(key)}': no heading, figure, table, div or span has this identifier",
        loc,
        did_you_mean(key, targets),
    )


def _unknown_key(key: str, known: set[str], loc: Location, hints: dict[str, str]) -> Diagnostic:
    if key not in hints:  # a chapter may cite one unknown key thousands of times
        hint = did_you_mean(key, known)
        if not hint and visible(key) != key:
            hint = "the key contains an invisible character"
        elif not hint and not key.isascii():
            hint = "the key contains non-ASCII characters"
        hints[key] = hint
    return error("cite.unknown-key", f"unknown citation key '{visible(key)}'", loc, hints[key])


def unused_entries(
    keys: Sequence[str],
    citing: dict[str, tuple[Cluster, ...]],
    nocite: Sequence[str],
    locations: dict[str, Location],
) -> list[Diagnostic]:
    if "*" in nocite:
        return []
    return [
        warning(
            "cite.unused-entry",
            f"entry '{k}' is never cited",
            locations.get(k),
            "cite it, list it under 'nocite' in dossier.toml, or remove it",
        )
        for k in keys
        if k not in citing and k not in nocite
    ]
