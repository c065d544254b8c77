"""Property tests: whatever Markdown and BibTeX a project holds, `dossier check` answers
with diagnostics, never a traceback or a hang, and every diagnostic points at a line
that exists in its file."""

from __future__ import annotations

import contextlib
import io
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dossier import build as pipeline
from dossier.cli import main

from .conftest import time_limit

PER_EXAMPLE_SECONDS = 20  # a hang guard, far above the few milliseconds a check takes
# Deterministic in CI; DOSSIER_EXAMPLES=5000 searches further on a developer's machine.
EXAMPLES = int(os.environ.get("DOSSIER_EXAMPLES", "0")) or None
SETTINGS = {
    "derandomize": True,
    "database": None,
    "deadline": None,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
}

TOML = """\
title = "Property"
csl = "apa"
chapters = ["chapters/a.md", "chapters/b.md"]
"""
KEYS = ["smith2020", "jones2019", "a", "b", "Ünï", "x:y", "k-1", "doe"]

# --- Markdown ------------------------------------------------------------------------

any_key = st.one_of(
    st.sampled_from(KEYS),
    st.from_regex(r"[A-Za-z_][\w:.#$%&+?<>~/-]{0,12}", fullmatch=True),
    st.sampled_from(
        [
            "{braced key}",
            "{",
            "}",
            "",
            "sec-",
            "fig-x",
            "tbl-t1",
            "sec-s1",
            "smith2020.",
            "a\u200bb",
        ]
    ),
)
words = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)
plain = st.text(
    st.characters(codec="utf-8", categories=("L", "N", "Zs", "P", "S"), exclude_characters="\r"),
    max_size=20,
)


def _citation(a: str, b: str, text: str, form: int) -> str:
    forms = [
        f"[@{a}]",
        f"@{a}",
        f"[-@{a}, p. 3]",
        f"[see @{a}; @{b}]",
        f"@{a} [p. 7]",
        f"[@{a}, pp. 3--5, {text}]",
        f"[@{a}",
        f"@{a}]",
        f"[@{a};]",
        f"[;@{a} @{b}]",
        f"[-@{a}]",
        f"\\[@{a}]",
        f"mail@{a}.org",
        f"[@@{a}]",
        f"[{text} @{a} {text}]",
    ]
    return forms[form % len(forms)]


citation = st.builds(_citation, any_key, any_key, plain, st.integers(0, 14))
MARKUP = [
    "[",
    "]",
    "{",
    "}",
    "[^1]",
    "[^nope]",
    "`code`",
    "``",
    "\\",
    "<span>",
    "</div>",
    "<script>alert(1)</script>",
    "<!--",
    "-->",
    "&amp;",
    "&#0;",
    "@sec-s1",
    "@fig-f1",
    "@tbl-t1",
    "@sec-nope",
    "![A dot](dot.png){#fig-f1}",
    "![x](http://example.org/x.png)",
    "[link](javascript:alert(1))",
    "--",
    "---",
    "...",
    "{#id}",
    "[" * 60,
    "]" * 60,
    "@{unterminated",
    "[@{a b}]",
    "\u2028",
    "\x0c",
    "\x85",
    "\t",
    "\u202e",
    "*" * 40,
]


def _inline(text: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    piece = st.one_of(
        citation,
        text,
        st.builds(lambda t, c: f'"{t}" {c}', text, citation),
        st.builds(lambda t: f"*{t}*", text),
        st.builds(lambda t: f"**{t}**", text),
        st.builds(lambda t: f"_{t}_", text),
        st.sampled_from(MARKUP),
    )
    return st.lists(piece, max_size=6).map(" ".join)


def _block(line: str, more: str, cite: str, word: str, form: int) -> str:
    forms = [
        line,
        f"# {line}",
        f"## {line} {{#sec-s1}}",
        f"### {line} {{-}}",
        f"#### {line} {{.unnumbered}}",
        f"- {line}\n- {more}",
        f"1. {line}\n2. {more}",
        f"> {line}\n> > {more}",
        f"| a | b |\n|---|---|\n| {line} | {cite} |",
        f"| a |\n|---|\n| {line} |\n\nTable: {more} {{#tbl-t1}}",
        f"::: note\n{line}\n:::",
        f"::: {{#div-{form % 3} .warn}}\n{line}",
        ":::",
        f":::: outer\n::: inner\n{line}\n:::\n::::",
        f"[^1]: {line}",
        f"[^1]: {line}\n\n    {more}",
        f"Term\n: {line}",
        f"```\n{line}\n```",
        f"```{word}\n{line}",
        f"<div>\n{line}\n</div>",
        f"![{line}](dot.png){{#fig-f1}}",
        "---",
        "***",
        "",
        "> " * 60 + line,
        "- " * 40 + line,
        "::: a\n" * 40 + line,
        "    " * 30 + line,
    ]
    return forms[form % len(forms)]


FRONT = [
    "",
    "---\ntitle: T\n---\n",
    "---\ntitle: [unclosed\n---\n",
    "---\n- a list\n---\n",
    "---\n",
]
ENDINGS = ["\n", "", "\n\n\n", "\r\n"]


def _document(text: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    line = _inline(text)
    block = st.builds(_block, line, line, citation, plain, st.integers(0, 27))
    return st.builds(
        lambda front, blocks, end: front + "\n\n".join(blocks) + end,
        st.sampled_from(FRONT),
        st.lists(block, max_size=8),
        st.sampled_from(ENDINGS),
    )


hostile_document = _document(words)
valid_document = _document(plain)

# --- BibTeX --------------------------------------------------------------------------

bib_key = st.one_of(
    st.sampled_from(KEYS),
    st.sampled_from(["", "key with space", "k,", "{", "@", "ö-ä", "a" * 80]),
    st.from_regex(r"[\w:.-]{1,10}", fullmatch=True),
)
value = st.one_of(
    plain,
    st.sampled_from(
        [
            "{unbalanced",
            "}",
            "{{nested}}",
            "\\'e",
            "$x$",
            "\\",
            "a # b",
            '"quoted"',
            "%comment",
            "{" * 80,
            "\u2028",
            "\x0c",
        ]
    ),
)


def _valid_entry(kind: str, key: str, v: str) -> str:
    return (
        f"@{kind}{{{key},\n  author = {{{v or 'Anon'}}},\n  title = {{T {v}}},\n"
        f"  journal = {{J}},\n  booktitle = {{B}},\n  year = {{2020}},\n}}"
    )


def _garbage_entry(valid: str, key: str, other: str, v: str, form: int) -> str:
    s = other or "s"
    forms = [
        valid,
        f"@book{{{key},\n  title = {{{v}\n",
        f"@book{{{key}, title = {v}}}",
        f'@string{{{s} = "{v}"}}\n@book{{{key}, title = {s} # " x"}}',
        "@string{s = s # s}",
        f"@incollection{{{key}, title = {{C}}, crossref = {{{other}}}}}",
        f"@book{{{key}, crossref = {{{key}}}}}",
        f"@book{{{key}, title = {{A}} author = {{B}}}}",
        f"@comment{{{v}}}",
        f'@preamble{{"{v}"}}',
        v,
        "@",
        "@book",
        "@book{",
        f"@book({key}, title = {{Paren}})",
        f"@book{{{key}, month = jan, year = 2020}}",
        f"@book{{{key}, title = {{{v}}}, title = {{again}}}}",
    ]
    return forms[form % len(forms)]


KINDS = st.sampled_from(["book", "article", "misc", "incollection", "Online"])
valid_entry = st.builds(_valid_entry, KINDS, bib_key, plain)
hostile_entry = st.builds(
    _garbage_entry,
    st.builds(_valid_entry, KINDS, bib_key, value),
    bib_key,
    bib_key,
    value,
    st.integers(0, 16),
)
valid_bibliography = st.lists(valid_entry, max_size=6).map(lambda e: "\n\n".join(e) + "\n")
hostile_bibliography = st.lists(hostile_entry, max_size=6).map(lambda e: "\n\n".join(e) + "\n")


# --- running check --------------------------------------------------------------------


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One project folder, its chapters and bibliography rewritten for every example."""
    root = tmp_path_factory.mktemp("prop") / "proj"
    (root / "chapters").mkdir(parents=True)
    (root / "dossier.toml").write_text(TOML, encoding="utf-8")
    (root / "chapters" / "dot.png").write_bytes(b"\x89PNG\r\n\x1a\nnot really")
    return root


def _write(root: Path, first: str, second: str, bib: str) -> dict[str, str]:
    files = {"chapters/a.md": first, "chapters/b.md": second, "references.bib": bib}
    for rel, text in files.items():
        (root / rel).write_bytes(text.encode("utf-8"))
    return files


class Hang(Exception):
    pass


def hang_guard(seconds: int = PER_EXAMPLE_SECONDS) -> contextlib.AbstractContextManager[None]:
    return time_limit(seconds, lambda: Hang(f"dossier check took more than {seconds} s"))


@pytest.mark.slow
@settings(max_examples=EXAMPLES or 120, **SETTINGS)
@given(first=hostile_document, second=hostile_document, bib=hostile_bibliography)
def test_check_never_crashes_nor_hangs(project, first, second, bib):
    _write(project, first, second, bib)
    err = io.StringIO()
    with hang_guard(), contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = main(["check", "-q", "-C", str(project)])
    assert "internal error" not in err.getvalue(), err.getvalue()
    assert "Traceback" not in err.getvalue(), err.getvalue()
    assert code in (0, 1)
    assert code == 0 or "error" in err.getvalue()


def _lines(text: str) -> list[str]:
    """Lines as an editor shows them: CR LF, CR and LF end a line; an empty file has one."""
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


@pytest.mark.slow
@settings(max_examples=EXAMPLES or 80, **SETTINGS)
@given(first=valid_document, second=valid_document, bib=valid_bibliography)
def test_every_diagnostic_points_at_a_line_of_its_file(project, first, second, bib):
    files = _write(project, first, second, bib)
    with hang_guard():
        result = pipeline.check(project, progress=lambda message: None)
    for diag in result.diagnostics:
        assert diag.location is not None, diag.format()
        if diag.location.path in files:
            text = files[diag.location.path]
            lines = _lines(text)
            line, col = diag.location.line, diag.location.col
            assert 1 <= line <= len(lines), (diag.format(), text)
            assert 0 <= col <= len(lines[line - 1]) + 1, (diag.format(), text)


# --- the build cache's chapter scans -------------------------------------------------


@settings(max_examples=EXAMPLES or 150, **SETTINGS)
@given(hostile_document)
def test_a_chapter_scan_comes_back_from_the_cache_unchanged(text: str) -> None:
    """What a warm build takes from the cache is what a cold build would have found: the
    scan and the tree, which agree on the order of headings, numbered blocks and
    citations (each node's ref is its place among the scan's)."""
    import json

    from dossier.model import tree
    from dossier.read.record import ChapterRecord
    from dossier.read.scan import from_json, read_chapter, to_json
    from dossier.resolve.collect import collect

    chapter, record = read_chapter(text, "chapters/a.md")
    kept = ChapterRecord.from_json(json.loads(json.dumps(record.to_json())))
    assert kept == record
    again, _ = read_chapter(text, "chapters/a.md", kept)
    assert again.tree is None  # taken from the record, not read again
    assert again.scan == chapter.scan
    assert from_json(json.loads(json.dumps(to_json(chapter.scan))), "chapters/a.md") == chapter.scan
    assert again.document() == chapter.document()
    collected, _ = collect([chapter.scan], KEYS)
    info = collected.chapters[0]
    refs: dict[type, list[int]] = {tree.Heading: [], tree.Cite: []}
    for node in tree.walk(again.document()):
        if isinstance(node, (tree.Heading, tree.Cite)):
            refs[type(node)].append(node.ref)
    assert refs[tree.Heading] == list(range(len(info.headings)))
    assert refs[tree.Cite] == list(range(len(info.clusters)))
