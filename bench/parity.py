"""Citations and bibliography entries of a dossier site compared with pandoc's page."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from tests.parity import extract, note_clusters  # shared with tests/test_parity.py

SHOWN = 5  # differences listed in a report; the count says how many there are in all


@dataclass(frozen=True, slots=True)
class Parity:
    citations: int  # pandoc's citation count
    entries: int  # pandoc's bibliography entries
    differences: tuple[str, ...]  # empty when dossier's output equals pandoc's

    @property
    def ok(self) -> bool:
        return not self.differences and self.citations > 0


def site_citations(site: Path) -> tuple[list[tuple[str, str]], dict[str, str]]:
    citations: list[tuple[str, str]] = []
    entries: dict[str, str] = {}
    for page in sorted(site.glob("*.html")):
        cites, bib = extract(page.read_text(encoding="utf-8"))
        citations += cites
        entries.update(bib)
    return citations, entries


def compare(pandoc_html: str, site: Path) -> Parity:
    """Footnote citations sit at the end of each chapter page in dossier's site and at the
    end of the document in pandoc's, so citations are compared as multisets."""
    want_cites, want_entries = extract(pandoc_html)
    got_cites, got_entries = site_citations(site)
    return Parity(
        len(want_cites),
        len(want_entries),
        differences(want_cites, got_cites, want_entries, got_entries),
    )


def differences(
    want_cites: list[tuple[str, str]],
    got_cites: list[tuple[str, str]],
    want_entries: dict[str, str],
    got_entries: dict[str, str],
) -> tuple[str, ...]:
    found: list[str] = []
    want, got = Counter(want_cites), Counter(got_cites)
    for (keys, text), n in sorted((want - got).items()):
        found.append(f"citation [{keys}] {n}x only in pandoc: {text}")
    for (keys, text), n in sorted((got - want).items()):
        found.append(f"citation [{keys}] {n}x only in dossier: {text}")
    for key in sorted(want_entries.keys() | got_entries.keys()):
        if want_entries.get(key) != got_entries.get(key):
            found.append(
                f"entry {key}: pandoc {want_entries.get(key)!r} vs dossier {got_entries.get(key)!r}"
            )
    return tuple(found)


def compare_notes(pandoc_html: str, site: Path) -> Parity:
    """A note style: every citation and the text of the note it became (pandoc's page
    made without link-citations, as `pandoc --citeproc` prints notes)."""
    want = Counter(note_clusters(pandoc_html))
    got: Counter[tuple[str, str, str]] = Counter()
    for page in sorted(site.glob("*.html")):
        got.update(note_clusters(page.read_text(encoding="utf-8")))
    found = [
        f"note [{k}] {n}x only in pandoc: {t} | {note}"
        for (k, t, note), n in sorted((want - got).items())
    ]
    found += [
        f"note [{k}] {n}x only in dossier: {t} | {note}"
        for (k, t, note), n in sorted((got - want).items())
    ]
    return Parity(sum(want.values()), 0, tuple(found))
