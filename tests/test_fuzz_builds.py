"""Hostile and broken inputs mixed at random, built as a user builds them: in a fresh
process under a 2 GiB address-space limit and a time limit. Whatever the mix, dossier
answers with diagnostics (never "internal error", never a traceback, never a hang), and
a failed build leaves the previous build/ byte for byte as it was (issue 14)."""

from __future__ import annotations

import resource
import shutil
import subprocess
import sys
from pathlib import Path

import hypothesis
import hypothesis.strategies as st
import pytest

pytestmark = pytest.mark.slow  # a few dozen builds in fresh processes

GOOD = {
    "dossier.toml": 'title = "Fuzz"\ncsl = "apa"\nchapters = ["chapters/01-a.md"]\n',
    "chapters/01-a.md": "# Alpha\n\nText [@smith2020].\n",
    "references.bib": "@book{smith2020, author = {Smith, Jane}, title = {A Book},\n"
    "  year = {2020}, publisher = {P}}\n",
}

CHAPTER_PIECES = [
    "Text [@smith2020].",
    '"A quoted [insertion] passage ... with gaps" [@smith2020].',
    "[" * 2000 + "@smith2020" + "]" * 2000,
    "<!--" * 5000,
    "## Same\n\n" * 2000,
    "::: {.note}\nunclosed div",
    "# Heading {" + " " * 5000,
    "![image](img%00.png)",
    "[link](../../etc/passwd) [x](javascript:alert(1))",
    "Text \u202e reversed \u2066 isolate",
    "\x00\x1b]0;title\x07\x1b[2K",
    "[@unknown-key] [@smith2020, p. 4]",
    "| a | b |\n|---|---|\n| 1 | 2 |\n\nTable: caption {#tbl-a}",
    "> quote\n> [@smith2020]",
    "Footnote.[^1]\n\n[^1]: A note [@smith2020].",
    "![Chronology](data/timeline.toml)",
    "---\ntitle: front\n---",
    "$x_1$ and $$y^2$$",
]
BIB_PIECES = [
    "@book{dup, title = {One}, title = {Two}, year = {2020}}",
    "@book{bad<key>, title = {T}, year = {2020}}",
    "@misc{html, title = {Hi <i>x</i>}, url = {javascript:alert(1)}, year = {2020}}",
    "@book{open, title = {Unclosed {brace}, year = {2020}}",
    "@string{a = a # {x}}",
    "@book{cyc, crossref = {cyc}, title = {C}}",
    "@book{ny, author = {Doe, Jo}, title = {N}, year = {n.d.}}",
    "\xff\xfe garbage",
]
CONFIG_EXTRA = [
    "",
    "\n[pdf]\njobs = 42\nmemory_mb = -1\ntimeout = 999999\n",
    'bibliography = "a\\u0000b"\n',
    "x = " + "{a = " * 2000 + "1" + "}" * 2000 + "\n",
    'sources = "../outside"\n',
    'output = "chapters"\n',
]
TIMELINES = [
    "",
    '[[event]]\nyear = 1965\nlabel = "x"\ncite = 5\n',
    '[[event]]\nyear = 1\nlabel = "a"\n[[event]]\nyear = 99999999\nlabel = "b"\n',
    '[[event]]\nyear = 1965\nlabel = "ok"\ncite = ["smith2020"]\n',
]
LOCKS = ["", '{"k": 5}', "[" * 5000 + "]" * 5000, "not json"]


def _limits() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (2 * 1024**3, 2 * 1024**3))


def build(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dossier", "build", "--html", "-C", str(root)],
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=_limits,
    )


def tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@hypothesis.settings(
    max_examples=40,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[hypothesis.HealthCheck.function_scoped_fixture],
)
@hypothesis.given(
    chapter=st.lists(st.sampled_from(CHAPTER_PIECES), min_size=1, max_size=5),
    bib=st.lists(st.sampled_from(BIB_PIECES), max_size=3),
    extra=st.sampled_from(CONFIG_EXTRA),
    bom=st.booleans(),
    timeline=st.sampled_from(TIMELINES),
    lock=st.sampled_from(LOCKS),
)
def test_any_mix_of_bad_inputs_gives_diagnostics_and_keeps_the_last_build(
    tmp_path_factory: pytest.TempPathFactory,
    chapter: list[str],
    bib: list[str],
    extra: str,
    bom: bool,
    timeline: str,
    lock: str,
) -> None:
    root = tmp_path_factory.mktemp("fuzz") / "p"
    for rel, text in GOOD.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    first = build(root)
    assert first.returncode == 0, first.stderr
    before = tree(root / "build")

    (root / "chapters" / "01-a.md").write_text(
        "# Alpha\n\n" + "\n\n".join(chapter) + "\n", encoding="utf-8", errors="surrogatepass"
    )
    (root / "references.bib").write_text(
        GOOD["references.bib"] + "\n".join(bib) + "\n", encoding="utf-8"
    )
    config = GOOD["dossier.toml"] + extra
    (root / "dossier.toml").write_bytes((b"\xef\xbb\xbf" if bom else b"") + config.encode())
    if timeline:
        (root / "data").mkdir(exist_ok=True)
        (root / "data" / "timeline.toml").write_text(timeline, encoding="utf-8")
    if lock:
        (root / "sources.lock").write_text(lock, encoding="utf-8")

    done = build(root)
    shown = done.stderr[-3000:]
    assert "internal error" not in done.stderr, shown
    assert "Traceback" not in done.stderr, shown
    assert done.returncode in (0, 1), shown
    if done.returncode == 1:
        assert tree(root / "build") == before, shown
    shutil.rmtree(root.parent, ignore_errors=True)
