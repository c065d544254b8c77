"""Where a note citation's marker goes, as `pandoc --citeproc` places it.

In a note style pandoc moves the punctuation that follows a citation before its note
marker and drops the space before the marker (its `mvPunct`): `Text [@a].` prints
`Text.¹`, `As @a, here` prints `As Doe,¹ here`. With a locale that puts punctuation
inside quotation marks (en-US), a period or comma moved after a closing quotation mark
goes inside it: `"Title" [@a].` prints `“Title.”¹`. The rules are applied to a copy of
each paragraph's inline tokens before rendering (the same tokens are rendered for the
site and for print), so both show the same text.
"""

from __future__ import annotations

import copy
import html
import re
import unicodedata
from collections.abc import Sequence
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.token import Token

from ..model import Formatted

# what pandoc's startWithPunct and endWithPunct look for
_END_PUNCT = ".,;:!?"
_CLOSING_QUOTE = "\u201d"


def punctuation_in_quote(language: str) -> bool:
    """Whether the CSL locale of `language` sets punctuation-in-quote: of the locales
    pandoc ships, en-US (which plain `en` falls back to) alone."""
    return language.lower() in ("en", "en-us")


def _is_punct(ch: str) -> bool:
    # pandoc's isPunct: Unicode punctuation, except the en and em dashes
    return unicodedata.category(ch).startswith("P") and ch not in "\u2013\u2014"


def _leading_punct(text: str) -> str:
    n = 0
    while n < len(text) and _is_punct(text[n]):
        n += 1
    return text[:n]


def _ends_with_punct(text: str) -> bool:
    """pandoc's endWithPunct False: ends with .,;:!? or with punctuation after one."""
    if not text:
        return False
    last = text[-1]
    return last in _END_PUNCT or (len(text) > 1 and _is_punct(last) and text[-2] in _END_PUNCT)


def _plain(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]*>", "", fragment))


def _text(content: str) -> Token:
    tok = Token("text", "", 0)
    tok.content = content
    return tok


def _copy_text(tok: Token, content: str) -> Token:
    new = copy.copy(tok)
    new.content = content
    return new


def _into_quote(text: str, punct: str, in_quote: bool) -> str:
    """`text` followed by `punct`, a leading period or comma moved inside a closing
    quotation mark when the locale asks for it."""
    if in_quote and text.endswith(_CLOSING_QUOTE) and punct[:1] in (".", ","):
        return text[:-1] + punct[0] + _CLOSING_QUOTE + punct[1:]
    return text + punct


def place_notes(tokens: Sequence[Token], formatted: Formatted) -> list[Token]:
    """The block tokens, each inline token holding a note citation replaced by a copy
    whose children are placed as pandoc places them."""
    out = []
    for tok in tokens:
        if tok.type == "inline" and any(c.type == "citation" for c in tok.children or ()):
            tok = copy.copy(tok)
            tok.children = _place(list(tok.children or ()), formatted)
        image = (tok.meta or {}).get("image") if tok.type == "figure_open" else None
        if isinstance(image, Token) and any(c.type == "citation" for c in image.children or ()):
            # a figure's caption is rendered from its image's children (markup.figure_close)
            image = copy.copy(image)
            image.children = _place(list(image.children or ()), formatted)
            tok = copy.copy(tok)
            tok.meta = {**tok.meta, "image": image}
        out.append(tok)
    return out


def _is_note(tok: Token, formatted: Formatted) -> bool:
    if tok.type != "citation" or not tok.meta or tok.meta.get("in_note"):
        return False
    cited = formatted.citations.get(str(tok.meta.get("id", "")))
    return cited is not None and bool(cited.note_html)


def _spacy(out: list[Token]) -> bool:
    """A space (or line break) before, with something before it: pandoc's
    `q : Space : Cite`."""
    if not out:
        return False
    last = out[-1]
    if last.type == "softbreak":
        return len(out) > 1
    return (
        last.type == "text"
        and last.content[-1:].isspace()
        and (bool(last.content.strip()) or len(out) > 1)
    )


def _after_note_citation(children: list[Token], n: int, formatted: Formatted) -> None:
    """A citation inside a footnote that ends with a period takes the place of the
    period that follows it (pandoc: `[@a].` in a note prints `Doe, Title.`, once)."""
    cited = formatted.citations.get(str(children[n].meta.get("id", "")))
    nxt = children[n + 1] if n + 1 < len(children) else None
    if cited is None or nxt is None or nxt.type != "text":
        return
    if (
        _plain(cited.html).endswith(".")
        and nxt.content[:1] == "."
        and nxt.content[1:2] in ("", " ")
    ):
        children[n + 1] = _copy_text(nxt, nxt.content[1:])


def _place(children: list[Token], formatted: Formatted) -> list[Token]:
    in_quote = formatted.punctuation_in_quote
    out: list[Token] = []
    for n, tok in enumerate(children):
        if tok.type == "citation" and tok.meta and tok.meta.get("in_note"):
            _after_note_citation(children, n, formatted)
        if not _is_note(tok, formatted):
            out.append(tok)
            continue
        nxt = children[n + 1] if n + 1 < len(children) else None
        after = nxt.content if nxt is not None and nxt.type == "text" else ""
        inline_text = _plain(formatted.citations[str(tok.meta["id"])].html)
        if not inline_text and _spacy(out):
            # 'x [^1],' -> 'x,[^1]': the space goes, the punctuation moves before it
            if out[-1].type == "softbreak":
                out.pop()
            else:
                out[-1] = _copy_text(out[-1], out[-1].content.rstrip())
                if not out[-1].content:
                    out.pop()
            punct = _leading_punct(after)
            if punct and nxt is not None:
                children[n + 1] = _copy_text(nxt, after[len(punct) :])
                if out and out[-1].type == "text":
                    out[-1] = _copy_text(out[-1], _into_quote(out[-1].content, punct, in_quote))
                else:
                    out.append(_text(punct))
        elif after[:1] and after[0] in _END_PUNCT and nxt is not None:
            # 'x[^1],' -> 'x,[^1]': into the citation, unless it ends so already
            punct = _leading_punct(after)
            children[n + 1] = _copy_text(nxt, after[len(punct) :])
            if not _ends_with_punct(inline_text):
                tok = copy.copy(tok)
                tok.meta = {**tok.meta, "moved": punct}
        out.append(tok)
    return out


def one_sequence(md: MarkdownIt, tokens: Sequence[Token], env: dict[str, Any], ctx: Any) -> str:
    """A chapter page of a note style: the text, then one list of notes, citation notes
    and the author's footnotes numbered together in the order the text refers to them
    (as pandoc numbers them, and as the PDF's footnotes are numbered). Citations inside
    footnotes stay in them. Numbers restart on each page: a page is read on its own.
    `ctx` is the page's render.markup.RenderContext."""
    body: list[Token] = []
    footnotes: dict[int, list[Token]] = {}
    inside, current = False, -1
    for tok in tokens:
        if tok.type in ("footnote_block_open", "footnote_block_close"):
            inside = tok.type == "footnote_block_open"
        elif not inside:
            body.append(tok)
        elif tok.type == "footnote_open":
            current = int(tok.meta["id"]) + 1
            footnotes[current] = []
        elif tok.type == "footnote_close":
            current = -1
        elif current > 0:
            footnotes[current].append(tok)
    renderer: Any = md.renderer
    text = str(renderer.render(body, md.options, env))
    bodies = {n: str(renderer.render(t, md.options, env)) for n, t in footnotes.items()}
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
        + '<ol class="footnotes-list">\n'
        + "\n".join(items)
        + "\n</ol>\n</section>\n"
    )
