"""Hostile chapters: encodings, line endings, empty files, invisible and look-alike
characters in citation keys, and chapter lists naming what is not a chapter. Each is
reported at file:line[:col] (or refused with a clear message), never a traceback."""

from __future__ import annotations

import codecs

import pytest

TOML = 'title = "T"\ncsl = "apa"\nchapters = [\n  "chapters/01-a.md",\n]\n'
SMITH_CITED = '(<a href="bibliography.html#ref-smith2020" role="doc-biblioref">Smith, 2020</a>)'


def check(run_cli, root) -> tuple[int, list[str]]:
    code, err = run_cli(["check", "-q"], root)
    assert "Traceback" not in err and "internal error" not in err, err
    return code, err.splitlines()


def built_page(run_cli, root) -> str:
    code, err = run_cli(["build", "--html", "-q"], root)
    assert (code, err) == (0, "")
    return (root / "build" / "html" / "01-a.html").read_text(encoding="utf-8")


# --- encodings and line endings ---------------------------------------------------------------


def test_invalid_utf8_is_reported_at_line_and_column_and_the_rest_is_checked(run_cli, make_project):
    data = b"# Alpha\n\nCaf\xe9 [@smith2020].\n\nLater [@nobody].\n"
    root = make_project({"chapters/01-a.md": data})
    code, lines = check(run_cli, root)
    assert code == 1
    assert lines == [
        "chapters/01-a.md:3:4: error: invalid UTF-8 byte sequence (save the file as UTF-8) "
        "[load.encoding]",
        "chapters/01-a.md:5:7: error: unknown citation key 'nobody' [cite.unknown-key]",
        "2 errors, 0 warnings",
    ]


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16-le", "utf-16-be"])
def test_byte_order_marks_are_understood(run_cli, make_project, texts, encoding):
    bom = {"utf-8-sig": b"", "utf-16-le": codecs.BOM_UTF16_LE, "utf-16-be": codecs.BOM_UTF16_BE}[
        encoding
    ]
    text = "# Alpha {#sec-alpha}\n\nCafé [@smith2020].\n\nThen [@nobody].\n"
    root = make_project({"chapters/01-a.md": bom + text.encode(encoding)})
    code, lines = check(run_cli, root)
    assert (code, lines) == (
        1,
        [
            "chapters/01-a.md:5:6: error: unknown citation key 'nobody' [cite.unknown-key]",
            "1 error, 0 warnings",
        ],
    )
    (root / "chapters" / "01-a.md").write_bytes(bom + texts.chapter.encode(encoding))
    page = built_page(run_cli, root)
    assert '<h1 id="sec-alpha">' in page and SMITH_CITED in page


@pytest.mark.parametrize("newline", ["\r\n", "\r"], ids=["crlf", "cr"])
def test_line_endings_keep_line_numbers_right(run_cli, make_project, newline):
    text = "# Alpha\n\nOne [@smith2020].\n\nTwo.\n\nSeven [@nobody].\n"
    root = make_project({"chapters/01-a.md": text.replace("\n", newline).encode()})
    code, lines = check(run_cli, root)
    assert (code, lines) == (
        1,
        [
            "chapters/01-a.md:7:7: error: unknown citation key 'nobody' [cite.unknown-key]",
            "1 error, 0 warnings",
        ],
    )


# --- empty chapters ---------------------------------------------------------------------------


@pytest.mark.parametrize("content", ["", "  \n\n\t\n", "\ufeff"], ids=["empty", "blank", "bom"])
def test_empty_chapter_is_a_warning_and_builds(run_cli, make_project, texts, content):
    root = make_project(
        {
            "dossier.toml": TOML.replace(
                '  "chapters/01-a.md",\n', '  "chapters/01-a.md",\n  "chapters/02-b.md",\n'
            ),
            "chapters/02-b.md": content.encode("utf-8"),
        }
    )
    code, err = run_cli(["build", "--html", "-q"], root)
    assert (code, err.splitlines()) == (
        0,
        ["chapters/02-b.md:1: warning: chapter is empty [md.empty]", "0 errors, 1 warning"],
    )
    assert (root / "build" / "html" / "02-b.html").is_file()


# --- invisible and look-alike characters in keys ----------------------------------------------

LOOKALIKES = {
    "zero-width-space": (
        "smith\u200b2020",
        "unknown citation key 'smith\\u200b2020' (did you "
        "mean 'smith2020'? 'smith\\u200b2020' contains \\u200b (U+200B ZERO "
        "WIDTH SPACE))",
    ),
    "zero-width-joiner": (
        "smi\u200dth2020",
        "unknown citation key 'smi\\u200dth2020' (did you "
        "mean 'smith2020'? 'smi\\u200dth2020' contains \\u200d (U+200D ZERO "
        "WIDTH JOINER))",
    ),
    "cyrillic-i": (
        "sm\u0456th2020",
        "unknown citation key 'sm\u0456th2020' (did you mean "
        "'smith2020'? 'sm\u0456th2020' contains \u0456 (U+0456 CYRILLIC SMALL LETTER "
        "BYELORUSSIAN-UKRAINIAN I))",
    ),
    "fullwidth": (
        "\uff53mith2020",
        "unknown citation key '\uff53mith2020' (did you mean "
        "'smith2020'? '\uff53mith2020' contains \uff53 (U+FF53 FULLWIDTH LATIN SMALL "
        "LETTER S))",
    ),
    "near-miss": ("smith2021", "unknown citation key 'smith2021' (did you mean 'smith2020'?)"),
}


@pytest.mark.parametrize("case", sorted(LOOKALIKES))
def test_look_alike_keys_are_unknown_and_the_difference_is_shown(run_cli, make_project, case):
    key, message = LOOKALIKES[case]
    root = make_project({"chapters/01-a.md": f"# Alpha\n\nGood [@smith2020], bad [@{key}].\n"})
    code, lines = check(run_cli, root)
    assert (code, lines) == (
        1,
        [f"chapters/01-a.md:3:24: error: {message} [cite.unknown-key]", "1 error, 0 warnings"],
    )


def test_look_alike_key_in_the_bibliography(run_cli, make_project, texts):
    root = make_project({"references.bib": texts.smith.replace("smith2020", "sm\u0456th2020")})
    code, lines = check(run_cli, root)
    assert code == 1
    assert lines[0] == (
        "chapters/01-a.md:3:13: error: unknown citation key 'smith2020' (did "
        "you mean 'sm\u0456th2020'? 'sm\u0456th2020' contains \u0456 (U+0456 "
        "CYRILLIC SMALL LETTER BYELORUSSIAN-UKRAINIAN I)) [cite.unknown-key]"
    )


def test_narrative_citation_with_an_invisible_character(run_cli, make_project):
    root = make_project(
        {"chapters/01-a.md": "# Alpha\n\nAs @smith2020 and @smith\u200b2020 say.\n"}
    )
    code, lines = check(run_cli, root)
    assert code == 1
    assert lines[0].startswith(
        "chapters/01-a.md:3:19: error: unknown citation key "
        "'smith\\u200b2020' (did you mean 'smith2020'?"
    )


# --- the chapter list -------------------------------------------------------------------------


def test_chapter_list_naming_a_missing_file_and_a_directory(run_cli, make_project):
    root = make_project(
        {
            "dossier.toml": TOML.replace(
                '  "chapters/01-a.md",\n',
                '  "chapters/01-a.md",\n  "chapters/gone.md",\n  "chapters/folder.md",\n',
            )
        }
    )
    (root / "chapters" / "folder.md").mkdir()
    code, lines = check(run_cli, root)
    assert (code, lines) == (
        1,
        [
            "dossier.toml:5: error: chapter 'chapters/gone.md' not found [load.missing]",
            "dossier.toml:6: error: chapter 'chapters/folder.md' is not a regular file "
            "[load.not-a-file]",
            "2 errors, 0 warnings",
        ],
    )


def test_chapter_listed_twice(run_cli, make_project):
    root = make_project(
        {"dossier.toml": TOML.replace('  "chapters/01-a.md",\n', '  "chapters/01-a.md",\n' * 2)}
    )
    code, lines = check(run_cli, root)
    assert code == 1
    assert len(lines) == 2 and lines[1] == "1 error, 0 warnings"
    assert lines[0].startswith("dossier.toml:")
    assert lines[0].endswith(
        ": error: chapter 'chapters/01-a.md' is listed twice [config.duplicate-chapter]"
    )


def test_chapter_listed_twice_is_reported_at_the_second_listing(run_cli, make_project):
    root = make_project(
        {"dossier.toml": TOML.replace('  "chapters/01-a.md",\n', '  "chapters/01-a.md",\n' * 2)}
    )
    _, lines = check(run_cli, root)
    assert lines[0].startswith("dossier.toml:5: error:")
