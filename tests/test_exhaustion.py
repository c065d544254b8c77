"""Pathological Markdown: deep nesting, floods, huge files. Each run finishes in bounded
time and memory, or is refused with a clear message: never a RecursionError, never a
hang. The CLI runs in a subprocess with a wall-clock guard, so a hang fails the test."""

from __future__ import annotations

import subprocess
import sys

import pytest

from .conftest import time_limit

GUARD = 120  # seconds; generous on purpose: this is a hang detector, not a timing test
HEAD = "# Alpha\n\nText citing [@smith2020].\n\n"


def dossier(root, *args: str) -> tuple[int, list[str]]:
    proc = subprocess.run(
        [sys.executable, "-m", "dossier", *args, "-q", "-C", str(root)],
        capture_output=True,
        text=True,
        timeout=GUARD,
        check=False,
    )
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr, proc.stderr[
        -2000:
    ]
    return proc.returncode, proc.stderr.splitlines()


def page(root) -> str:
    return (root / "build" / "html" / "01-a.html").read_text(encoding="utf-8")


# --- refused with a clear message -------------------------------------------------------------

TOO_DEEP = (
    "error: blocks nested more than 48 levels deep (block quotes, lists, fenced divs); "
    "what lies deeper is not shown (flatten the nesting) [md.too-deep]"
)
DEEP = {
    "block-quotes": (">" * 10_000 + " deep\n", 5),
    "list-items": ("- " * 10_000 + "deep\n", 5),
    "fenced-divs": ("::: note\n" * 10_000 + "deep\n" + ":::\n" * 10_000, 54),
}


@pytest.mark.parametrize("case", sorted(DEEP))
def test_nesting_10000_deep_is_refused_not_silently_cut(make_project, case):
    body, line = DEEP[case]
    root = make_project({"chapters/01-a.md": HEAD + body})
    for command in (["check"], ["build", "--html"]) if case == "block-quotes" else (["check"],):
        code, lines = dossier(root, *command)
        assert (code, lines) == (1, [f"chapters/01-a.md:{line}: {TOO_DEEP}", "1 error, 0 warnings"])
    assert not (root / "build").exists()


def test_nesting_within_the_limit_builds(make_project):
    root = make_project(
        {"chapters/01-a.md": HEAD + ">" * 40 + " deep [@smith2020]\n\n" + "- " * 20 + "item\n"}
    )
    code, lines = dossier(root, "build", "--html")
    assert code == 0 and not [line for line in lines if ": error: " in line]
    html = page(root)
    assert html.count("<blockquote>") == 40 and "deep" in html and "ref-smith2020" in html
    assert html.count("<ul>") == 20 and "item" in html


def test_a_20_mb_chapter_is_refused(make_project):
    root = make_project({"chapters/01-a.md": HEAD + "Lorem ipsum dolor sit amet.\n" * 750_000})
    code, lines = dossier(root, "check")
    assert (code, lines) == (
        1,
        [
            "dossier.toml:4: error: chapter 'chapters/01-a.md' is larger "
            "than 8 MB [load.too-large]",
            "references.bib:1: warning: entry 'smith2020' is never cited "
            "(cite it, list it under 'nocite' in dossier.toml, or remove "
            "it) [cite.unused-entry]",
            "1 error, 1 warning",
        ],
    )


# --- finishes and builds ------------------------------------------------------------------------


def test_10000_nested_brackets_around_a_citation(make_project):
    root = make_project(
        {
            "chapters/01-a.md": HEAD
            + "[" * 10_000
            + "@smith2020"
            + "]" * 10_000
            + "\n\n"
            + "[" * 10_000
            + "unclosed @smith2020\n"
        }
    )
    code, lines = dossier(root, "build", "--html")
    assert code == 0 and not [line for line in lines if ": error: " in line]
    assert page(root).count('href="bibliography.html#ref-smith2020"') == 3


@pytest.mark.slow
def test_emphasis_flood(make_project):
    root = make_project({"chapters/01-a.md": HEAD + "*a **b " * 50_000 + "\n"})
    code, lines = dossier(root, "build", "--html")
    assert (code, lines) == (0, [])
    assert page(root).count("a **b") + page(root).count("<em>") > 1000


def test_table_of_5000_columns(make_project):
    row = "|" + "".join(f" c{n} |" for n in range(5000))
    rule = "|" + "---|" * 5000
    root = make_project({"chapters/01-a.md": HEAD + "\n".join([row, rule, row]) + "\n"})
    code, lines = dossier(root, "build", "--html")
    assert (code, lines) == (0, [])
    assert page(root).count("<td") == 5000


@pytest.mark.slow
def test_table_of_5000_columns_in_the_pdf(make_project):
    """One process laid the 10,000 cells out twice ("Cited on" needs the pages first):
    25 s. So dense a document is laid out in parts, like a long one: about 15 s."""
    from dossier.render.pdf import document as pdf_step

    row = "|" + "".join(f" c{n} |" for n in range(5000))
    rule = "|" + "---|" * 5000
    root = make_project({"chapters/01-a.md": HEAD + "\n".join([row, rule, row]) + "\n"})
    with time_limit(120, lambda: AssertionError("the wide table's PDF hangs")):
        code, lines = dossier(root, "build")
    assert (code, lines) == (0, [])
    assert (root / "build" / "test-dossier.pdf").read_bytes().startswith(b"%PDF-")
    assert pdf_step.jobs_for(_config(root), "<td>" * 10_000) >= min(2, _cores())


def _config(root):
    from dossier.config import load_config

    config, _ = load_config(root)
    return config


def _cores() -> int:
    from dossier import limits

    return limits.cores()


def test_heading_of_1_mb(make_project):
    title = "word " * 200_000
    root = make_project({"chapters/01-a.md": f"# {title}\n\nText citing [@smith2020].\n"})
    code, lines = dossier(root, "build", "--html")
    assert (code, lines) == (0, [])
    assert page(root).count("word word") > 1000


@pytest.mark.slow
def test_250000_images_of_one_file(make_project, texts):
    """Each reference was resolved on its own: 26 s for 250,000 of the same image."""
    chapter = HEAD + "![i](../img/dot.png) " * 250_000 + "\n"
    root = make_project({"chapters/01-a.md": chapter, "img/dot.png": texts.png()})
    code, lines = dossier(root, "build", "--html")
    assert (code, lines) == (0, [])
    assert page(root).count('src="media/img/dot.png"') == 250_000


@pytest.mark.slow
def test_4999_identical_headings(make_project):
    """Each repeat counted its suffix up from 2 again: minutes for 60,000 headings. Now a
    dossier holds at most 5,000 headings (test_odd_inputs); repeats count from -1 as
    Pandoc's do."""
    root = make_project({"chapters/01-a.md": HEAD + "## Same\n\n" * 4999})
    code, lines = dossier(root, "build", "--html")
    assert (code, lines) == (0, [])
    html = page(root)
    assert 'id="same"' in html and 'id="same-1"' in html and 'id="same-4998"' in html


@pytest.mark.slow
def test_100000_citations_in_one_chapter(make_project):
    root = make_project({"chapters/01-a.md": HEAD + "[@smith2020] " * 100_000 + "[@nobody]\n"})
    code, lines = dossier(root, "check")
    assert (code, lines) == (
        1,
        [
            "chapters/01-a.md:5:1300001: error: unknown citation key 'nobody' [cite.unknown-key]",
            "1 error, 0 warnings",
        ],
    )
