"""The cite stage's cache record: read back as written, and checked part by part."""

from __future__ import annotations

import json

from dossier.cite.record import CiteRecord, decode, encode
from dossier.model import FormattedCitation

AUTHOR_DATE = {
    "bibliography": {"smith2020": "Smith, A. 2020."},
    "order": ["smith2020"],
    "note_style": False,
    "refset": "r1",
    "clusters": {"h1": ["(Smith 2020)", ""]},
    "ties": ["t1", ["smith2020"]],
}
NOTES = {
    "doc": "d1",
    "bibliography": {"smith2020": "Smith, A. 2020."},
    "order": ["smith2020"],
    "note_style": True,
    "texts": [["Smith", "Smith, 2020."], ["Smith", "Ibid."]],
    "at": [0, 1, 1],
    "signature": {"smith2020": "s"},
    "notes": {"k1": 0, "k2": 1},
    "refset": "r2",
    "ties": ["t2", []],
}


def test_a_record_reads_back_as_it_was_written() -> None:
    for raw in (AUTHOR_DATE, NOTES):
        again = json.loads(json.dumps(encode(decode(raw))))
        assert again == raw


def test_an_empty_or_foreign_record_is_empty() -> None:
    assert decode({}) == CiteRecord()
    assert decode({"refset": 3, "clusters": [], "texts": {}, "ties": "x"}) == CiteRecord()
    assert encode(CiteRecord()) == {}


def test_each_part_of_the_wrong_shape_is_read_as_absent() -> None:
    record = decode(
        {
            **AUTHOR_DATE,
            "clusters": {"h1": ["a", "b"], "h2": ["a"], "h3": 5, "h4": [1, 2]},
            "order": "smith2020",
        }
    )
    assert record.clusters == {"h1": FormattedCitation("a", "b")}
    assert record.bibliography is None  # no order: the bibliography is made again
    assert record.ties is not None and record.refset == "r1"


def test_indices_are_checked_against_the_texts() -> None:
    assert decode({**NOTES, "at": [0, 2]}).at is None
    assert decode({**NOTES, "at": [0, True]}).at is None
    assert decode({**NOTES, "notes": {"k1": 0, "k2": 7, "k3": "1"}}).notes == {"k1": 0}
    assert decode({**NOTES, "texts": [["a", "b"], ["c"]]}).texts is None
