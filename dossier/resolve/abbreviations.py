"""The dossier's list of abbreviations: an optional TOML file named in dossier.toml
(`abbreviations = "data/abbreviations.toml"`), one `SHORT = "what it stands for"` a
line. Read and checked here; the PDF lists it after the contents and the site on its
title page, and the site spells each one out at its first use on a chapter page.

A TOML file rather than a definition list in a chapter: it is data, read like the
timelines, and tomllib reports its mistakes at their line."""

from __future__ import annotations

import html
import re
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..diagnostics import Diagnostic, Location, error, has_errors, warning
from ..projectfs import MAX_DATA_BYTES
from ..read.load import read_text

# One alternation of every short form is matched against each chapter: bounded.
MAX_ABBREVIATIONS = 1000


@dataclass(frozen=True, slots=True)
class Abbreviation:
    short: str
    expansion: str
    location: Location


# a key at the start of a line: bare, "basic" or 'literal' (a dotted key is a table)
_KEY = re.compile(r"""^(\s*)("(?:[^"\\\n]|\\.)*"|'[^'\n]*'|[A-Za-z0-9_-]+)\s*=""")


def read_abbreviations(
    root: Path, rel: str, cited_from: Location
) -> tuple[tuple[Abbreviation, ...], list[Diagnostic]]:
    """The list, sorted as a reader looks a short form up (case aside), and its
    problems: the file unreadable or not TOML, a short form twice, a value that is not
    text, too many entries."""
    text, problems = read_text(root, rel, "abbreviations", cited_from, MAX_DATA_BYTES)
    if text is None or has_errors(problems):
        return (), problems
    places, text, diags = _keys(text, rel)
    try:
        data = tomllib.loads(text)
    except RecursionError:
        return (), [*diags, error("abbr.syntax", "invalid TOML: nested too deeply", Location(rel))]
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"at line (\d+), column (\d+)", str(exc))
        where = Location(rel, int(m.group(1)), int(m.group(2))) if m else Location(rel)
        message = re.sub(r"\s*\(at (line \d+, column \d+|end of document)\)", "", str(exc))
        return (), [*diags, error("abbr.syntax", f"invalid TOML: {message}", where)]
    found = []
    for short, value in data.items():
        where = places.get(short, Location(rel))
        if not isinstance(value, str) or not value.strip() or not short.strip():
            diags.append(
                error(
                    "abbr.field",
                    f"'{short}' must be given what it stands for, as text",
                    where,
                    f'write it as {_quoted(short)} = "what it stands for"',
                )
            )
            continue
        found.append(Abbreviation(short.strip(), " ".join(value.split()), where))
    if len(found) > MAX_ABBREVIATIONS:
        message = f"the list has {len(found):,} abbreviations; a dossier lists at most "
        diags.append(error("abbr.too-many", f"{message}{MAX_ABBREVIATIONS:,}", Location(rel, 1, 1)))
        return (), diags
    found.sort(key=lambda a: (a.short.casefold(), a.short))
    return tuple(found), diags


def _keys(text: str, rel: str) -> tuple[dict[str, Location], str, list[Diagnostic]]:
    """Where each short form is written; a short form written again is reported at
    its own place and its line left out, so that the rest of the file is still read
    (tomllib stops at the first repeat, and points past it)."""
    places: dict[str, Location] = {}
    diags = []
    lines = text.split("\n")
    for number, line in enumerate(lines, 1):
        m = _KEY.match(line)
        if m is None:
            continue
        try:
            (key,) = tomllib.loads(m.group(2) + " = 0")
        except (tomllib.TOMLDecodeError, ValueError):
            continue
        where = Location(rel, number, len(m.group(1)) + 1)
        if key in places:
            first = places[key].line
            message = f"'{key}' is listed twice, first on line {first}"
            diags.append(error("abbr.duplicate", message, where, "keep one of the two"))
            lines[number - 1] = ""
        else:
            places[key] = where
    return places, "\n".join(lines), diags


def _quoted(short: str) -> str:
    return short if re.fullmatch(r"[A-Za-z0-9_-]+", short) else f'"{short}"'


def _pattern(shorts: Iterable[str]) -> re.Pattern[str]:
    """Any of the short forms as a whole word, the longest first ("NCRI" before "NCR")."""
    ordered = sorted(set(shorts), key=lambda s: (-len(s), s))
    return re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, ordered)) + r")(?!\w)")


def unused(abbreviations: Sequence[Abbreviation], texts: Iterable[str]) -> list[Diagnostic]:
    """A warning for each short form no chapter uses (a misspelling, or one left over
    from an earlier draft)."""
    if not abbreviations:
        return []
    pattern = _pattern(a.short for a in abbreviations)
    seen: set[str] = set()
    for text in texts:
        seen.update(pattern.findall(text))
    return [
        warning(
            "abbr.unused",
            f"'{a.short}' is in the list of abbreviations but in no chapter",
            a.location,
            "take it out of the list, or check how the chapters spell it",
        )
        for a in abbreviations
        if a.short not in seen
    ]


# Where a first use is not marked: code, drawings, headings, citations and notes' calls
_SKIP = {"code", "pre", "kbd", "samp", "svg", "abbr", "h1", "h2", "h3", "h4", "h5", "h6", "sup"}
_TAG = re.compile(r"(<[^>]*>)")
_NAME = re.compile(r"</?([A-Za-z][A-Za-z0-9]*)")


def mark_first_uses(body: str, abbreviations: Sequence[Abbreviation]) -> str:
    """A page's HTML with the first use of each short form in running text as
    `<abbr title="what it stands for">` (the page's HTML is escaped text between
    dossier's tags: the short forms are matched escaped too)."""
    if not abbreviations:
        return body
    expansion = {html.escape(a.short, quote=False): a.expansion for a in abbreviations}
    pattern = _pattern(expansion)
    pieces = _TAG.split(body)
    skipping: list[bool] = []  # one per open element: inside something skipped?

    def mark(m: re.Match[str]) -> str:
        short = m.group(0)
        if short not in expansion:
            return short
        title = html.escape(expansion.pop(short), quote=True)
        return f'<abbr title="{title}">{short}</abbr>'

    for i, piece in enumerate(pieces):
        if i % 2:
            _follow(piece, skipping)
        elif piece and expansion and not any(skipping):
            pieces[i] = pattern.sub(mark, piece)
    return "".join(pieces)


_VOID = {"br", "img", "hr", "wbr", "input", "meta", "link", "source", "col", "area"}


def _follow(tag: str, skipping: list[bool]) -> None:
    """Keeps `skipping` in step with the elements open at `tag`."""
    m = _NAME.match(tag)
    if m is None or tag.endswith("/>"):
        return
    name = m.group(1).lower()
    if name in _VOID:
        return
    if tag.startswith("</"):
        if skipping:
            skipping.pop()
        return
    citation = name == "span" and 'class="citation' in tag
    skipping.append(name in _SKIP or citation)
