"""model.tree, model.codec, read.tree and read.record: a chapter read once into a frozen
tree, kept in the cache as JSON, and never trusted when the record was changed."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from dossier.model import codec
from dossier.model import tree as t
from dossier.read.record import ChapterRecord
from dossier.read.scan import BlockMark, CiteMark, HeadingMark, read_chapter

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "pandoc"
REPO = Path(__file__).resolve().parents[2]
CHAPTERS = sorted([*FIXTURES.glob("*.md"), *(REPO / "chapters").glob("*.md")])

RICH = """---
subtitle: A sub
---

# Title {#top}

Text with *emphasis*, **strong**, ~~gone~~, H~2~O, x^2^, `code`, $e^x$ and $$y$$,
a [span]{.smallcaps lang=fa}, a [link](https://example.org "t"), [to a
heading](#top), [Title], a note[^n] and ^[an inline note], @fig-a, [see @doe, p. 3].

![A caption [@doe]](map.png){#fig-a width=50%}

| a | b |
|--:|---|
| 1 | 2 |

: Values {#tbl-v}

- tight
- list
  1. nested

Term
: Definition

> quoted "words" [@doe, p. 4]

::: {.note lang=de}
In a div.
:::

| line one
|   line two

$$x = 1$$ {#eq-one}

<!-- a comment -->

```python
print("x")
```

---

[^n]: The note [@doe].

    A second paragraph.
"""


def read(text: str, path: str = "chapters/01-a.md") -> tuple[t.Doc, object]:
    chapter, _ = read_chapter(text, path)
    return chapter.document(), chapter.scan


def test_every_construct_has_a_node_and_the_json_brings_the_tree_back() -> None:
    doc, _ = read(RICH)
    kinds = {type(node).__name__ for node in t.walk(doc)}
    assert {
        "TitleBlock",
        "Heading",
        "Para",
        "Emph",
        "Strong",
        "Strikeout",
        "Subscript",
        "Superscript",
        "Code",
        "Math",
        "Span",
        "Link",
        "ImplicitRef",
        "NoteRef",
        "CrossRef",
        "Cite",
        "Figure",
        "Image",
        "Table",
        "BulletList",
        "OrderedList",
        "Plain",
        "DefinitionList",
        "BlockQuote",
        "Div",
        "LineBlock",
        "Equation",
        "RawBlock",
        "CodeBlock",
        "HorizontalRule",
        "Note",
    } <= kinds
    data = json.loads(json.dumps(codec.encode_doc(doc)))
    assert codec.decode_doc(data) == doc


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_real_chapters_come_back_from_json_and_their_refs_follow_the_scan(path: Path) -> None:
    doc, scan = read(path.read_text(encoding="utf-8"), f"chapters/{path.name}")
    assert codec.decode_doc(json.loads(json.dumps(codec.encode_doc(doc)))) == doc
    refs: dict[str, list[int]] = {"h": [], "b": [], "c": []}
    for node in t.walk(doc):
        if isinstance(node, t.Heading):
            refs["h"].append(node.ref)
        elif isinstance(node, (t.Figure, t.Equation)) or (
            isinstance(node, t.Table) and node.ref >= 0
        ):
            refs["b"].append(node.ref)
        elif isinstance(node, t.Cite):
            refs["c"].append(node.ref)
    marks = scan.marks  # type: ignore[attr-defined]
    assert refs["h"] == list(range(sum(isinstance(m, HeadingMark) for m in marks)))
    assert refs["b"] == list(range(sum(isinstance(m, BlockMark) for m in marks)))
    assert refs["c"] == list(range(sum(isinstance(m, CiteMark) for m in marks)))


def test_nodes_are_frozen() -> None:
    doc, _ = read("# A\n\nText.\n")
    with pytest.raises(dataclasses.FrozenInstanceError):
        doc.blocks[0].level = 2  # type: ignore[misc, union-attr]


def test_a_citation_knows_where_it_stands() -> None:
    doc, _ = read("# A\n\nSome text [see @doe, p. 3] and @roe.\n")
    cites = [n for n in t.walk(doc) if isinstance(n, t.Cite)]
    assert [(c.source, c.line, c.col, c.narrative) for c in cites] == [
        ("[see @doe, p. 3]", 3, 11, False),
        ("@roe", 3, 32, True),
    ]
    assert cites[0].items[0].key == "doe"


@pytest.mark.parametrize(
    "data",
    [
        None,
        "text",
        [],
        ["Doc"],
        ["Doc", "a.md", []],  # a field missing
        ["Doc", "a.md", [["Nothing", 1]], []],  # a class that does not exist
        ["Doc", "a.md", [["Para", ["x"], "3"]], []],  # a line that is not a number
        ["Doc", "a.md", [["Para", ["x"], True]], []],  # a bool is not a line number
        ["Doc", "a.md", [["HorizontalRule", 1]], [["Para", [], 1]]],  # not a note
        ["Doc", "a.md", [["Para", [["Para", [], 1]], 1]], []],  # a block among inlines
        ["Doc", "a.md", [["Heading", 1, [["id"]], [], 0, 1]], []],  # a broken attribute
    ],
)
def test_what_is_not_a_tree_is_refused(data: object) -> None:
    with pytest.raises(ValueError):
        codec.decode_doc(data)


def test_a_record_changed_after_it_was_written_is_not_trusted() -> None:
    _, record = read_chapter("# A\n\nText [@doe].\n", "chapters/a.md")
    kept = record.to_json()
    assert ChapterRecord.from_json(json.loads(json.dumps(kept))) == record
    changed = [kept[0], kept[1].replace('"c"', '"h"'), kept[2], kept[3]]
    assert ChapterRecord.from_json(changed) is None
    assert ChapterRecord.from_json([*kept[:3], 7]) is None
    assert ChapterRecord.from_json({"not": "a record"}) is None


def test_a_kept_record_is_used_only_for_the_same_text() -> None:
    text = "# A\n\nText.\n"
    first, record = read_chapter(text, "chapters/a.md")
    again, same = read_chapter(text, "chapters/a.md", record)
    assert again.tree is None and same is record  # taken from the record, not read again
    assert again.document() == first.document()
    edited, new = read_chapter(text + "More.\n", "chapters/a.md", record)
    assert edited.tree is not None and new.sha != record.sha


def test_a_tree_that_will_not_decode_is_read_again_from_the_text() -> None:
    """A sealed record whose tree does not decode (written by a faulty build) costs a
    parse, never a crash."""
    text = "# A\n\nText [@doe].\n"
    first, record = read_chapter(text, "chapters/a.md")
    broken = ChapterRecord.made(record.sha, record.scan, '["Doc", "chapters/a.md"]')
    again, _ = read_chapter(text, "chapters/a.md", broken)
    assert again.tree is None
    assert again.document() == first.document()
