"""references.bib -> entries with locations, and every problem at bib:line.

bibtexparser v2 is used without its middlewares so that field values keep their
enclosing braces: that is how undefined @string macros are told from literals, and
how a missing comma (one field swallowing the next) is seen. The formatting engine
later reads only the blocks that parsed (`clean_bibtex`), so one broken entry never
takes the rest of the file down with it. Whatever could make Pandoc loop or blow up
(crossref/xdata cycles, @string macros that refer to themselves or expand
exponentially) is reported here and kept from it.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

import bibtexparser
from bibtexparser import model as bm

from ..diagnostics import Diagnostic, Location, error, visible, warning
from ..model import Bibliography, Entry
from ..read.load import bad_utf8, read_bytes
from .bibcycles import break_cycles
from .engine import key_problem

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
# A @string expanding to more than this is refused: `a2 = a1 # a1`, `a3 = a2 # a2` ...
# doubles at every step and would take Pandoc's memory with it.
MAX_EXPANSION = 1_000_000
MAX_BIB_BYTES = 64 * 1024 * 1024
_FIELD_LIKE = re.compile(r"^[\s,}]*([A-Za-z][\w-]*)\s*=", re.MULTILINE)
_BARE = re.compile(r"[^\s#{}\",=]+")


def load_bibliography(root: Path, rel: str) -> tuple[Bibliography, tuple[Diagnostic, ...]]:
    # Only a regular file inside the project: a FIFO would hang, a symlink could leak.
    if not (root / rel).exists() and not (root / rel).is_symlink():
        return Bibliography((), ""), (
            error("bib.missing", f"bibliography '{rel}' not found", Location("dossier.toml")),
        )
    data, problems = read_bytes(root, rel, "bibliography", Location(rel), MAX_BIB_BYTES)
    if data is None:
        return Bibliography((), ""), tuple(problems)
    text, diags = decode(data, rel)
    bib, more = parse_bibtex(text, rel)
    return bib, diags + more


def decode(data: bytes, rel: str) -> tuple[str, tuple[Diagnostic, ...]]:
    """Strict UTF-8; bad bytes are reported at their line and column, and replaced."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8"), ()
    except UnicodeDecodeError:
        pass
    diags = [
        error(
            "bib.encoding",
            "invalid UTF-8 byte sequence",
            Location(rel, line, col),
            "save the file as UTF-8",
        )
        for line, col in bad_utf8(data)
    ]
    return data.decode("utf-8", errors="replace"), tuple(diags)


def parse_bibtex(text: str, rel: str) -> tuple[Bibliography, tuple[Diagnostic, ...]]:
    logging.getLogger("bibtexparser").setLevel(logging.CRITICAL)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    library = bibtexparser.parse_string(text, parse_stack=[])  # type: ignore[attr-defined]
    diags: list[Diagnostic] = []
    strings, sizes, string_blocks, more = _check_strings(library.blocks, rel)
    diags.extend(more)
    entries: list[Entry] = []
    seen: dict[str, Entry] = {}
    folded: dict[str, Entry] = {}
    previous: bm.Block | None = None

    for block in library.blocks:
        if isinstance(block, bm.DuplicateFieldKeyBlock) and isinstance(
            block.ignore_error_block, bm.Entry
        ):
            diags.extend(_duplicate_fields(block.ignore_error_block, rel))
            block = _last_values(block.ignore_error_block)
        loc = Location(rel, _line(block))
        if isinstance(block, bm.DuplicateBlockKeyBlock):
            first = seen.get(block.key)
            where = f" (first defined at line {first.location.line})" if first else ""
            diags.append(
                error("bib.duplicate-key", f"duplicate entry key '{block.key}'{where}", loc)
            )
        elif isinstance(block, bm.DuplicateFieldKeyBlock):
            diags.append(_duplicate_field(block, rel))
        elif isinstance(block, bm.ParsingFailedBlock):
            diags.append(_parse_failure(block, loc))
        elif isinstance(block, bm.ImplicitComment) and isinstance(previous, bm.Entry):
            diags.extend(_stray_fields(block, previous, rel))
        elif isinstance(block, bm.Entry) and not block.key.strip():
            diags.append(
                error(
                    "bib.syntax",
                    f"@{block.entry_type} entry has no citation key; the entry is skipped",
                    loc,
                )
            )
        elif isinstance(block, bm.Entry) and key_problem(block.key):
            # refused here, so that check says what build would (see cite.key_problem)
            diags.append(
                error(
                    "bib.key",
                    f"entry key '{visible(block.key)}' {key_problem(block.key)}; "
                    "the entry is skipped",
                    loc,
                    "use letters, digits and - _ : . / in keys",
                )
            )
        elif isinstance(block, bm.Entry):
            entry, more, ok = _entry(block, rel, strings, sizes)
            diags.extend(more)
            other = folded.get(entry.key.casefold())
            if other is not None:
                diags.append(
                    error(
                        "bib.duplicate-key",
                        f"entry key '{entry.key}' differs only "
                        f"by case from '{other.key}' (line {other.location.line})",
                        loc,
                        "citation keys must be unique regardless of case",
                    )
                )
            elif ok:
                seen[entry.key] = folded[entry.key.casefold()] = entry
                entries.append(entry)
        previous = block

    entries, more = break_cycles(entries, rel)
    diags.extend(more)
    if not entries and not diags:
        if not text.strip():
            diags.append(warning("bib.empty", "the bibliography is empty", Location(rel, 1)))
        else:
            diags.append(
                warning(
                    "bib.empty",
                    "the bibliography has no entries (only comments or text outside '@type{...}')",
                    Location(rel, 1),
                )
            )
    strings_raw = "\n".join(string_blocks)
    clean = [*string_blocks, *(e.raw for e in entries)]
    return Bibliography(tuple(entries), "\n\n".join(clean) + "\n", strings_raw), tuple(diags)


# --- blocks that did not parse ----------------------------------------------------------


def _parse_failure(block: bm.ParsingFailedBlock, loc: Location) -> Diagnostic:
    reason = str(getattr(block.error, "abort_reason", "") or block.error or "syntax error")
    reason = reason.strip().replace("`", "'")
    head = re.match(r"@(\w+)\s*\{\s*([^,\s]*)", block.raw or "")
    what = f"@{head.group(1)} entry '{head.group(2)}'" if head and head.group(2) else "entry"
    hint = ""
    if "Unexpected block start" in reason or "closing" in reason or "end of file" in reason:
        hint = "check for an unclosed '{' or a missing '}'"
    elif "comma" in reason.lower():
        hint = "fields are separated by commas"
    return error("bib.syntax", f"cannot parse {what}: {reason}; the entry is skipped", loc, hint)


_HTML_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>")
_URL_FIELDS = frozenset({"url", "urlarchive"})


def _inert_field(key: str, name: str, value: str, where: Location) -> list[Diagnostic]:
    """A word when a field holds what will not do what it seems to: HTML tags (shown
    as text, never as markup) or a web address the URL policy refuses (not linked)."""
    tag = _HTML_TAG.search(value)
    if tag:
        return [
            warning(
                "bib.markup",
                f"entry '{key}': field '{name}' holds the HTML tag {visible(tag.group())!r}, "
                "which is printed as text",
                where,
                "write formatting in LaTeX (\\emph{...}, \\textbf{...}) or remove the tag",
            )
        ]
    if name in _URL_FIELDS:
        from ..urls import url_problem

        problem = url_problem(value.strip())
        if problem:
            return [
                warning(
                    "bib.markup",
                    f"entry '{key}': {name} '{visible(value.strip())[:80]}' is not linked: "
                    f"{problem}",
                    where,
                    "give an http or https address",
                )
            ]
    return []


def _duplicate_field(block: bm.DuplicateFieldKeyBlock, rel: str) -> Diagnostic:
    """A duplicate field in a block bibtexparser could not give back as an entry."""
    return error(
        "bib.duplicate-field",
        f"an entry sets {', '.join(sorted(block.duplicate_keys)) or 'a field'} twice; "
        "the entry is skipped",
        Location(rel, (block.start_line or 0) + 1),
        "keep one of them",
    )


def _duplicate_fields(entry: bm.Entry, rel: str) -> list[Diagnostic]:
    """A warning at each repeat of a field. Hand-kept and merged bibliographies often
    set a field twice; pandoc keeps the entry with the field's last value (BibTeX
    keeps the first), so dossier keeps it as pandoc does and says which value won."""
    first: dict[str, int] = {}
    diags: list[Diagnostic] = []
    for f in entry.fields:
        line = (f.start_line or entry.start_line or 0) + 1
        if f.key in first:
            diags.append(
                warning(
                    "bib.duplicate-field",
                    f"entry '{entry.key}' sets '{f.key}' again (first at line "
                    f"{first[f.key]}); the last value is used, as pandoc does",
                    Location(rel, line),
                    "keep one of them",
                )
            )
        first.setdefault(f.key, line)
    return diags


def _last_values(entry: bm.Entry) -> bm.Entry:
    """The entry with each field once, holding its last value (pandoc's reading)."""
    last = {f.key: f for f in entry.fields}
    fields = [f for f in entry.fields if last[f.key] is f]
    return bm.Entry(entry.entry_type, entry.key, fields, entry.start_line, entry.raw)


def _stray_fields(block: bm.ImplicitComment, entry: bm.Entry, rel: str) -> list[Diagnostic]:
    """Text right after an entry that looks like its fields: an extra '}' closed it early."""
    raw = block.raw or ""
    m = _FIELD_LIKE.search(raw)
    if not m or (raw.lstrip()[:1] not in (",", "}") and m.start() > 0):
        return []
    line = (block.start_line or 0) + raw.count("\n", 0, m.start(1)) + 1
    return [
        error(
            "bib.syntax",
            f"field '{m.group(1).lower()}' is outside entry "
            f"'{entry.key}' (line {_line(entry)}), which an extra '}}' closed "
            "early",
            Location(rel, line),
            "check the braces of the field before it",
        )
    ]


def _line(block: bm.Block) -> int:
    """1-based line of a bibtexparser block (its start_line is 0-based, or None)."""
    return (block.start_line or 0) + 1


# --- @string macros -----------------------------------------------------------------------


def _check_strings(
    blocks: list[bm.Block], rel: str
) -> tuple[set[str], dict[str, int], list[str], list[Diagnostic]]:
    """Macro names, the expanded size of each sound macro, the @string blocks safe for
    Pandoc, and what is wrong with the rest.

    As in BibTeX, a macro may use only macros defined before it, so a definition can
    never refer to itself, directly or through another."""
    names = {b.key.lower() for b in blocks if isinstance(b, bm.String)}
    sizes: dict[str, int] = {m: 3 for m in MONTHS}
    rejected: set[str] = set()
    kept: list[str] = []
    diags: list[Diagnostic] = []
    for block in blocks:
        if not isinstance(block, bm.String):
            continue
        loc = Location(rel, _line(block))
        key = block.key.lower()
        problems = []
        for macro in dict.fromkeys(_macros(block.value)):
            if macro.lower() == key:
                problems.append(f"@string '{block.key}' refers to itself")
            elif macro.lower() in sizes:
                continue
            elif macro.lower() in rejected:
                problems.append(f"@string '{block.key}' uses '{macro}', which is invalid")
            elif macro.lower() in names:
                problems.append(f"@string '{block.key}' uses '{macro}' before it is defined")
            else:
                problems.append(f"@string '{block.key}' uses undefined macro '{macro}'")
        size = _expanded_size(block.value, sizes)
        if not problems and size > MAX_EXPANSION and _macros(block.value):
            problems.append(
                f"@string '{block.key}' expands to more than {MAX_EXPANSION:,} characters"
            )
        for problem in problems:
            diags.append(
                error(
                    "bib.undefined-string",
                    problem,
                    loc,
                    "define a macro before using it, and never in terms of itself",
                )
            )
        if problems:
            rejected.add(key)
        else:
            sizes[key] = size
            kept.append(block.raw or "")
    return names, sizes, kept, diags


def _expanded_size(value: str, sizes: dict[str, int]) -> int:
    total = 0
    for part in _split_concat(value):
        bare = part.strip()
        total += len(bare) if not bare or bare[0] in '{"' else sizes.get(bare.lower(), len(bare))
    return total


def _macros(value: str) -> list[str]:
    """Bare words in a value that are not numbers: @string macros or month names."""
    out = []
    for part in _split_concat(value):
        bare = part.strip()
        if bare and bare[0] not in '{"' and not bare.isdigit():
            out.append(bare)
    return out


def _undefined_macros(value: str, strings: set[str]) -> list[str]:
    return [m for m in _macros(value) if m.lower() not in strings and m.lower() not in MONTHS]


def _split_concat(value: str) -> list[str]:
    """Split `a # {b} # "c"` at top-level '#'."""
    parts, depth, quote, start = [], 0, False, 0
    for m in re.finditer(r'[{}"#]', value):
        ch, i = m.group(0), m.start()
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


def _value_problem(value: str) -> tuple[int, str] | None:
    """Where a field value stops being `part # part ...`, and what follows: a missing
    comma makes one field swallow the next (`{Doe}\\n  title = {X}`)."""
    pos, n = 0, len(value)
    while True:
        while pos < n and value[pos].isspace():
            pos += 1
        if pos >= n:
            return None
        if value[pos] in '{"':
            end = _closing(value, pos)
            if end < 0:
                return pos, value[pos : pos + 20]
            pos = end + 1
        else:
            m = _BARE.match(value, pos)
            if not m:
                return pos, value[pos : pos + 20]
            pos = m.end()
        while pos < n and value[pos].isspace():
            pos += 1
        if pos >= n:
            return None
        if value[pos] != "#":
            return pos, value[pos : pos + 20]
        pos += 1


def _closing(value: str, start: int) -> int:
    """Index closing the `{...}` or `"..."` opened at value[start], or -1."""
    depth = 0
    quote = value[start] == '"'
    for m in re.finditer(r'(?<!\\)[{}"]', value[start + 1 :]):
        ch, i = m.group(0), start + 1 + m.start()
        if ch == "{":
            depth += 1
        elif ch == "}":
            if depth == 0:
                return -1 if quote else i
            depth -= 1
        elif quote and depth == 0:
            return i
    return -1


# --- entries ------------------------------------------------------------------------------


def _strip(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] + value[-1] in ("{}", '""'):
        return value[1:-1]
    return value


def _entry(
    block: bm.Entry, rel: str, strings: set[str], sizes: dict[str, int]
) -> tuple[Entry, list[Diagnostic], bool]:
    """The entry, its problems, and whether it is sound enough to keep."""
    loc = Location(rel, (block.start_line or 0) + 1)
    diags: list[Diagnostic] = []
    fields: list[tuple[str, str]] = []
    ok = True
    for f in block.fields:
        name = f.key.lower()
        where = Location(rel, (f.start_line or block.start_line or 0) + 1)
        problem = _value_problem(f.value)
        if problem is not None:
            ok = False
            after = _FIELD_LIKE.match(f.value[problem[0] :])
            what = (
                f"runs into field '{after.group(1).lower()}'"
                if after
                else f"has unexpected text {problem[1].split(chr(10))[0]!r}"
            )
            diags.append(
                error(
                    "bib.syntax",
                    f"entry '{block.key}': field '{name}' {what}; the entry is skipped",
                    where,
                    "fields are separated by commas"
                    if after
                    else 'enclose the value in {...} or "..."',
                )
            )
            continue
        for macro in _undefined_macros(f.value, strings):
            diags.append(
                error(
                    "bib.undefined-string",
                    f"entry '{block.key}': field '{name}' uses undefined @string macro '{macro}'",
                    where,
                )
            )
        if _macros(f.value) and _expanded_size(f.value, sizes) > MAX_EXPANSION:
            ok = False
            diags.append(
                error(
                    "bib.undefined-string",
                    f"entry '{block.key}': field '{name}' "
                    f"expands to more than {MAX_EXPANSION:,} characters; the entry "
                    "is skipped",
                    where,
                )
            )
            continue
        value = " ".join(_strip(p) for p in _split_concat(f.value))
        if name == "year":
            diags.extend(_year(block.key, value, where))
        diags.extend(_inert_field(block.key, name, value, where))
        fields.append((name, value))
    names = {n for n, _ in fields}
    etype = block.entry_type.lower()
    for group in REQUIRED.get(etype, _DEFAULT_REQUIRED):
        if ok and not names.intersection(group):
            diags.append(
                warning(
                    "bib.missing-field",
                    f"entry '{block.key}' (@{etype}) has no {' or '.join(group)}",
                    loc,
                )
            )
    if ok and not names.intersection(
        {"author", "editor", "organization", "institution", "publisher", "title"}
    ):
        diags.append(
            warning(
                "bib.missing-field", f"entry '{block.key}' names no author, editor or title", loc
            )
        )
    return Entry(block.key, etype, tuple(fields), loc, block.raw or ""), diags, ok


def _year(key: str, value: str, where: Location) -> list[Diagnostic]:
    """Years the style cannot sort or disambiguate; Pandoc prints them as written."""
    year = re.sub(r"[{}]", "", value).strip()
    if re.fullmatch(r"-?\d{1,4}", year):
        return []
    if not year:
        hint = "give the year, or leave the field out and the style prints 'n.d.'"
        return [warning("bib.year", f"entry '{key}' has an empty year", where, hint)]
    if re.fullmatch(r"\d{4}[a-z]", year):
        hint = f"write {year[:4]}; the style adds 'a', 'b' itself where two works need it"
    elif year.casefold().replace(" ", "") in ("n.d.", "nd", "n.d", "s.d.", "o.j."):
        hint = "leave the field out; the style prints 'n.d.' in the right language"
    elif year.casefold() in ("forthcoming", "in press", "inpress", "submitted"):
        hint = f"leave the year out and write pubstate = {{{year.casefold()}}}"
    else:
        hint = "a year is a number; put exact dates in 'date = {YYYY-MM-DD}'"
    return [
        warning("bib.year", f"entry '{key}' has year '{year}', which is not a year", where, hint)
    ]


def plain(value: str) -> str:
    """A field value for display outside the formatting engine: braces and simple TeX gone."""
    if not _STRUCTURAL.search(value):
        return value
    value = re.sub(r"\\(?:url|emph|textit|textbf|mkbibquote)\s*\{([^{}]*)\}", r"\1", value)
    value = value.replace("\\&", "&").replace("\\%", "%").replace("\\_", "_")
    value = value.replace("--", "–")
    return re.sub(r"[{}]", "", value)
