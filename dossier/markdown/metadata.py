"""YAML metadata blocks anywhere in a chapter, as Pandoc's `yaml_metadata_block`.

A block opens with a line `---` that starts the chapter or follows a blank line, and
is not followed by a blank line; it closes with a line `---` or `...`; what lies
between must be a YAML mapping. Pandoc merges such blocks into the document's
metadata (a later block's value wins). Read as Markdown instead, a block became a
rule, a paragraph or a list, and a heading. The front matter at the very top is the
first of them (front_matter_plugin reads it; parse_chapter merges both).

Each candidate `---` looks for its closing line once: when none is found after some
line, no later candidate can close either, so a chapter of many `---` stays linear.
"""

from __future__ import annotations

from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock

from .walk import line_text

MAX_BYTES = 65536  # as the front matter: metadata is short
# YAML is tried on at most this many candidates per chapter (a failed parse costs about
# half a millisecond: 30,000 `---` lines over invalid YAML took 15 s); past it, a `---`
# is Markdown. A real chapter has one or two metadata blocks.
MAX_CANDIDATES = 200
_NO_CLOSE = "_dossier_no_metadata_close"
_TRIED = "_dossier_metadata_tried"


def metadata_block(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    if state.sCount[start] != 0 or state.blkIndent != 0 or line_text(state, start) != "---":
        return False
    if start > 0 and not state.isEmpty(start - 1):
        return False
    if start + 1 >= end or state.isEmpty(start + 1):
        return False
    if start >= getattr(state, _NO_CLOSE, end + 1):
        return False
    close = start + 1
    while close < end and line_text(state, close).rstrip() not in ("---", "..."):
        close += 1
    if close >= end:
        setattr(state, _NO_CLOSE, start)
        return False
    tried = getattr(state, _TRIED, 0)
    if tried >= MAX_CANDIDATES:
        return False
    setattr(state, _TRIED, tried + 1)
    body = state.src[state.bMarks[start + 1] : state.bMarks[close]]
    data = _mapping(body)
    if data is None:
        return False  # not metadata: Markdown, as Pandoc reads it then
    if not silent:
        token = state.push("metadata_block", "", 0)
        token.map = [start, close + 1]
        token.hidden = True
        token.meta = {"data": data}
    state.line = close + 1
    return True


def _mapping(body: str) -> dict[object, object] | None:
    import yaml  # here: only a chapter with a metadata block pays for it

    if len(body.encode("utf-8")) > MAX_BYTES:
        return None
    try:
        data = yaml.safe_load(body)
    except (yaml.YAMLError, RecursionError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def metadata_plugin(md: MarkdownIt) -> None:
    md.block.ruler.before("hr", "metadata_block", metadata_block)
    md.add_render_rule("metadata_block", lambda *args: "")
