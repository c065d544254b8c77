"""Broken and hostile BibTeX: every problem is reported at references.bib:line, nothing
hangs (crossref cycles, self-referencing @string), and the good entries of the same file
still load and are cited correctly."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from dossier import build as pipeline
from dossier.cite import stage as citing

# smith2020 on lines 1-6, the bad text from line 8, jones2019 after it; both good
# entries are cited.
CITING_BOTH = "# Alpha\n\nText [@smith2020] and [@jones2019].\n"
SMITH_CITED = '(<a href="bibliography.html#ref-smith2020" role="doc-biblioref">Smith, 2020</a>)'
JONES_CITED = '(<a href="bibliography.html#ref-jones2019" role="doc-biblioref">Jones, 2019</a>)'

# A fresh interpreter formats the citations, so that a Pandoc that loops (as it does on
# a crossref cycle, eating gigabytes) fails the test instead of blocking it for 15 min.
FORMAT = """
import json, sys
from pathlib import Path
from dossier import build
from dossier.cite import stage as citing
result = build.check(Path(sys.argv[1]), progress=lambda m: None)
formatted, problems = citing.format_citations(result.analysis)
print(json.dumps([formatted.citations[c.id].html for c in result.analysis.collected.clusters]))
"""


def between(texts, bad: str) -> str:
    return texts.smith + "\n" + bad + "\n" + texts.jones


def check(run_cli, root) -> tuple[int, list[str]]:
    code, err = run_cli(["check", "-q"], root)
    assert "Traceback" not in err and "internal error" not in err, err
    return code, err.splitlines()


def formatted_citations(root) -> list[str]:
    proc = subprocess.run(
        [sys.executable, "-c", FORMAT, str(root)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return list(json.loads(proc.stdout))


def formatted(key: str, text: str) -> str:
    return f'(<a href="#ref-{key}" role="doc-biblioref">{text}</a>)'


def assert_good_entries_cited(root) -> None:
    """What the build would print for the two good entries, though errors stop it."""
    result = pipeline.check(root, progress=lambda message: None)
    assert result.analysis is not None
    done, problems = citing.format_citations(result.analysis)
    assert done is not None, [d.format() for d in problems]
    rendered = [done.citations[c.id].html for c in result.analysis.collected.clusters]
    assert formatted("smith2020", "Smith, 2020") in rendered[0]
    assert formatted("jones2019", "Jones, 2019") in rendered[1]


# --- errors: each at its line, the entry skipped, the rest still formats ---------------------

ERRORS = {
    "never-closed-brace": (
        "@book{broken,\n  author = {Doe, Jo},\n  title  = {Unbalanced {brace},\n"
        "  year   = {2001},\n}\n",
        "references.bib:8: error: cannot parse @book entry 'broken': Unexpected block start: "
        "'@article'. Was still looking for field-value closing ',' or '}'; the entry is "
        "skipped (check for an unclosed '{' or a missing '}') [bib.syntax]",
    ),
    "closed-early": (
        "@book{early,\n  author = {Doe, Jo},\n  title  = {Early}},\n  year   = {2001},\n}\n",
        "references.bib:11: error: field 'year' is outside entry 'early' (line 8), which an "
        "extra '}' closed early (check the braces of the field before it) [bib.syntax]",
    ),
    "missing-comma": (
        "@book{nocomma,\n  author = {Doe, Jo}\n  title  = {No Comma},\n  year   = {2001},\n}\n",
        "references.bib:9: error: entry 'nocomma': field 'author' runs into field 'title'; the "
        "entry is skipped (fields are separated by commas) [bib.syntax]",
    ),
    "missing-comma-after-bare-value": (
        "@book{nocomma,\n  title  = {No Comma},\n  year   = 2001\n  author = {Doe, Jo},\n}\n",
        "references.bib:10: error: entry 'nocomma': field 'year' runs into field 'author'; the "
        "entry is skipped (fields are separated by commas) [bib.syntax]",
    ),
    "duplicate-key": (
        "@book{smith2020,\n  author = {Doe, Jo},\n  title  = {Again},\n}\n",
        "references.bib:8: error: duplicate entry key 'smith2020' (first defined at line 1) "
        "[bib.duplicate-key]",
    ),
    "undefined-string": (
        "@book{macro,\n  author = {Doe, Jo},\n  title  = {T},\n  publisher = nopress,\n}\n",
        "references.bib:11: error: entry 'macro': field 'publisher' uses undefined @string "
        "macro 'nopress' [bib.undefined-string]",
    ),
    "self-referencing-string": (
        "@string{pub = pub # { Press}}\n",
        "references.bib:8: error: @string 'pub' refers to itself (define a macro before using "
        "it, and never in terms of itself) [bib.undefined-string]",
    ),
    "mutually-recursive-strings": (
        "@string{aa = bb # {x}}\n@string{bb = aa}\n",
        "references.bib:8: error: @string 'aa' uses 'bb' before it is defined (define a macro "
        "before using it, and never in terms of itself) [bib.undefined-string]",
    ),
}


@pytest.mark.parametrize("case", sorted(ERRORS))
def test_broken_entry_is_an_error_at_its_line_and_the_rest_still_cites(
    run_cli, make_project, texts, case
):
    bad, expected = ERRORS[case]
    root = make_project({"chapters/01-a.md": CITING_BOTH, "references.bib": between(texts, bad)})
    code, lines = check(run_cli, root)
    assert code == 1
    assert [line for line in lines if ": error: " in line][:1] == [expected]
    assert not any(
        "smith2020" in line or "jones2019'" in line for line in lines if "duplicate" not in line
    )
    assert_good_entries_cited(root)


def test_a_field_given_twice_keeps_the_entry_with_its_last_value(run_cli, make_project, texts):
    twice = "@book{twice,\n  author = {Doe, Jo},\n  title  = {One},\n  title  = {Two},\n}\n"
    root = make_project(
        {
            "chapters/01-a.md": CITING_BOTH + "\nAnd [@twice].\n",
            "references.bib": between(texts, twice),
        }
    )
    code, lines = check(run_cli, root)
    assert code == 0, lines
    assert lines[0] == (
        "references.bib:11: warning: entry 'twice' sets 'title' again (first at line 10); "
        "the last value is used, as pandoc does (keep one of them) [bib.duplicate-field]"
    )
    assert_good_entries_cited(root)
    result = pipeline.build(root, html=True, pdf=False, progress=lambda message: None)
    assert result.ok
    entry = (root / "build" / "html" / "bibliography.html").read_text(encoding="utf-8")
    assert "Doe, J. (n.d.). <em>Two</em>" in entry and "<em>One</em>" not in entry


def test_duplicate_key_differing_only_by_case(run_cli, make_project, texts):
    root = make_project(
        {
            "chapters/01-a.md": CITING_BOTH,
            "references.bib": between(texts, "@book{SMITH2020,\n  title = {X},\n}\n"),
        }
    )
    code, lines = check(run_cli, root)
    assert code == 1
    assert lines[0] == (
        "references.bib:8: error: entry key 'SMITH2020' differs only by case "
        "from 'smith2020' (line 1) (citation keys must be unique regardless "
        "of case) [bib.duplicate-key]"
    )
    assert_good_entries_cited(root)


def test_brace_never_closed_in_the_last_entry(run_cli, make_project, texts):
    root = make_project(
        {
            "chapters/01-a.md": CITING_BOTH,
            "references.bib": texts.smith + "\n" + texts.jones + "\n@book{last,\n  title = {Open\n",
        }
    )
    code, lines = check(run_cli, root)
    assert code == 1
    assert lines == [
        "references.bib:17: error: cannot parse @book entry 'last': Unexpectedly "
        "reached end of file.; the entry is skipped (check for an unclosed '{' or "
        "a missing '}') [bib.syntax]",
        "1 error, 0 warnings",
    ]
    assert_good_entries_cited(root)


def test_exponential_string_expansion_is_refused(run_cli, make_project, texts):
    chain = "@string{s0 = {xxxxxxxxxx}}\n" + "".join(
        f"@string{{s{i} = s{i - 1} # s{i - 1}}}\n" for i in range(1, 40)
    )
    bomb = "@book{bomb,\n  author = {Doe, Jo},\n  title = {T},\n  publisher = s39,\n}\n"
    root = make_project(
        {"chapters/01-a.md": CITING_BOTH, "references.bib": between(texts, chain + bomb)}
    )
    code, lines = check(run_cli, root)
    assert code == 1
    assert lines[0] == (
        "references.bib:25: error: @string 's17' expands to more than "
        "1,000,000 characters (define a macro before using it, and never in "
        "terms of itself) [bib.undefined-string]"
    )
    assert_good_entries_cited(root)


CYCLES = {
    "crossref a->b->a": (
        "@book{ca,\n  title = {A},\n  crossref = {cb},\n}\n\n"
        "@book{cb,\n  title = {B},\n  crossref = {ca},\n}\n",
        "references.bib:15: error: crossref cycle ca -> cb -> ca; the "
        "crossref of 'cb' is ignored (an entry cannot inherit from itself) "
        "[bib.crossref-cycle]",
    ),
    "crossref a->a": (
        "@book{ca,\n  title = {A},\n  crossref = {ca},\n}\n",
        "references.bib:10: error: crossref cycle ca -> ca; the crossref of "
        "'ca' is ignored (an entry cannot inherit from itself) "
        "[bib.crossref-cycle]",
    ),
    "xdata a->b->a": (
        "@book{ca,\n  title = {A},\n  xdata = {cb},\n}\n\n"
        "@xdata{cb,\n  publisher = {P},\n  xdata = {ca},\n}\n",
        "references.bib:15: error: xdata cycle ca -> cb -> ca; the xdata of "
        "'cb' is ignored (an entry cannot inherit from itself) "
        "[bib.crossref-cycle]",
    ),
}


@pytest.mark.parametrize("case", sorted(CYCLES))
def test_crossref_cycles_are_reported_and_never_reach_pandoc(run_cli, make_project, texts, case):
    bad, expected = CYCLES[case]
    root = make_project(
        {
            "chapters/01-a.md": CITING_BOTH.replace(".\n", " [@ca].\n"),
            "references.bib": between(texts, bad),
        }
    )
    code, lines = check(run_cli, root)
    assert code == 1
    assert [line for line in lines if ": error: " in line] == [expected]
    rendered = formatted_citations(root)  # Pandoc alone loops forever on these
    assert formatted("smith2020", "Smith, 2020") in rendered[0]
    assert formatted("jones2019", "Jones, 2019") in rendered[1]
    assert "ref-ca" in rendered[2]


def test_invalid_utf8_is_reported_at_each_line(run_cli, make_project, texts):
    bad = b"@book{latin1,\n  author = {Caf\xe9, Jo},\n  title  = {Na\xefve},\n}\n"
    root = make_project(
        {
            "chapters/01-a.md": CITING_BOTH,
            "references.bib": texts.smith.encode() + b"\n" + bad + b"\n" + texts.jones.encode(),
        }
    )
    code, lines = check(run_cli, root)
    assert code == 1
    assert lines[1:3] == [
        "references.bib:9:16: error: invalid UTF-8 byte sequence (save the file as UTF-8) "
        "[bib.encoding]",
        "references.bib:10:15: error: invalid UTF-8 byte sequence (save the file as UTF-8) "
        "[bib.encoding]",
    ]
    assert_good_entries_cited(root)


# --- warnings: the build goes on, the good entry is cited in the built HTML -------------------

YEARS = {
    "n.d.": "entry 'odd' has year 'n.d.', which is not a year (leave the field out; the style "
    "prints 'n.d.' in the right language)",
    "2020a": "entry 'odd' has year '2020a', which is not a year (write 2020; the style adds "
    "'a', 'b' itself where two works need it)",
    "forthcoming": "entry 'odd' has year 'forthcoming', which is not a year (leave the year "
    "out and write pubstate = {forthcoming})",
    "": "entry 'odd' has an empty year (give the year, or leave the field out and the style "
    "prints 'n.d.')",
}


@pytest.mark.parametrize("year", sorted(YEARS))
def test_years_that_are_not_years_warn_and_build(run_cli, make_project, texts, year):
    bad = f"@book{{odd,\n  author = {{Odd, Otto}},\n  title  = {{Odd}},\n  year = {{{year}}},\n}}\n"
    root = make_project(
        {
            "chapters/01-a.md": CITING_BOTH.replace(".\n", " [@odd].\n"),
            "references.bib": between(texts, bad),
        }
    )
    code, err = run_cli(["build", "--html", "-q"], root)
    assert (code, err.splitlines()) == (
        0,
        [f"references.bib:11: warning: {YEARS[year]} [bib.year]", "0 errors, 1 warning"],
    )
    page = (root / "build" / "html" / "01-a.html").read_text(encoding="utf-8")
    assert SMITH_CITED in page and JONES_CITED in page
    assert 'href="bibliography.html#ref-odd"' in page


def test_empty_bibliography_warns(run_cli, make_project):
    root = make_project({"chapters/01-a.md": "# Alpha\n\nNo citations.\n", "references.bib": ""})
    code, err = run_cli(["build", "--html", "-q"], root)
    assert (code, err.splitlines()) == (
        0,
        ["references.bib:1: warning: the bibliography is empty [bib.empty]", "0 errors, 1 warning"],
    )
    assert (root / "build" / "html" / "01-a.html").is_file()


def test_bibliography_of_only_comments_warns(run_cli, make_project):
    root = make_project(
        {
            "chapters/01-a.md": "# Alpha\n\nCiting [@smith2020].\n",
            "references.bib": "% nothing yet\n@comment{todo: add entries}\nJust some notes.\n",
        }
    )
    code, lines = check(run_cli, root)
    assert code == 1
    assert lines == [
        "chapters/01-a.md:3:8: error: unknown citation key 'smith2020' [cite.unknown-key]",
        "references.bib:1: warning: the bibliography has no entries (only comments or text "
        "outside '@type{...}') [bib.empty]",
        "1 error, 1 warning",
    ]


# --- size ---------------------------------------------------------------------------------


@pytest.mark.slow
def test_a_2_mb_field_value_loads_and_builds(run_cli, make_project, texts):
    big = (
        "@book{big,\n  author = {Big, Bo},\n  title = {Big},\n  abstract = {"
        + ("lorem ipsum " * 180_000)
        + "},\n}\n"
    )
    root = make_project(
        {
            "chapters/01-a.md": CITING_BOTH.replace(".\n", " [@big].\n"),
            "references.bib": between(texts, big),
        }
    )
    code, err = run_cli(["build", "--html", "-q"], root)
    assert (code, err) == (0, "")
    page = (root / "build" / "html" / "01-a.html").read_text(encoding="utf-8")
    assert SMITH_CITED in page and 'href="bibliography.html#ref-big"' in page


@pytest.mark.slow
def test_5000_entries_load(run_cli, make_project, texts):
    many = "\n".join(
        f"@book{{k{n},\n  author = {{Author{n}, A.}},\n  title = {{Title {n}}},\n"
        f"  year = {{{1900 + n % 100}}},\n}}\n"
        for n in range(5000)
    )
    root = make_project(
        {
            "dossier.toml": texts.toml + 'nocite = ["*"]\n',
            "chapters/01-a.md": CITING_BOTH,
            "references.bib": between(texts, many),
        }
    )
    code, lines = check(run_cli, root)
    assert (code, lines) == (0, [])
    bad = between(texts, many + "@book{k17,\n  title = {Again},\n}\n")
    (root / "references.bib").write_text(bad, encoding="utf-8")
    code, lines = check(run_cli, root)
    assert code == 1
    line = len(bad.split("@book{k17,\n  title = {Again}")[0].split("\n"))
    assert lines[0] == (
        f"references.bib:{line}: error: duplicate entry key 'k17' (first defined "
        "at line 110) [bib.duplicate-key]"
    )
