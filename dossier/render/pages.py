"""What both writers of pages need of the dossier: the render stage's input, and the
contents, chapter, back-link and abbreviation data the site's and the print document's
templates are given (render.site and render.pdf.document each import it from here)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..config import Config
from ..evidence.sources import Evidence
from ..model import Bibliography, Formatted
from ..model.tree import Doc
from ..read.scan import Chapter
from ..resolve.abbreviations import Abbreviation
from ..resolve.collect import ChapterInfo, Collected
from ..resolve.timeline import Timeline

if TYPE_CHECKING:
    from ..analysis import Analysis


@dataclass(frozen=True, slots=True)
class SiteInput:
    config: Config
    chapters: tuple[Chapter, ...]
    collected: Collected
    formatted: Formatted
    images: dict[str, str]  # src -> project-relative path
    figures: dict[str, Timeline]  # src -> a data figure, drawn by each page
    bibliography: Bibliography | None = None
    evidence: Evidence | None = None
    abbreviations: tuple[Abbreviation, ...] = ()
    # chapter path -> its tree, decoded once for a build that writes every page (the
    # PDF's); another build decodes only the pages it writes again (Chapter.document)
    trees: Mapping[str, Doc] = field(default_factory=dict)

    @classmethod
    def of(cls, analysis: Analysis, formatted: Formatted, every_tree: bool = False) -> SiteInput:
        """The render stage's input from the analysis and the formatted citations."""
        trees = {c.path: c.document() for c in analysis.chapters} if every_tree else {}
        return cls(
            analysis.config,
            analysis.chapters,
            analysis.collected,
            formatted,
            analysis.images,
            analysis.figures,
            analysis.bibliography,
            analysis.evidence,
            analysis.abbreviations,
            trees,
        )

    def tree(self, chapter: Chapter) -> Doc:
        return self.trees.get(chapter.path) or chapter.document()


def chapter_context(info: ChapterInfo) -> dict[str, object]:
    """What a template knows of a chapter: its number, title, all its metadata (plain
    data: Jinja escapes it) and the language and direction that metadata sets."""
    meta = json.loads(info.meta)
    if not isinstance(meta, dict):  # collect keeps a JSON object here; cached, it may not be
        meta = {}
    return {
        "number": info.number,
        "title": info.title_text,
        "meta": meta,
        "lang": meta.get("lang", ""),
        "dir": meta.get("dir", ""),
        "keywords": _keywords(meta.get("keywords")),
    }


def _keywords(value: object) -> str:
    items = value if isinstance(value, list) else [value] if value else []
    return ", ".join(str(v) for v in items if isinstance(v, str | int | float))


def contents(chapters: Sequence[ChapterInfo]) -> list[dict[str, object]]:
    return [
        {
            "number": c.number,
            "title": c.title_text,
            "page": c.page,
            "sections": [
                {"level": h.level, "id": h.id, "number": h.number, "title": h.title_text}
                for h in c.headings
                if 1 < h.level <= 3
            ],
        }
        for c in chapters
    ]


def backlinks(si: SiteInput, page_of: dict[str, str], mode: str) -> dict[str, list[dict[str, str]]]:
    out: dict[str, list[dict[str, str]]] = {}
    letters = "abcdefghijklmnopqrstuvwxyz"
    for key, clusters in si.collected.citing.items():
        links = []
        for n, cluster in enumerate(clusters):
            label = letters[n] if n < 26 else str(n + 1)
            page = page_of.get(cluster.location.path, "")
            href = f"#cite-{cluster.id}" if mode == "print" else f"{page}#cite-{cluster.id}"
            links.append({"href": href, "label": label, "where": str(cluster.location)})
        out[key] = links
    return out


def abbreviation_rows(abbreviations: Sequence[Abbreviation]) -> list[dict[str, str]]:
    """The list of abbreviations for the templates (which escape it)."""
    return [{"short": a.short, "expansion": a.expansion} for a in abbreviations]
