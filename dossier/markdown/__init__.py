"""Markdown -> tokens, with the Pandoc extensions a dossier is written in."""

from __future__ import annotations

import gc
import re
from dataclasses import dataclass

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from mdit_py_plugins.deflist import deflist_plugin
from mdit_py_plugins.footnote import footnote_plugin
from mdit_py_plugins.front_matter import front_matter_plugin

from ..diagnostics import Diagnostic, Location, Severity, error, warning
from .attributes import attributes_plugin
from .blankbefore import AMBIGUOUS, NAMES, blank_before_plugin
from .chaptermeta import Plain, read_metadata, title_block
from .citations import citations_plugin
from .comments import comments_plugin
from .divs import divs_plugin
from .fancylists import fancy_lists_plugin
from .gridtables import grid_tables_plugin
from .implicit import implicit_refs_plugin
from .lineblocks import line_blocks_plugin
from .math import check_math, math_plugin
from .metadata import metadata_plugin
from .rawinline import raw_inline_plugin
from .simpletables import simple_tables_plugin
from .spans import spans_plugin
from .transforms import check_markup, transforms_plugin
from .typography import typography_plugin

__all__ = ["ParsedChapter", "make_parser", "parse_chapter"]


def make_parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"typographer": True, "html": False})
    md.enable(["table", "strikethrough", "replacements", "smartquotes"])
    md.use(front_matter_plugin)
    md.use(blank_before_plugin)
    md.use(metadata_plugin)
    md.use(comments_plugin)
    md.use(math_plugin)
    md.use(footnote_plugin)
    md.use(deflist_plugin)
    md.use(attributes_plugin)
    md.use(implicit_refs_plugin)
    md.use(spans_plugin)
    md.use(divs_plugin)
    md.use(line_blocks_plugin)
    md.use(grid_tables_plugin)
    md.use(simple_tables_plugin)
    md.use(citations_plugin)
    md.use(fancy_lists_plugin)  # after blank_before and citations: it wraps and precedes them
    md.use(transforms_plugin)
    md.use(typography_plugin)
    md.use(raw_inline_plugin)  # after transforms: its balance runs before raw_html_scan
    # Pandoc's smart extension turns `--`/`---`/`...` into dashes and an ellipsis, and
    # nothing else: markdown-it's (c), (tm), +- replacements would surprise a Pandoc user.
    md.core.ruler.at("replacements", _pandoc_replacements)
    return md


# Pandoc reads a run of hyphens greedily: each `---` an em dash, then `--` an en dash
# or `-` a hyphen (`-----` is em + en); a single hyphen stays.
_DASH_RUN = re.compile(r"-{2,}")
_REST = {0: "", 1: "-", 2: "\u2013"}
_ELLIPSIS = re.compile(r"\.\.\.")


def _dashes(m: re.Match[str]) -> str:
    n = len(m.group())
    return "\u2014" * (n // 3) + _REST[n % 3]


def _pandoc_replacements(state: StateCore) -> None:
    for block in state.tokens:
        if block.type != "inline" or not block.children:
            continue
        inside_link = 0
        for tok in block.children:
            if tok.type == "link_open":
                inside_link += 1
            elif tok.type == "link_close":
                inside_link -= 1
            elif tok.type == "text" and not inside_link:
                tok.content = _ELLIPSIS.sub("\u2026", _DASH_RUN.sub(_dashes, tok.content))


@dataclass(frozen=True, slots=True)
class ParsedChapter:
    path: str
    tokens: tuple[Token, ...]
    front_matter: dict[str, Plain]
    lines: tuple[str, ...]
    diagnostics: tuple[Diagnostic, ...]


def parse_chapter(md: MarkdownIt, text: str, path: str) -> ParsedChapter:
    env: dict[str, object] = {}
    # A long chapter makes millions of tokens and none of them are cyclic garbage; the
    # cyclic collector would only walk them over and over (a third of the parse time).
    collecting = gc.isenabled()
    gc.disable()
    try:
        tokens = md.parse(text, env)
    finally:
        if collecting:
            gc.enable()
    diags: list[Diagnostic] = []
    front: dict[str, Plain] = {}
    for tok in tokens:
        if tok.type == "front_matter":
            more_front, more = _front_matter(tok, path)
            front.update(more_front)
            diags.extend(more)
        elif tok.type == "metadata_block":  # later blocks win, as in Pandoc
            line = (tok.map[0] + 2) if tok.map else 1
            more_front, more = read_metadata(tok.meta["data"], path, line, "metadata block")
            front.update(more_front)
            diags.extend(more)
        elif tok.type == "raw_block":
            line = (tok.map[0] + 1) if tok.map else 0
            diags.append(
                Diagnostic(
                    Severity.NOTE,
                    "md.raw-format",
                    f"a raw '{tok.meta['format']}' block is left out of the site and "
                    "the PDF, as Pandoc leaves out formats other than its output's",
                    Location(path, line, 1),
                )
            )
        elif tok.type == "div_open" and tok.meta.get("unclosed"):
            line = (tok.map[0] + 1) if tok.map else 0
            diags.append(
                warning(
                    "md.unclosed-div",
                    "fenced div is never closed with ':::'",
                    Location(path, line, 1),
                )
            )
    tokens = _with_title_block(tokens, front)
    lines = tuple(text.split("\n"))
    diags.extend(check_markup(tokens, lines, path))
    diags.extend(check_math(tokens, lines, path))
    found = env.pop(AMBIGUOUS, None)  # {0-based line: kind}, written by blank_before
    ambiguous: dict[int, str] = found if isinstance(found, dict) else {}
    for line, kind in sorted(ambiguous.items()):
        if ambiguous.get(line - 1) == kind:
            continue  # the next item of the same list: one warning says it
        diags.append(
            warning(
                "md.ambiguous",
                f"{NAMES[kind]} right under a paragraph line is read as part of the "
                "paragraph, as Pandoc reads it (CommonMark and GitHub would start "
                f"{NAMES[kind]})",
                Location(path, line + 1, 1),
                f"add a blank line before {NAMES[kind]}",
            )
        )
    return ParsedChapter(path, tuple(tokens), front, lines, tuple(diags))


def _front_matter(tok: Token, path: str) -> tuple[dict[str, Plain], list[Diagnostic]]:
    import yaml  # here: only a chapter with front matter pays for it (~10 ms)

    if len(tok.content) >= 65536:
        return {}, [
            warning("md.front-matter", "front matter over 64 KiB is ignored", Location(path, 2))
        ]
    try:
        data = yaml.safe_load(tok.content)
    except RecursionError:  # PyYAML recurses once per level: `[[[[...` ran out of stack
        return {}, [
            error("md.front-matter", "front matter is nested too deeply", Location(path, 2))
        ]
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark is not None else 1
        problem = getattr(exc, "problem", None) or "invalid YAML"
        return {}, [error("md.front-matter", f"front matter: {problem}", Location(path, line))]
    if data is None:
        return {}, []
    if not isinstance(data, dict):
        return {}, [
            error(
                "md.front-matter", "front matter must be a mapping (key: value)", Location(path, 1)
            )
        ]
    return read_metadata(data, path, 2, "front matter")


def _with_title_block(tokens: list[Token], meta: dict[str, Plain]) -> list[Token]:
    """The title block (subtitle, authors, date, abstract) at the top of the chapter,
    as Pandoc's template has it: under the level-one heading the chapter opens with
    (its title), or before whatever comes first."""
    block = title_block(meta)
    if block is None:
        return tokens
    at = next((i for i, t in enumerate(tokens) if not t.hidden), len(tokens))
    if at < len(tokens) and tokens[at].type == "heading_open" and tokens[at].tag == "h1":
        at += 3  # heading_open, inline, heading_close
    return [*tokens[:at], block, *tokens[at:]]
