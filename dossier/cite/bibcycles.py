"""crossref and xdata: the links from an entry to the entries it inherits fields from.
A cycle (a -> b -> a, a -> a) would make pandoc loop; each is reported at the field
that closes it, and that link is dropped from what pandoc receives."""

from __future__ import annotations

import re
from dataclasses import replace

import bibtexparser

from ..diagnostics import Diagnostic, Location, error
from ..model import Entry

PARENT_FIELDS = ("crossref", "xdata")


def parents(entry: Entry, field_name: str) -> list[str]:
    return [p.strip() for p in entry.get(field_name).split(",") if p.strip()]


def break_cycles(entries: list[Entry], rel: str) -> tuple[list[Entry], list[Diagnostic]]:
    """Drop the crossref/xdata link that closes each cycle (a -> b -> a, a -> a).

    Pandoc follows such links forever, eating memory, so the link is reported and left
    out of what Pandoc reads. Iterative depth-first search: no recursion limit to hit."""
    by_key = {e.key: e for e in entries}
    cut: dict[str, set[tuple[str, str]]] = {}
    diags: list[Diagnostic] = []
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    for start in by_key:
        if start in state:
            continue
        path: list[str] = [start]
        state[start] = 1
        stack = [iter(_edges(by_key[start]))]
        while stack:
            edge = next(stack[-1], None)
            if edge is None:
                state[path.pop()] = 2
                stack.pop()
                continue
            field_name, parent = edge
            if parent not in by_key or state.get(parent) == 2:
                continue
            if state.get(parent) == 1:
                child = path[-1]
                cycle = " -> ".join([*path[path.index(parent) :], parent])
                cut.setdefault(child, set()).add((field_name, parent))
                diags.append(
                    error(
                        "bib.crossref-cycle",
                        f"{field_name} cycle {cycle}; the {field_name} of '{child}' is ignored",
                        _field_location(by_key[child], field_name, rel),
                        "an entry cannot inherit from itself",
                    )
                )
                continue
            state[parent] = 1
            path.append(parent)
            stack.append(iter(_edges(by_key[parent])))
    return [_without(e, cut[e.key]) if e.key in cut else e for e in entries], diags


def _edges(entry: Entry) -> list[tuple[str, str]]:
    return [(f, p) for f in PARENT_FIELDS for p in parents(entry, f)]


def _field_location(entry: Entry, field_name: str, rel: str) -> Location:
    for n, line in enumerate(entry.raw.split("\n")):
        if re.match(rf"\s*(?:@\w+\s*[{{(][^,]*,\s*)?{field_name}\s*=", line, re.IGNORECASE):
            return Location(rel, entry.location.line + n)
    return entry.location


def _without(entry: Entry, links: set[tuple[str, str]]) -> Entry:
    """The entry with the given parent links removed, its BibTeX regenerated."""
    fields = []
    for name, value in entry.fields:
        if name in PARENT_FIELDS:
            value = ", ".join(p for p in parents(entry, name) if (name, p) not in links)
            if not value:
                continue
        fields.append((name, value))
    dropped = {name for name, _ in entry.fields} - {name for name, _ in fields}
    raw = _reparse_raw(entry.raw, dropped, dict(fields))
    return replace(entry, fields=tuple(fields), raw=raw)


def _reparse_raw(raw: str, dropped: set[str], values: dict[str, str]) -> str:
    library = bibtexparser.parse_string(raw, parse_stack=[])  # type: ignore[attr-defined]
    block = next(iter(library.entries))
    lines = [f"@{block.entry_type}{{{block.key},"]
    for f in block.fields:
        name = f.key.lower()
        if name in dropped:
            continue
        value = f"{{{values[name]}}}" if name in PARENT_FIELDS else f.value
        lines.append(f"  {f.key} = {value},")
    return "\n".join(lines) + "\n}"
