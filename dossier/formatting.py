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
formatted in many small runs grouped by the first author's family name (_by_family).
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import unicodedata
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from . import cite
from .cache import digest, sha256
from .model import Bibliography, Entry, Formatted, FormattedCitation

# Below this many clusters a second pandoc process costs more than it saves.
PARALLEL_FROM = 300
# From this many references a cold build formats by family (see _by_family), and each
# pandoc run then sees about this many references.
BY_FAMILY_FROM = 1000
RUN_REFERENCES = 300


@dataclass(frozen=True, slots=True)
class Request:
    source: str
    in_note: bool = False
    keys: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        return hashlib.sha256(f"{int(self.in_note)}{self.source}".encode()).hexdigest()


def independent(text: str) -> bool:
    """Whether each citation of a style (the CSL file's text) can be formatted on its own
    (see the module docstring)."""
    head = text[:4000]
    if 'citation-format="author-date"' not in head and 'citation-format="author"' not in head:
        return False
    citation = re.search(r"<citation\b.*?</citation>", text, re.DOTALL)
    bibliography = re.search(r"<bibliography\b.*?</bibliography>", text, re.DOTALL)
    return bool(citation and "position=" not in citation.group(0)
                and "citation-number" not in citation.group(0)
                and (bibliography is None or "<sort>" in bibliography.group(0)))


# Every field a style may render as a name in a citation (directly, or as the
# substitute for a missing author), on the entry or inherited through crossref/xdata.
NAME_FIELDS = ("author", "editor", "translator", "bookauthor", "editora", "editorb")
_FOLD = str.maketrans({"ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "æ": "ae",
                       "œ": "oe", "ß": "ss", "\u0131": "i"})  # dotless i


def _lineage(entry: Entry, entries: dict[str, Entry]) -> list[Entry]:
    """The entry, then every entry it inherits from (crossref, xdata), each once."""
    chain, seen = [entry], {entry.key}
    for current in chain:  # grows: parents, then theirs
        for parent in current.parents():
            if parent in entries and parent not in seen:
                seen.add(parent)
                chain.append(entries[parent])
    return chain


def _names(entry: Entry, entries: dict[str, Entry]) -> set[str]:
    """Family keys (see _family) of the people named in an entry's name fields and in
    those of the entries it inherits from."""
    return {_family(person) for current in _lineage(entry, entries) for name in NAME_FIELDS
            for person in _people(current.get(name))} - {""}


def _people(value: str) -> list[str]:
    people, depth, start = [], 0, 0
    for m in re.finditer(r"[{}]|\s+and\s+", value):  # " and " inside braces is a name
        token = m.group(0)
        if token == "{":
            depth += 1
        elif token == "}":
            depth = max(0, depth - 1)
        elif depth == 0:
            people.append(value[start:m.start()])
            start = m.end()
    people.append(value[start:])
    return [p.strip() for p in people if p.strip() and p.strip().casefold() != "others"]


@lru_cache(maxsize=65536)
def _family(person: str) -> str:
    """A coarse key of the family name a person is rendered with: LaTeX decoded; accents,
    apostrophes and particles dropped; casefolded; its last word. "van Dijk" and "Dijk",
    "Sch{\\"o}nberg" and "Schönberg", O'Brien with either apostrophe: each pair alike.
    Coarse on purpose: two people with different keys are never rendered alike."""
    family = person.split(",")[0] if "," in person else person
    if "\\" in family:
        from pylatexenc.latex2text import LatexNodes2Text

        family = LatexNodes2Text().latex_to_text(family)
    family = unicodedata.normalize("NFKD", family.replace("{", "").replace("}", ""))
    family = "".join(ch for ch in family if not unicodedata.combining(ch))
    words = "".join(ch if ch.isalnum() or ch.isspace() else "" for ch in
                    family.casefold().translate(_FOLD)).split()
    return words[-1] if words else ""


def _primary(entry: Entry, entries: dict[str, Entry]) -> list[str]:
    """The people a citation of the entry names: its authors, or else (as a style
    substitutes) its editors, translators...; its own, or else inherited through
    crossref/xdata."""
    chain = _lineage(entry, entries)
    for name in NAME_FIELDS:
        for current in chain:
            people = _people(current.get(name))
            if people:
                return people
    return []


def family_keys(entry: Entry, entries: dict[str, Entry]) -> set[str]:
    """The family a citation of the entry begins with (see _primary and _family).
    References whose families differ are never rendered alike first, so in an
    author-date style they can only be confused through a rule that compares every
    name (see by_family_safe). Empty when the entry names nobody: it is then cited by
    its title."""
    people = _primary(entry, entries)
    return {_family(people[0])} - {""} if people else set()


def by_family_safe(text: str) -> bool:
    """Whether a style (the CSL file's text) disambiguates only names that come first:
    not so with givenname-disambiguation-rule="all-names(-with-initials)"."""
    citation = re.search(r"<citation\b[^>]*>", text)
    return citation is not None and "all-names" not in citation.group(0)


_DISAMBIGUATION = re.compile(r'\s(?:disambiguate-add-[a-z-]+|givenname-disambiguation-rule)='
                             r'"[^"]*"')


def without_disambiguation(text: str) -> str:
    """The style with its disambiguation switched off. Its bibliography comes in the same
    order (sorting does not depend on disambiguation), and pandoc makes it in a fraction
    of the time: disambiguation compares every reference with every other."""
    return re.sub(r"<citation\b[^>]*>", lambda m: _DISAMBIGUATION.sub("", m.group(0)),
                  text, count=1)


def related(bib: Bibliography, pool: set[str], keys: set[str]) -> list[str]:
    """The cited references a citation of `keys` could be confused with, and so be
    disambiguated against: those sharing a family name, and those without names (and
    every reference, for a citation of a reference that names nobody)."""
    entries = bib.by_key()
    families: set[str] = set()
    for k in keys:
        if k in entries:
            names = _names(entries[k], entries)
            if not names:
                return sorted(k for k in pool if k in entries)
            families |= names
    out = []
    for k in sorted(pool):
        e = entries.get(k)
        if e is None:
            continue
        names = _names(e, entries)
        if k in keys or not names or names & families:
            out.append(k)
    return out


def tied(bib: Bibliography, pool: set[str]) -> set[str]:
    """References that may share author and year with another (Smith 2020a, 2020b). Which
    gets which letter can come down to the order they are first cited in, so every run
    cites them first, in the order of the whole document (see _run)."""
    entries = bib.by_key()
    groups: dict[tuple[frozenset[str], str], list[str]] = {}
    for e in bib.entries:
        if e.key in pool:
            year = (e.get("year") or e.get("date"))[:4]
            names = frozenset(_family(p) for p in _primary(e, entries))
            groups.setdefault((names, year), []).append(e.key)
    return {k for keys in groups.values() if len(keys) > 1 for k in keys}


def _run(requests: Sequence[Request], bibtex: str, style: Path, language: str,
         nocite: Sequence[str], primers: Sequence[str] = ()) -> tuple[Formatted, list[str]]:
    """One pandoc run; `primers` are cited first, one per cluster, and their output
    dropped, so that the order of first citation is the whole document's."""
    # The bibliography is always rendered: without it pandoc does not link citations.
    first = [cite.ClusterRequest(f"c{n}", f"[@{{{k}}}]") for n, k in enumerate(primers)]
    ids = first + [cite.ClusterRequest(f"c{n + len(first)}", r.source, r.in_note)
                   for n, r in enumerate(requests)]
    formatted, warnings = cite.format_citations(ids, bibtex, style, language, nocite)
    shifted = {f"c{n}": formatted.citations[f"c{n + len(first)}"]
               for n in range(len(requests))}
    return Formatted(shifted, formatted.bibliography, formatted.order,
                     formatted.note_style), warnings


def format_all(requests: Sequence[Request], bib: Bibliography, cited: set[str],
               style: Path, language: str, nocite: Sequence[str], cached: dict[str, Any],
               clean: Callable[[str], str] = str,
               ) -> tuple[list[FormattedCitation], Formatted, list[str], dict[str, Any]]:
    """(one formatted citation per request, the bibliography, pandoc's warnings, the new
    cache record). `cached` is the previous record; it is reused where it still holds.
    `clean` is applied to what pandoc returns, once, before it is cached."""
    wanted = cited | {k for k in nocite if k != "*"}
    bibtex = bib.clean_bibtex if "*" in nocite else bib.subset(wanted)
    pool_keys = {e.key for e in bib.entries} if "*" in nocite else wanted
    # which references tie depends only on the references: kept with the record, as
    # finding out decodes every name (about 10 ms on 500 references)
    tie_key = digest(bibtex, sorted(pool_keys))
    ties = (set(cached["ties"][1]) if _valid_ties(cached.get("ties"), tie_key)
            else tied(bib, pool_keys))
    first_cited = list(dict.fromkeys(k for r in requests for k in r.keys if k in ties))
    primers = first_cited + sorted(ties - set(first_cited))
    # the order of first citation of tied references is part of what the text depends on
    style_bytes = style.read_bytes()
    refset = digest(sha256(style_bytes), language, bibtex, sorted(nocite),
                    cite.engine_id(), primers)
    record: dict[str, Any] = cached if cached.get("refset") == refset else {}
    warnings: list[str] = []
    style_text = style_bytes.decode("utf-8", "replace")
    if not independent(style_text):
        doc = digest([(r.source, r.in_note) for r in requests])
        if record.get("doc") != doc:
            formatted, warnings = _run(requests, bibtex, style, language, nocite)
            record = {"refset": refset, "doc": doc, **_bib_record(formatted, clean),
                      "clusters": [[clean(c.html), clean(c.note_html)] for c in
                                   (formatted.citations[f"c{n}"]
                                    for n in range(len(requests)))]}
        out = [FormattedCitation(*pair) for pair in record["clusters"]]
        return out, _bibliography(record), warnings, {**record,
                                                      "ties": [tie_key, sorted(ties)]}

    known: dict[str, list[str]] = dict(record.get("clusters", {}))
    ids = [r.key for r in requests]  # each a hash of the cluster: computed once
    todo = list({i: r for i, r in zip(ids, requests, strict=True) if i not in known}.values())
    have_bib = "bibliography" in record
    if todo or not have_bib:
        by_family = (len(pool_keys) >= BY_FAMILY_FROM and len(todo) > 20
                     and by_family_safe(style_text))
        with tempfile.TemporaryDirectory(prefix="dossier-style-") as tmp:
            batches = (_by_family(todo, bib, pool_keys, have_bib, style, style_text, Path(tmp))
                       if by_family else
                       [Batch(b, n, None if keep else []) for b, n, keep in _batches(
                           todo, bib, pool_keys, "*" in nocite, have_bib)])
            cores = min(os.cpu_count() or 1, 4)
            with ThreadPoolExecutor(max_workers=max(1, min(len(batches), cores))) as pool:
                results = list(pool.map(lambda b: _run(
                    b.requests, bib.subset(set(b.nocite)) if by_family else bibtex,
                    b.style or style, language, b.nocite, _primers_for(primers, b.nocite)),
                    batches))
        entries: dict[str, str] = {}
        order: tuple[str, ...] = ()
        for b, (formatted, more) in zip(batches, results, strict=True):
            warnings += [w for w in more if w not in warnings]
            for n, r in enumerate(b.requests):
                c = formatted.citations[f"c{n}"]
                known[r.key] = [clean(c.html), clean(c.note_html)]
            if b.entries is None:
                record = {**record, **_bib_record(formatted, clean)}
            else:
                entries.update({k: formatted.bibliography[k] for k in b.entries
                                if k in formatted.bibliography})
            if b.style is not None:  # the run that gives the order (see _by_family)
                order = formatted.order
        if by_family and not have_bib:
            record = {**record, **_bib_record(Formatted(
                {}, {k: entries[k] for k in order}, order, False), clean)}
    record = {**record, "refset": refset, "clusters": {i: known[i] for i in ids},
              "ties": [tie_key, sorted(ties)]}
    out = [FormattedCitation(*known[i]) for i in ids]
    return out, _bibliography(record), warnings, record


def _valid_ties(value: Any, key: str) -> bool:
    return (isinstance(value, list) and len(value) == 2 and value[0] == key
            and isinstance(value[1], list) and all(isinstance(k, str) for k in value[1]))


def _primers_for(primers: Sequence[str], nocite: Sequence[str]) -> list[str]:
    seen = set(nocite)
    return list(primers) if "*" in seen else [k for k in primers if k in seen]


def _batches(todo: list[Request], bib: Bibliography, pool: set[str], everything: bool,
             have_bib: bool) -> list[tuple[list[Request], list[str], bool]]:
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
    parts = [todo[i:i + size] for i in range(0, len(todo), size)] if todo else [[]]
    return [(part, every, n == 0) for n, part in enumerate(parts)]


@dataclass(frozen=True, slots=True)
class Batch:
    """One pandoc run: the clusters it formats and the references it sees. `entries`:
    the references whose bibliography entries to keep from it (None: all of them, with
    the order). `style`: another style file than the document's."""

    requests: list[Request]
    nocite: list[str]
    entries: list[str] | None = None
    style: Path | None = None


def _by_family(todo: list[Request], bib: Bibliography, pool: set[str], have_bib: bool,
               style: Path, style_text: str, tmp: Path) -> list[Batch]:
    """Runs that each see only the references their citations could be confused with:
    those whose first author shares a family name (see family_keys), and those without
    names. Disambiguation compares every reference a run sees with every other, so
    small runs are much faster: the references are packed into runs of about
    RUN_REFERENCES, the bibliography entries come from runs of whole families, and its
    order from one run of every reference without disambiguation."""
    entries = bib.by_key()
    keys_of = {k: family_keys(entries[k], entries) for k in sorted(pool) if k in entries}
    family: dict[str, list[str]] = {}
    for key, fams in keys_of.items():
        for f in fams:
            family.setdefault(f, []).append(key)
    nameless = [k for k, fams in keys_of.items() if not fams]

    def pack(items: list[tuple[Any, list[str]]]) -> list[tuple[list[Any], list[str]]]:
        """Consecutive items into runs whose families together stay near the limit."""
        runs: list[tuple[list[Any], set[str]]] = []
        members: list[Any] = []
        seen: set[str] = set()
        refs: set[str] = set()
        for item, names in items:
            more = {k for f in names if f not in seen for k in family.get(f, ())}
            if members and more and len(refs | more) > RUN_REFERENCES:
                runs.append((members, refs))
                members, seen, refs = [], set(), set()
                more = {k for f in names for k in family.get(f, ())}
            members.append(item)
            seen.update(names)
            refs |= more
        if members:
            runs.append((members, refs))
        return [(m, sorted({*r, *nameless})) for m, r in runs]

    def families_of(request: Request) -> list[str]:
        return sorted({f for k in request.keys for f in keys_of.get(k, ())})

    clusters = sorted(((r, families_of(r)) for r in todo), key=lambda rf: rf[1])
    batches = [Batch(reqs, refs, entries=[]) for reqs, refs in pack(clusters)]
    if not have_bib:
        named = sorted(((k, sorted(f)) for k, f in keys_of.items() if f), key=lambda kf: kf[1])
        runs = pack(named) or [([], sorted(nameless))]
        batches += [Batch([], refs, entries=[*keys, *(nameless if n == 0 else [])])
                    for n, (keys, refs) in enumerate(runs)]
        plain = tmp / style.name
        plain.write_text(without_disambiguation(style_text), encoding="utf-8")
        # the longest run goes first
        batches.insert(0, Batch([], sorted(pool), entries=[], style=plain))
    return batches


def _bib_record(formatted: Formatted, clean: Callable[[str], str]) -> dict[str, Any]:
    return {"bibliography": {k: clean(v) for k, v in formatted.bibliography.items()},
            "order": list(formatted.order),
            "note_style": formatted.note_style}


def _bibliography(record: dict[str, Any]) -> Formatted:
    return Formatted({}, dict(record["bibliography"]), tuple(record["order"]),
                     bool(record["note_style"]))
