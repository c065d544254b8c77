"""dossier.cite.bibcache: the bibliography as the last build read it is reused while the
.bib's bytes are the same, read again when they change, and a damaged record is never
trusted (the file is parsed instead)."""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from dossier.cite import bib, bibcache
from dossier.cite.bibcache import BibRecord
from dossier.diagnostics import Location, Severity

BIB = """\
@book{smith2020,
  author    = {Smith, Jane},
  title     = {A Book About Things},
  year      = {2020},
}

@misc{untitled,
  author = {Nobody, Ann},
}
"""


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "refs.bib").write_text(BIB, encoding="utf-8")
    return tmp_path


def first_read(root: Path) -> tuple[Any, Any, BibRecord]:
    parsed, diags, record = bibcache.load(root, "refs.bib", None)
    assert record is not None
    return parsed, diags, record


def stored(record: BibRecord) -> dict[str, Any]:
    """The record as the build cache keeps it."""
    data = json.loads(json.dumps(record.to_json()))
    assert isinstance(data, dict)
    return data


def parser_forbidden(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*args: object) -> None:
        raise AssertionError("the bibliography was parsed again")

    monkeypatch.setattr(bib, "load_bibliography", fail)


def test_the_first_read_parses_and_records(root: Path) -> None:
    parsed, diags, record = first_read(root)
    assert (parsed, diags) == bib.load_bibliography(root, "refs.bib")
    assert [e.key for e in parsed.entries] == ["smith2020", "untitled"]
    assert [(d.code, d.location) for d in diags] == [
        ("bib.missing-field", Location("refs.bib", 7)),
    ]
    assert record.path == "refs.bib"
    assert record.sha256 == hashlib.sha256(BIB.encode()).hexdigest()


def test_an_unchanged_file_is_not_parsed_again(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    parsed, diags, record = first_read(root)
    read_back = BibRecord.from_json(stored(record))
    assert read_back == record  # entries, locations, raw text, the clean BibTeX
    parser_forbidden(monkeypatch)
    again, again_diags, kept = bibcache.load(root, "refs.bib", read_back)
    assert again == parsed
    assert again_diags == diags  # its warnings are shown on every build
    assert kept is read_back


def test_an_edit_invalidates_the_record(root: Path) -> None:
    _, _, record = first_read(root)
    (root / "refs.bib").write_text(BIB.replace("A Book About Things", "Renamed"), "utf-8")
    parsed, _, new = bibcache.load(root, "refs.bib", record)
    assert parsed.by_key()["smith2020"].get("title") == "Renamed"
    assert new is not None and new.sha256 != record.sha256


def test_a_one_byte_change_counts(root: Path) -> None:
    _, _, record = first_read(root)
    (root / "refs.bib").write_bytes(BIB.encode() + b"\n")
    new = bibcache.load(root, "refs.bib", record)[2]
    assert new is not None and new.sha256 != record.sha256


def test_the_same_bytes_under_another_name_are_read_again(root: Path) -> None:
    _, _, record = first_read(root)
    (root / "other.bib").write_text(BIB, encoding="utf-8")
    parsed, diags, new = bibcache.load(root, "other.bib", record)
    assert new is not None and new.path == "other.bib"
    assert {d.location.path for d in diags if d.location} == {"other.bib"}
    assert parsed.entries[0].location.path == "other.bib"


def _damage(record: dict[str, Any], how: str) -> dict[str, Any]:
    bad = copy.deepcopy(record)
    if how == "no entries":
        del bad["entries"]
    elif how == "short row":
        bad["entries"][0] = bad["entries"][0][:6]
    elif how == "line not a number":
        bad["entries"][0][4] = "seven"
    elif how == "field not a pair":
        bad["entries"][0][2] = [["title"]]
    elif how == "entries not a list":
        bad["entries"] = 12
    elif how == "unknown severity":
        bad["diagnostics"][0][0] = "fatal"
    elif how == "diagnostics not rows":
        bad["diagnostics"] = [7]
    elif how == "no clean text":
        del bad["clean"]
    elif how == "clean text not text":
        bad["clean"] = None
    elif how == "key not text":
        bad["entries"][0][0] = 5
    elif how == "field value not text":
        bad["entries"][0][2][0][1] = {"a": 1}
    elif how == "line a fraction":
        bad["entries"][0][4] = 1.5
    return bad


@pytest.mark.parametrize(
    "how",
    [
        "no entries",
        "short row",
        "line not a number",
        "field not a pair",
        "entries not a list",
        "unknown severity",
        "diagnostics not rows",
        "no clean text",
        "clean text not text",
        "key not text",
        "field value not text",
        "line a fraction",
    ],
)
def test_a_damaged_record_is_not_trusted(root: Path, how: str) -> None:
    _, _, record = first_read(root)
    assert BibRecord.from_json(_damage(stored(record), how)) is None  # the file is read


@pytest.mark.parametrize("data", [None, [], "record", 7, {}])
def test_what_is_no_record_is_none(data: object) -> None:
    assert BibRecord.from_json(data) is None


def test_a_missing_file_is_reported_and_records_nothing(tmp_path: Path) -> None:
    parsed, diags, record = bibcache.load(tmp_path, "refs.bib", None)
    assert parsed.entries == ()
    assert [(d.severity, d.code, d.message) for d in diags] == [
        (Severity.ERROR, "bib.missing", "bibliography 'refs.bib' not found")
    ]
    assert record is None


def test_a_symlink_out_of_the_project_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside.bib"
    outside.write_text(BIB, encoding="utf-8")
    root = tmp_path / "proj"
    root.mkdir()
    (root / "refs.bib").symlink_to(outside)
    parsed, diags, record = bibcache.load(root, "refs.bib", None)
    assert parsed.entries == ()
    assert [d.format() for d in diags] == [
        "refs.bib: error: bibliography 'refs.bib' is outside the project [load.outside]"
    ]
    assert record is None
