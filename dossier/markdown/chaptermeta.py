"""A chapter's metadata (front matter and metadata blocks), as a Pandoc user expects it.

Every key is kept, as plain data (text, numbers, lists and maps; a YAML date becomes
its ISO text), for the templates (`chapter.meta`); none of it is ever HTML. The keys
Pandoc's html5 template shows are shown in the chapter's title block, under its
heading, in the site and the PDF: `subtitle`, `author` (one or a list; a map with a
`name`), `date` and `abstract`. `lang` and `dir` set the chapter's language and
direction. A known key of the wrong shape is an error or a warning, and is dropped."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping

from markdown_it.token import Token

from ..diagnostics import Diagnostic, Location, error, warning
from .spans import good_dir, good_lang

SHOWN = ("subtitle", "author", "date", "abstract")
MAX_ITEMS = 10_000  # values, all nestings together: metadata is short (64 KiB at most)

# What a metadata value becomes: JSON's values, so that it goes to the scan record as is.
Plain = str | int | float | bool | None | list["Plain"] | dict[str, "Plain"]


def read_metadata(
    data: Mapping[object, object], path: str, line: int, what: str
) -> tuple[dict[str, Plain], list[Diagnostic]]:
    """The keys of one front matter or metadata block, as plain data; a later block's
    key replaces an earlier one's, as in Pandoc (the caller merges)."""
    out: dict[str, Plain] = {}
    diags: list[Diagnostic] = []
    budget = [MAX_ITEMS]
    where = Location(path, line)
    for key, value in data.items():
        name = str(key)
        plain = _plain(value, budget)
        if name == "title" and not isinstance(value, str):
            diags.append(error("md.front-matter", f"{what} 'title' must be a string", where))
            continue
        if name in ("subtitle", "date", "abstract") and not isinstance(plain, str):
            diags.append(_bad(what, name, "a string", where))
            continue
        if name == "author" and not _authors(plain):
            diags.append(_bad(what, name, "a name or a list of names", where))
            continue
        if name == "lang" and not (isinstance(value, str) and good_lang(value)):
            diags.append(_bad(what, name, "a language tag such as 'fa' or 'en-GB'", where))
            continue
        if name == "dir" and not (isinstance(value, str) and good_dir(value)):
            diags.append(_bad(what, name, "'ltr', 'rtl' or 'auto'", where))
            continue
        out[name] = plain
    if budget[0] < 0:
        diags.append(
            warning("md.front-matter", f"{what} is too large: part of it is dropped", where)
        )
    return out, diags


def _bad(what: str, key: str, shape: str, where: Location) -> Diagnostic:
    return warning("md.front-matter", f"{what} '{key}' must be {shape}; it is ignored", where)


def _plain(value: object, budget: list[int]) -> Plain:
    """JSON-able data; anything else becomes its text."""
    budget[0] -= 1
    if budget[0] < 0:
        return None
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_plain(v, budget) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v, budget) for k, v in value.items()}
    return str(value)


def _authors(value: object) -> list[str]:
    """The author names of an `author` value: a name, a list of names, or maps with a
    `name` (Pandoc's common forms)."""
    items = value if isinstance(value, list) else [value]
    names = []
    for item in items:
        if isinstance(item, dict):
            item = item.get("name")
        if not isinstance(item, str | int | float) or isinstance(item, bool) or item == "":
            return []
        names.append(str(item))
    return names


def as_json(meta: Mapping[str, Plain]) -> str:
    """The chapter's metadata, deterministic, for the scan record and the templates."""
    return json.dumps(meta, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def title_block(meta: Mapping[str, Plain]) -> Token | None:
    """A token for the title block (written by render.writer), or None when the
    metadata has nothing that Pandoc's template shows."""
    shown: dict[str, str | list[str]] = {}
    for key in ("subtitle", "date", "abstract"):
        value = meta.get(key)
        if isinstance(value, str) and value.strip():
            shown[key] = value
    authors = _authors(meta["author"]) if "author" in meta else []
    if authors:
        shown["authors"] = authors
    if not shown:
        return None
    token = Token("title_block", "header", 0)
    token.block = True
    token.meta = shown
    return token
