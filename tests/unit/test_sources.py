"""dossier.evidence.sources: the evidence stage. Each bibliography entry's archived source is
compared with sources.lock (ok, changed, entry-changed, missing, new, unused), quotations
are checked, and every problem is a diagnostic at the entry (or the quotation)."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest

from dossier.diagnostics import Location, Severity
from dossier.evidence.archive import Archived, entry_fingerprint
from dossier.evidence.quotes import Quotation, QuoteCheck
from dossier.evidence.sources import (
    SourceStatus,
    accept,
    evaluate,
    gather,
    quoting_by_key,
    report,
    statuses,
    unknown_keys,
)
from dossier.model import Bibliography, CiteItem, Cluster, Entry

TEXT = b"The organisation was founded in 1965 by students."
SHA = hashlib.sha256(TEXT).hexdigest()


def entry(key: str, line: int, title: str = "T") -> Entry:
    return Entry(key, "book", (("title", title),), Location("refs.bib", line), "")


def bibliography(*entries: Entry) -> Bibliography:
    return Bibliography(entries, "")


def cite(key: str, line: int, locator: str = "") -> Cluster:
    item = CiteItem(key, locator=locator)
    return Cluster(f"c{line}", f"[@{key}]", (item,), False, Location("ch.md", line, 5))


def project(tmp_path: Path, sources: dict[str, bytes], lock: dict[str, object] | None) -> Path:
    root = tmp_path / "proj"
    (root / "sources").mkdir(parents=True)
    for name, data in sources.items():
        (root / "sources" / name).write_bytes(data)
    if lock is not None:
        text = json.dumps({"version": 1, "sources": lock})
        (root / "sources.lock").write_text(text, encoding="utf-8")
    return root


def locked(key: str, sha: str = SHA, title: str = "T") -> dict[str, object]:
    return {
        "path": f"sources/{key}.txt",
        "sha256": sha,
        "size": len(TEXT),
        "locked": "2024-01-02",
        "entry": entry_fingerprint(entry(key, 1, title)),
    }


def test_gather_reads_each_entrys_archive(tmp_path: Path) -> None:
    root = project(tmp_path, {"a.txt": TEXT, "x.bin": b"other"}, None)
    archives, diags = gather(root, bibliography(entry("a", 1), entry("b", 5)), "sources")
    assert diags == []
    assert list(archives) == ["a"]
    assert (archives["a"].sha256, archives["a"].pages) == (SHA, (("", TEXT.decode()),))


def test_gather_names_what_the_folder_holds_that_is_no_archive(tmp_path: Path) -> None:
    root = project(tmp_path, {}, None)
    os.mkfifo(root / "sources/pipe.txt")
    (tmp_path / "elsewhere.txt").write_bytes(b"x")
    (root / "sources/out.txt").symlink_to(tmp_path / "elsewhere.txt")
    (root / "sources/folder").mkdir()
    (root / "sources/link.txt").symlink_to(root / "sources/folder")
    _, diags = gather(root, bibliography(), "sources")
    assert [(d.severity, d.code, str(d.location), d.message) for d in diags] == [
        (
            Severity.WARNING,
            "source.not-a-file",
            "sources/link.txt",
            "'sources/link.txt' links to something that is not a regular file; it is ignored",
        ),
        (
            Severity.WARNING,
            "source.outside",
            "sources/out.txt",
            "'sources/out.txt' points outside the project; it is ignored",
        ),
        (
            Severity.WARNING,
            "source.not-a-file",
            "sources/pipe.txt",
            "'sources/pipe.txt' is not a regular file (a FIFO, device or socket); it is ignored",
        ),
    ]


def test_a_sources_folder_outside_the_project(tmp_path: Path) -> None:
    root = project(tmp_path, {}, None)
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside/a.txt").write_bytes(TEXT)
    (root / "linked").symlink_to(tmp_path / "outside")
    archives, diags = gather(root, bibliography(entry("a", 1)), "linked")
    assert archives == {}
    assert [d.format() for d in diags] == [
        "linked: error: sources folder 'linked' is outside the project [source.outside]"
    ]


def test_every_state(tmp_path: Path) -> None:
    root = project(
        tmp_path,
        {"ok.txt": TEXT, "chg.txt": TEXT, "ent.txt": TEXT, "new.txt": TEXT, "spare.txt": TEXT},
        None,
    )
    bib = bibliography(
        entry("ok", 1),
        entry("chg", 5),
        entry("ent", 9, title="Renamed"),
        entry("gone", 13),
        entry("new", 17),
        entry("spare", 21),
        entry("none", 25),
    )
    lock = {
        "ok": locked("ok"),
        "chg": locked("chg", sha="f" * 64),
        "ent": locked("ent"),
        "gone": locked("gone"),
        "old": locked("old"),
    }
    archives, _ = gather(root, bib, "sources")
    cited = {"ok", "chg", "ent", "gone", "new"}
    found = {s.key: s.state for s in statuses(bib, archives, lock, cited)}
    assert found == {
        "ok": "ok",
        "chg": "changed",
        "ent": "entry-changed",
        "gone": "missing",
        "new": "new",
        "spare": "unused",  # archived, neither cited nor locked
        "none": "no-archive",
        "old": "unused",  # locked, no longer in the bibliography
    }


def test_evaluate_reports_each_problem_at_its_entry(tmp_path: Path) -> None:
    root = project(tmp_path, {"chg.txt": TEXT, "ent.txt": TEXT, "new.txt": TEXT}, {})
    lock = {"chg": locked("chg", sha="f" * 64), "ent": locked("ent"), "gone": locked("gone")}
    (root / "sources.lock").write_text(json.dumps({"version": 1, "sources": lock}), "utf-8")
    bib = bibliography(
        entry("chg", 5), entry("ent", 9, title="Renamed"), entry("gone", 13), entry("new", 17)
    )
    citing = {k: (cite(k, n),) for n, k in enumerate(["chg", "ent", "gone", "new"], 10)}
    quotation = Quotation(citing["chg"][0], "founded in 1965", Location("ch.md", 10, 5))
    evidence, diags = evaluate(root, bib, "sources", citing, [quotation])
    assert [c.status for c in evidence.checks] == ["found"]
    new_print = entry_fingerprint(entry("ent", 9, title="Renamed"))
    old_print = str(lock["ent"]["entry"])
    assert [(d.severity, d.code, d.location, d.message, d.hint) for d in diags] == [
        (
            Severity.WARNING,
            "source.changed",
            Location("refs.bib", 5),
            f"archived source of 'chg' (sources/chg.txt) changed since it was locked on "
            f"2024-01-02: sha256 ffffffffffff → {SHA[:12]}; affects 1 citation(s): "
            "ch.md:10:5; quotations: ch.md:10:5 still found",
            "review, then run 'dossier sources accept chg'",
        ),
        (
            Severity.WARNING,
            "source.entry-changed",
            Location("refs.bib", 9),
            f"bibliography entry 'ent' changed since it was locked on 2024-01-02: "
            f"fingerprint {old_print[:12]} → {new_print[:12]}; the rebuild updates "
            "1 citation(s): ch.md:11:5",
            "review, then run 'dossier sources accept ent'",
        ),
        (
            Severity.ERROR,
            "source.missing",
            Location("refs.bib", 13),
            "archived source of 'gone' (sources/gone.txt) is locked but missing; "
            "cited at ch.md:12:5",
            "",
        ),
        (
            Severity.WARNING,
            "source.new",
            Location("refs.bib", 17),
            "archived source of 'new' (sources/new.txt) is not locked yet",
            "run 'dossier sources accept' to record it",
        ),
    ]


def test_quotation_diagnostics(tmp_path: Path) -> None:
    root = project(tmp_path, {"a.txt": b"--- page 4 ---\n" + TEXT}, None)
    bib = bibliography(entry("a", 1), entry("b", 5))
    where = [Location("ch.md", n, 3) for n in (1, 2, 3)]
    quotes = [
        Quotation(cite("a", 1), "created in 1965", where[0]),
        Quotation(cite("a", 2, ", p. 9"), "founded in 1965", where[1]),
        Quotation(cite("b", 3), "anything", where[2]),
    ]
    _, diags = evaluate(root, bib, "sources", {}, quotes)
    assert [(d.severity, d.code, d.location, d.message, d.hint) for d in diags] == [
        (
            Severity.ERROR,
            "quote.not-in-source",
            where[0],
            "quotation not found in the archived source of 'a'; closest passage (p. 4): "
            "“founded in 1965”",
            "",
        ),
        (
            Severity.ERROR,
            "quote.wrong-page",
            where[1],
            "quotation is in 'a' but on p. 4, not on the page cited",
            "",
        ),
        (
            Severity.WARNING,
            "quote.no-archive",
            where[2],
            "quotation cannot be checked: 'b' has no archived source",
            "save a copy as sources/b.txt (or .html, .pdf)",
        ),
    ]


def test_many_citations_are_summed_up(tmp_path: Path) -> None:
    root = project(tmp_path, {}, {"gone": locked("gone")})
    citing = {"gone": tuple(cite("gone", n) for n in range(1, 23))}
    _, diags = evaluate(root, bibliography(entry("gone", 3)), "sources", citing, [])
    [d] = diags
    assert d.message.endswith("ch.md:19:5, ch.md:20:5 and 2 more")


def test_accept_locks_keeps_capture_facts_and_forgets_the_gone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    captured = {**locked("a"), "url": "https://example.org/a", "captured": "2020-01-01"}
    stale = {**locked("b", sha="e" * 64), "url": "https://example.org/b"}
    root = project(tmp_path, {"a.txt": TEXT, "b.txt": TEXT}, {"a": captured, "b": stale})
    (root / "sources.lock").write_text(
        json.dumps({"version": 1, "sources": {"a": captured, "b": stale, "old": locked("old")}}),
        encoding="utf-8",
    )
    bib = bibliography(entry("a", 1), entry("b", 5))
    archives, _ = gather(root, bib, "sources")
    assert accept(root, bib, archives, []) == ["a", "b"]
    lock = json.loads((root / "sources.lock").read_text(encoding="utf-8"))["sources"]
    assert sorted(lock) == ["a", "b"]  # 'old' is no longer in the bibliography
    # the same copy: what `sources fetch` recorded of it stays
    assert lock["a"]["url"] == "https://example.org/a"
    assert lock["a"]["captured"] == "2020-01-01"
    assert lock["a"]["locked"] == "2023-11-14"
    # a new copy: its capture facts were those of the old one
    assert "url" not in lock["b"] and lock["b"]["sha256"] == SHA


def test_accept_some_keys_only(tmp_path: Path) -> None:
    root = project(tmp_path, {"a.txt": TEXT, "b.txt": TEXT}, {"old": locked("old")})
    bib = bibliography(entry("a", 1), entry("b", 5))
    archives, _ = gather(root, bib, "sources")
    assert accept(root, bib, archives, ["b", "old"]) == ["b", "old"]
    lock = json.loads((root / "sources.lock").read_text(encoding="utf-8"))["sources"]
    assert sorted(lock) == ["b"]


def test_unknown_keys() -> None:
    bib = bibliography(entry("a", 1))
    assert [d.format() for d in unknown_keys(["a", "zz"], bib)] == [
        "error: no bibliography entry 'zz' [source.unknown-key]"
    ]


def test_report_lists_what_is_not_ok(tmp_path: Path) -> None:
    root = project(tmp_path, {"a.txt": TEXT, "b.txt": TEXT}, {"a": locked("a")})
    bib = bibliography(entry("a", 1), entry("b", 5))
    citing = {"a": (cite("a", 7),), "b": (cite("b", 8),)}
    quote = Quotation(citing["b"][0], "founded", Location("ch.md", 8, 2))
    evidence, _ = evaluate(root, bib, "sources", citing, [quote])
    assert report(evidence, citing) == {
        "version": 1,
        "changes": [
            {
                "key": "b",
                "state": "new",
                "path": "sources/b.txt",
                "old": "",
                "new": SHA,
                "locked": "",
                "citations": ["ch.md:8:5"],
                "quotations": [
                    {
                        "at": "ch.md:8:2",
                        "status": "found",
                        "page": "",
                        "passage": TEXT.decode(),
                    }
                ],
            }
        ],
        "quotations": {"checked": 1, "found": 1},
    }


def test_quoting_by_key_names_each_quotation_once_per_key() -> None:
    both = Cluster("c", "", (CiteItem("a"), CiteItem("b"), CiteItem("a")), False, Location("x"))
    q = Quotation(both, "q", Location("x"))
    checks = [QuoteCheck(q, "found", "a")]
    assert quoting_by_key(checks) == {"a": checks, "b": checks}


def test_status_records_what_changed() -> None:
    bib = bibliography(entry("a", 1))
    archives = {"a": Archived("a", "sources/a.txt", "2" * 64, 1, ())}
    assert statuses(bib, archives, {"a": locked("a", sha="1" * 64)}, {"a"}) == [
        SourceStatus("a", "changed", "sources/a.txt", "1" * 64, "2" * 64, "2024-01-02")
    ]
