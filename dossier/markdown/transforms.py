"""Core rules that turn Pandoc conventions into tokens: heading attributes, table
captions, figures, and an allow-list for attributes written in `{...}`; and the checks
that keep untrusted Markdown inert: raw HTML is shown as text (with a warning) and a
link whose target is not a web page, a mail address or a place inside the project is
shown as plain text (with a warning)."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Sequence
from urllib.parse import unquote

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

from ..diagnostics import Diagnostic, Location, warning

# re-exported: the policy used to live here
from ..urls import LINK_SCHEMES as LINK_SCHEMES
from ..urls import plain_url as plain_url
from ..urls import url_problem
from .divs import parse_attrs
from .spans import good_dir, good_lang
from .walk import find_in_lines

_TRAILING_ATTRS = re.compile(r"\s*\{(?P<attrs>[^{}]*)\}\s*$")
_CAPTION = re.compile(r"^(?:Table:|:)\s+")
SAFE_ATTRS = frozenset(
    {
        "id",
        "class",
        "width",
        "height",
        "src",
        "href",
        "alt",
        "title",
        "start",
        "type",
        "style",
        "lang",
        "dir",
        "colspan",
        "rowspan",
    }
)


def heading_attrs(state: StateCore) -> None:
    """`# Title {#sec-x .unnumbered}`: strip the braces, apply them to the heading."""
    tokens = state.tokens
    for i, tok in enumerate(tokens):
        if tok.type != "heading_open":
            continue
        inline = tokens[i + 1]
        m = _TRAILING_ATTRS.search(inline.content)
        if not m:
            continue
        ident, classes, kv = parse_attrs(m.group("attrs"))
        inline.content = inline.content[: m.start()]
        if ident:
            tok.attrSet("id", ident)
        for name in ("lang", "dir"):
            if name in kv:
                tok.attrSet(name, kv[name])
        if classes:
            tok.attrSet("class", " ".join(classes))


def table_captions(state: StateCore) -> None:
    """A paragraph `Table: ...` (or `: ...`) right before or after a table is its caption."""
    tokens = state.tokens
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok.type == "table_open":
            _caption_row_to_paragraph(tokens, i, state.src)
            i += _definition_to_caption(tokens, i)
            after = _table_end(tokens, i) + 1
            if _is_caption(tokens, after):
                caption = tokens[after : after + 3]
                del tokens[after : after + 3]
                _attach(tok, caption)
                tokens[i + 1 : i + 1] = caption
            elif i >= 3 and _is_caption(tokens, i - 3):
                caption = tokens[i - 3 : i]
                del tokens[i - 3 : i]
                i -= 3
                _attach(tok, caption)
                tokens[i + 1 : i + 1] = caption
        i += 1


def _caption_row_to_paragraph(tokens: list[Token], start: int, src: str) -> None:
    """`Table: ...` on the line right under a pipe table is read by markdown-it as the
    table's last row (a row needs no pipe); Pandoc reads it as the caption. That row
    becomes the paragraph after the table, which table_captions then attaches."""
    end = _table_end(tokens, start)
    if end < 2 or tokens[end - 1].type != "tbody_close" or tokens[end - 2].type != "tr_close":
        return
    row = end - 2
    while row > start and tokens[row].type != "tr_open":
        row -= 1
    cells = [t for t in tokens[row:end] if t.type == "inline"]
    if not cells or not _CAPTION.match(cells[0].content) or any(c.content for c in cells[1:]):
        return
    where = tokens[row].map
    if where is None or "|" in src.split("\n", where[0] + 1)[where[0]]:
        return  # `| : x |` is a row that starts with a colon
    level = tokens[start].level
    para = [Token("paragraph_open", "p", 1), cells[0], Token("paragraph_close", "p", -1)]
    for tok in para:
        tok.level, tok.block, tok.map = level, True, tokens[row].map
    cells[0].level = level + 1
    del tokens[row : end - 1]  # the row, up to tbody_close
    end = row + 1  # table_close
    if tokens[row - 1].type == "tbody_open":  # it was the only row: no body is left
        del tokens[row - 1 : row + 1]
        end = row - 1
    tokens[end + 1 : end + 1] = para


_DEFINITION = ["dl_open", "dt_open", "inline", "dt_close", "dd_open"]
_DEFINITION_END = ["paragraph_open", "inline", "paragraph_close", "dd_close", "dl_close"]


def _definition_to_caption(tokens: list[Token], table: int) -> int:
    """`Text` then `: caption` right above a table is a paragraph and the table's
    caption in Pandoc, not a definition list (deflist reads it so). Returns how many
    tokens the change added before the table."""
    start = table - 10
    if start < 0 or [t.type for t in tokens[start:table]] != _DEFINITION + _DEFINITION_END:
        return 0
    term, definition = tokens[start + 2], tokens[start + 6]
    if term.level != tokens[table].level + 2:
        return 0
    level = tokens[table].level
    para = []
    for inline, where in ((term, tokens[start + 1].map), (definition, tokens[start + 5].map)):
        opening, closing = Token("paragraph_open", "p", 1), Token("paragraph_close", "p", -1)
        for t in (opening, closing):
            t.level, t.block, t.map = level, True, where
        inline.level = level + 1
        para += [opening, inline, closing]
    definition.content = ": " + definition.content
    tokens[start:table] = para
    return len(para) - 10


def _table_end(tokens: list[Token], start: int) -> int:
    for j in range(start, len(tokens)):
        if tokens[j].type == "table_close" and tokens[j].level == tokens[start].level:
            return j
    return len(tokens) - 1


def _is_caption(tokens: list[Token], j: int) -> bool:
    return (
        j >= 0
        and j + 2 < len(tokens)
        and tokens[j].type == "paragraph_open"
        and tokens[j + 1].type == "inline"
        and bool(_CAPTION.match(tokens[j + 1].content))
    )


def _attach(table: Token, caption: list[Token]) -> None:
    opening, inline, closing = caption
    inline.content = _CAPTION.sub("", inline.content, count=1)
    m = _TRAILING_ATTRS.search(inline.content)
    if m:
        ident, _classes, _ = parse_attrs(m.group("attrs"))
        inline.content = inline.content[: m.start()]
        if ident:
            table.attrSet("id", ident)
    opening.type, opening.tag = "caption_open", "caption"
    closing.type, closing.tag = "caption_close", "caption"
    table.meta = {**(table.meta or {}), "captioned": True}


def figures(state: StateCore) -> None:
    """An image alone in its paragraph becomes a figure; its alt text is the caption
    (without one it stays an image in a paragraph, as in Pandoc)."""
    tokens = state.tokens
    for i, tok in enumerate(tokens):
        if tok.type != "paragraph_open" or i + 2 >= len(tokens):
            continue
        children = [
            c
            for c in (tokens[i + 1].children or [])
            if not (c.type == "text" and not c.content.strip()) and c.type != "softbreak"
        ]
        if len(children) != 1 or children[0].type != "image":
            continue
        image = children[0]
        if not "".join(c.content for c in image.children or []).strip():
            continue  # no caption: an image in a paragraph, as Pandoc's implicit_figures
        tok.type, tok.tag = "figure_open", "figure"
        tokens[i + 2].type, tokens[i + 2].tag = "figure_close", "figure"
        ident = str(image.attrs.pop("id", "") or "")
        tok.meta = {"image": image, "id": ident}
        if ident:
            tok.attrSet("id", ident)


def safe_attributes(state: StateCore) -> None:
    """`{onclick=...}` and friends never reach the page: keep an allow-list only."""
    stack: list[Token] = list(state.tokens)
    while stack:
        tok = stack.pop()
        if tok.attrs:
            for name in [n for n in tok.attrs if n not in SAFE_ATTRS]:
                del tok.attrs[name]
            if "lang" in tok.attrs and not good_lang(str(tok.attrs["lang"])):
                del tok.attrs["lang"]
            if "dir" in tok.attrs and not good_dir(str(tok.attrs["dir"])):
                del tok.attrs["dir"]
            for span in ("colspan", "rowspan"):
                if span in tok.attrs and not re.fullmatch(r"[1-9][0-9]{0,3}", str(tok.attrs[span])):
                    del tok.attrs[span]
            style = tok.attrs.get("style")
            if style is not None and not re.fullmatch(r"[\w\s:;%.#-]*", str(style)):
                del tok.attrs["style"]
            if style is not None and re.search(r"url|expression|@|\\", str(style), re.I):
                tok.attrs.pop("style", None)
        if tok.children:
            stack.extend(tok.children)


# --- raw HTML: never passed through, but the author should know it is shown as text -----

# One tag at a given `<`; each alternative stops at the next `<` or `>`, so trying it at
# every `<` of a text reads the text about once. Comments are found apart (_raw_tags):
# `<!--.*?-->` tried at each of 50,000 unclosed `<!--` reads the rest of the text each time.
_RAW_TAG = re.compile(
    r"<(?:/?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?|![A-Za-z][^<>]*|\?[^<>]*\?)>",
)
_HOLE = "\x00"  # stands for code spans, escapes and entities: never raw HTML


def raw_tags(text: str) -> list[str]:
    """The raw HTML tags and comments in `text`, in order, in linear time."""
    found: list[str] = []
    closes = True  # False once a comment is known to have no `-->` after it
    pos = text.find("<")
    while pos != -1:
        nxt = pos + 1
        if text.startswith("<!--", pos):
            end = text.find("-->", pos + 4) if closes else -1
            if end == -1:
                closes = False  # no later comment can close either
            else:
                found.append(text[pos : end + 3])
                nxt = end + 3
        elif m := _RAW_TAG.match(text, pos):
            found.append(m.group())
            nxt = m.end()
        pos = text.find("<", nxt)
    return found


def raw_html_scan(state: StateCore) -> None:
    """Before text_join (escapes and entities are still separate tokens): note the raw
    HTML tags each inline holds, for a warning at its line."""
    for block in state.tokens:
        if block.type != "inline" or not block.children:
            continue
        found = raw_tags(_plain_text(block.children))
        if found:
            block.meta = {**(block.meta or {}), "raw_html": found}


def _plain_text(children: Sequence[Token]) -> str:
    parts = []
    for tok in children:
        if tok.type == "text":
            parts.append(tok.content)
        elif tok.type in ("softbreak", "hardbreak"):
            parts.append("\n")
        elif tok.children:  # an image's caption
            parts.append(_HOLE + _plain_text(tok.children) + _HOLE)
        else:
            parts.append(_HOLE)
    return "".join(parts)


# --- links: only web pages, mail and places inside the project become live ------------
# The policy itself is dossier.urls, shared with every other place a link is written.


def check_markup(tokens: Sequence[Token], lines: Sequence[str], path: str) -> list[Diagnostic]:
    """Warnings for raw HTML; refused links become plain text (a span)."""
    diags: list[Diagnostic] = []
    folder = posixpath.dirname(path)
    for block in tokens:
        if block.type != "inline" or not block.children:
            continue
        start = block.map[0] if block.map else 0
        end = block.map[1] if block.map else start + 1
        warned: set[int] = set()  # one warning per line is enough to find them all
        cursor = (start, 0)  # tags come in order: each is searched from the one before
        for tag in (block.meta or {}).get("raw_html", []):
            line, col = _find_next(lines, cursor, end, tag.split("\n")[0])
            cursor = (line - 1, col)
            if line not in warned:
                warned.add(line)
                diags.append(
                    warning(
                        "md.raw-html",
                        f"raw HTML '{_short(tag, 40)}' is shown as text, not passed through",
                        Location(path, line, col),
                        "write it in Markdown, or remove it",
                    )
                )
        for children in _inline_lists(block.children):
            for i, tok in enumerate(children):
                if tok.type != "link_open":
                    continue
                href = str(tok.attrs.get("href", ""))
                problem = url_problem(href, folder)
                if problem is None:
                    continue
                j = next(
                    (j for j in range(i + 1, len(children)) if children[j].type == "link_close"),
                    len(children),
                )
                label = "".join(c.content for c in children[i + 1 : j] if c.type == "text")
                line, col = find_in_lines(lines, start, end, [f"[{label}](", href, unquote(href)])
                diags.append(
                    warning(
                        "md.link-refused",
                        f"link to '{_short(href, 60)}' is shown as plain text: {problem}",
                        Location(path, line, col),
                    )
                )
                _unlink(tok, children[j] if j < len(children) else None)
    return diags


def _inline_lists(children: list[Token]) -> list[list[Token]]:
    """An inline's children and, nested in them, every image caption's."""
    lists = [children]
    for tok in children:
        if tok.children:
            lists.extend(_inline_lists(tok.children))
    return lists


def _short(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 3] + "..."


def _unlink(opener: Token, closer: Token | None) -> None:
    for tok in (opener, closer):
        if tok is not None:
            tok.type = "link_refused_" + ("open" if tok is opener else "close")
            tok.tag = "span"
            tok.attrs = {"class": "link-refused"} if tok is opener else {}


def _find_next(
    lines: Sequence[str], cursor: tuple[int, int], end: int, needle: str
) -> tuple[int, int]:
    """1-based line and column of `needle` at or after the 0-based (line, column) cursor,
    within lines[:end]; the cursor's line when it is not found (text moved by escapes)."""
    n, col = cursor
    while n < min(end, len(lines)):
        found = lines[n].find(needle, col)
        if found >= 0:
            return n + 1, found + 1
        n, col = n + 1, 0
    return cursor[0] + 1, cursor[1] + 1


def _accept_all(url: str) -> bool:
    """markdown-it silently leaves `[x](javascript:...)` unlinked; dossier refuses such
    links itself (check_markup), with a warning the author can act on."""
    return True


def transforms_plugin(md: MarkdownIt) -> None:
    md.validateLink = _accept_all  # type: ignore[method-assign]
    md.core.ruler.after("inline", "raw_html_scan", raw_html_scan)
    md.core.ruler.before("inline", "heading_attrs", heading_attrs)
    md.core.ruler.before("inline", "table_captions", table_captions)
    md.core.ruler.after("inline", "figures", figures)
    md.core.ruler.push("safe_attributes", safe_attributes)
