"""One chapter read, resolved and written, as the build does it: for tests of what a
construct becomes in HTML without building a whole project."""

from __future__ import annotations

from dossier.model import Formatted
from dossier.read.scan import read_chapter
from dossier.render.context import RenderContext
from dossier.render.writer import render_chapter
from dossier.resolve.collect import collect
from dossier.resolve.timeline import Timeline


def render_text(
    text: str,
    mode: str = "site",
    *,
    path: str = "chapters/01-a.md",
    formatted: Formatted | None = None,
    pages: dict[str, str] | None = None,
    images: dict[str, str] | None = None,
    figures: dict[str, Timeline] | None = None,
    ref_pages: dict[str, str] | None = None,
) -> str:
    chapter, _ = read_chapter(text, path)
    collected, _ = collect([chapter.scan], [])
    ctx = RenderContext(
        mode,
        formatted or Formatted(),
        {},
        pages or {},
        images or {},
        figures or {},
        ref_pages=ref_pages or {},
    )
    return render_chapter(chapter.document(), collected.chapters[0], ctx)
