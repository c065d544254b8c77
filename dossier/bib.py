"""references.bib -> entries with locations, and every problem at bib:line.

bibtexparser v2 is used without its middlewares so that field values keep their
enclosing braces: that is how undefined @string macros are told from literals.
The formatting engine later reads only the blocks that parsed (`clean_bibtex`), so
one broken entry never takes the rest of the file down with it.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

import bibtexparser
from bibtexparser import model as bm

from .diagnostics import Diagnostic, Location, error, warning
from .model import Bibliography, Entry

MONTHS = {"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}
# Fields a reader cannot do without; everything else is optional.
REQUIRED: dict[str, tuple[tuple[str, ...], ...]] = {
    "article": (("title",), ("journal", "journaltitle")),
    "book": (("title",),),
    "incollection": (("title",), ("booktitle", "crossref")),
    "inproceedings": (("title",), ("booktitle", "crossref")),
}
_DEFAULT_REQUIRED: tuple[tuple[str, ...], ...] = (("title",),)
_STRUCTURAL = re.compile(r"[{}\\]")


def load_bibliography(root: Path, rel: str) -> tuple[Bibliography, tuple[Diagnostic, ...]]:
    path = root / rel
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return Bibliography((), ""), (error("bib.missing", f"bibliography '{rel}' not found",
                                            Location("dossier.toml")),)
    except OSError as exc:
        return Bibliography((), ""), (error("bib.unreadable", f"cannot read: {exc}",
                                            Location(rel)),)
    text, diags = decode(data, rel)
    bib, more = parse_bibtex(text, rel)
    return bib, diags + more


def decode(data: bytes, rel: str) -> tuple[str, tuple[Diagnostic, ...]]:
    """Strict UTF-8; bad bytes are reported at their line and replaced."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8"), ()
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        return data.decode("utf-8", errors="replace"), (
            error("bib.encoding", "invalid UTF-8 byte sequence", Location(rel, line, col),
                  "save the file as UTF-8"),)


def parse_bibtex(text: str, rel: str) -> tuple[Bibliography, tuple[Diagnostic, ...]]:
    logging.getLogger("bibtexparser").setLevel(logging.CRITICAL)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    library = bibtexparser.parse_string(text, parse_stack=[])
    diags: list[Diagnostic] = []
    strings = {s.key.lower() for s in library.strings}
    entries: list[Entry] = []
    clean: list[str] = []
    seen: dict[str, Entry] = {}

    for block in library.blocks:
        loc = Location(rel, block.start_line + 1)
        if isinstance(block, bm.String):
            clean.append(block.raw)
            for macro in _undefined_macros(block.value, strings):
                diags.append(error("bib.undefined-string", f"@string '{block.key}' uses "
                                   f"undefined macro '{macro}'", loc))
        elif isinstance(block, bm.DuplicateBlockKeyBlock):
            first = seen.get(block.key)
            where = f" (first defined at line {first.location.line})" if first else ""
            diags.append(error("bib.duplicate-key", f"duplicate entry key '{block.key}'{where}",
                               loc))
        elif isinstance(block, bm.DuplicateFieldKeyBlock):
            entry = block.ignore_error_block
            dups = ", ".join(sorted(getattr(block, "duplicate_keys", ()) or ())) or "a field"
            diags.append(error("bib.duplicate-field", f"entry '{entry.key}' sets {dups} twice; "
                               "the entry is skipped", loc))
        elif isinstance(block, bm.ParsingFailedBlock):
            diags.append(_parse_failure(block, loc))
        elif isinstance(block, bm.Entry) and not block.key.strip():
            diags.append(error("bib.syntax", f"@{block.entry_type} entry has no citation key; "
                               "the entry is skipped", loc))
        elif isinstance(block, bm.Entry):
            entry, more = _entry(block, rel, strings)
            diags.extend(more)
            folded = {k.casefold(): e for k, e in seen.items()}
            if entry.key.casefold() in folded:
                other = folded[entry.key.casefold()]
                diags.append(error("bib.duplicate-key", f"entry key '{entry.key}' differs only "
                                   f"by case from '{other.key}' (line {other.location.line})",
                                   loc, "citation keys must be unique regardless of case"))
                continue
            seen[entry.key] = entry
            entries.append(entry)
            clean.append(block.raw)

    if not library.entries and not diags and not text.strip():
        diags.append(warning("bib.empty", "the bibliography is empty", Location(rel)))
    strings_raw = "\n".join(b.raw for b in library.blocks if isinstance(b, bm.String))
    return Bibliography(tuple(entries), "\n\n".join(clean) + "\n", strings_raw), tuple(diags)


def _parse_failure(block: bm.ParsingFailedBlock, loc: Location) -> Diagnostic:
    reason = str(getattr(block.error, "abort_reason", "") or block.error or "syntax error")
    reason = reason.strip().replace("`", "'")
    head = re.match(r"@(\w+)\s*\{\s*([^,\s]*)", block.raw or "")
    what = f"@{head.group(1)} entry '{head.group(2)}'" if head and head.group(2) else "entry"
    hint = ""
    if "Unexpected block start" in reason or "closing" in reason:
        hint = "check for an unclosed '{' or a missing '}'"
    elif "comma" in reason.lower():
        hint = "fields are separated by commas"
    return error("bib.syntax", f"cannot parse {what}: {reason}; the entry is skipped", loc, hint)


def _strip(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] + value[-1] in ("{}", '""'):
        return value[1:-1]
    return value


def _undefined_macros(value: str, strings: set[str]) -> list[str]:
    """Bare words in a field value that are neither numbers, months nor @string macros."""
    parts = _split_concat(value)
    out = []
    for part in parts:
        bare = part.strip()
        if not bare or bare[0] in '{"' or bare.isdigit():
            continue
        if bare.lower() not in strings and bare.lower() not in MONTHS:
            out.append(bare)
    return out


def _split_concat(value: str) -> list[str]:
    """Split `a # {b} # "c"` at top-level '#'."""
    parts, depth, quote, start = [], 0, False, 0
    for i, ch in enumerate(value):
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        elif ch == '"' and depth == 0:
            quote = not quote
        elif ch == "#" and depth == 0 and not quote:
            parts.append(value[start:i])
            start = i + 1
    parts.append(value[start:])
    return parts


def _entry(block: bm.Entry, rel: str, strings: set[str]) -> tuple[Entry, list[Diagnostic]]:
    loc = Location(rel, block.start_line + 1)
    diags: list[Diagnostic] = []
    fields: list[tuple[str, str]] = []
    for f in block.fields:
        name = f.key.lower()
        for macro in _undefined_macros(f.value, strings):
            diags.append(error("bib.undefined-string", f"entry '{block.key}': field '{name}' "
                               f"uses undefined @string macro '{macro}'",
                               Location(rel, (f.start_line or block.start_line) + 1)))
        fields.append((name, " ".join(_strip(p) for p in _split_concat(f.value))))
    names = {n for n, _ in fields}
    etype = block.entry_type.lower()
    for group in REQUIRED.get(etype, _DEFAULT_REQUIRED):
        if not names.intersection(group):
            diags.append(warning("bib.missing-field", f"entry '{block.key}' (@{etype}) has no "
                                 f"{' or '.join(group)}", loc))
    if not names.intersection({"author", "editor", "organization", "institution", "publisher",
                               "title"}):
        diags.append(warning("bib.missing-field", f"entry '{block.key}' names no author, "
                             "editor or title", loc))
    return Entry(block.key, etype, tuple(fields), loc, block.raw), diags


def plain(value: str) -> str:
    """A field value for display outside the formatting engine: braces and simple TeX gone."""
    if not _STRUCTURAL.search(value):
        return value
    value = re.sub(r"\\(?:url|emph|textit|textbf|mkbibquote)\s*\{([^{}]*)\}", r"\1", value)
    value = value.replace("\\&", "&").replace("\\%", "%").replace("\\_", "_")
    value = value.replace("--", "–")
    return re.sub(r"[{}]", "", value)
