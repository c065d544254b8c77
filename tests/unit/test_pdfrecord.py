"""dossier.render.pdf.record: what the cache keeps of the PDF (the document's digest and
the project files the renderer read), its codec, and the check that those files still
read the same; fetch.project_file, the name a fetched URL is recorded under."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from dossier.render.pdf.fetch import PROJECT_URL, THEME_URL, project_file
from dossier.render.pdf.record import PdfRecord, union

SHA = "ab" * 32


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_a_record_reads_back_as_written() -> None:
    record = PdfRecord.made("d" * 64, {"b.png": SHA, "a.png": None})
    assert record.read == (("a.png", None), ("b.png", SHA))
    assert PdfRecord.from_json(record.to_json()) == record


@pytest.mark.parametrize(
    "data",
    [
        None,
        "record",
        {"made_from": "d"},
        {"made_from": "d", "read": [], "more": 1},
        {"made_from": 1, "read": []},
        {"made_from": "d", "read": {"a.png": SHA}},
        {"made_from": "d", "read": [["a.png"]]},
        {"made_from": "d", "read": [["a.png", 1]]},
        {"made_from": "d", "read": [["b.png", SHA], ["a.png", SHA]]},  # not sorted
        {"made_from": "d", "read": [["a.png", SHA], ["a.png", None]]},  # twice
    ],
)
def test_a_damaged_record_is_none(data: object) -> None:
    assert PdfRecord.from_json(data) is None


def test_the_fingerprint_covers_every_file() -> None:
    """A record that lost an entry does not match the PDF it was written with."""
    whole = PdfRecord.made("d", {"a.png": SHA, "b.png": None})
    assert PdfRecord.made("d", {"a.png": SHA}).fingerprint != whole.fingerprint
    assert PdfRecord.made("e", {"a.png": SHA, "b.png": None}).fingerprint != whole.fingerprint


def test_files_read_alike_until_one_changes_appears_or_goes(tmp_path: Path) -> None:
    (tmp_path / "img").mkdir()
    (tmp_path / "img/a.png").write_bytes(b"one")
    record = PdfRecord.made("d", {"img/a.png": sha(b"one"), "img/later.png": None})
    assert record.still_reads_alike(tmp_path)
    (tmp_path / "img/a.png").write_bytes(b"two")
    assert not record.still_reads_alike(tmp_path)
    (tmp_path / "img/a.png").write_bytes(b"one")
    (tmp_path / "img/later.png").write_bytes(b"now here")
    assert not record.still_reads_alike(tmp_path)
    (tmp_path / "img/later.png").unlink()
    (tmp_path / "img/a.png").unlink()
    assert not record.still_reads_alike(tmp_path)


def test_a_symlink_out_of_the_project_reads_as_not_served(tmp_path: Path) -> None:
    project = tmp_path / "p"
    project.mkdir()
    (tmp_path / "secret.png").write_bytes(b"outside")
    os.symlink(tmp_path / "secret.png", project / "a.png")
    assert PdfRecord.made("d", {"a.png": None}).still_reads_alike(project)


def test_the_first_part_to_read_a_file_is_kept() -> None:
    assert union([{"a": SHA, "b": None}, {"a": "cd" * 32, "c": SHA}]) == {
        "a": SHA,
        "b": None,
        "c": SHA,
    }


def test_fetched_urls_are_recorded_by_their_path_in_the_project(tmp_path: Path) -> None:
    project, theme = tmp_path / "project", tmp_path / "theme"
    allowed = [project, theme]
    assert project_file(PROJECT_URL + "img/a%20b.png?v=1#x", allowed) == "img/a b.png"
    assert project_file(project.as_uri() + "/fonts/f.woff", allowed) == "fonts/f.woff"
    assert project_file(THEME_URL + "fonts/f.ttf", allowed) is None  # the tool's own
    assert project_file("file:///etc/passwd", allowed) is None
    assert project_file("https://example.org/a.png", allowed) is None
    assert project_file(PROJECT_URL + "a.png", []) is None
