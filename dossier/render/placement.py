"""Where a note citation's marker goes, as `pandoc --citeproc` places it.

In a note style pandoc moves the punctuation that follows a citation before its note
marker and drops the space before the marker (its `mvPunct`): `Text [@a].` prints
`Text.¹`, `As @a, here` prints `As Doe,¹ here`. With a locale that puts punctuation
inside quotation marks (en-US), a period or comma moved after a closing quotation mark
goes inside it: `"Title" [@a].` prints `“Title.”¹`. The writer places each block's text
as it writes it (the tree is never changed), so the site and print show the same text.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, replace

from ..model import Formatted
from ..model import tree as t

# what pandoc's startWithPunct and endWithPunct look for
_END_PUNCT = ".,;:!?"
_CLOSING_QUOTE = "\u201d"


# an image's description is not its paragraph's text (a figure places its caption)
_WRAPPERS = tuple(w for w in t.WRAPPERS if w is not t.Image)


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


def _into_quote(text: str, punct: str, in_quote: bool) -> str:
    """`text` followed by `punct`, a leading period or comma moved inside a closing
    quotation mark when the locale asks for it."""
    if in_quote and text.endswith(_CLOSING_QUOTE) and punct[:1] in (".", ","):
        return text[:-1] + punct[0] + _CLOSING_QUOTE + punct[1:]
    return text + punct


def place(
    children: t.Inlines, formatted: Formatted, cluster_id: Callable[[int], str], in_note: bool
) -> tuple[t.Inlines, dict[int, str]]:
    """A block's inlines with each note citation placed as pandoc places it, inside
    emphasis and spans too (an image's description is a caption's own text), and the
    punctuation that moved into each citation (by its ref) to stand before its marker."""
    if not _has_cite(children):
        return children, {}
    placer = _Placer(formatted, cluster_id, in_note, {})
    return tuple(placer.place(list(children))), placer.moved


def _has_cite(children: t.Inlines) -> bool:
    return any(
        isinstance(c, t.Cite) or (isinstance(c, _WRAPPERS) and _has_cite(c.children))
        for c in children
    )


@dataclass(frozen=True, slots=True)
class _Placer:
    formatted: Formatted
    cluster_id: Callable[[int], str]
    in_note: bool
    moved: dict[int, str]

    def is_note(self, node: t.Inline) -> bool:
        if not isinstance(node, t.Cite) or self.in_note:
            return False
        cited = self.formatted.citations.get(self.cluster_id(node.ref))
        return cited is not None and bool(cited.note_html)

    def after_note_citation(self, children: list[t.Inline], n: int, cite: t.Cite) -> None:
        """A citation inside a footnote that ends with a period takes the place of the
        period that follows it (pandoc: `[@a].` in a note prints `Doe, Title.`, once)."""
        cited = self.formatted.citations.get(self.cluster_id(cite.ref))
        nxt = children[n + 1] if n + 1 < len(children) else None
        if cited is None or not isinstance(nxt, t.Str):
            return
        if _plain(cited.html).endswith(".") and nxt.text[:1] == "." and nxt.text[1:2] in ("", " "):
            children[n + 1] = t.Str(nxt.text[1:])

    def place(self, children: list[t.Inline], inside: bool = False) -> list[t.Inline]:
        """`inside`: these are a wrapper's children (its opening tag stands before them,
        as a token did in markdown-it's flat list, which pandoc's rules were ported on)."""
        in_quote = self.formatted.punctuation_in_quote
        out: list[t.Inline] = []
        for n, node in enumerate(children):
            if isinstance(node, _WRAPPERS) and _has_cite(node.children):
                out.append(replace(node, children=tuple(self.place(list(node.children), True))))
                continue
            if isinstance(node, t.Cite) and self.in_note:
                self.after_note_citation(children, n, node)
            if not isinstance(node, t.Cite) or not self.is_note(node):
                out.append(node)
                continue
            nxt = children[n + 1] if n + 1 < len(children) else None
            after = nxt.text if isinstance(nxt, t.Str) else ""
            inline_text = _plain(self.formatted.citations[self.cluster_id(node.ref)].html)
            if not inline_text and _spacy(out, inside):
                # 'x [^1],' -> 'x,[^1]': the space goes, the punctuation moves before it
                last = out[-1]
                if isinstance(last, t.SoftBreak):
                    out.pop()
                elif isinstance(last, t.Str):
                    out[-1] = t.Str(last.text.rstrip())
                    if not last.text.rstrip():
                        out.pop()
                punct = _leading_punct(after)
                if punct and nxt is not None:
                    children[n + 1] = t.Str(after[len(punct) :])
                    prev = out[-1] if out else None
                    if isinstance(prev, t.Str):
                        out[-1] = t.Str(_into_quote(prev.text, punct, in_quote))
                    else:
                        out.append(t.Str(punct))
            elif after[:1] and after[0] in _END_PUNCT and nxt is not None:
                # 'x[^1],' -> 'x,[^1]': into the citation, unless it ends so already
                punct = _leading_punct(after)
                children[n + 1] = t.Str(after[len(punct) :])
                if not _ends_with_punct(inline_text):
                    self.moved[node.ref] = punct
            out.append(node)
        return out


def _spacy(out: list[t.Inline], inside: bool) -> bool:
    """A space (or line break) before, with something before it: pandoc's
    `q : Space : Cite`."""
    if not out:
        return False
    last = out[-1]
    if isinstance(last, t.SoftBreak):
        return len(out) > 1 or inside
    return (
        isinstance(last, t.Str)
        and last.text[-1:].isspace()
        and (bool(last.text.strip()) or len(out) > 1 or inside)
    )
