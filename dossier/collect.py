"""Walk parsed chapters once: number sections, figures and tables, assign citation
clusters their ids in document order, and check every key and cross-reference."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from markdown_it.token import Token

from .config import slug
from .diagnostics import Diagnostic, Location, did_you_mean, error, visible, warning
from .markdown import ParsedChapter
from .markdown.divs import MAX_NESTING
from .model import CiteItem, Cluster, Heading, Target

KIND_LABEL = {"sec": "Section", "fig": "Figure", "tbl": "Table"}


@dataclass(frozen=True, slots=True)
class ChapterInfo:
    number: int
    path: str
    page: str
    title_text: str
    headings: tuple[Heading, ...]
    clusters: tuple[Cluster, ...]


@dataclass(frozen=True, slots=True)
class Collected:
    chapters: tuple[ChapterInfo, ...]
    clusters: tuple[Cluster, ...]
    targets: dict[str, Target] = field(default_factory=dict)
    citing: dict[str, tuple[Cluster, ...]] = field(default_factory=dict)  # key -> clusters


def walk(tokens: Sequence[Token]) -> Iterator[tuple[Token, bool]]:
    """Every token, children included, with whether it sits inside a footnote."""
    in_note = False
    for tok in tokens:
        if tok.type == "footnote_block_open":
            in_note = True
        elif tok.type == "footnote_block_close":
            in_note = False
        yield tok, in_note
        stack = list(reversed(tok.children or ()))
        while stack:  # nested: a citation may sit in an image's caption
            child = stack.pop()
            yield child, in_note
            stack.extend(reversed(child.children or ()))


def column(lines: Sequence[str], line0: int, source: str,
           meta: dict[str, Any] | None = None) -> int:
    """1-based column of a citation or cross-reference in its source line.

    With the token's meta (its offset in the inline text and that text's start), two
    identical citations on one line get their own columns; without, the first
    occurrence of the source's first word is taken."""
    if not 0 <= line0 < len(lines):
        return 1
    line = lines[line0]
    first = source.split()[0] if source.split() else source
    if meta and "offset" in meta:
        base = line.find(str(meta["head"])) if meta["head"] else 0
        col = base + int(meta["offset"])
        if base >= 0 and line.startswith(first, col):
            return col + 1
    idx = line.find(first)
    return idx + 1 if idx >= 0 else 1


def page_name(number: int, path: str) -> str:
    stem = re.sub(r"^\d+[-_]?", "", path.rsplit("/", 1)[-1].rsplit(".", 1)[0])
    return f"{number:02d}-{slug(stem)[:80].strip('-') or 'chapter'}.html"  # < 255 bytes


def collect(parsed: Sequence[ParsedChapter], keys: Sequence[str]) -> tuple[Collected,
                                                                           list[Diagnostic]]:
    diags: list[Diagnostic] = []
    targets: dict[str, Target] = {}
    used_ids: set[str] = {"top", "contents", "references", "footnotes"}
    chapters: list[ChapterInfo] = []
    all_clusters: list[Cluster] = []
    counters = {"fig": 0, "tbl": 0}
    known = set(keys)
    hints: dict[str, str] = {}

    def claim(ident: str, loc: Location, explicit: bool = True) -> str:
        if ident in used_ids:
            if explicit:  # generated ids are made unique quietly, as Pandoc does
                diags.append(error("xref.duplicate-id", f"identifier '{ident}' is used twice",
                                   loc))
            n = 2
            while f"{ident}-{n}" in used_ids:
                n += 1
            ident = f"{ident}-{n}"
        used_ids.add(ident)
        return ident

    for number, chapter in enumerate(parsed, 1):
        page = page_name(number, chapter.path)
        headings: list[Heading] = []
        clusters: list[Cluster] = []
        section = [number, 0, 0, 0, 0, 0]
        title = str(chapter.front_matter.get("title", ""))
        tokens = chapter.tokens
        for i, (tok, in_note) in enumerate(walk(tokens)):
            loc = Location(chapter.path, (tok.map[0] + 1) if tok.map else 0)
            if tok.type == "heading_open":
                level = int(tok.tag[1])
                inline = _next_inline(tokens, tok)
                text = inline.content.strip() if inline else ""
                title = title or (text if level == 1 else "")
                classes = str(tok.attrs.get("class", "")).split()
                numbered = "unnumbered" not in classes
                label_no = ""
                if numbered and level > 1:
                    section[level - 1] += 1
                    for deeper in range(level, 6):
                        section[deeper] = 0
                    label_no = ".".join(str(n) for n in section[:level])
                elif level == 1 and numbered:
                    label_no = str(number)
                given = str(tok.attrs.get("id") or "")
                ident = claim(given or slug(text) or f"s{number}-{i}", loc, bool(given))
                tok.attrSet("id", ident)
                tok.meta = {**(tok.meta or {}), "number": label_no}
                headings.append(Heading(level, ident, label_no, "", text))
                label = (f"Chapter {label_no}" if level == 1 else f"Section {label_no}"
                         ) if label_no else text
                targets[ident] = Target(ident, "sec", label, page, text)
            elif tok.type in ("figure_open", "table_open"):
                kind = "fig" if tok.type == "figure_open" else "tbl"
                if kind == "tbl" and not (tok.meta or {}).get("captioned"):
                    continue
                counters[kind] += 1
                given = str(tok.attrs.get("id") or "")
                ident = claim(given or f"{kind}-{counters[kind]}", loc, bool(given))
                tok.attrSet("id", ident)
                label = f"{KIND_LABEL[kind]} {counters[kind]}"
                tok.meta = {**(tok.meta or {}), "label": label}
                targets[ident] = Target(ident, kind, label, page)
            elif tok.type == "citation":
                cluster = _cluster(tok, len(all_clusters), chapter, in_note)
                tok.meta["id"] = cluster.id
                tok.meta["in_note"] = in_note
                clusters.append(cluster)
                all_clusters.append(cluster)
                for item in cluster.items:
                    if item.key not in known:
                        diags.append(_unknown_key(item.key, known, cluster.location, hints))
        deepest = next((t for t in tokens if t.level >= MAX_NESTING - 1), None)
        if deepest is not None:
            diags.append(error("md.too-deep", f"blocks nested more than {MAX_NESTING - 2} "
                               "levels deep (block quotes, lists, fenced divs); what lies "
                               "deeper is not shown", Location(chapter.path, deepest.map[0] + 1
                                                               if deepest.map else 0),
                               "flatten the nesting"))
        if not any(line.strip() for line in chapter.lines):
            diags.append(warning("md.empty", "chapter is empty", Location(chapter.path, 1)))
        elif not title:
            diags.append(warning("md.no-title", "chapter has no title (no '# heading' and no "
                                 "front matter title)", Location(chapter.path, 1)))
        chapters.append(ChapterInfo(number, chapter.path, page, title or chapter.path,
                                    tuple(headings), tuple(clusters)))

    for chapter in parsed:
        for tok, _ in walk(chapter.tokens):
            if tok.type != "xref":
                continue
            line0 = tok.meta["line0"]
            loc = Location(chapter.path, line0 + 1, column(chapter.lines, line0, tok.content,
                                                           tok.meta))
            for item in tok.meta["items"]:
                if item["key"] not in targets:
                    kind = item["key"].split("-", 1)[0]
                    same_kind = [t for t in targets if t.startswith(kind + "-")]
                    diags.append(error("xref.unknown", f"unknown cross-reference target "
                                       f"'{item['key']}'", loc, did_you_mean(item["key"],
                                                                             same_kind)))

    citing: dict[str, list[Cluster]] = {}
    for cluster in all_clusters:
        for item in cluster.items:
            citing.setdefault(item.key, []).append(cluster)
    return Collected(tuple(chapters), tuple(all_clusters), targets,
                     {k: tuple(v) for k, v in citing.items()}), diags


def _next_inline(tokens: Sequence[Token], opener: Token) -> Token | None:
    for j, t in enumerate(tokens):
        if t is opener and j + 1 < len(tokens) and tokens[j + 1].type == "inline":
            return tokens[j + 1]
    return None


def _cluster(tok: Token, n: int, chapter: ParsedChapter, in_note: bool) -> Cluster:
    line0 = tok.meta["line0"]
    loc = Location(chapter.path, line0 + 1, column(chapter.lines, line0, tok.content,
                                                   tok.meta))
    items = tuple(CiteItem(i["key"], i["suppress_author"], i["suffix"])
                  for i in tok.meta["items"])
    return Cluster(f"c{n}", tok.content, items, tok.meta["narrative"], loc, in_note)


def _unknown_key(key: str, known: set[str], loc: Location, hints: dict[str, str]
                 ) -> Diagnostic:
    if key not in hints:  # a chapter may cite one unknown key thousands of times
        hint = did_you_mean(key, known)
        if not hint and visible(key) != key:
            hint = "the key contains an invisible character"
        elif not hint and not key.isascii():
            hint = "the key contains non-ASCII characters"
        hints[key] = hint
    return error("cite.unknown-key", f"unknown citation key '{visible(key)}'", loc, hints[key])


def unused_entries(keys: Sequence[str], citing: dict[str, tuple[Cluster, ...]],
                   nocite: Sequence[str], locations: dict[str, Location]) -> list[Diagnostic]:
    if "*" in nocite:
        return []
    return [warning("cite.unused-entry", f"entry '{k}' is never cited", locations.get(k),
                    "cite it, list it under 'nocite' in dossier.toml, or remove it")
            for k in keys if k not in citing and k not in nocite]
