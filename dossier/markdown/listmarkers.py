"""Pandoc's ordered-list markers (`fancy_lists`, `startnum`, `example_lists`): what a
marker at the start of a line is, read as Pandoc's `anyOrderedListMarker` reads it.

    1.  2)  (3)      decimal             #.  #)  (#)   default (numbered 1, 2, 3)
    a.  b)  (c)      lower-alpha         A)  (B)  C.   upper-alpha
    i.  iv)  (ix)    lower-roman         IV.  (X)      upper-roman
    (@)  (@good)  @.  example: numbered across the whole chapter

A single `i` or `I` is roman, any other single letter alphabetic. A single capital
letter (or a one-letter roman numeral) with a period needs two spaces after it, so
that `B. Russell` stays a paragraph, as in Pandoc."""

from __future__ import annotations

import re
from dataclasses import dataclass

_MARKER = re.compile(
    r"(?P<open>\()?(?P<body>[0-9]{1,9}|#|@[A-Za-z0-9_-]*|[A-Za-z]|[ivxlcdm]+|[IVXLCDM]+)"
    r"(?P<close>[.)])(?=[ \t]|$)"
)
_ROMAN = re.compile(r"M{0,3}(CM|CD|D?C{0,3})(XC|XL|L?X{0,3})(IX|IV|V?I{0,3})")
_ROMAN_VALUES = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}
# the `type` Pandoc's HTML writer gives each style (none for the default style)
HTML_TYPES = {
    "decimal": "1",
    "example": "1",
    "lower-alpha": "a",
    "upper-alpha": "A",
    "lower-roman": "i",
    "upper-roman": "I",
    "default": "",
}


@dataclass(frozen=True, slots=True)
class Marker:
    style: str  # a key of HTML_TYPES
    delim: str  # ".", ")" or "()"
    value: int  # 0 for an example: its number is given in chapter order
    width: int  # characters, from the first of the marker to its last
    label: str = ""  # an example's label, `good` in `(@good)`


def read_marker(text: str, style: str | None = None) -> Marker | None:
    """The ordered-list marker `text` begins with, or None. Inside a list of `style`,
    a marker is read in that style first (`i.` continues a lower-alpha list as `i`)."""
    m = _MARKER.match(text)
    if m is None or (m.group("open") and m.group("close") != ")"):
        return None
    body = m.group("body")
    delim = "()" if m.group("open") else m.group("close")
    found = _styled(body, style)
    if found is None:
        return None
    kind, value = found
    if delim == "." and len(body) == 1 and body.isupper():
        rest = text[m.end() :]
        if rest and not rest.startswith(("  ", "\t")):
            return None  # `B. Russell`: an initial, not a list
    label = body[1:] if kind == "example" else ""
    return Marker(kind, delim, value, m.end(), label)


def _styled(body: str, style: str | None) -> tuple[str, int] | None:
    if body.isdigit():
        return "decimal", int(body)
    if body == "#":
        return "default", 1
    if body.startswith("@"):
        return "example", 0
    lower = body.islower()
    roman = _roman(body.upper())
    if style in ("lower-alpha", "upper-alpha") and len(body) == 1:
        return f"{'lower' if lower else 'upper'}-alpha", ord(body.lower()) - ord("a") + 1
    if style in ("lower-roman", "upper-roman") and roman:
        return f"{'lower' if lower else 'upper'}-roman", roman
    if body in ("i", "I") or (len(body) > 1 and roman):
        return f"{'lower' if lower else 'upper'}-roman", roman
    if len(body) == 1:
        return f"{'lower' if lower else 'upper'}-alpha", ord(body.lower()) - ord("a") + 1
    return None


def _roman(text: str) -> int:
    if not text or not _ROMAN.fullmatch(text):
        return 0
    total = 0
    for ch, nxt in zip(text, text[1:] + " ", strict=True):
        value = _ROMAN_VALUES[ch]
        total += -value if nxt != " " and _ROMAN_VALUES[nxt] > value else value
    return total
