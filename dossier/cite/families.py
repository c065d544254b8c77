"""Which references a citation could be confused with, so that a large bibliography can
be formatted in many small pandoc runs (see formatting) that each give exactly what one
run over the whole document gives.

pandoc's citeproc disambiguates in two ways, and a run must see what each needs:
- cites that render alike (Smith 2020 and Smith 2020, two works) get more names, initials
  or a year suffix: a run must see every reference whose cite renders like one of its
  own. Which those are is read from a *probe*: one pandoc run of the style without its
  disambiguation, one cite per reference (probe_groups).
- with givenname-disambiguation-rule="primary-name(-with-initials)", a name gets initials
  when another first-named person of the whole document shares its family name, in any
  year: a run must see one reference of each such person (Families.persons).
Rules that compare every name ("all-names") are not split (by_family_safe).
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TypeVar

from ..model import Bibliography, Entry

T = TypeVar("T")

# Every field a style may render as a name in a citation (directly, or as the
# substitute for a missing author), on the entry or inherited through crossref/xdata.
NAME_FIELDS = ("author", "editor", "translator", "bookauthor", "editora", "editorb")
_FOLD = str.maketrans(
    {
        "ø": "o",
        "ł": "l",
        "đ": "d",
        "ð": "d",
        "þ": "th",
        "æ": "ae",
        "œ": "oe",
        "ß": "ss",
        "\u0131": "i",
    }
)  # dotless i


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
    return {
        _family(person)
        for current in _lineage(entry, entries)
        for name in NAME_FIELDS
        for person in _people(current.get(name))
    } - {""}


def _people(value: str) -> list[str]:
    people, depth, start = [], 0, 0
    for m in re.finditer(r"[{}]|\s+and\s+", value):  # " and " inside braces is a name
        token = m.group(0)
        if token == "{":
            depth += 1
        elif token == "}":
            depth = max(0, depth - 1)
        elif depth == 0:
            people.append(value[start : m.start()])
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
    words = "".join(
        ch if ch.isalnum() or ch.isspace() else "" for ch in family.casefold().translate(_FOLD)
    ).split()
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


def family_of(people: Sequence[str]) -> str:
    """The family key a citation naming `people` (see _primary) begins with, "" when it
    names nobody (it is then cited by its title). References whose families differ are
    never rendered alike first, so in an author-date style they can only be confused
    through a rule that compares every name (see by_family_safe)."""
    return _family(people[0]) if people else ""


def by_family_safe(text: str) -> bool:
    """Whether a style (the CSL file's text) disambiguates only names that come first:
    not so with givenname-disambiguation-rule="all-names(-with-initials)"."""
    citation = re.search(r"<citation\b[^>]*>", text)
    return citation is not None and "all-names" not in citation.group(0)


_DISAMBIGUATION = re.compile(
    r"\s(?:disambiguate-add-[a-z-]+|givenname-disambiguation-rule)="
    r'"[^"]*"'
)


def without_disambiguation(text: str) -> str:
    """The style with its disambiguation switched off. Its bibliography comes in the same
    order (sorting does not depend on disambiguation), and pandoc makes it in a fraction
    of the time: disambiguation compares every reference with every other."""
    return re.sub(
        r"<citation\b[^>]*>", lambda m: _DISAMBIGUATION.sub("", m.group(0)), text, count=1
    )


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


def tie_groups(bib: Bibliography, pool: set[str]) -> list[list[str]]:
    """The references of `pool` that share author and year with another (Smith 2020a,
    2020b), group by group, in the bibliography's order."""
    entries = bib.by_key()
    groups: dict[tuple[frozenset[str], str], list[str]] = {}
    for e in bib.entries:
        if e.key in pool:
            year = (e.get("year") or e.get("date"))[:4]
            names = frozenset(_family(p) for p in _primary(e, entries))
            groups.setdefault((names, year), []).append(e.key)
    return [keys for keys in groups.values() if len(keys) > 1]


def tied(bib: Bibliography, pool: set[str]) -> set[str]:
    """References that may share author and year with another. Which gets which letter
    can come down to the order they are first cited in, so every run cites them first,
    in the order of the whole document (see _run)."""
    return {k for keys in tie_groups(bib, pool) for k in keys}


@dataclass(frozen=True, slots=True)
class Families:
    """The cited references by the family their cites begin with (see family_of)."""

    family: dict[str, str]  # reference -> its family key ("": names nobody)
    members: dict[str, list[str]]  # family key -> references, sorted
    nameless: list[str]
    persons: dict[str, list[str]]  # family key -> one reference per distinct first person


def families(bib: Bibliography, pool: set[str]) -> Families:
    entries = bib.by_key()
    family: dict[str, str] = {}
    members: dict[str, list[str]] = {}
    first: dict[str, dict[str, str]] = {}
    for key in sorted(pool):
        if key not in entries:
            continue
        people = _primary(entries[key], entries)
        f = family[key] = family_of(people)
        if f:
            members.setdefault(f, []).append(key)
            first.setdefault(f, {}).setdefault(people[0], key)
    return Families(
        family,
        members,
        [k for k, f in family.items() if not f],
        {f: sorted(by_person.values()) for f, by_person in first.items()},
    )


def entry_runs(fam: Families, limit: int) -> list[tuple[list[str], list[str]]]:
    """Runs for the bibliography's entries: (references to keep, references seen). An
    entry may show a year suffix or be replaced by "———" after one of the same authors,
    so each run sees whole families, and every reference that names nobody."""
    named = sorted(((k, f) for k, f in fam.family.items() if f), key=lambda kf: kf[1])
    items = [(k, set(fam.members[f])) for k, f in named]
    runs = _pack(items, limit) or [([], set())]
    return [
        ([*keys, *(fam.nameless if n == 0 else [])], sorted({*refs, *fam.nameless}))
        for n, (keys, refs) in enumerate(runs)
    ]


def cluster_runs(
    fam: Families,
    items: Sequence[T],
    keys: Callable[[T], Iterable[str]],
    alike: Mapping[str, set[str]],
    limit: int,
) -> list[tuple[list[T], list[str]]]:
    """Runs for citations: (clusters, references seen). A cluster needs the references
    its own cite like (`alike`, from probe_groups) and one of each person whose family
    its references' first names share (the rule "primary-name")."""

    def needs(item: T) -> set[str]:
        out: set[str] = set()
        for k in keys(item):
            out |= alike.get(k, {k})
            if fam.family.get(k):
                out.update(fam.persons[fam.family[k]])
        return out

    def families_of(item: T) -> list[str]:  # neighbours share families: fewer runs
        return sorted({fam.family.get(k, "") for k in keys(item)} - {""})

    ordered = sorted(items, key=families_of)
    return [
        (members, sorted(refs)) for members, refs in _pack([(i, needs(i)) for i in ordered], limit)
    ]


def probe_groups(keys: Sequence[str], cites: Sequence[str]) -> dict[str, set[str]]:
    """Each reference -> the references whose probe cite (HTML, one per key, made
    without disambiguation) reads the same: those pandoc compares it with."""
    groups: dict[str, set[str]] = {}
    for key, cite in zip(keys, cites, strict=True):
        text = " ".join(html.unescape(re.sub(r"<[^>]*>", "", cite)).split()).casefold()
        groups.setdefault(text, set()).add(key)
    return {k: group for group in groups.values() for k in group}


def _pack(items: Sequence[tuple[T, set[str]]], limit: int) -> list[tuple[list[T], set[str]]]:
    """Consecutive items into runs whose references together stay near `limit`."""
    runs: list[tuple[list[T], set[str]]] = []
    members: list[T] = []
    refs: set[str] = set()
    for item, need in items:
        new = need - refs
        if members and new and len(refs) + len(new) > limit:
            runs.append((members, refs))
            members, refs, new = [], set(), need
        members.append(item)
        refs |= new
    if members:
        runs.append((members, refs))
    return runs
