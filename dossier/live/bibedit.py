"""`sources fetch --write-bib`: the `urldate` field of one entry set in place, and
nothing else of the file touched (its layout, comments, other entries stay byte for
byte as they were)."""

from __future__ import annotations

import re

_FIELD = re.compile(r"(?i)(?<![\w-])urldate\s*=\s*")
_URL = re.compile(r"(?im)^([ \t]*)url\s*=")


def _entry_span(text: str, start: int) -> tuple[int, int] | None:
    """(offset of the entry's opening brace, offset of its closing brace)."""
    at = text.find("@", start)
    if at < 0:
        return None
    m = re.compile(r"@\w+\s*([{(])").match(text, at)
    if not m:
        return None
    opening = m.end() - 1
    close_char = "}" if m.group(1) == "{" else ")"
    depth = 0
    for i in range(opening, len(text)):
        ch = text[i]
        if ch == "{" or (ch == "(" and i == opening):
            depth += 1
        elif ch == "}" or (ch == close_char == ")" and depth == 1):
            depth -= 1
            if depth == 0:
                return opening, i
    return None


def _depth(text: str, start: int, end: int) -> int:
    depth = 0
    for ch in text[start:end]:
        depth += (ch == "{") - (ch == "}")
    return depth


def _value_end(text: str, at: int) -> int:
    """Where the field value starting at `at` ends (braced, quoted or a bare word)."""
    if at < len(text) and text[at] == "{":
        depth = 0
        for i in range(at, len(text)):
            depth += (text[i] == "{") - (text[i] == "}")
            if depth == 0:
                return i + 1
        return len(text)
    if at < len(text) and text[at] == '"':
        close = text.find('"', at + 1)
        return close + 1 if close > 0 else len(text)
    m = re.compile(r"[^,}\s]*").match(text, at)
    return m.end() if m else at


def set_urldate(text: str, line: int, date: str) -> str | None:
    """`text` (a .bib file) with the entry starting on `line` (1-based) given
    `urldate = {date}`; None when the entry cannot be found there."""
    lines = text.split("\n")
    if not 1 <= line <= len(lines):
        return None
    start = sum(len(x) + 1 for x in lines[: line - 1])
    span = _entry_span(text, start)
    if span is None:
        return None
    opening, closing = span
    body = text[opening:closing]
    for m in _FIELD.finditer(body):
        if _depth(body, 0, m.start()) == 1:  # a field of this entry, not text in a value
            a = opening + m.end()
            return text[:a] + "{" + date + "}" + text[opening + _value_end(body, m.end()) :]
    url = next((u for u in _URL.finditer(body) if _depth(body, 0, u.start()) == 1), None)
    indent = url.group(1) if url else "  "
    head = text[:closing].rstrip()
    comma = "" if head.endswith(",") or head.endswith(("{", "(")) else ","
    eol = "\r\n" if "\r\n" in body else "\n"  # the file's own line ends
    return head + comma + f"{eol}{indent}urldate = {{{date}}}{eol}" + text[closing:]
