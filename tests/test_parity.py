"""The correctness bar: every citation and bibliography entry dossier writes equals what
`pandoc --citeproc` writes for the same chapters, bibliography and style."""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from dossier.build import build
from dossier.cite.engine import pandoc_path, resolve_style
from tests.parity import extract, note_clusters

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "bench" / "make_corpus.py"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not CORPUS.exists():
        pytest.fail(f"the shared benchmark corpus generator is missing: {CORPUS}")
    out = tmp_path_factory.mktemp("corpus") / "small"
    subprocess.run(
        [sys.executable, str(CORPUS), str(out), "--size", "small"], check=True, capture_output=True
    )
    return out


def pandoc_reference(project: Path, style: Path, linked: bool = True) -> str:
    chapters = sorted(str(p) for p in (project / "chapters").glob("*.md"))
    cmd = [
        pandoc_path(),
        *chapters,
        "--citeproc",
        "--bibliography",
        str(project / "references.bib"),
        "--csl",
        str(style),
        "-M",
        f"link-citations={'true' if linked else 'false'}",
        "-M",
        "lang=en-US",
        "-t",
        "html",
        "--wrap=none",
    ]
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout


def one_chapter_project(tmp_path: Path, style_name: str, chapter: str, bib: str) -> Path:
    project = tmp_path / "p"
    (project / "chapters").mkdir(parents=True)
    (project / "chapters" / "01-a.md").write_text(chapter, encoding="utf-8")
    (project / "references.bib").write_text(bib, encoding="utf-8")
    (project / "dossier.toml").write_text(
        f'title = "P"\ncsl = "{style_name}"\nchapters = ["chapters/01-a.md"]\n', encoding="utf-8"
    )
    return project


def ours(project: Path, style_name: str, out: str) -> tuple[list[tuple[str, str]], dict[str, str]]:
    config = project / "dossier.toml"
    text = config.read_text(encoding="utf-8")
    config.write_text(
        "\n".join(
            line if not line.startswith("csl") else f'csl = "{style_name}"'
            for line in text.splitlines()
        )
        + "\n",
        encoding="utf-8",
    )
    result = build(project, html=True, pdf=False, output=out, progress=lambda _: None)
    assert result.ok, [d.format() for d in result.diagnostics if d.severity.value == "error"]
    citations: list[tuple[str, str]] = []
    entries: dict[str, str] = {}
    site = project / out / "html"
    for page in sorted(site.glob("*.html")):
        cites, bib = extract(page.read_text(encoding="utf-8"))
        citations += cites
        entries.update(bib)
    return citations, entries


@pytest.mark.parametrize("style_name", ["chicago-author-date", "apa"])
def test_citations_and_bibliography_equal_pandoc(corpus: Path, style_name: str) -> None:
    style, problems = resolve_style(corpus, style_name, None)  # type: ignore[arg-type]
    assert style is not None and not problems
    expected_cites, expected_entries = extract(pandoc_reference(corpus, style))
    got_cites, got_entries = ours(corpus, style_name, f"build-{style_name}")

    assert len(expected_cites) > 150  # the small corpus has 166 clusters
    # Footnote citations sit at the end of each chapter page in our site and at the end
    # of the whole document in Pandoc's: compare the clusters as multisets.
    assert Counter(got_cites) == Counter(expected_cites)
    assert got_entries == expected_entries
    assert len(got_entries) == 20


NOTE_STYLES = ["chicago-note-bibliography", "mhra-notes", "oscola"]


def ours_notes(project: Path, style_name: str, out: str) -> list[tuple[str, str, str]]:
    ours(project, style_name, out)
    return [
        c
        for page in sorted((project / out / "html").glob("*.html"))
        for c in note_clusters(page.read_text(encoding="utf-8"))
    ]


def note_parity(project: Path, style_name: str) -> tuple[list[tuple[str, str, str]], ...]:
    style, problems = resolve_style(project, style_name, None)  # type: ignore[arg-type]
    assert style is not None and not problems
    # as `pandoc --citeproc` prints notes: unlinked (see cite.format_citations)
    expected = note_clusters(pandoc_reference(project, style, linked=False))
    return expected, ours_notes(project, style_name, f"build-{style_name}")


@pytest.mark.parametrize("style_name", NOTE_STYLES)
def test_notes_equal_pandoc(corpus: Path, style_name: str) -> None:
    """Note styles: every citation and the note it becomes, as pandoc prints them."""
    expected, got = note_parity(corpus, style_name)
    assert len(expected) > 150
    assert sum(1 for c in expected if c[2]) > 100
    # Footnotes sit at the end of each chapter page in our site and at the end of the
    # whole document in pandoc's: compared as multisets.
    assert Counter(got) == Counter(expected)


@pytest.mark.slow
@pytest.mark.parametrize("style_name", NOTE_STYLES)
def test_notes_equal_pandoc_on_the_medium_corpus(
    tmp_path_factory: pytest.TempPathFactory, style_name: str
) -> None:
    out = tmp_path_factory.mktemp("corpus") / "medium"
    subprocess.run(
        [sys.executable, str(CORPUS), str(out), "--size", "medium"], check=True, capture_output=True
    )
    expected, got = note_parity(out, style_name)
    assert len(expected) > 1000
    assert Counter(got) == Counter(expected)


@pytest.mark.slow
@pytest.mark.parametrize("style_name", ["chicago-author-date", "apa"])
def test_formatting_by_family_equals_pandoc(
    corpus: Path, style_name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The way large dossiers are formatted (formatting._by_family: many small pandoc
    runs, each seeing the references its citations could be confused with, found by a
    probe run without disambiguation that also gives the bibliography's order), forced
    onto the small corpus in runs of a few references."""
    from dossier.cite import formatting

    monkeypatch.setattr(formatting, "BY_FAMILY_FROM", 1)
    monkeypatch.setattr(formatting, "RUN_REFERENCES", 4)
    runs: list[int] = []
    real = formatting._run
    monkeypatch.setattr(formatting, "_run", lambda *a, **k: runs.append(1) or real(*a, **k))
    style, problems = resolve_style(corpus, style_name, None)  # type: ignore[arg-type]
    assert style is not None and not problems
    expected_cites, expected_entries = extract(pandoc_reference(corpus, style))
    got_cites, got_entries = ours(corpus, style_name, f"build-family-{style_name}")
    assert len(runs) > 5
    assert Counter(got_cites) == Counter(expected_cites)
    assert got_entries == expected_entries
    assert list(got_entries) == list(expected_entries)  # the same order


CONFUSABLE = r"""
@book{x1, author = {Smith, Jane}, title = {Same Title}, year = {2020}, publisher = {P}}
@book{x2, author = {Smith, Jane}, title = {Same Title}, year = {2020}, publisher = {Q}}
@book{smithk, author = {Smith, Kate}, title = {Other}, year = {2020}, publisher = {P}}
@book{vd1, author = {van Dijk, Jan}, title = {Polders}, year = {2019}, publisher = {P}}
@book{vd2, author = {Jan van Dijk}, title = {Dikes}, year = {2019}, publisher = {P}}
@book{dijk, author = {Dijk, Piet}, title = {Canals}, year = {2019}, publisher = {P}}
@book{sch1, author = {Sch{\"o}nberg, Arnold}, title = {Harmonielehre}, year = {1911},
  publisher = {P}}
@book{sch2, author = {Schönberg, Arnold}, title = {Style and Idea}, year = {1911},
  publisher = {P}}
@book{ed1, editor = {Miller, Ann}, title = {Edited}, year = {2010}, publisher = {P}}
@book{au1, author = {Miller, Ann}, title = {Written}, year = {2010}, publisher = {P}}
@book{nn1, title = {Anonymous Report}, year = {2015}, publisher = {P}}
@book{nn2, title = {Anonymous Report}, year = {2015}, publisher = {Q}}
@book{wb1, author = {{World Bank}}, title = {Development}, year = {2018}, publisher = {P}}
@book{wb2, author = {{World Bank}}, title = {Poverty}, year = {2018}, publisher = {P}}
@article{lee1, author = {Lee, Ann and Park, Bo and Cho, Dan}, title = {One}, year = {2020},
  journal = {J}}
@article{lee2, author = {Lee, Ann and Kim, Cy and Cho, Dan}, title = {Two}, year = {2020},
  journal = {J}}
@article{lee3, author = {Lee, Bea and Park, Bo}, title = {Three}, year = {2020}, journal = {J}}
@article{park, author = {Park, Bo}, title = {Four}, year = {2020}, journal = {J}}
@book{erd1, author = {Erd{\H o}s, Paul}, title = {Graphs}, year = {1947}, publisher = {P}}
@book{erd2, author = {Erdős, Paul}, title = {Numbers}, year = {1947}, publisher = {P}}
@book{ob1, author = {O'Brien, Flann}, title = {Third}, year = {1967}, publisher = {P}}
@book{ob2, author = {O<CURLY>Brien, Flann}, title = {Swim}, year = {1967}, publisher = {P}}
@book{nab1, author = {Nabokov, Vladimir}, title = {Pnin}, year = {1957}, publisher = {P}}
@book{nab2, translator = {Nabokov, Vladimir}, title = {Hero}, year = {1957}, publisher = {P}}
@book{sm01, author = {Smith, Adam}, title = {Wealth}, year = {2001}, publisher = {P}}
@book{sm01b, author = {Smith, Adam}, title = {Sentiments}, year = {2001}, publisher = {P}}
@incollection{smch, crossref = {sm01b}, title = {A Chapter}, pages = {1--9}}
@book{smk15, author = {Smith, Kate}, title = {Early}, year = {2015}, publisher = {P}}
@book{dijkw, author = {Dijk, Wim}, title = {Locks}, year = {2005}, publisher = {P}}
@book{mnd, author = {Miller, Ann}, title = {Undated}, publisher = {P}}
@book{mnd2, author = {Miller, Bob}, title = {Also Undated}, publisher = {P}}
@book{mfo, author = {Miller, Ann}, title = {Soon}, year = {forthcoming}, publisher = {P}}
@book{mdate, author = {Miller, Ann}, title = {Dated}, date = {2010-05}, publisher = {P}}
@book{rng, author = {Park, Bo}, title = {Range}, date = {2019/2020}, publisher = {P}}
@book{anon1, title = {Anonymous Report}, date = {2015}, publisher = {R}}
""".replace("<CURLY>", "\u2019")


@pytest.mark.slow
@pytest.mark.parametrize("style_name", ["chicago-author-date", "apa"])
def test_confusable_references_by_family_equal_pandoc(
    tmp_path: Path, style_name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """References that are easy to confuse (ties, name particles, accents written two
    ways, editors, no names, no year, dates and ranges, namesakes in other years,
    corporate and shared co-authors), formatted in runs of two references, give exactly
    what pandoc gives for the whole document."""
    from dossier.cite import formatting

    monkeypatch.setattr(formatting, "BY_FAMILY_FROM", 1)
    monkeypatch.setattr(formatting, "RUN_REFERENCES", 2)
    keys = re.findall(r"@\w+\{(\w+),", CONFUSABLE)
    forms = ["[@{}]", "[see @{}, p. 4]", "@{}", "[@{}; @{}]", "[-@{}]"]
    paragraphs = [
        forms[n % len(forms)].format(k, keys[(n * 7 + 3) % len(keys)])
        for n, k in enumerate(reversed(keys * 2))
    ]
    chapter = "# A\n\n" + "\n\n".join(f"Text {p}." for p in paragraphs) + "\n"
    project = one_chapter_project(tmp_path, style_name, chapter, CONFUSABLE)
    style, problems = resolve_style(project, style_name, None)  # type: ignore[arg-type]
    assert style is not None and not problems
    expected_cites, expected_entries = extract(pandoc_reference(project, style))
    got_cites, got_entries = ours(project, style_name, "build")
    assert len(got_cites) > 20
    assert got_cites == expected_cites
    assert list(got_entries.items()) == list(expected_entries.items())
    # a warm build with more than a handful of new citations formats them by family too,
    # and keeps the whole bibliography
    chapter = project / "chapters" / "01-a.md"
    chapter.write_text(
        chapter.read_text("utf-8")
        + "\n\n".join(f"More [@{k}, p. {n + 100}]." for n, k in enumerate(keys * 2))
        + "\n",
        encoding="utf-8",
    )
    expected_cites, expected_entries = extract(pandoc_reference(project, style))
    got_cites, got_entries = ours(project, style_name, "build")
    assert got_cites == expected_cites
    assert list(got_entries.items()) == list(expected_entries.items())
    # and a few new citations are formatted with only the references they could be
    # confused with (formatting.related)
    chapter.write_text(
        chapter.read_text("utf-8") + "Last [@erd2, p. 9; @nab2, p. 9] and "
        "[@smch, p. 9] and [@ob2, p. 9].\n",
        encoding="utf-8",
    )
    expected_cites, expected_entries = extract(pandoc_reference(project, style))
    got_cites, got_entries = ours(project, style_name, "build")
    assert got_cites == expected_cites
    assert list(got_entries.items()) == list(expected_entries.items())


# Fields given twice, as hand-kept and merged bibliographies have them: pandoc keeps each
# entry with the field's last value; dossier keeps them the same way (with a warning).
DUPLICATED = r"""
@book{dup1, author = {Smith, Jane}, title = {First Title}, title = {Second Title},
  year = {2019}, publisher = {P}}
@book{dup2, author = {Smith, Jane}, title = {Other}, year = {2018}, year = {2020},
  publisher = {P}}
@article{dup3, author = {Doe, Jo}, author = {Roe, Rick}, title = {Who Wrote It},
  journal = {J}, year = {2020}, pages = {1--2}, pages = {3--4}}
@book{plain, author = {Smith, Jane}, title = {Plain}, year = {2020}, publisher = {P}}
"""


@pytest.mark.parametrize("style_name", ["chicago-author-date", "apa"])
def test_duplicate_fields_are_read_as_pandoc_reads_them(tmp_path: Path, style_name: str) -> None:
    chapter = "# A\n\nText [@dup1] and [@dup2, p. 3], @dup3 and [@plain; @dup2].\n"
    project = one_chapter_project(tmp_path, style_name, chapter, DUPLICATED)
    style, problems = resolve_style(project, style_name, None)  # type: ignore[arg-type]
    assert style is not None and not problems
    expected_cites, expected_entries = extract(pandoc_reference(project, style))
    got_cites, got_entries = ours(project, style_name, "build")
    assert len(got_cites) == 4
    assert got_cites == expected_cites
    assert list(got_entries.items()) == list(expected_entries.items())
    assert "Roe" in got_entries["dup3"] and "second title" in got_entries["dup1"].lower()
