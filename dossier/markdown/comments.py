"""HTML comments `<!-- ... -->` are dropped, as Pandoc's HTML leaves them invisible.

Authors comment out drafts, licence headers and whole tables; printed as text, they
became headings and tag soup. A comment that starts a block (up to three spaces of
indentation) and ends on a line with nothing after `-->` is a block of its own; any
other is dropped from the text it stands in. An unclosed `<!--` stays text, as in
Pandoc (and the raw-HTML warning names it).

Both rules search for `-->` once: when a text holds none after some `<!--`, no later
`<!--` can close either, which keeps 50,000 unclosed openers linear.
"""

from __future__ import annotations

from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock
from markdown_it.rules_inline import StateInline

OPEN, CLOSE = "<!--", "-->"
_NO_CLOSE = "_dossier_no_comment_close"  # on a state: no `-->` at or after this offset


def _close(state: StateBlock | StateInline, start: int, limit: int) -> int:
    """Offset of the `-->` closing a comment opened at `start`, or -1."""
    if start >= getattr(state, _NO_CLOSE, limit + 1):
        return -1
    found = state.src.find(CLOSE, start + len(OPEN), limit)
    if found == -1:
        setattr(state, _NO_CLOSE, start)
    return found


def comment_block(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    if state.sCount[start] - state.blkIndent >= 4:
        return False
    begin = state.bMarks[start] + state.tShift[start]
    if not state.src.startswith(OPEN, begin):
        return False
    limit = state.eMarks[end - 1] if end > start else state.eMarks[start]
    close = _close(state, begin, limit)
    if close == -1:
        return False
    line = start
    while state.eMarks[line] < close + len(CLOSE):
        line += 1
    if state.src[close + len(CLOSE) : state.eMarks[line]].strip():
        return False  # text follows on the closing line: a paragraph with a comment in it
    if not silent:
        token = state.push("comment", "", 0)
        token.map = [start, line + 1]
        token.hidden = True
    state.line = line + 1
    return True


def comment_inline(state: StateInline, silent: bool) -> bool:
    if not state.src.startswith(OPEN, state.pos):
        return False
    close = _close(state, state.pos, state.posMax)
    if close == -1:
        return False
    state.pos = close + len(CLOSE)
    return True


def comments_plugin(md: MarkdownIt) -> None:
    md.block.ruler.before("paragraph", "comment_block", comment_block)
    md.inline.ruler.before("autolink", "comment_inline", comment_inline)
    md.add_render_rule("comment", lambda *args: "")
