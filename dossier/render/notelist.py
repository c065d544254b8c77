"""Footnotes: in the site as Pandoc writes them (a superscript number, ARIA roles, a
"Notes" list at the page foot), in print as the note's text where it is referenced
(WeasyPrint's `float: footnote`), and, in a note style, numbered in one sequence with
the citation notes."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from ..model import tree as t
from .writer import Writer, hidden


def _back_links(note: t.Note) -> str:
    n = str(note.id + 1)
    return "".join(
        f' <a href="#fnref{n + (f":{sub}" if sub > 0 else "")}" class="footnote-back" '
        f'role="doc-backlink" aria-label="Back to the text">\u21a9\ufe0e</a>'
        for sub in range(note.refs)
    )


def note_body(writer: Writer, note: t.Note) -> str:
    """A footnote's blocks, its links back to the text at the end of its last paragraph
    (or after its last block, if that is not a paragraph)."""
    writer.in_note = True
    try:
        *before, last = note.blocks or (None,)
        if isinstance(last, t.Para):
            nl = "\n" if before and hidden(before[-1]) else ""
            return writer.blocks(before) + writer.para(last, nl, _back_links(note))
        return writer.blocks(note.blocks) + _back_links(note)
    finally:
        writer.in_note = False


def footnote_list(writer: Writer, notes: Sequence[t.Note]) -> str:
    """The site's list of footnotes at the page foot (an author-date style)."""
    if not notes:
        return ""
    items = "".join(
        f'<li id="fn{note.id + 1}" class="footnote-item">{note_body(writer, note)}</li>\n'
        for note in notes
    )
    return (
        '<section class="footnotes">\n<h2 class="footnotes-title">Notes</h2>\n<ol>\n'
        f"{items}</ol>\n</section>\n"
    )


def note_sequence(writer: Writer, doc: t.Doc) -> str:
    """A chapter page of a note style: the text, then one list of notes, citation notes
    and the author's footnotes numbered together in the order the text refers to them
    (as pandoc numbers them, and as the PDF's footnotes are numbered). Citations inside
    footnotes stay in them. Numbers restart on each page: a page is read on its own."""
    ctx = writer.ctx
    text = writer.blocks(doc.blocks)
    bodies = {note.id + 1: note_body(writer, note) for note in doc.notes}
    cited = dict(ctx.notes)
    ctx.notes.clear()  # listed here, not by the page template
    items = []
    for key, _ in sorted(ctx.numbered.items(), key=lambda kv: kv[1]):
        kind, _, ident = key.partition(":")
        if kind == "cite":
            items.append(
                f'<li id="note-{ident}">{cited.get(ident, "")} <a class="back" '
                f'href="#cite-{ident}" aria-label="Back to text">↩</a></li>'
            )
        elif int(ident) in bodies:
            items.append(f'<li id="fn{ident}" class="footnote-item">{bodies.pop(int(ident))}</li>')
    # footnotes the text never refers to, last
    items += [f'<li id="fn{n}" class="footnote-item">{b}</li>' for n, b in sorted(bodies.items())]
    if not items:
        return text
    return (
        text
        + '<hr class="footnotes-sep" />\n<section class="footnotes">\n'
        # named, as the list of an author-date page is: a section without a heading
        # is one a screen reader's list of headings cannot reach
        + '<h2 class="footnotes-title">Notes</h2>\n'
        + '<ol class="footnotes-list">\n'
        + "\n".join(items)
        + "\n</ol>\n</section>\n"
    )


def print_notes(writer: Writer, notes: Sequence[t.Note]) -> dict[int, tuple[str, str]]:
    """Footnote id -> its text as inline HTML, for print: the text of each of its
    blocks, in order, joined by line breaks; and, for a note the text refers to more
    than once (printed at each reference), a copy without the citations' ids, which
    must be unique in the document."""
    writer.in_note = True
    found: dict[int, tuple[str, str]] = {}
    try:
        for note in notes:
            first = "<br>".join(writer.text(inlines) for inlines in _texts(note.blocks))
            again = first
            if note.refs > 1:
                writer.anchored = False
                again = "<br>".join(writer.text(inlines) for inlines in _texts(note.blocks))
                writer.anchored = True
            found[note.id] = (first, again)
        return found
    finally:
        writer.in_note = False
        writer.anchored = True


def _texts(blocks: Sequence[t.Block]) -> Iterator[t.Inlines]:
    """Every run of text in `blocks`, in document order, nested blocks included."""
    for block in blocks:
        if isinstance(block, (t.Para, t.Plain, t.Heading, t.LineBlock, t.Figure, t.Equation)):
            yield block.children
        elif isinstance(block, (t.BlockQuote, t.Div)):
            yield from _texts(block.blocks)
        elif isinstance(block, (t.BulletList, t.OrderedList)):
            for item in block.items:
                yield from _texts(item.blocks)
        elif isinstance(block, t.DefinitionList):
            for part in block.items:
                if isinstance(part, t.Term):
                    yield part.children
                else:
                    yield from _texts(part.blocks)
        elif isinstance(block, t.Table):
            if block.caption is not None:
                yield block.caption
            for rows in (block.head or (), block.body or ()):
                for row in rows:
                    for cell in row.cells:
                        yield from _texts(cell.blocks)
