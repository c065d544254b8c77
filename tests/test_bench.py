"""bench/run.py end to end on a tiny corpus: every measurement is made and reported, and
its parity check catches a citation that differs from pandoc's. No timing assertions."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bench.corpus import (
    GENERATOR,
    LOCATOR,
    edit_citation,
    edit_locator,
    edit_prose,
    ensure_corpus,
    working_copy,
)
from bench.parity import compare
from bench.run import LABELS, main


@pytest.fixture(scope="module")
def bench_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, dict[str, Any], Path]:
    """`bench/run.py --sizes tiny --repeat 1 --pdf`, once for the module (~10 s)."""
    if not GENERATOR.exists():
        pytest.fail(f"the shared benchmark corpus generator is missing: {GENERATOR}")
    tmp = tmp_path_factory.mktemp("bench")
    out = tmp / "bench.json"
    code = main(
        [
            "--sizes",
            "tiny",
            "--repeat",
            "1",
            "--pdf",
            "--cache",
            str(tmp / "cache"),
            "--keep",
            str(tmp / "work"),
            "--json",
            str(out),
        ]
    )
    report = json.loads(out.read_text(encoding="utf-8")) if out.exists() else {"rows": []}
    return code, report, tmp / "work"


@pytest.mark.slow
def test_every_measurement_is_reported_with_its_command(
    bench_run: tuple[int, dict[str, Any], Path],
) -> None:
    code, report, _ = bench_run
    assert code in (0, 1), "the bench could not run (exit 2)"  # 1: a goal missed
    rows = report["rows"]
    by_key = {row["key"]: row for row in rows}
    assert set(by_key) == set(LABELS)
    for key, row in by_key.items():
        assert row["corpus"] == "tiny"
        assert len(row["values"]) == 1, key
        if row["unit"] != "check":
            assert row["values"][0] > 0, key
            assert row["command"], key
    assert by_key["parity"]["passed"] is True
    assert "make_corpus.py" in report["meta"]["corpora"]["tiny"]
    assert "--citeproc" in by_key["pandoc"]["command"]
    assert "build --html -q -o" in by_key["cold_html"]["command"]
    assert "-m weasyprint" in by_key["weasyprint"]["command"]
    assert by_key["cold_html"]["ratio"] is not None  # paired with pandoc
    assert by_key["help_weasyprint"]["passed"] is True
    assert by_key["html_weasyprint"]["passed"] is True


@pytest.mark.slow
def test_parity_check_flags_the_edited_citation(
    bench_run: tuple[int, dict[str, Any], Path],
) -> None:
    """The kept output is the site after the last warm rebuild, which changed one citation
    key: compared with pandoc's page of the unedited corpus, exactly that one differs."""
    _, _, work = bench_run
    run = work / "tiny" / "run1"
    pandoc_html = (run / "pandoc.html").read_text(encoding="utf-8")
    project = run / "project"
    corpus = next((work.parent / "cache").glob("tiny-*"))
    edited = [
        p
        for p in project.glob("chapters/*.md")
        if p.read_text(encoding="utf-8")
        != (corpus / "chapters" / p.name).read_text(encoding="utf-8")
    ]
    assert len(edited) == 1

    parity = compare(pandoc_html, run / "out" / "html")

    assert not parity.ok
    assert parity.citations > 10
    only_pandoc = [d for d in parity.differences if "only in pandoc" in d]
    only_dossier = [d for d in parity.differences if "only in dossier" in d]
    assert len(only_pandoc) == len(only_dossier) == 1, parity.differences
    assert not [d for d in parity.differences if d.startswith("entry ")]


def test_warm_edits_change_one_chapter(tmp_path: Path) -> None:
    corpus = ensure_corpus("tiny", tmp_path / "cache")
    assert ensure_corpus("tiny", tmp_path / "cache") == corpus  # generated once, then reused
    project = working_copy(corpus, tmp_path / "project")
    before = {p.name: p.read_text(encoding="utf-8") for p in project.glob("chapters/*.md")}

    prose = edit_prose(project)
    cite = edit_citation(project)
    located = edit_locator(project)
    after = {p.name: p.read_text(encoding="utf-8") for p in project.glob("chapters/*.md")}

    assert prose == cite.path == located
    assert after[prose.name].count(LOCATOR + "]") == before[prose.name].count(LOCATOR + "]") + 1
    assert [n for n in before if before[n] != after[n]] == [prose.name]
    assert cite.old != cite.new and f"@{cite.new}" in after[prose.name]
    assert "The benchmark added this sentence" in after[prose.name]
    assert (corpus / "chapters" / prose.name).read_text(encoding="utf-8") == before[prose.name]


@pytest.mark.slow
def test_note_edits_compares_each_rebuild_with_formatting_from_scratch(tmp_path: Path) -> None:
    import subprocess
    import sys

    script = Path(__file__).resolve().parents[1] / "bench" / "note_edits.py"
    cmd = [sys.executable, str(script), "tiny", "oscola", "3", "--seed", "2"]
    cmd += ["--cache", str(tmp_path / "cache")]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.rstrip().endswith("3 edits, 0 rebuilds differ")
