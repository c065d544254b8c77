"""Every problem is reported as `file:line[:col]: severity: message (hint) [code]`, all at
once, never as a Python traceback."""

from __future__ import annotations

import re

import pytest

from dossier import build as pipeline
from dossier.cite import stage as citing

UNUSED = "(cite it, list it under 'nocite' in dossier.toml, or remove it) [cite.unused-entry]"

RAJAVI = """\
@book{rajavi2003,
  author    = {Rajavi, Maryam},
  title     = {A Book},
  year      = {2003},
  publisher = {Example Press},
}
"""


def check_quiet(run_cli, root) -> tuple[int, list[str]]:
    """`dossier check -q` in root: the exit code and stderr lines (diagnostics + summary)."""
    code, err = run_cli(["check", "-q"], root)
    assert "Traceback" not in err
    assert "internal error" not in err
    return code, err.splitlines()


# --- citations and cross-references ------------------------------------------------------


def test_unknown_citation_key_with_did_you_mean(run_cli, make_project):
    root = make_project(
        {
            "chapters/01-a.md": "# Alpha\n\nSome claim [@rajavi2004].\n",
            "references.bib": RAJAVI,
        }
    )
    code, lines = check_quiet(run_cli, root)
    assert code == 1
    assert lines == [
        "chapters/01-a.md:3:12: error: unknown citation key 'rajavi2004' "
        "(did you mean 'rajavi2003'?) [cite.unknown-key]",
        f"references.bib:1: warning: entry 'rajavi2003' is never cited {UNUSED}",
        "1 error, 1 warning",
    ]


def test_unknown_narrative_key_points_at_the_at_sign(run_cli, make_project, texts):
    root = make_project(
        {
            "chapters/01-a.md": "# Alpha\n\nText [@smith2020].\n\nAs @smiht2020 argues, and\n"
            "  as  @nobody2000 [p. 4] agrees.\n",
        }
    )
    code, lines = check_quiet(run_cli, root)
    assert code == 1
    assert lines == [
        "chapters/01-a.md:5:4: error: unknown citation key 'smiht2020' "
        "(did you mean 'smith2020'?) [cite.unknown-key]",
        "chapters/01-a.md:6:7: error: unknown citation key 'nobody2000' [cite.unknown-key]",
        "2 errors, 0 warnings",
    ]


def test_unknown_key_in_a_multi_item_citation(run_cli, make_project):
    root = make_project(
        {
            "chapters/01-a.md": "# Alpha\n\nSee [see @smith2020, p. 3; @smith2021, 45].\n",
        }
    )
    code, lines = check_quiet(run_cli, root)
    assert code == 1
    assert lines == [
        "chapters/01-a.md:3:5: error: unknown citation key 'smith2021' "
        "(did you mean 'smith2020'?) [cite.unknown-key]",
        "1 error, 0 warnings",
    ]


def test_each_occurrence_of_an_unknown_key_is_reported_at_its_own_column(run_cli, make_project):
    root = make_project(
        {
            "chapters/01-a.md": "# Alpha\n\nFirst [@smith2020] then [@nobody] and [@nobody].\n",
        }
    )
    code, lines = check_quiet(run_cli, root)
    assert code == 1
    assert lines == [
        "chapters/01-a.md:3:25: error: unknown citation key 'nobody' [cite.unknown-key]",
        "chapters/01-a.md:3:39: error: unknown citation key 'nobody' [cite.unknown-key]",
        "2 errors, 0 warnings",
    ]


def test_unknown_cross_references(run_cli, make_project):
    root = make_project(
        {
            "chapters/01-a.md": "# Alpha {#sec-alpha}\n\nText [@smith2020].\n"
            "See @sec-nope and @sec-alpah.\n\nAnd [@fig-none; @tbl-none].\n",
        }
    )
    code, lines = check_quiet(run_cli, root)
    assert code == 1
    assert lines == [
        "chapters/01-a.md:4:5: error: unknown cross-reference target 'sec-nope' [xref.unknown]",
        "chapters/01-a.md:4:19: error: unknown cross-reference target 'sec-alpah' "
        "(did you mean 'sec-alpha'?) [xref.unknown]",
        "chapters/01-a.md:6:5: error: unknown cross-reference target 'fig-none' [xref.unknown]",
        "chapters/01-a.md:6:5: error: unknown cross-reference target 'tbl-none' [xref.unknown]",
        "4 errors, 0 warnings",
    ]


def test_an_email_address_is_not_a_citation(run_cli, make_project):
    root = make_project(
        {
            "chapters/01-a.md": "# Alpha\n\nText [@smith2020]. Write to team@example.org or\n"
            "first.last@example.org for copies.\n",
        }
    )
    code, lines = check_quiet(run_cli, root)
    assert code == 0
    assert lines == []


# --- dossier.toml ---------------------------------------------------------------------------


def test_unknown_config_key_with_hint(run_cli, make_project):
    root = make_project(
        {
            "dossier.toml": 'title = "T"\ncsl = "apa"\n'
            'chapters = ["chapters/01-a.md"]\n'
            'biblography = "references.bib"\n'
            "[html]\nchapter_bibliography = true\n"
        }
    )
    code, lines = check_quiet(run_cli, root)
    assert code == 1
    assert lines == [
        "dossier.toml:4: error: unknown key 'biblography' (did you mean 'bibliography'?) "
        "[config.unknown-key]",
        "dossier.toml:6: error: unknown key 'html.chapter_bibliography' "
        "(did you mean 'chapter_bibliographies'?) [config.unknown-key]",
        "2 errors, 0 warnings",
    ]


@pytest.mark.parametrize(
    ("toml", "expected"),
    [
        (
            'title = 3\nchapters = ["chapters/01-a.md"]\n',
            "dossier.toml:1: error: 'title' must be a string, not int [config.type]",
        ),
        (
            'title = "T"\nchapters = "chapters/01-a.md"\n',
            "dossier.toml:2: error: 'chapters' must be a list of file paths, not str [config.type]",
        ),
        (
            'title = "T"\nchapters = ["chapters/01-a.md", 7]\n',
            "dossier.toml:2: error: 'chapters' must hold only strings [config.type]",
        ),
        (
            'title = "T"\nchapters = ["chapters/01-a.md"]\n\n'
            '[html]\nchapter_bibliographies = "yes"\n',
            "dossier.toml:5: error: 'html.chapter_bibliographies' must be bool, not str "
            "[config.type]",
        ),
        (
            'title = "T"\nchapters = ["chapters/01-a.md"]\n[pdf]\ntimeout = true\n',
            "dossier.toml:4: error: 'pdf.timeout' must be int, not bool [config.type]",
        ),
        (
            'title = "T"\nchapters = ["chapters/01-a.md"]\n[html]\npublish_sources = [2019]\n',
            "dossier.toml:4: error: 'html.publish_sources' must hold only cite keys (strings) "
            "[config.type]",
        ),
    ],
)
def test_wrong_config_type(run_cli, make_project, toml, expected):
    root = make_project({"dossier.toml": toml})
    code, lines = check_quiet(run_cli, root)
    assert code == 1
    assert lines == [expected, "1 error, 0 warnings"]


def test_missing_required_config_key(run_cli, make_project):
    root = make_project({"dossier.toml": 'chapters = ["chapters/01-a.md"]\n'})
    code, lines = check_quiet(run_cli, root)
    assert code == 1
    assert lines == [
        "dossier.toml: error: missing required key 'title' [config.missing-key]",
        "1 error, 0 warnings",
    ]


def test_invalid_toml_with_line_and_column(run_cli, make_project):
    root = make_project(
        {"dossier.toml": 'title = "T"\nchapters = ["chapters/01-a.md"]\ncsl = apa\n'}
    )
    code, lines = check_quiet(run_cli, root)
    assert code == 1
    assert lines == [
        "dossier.toml:3:7: error: invalid TOML: Invalid value [config.syntax]",
        "1 error, 0 warnings",
    ]


def test_chapter_listed_but_missing(run_cli, make_project):
    root = make_project(
        {
            "dossier.toml": 'title = "T"\ncsl = "apa"\nchapters = [\n'
            '  "chapters/01-a.md",\n'
            '  "chapters/02-b.md",\n]\n'
        }
    )
    code, lines = check_quiet(run_cli, root)
    assert code == 1
    assert lines == [
        "dossier.toml:5: error: chapter 'chapters/02-b.md' not found [load.missing]",
        "1 error, 0 warnings",
    ]


def test_chapter_outside_the_project(run_cli, make_project):
    root = make_project(
        {
            "dossier.toml": 'title = "T"\ncsl = "apa"\n'
            'chapters = ["chapters/01-a.md", "../secret.md"]\n'
        }
    )
    (root.parent / "secret.md").write_text("# Secret\n", encoding="utf-8")
    code, lines = check_quiet(run_cli, root)
    assert code == 1
    assert lines == [
        "dossier.toml:3: error: chapter '../secret.md' is outside the project [load.outside]",
        "1 error, 0 warnings",
    ]


# --- BibTeX ---------------------------------------------------------------------------------

# The bad entry sits between two good ones: smith2020 on lines 1-6, the bad one from
# line 8, jones2019 after it. Both good entries are cited and must still resolve.
CITING_BOTH = "# Alpha\n\nText [@smith2020] and [@jones2019].\n"

MALFORMED = {
    "unbalanced-brace": (
        "@book{broken,\n  author = {Doe, Jo},\n  title  = {Unbalanced {brace},\n"
        "  year   = {2001},\n}\n",
        "references.bib:8: error: cannot parse @book entry 'broken': Unexpected block start: "
        "'@article'. Was still looking for field-value closing ',' or '}'; the entry is "
        "skipped (check for an unclosed '{' or a missing '}') [bib.syntax]",
    ),
    "duplicate-key": (
        "@book{smith2020,\n  author = {Doe, Jo},\n  title  = {Again},\n  year   = {2001},\n}\n",
        "references.bib:8: error: duplicate entry key 'smith2020' (first defined at line 1) "
        "[bib.duplicate-key]",
    ),
    "case-only-duplicate": (
        "@book{Smith2020,\n  author = {Doe, Jo},\n  title  = {Again},\n  year   = {2001},\n}\n",
        "references.bib:8: error: entry key 'Smith2020' differs only by case from 'smith2020' "
        "(line 1) (citation keys must be unique regardless of case) [bib.duplicate-key]",
    ),
    "undefined-string": (
        "@string{pub = {Example Press}}\n@book{doe2001,\n  author    = {Doe, Jo},\n"
        "  title     = {Strings},\n  publisher = pub # { and } # undefpub,\n"
        "  year      = 2001,\n  month     = jan,\n}\n",
        "references.bib:12: error: entry 'doe2001': field 'publisher' uses undefined @string "
        "macro 'undefpub' [bib.undefined-string]",
    ),
}


def _assert_good_entries_resolve(root):
    result = pipeline.check(root, progress=lambda message: None)
    assert result.analysis is not None
    keys = [e.key for e in result.analysis.bibliography.entries]
    assert "smith2020" in keys and "jones2019" in keys
    formatted, problems = citing.format_citations(result.analysis)
    assert formatted is not None, [d.format() for d in problems]
    rendered = [formatted.citations[c.id].html for c in result.analysis.collected.clusters]
    assert len(rendered) == 2
    assert "Smith, 2020" in rendered[0]
    assert "Jones, 2019" in rendered[1]
    assert 'href="#ref-smith2020"' in rendered[0]
    assert 'href="#ref-jones2019"' in rendered[1]


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_bibtex_is_reported_and_the_rest_still_loads(run_cli, make_project, texts, case):
    bad, expected = MALFORMED[case]
    root = make_project(
        {
            "chapters/01-a.md": CITING_BOTH,
            "references.bib": texts.smith + "\n" + bad + "\n" + texts.jones,
        }
    )
    code, lines = check_quiet(run_cli, root)
    assert code == 1
    assert expected in lines
    errors = [line for line in lines if ": error: " in line]
    assert errors == [expected]
    assert not any("cite.unknown-key" in line for line in lines)
    _assert_good_entries_resolve(root)


def test_missing_comma_in_bibtex_is_a_syntax_error(run_cli, make_project, texts):
    bad = "@book{nocomma,\n  author = {Doe, Jo}\n  title  = {No Comma},\n  year   = {2001},\n}\n"
    root = make_project(
        {
            "chapters/01-a.md": CITING_BOTH,
            "references.bib": texts.smith + "\n" + bad + "\n" + texts.jones,
        }
    )
    code, lines = check_quiet(run_cli, root)
    assert not any("cite.unknown-key" in line for line in lines)
    _assert_good_entries_resolve(root)
    assert code == 1
    errors = [line for line in lines if ": error: " in line]
    assert len(errors) == 1
    assert re.fullmatch(r"references\.bib:(8|9): error: .*\[bib\.syntax\]", errors[0])


def test_entry_without_key_is_reported_at_its_line(run_cli, make_project, texts):
    bad = "@book{,\n  author = {Doe, Jo},\n  title  = {No Key},\n}\n"
    root = make_project(
        {
            "chapters/01-a.md": CITING_BOTH,
            "references.bib": texts.smith + "\n" + bad + "\n" + texts.jones,
        }
    )
    code, lines = check_quiet(run_cli, root)
    assert code == 1
    errors = [line for line in lines if ": error: " in line]
    assert len(errors) == 1
    assert errors[0].startswith("references.bib:8: error: ")


def test_invalid_utf8_in_the_bibliography(run_cli, make_project, texts):
    data = (
        (texts.smith + "\n").encode() + b"@book{doe2001,\n  author = {Doe, Jo},\n"
        b"  title  = {Caf\xe9},\n  year   = {2001},\n}\n"
    )
    root = make_project({"references.bib": data})
    code, lines = check_quiet(run_cli, root)
    assert code == 1
    assert (
        "references.bib:10:16: error: invalid UTF-8 byte sequence (save the file as UTF-8) "
        "[bib.encoding]" in lines
    )


def test_missing_bibliography(run_cli, make_project):
    root = make_project({"references.bib": None})
    code, lines = check_quiet(run_cli, root)
    assert code == 1
    assert (
        lines[0] == "chapters/01-a.md:3:13: error: unknown citation key 'smith2020' "
        "[cite.unknown-key]"
    )
    assert "dossier.toml: error: bibliography 'references.bib' not found [bib.missing]" in lines


# --- encodings and line endings ---------------------------------------------------------


def test_invalid_utf8_in_a_chapter_is_reported_at_its_line(run_cli, make_project):
    root = make_project(
        {
            "chapters/01-a.md": b"# Alpha\n\nText [@smith2020].\n"
            b"Bad \xff byte here.\n\nFine.\nAgain \xc3(\n"
        }
    )
    code, lines = check_quiet(run_cli, root)
    assert code == 1
    assert lines == [
        "chapters/01-a.md:4:5: error: invalid UTF-8 byte sequence (save the file as UTF-8) "
        "[load.encoding]",
        "chapters/01-a.md:7:7: error: invalid UTF-8 byte sequence (save the file as UTF-8) "
        "[load.encoding]",
        "2 errors, 0 warnings",
    ]


def test_invalid_utf8_in_a_crlf_chapter(run_cli, make_project):
    root = make_project(
        {"chapters/01-a.md": b"# Alpha\r\n\r\nText [@smith2020].\r\n\r\nx \xfe y\r\n"}
    )
    code, lines = check_quiet(run_cli, root)
    assert code == 1
    assert lines == [
        "chapters/01-a.md:5:3: error: invalid UTF-8 byte sequence (save the file as UTF-8) "
        "[load.encoding]",
        "1 error, 0 warnings",
    ]


@pytest.mark.parametrize("newline", ["\r\n", "\r"], ids=["crlf", "cr"])
def test_line_numbers_with_crlf_and_cr_line_endings(run_cli, make_project, newline):
    text = newline.join(
        [
            "---",
            "title: Alpha",
            "---",
            "",
            "Text [@smith2020].",
            "",
            "A longer paragraph that runs over",
            "two lines [@smtih2020] and @sec-none.",
            "",
        ]
    )
    root = make_project({"chapters/01-a.md": text.encode()})
    code, lines = check_quiet(run_cli, root)
    assert code == 1
    assert lines == [
        "chapters/01-a.md:8:11: error: unknown citation key 'smtih2020' "
        "(did you mean 'smith2020'?) [cite.unknown-key]",
        "chapters/01-a.md:8:28: error: unknown cross-reference target 'sec-none' [xref.unknown]",
        "2 errors, 0 warnings",
    ]


def test_byte_order_mark_does_not_shift_columns(run_cli, make_project):
    root = make_project({"chapters/01-a.md": "\ufeff[@nobody] opens.\n\n# Alpha\n\n[@smith2020]\n"})
    code, lines = check_quiet(run_cli, root)
    assert code == 1
    assert lines == [
        "chapters/01-a.md:1:1: error: unknown citation key 'nobody' [cite.unknown-key]",
        "1 error, 0 warnings",
    ]


# --- everything at once ------------------------------------------------------------------


def test_all_problems_are_reported_in_one_run(run_cli, make_project, texts):
    root = make_project(
        {
            "dossier.toml": 'title = "T"\ncsl = "apa"\nchapters = [\n  "chapters/01-a.md",\n'
            '  "chapters/02-b.md",\n  "chapters/03-c.md",\n]\n',
            "chapters/01-a.md": "# Alpha\n\nText [@smith2020] and [@jonse2019].\n",
            "chapters/02-b.md": "# Beta {#sec-beta}\n\nSee @sec-gamma.\n\n[@jones2019]\n",
            "references.bib": texts.smith
            + "\n"
            + texts.jones
            + "\n"
            + texts.jones.replace("An Article", "Another"),
        }
    )
    code, lines = check_quiet(run_cli, root)
    assert code == 1
    assert lines == [
        "chapters/01-a.md:3:23: error: unknown citation key 'jonse2019' "
        "(did you mean 'jones2019'?) [cite.unknown-key]",
        "chapters/02-b.md:3:5: error: unknown cross-reference target 'sec-gamma' [xref.unknown]",
        "dossier.toml:6: error: chapter 'chapters/03-c.md' not found [load.missing]",
        "references.bib:17: error: duplicate entry key 'jones2019' (first defined at line 8) "
        "[bib.duplicate-key]",
        "4 errors, 0 warnings",
    ]


def test_build_reports_the_same_problems_as_check(run_cli, make_project):
    root = make_project(
        {"chapters/01-a.md": "# Alpha\n\nSome claim [@rajavi2004].\n", "references.bib": RAJAVI}
    )
    code_check, err_check = run_cli(["check", "-q"], root)
    code_build, err_build = run_cli(["build", "-q"], root)
    assert (code_check, code_build) == (1, 1)
    assert err_build == err_check
    assert "Traceback" not in err_build
    assert not (root / "build").exists()


def test_a_broken_project_never_prints_a_traceback(run_cli, make_project):
    root = make_project(
        {
            "chapters/01-a.md": b"---\ntitle: [unclosed\n---\n\n::: note\n[@nobody\xff]\n"
            b"![x](/etc/passwd)\n",
            "references.bib": b"@book{a,\n title = {\xff\n",
        }
    )
    code, err = run_cli(["build"], root)
    assert code == 1
    assert "Traceback" not in err
    assert "internal error" not in err
    assert re.search(r"^\d+ errors?, \d+ warnings?$", err.splitlines()[-1])
