"""The correctness bar: every citation and bibliography entry dossier writes equals what
`pandoc --citeproc` writes for the same chapters, bibliography and style."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from dossier.build import build
from dossier.cite import pandoc_path, resolve_style
from tests.parity import extract

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "bench" / "make_corpus.py"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not CORPUS.exists():
        pytest.fail(f"the shared benchmark corpus generator is missing: {CORPUS}")
    out = tmp_path_factory.mktemp("corpus") / "small"
    subprocess.run([sys.executable, str(CORPUS), str(out), "--size", "small"], check=True,
                   capture_output=True)
    return out


def pandoc_reference(project: Path, style: Path) -> str:
    chapters = sorted(str(p) for p in (project / "chapters").glob("*.md"))
    cmd = [pandoc_path(), *chapters, "--citeproc", "--bibliography",
           str(project / "references.bib"), "--csl", str(style), "-M", "link-citations=true",
           "-M", "lang=en-US", "-t", "html", "--wrap=none"]
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout


def ours(project: Path, style_name: str, out: str) -> tuple[list[tuple[str, str]],
                                                            dict[str, str]]:
    config = project / "dossier.toml"
    text = config.read_text(encoding="utf-8")
    config.write_text("\n".join(line if not line.startswith("csl") else
                                f'csl = "{style_name}"' for line in text.splitlines()) + "\n",
                      encoding="utf-8")
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
