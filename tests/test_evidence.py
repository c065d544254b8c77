"""Archived sources, checked quotations, and citations that follow source changes."""

from __future__ import annotations

import json
from pathlib import Path

from dossier.build import build, check
from dossier.cli import main

CONFIG = """title = "Evidence test"
authors = ["T. Ester"]
csl = "chicago-author-date"
chapters = ["chapters/01-one.md"]
"""

BIB = """@online{rajavi2003,
  author = {Rajavi, Maryam},
  title = {Speech at the Rally},
  year = {2003},
}

@online{smith2019,
  author = {Smith, Anna},
  title = {Notes on Exile},
  year = {2019},
}

@online{smith2019b,
  author = {Smith, Anna},
  title = {More Notes on Exile},
  year = {2018},
}
"""

SOURCE_PAGED = """The organisation was founded in 1965 by three university students
in Tehran, who opposed the Shah.
--- page 2 ---
It later moved its headquarters to Iraq, where it built an army
--- page 3 ---
known as the National Liberation Army; it was disarmed in 2003.
"""


def project(tmp: Path, chapter: str) -> Path:
    (tmp / "chapters").mkdir()
    (tmp / "sources").mkdir()
    (tmp / "dossier.toml").write_text(CONFIG, encoding="utf-8")
    (tmp / "references.bib").write_text(BIB, encoding="utf-8")
    (tmp / "chapters" / "01-one.md").write_text(chapter, encoding="utf-8")
    (tmp / "sources" / "rajavi2003.txt").write_text(SOURCE_PAGED, encoding="utf-8")
    (tmp / "sources" / "smith2019.txt").write_text(
        "Exile began in 1981 in Paris.\n", encoding="utf-8"
    )
    return tmp


def messages(root: Path, strict: bool = False) -> list[str]:
    return [d.format() for d in check(root, strict=strict, progress=lambda _: None).diagnostics]


def quote_diags(root: Path) -> list[str]:
    return [m for m in messages(root) if "[quote." in m]


CITES_ALL = " [@smith2019; @smith2019b]\n"


def test_quote_found(tmp_path: Path) -> None:
    root = project(
        tmp_path,
        '# One\n\nShe said it was "founded in 1965 by three university '
        'students" [@rajavi2003].' + CITES_ALL,
    )
    assert quote_diags(root) == []


def test_quote_found_across_a_page_break_with_page_locator(tmp_path: Path) -> None:
    root = project(
        tmp_path,
        '# One\n\nIt built "an army known as the National Liberation '
        'Army" [@rajavi2003, p. 2].' + CITES_ALL,
    )
    assert quote_diags(root) == []


def test_quote_on_another_page_than_cited(tmp_path: Path) -> None:
    root = project(tmp_path, '# One\n\nIt was "disarmed in 2003" [@rajavi2003, p. 1].' + CITES_ALL)
    assert quote_diags(root) == [
        "chapters/01-one.md:3:8: error: quotation is in 'rajavi2003' but on p. 3, not on the "
        "page cited [quote.wrong-page]"
    ]


def test_quote_with_ellipsis_and_insertion(tmp_path: Path) -> None:
    root = project(
        tmp_path,
        '# One\n\n"The [MEK] was founded in 1965 ... who opposed the '
        'Shah" [@rajavi2003].' + CITES_ALL,
    )
    assert quote_diags(root) == []


def test_quote_not_found_reports_closest_passage(tmp_path: Path) -> None:
    root = project(
        tmp_path, '# One\n\nIt was "founded in 1966 by four students" [@rajavi2003].' + CITES_ALL
    )
    (diag,) = quote_diags(root)
    assert diag.startswith(
        "chapters/01-one.md:3:8: error: quotation not found in the "
        "archived source of 'rajavi2003'; closest passage (p. 1): “"
    )
    assert "founded in 1965 by three" in diag
    assert diag.endswith("[quote.not-in-source]")


def test_block_quote_is_checked(tmp_path: Path) -> None:
    root = project(
        tmp_path,
        "# One\n\n> Exile began in 1982\n> in Paris. [@smith2019]\n\n"
        "Also [@rajavi2003; @smith2019b].\n",
    )
    (diag,) = quote_diags(root)
    assert "quotation not found in the archived source of 'smith2019'" in diag
    assert "Exile began in 1981 in Paris." in diag


def test_quote_without_archive_is_a_warning(tmp_path: Path) -> None:
    root = project(tmp_path, '# One\n\n"More notes" [@smith2019b]. [@rajavi2003; @smith2019]\n')
    assert quote_diags(root) == [
        "chapters/01-one.md:3:1: warning: quotation cannot be checked: 'smith2019b' has no "
        "archived source (save a copy as sources/smith2019b.txt (or .html, .pdf)) "
        "[quote.no-archive]"
    ]


def test_source_edited_after_locking_lists_affected_citations(
    tmp_path: Path, capsys: object
) -> None:
    root = project(
        tmp_path,
        '# One\n\nFirst "founded in 1965" [@rajavi2003].\n\nAgain [@rajavi2003, p. 2].' + CITES_ALL,
    )
    assert main(["sources", "accept", "-C", str(root), "-q"]) == 0
    lock = json.loads((root / "sources.lock").read_text(encoding="utf-8"))
    assert set(lock["sources"]) == {"rajavi2003", "smith2019"}
    assert lock["sources"]["rajavi2003"]["size"] == len(SOURCE_PAGED.encode())
    assert not [m for m in messages(root, strict=True) if "source." in m]

    (root / "sources" / "rajavi2003.txt").write_text(
        SOURCE_PAGED.replace("1965", "1963"), encoding="utf-8"
    )
    changed = [m for m in messages(root) if "[source.changed]" in m]
    assert len(changed) == 1
    msg = changed[0]
    assert msg.startswith(
        "references.bib:1: warning: archived source of 'rajavi2003' "
        "(sources/rajavi2003.txt) changed since it was locked on "
    )
    assert "affects 2 citation(s): chapters/01-one.md:3:25, chapters/01-one.md:5:7" in msg
    assert "quotations: chapters/01-one.md:3:7 now missing" in msg
    # the quotation itself is re-checked against the new text
    assert any("[quote.not-in-source]" in m and "founded in 1963" in m for m in messages(root))
    # --strict fails the build until the change is accepted
    assert not build(root, html=True, pdf=False, strict=True, progress=lambda _: None).ok
    assert main(["sources", "accept", "rajavi2003", "-C", str(root), "-q"]) == 0
    assert not [m for m in messages(root) if "[source." in m]


def test_entry_year_change_updates_citations_and_disambiguation(tmp_path: Path) -> None:
    root = project(tmp_path, "# One\n\nA [@smith2019]. B [@smith2019b]. C [@rajavi2003].\n")
    assert build(root, html=True, pdf=False, progress=lambda _: None).ok
    page = (root / "build" / "html" / "01-one.html").read_text(encoding="utf-8")
    assert "Smith 2019" in page and "Smith 2018" in page and "2019a" not in page
    assert main(["sources", "accept", "-C", str(root), "-q"]) == 0

    changed = BIB.replace("{2018}", "{2019}").replace(
        "{Notes on Exile}", "{Notes on Exile, Revised}"
    )
    (root / "references.bib").write_text(changed, encoding="utf-8")
    (entry_changed,) = [m for m in messages(root) if "[source.entry-changed]" in m]
    assert entry_changed.startswith(
        "references.bib:7: warning: bibliography entry 'smith2019' changed since it was locked on "
    )
    assert "the rebuild updates 1 citation(s): chapters/01-one.md:3:3" in entry_changed
    result = build(root, html=True, pdf=False, progress=lambda _: None)
    assert result.ok
    page = (root / "build" / "html" / "01-one.html").read_text(encoding="utf-8")
    assert "Smith 2019a" in page and "Smith 2019b" in page
    bib = (root / "build" / "html" / "bibliography.html").read_text(encoding="utf-8")
    assert "2019a" in bib and "2019b" in bib and "Notes on Exile, Revised" in bib


def test_bibliography_links_back_to_every_citation(tmp_path: Path) -> None:
    root = project(
        tmp_path, "# One\n\nA [@smith2019]. B [@smith2019; @smith2019b]. C [@rajavi2003].\n"
    )
    assert build(root, html=True, pdf=False, progress=lambda _: None).ok
    bib = (root / "build" / "html" / "bibliography.html").read_text(encoding="utf-8")
    page = (root / "build" / "html" / "01-one.html").read_text(encoding="utf-8")
    assert 'href="01-one.html#cite-c0"' in bib and 'href="01-one.html#cite-c1"' in bib
    assert 'id="cite-c0"' in page and 'id="cite-c1"' in page
