"""Golden outputs: each project in tests/roots/ that has a tests/golden/<name>/ tree is
built and its output compared with that tree, file by file: the HTML pages and
changes.json byte for byte, the PDF as its text (pdftotext) and outline.

A change to the output shows up here as a diff to review. When it is intended,
regenerate the trees and commit them with the change:

    DOSSIER_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_golden.py

The theme's own assets (style.css, site.js, the search index) are left out, and so is
the copy of the PDF in the site (its text and outline are compared instead).
"""

from __future__ import annotations

import difflib
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from dossier import build as pipeline

ROOTS = Path(__file__).parent / "roots"
GOLDEN = Path(__file__).parent / "golden"
NAMES = sorted(p.name for p in GOLDEN.iterdir() if p.is_dir()) if GOLDEN.is_dir() else []
UPDATE = os.environ.get("DOSSIER_UPDATE_GOLDEN") == "1"
_FINGERPRINT = re.compile(r"(assets/[\w-]+)\.[0-9a-f]{10}\.")
EPOCH = "1700000000"  # 14 November 2023: the date every golden build is stamped with


def outputs(build: Path, pdf: bool) -> dict[str, str]:
    """Relative path -> text of every compared output."""
    found: dict[str, str] = {}
    html = build / "html"
    for path in sorted(html.rglob("*")):
        rel = path.relative_to(build).as_posix()
        if path.is_file() and path.suffix == ".html" and not rel.startswith("html/assets/"):
            # the theme's asset fingerprints change with every edit of the theme
            found[rel] = _FINGERPRINT.sub(r"\1.HASH.", path.read_text(encoding="utf-8"))
    found["changes.json"] = (build / "changes.json").read_text(encoding="utf-8")
    if pdf:
        (made,) = build.glob("*.pdf")
        found["pdf/text.txt"] = pdf_text(made)
        found["pdf/outline.txt"] = pdf_outline(made)
    return found


def pdf_text(path: Path) -> str:
    pages = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout.split("\f")
    return "".join(f"--- page {n} ---\n{page.rstrip()}\n" for n, page in enumerate(pages, 1))


def pdf_outline(path: Path) -> str:
    from pypdf import PdfReader

    reader = PdfReader(str(path))
    lines: list[str] = []

    def walk(items: list[object], depth: int = 0) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item, depth + 1)
            else:
                page = reader.get_destination_page_number(item)  # type: ignore[arg-type]
                lines.append(f"{'  ' * depth}{item.title} (p. {page + 1})")  # type: ignore[attr-defined]

    walk(reader.outline)
    return "\n".join(lines) + "\n"


def expected(name: str) -> dict[str, str]:
    root = GOLDEN / name
    return {
        p.relative_to(root).as_posix(): p.read_text(encoding="utf-8")
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def diff(rel: str, want: str, got: str) -> str:
    lines = difflib.unified_diff(
        want.splitlines(), got.splitlines(), f"golden/{rel}", f"built/{rel}", lineterm="", n=2
    )
    return "\n".join(list(lines)[:60])


@pytest.mark.parametrize("pdf", [False, pytest.param(True, marks=pytest.mark.slow)])
@pytest.mark.parametrize("name", NAMES)
def test_output_equals_the_golden_tree(name: str, pdf: bool, tmp_path, monkeypatch) -> None:
    if pdf and shutil.which("pdftotext") is None:
        pytest.fail("pdftotext (poppler-utils) is missing: `make build` installs it")
    root = tmp_path / name
    shutil.copytree(ROOTS / name, root)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    result = pipeline.build(root, html=True, pdf=pdf, progress=lambda _: None)
    assert not [d for d in result.diagnostics if d.severity.value == "error"]
    # the HTML of a build with the PDF links the PDF: each variant compares its own part
    got = {k: v for k, v in outputs(root / "build", pdf).items() if k.startswith("pdf/") == pdf}
    want = {k: v for k, v in expected(name).items() if k.startswith("pdf/") == pdf}
    if UPDATE:
        target = GOLDEN / name
        for rel, text in got.items():
            (target / rel).parent.mkdir(parents=True, exist_ok=True)
            (target / rel).write_text(text, encoding="utf-8")
        for rel in set(want) - set(got):
            (target / rel).unlink()
        return
    assert sorted(got) == sorted(want), "the output files differ from the golden tree"
    changed = [diff(rel, want[rel], got[rel]) for rel in sorted(got) if got[rel] != want[rel]]
    assert not changed, (
        "output differs from tests/golden/ (if intended: DOSSIER_UPDATE_GOLDEN=1):\n"
        + "\n\n".join(changed)
    )
