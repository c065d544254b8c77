"""A long bibliography in pages by initial letter (dossier/render/bibpages.py): where an
entry is filed, where pages are cut, what they are called, and a whole site whose every
link to an entry leads to the page that holds it."""

from __future__ import annotations

import re

import pytest

from dossier.render import bibpages
from dossier.render.bibpages import Section, initial, page_of_key, paginate, sections


@pytest.mark.parametrize(
    ("entry", "letter"),
    [
        ("Åström, André. 1973.", "A"),
        ("Østergaard, Lise. 2001.", "O"),  # no mark to take off: filed as citeproc sorts it
        ("Łukasz, Anna.", "L"),
        ("<span>“The Making of</span> Ostpolitik", "T"),
        ("&ldquo;Zeal&rdquo;", "Z"),
        ("———. 1974. Another book.", ""),  # the same author again: filed with the last
        ("1984 Commission. Report.", ""),
        ("رجوی، مسعود", "ر"),
        ("", ""),
    ],
)
def test_initial_letter(entry: str, letter: str) -> None:
    assert initial(entry) == letter


def test_letters_only_move_forward() -> None:
    entries = {
        "a1": "Adams",
        "a2": "Ames",
        "t": "The Bell",  # sorted under B without its article: stays with the Bs
        "b1": "Brown",
        "b2": "———. 1990.",
        "c": "Cole",
        "d": "Dunn",
    }
    order = ["a1", "a2", "b1", "t", "b2", "c", "d"]
    assert sections(order, entries) == [
        Section("A", ("a1", "a2")),
        Section("B", ("b1", "t", "b2")),
        Section("C", ("c",)),
        Section("D", ("d",)),
    ]


def test_a_letter_without_a_base_letter_does_not_swallow_the_rest() -> None:
    entries = {"o": "Olsen", "oe": "Østergaard", "p": "Park", "r": "Ross"}
    assert [s.letter for s in sections(list(entries), entries)] == ["O", "P", "R"]


def test_a_long_contents_leaves_less_room_for_entries() -> None:
    def chapters(n: int) -> list[tuple[str, str]]:
        return [
            (f"{i:03}-measuring-diplomacy-in-africa.html", "Measuring diplomacy") for i in range(n)
        ]

    assert bibpages.budget_for(chapters(40)) == bibpages.BUDGET
    assert bibpages.budget_for(chapters(200)) < 80_000
    assert bibpages.budget_for(chapters(2_000)) == 20_000


def _entries(n: int) -> dict[str, str]:
    return {f"k{i:03}": f"{chr(ord('A') + i * 26 // n)}name, A. Title {i}." for i in range(n)}


def test_one_page_when_it_fits() -> None:
    entries = _entries(26)
    (page,) = paginate(list(entries), entries, {}, budget=100_000)
    assert (page.name, page.label) == ("bibliography.html", "")
    assert [k for s in page.sections for k in s.keys] == list(entries)


def test_pages_hold_whole_letters_within_the_budget() -> None:
    entries = _entries(52)  # two entries a letter, each about 200 bytes
    pages = paginate(list(entries), entries, {}, budget=1_000)
    assert pages[0].name == "bibliography.html"
    assert [p.label for p in pages[:2]] == ["A\u2013B", "C\u2013D"]
    assert pages[1].name == "bibliography-c.html"
    # every entry once, in order, and each letter on one page
    assert [k for p in pages for s in p.sections for k in s.keys] == list(entries)
    for p in pages:
        assert all(not s.continued for s in p.sections)
        size = sum(bibpages.weight(entries[k], None) for s in p.sections for k in s.keys)
        assert size <= 1_000


def test_a_letter_longer_than_a_page_continues_on_the_next() -> None:
    entries = {f"s{i:02}": f"Smith {i}, A. A long title." for i in range(20)}
    entries["t"] = "Taylor, B."
    pages = paginate(list(entries), entries, {}, budget=1_000)
    assert [p.name for p in pages][:3] == [
        "bibliography.html",
        "bibliography-s.html",
        "bibliography-s-2.html",
    ]
    assert pages[0].sections[0].continued is False
    assert pages[1].sections[0].continued is True
    assert pages[-1].sections[-1].letter == "T"


def test_a_letter_cut_between_pages_is_named_by_guide_words() -> None:
    names = ["Nakamura", "Nash", "Neveov", "Novak", "Nunez", "Ortiz", "Risaell"]
    entries = {n.lower(): f"{n}, Ingrid. 1989. A long enough title." for n in names}
    entries = {"adams": "Adams, A.", **entries}
    pages = paginate(list(entries), entries, {}, budget=800)
    assert [p.label for p in pages] == ["A", "N\u2013Ne", "No\u2013O", "R"]
    assert bibpages.guide("&Aring;str&ouml;m, A.", "Astor, B.") == "Astr"
    assert bibpages.guide("———. 1990.", "Nash") == ""
    assert bibpages.guide("Karsaic, A.", "Karsaur, C.") == "Karsai"
    assert bibpages.guide("Smith, A. 2010.", "Smith, B. 2012.") == "Smith"


def test_a_numbered_style_is_cut_by_numbers() -> None:
    entries = {
        f"k{i}": f'<div class="csl-left-margin">[{i}] </div>'
        f'<div class="csl-right-inline">Z{i}</div>'
        for i in range(1, 41)
    }
    pages = paginate(list(entries), entries, {}, budget=2_000)
    assert len(pages) > 1
    assert re.fullmatch("1\u2013\\d+", pages[0].label)
    assert pages[1].name == "bibliography-2.html"
    assert page_of_key(pages)["k40"] == pages[-1].name


def test_back_links_weigh() -> None:
    cited = {
        "chapters": [
            {
                "title": "Names and aliases",
                "links": [{"href": "02-names.html#cite-c1", "name": "citation 1 in chapter 2"}],
            }
        ]
    }
    assert bibpages.weight("Adams.", cited) > bibpages.weight("Adams.", None) + 50


def test_a_split_bibliography_links_every_entry_to_its_page(
    monkeypatch: pytest.MonkeyPatch, make_project, build_project, load_site, texts
) -> None:
    from tests.test_build import internal_link_problems

    bib = "\n".join(
        f"@book{{{name.lower()}{year}, author = {{{name}, Ann}}, title = {{Book {n}}}, "
        f"year = {{{year}}}, publisher = {{P}}}}"
        for n, (name, year) in enumerate(
            [("Adams", 2001), ("Baker", 2002), ("Clark", 2003), ("Davis", 2004), ("Evans", 2005)]
        )
    )
    chapter = "# One\n\n" + " ".join(
        f"Text [@{k}]." for k in ["adams2001", "baker2002", "clark2003", "davis2004", "evans2005"]
    )
    chapter += "\n\nSee [the entry](#ref-evans2005).\n"
    root = make_project({"references.bib": bib, "chapters/01-a.md": chapter})
    monkeypatch.setattr(bibpages, "BUDGET", 700)
    built = build_project(root)
    assert built.result.ok, [d.format() for d in built.result.diagnostics]
    pages = load_site(built.html)
    bib_pages = sorted(n for n in pages if n.startswith("bibliography"))
    assert len(bib_pages) > 2
    assert internal_link_problems(pages) == []
    chapter_page = pages["01-a.html"].text
    assert 'href="bibliography-e.html#ref-evans2005"' in chapter_page
    assert 'href="bibliography.html#ref-adams2001"' in chapter_page
    first = pages["bibliography.html"].text
    assert '<nav class="bib-pages" aria-label="Bibliography pages">' in first
    assert 'aria-current="page">A' in first
    # the contents show Bibliography as current on every one of its pages
    later = pages[bib_pages[0]].text
    assert bib_pages[0] != "bibliography.html"
    assert '<li class="current"><a href="bibliography.html">Bibliography</a>' in later
