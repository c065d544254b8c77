"""dossier.evidence.archive: which file backs an entry, its text page by page (with the labels a
PDF gives its pages), its fingerprints, and sources.lock."""

from __future__ import annotations

import hashlib
import io
import json
import os
from pathlib import Path

import pikepdf
import pytest
from pikepdf import Array, Dictionary, Name

from dossier.diagnostics import Location, Severity
from dossier.evidence import archive
from dossier.evidence.archive import (
    Archived,
    entry_fingerprint,
    extract_pages,
    locate,
    lock_record,
    read_archive,
    read_lock,
    today,
    write_lock,
)
from dossier.model import Entry


def entry(key: str = "smith2020", **fields: str) -> Entry:
    pairs = tuple(fields.items()) or (("title", "A Book"), ("year", "2020"))
    return Entry(key, "book", pairs, Location("refs.bib", 1), "")


def tiny_pdf(texts: list[str], labels: Array | None = None) -> bytes:
    """A PDF of one line of Helvetica text a page, with /PageLabels when given."""
    pdf = pikepdf.new()
    font = pdf.make_indirect(
        Dictionary(Type=Name.Font, Subtype=Name.Type1, BaseFont=Name.Helvetica)
    )
    for text in texts:
        page = pdf.add_blank_page(page_size=(200, 200))
        page.obj.Resources = Dictionary(Font=Dictionary(F1=font))
        page.obj.Contents = pdf.make_stream(f"BT /F1 12 Tf 20 100 Td ({text}) Tj ET".encode())
    if labels is not None:
        pdf.Root.PageLabels = Dictionary(Nums=labels)
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


# --- fingerprints ---------------------------------------------------------------------------


def test_the_entry_fingerprint_ignores_layout_but_not_content() -> None:
    one = entry(title="A  Book\n about things", year="2020")
    assert entry_fingerprint(one) == entry_fingerprint(
        entry(year="2020", title="A Book about things")
    )
    assert entry_fingerprint(one) != entry_fingerprint(
        entry(title="A Book about thing", year="2020")
    )
    assert entry_fingerprint(one) != entry_fingerprint(
        entry("other", title="A Book about things", year="2020")
    )
    assert len(entry_fingerprint(one)) == 64


def test_an_archive_is_fingerprinted_by_its_bytes(tmp_path: Path) -> None:
    data = b"Page one text\fPage two text"
    (tmp_path / "sources").mkdir()
    (tmp_path / "sources/a.txt").write_bytes(data)
    found, diags = read_archive(tmp_path, "a", "sources/a.txt")
    assert diags == []
    assert found == Archived(
        "a",
        "sources/a.txt",
        hashlib.sha256(data).hexdigest(),
        len(data),
        (("1", "Page one text"), ("2", "Page two text")),
    )


# --- pages ------------------------------------------------------------------------------------


def test_pdf_pages_take_their_labels() -> None:
    labels = Array([0, Dictionary(S=Name.r), 2, Dictionary(S=Name.D, St=5)])
    data = tiny_pdf(["Preface", "More preface", "Body"], labels)
    assert extract_pages(data, ".pdf") == (
        ("i", "Preface"),
        ("ii", "More preface"),
        ("5", "Body"),
    )


def test_pdf_pages_without_labels_are_numbered() -> None:
    assert extract_pages(tiny_pdf(["One", "Two"]), ".pdf") == (("1", "One"), ("2", "Two"))


@pytest.mark.parametrize(
    ("text", "pages"),
    [
        ("just text", (("", "just text"),)),
        ("a\r\nb\rc", (("", "a\nb\nc"),)),
        ("one\ftwo\fthree", (("1", "one"), ("2", "two"), ("3", "three"))),
        ("--- page 3 ---\nthree\n--- Page 4 ---\nfour", (("3", "\nthree\n"), ("4", "\nfour"))),
        # text before the first marker is the page before it
        ("intro\n--- page 2 ---\ntwo", (("1", "intro\n"), ("2", "\ntwo"))),
        ("intro\n--- page 1 ---\none", (("", "intro\n"), ("1", "\none"))),
    ],
)
def test_text_pages(text: str, pages: tuple[tuple[str, str], ...]) -> None:
    assert extract_pages(text.encode(), ".txt") == pages


def test_html_is_read_as_its_text() -> None:
    markup = (
        "<html><head><style>p{}</style><script>var x;</script></head><body>"
        "<nav>Menu</nav><p>First <b>para</b>.</p><!-- hidden --><p>Second</p></body></html>"
    )
    assert extract_pages(markup.encode(), ".html") == (("", "\nFirst para.\n\nSecond\n"),)


# --- which file, and refusals ---------------------------------------------------------------


def project(tmp_path: Path, files: dict[str, bytes]) -> Path:
    root = tmp_path / "proj"
    for rel, data in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)
    root.mkdir(exist_ok=True)
    return root


def test_locate_by_key_in_the_order_of_text_types(tmp_path: Path) -> None:
    root = project(
        tmp_path, {"sources/a.pdf": b"%PDF", "sources/a.txt": b"t", "sources/b.html": b""}
    )
    assert locate(root, entry("a"), "sources") == ("sources/a.txt", [])
    assert locate(root, entry("b"), "sources") == ("sources/b.html", [])
    assert locate(root, entry("c"), "sources") == (None, [])
    # the folder listed once: a key with no file there is not looked up
    assert locate(root, entry("a"), "sources", present={"b.html"}) == (None, [])


@pytest.mark.parametrize(
    "value",
    [
        "papers/x.pdf",
        "other.pdf;papers/x.pdf",  # Zotero: several files
        "Full text:papers/x.pdf:PDF",  # JabRef: description, path, type
    ],
)
def test_locate_by_the_file_field(tmp_path: Path, value: str) -> None:
    root = project(tmp_path, {"papers/x.pdf": b"%PDF", "sources/a.txt": b"t"})
    assert locate(root, entry("a", file=value), "sources") == ("papers/x.pdf", [])


def test_a_file_field_outside_the_project_falls_back_to_the_key(tmp_path: Path) -> None:
    root = project(tmp_path, {"sources/a.txt": b"t"})
    (tmp_path / "secret.pdf").write_bytes(b"%PDF")
    for value in ("../secret.pdf", str(tmp_path / "secret.pdf")):
        assert locate(root, entry("a", file=value), "sources") == ("sources/a.txt", [])


def test_a_source_linked_outside_is_refused(tmp_path: Path) -> None:
    root = project(tmp_path, {"sources/.keep": b""})
    (tmp_path / "secret.txt").write_bytes(b"secret")
    (root / "sources/a.txt").symlink_to(tmp_path / "secret.txt")
    path, diags = locate(root, entry("a"), "sources")
    assert path is None
    assert [(d.severity, d.code, d.message, d.location) for d in diags] == [
        (
            Severity.ERROR,
            "source.outside",
            "archived source 'a.txt' points outside the project",
            Location("sources/a.txt"),
        )
    ]


def test_read_archive_refusals(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = project(tmp_path, {"sources/big.txt": b"x" * 100, "sources/dir.txt/f": b""})
    os.mkfifo(root / "sources/fifo.txt")
    monkeypatch.setattr(archive, "MAX_SOURCE_BYTES", 10)

    def problem(rel: str) -> tuple[str, str]:
        found, diags = read_archive(root, "k", rel)
        assert found is None
        [d] = diags
        assert (d.severity, d.location) == (Severity.ERROR, Location(rel))
        return d.code, d.message

    assert problem("sources/big.txt")[0] == "source.too-large"
    assert problem("sources/fifo.txt") == (
        "source.not-a-file",
        "archived source is not a regular file",
    )
    assert problem("sources/dir.txt")[0] == "source.not-a-file"
    assert problem("sources/gone.txt") == (
        "source.unreadable",
        "cannot read archived source: it is gone",
    )


def test_a_damaged_pdf_is_kept_without_text(tmp_path: Path) -> None:
    root = project(tmp_path, {"sources/a.pdf": b"%PDF-1.7 not really"})
    found, diags = read_archive(root, "a", "sources/a.pdf")
    assert found is not None and found.pages == () and found.size == 19
    assert [(d.severity, d.code) for d in diags] == [(Severity.WARNING, "source.unreadable")]
    assert diags[0].message.startswith("no text could be read from the archive: ")


# --- the lock -------------------------------------------------------------------------------


def test_the_lock_round_trips_sorted(tmp_path: Path) -> None:
    records: dict[str, dict[str, object]] = {
        "b": {"path": "sources/b.txt", "sha256": "2" * 64},
        "a": {"path": "sources/ä.txt", "sha256": "1" * 64},
    }
    write_lock(tmp_path, records)
    text = (tmp_path / "sources.lock").read_text(encoding="utf-8")
    assert list(json.loads(text)["sources"]) == ["a", "b"]
    assert "ä" in text and text.endswith("}\n")
    assert read_lock(tmp_path) == (records, [])


def test_no_lock_is_an_empty_one(tmp_path: Path) -> None:
    assert read_lock(tmp_path) == ({}, [])


@pytest.mark.parametrize(
    "content",
    ['{"version": 2, "sources": {}}', '{"version": 1, "sources": []}', "[1]", "{", "\xff"],
)
def test_an_unreadable_lock_says_how_to_mend_it(tmp_path: Path, content: str) -> None:
    (tmp_path / "sources.lock").write_bytes(content.encode("utf-8", "surrogateescape"))
    records, diags = read_lock(tmp_path)
    assert records == {}
    [d] = diags
    assert (d.severity, d.code, d.location) == (
        Severity.ERROR,
        "source.lock",
        Location("sources.lock"),
    )
    assert d.message.startswith("sources.lock is unreadable (")
    assert d.message.endswith("); re-create it with 'dossier sources accept'")


def test_lock_record_and_its_date(monkeypatch: pytest.MonkeyPatch) -> None:
    found = Archived("a", "sources/a.txt", "3" * 64, 12, ())
    assert lock_record(found, entry("a"), "2024-05-01") == {
        "path": "sources/a.txt",
        "sha256": "3" * 64,
        "size": 12,
        "locked": "2024-05-01",
        "entry": entry_fingerprint(entry("a")),
    }
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert today() == "2023-11-14"
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "99999999999999999999")  # out of range
    assert len(today()) == 10
