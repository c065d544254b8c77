"""Citations formatted through the cache, in parallel where the style allows it.

In an author-date style that neither sorts the bibliography by citation order nor uses
positions (ibid, subsequent), a citation's text depends only on the set of references
cited: the year suffixes and added initials come from that set, not from the other
citations. So clusters can be formatted in independent pandoc runs, as long as each
run sees the same references (nocite) — and a rebuild formats only clusters it has not
seen. Every other style is formatted in one run over the whole document, cached as a
whole. Both paths give what one `pandoc --citeproc` run gives (tests/test_parity.py).

A run need not see every reference, only those its citations could be confused with.
pandoc's disambiguation compares every reference it sees with every other (5,000
references alone take ~86 s, without disambiguation ~6 s), so a large bibliography is
formatted in many small runs, each seeing the references its citations could be
confused with (_by_family; which those are: see families).
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

from ..cache import digest, sha256
from ..model import Bibliography, Cluster, Formatted, FormattedCitation
from . import cslstyle, positions
from . import engine as cite
from .families import (
    by_family_safe,
    cluster_runs,
    entry_runs,
    families,
    probe_groups,
    related,
    tie_groups,
    without_disambiguation,
)
from .notekeys import in_note_order
from .record import JSON, CiteRecord, Ties, decode, encode

# Below this many clusters a second pandoc process costs more than it saves.
PARALLEL_FROM = 300
# From this many references a cold build formats by family (see _by_family), and each
# pandoc run then sees about RUN_REFERENCES references: a run costs ~0.2 s to start, plus
# a part that grows with the square of the references it sees (measured: 126 references
# 0.29 s, 252 0.48 s, 5,000 86 s), so runs of a few hundred cost least.
BY_FAMILY_FROM = 1000
RUN_REFERENCES = 300


@dataclass(frozen=True, slots=True)
class Request:
    source: str
    in_note: bool = False
    keys: tuple[str, ...] = ()
    note_context: str = ""  # inside a footnote: markdown.citations.note_context
    note: str = ""  # inside a footnote: which one (model.Cluster.note)
    # the items as citeproc sees them (positions.cites), for the positions of notes
    cites: tuple[positions.Cite, ...] = ()

    @classmethod
    def of(cls, cluster: Cluster) -> Request:
        """What formatting needs of a citation cluster as collect made it."""
        return cls(
            cluster.source,
            cluster.in_note,
            tuple(i.key for i in cluster.items),
            cluster.note_context,
            cluster.note,
            positions.cites(cluster.narrative, cluster.items),
        )

    @property
    def key(self) -> str:
        context = f"{self.note_context}\n" if self.note_context else ""
        return hashlib.sha256(f"{int(self.in_note)}{context}{self.source}".encode()).hexdigest()


def independent(text: str) -> bool:
    """Whether each citation of a style (the CSL file's text) can be formatted on its own
    (see the module docstring)."""
    head = text[:4000]
    if 'citation-format="author-date"' not in head and 'citation-format="author"' not in head:
        return False
    citation = re.search(r"<citation\b.*?</citation>", text, re.DOTALL)
    bibliography = re.search(r"<bibliography\b.*?</bibliography>", text, re.DOTALL)
    return bool(
        citation
        and "position=" not in citation.group(0)
        and "citation-number" not in citation.group(0)
        and (bibliography is None or "<sort>" in bibliography.group(0))
    )


def _run(
    requests: Sequence[Request],
    bibtex: str,
    style: Path,
    language: str,
    nocite: Sequence[str],
    primers: Sequence[str] = (),
    workdir: Path | None = None,
    notes: Sequence[int | str] = (),
) -> tuple[Formatted, list[str]]:
    """One pandoc run; `primers` are cited first, one per cluster, and their output
    dropped, so that the order of first citation is the whole document's. `workdir`:
    the build's private folder (cite.private_folder)."""
    # The bibliography is always rendered: without it pandoc does not link citations.
    first = [cite.ClusterRequest(f"c{n}", f"[@{{{k}}}]") for n, k in enumerate(primers)]
    ids = first + [
        cite.ClusterRequest(f"c{n + len(first)}", r.source, r.in_note, r.note_context, r.note)
        for n, r in enumerate(requests)
    ]
    if notes:
        ids = first + in_note_order(ids[len(first) :], notes)
    formatted, warnings = cite.format_citations(
        ids, bibtex, style, language, nocite, workdir=workdir
    )
    shifted = {f"c{n}": formatted.citations[f"c{n + len(first)}"] for n in range(len(requests))}
    return Formatted(
        shifted, formatted.bibliography, formatted.order, formatted.note_style
    ), warnings


# Pandoc's disambiguation (2020a, 2020b, ...) grows faster than the square of the number
# of references that share author and year: 300 take 0.6 s, 1,000 take 5 s, 6,000 took
# 554 s. Past this many, formatting is refused with an error at the bibliography.
MAX_ALIKE = 1000


class TooManyAlike(Exception):
    """More cited references share one author and year than MAX_ALIKE."""

    def __init__(self, keys: list[str]) -> None:
        super().__init__(f"{len(keys)} references share author and year")
        self.keys = keys


def wanted_keys(bib: Bibliography, cited: set[str], nocite: Sequence[str]) -> set[str]:
    """The references a document's bibliography holds: the cited ones and those named
    by nocite, or every entry with nocite "*"."""
    if "*" in nocite:
        return {e.key for e in bib.entries}
    return cited | {k for k in nocite if k != "*"}


def format_all(
    requests: Sequence[Request],
    bib: Bibliography,
    cited: set[str],
    style: Path,
    language: str,
    nocite: Sequence[str],
    cached: Mapping[str, object],
    clean: Callable[[str], str] = str,
    notes: Sequence[int | str] = (),
) -> tuple[list[FormattedCitation], Formatted, list[str], dict[str, JSON]]:
    """(one formatted citation per request, the bibliography, pandoc's warnings, the new
    cache record). `cached` is the previous record (see record); it is reused where it
    still holds. `clean` is applied to what pandoc returns, once, before it is cached.
    `notes`: the order of notes (collect.note_order), for a style formatted as a whole."""
    cite.sweep()  # what killed builds left behind (a cheap scan of one folder)
    last = decode(cached)
    wanted = cited | {k for k in nocite if k != "*"}
    bibtex = bib.clean_bibtex if "*" in nocite else bib.subset(wanted)
    pool_keys = wanted_keys(bib, cited, nocite)
    # which references tie depends only on the references: kept with the record, as
    # finding out decodes every name (about 10 ms on 500 references)
    tie_key = digest(bibtex, sorted(pool_keys))
    if last.ties is not None and last.ties.key == tie_key:
        ties = set(last.ties.refs)
    else:
        groups = tie_groups(bib, pool_keys)
        too_many = next((g for g in groups if len(g) > MAX_ALIKE), None)
        if too_many is not None:
            raise TooManyAlike(too_many)
        ties = {k for g in groups for k in g}
    first_cited = list(dict.fromkeys(k for r in requests for k in r.keys if k in ties))
    primers = first_cited + sorted(ties - set(first_cited))
    # the order of first citation of tied references is part of what the text depends on
    style_bytes = cslstyle.read(style)
    refset = digest(
        sha256(style_bytes), language, bibtex, sorted(nocite), cite.engine_id(), primers
    )
    record = last if last.refset == refset else CiteRecord()
    kept = Ties(tie_key, tuple(sorted(ties)))
    warnings: list[str] = []
    style_text = style_bytes.decode("utf-8", "replace")
    if not independent(style_text):
        from .noteformat import format_whole

        out, whole, record, warnings = format_whole(
            requests,
            bib,
            pool_keys,
            bibtex,
            style,
            style_text,
            language,
            nocite,
            record,
            clean,
            notes,
        )
        return out, whole, warnings, encode(replace(record, refset=refset, ties=kept))

    known = dict(record.clusters)
    ids = [r.key for r in requests]  # each a hash of the cluster: computed once
    todo = list({i: r for i, r in zip(ids, requests, strict=True) if i not in known}.values())
    bibliography = record.bibliography
    have_bib = bibliography is not None
    if todo or not have_bib:
        by_family = (
            len(pool_keys) >= BY_FAMILY_FROM and len(todo) > 20 and by_family_safe(style_text)
        )
        cores = min(os.cpu_count() or 1, 4)
        with (
            cite.private_folder() as tmp,
            ThreadPoolExecutor(max_workers=cores) as workers,
        ):

            def start(b: Batch) -> Started:
                return b, workers.submit(
                    _run,
                    b.requests,
                    bib.subset(set(b.nocite)) if by_family else bibtex,
                    b.style or style,
                    language,
                    b.nocite,
                    _primers_for(primers, b.nocite),
                    tmp,
                )

            if by_family:
                running = _by_family(start, todo, bib, pool_keys, have_bib, style, style_text, tmp)
            else:
                running = [
                    start(Batch(b, n, None if keep else []))
                    for b, n, keep in _batches(todo, bib, pool_keys, "*" in nocite, have_bib)
                ]
            results = [(b, future.result()) for b, future in running]
        entries: dict[str, str] = {}
        order: tuple[str, ...] = ()
        for b, (formatted, more) in results:
            warnings += [w for w in more if w not in warnings]
            for n, r in enumerate(() if b.probe else b.requests):
                known[r.key] = cleaned_citation(formatted.citations[f"c{n}"], clean)
            if b.entries is None:
                bibliography = cleaned_bibliography(formatted, clean)
            else:
                entries.update(
                    {k: formatted.bibliography[k] for k in b.entries if k in formatted.bibliography}
                )
            if b.probe:  # the run that gives the order (see _by_family)
                order = formatted.order
        if by_family and not have_bib:
            made = Formatted({}, {k: entries[k] for k in order}, order, False)
            bibliography = cleaned_bibliography(made, clean)
    # without one, the first batch kept its run's (_batches), or the families made it
    assert bibliography is not None
    clusters = {i: known[i] for i in ids}
    record = replace(record, refset=refset, ties=kept, bibliography=bibliography, clusters=clusters)
    return [known[i] for i in ids], bibliography, warnings, encode(record)


def _primers_for(primers: Sequence[str], nocite: Sequence[str]) -> list[str]:
    seen = set(nocite)
    return list(primers) if "*" in seen else [k for k in primers if k in seen]


def _batches(
    todo: list[Request], bib: Bibliography, pool: set[str], everything: bool, have_bib: bool
) -> list[tuple[list[Request], list[str], bool]]:
    """Pandoc runs: (requests, nocite, whether to keep the bibliography of this run).
    A handful of new citations (a warm rebuild) go with only the references they could
    be confused with; many go in one run per core, each seeing every reference."""
    every = ["*"] if everything else sorted(pool)
    if have_bib and len(todo) <= 20:
        keys = {k for r in todo for k in r.keys}
        return [(todo, related(bib, pool, keys), False)]
    # One run per core and no more: every run pays for disambiguating all the references
    # against each other, which grows much faster than their number (about 0.7 s for
    # 500 references; runs of 1,500 citations with 5,000 references took ~100 s each,
    # against 383 s for the whole 15,000-citation document in one run).
    jobs = min(os.cpu_count() or 1, 4) if len(todo) >= PARALLEL_FROM else 1
    size = -(-len(todo) // jobs) if todo else 0
    parts = [todo[i : i + size] for i in range(0, len(todo), size)] if todo else [[]]
    return [(part, every, n == 0) for n, part in enumerate(parts)]


@dataclass(frozen=True, slots=True)
class Batch:
    """One pandoc run: the clusters it formats and the references it sees. `entries`:
    the references whose bibliography entries to keep from it (None: all of them, with
    the order). `style`: another style file than the document's. A `probe` formats one
    cite per reference, for families.probe_groups, and gives the bibliography's order."""

    requests: list[Request]
    nocite: list[str]
    entries: list[str] | None = None
    style: Path | None = None
    probe: bool = False


Started = tuple[Batch, "Future[tuple[Formatted, list[str]]]"]


def _by_family(
    start: Callable[[Batch], Started],
    todo: list[Request],
    bib: Bibliography,
    pool: set[str],
    have_bib: bool,
    style: Path,
    style_text: str,
    tmp: Path,
) -> list[Started]:
    """Many small runs, each seeing only the references its citations could be confused
    with (see families). First, on every core: the probe (every reference, the style
    without disambiguation: fast, and the bibliography's order) and, on a cold build, the
    runs of whole families that make the bibliography's entries. Once the probe is back,
    the clusters, in runs of about RUN_REFERENCES references."""
    fam = families(bib, pool)
    keys = sorted(pool)
    plain = tmp / style.name
    plain.write_text(without_disambiguation(style_text), encoding="utf-8")
    probe = start(
        Batch(
            [Request(f"[@{{{k}}}]", False, (k,)) for k in keys],
            keys,
            entries=[],
            style=plain,
            probe=True,
        )
    )
    running = [probe]
    if not have_bib:
        running += [
            start(Batch([], refs, entries=kept)) for kept, refs in entry_runs(fam, RUN_REFERENCES)
        ]
    cites, _ = probe[1].result()
    alike = probe_groups(keys, [cites.citations[f"c{n}"].html for n in range(len(keys))])
    running += [
        start(Batch(reqs, refs, entries=[]))
        for reqs, refs in cluster_runs(fam, todo, lambda r: r.keys, alike, RUN_REFERENCES)
    ]
    return running


def cleaned_citation(c: FormattedCitation, clean: Callable[[str], str]) -> FormattedCitation:
    return FormattedCitation(clean(c.html), clean(c.note_html))


def cleaned_bibliography(formatted: Formatted, clean: Callable[[str], str]) -> Formatted:
    """A run's bibliography alone (no citations), as it is kept in the record."""
    entries = {k: clean(v) for k, v in formatted.bibliography.items()}
    return Formatted({}, entries, formatted.order, formatted.note_style)
