"""Reproducible builds: the same inputs give the same bytes, whatever the output folder,
wherever the project lies, and whenever it is built (with SOURCE_DATE_EPOCH set).
No output holds the project's absolute path or the date of the build."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pypdf import PdfReader
from pypdf.generic import StreamObject

from dossier.cache import CACHE_NAME
from tests.conftest import BuiltProject, write_project

EPOCH = "1700000000"  # 2023-11-14 22:13:20 UTC: a day that is not today
EPOCH_DAY = "2023-11-14"
PDF = "reproducible-report.pdf"

FILES: dict[str, str] = {
    "dossier.toml": """\
title = "Reproducible Report"
authors = ["Ann Author"]
date = "2024-01-02"
csl = "apa"
chapters = ["chapters/01-first.md", "chapters/02-second.md"]
""",
    "chapters/01-first.md": """\
# First {#sec-first}

Text citing [@smith2020, p. 4], who wrote "a quoted passage" [@smith2020].[^n]

![A dot.](../img/dot.png){#fig-dot}

See @fig-dot and @sec-second.

[^n]: A note citing @jones2019.
""",
    "chapters/02-second.md": """\
# Second {#sec-second}

| Year | Count |
|------|-------|
| 1990 | 12    |

Table: Counts {#tbl-counts}

Back to @sec-first and @tbl-counts [see @jones2019; @smith2020].
""",
    "sources/smith2020.txt": "Somewhere in the book: a quoted passage, and more.\n",
}


def _files(texts) -> dict[str, str | bytes]:
    return {
        **FILES,
        "chapters/01-a.md": None,
        "img/dot.png": texts.png(),
        "references.bib": texts.smith + "\n" + texts.jones,
    }


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every output file's bytes, except the build cache: it records the size and mtime
    of the inputs and the build settings, to find out cheaply that nothing changed, so
    it differs between checkouts by design. It is checked for paths and dates below."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != CACHE_NAME
    }


@pytest.fixture(scope="module")
def twins(tmp_path_factory, texts) -> tuple[Path, Path]:
    """The same project twice, at two unrelated absolute paths."""
    first = tmp_path_factory.mktemp("first") / "report"
    second = tmp_path_factory.mktemp("second") / "elsewhere" / "deeper" / "report-copy"
    write_project(first, _files(texts))
    shutil.copytree(first, second)
    return first, second


@pytest.fixture(scope="module")
def epoch() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SOURCE_DATE_EPOCH", EPOCH)
        yield


def _three_builds(
    twins: tuple[Path, Path], build_project: Callable[..., BuiltProject], prefix: str, **kinds: bool
) -> tuple[Path, Path, Path]:
    """Project one into two output folders, project two into the first of them."""
    first, second = twins
    outs = []
    for root, out in ((first, f"{prefix}-a"), (first, f"{prefix}-b"), (second, f"{prefix}-a")):
        built = build_project(root, output=out, **kinds)
        assert built.result.ok, [d.format() for d in built.result.diagnostics]
        outs.append(root / out)
    return outs[0], outs[1], outs[2]


@pytest.fixture(scope="module")
def html_builds(twins, build_project, epoch) -> tuple[Path, Path, Path]:
    return _three_builds(twins, build_project, "site", html=True, pdf=False)


@pytest.fixture(scope="module")
def pdf_builds(twins, build_project, epoch) -> tuple[Path, Path, Path]:
    return _three_builds(twins, build_project, "print", html=False, pdf=True)


def test_site_is_byte_identical_in_any_output_folder_and_checkout(html_builds):
    one, other_folder, other_checkout = (snapshot(b) for b in html_builds)
    assert {
        "html/index.html",
        "html/01-first.html",
        "html/bibliography.html",
        "html/media/img/dot.png",
        "changes.json",
    } <= set(one)
    for other in (other_folder, other_checkout):
        assert sorted(other) == sorted(one)
        assert [name for name in one if one[name] != other[name]] == []


def test_site_is_byte_identical_when_built_again(html_builds, build_project, twins):
    first, _ = twins
    before = snapshot(html_builds[0])
    (html_builds[0] / CACHE_NAME).unlink()  # a cold build, not a copy of the last one
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SOURCE_DATE_EPOCH", EPOCH)
        again = build_project(first, output=html_builds[0].name, pdf=False).result
    assert again.ok and "html/01-first.html" in again.rendered
    assert snapshot(html_builds[0]) == before


def _texts(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): p.read_text(encoding="utf-8")
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.suffix not in (".png", ".pdf")
    }


def _today_spellings() -> list[str]:
    """Today's date as a build might print it (UTC and local, ISO, PDF, English)."""
    spellings = set()
    for day in {dt.datetime.now(dt.UTC).date(), dt.date.today()}:
        month = day.strftime("%B")
        spellings |= {
            day.isoformat(),
            day.strftime("%Y%m%d"),
            f"{day.day} {month} {day.year}",
            f"{month} {day.day}, {day.year}",
        }
    return sorted(spellings)


def test_site_holds_no_absolute_path_and_no_date_of_the_build(html_builds, twins):
    assert EPOCH_DAY not in _today_spellings()  # else this test proves nothing
    for root, folder in zip(
        (*twins, twins[1]), (html_builds[0], html_builds[1], html_builds[2]), strict=True
    ):
        texts = _texts(folder)
        assert set(texts) >= {"html/index.html", "changes.json", ".dossier-build", CACHE_NAME}
        for name, text in texts.items():
            for needle in (str(root), root.as_uri(), str(root.parent), *_today_spellings()):
                assert needle not in text, (name, needle)
    changes = json.loads(_texts(html_builds[0])["changes.json"])
    assert changes["changes"][0]["path"] == "sources/smith2020.txt"  # relative, not absolute


def test_lock_date_follows_source_date_epoch(run_cli, make_project, texts, monkeypatch):
    root = make_project({"sources/smith2020.txt": "An archived copy.\n"})
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    code, err = run_cli(["sources", "accept"], root)
    assert code == 0, err
    lock = json.loads((root / "sources.lock").read_text(encoding="utf-8"))
    assert lock["sources"]["smith2020"]["locked"] == EPOCH_DAY
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "99999999999999999999")  # out of range: today
    assert run_cli(["sources", "accept"], root)[0] == 0
    lock = json.loads((root / "sources.lock").read_text(encoding="utf-8"))
    assert lock["sources"]["smith2020"]["locked"] == dt.datetime.now(dt.UTC).date().isoformat()


# --- the PDF ---------------------------------------------------------------------------


def pdf_strings(path: Path) -> list[str]:
    """Everything a PDF says, uncompressed: metadata, every stream, the extracted text."""
    reader = PdfReader(path)
    out = [repr(dict(reader.metadata or {})), repr(reader.trailer.get("/ID"))]
    for number in range(1, int(reader.trailer["/Size"])):
        try:
            obj = reader.get_object(number)
        except Exception:  # free entries of the cross-reference table
            continue
        if isinstance(obj, StreamObject):
            out.append(obj.get_data().decode("latin-1"))
        else:
            out.append(repr(obj))
    out.extend(page.extract_text() for page in reader.pages)
    return out


@pytest.mark.slow
def test_pdf_is_byte_identical_in_any_output_folder(pdf_builds):
    one, other_folder, _ = pdf_builds
    assert (one / PDF).read_bytes()[:5] == b"%PDF-"
    assert (one / PDF).read_bytes() == (other_folder / PDF).read_bytes()


@pytest.mark.slow
def test_pdf_is_byte_identical_in_another_checkout(pdf_builds):
    one, _, other_checkout = pdf_builds
    assert (one / PDF).read_bytes() == (other_checkout / PDF).read_bytes()


@pytest.mark.slow
def test_pdf_holds_no_absolute_path_and_no_date_of_the_build(pdf_builds, twins):
    for root, folder in ((twins[0], pdf_builds[0]), (twins[1], pdf_builds[2])):
        strings = pdf_strings(folder / PDF)
        text = "\n".join(strings)
        assert "Reproducible Report" in text and "A dot." in text  # the decoding worked
        for needle in (str(root), root.as_uri(), str(root.parent), *_today_spellings()):
            assert needle not in text, needle


@pytest.mark.slow
def test_pdf_dates_are_source_date_epoch(pdf_builds):
    meta = PdfReader(pdf_builds[0] / PDF).metadata
    assert meta is not None
    assert meta.get("/CreationDate") == meta.get("/ModDate") == "D:20231114221320Z"
