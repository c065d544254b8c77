"""dossier.cite.bibcycles: a crossref/xdata cycle is reported once, at the field of the entry
that closes it, and only that link is dropped from what pandoc reads."""

from __future__ import annotations

import bibtexparser
from hypothesis import given, settings
from hypothesis import strategies as st

from dossier.cite.bibcycles import break_cycles, parents
from dossier.diagnostics import Location, Severity
from dossier.model import Entry

REL = "refs.bib"


def entry(key: str, line: int, *fields: tuple[str, str], kind: str = "book") -> Entry:
    """An entry as bib.py reads it: its BibTeX written one field a line from `line` on."""
    body = "".join(f"  {name} = {{{value}}},\n" for name, value in fields)
    raw = f"@{kind}{{{key},\n{body}}}"
    return Entry(key, kind, tuple(fields), Location(REL, line), raw)


def links(entries: list[Entry]) -> dict[str, list[str]]:
    return {e.key: e.parents() for e in entries}


def test_no_cycle_changes_nothing() -> None:
    # a diamond: d is reached twice, which is no cycle
    entries = [
        entry("a", 1, ("title", "A"), ("crossref", "b"), ("xdata", "c")),
        entry("b", 6, ("crossref", "d")),
        entry("c", 9, ("xdata", "d")),
        entry("d", 12, ("title", "D")),
    ]
    out, diags = break_cycles(entries, REL)
    assert diags == []
    assert out == entries


def test_two_entry_cycle_is_reported_once_at_the_closing_field() -> None:
    entries = [
        entry("a", 1, ("title", "A"), ("crossref", "b")),
        entry("b", 6, ("title", "B"), ("crossref", "a")),
    ]
    out, diags = break_cycles(entries, REL)
    assert [(d.severity, d.code, d.location, d.message, d.hint) for d in diags] == [
        (
            Severity.ERROR,
            "bib.crossref-cycle",
            Location(REL, 8),  # b's crossref line: @book{b, (6), title (7), crossref (8)
            "crossref cycle a -> b -> a; the crossref of 'b' is ignored",
            "an entry cannot inherit from itself",
        )
    ]
    assert links(out) == {"a": ["b"], "b": []}
    assert out[0] is entries[0]  # the entry that keeps its link is untouched
    assert out[1].fields == (("title", "B"),)
    assert out[1].raw == "@book{b,\n  title = {B},\n}"
    assert out[1].location == entries[1].location


def test_three_entry_cycle_is_one_error() -> None:
    entries = [
        entry("a", 1, ("crossref", "b")),
        entry("b", 4, ("crossref", "c")),
        entry("c", 7, ("crossref", "a")),
    ]
    out, diags = break_cycles(entries, REL)
    assert [(d.location, d.message) for d in diags] == [
        (Location(REL, 8), "crossref cycle a -> b -> c -> a; the crossref of 'c' is ignored")
    ]
    assert links(out) == {"a": ["b"], "b": ["c"], "c": []}


def test_an_entry_that_names_itself() -> None:
    # on the entry's own line, as `@book{c, crossref = {c}, ...}` is written
    raw = "@book{c, crossref = {c}, title = {C}}"
    c = Entry("c", "book", (("crossref", "c"), ("title", "C")), Location(REL, 11), raw)
    out, diags = break_cycles([c], REL)
    assert [(d.location, d.message) for d in diags] == [
        (Location(REL, 11), "crossref cycle c -> c; the crossref of 'c' is ignored")
    ]
    assert out[0].fields == (("title", "C"),)
    assert out[0].raw == "@book{c,\n  title = {C},\n}"


def test_xdata_cycle_keeps_the_other_parents_of_the_entry() -> None:
    entries = [
        entry("d", 1, ("title", "D"), ("xdata", "e")),
        entry("e", 5, ("xdata", "d, f"), kind="xdata"),
        entry("f", 8, ("publisher", "P"), kind="xdata"),
    ]
    out, diags = break_cycles(entries, REL)
    assert [(d.location, d.message) for d in diags] == [
        (Location(REL, 6), "xdata cycle d -> e -> d; the xdata of 'e' is ignored")
    ]
    assert out[1].fields == (("xdata", "f"),)
    assert out[1].raw == "@xdata{e,\n  xdata = {f},\n}"
    assert links(out) == {"d": ["e"], "e": ["f"], "f": []}


def test_the_field_is_found_whatever_its_case() -> None:
    raw = "@book{a,\n  Title = {A},\n  CrossRef = {a},\n}"
    a = Entry("a", "book", (("title", "A"), ("crossref", "a")), Location(REL, 20), raw)
    _, diags = break_cycles([a], REL)
    assert [d.location for d in diags] == [Location(REL, 22)]


def test_a_field_it_cannot_find_is_reported_at_the_entry() -> None:
    # two fields on one line after the first: the entry's line is the best place left
    raw = "@book{a,\n  title = {A}, crossref = {a},\n}"
    a = Entry("a", "book", (("title", "A"), ("crossref", "a")), Location(REL, 30), raw)
    _, diags = break_cycles([a], REL)
    assert [d.location for d in diags] == [Location(REL, 30)]


def test_parents_outside_the_bibliography_are_no_cycle() -> None:
    entries = [entry("a", 1, ("crossref", "missing")), entry("b", 4, ("xdata", "a, a"))]
    out, diags = break_cycles(entries, REL)
    assert (out, diags) == (entries, [])


def test_parents_splits_and_trims() -> None:
    e = entry("a", 1, ("xdata", " x ,y,, z "), ("crossref", "p"))
    assert parents(e, "xdata") == ["x", "y", "z"]
    assert parents(e, "crossref") == ["p"]
    assert parents(e, "title") == []


def test_a_long_chain_is_no_recursion_problem() -> None:
    n = 5000  # deeper than Python's recursion limit
    entries = [entry(f"k{i}", 1 + 3 * i, ("crossref", f"k{(i + 1) % n}")) for i in range(n)]
    out, diags = break_cycles(entries, REL)
    assert len(diags) == 1
    assert diags[0].message.endswith("the crossref of 'k4999' is ignored")
    assert out[-1].fields == ()


# --- property: whatever the links, the result has no cycle and one error per cut link ---

KEYS = ["a", "b", "c", "d", "e"]
graphs = st.dictionaries(
    st.sampled_from(KEYS),
    st.tuples(
        st.lists(st.sampled_from([*KEYS, "zz"]), max_size=2, unique=True),
        st.lists(st.sampled_from([*KEYS, "zz"]), max_size=2, unique=True),
    ),
    min_size=1,
)


def _acyclic(graph: dict[str, list[str]]) -> bool:
    state: dict[str, int] = {}

    def visit(key: str) -> bool:
        if state.get(key) == 1:
            return False
        if state.get(key) == 2 or key not in graph:
            return True
        state[key] = 1
        ok = all(visit(p) for p in graph[key])
        state[key] = 2
        return ok

    return all(visit(k) for k in graph)


@settings(max_examples=200, derandomize=True, database=None, deadline=None)
@given(graphs)
def test_any_graph_comes_out_acyclic(graph: dict[str, tuple[list[str], list[str]]]) -> None:
    entries = []
    for n, (key, (crossref, xdata)) in enumerate(sorted(graph.items())):
        fields = [("title", key.upper())]
        fields += [("crossref", ", ".join(crossref))] if crossref else []
        fields += [("xdata", ", ".join(xdata))] if xdata else []
        entries.append(entry(key, 1 + 10 * n, *fields))
    before = sum(len(e.parents()) for e in entries)
    out, diags = break_cycles(entries, REL)
    after = sum(len(e.parents()) for e in out)
    assert _acyclic(links(out))
    assert len(diags) == before - after  # one error for each link dropped
    assert [e.key for e in out] == [e.key for e in entries]
    assert break_cycles(out, REL)[1] == []  # nothing left to break
    for e in out:  # what pandoc reads says what the fields say
        block = next(iter(bibtexparser.parse_string(e.raw).entries))
        parsed = {f.key.lower(): f.value for f in block.fields}
        assert {k: v for k, v in parsed.items() if k in ("crossref", "xdata")} == {
            k: v for k, v in e.fields if k in ("crossref", "xdata")
        }
