"""Ordinary and hostile inputs that ended in "internal error" (issue 14, item 3): each is
now a diagnostic at its file, or simply works."""

from __future__ import annotations

import os

import pytest

from .conftest import time_limit

CHAPTER = "# A\n\nText [@smith2020].\n"


def build(run_cli, root) -> tuple[int, list[str]]:
    code, err = run_cli(["build", "--html", "-q"], root)
    assert "internal error" not in err and "Traceback" not in err, err
    return code, err.splitlines()


def test_a_config_with_a_byte_order_mark_builds(run_cli, make_project, texts) -> None:
    root = make_project({"dossier.toml": b"\xef\xbb\xbf" + texts.toml.encode("utf-8")})
    assert build(run_cli, root)[0] == 0


def test_a_config_in_utf16_builds(run_cli, make_project, texts) -> None:
    root = make_project({"dossier.toml": texts.toml.encode("utf-16")})
    assert build(run_cli, root)[0] == 0


def test_a_config_with_invalid_utf8_is_an_error_at_its_place(run_cli, make_project, texts):
    root = make_project({"dossier.toml": texts.toml.encode() + b'subtitle = "\xff"\n'})
    code, lines = build(run_cli, root)
    assert code == 1
    assert lines[0].startswith("dossier.toml:5:13: error: invalid UTF-8 byte sequence")


def test_thousands_of_nested_tables_in_the_config(run_cli, make_project, texts) -> None:
    deep = "x = " + "{a = " * 5000 + "1" + "}" * 5000 + "\n"
    root = make_project({"dossier.toml": texts.toml + deep})
    code, lines = build(run_cli, root)
    assert code == 1
    assert lines[0] == (
        "dossier.toml: error: invalid TOML: tables or arrays nested too deeply [config.syntax]"
    )


@pytest.mark.parametrize("key", ["bibliography", "csl", "sources", "output"])
def test_a_nul_in_a_config_path_is_an_error(run_cli, make_project, texts, key) -> None:
    toml = texts.toml.replace('csl = "apa"\n', "")
    root = make_project({"dossier.toml": toml + f'{key} = "a\\u0000b"\n'})
    code, lines = build(run_cli, root)
    assert code == 1
    assert f"dossier.toml:4: error: '{key}' holds a control character [config.type]" in lines


def test_a_nul_in_a_chapter_path_is_an_error(run_cli, make_project) -> None:
    toml = 'title = "T"\nchapters = ["chapters/01-a.md", "chapters/x\\u0000.md"]\n'
    root = make_project({"dossier.toml": toml})
    code, lines = build(run_cli, root)
    assert code == 1
    assert "dossier.toml:2: error: 'chapters' holds a control character [config.type]" in lines


def test_a_nul_in_an_image_or_link_is_not_found(run_cli, make_project) -> None:
    chapter = "# A\n\n[x](a%00b.md) ![i](img%00.png) Text [@smith2020].\n"
    root = make_project({"chapters/01-a.md": chapter})
    code, lines = build(run_cli, root)
    assert code == 1
    assert "chapters/01-a.md:3: error: image 'img%00.png' not found [media.missing]" in lines


TIMELINE_CHAPTER = "# A\n\n![Chronology](data/timeline.toml)\n\nText [@smith2020].\n"


def timeline(make_project, data: str | bytes):
    return make_project({"chapters/01-a.md": TIMELINE_CHAPTER, "data/timeline.toml": data})


def test_timeline_cite_that_is_a_number_is_an_error(run_cli, make_project) -> None:
    root = timeline(make_project, '[[event]]\nyear = 1965\nlabel = "x"\ncite = 5\n')
    code, lines = build(run_cli, root)
    assert code == 1
    assert lines[0] == (
        "data/timeline.toml:1: error: event 1: 'cite' must be a key or a list of keys "
        "[timeline.field]"
    )


def test_timeline_in_invalid_utf8_is_reported_at_its_line(run_cli, make_project) -> None:
    root = timeline(make_project, b'[[event]]\nyear = 1965\nlabel = "\xff"\n')
    code, lines = build(run_cli, root)
    assert code == 1
    assert lines[0].startswith("data/timeline.toml:3:10: error: invalid UTF-8 byte sequence")


def test_timeline_in_utf16_is_read(run_cli, make_project) -> None:
    root = timeline(make_project, '[[event]]\nyear = 1965\nlabel = "x"\n'.encode("utf-16"))
    assert build(run_cli, root)[0] == 0


def test_timeline_years_far_apart_are_refused_not_drawn(run_cli, make_project) -> None:
    """Drawn to scale, years 1 and 99,999,999 made a 900-million-pixel figure."""
    data = '[[event]]\nyear = 1\nlabel = "x"\n[[event]]\nyear = 99999999\nlabel = "y"\n'
    root = timeline(make_project, data)
    code, lines = build(run_cli, root)
    assert code == 1
    assert lines[0] == (
        "chapters/01-a.md:3: error: the events run from 1 to 99999999; a timeline spans at "
        "most 5,000 years (it is drawn to scale) (split it into timelines of nearby years) "
        "[timeline.field]"
    )


def events(count: int) -> str:
    return "".join(f'[[event]]\nyear = {1900 + n % 100}\nlabel = "e{n}"\n' for n in range(count))


def test_a_timeline_of_1000_events_builds(run_cli, make_project) -> None:
    root = timeline(make_project, events(1000))
    assert build(run_cli, root)[0] == 0
    assert "e999" in (root / "build" / "html" / "01-a.html").read_text(encoding="utf-8")


def test_a_timeline_of_12000_events_is_refused_not_drawn(run_cli, make_project) -> None:
    """One row per event: 12,000 events drew a 200,000 px figure (28 s with the PDF)."""
    root = timeline(make_project, events(12000))
    code, lines = build(run_cli, root)
    assert code == 1
    assert lines[0] == (
        "chapters/01-a.md:3: error: the timeline has 12,000 events; one timeline shows at "
        "most 1,000 (split it into several timelines, by period or by theme) "
        "[timeline.too-long]"
    )


def test_5000_headings_build(run_cli, make_project) -> None:
    root = make_project({"chapters/01-a.md": CHAPTER + "\n## Same\n" * 4999})
    assert build(run_cli, root)[0] == 0


def test_60000_identical_headings_are_refused_at_the_first_past_the_limit(
    run_cli, make_project
) -> None:
    """60,000 headings made a 3,300-page PDF with a 60,000-line contents (minutes)."""
    root = make_project({"chapters/01-a.md": CHAPTER + "\n## Same\n" * 60_000})
    with time_limit(60, lambda: AssertionError("60,000 headings hang")):
        code, lines = build(run_cli, root)
    assert code == 1
    assert lines[0] == (
        "chapters/01-a.md:10003: error: more than 5,000 headings in the dossier; this is "
        "the first past the limit (make the deeper ones bold paragraphs, or split the "
        "dossier) [md.too-many-headings]"
    )


def test_the_pdf_contents_lists_chapters_only_past_500_sections() -> None:
    """Each contents line's page number (target-counter) makes WeasyPrint lay the
    contents out again: 2,000 sections added 20 s."""
    from dossier.render.pdf.document import MAX_CONTENTS_SECTIONS, print_contents
    from dossier.resolve.collect import ChapterInfo, Heading

    def chapter(sections: int) -> ChapterInfo:
        heads = [Heading(1, "a", "1", "", "A")]
        heads += [Heading(2, f"s{n}", f"1.{n}", "", "S") for n in range(sections)]
        return ChapterInfo(1, "chapters/01-a.md", "01-a.html", "A", tuple(heads), (), ())

    assert len(print_contents([chapter(MAX_CONTENTS_SECTIONS)])[0]["sections"]) == 500
    assert print_contents([chapter(MAX_CONTENTS_SECTIONS + 1)])[0]["sections"] == []


def test_a_long_contents_is_noted_in_a_pdf_build(run_cli, make_project, monkeypatch) -> None:
    import dossier.render.pdf.document as pdf_step

    monkeypatch.setattr(pdf_step, "MAX_CONTENTS_SECTIONS", 3)
    monkeypatch.setattr(pdf_step, "render_pdf", lambda *args: ([], {}))  # the note, not the PDF
    root = make_project({"chapters/01-a.md": CHAPTER + "\n## S\n" * 4})
    code, err = run_cli(["build", "--pdf", "-q"], root)
    assert code == 0, err
    assert (
        "test-dossier.pdf: note: the PDF's contents lists chapters only: the dossier has "
        "more than 3 sections (the site's contents lists them all) [pdf.contents-long]"
    ) in err.splitlines()


@pytest.mark.slow  # a flood: 30,000 missing files reported
def test_a_config_listing_30000_chapters_is_read_in_linear_time(run_cli, make_project) -> None:
    """Each chapter's line was found by scanning the config again (30 s for 30,000)."""
    listed = ", ".join(f'"chapters/{n}.md"' for n in range(30_000))
    root = make_project(
        {"dossier.toml": f'title = "T"\nchapters = ["chapters/01-a.md", {listed}]\n'}
    )
    with time_limit(60, lambda: AssertionError("reading 30,000 chapter names hangs")):
        code, lines = build(run_cli, root)
    assert code == 1
    assert lines[0] == "dossier.toml:2: error: chapter 'chapters/0.md' not found [load.missing]"
    assert lines[-1] == "30000 errors, 0 warnings"


def test_odd_files_in_the_sources_folder_are_named_not_skipped(run_cli, make_project, tmp_path):
    """FIFOs, links to folders and links out of the project were skipped silently."""
    root = make_project({"sources/notes.txt": "kept quiet: an ordinary file\n"})
    sources = root / "sources"
    os.mkfifo(sources / "pipe.txt")
    (sources / "etc").symlink_to("/etc", target_is_directory=True)
    (root / "folder").mkdir()
    (sources / "sub").symlink_to("../folder", target_is_directory=True)
    code, err = run_cli(["check", "-q"], root)
    assert code == 0, err
    assert err.splitlines() == [
        "sources/etc: warning: 'sources/etc' points outside the project; it is ignored "
        "[source.outside]",
        "sources/pipe.txt: warning: 'sources/pipe.txt' is not a regular file (a FIFO, device "
        "or socket); it is ignored [source.not-a-file]",
        "sources/sub: warning: 'sources/sub' links to something that is not a regular file; "
        "it is ignored [source.not-a-file]",
        "0 errors, 3 warnings",
    ]


def test_bidirectional_controls_in_a_chapter_are_warned_about(run_cli, make_project) -> None:
    """Trojan Source: U+202E and the isolates passed silently."""
    chapter = "# A\n\nAccess \u202eresu\u2066 level\u2069 granted [@smith2020].\n"
    root = make_project({"chapters/01-a.md": chapter})
    code, err = run_cli(["check", "-q"], root)
    assert code == 0, err
    hint = "(remove it, unless the text around it is meant to be shown reordered) [md.bidi]"
    assert err.splitlines() == [
        f"chapters/01-a.md:3:8: warning: invisible bidirectional control \\u202e changes the "
        f"order readers see the text in {hint}",
        f"chapters/01-a.md:3:13: warning: invisible bidirectional control \\u2066 changes the "
        f"order readers see the text in {hint}",
        f"chapters/01-a.md:3:20: warning: invisible bidirectional control \\u2069 changes the "
        f"order readers see the text in {hint}",
        "0 errors, 3 warnings",
    ]
    assert run_cli(["check", "-q", "--strict"], root)[0] == 1


def test_html_and_unlinkable_urls_in_bibtex_fields_are_reported(run_cli, make_project) -> None:
    """They were escaped (shown as text, or not linked) without a word."""
    bib = (
        "@misc{tagged, author = {Doe, Jo}, title = {Hi <i>there</i>}, year = {2020}}\n"
        "@misc{scripted, author = {Roe, Al}, title = {A < B > C}, year = {2020},\n"
        "  url = {javascript:alert(1)}}\n"
    )
    root = make_project(
        {"references.bib": bib, "chapters/01-a.md": "# A\n\nText [@tagged; @scripted].\n"}
    )
    code, err = run_cli(["check", "-q"], root)
    assert code == 0, err
    assert err.splitlines() == [
        "references.bib:1: warning: entry 'tagged': field 'title' holds the HTML tag '<i>', "
        "which is printed as text (write formatting in LaTeX (\\emph{...}, \\textbf{...}) or "
        "remove the tag) [bib.markup]",
        "references.bib:3: warning: entry 'scripted': url 'javascript:alert(1)' is not linked: "
        "'javascript:' links are not allowed (only http, https and mailto) (give an http or "
        "https address) [bib.markup]",
        "0 errors, 2 warnings",
    ]


def test_more_than_1000_entries_alike_are_refused_before_pandoc(run_cli, make_project) -> None:
    """6,000 entries with the same author and year kept pandoc busy for 554 s."""
    bib = "".join(
        f"@book{{k{n}, author = {{Smith, Jane}}, title = {{Title {n}}}, year = {{2020}},\n"
        "  publisher = {P}}\n"
        for n in range(1001)
    )
    chapter = "# A\n\n" + " ".join(f"[@k{n}]" for n in range(1001)) + "\n"
    root = make_project({"references.bib": bib, "chapters/01-a.md": chapter})
    with time_limit(60, lambda: AssertionError("1,001 alike entries hang the build")):
        code, lines = build(run_cli, root)
    assert code == 1
    assert lines == [
        "references.bib:2001: error: 1,001 cited entries share the author and year of 'k0'; "
        "Pandoc tells more than 1,000 apart (2020a, 2020b, ...) only in many minutes (check "
        "for duplicated entries, or give the entries their real authors and years) "
        "[cite.too-many-alike]",
        "1 error, 0 warnings",
    ]
    code, err = run_cli(["check", "-q"], root)  # found without formatting, too
    assert (code, err.splitlines()) == (1, lines)


def test_bidirectional_controls_in_a_chapter_file_name_are_warned_about(run_cli, make_project):
    name = "chapters/01-\u202egpj.md"
    toml = f'title = "T"\nchapters = ["{name}"]\n'
    root = make_project({"dossier.toml": toml, name: "# A\n\nText [@smith2020].\n"})
    code, err = run_cli(["check", "-q"], root)
    assert code == 0, err
    assert err.splitlines()[0].startswith(
        "dossier.toml:2:26: warning: invisible bidirectional control \\u202e"
    )
