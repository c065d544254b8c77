"""Footnotes: in the site as Pandoc writes them (a superscript number, ARIA roles, a
"Notes" heading), in print as the note's text where it is referenced (WeasyPrint's
`float: footnote`), and numbered in one sequence with citation notes in a note style."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import OptionsDict

from .context import RenderContext

# --- site footnotes as Pandoc writes them: a superscript number, ARIA roles, a heading --


def _note_ids(tokens: Sequence[Token], idx: int) -> tuple[str, str]:
    """(the note's number, the id of this reference to it) as markdown-it names them."""
    meta = tokens[idx].meta
    n = str(meta["id"] + 1)
    sub = meta.get("subId", -1)
    return n, n + (f":{sub}" if isinstance(sub, int) and sub > 0 else "")


def footnote_ref_site(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: dict[str, Any]
) -> str:
    n, ref = _note_ids(tokens, idx)
    ctx = env.get("ctx")
    # in a note style, its place in the page's one sequence of notes (render.notes)
    shown = (
        ctx.note_number(f"fn:{n}")
        if isinstance(ctx, RenderContext) and ctx.formatted.note_style
        else n
    )
    return (
        f'<a href="#fn{n}" class="footnote-ref" id="fnref{ref}" role="doc-noteref">'
        f"<sup>{shown}</sup></a>"
    )


def footnote_block_open_site(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: dict[str, Any]
) -> str:
    return '<section class="footnotes">\n<h2 class="footnotes-title">Notes</h2>\n<ol>\n'


def footnote_anchor_site(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: dict[str, Any]
) -> str:
    _, ref = _note_ids(tokens, idx)
    return (
        f' <a href="#fnref{ref}" class="footnote-back" role="doc-backlink" '
        f'aria-label="Back to the text">\u21a9\ufe0e</a>'
    )


# --- print-mode footnotes: the note's text goes where it is referenced ----------------


def footnote_ref_print(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: dict[str, Any]
) -> str:
    note_id = tokens[idx].meta["id"]
    body = env.get("_print_notes", {}).get(note_id, "")
    return f'<span class="footnote">{body}</span>'


def nothing(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: dict[str, Any]
) -> str:
    return ""


def print_notes(md: MarkdownIt, tokens: Sequence[Token], env: dict[str, Any]) -> dict[int, str]:
    """Footnote id -> its text as inline HTML (paragraphs joined by line breaks)."""
    notes: dict[int, str] = {}
    current: int | None = None
    paragraphs: list[str] = []
    for tok in tokens:
        if tok.type == "footnote_open":
            current, paragraphs = tok.meta["id"], []
        elif tok.type == "footnote_close" and current is not None:
            notes[current] = "<br>".join(paragraphs)
            current = None
        elif current is not None and tok.type == "inline":
            paragraphs.append(_inline(md, tok.children or [], env))
    for i, note in enumerate(env.get("footnotes", {}).get("list", {}).values()):
        if "tokens" in note:  # inline footnotes ^[...]
            notes.setdefault(i, _inline(md, note["tokens"], env))
    return notes


def _inline(md: MarkdownIt, tokens: Sequence[Token], env: dict[str, Any]) -> str:
    renderer: Any = md.renderer  # RendererHTML; the protocol type does not declare it
    return str(renderer.renderInline(tokens, md.options, env))


def footnote_region(tokens: list[Token]) -> list[Token]:
    inside = False
    region = []
    for tok in tokens:
        if tok.type == "footnote_block_open":
            inside = True
        if inside:
            region.append(tok)
        if tok.type == "footnote_block_close":
            inside = False
    return region
