"""Which references a citation could be confused with (dossier/cite/families.py): the pure
parts of formatting a large bibliography in small runs. That the runs give exactly what
pandoc gives is tested against pandoc itself in tests/test_parity.py."""

from __future__ import annotations

from dossier.cite.bib import parse_bibtex
from dossier.cite.families import _pack, cluster_runs, entry_runs, families, probe_groups

BIB = r"""
@book{js20, author = {Smith, Jane}, title = {A}, year = {2020}}
@book{js20b, author = {Smith, Jane}, title = {B}, year = {2020}}
@book{ks15, author = {Smith, Kate}, title = {C}, year = {2015}}
@book{ks16, author = {Smith, Kate}, title = {D}, year = {2016}}
@book{vd, author = {van Dijk, Jan}, title = {E}, year = {2019}}
@book{dk, author = {Dijk, Piet}, title = {F}, year = {2001}}
@book{ed, editor = {Lee, Ann}, title = {G}, year = {2010}}
@book{anon, title = {Report}, year = {2015}}
"""


def fam():
    bib, diags = parse_bibtex(BIB, "references.bib")
    assert not [d for d in diags if d.severity == "error"]
    return families(bib, {e.key for e in bib.entries})


def test_references_are_grouped_by_the_family_their_cites_begin_with():
    f = fam()
    assert f.members["smith"] == ["js20", "js20b", "ks15", "ks16"]
    assert f.members["dijk"] == ["dk", "vd"]  # a particle does not make another family
    assert f.members["lee"] == ["ed"]  # an editor stands in for a missing author
    assert f.nameless == ["anon"]
    # one reference of each first-named person: what "primary-name" rules compare
    assert f.persons["smith"] == ["js20", "ks15"]


def test_probe_groups_compare_what_a_cite_reads_not_its_links():
    keys = ["a", "b", "c", "d"]
    cites = [
        '<span class="citation" data-cites="a">(<a href="#ref-a">Smith 2020</a>)</span>',
        '<span class="citation" data-cites="b">(<a href="#ref-b">Smith  2020</a>)</span>',
        '<span class="citation" data-cites="c">(<a href="#ref-c">Smith 2021</a>)</span>',
        '(<a href="#ref-d">O&#8217;Brien 2020</a>)',
    ]
    groups = probe_groups(keys, cites)
    assert groups["a"] == groups["b"] == {"a", "b"}
    assert groups["c"] == {"c"} and groups["d"] == {"d"}


def test_a_cluster_run_sees_its_lookalikes_and_one_of_each_namesake():
    f = fam()
    alike = {"js20": {"js20", "js20b"}, "js20b": {"js20", "js20b"}}
    runs = cluster_runs(f, [("js20",), ("vd",)], lambda keys: keys, alike, 100)
    # Kate Smith is there once (ks15 stands for her); Piet Dijk as Jan van Dijk's namesake
    assert runs == [([("vd",), ("js20",)], ["dk", "js20", "js20b", "ks15", "vd"])]
    small = cluster_runs(f, [("js20",), ("vd",)], lambda keys: keys, alike, 3)
    assert small == [([("vd",)], ["dk", "vd"]), ([("js20",)], ["js20", "js20b", "ks15"])]


def test_runs_stay_near_the_limit_and_keep_every_item():
    items = [(n, {f"r{n}", f"r{n + 1}"}) for n in range(10)]
    runs = _pack(items, 4)
    assert [m for members, _ in runs for m in members] == list(range(10))
    assert all(len(refs) <= 4 for _, refs in runs)
    assert all(refs >= {r for m in members for r in items[m][1]} for members, refs in runs)
    # one item larger than the limit still gets a run of its own
    big = _pack([(0, {"a"}), (1, {f"x{i}" for i in range(9)}), (2, {"a"})], 4)
    assert [members for members, _ in big] == [[0], [1], [2]]


def test_entry_runs_see_whole_families_and_every_reference_without_names():
    runs = entry_runs(fam(), 3)
    kept = [k for keys, _ in runs for k in keys]
    assert sorted(kept) == ["anon", "dk", "ed", "js20", "js20b", "ks15", "ks16", "vd"]
    for keys, refs in runs:
        assert "anon" in refs
        if "js20" in keys:
            assert {"js20", "js20b", "ks15", "ks16"} <= set(refs)
