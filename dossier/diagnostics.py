"""Problems as data: every stage returns diagnostics instead of raising or printing."""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"


@dataclass(frozen=True, slots=True, order=True)
class Location:
    """A place in a project file; line and column are 1-based, 0 means unknown."""

    path: str
    line: int = 0
    col: int = 0

    def __str__(self) -> str:
        parts = [self.path]
        if self.line:
            parts.append(str(self.line))
            if self.col:
                parts.append(str(self.col))
        return ":".join(parts)


@dataclass(frozen=True, slots=True)
class Diagnostic:
    severity: Severity
    code: str
    message: str
    location: Location | None = None
    hint: str = ""

    def format(self) -> str:
        """One line, inert: project text in it (a file name, a heading, a cite key)
        cannot move the cursor, erase a line, retitle the terminal or reorder text."""
        where = f"{self.location}: " if self.location else ""
        hint = f" ({self.hint})" if self.hint else ""
        return inert(f"{where}{self.severity.value}: {self.message}{hint} [{self.code}]")

    def sort_key(self) -> tuple[str, int, int, str]:
        loc = self.location or Location("")
        return (loc.path, loc.line, loc.col, self.code)


# C0 controls (ESC starts terminal sequences; a newline would forge a line of its own),
# DEL, C1 controls (U+009B is a one-character CSI) and the bidirectional controls
# that display text in another order than it is written.
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _escaped(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def inert(text: str) -> str:
    """Text safe to print on a terminal: control characters written as escapes
    (`\\x1b`, `\\u202e`), everything else as it is."""
    return _CONTROLS.sub(_escaped, text)


def error(code: str, message: str, location: Location | None = None, hint: str = "") -> Diagnostic:
    return Diagnostic(Severity.ERROR, code, message, location, hint)


def warning(
    code: str, message: str, location: Location | None = None, hint: str = ""
) -> Diagnostic:
    return Diagnostic(Severity.WARNING, code, message, location, hint)


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """A hint naming the closest candidates, or '' when nothing is close.

    A word that differs from a candidate only by invisible or look-alike characters
    (a zero-width space, a Cyrillic i, fullwidth letters) gets that candidate, and
    the hint names the characters, since the difference cannot be seen."""
    pool = list(candidates)
    shape = skeleton(word)
    twins = [c for c in pool if c != word and skeleton(c) == shape]
    if twins:
        odd_one = word if any(not _plain_char(ch) for ch in word) else twins[0]
        odd = [ch for ch in dict.fromkeys(odd_one) if not _plain_char(ch)]
        named = ", ".join(f"{visible(ch)} (U+{ord(ch):04X} {_name(ch)})" for ch in odd[:3])
        more = f" and {len(odd) - 3} more" if len(odd) > 3 else ""
        return (
            f"did you mean '{visible(twins[0])}'? '{visible(odd_one)}' contains {named}{more}"
            if named
            else f"did you mean '{visible(twins[0])}'?"
        )
    close = difflib.get_close_matches(word, pool, n=2, cutoff=0.6)
    if not close:
        folded = {c.casefold(): c for c in pool}
        close = [folded[word.casefold()]] if word.casefold() in folded else []
    if not close:
        return ""
    return "did you mean " + " or ".join(f"'{visible(c)}'" for c in close) + "?"


# Letters of other scripts that look like Latin ones (a small part of Unicode's
# confusables.txt: the ones a keyboard layout switch produces).
_CONFUSABLES = str.maketrans(
    "аеорсухіјѕԁԛԝАВЕКМНОРСТХІЈЅαοινρτυχΑΒΕΖΗΙΚΜΝΟΡΤΥΧ",
    "aeopcyxijsdqwABEKMHOPCTXIJSaoivptuxABEZHIKMNOPTYX",
)


def _invisible(ch: str) -> bool:
    category = unicodedata.category(ch)
    return category in ("Cf", "Cc", "Co", "Cn", "Zl", "Zp") or (category == "Zs" and ch != " ")


def _plain_char(ch: str) -> bool:
    return ch.isascii() and not _invisible(ch)


def _name(ch: str) -> str:
    return unicodedata.name(ch, "UNNAMED CHARACTER")


def visible(text: str) -> str:
    """Text with invisible characters written as escapes (`smith\\u200b2020`)."""
    if all(not _invisible(ch) for ch in text):
        return text
    return "".join(f"\\u{ord(ch):04x}" if _invisible(ch) else ch for ch in text)


def skeleton(text: str) -> str:
    """What text looks like: invisible characters dropped, look-alikes made Latin."""
    folded = unicodedata.normalize("NFKC", text).translate(_CONFUSABLES)
    return "".join(ch for ch in folded if not _invisible(ch))


def strict(diags: Iterable[Diagnostic]) -> tuple[Diagnostic, ...]:
    """--strict: every warning becomes an error."""
    return tuple(
        Diagnostic(Severity.ERROR, d.code, d.message, d.location, d.hint)
        if d.severity is Severity.WARNING
        else d
        for d in diags
    )


def has_errors(diags: Iterable[Diagnostic]) -> bool:
    return any(d.severity is Severity.ERROR for d in diags)


def summary(diags: Iterable[Diagnostic]) -> str:
    items = list(diags)
    n_err = sum(d.severity is Severity.ERROR for d in items)
    n_warn = sum(d.severity is Severity.WARNING for d in items)

    def plural(n: int, word: str) -> str:
        return f"{n} {word}{'' if n == 1 else 's'}"

    return f"{plural(n_err, 'error')}, {plural(n_warn, 'warning')}"


def sort(diags: Iterable[Diagnostic]) -> tuple[Diagnostic, ...]:
    """Sorted and de-duplicated, so every problem is reported once, in file order."""
    seen: dict[str, Diagnostic] = {}
    for d in sorted(diags, key=Diagnostic.sort_key):
        seen.setdefault(d.format(), d)
    return tuple(seen.values())


def encode_diagnostics(diags: Sequence[Diagnostic]) -> list[list[object]]:
    """Diagnostics as JSON rows, for the build cache."""
    return [
        [
            d.severity.value,
            d.code,
            d.message,
            d.hint,
            *([d.location.path, d.location.line, d.location.col] if d.location else []),
        ]
        for d in diags
    ]


def decode_diagnostics(rows: object) -> tuple[Diagnostic, ...] | None:
    """The rows of encode_diagnostics read back; None if any is damaged (the cache is
    as untrusted as the project it came with)."""
    if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
        return None
    try:
        return tuple(
            Diagnostic(
                Severity(r[0]),
                _str(r[1]),
                _str(r[2]),
                Location(_str(r[4]), _int(r[5]), _int(r[6])) if len(r) == 7 else None,
                _str(r[3]),
            )
            for r in rows
            if len(r) in (4, 7) or _damaged()
        )
    except (ValueError, TypeError):
        return None


# Exact types, not str()/int() of whatever is there: `null` where a message belongs is
# a damaged record, not the message "None".
def _damaged() -> bool:
    raise ValueError("a diagnostic of the wrong length")


def _str(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected text, not {type(value).__name__}")
    return value


def _int(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"expected a whole number, not {type(value).__name__}")
    return value
