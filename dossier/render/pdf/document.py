"""The print document and the PDF step.

The print HTML is one document (title page, contents with page numbers, chapters,
bibliography with the pages citing each entry). WeasyPrint renders it in child
processes with a time and memory limit, so a pathological input ends as one clear
diagnostic, never a crash or a hang of the build. A long document is laid out in
parts at the same time, one process per core (see pdfparallel), then merged."""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from markupsafe import Markup

from ... import limits
from ...config import Config
from ...diagnostics import Diagnostic, Location, Severity, error, warning
from ...live.marks import decorate, link_marks
from ...resolve.collect import ChapterInfo
from ..context import RenderContext
from ..pages import SiteInput, abbreviation_rows, backlinks, chapter_context, contents
from ..publish import site_context
from ..theme import THEME_DIR, environment, theme_file
from ..writer import render_chapter
from .dates import long_date
from .html import imprint, mark_rtl_runs, protect_words
from .merge import main as merge_main
from .parallel import Settings, deadline_after, plan, render_parts
from .process import Child, Failed, Relayout, TimedOut
from .record import Reads
from .split import split_document
from .worker import main as worker_main


@dataclass(frozen=True, slots=True)
class PrintDocument:
    """The print HTML, and the ids its front matter links to (see front_links): laying
    the PDF out in parts needs them, and they are known here, not read back from HTML."""

    html: str
    front_links: tuple[str, ...]


def print_html(si: SiteInput) -> PrintDocument:
    if si.evidence is not None and si.bibliography is not None:
        # a dead or moved link noted in the references, as text (dossier.live.marks)
        marks = link_marks(si.bibliography, si.evidence.records)
        kept = {k: a.path for k, a in si.evidence.archives.items()}
        si = replace(si, formatted=decorate(si.formatted, marks, {}, kept))
    chapters = []
    page_of = {c.path: c.page for c in si.collected.chapters}
    captions: list[tuple[str, str, str]] = []  # for the lists of figures and tables
    for info, chapter in zip(si.collected.chapters, si.chapters, strict=True):
        ctx = RenderContext(
            "print",
            si.formatted,
            si.collected.targets,
            page_of,
            dict(si.images),
            si.figures,
            page=info.page,
        )
        chapters.append(
            {
                **chapter_context(info),
                "body": Markup(render_chapter(si.tree(chapter), info, ctx)),
            }
        )
        captions.extend(ctx.captions)
    links = backlinks(si, page_of, "print")
    entries = [
        {
            "key": k,
            "html": Markup(
                RenderContext("print", si.formatted, {}, {}, {}).bib_link(
                    si.formatted.bibliography[k]
                )
            ),
            "backlinks": links.get(k, []),
        }
        for k in si.formatted.order
    ]
    # the bundled faces, for a project's own print.css too; after it, since an @import
    # must come first in a stylesheet (and @font-face rules may come anywhere)
    css = (
        theme_file(si.config.root, "print.css").read_text(encoding="utf-8")
        + "\n"
        + (THEME_DIR / "fonts" / "fonts.css").read_text(encoding="utf-8")
    )
    env = environment(si.config.root)
    config = si.config
    figures_listed = _listed(captions, "figure") if config.pdf.lists else []
    tables_listed = _listed(captions, "table") if config.pdf.lists else []
    abbreviations = abbreviation_rows(si.abbreviations)
    text = env.get_template("print.html").render(
        site=site_context(config),
        date_long=long_date(config.date, config.language),
        imprint=imprint(config, os.environ.get("SOURCE_DATE_EPOCH", "")),
        figures=figures_listed,
        tables=tables_listed,
        abbreviations=abbreviations,
        contents=print_contents(si.collected.chapters),
        chapters=chapters,
        entries=entries,
        css=Markup(css.replace("</", "<\\/")),
        # in the document, so that the build's fingerprint of the PDF changes with it
        pdf_standard=si.config.pdf.standard,
    )
    front = front_links(
        si.collected.chapters,
        figures_listed,
        tables_listed,
        abbreviations=bool(abbreviations),
        bibliography=bool(entries),
    )
    html = protect_words(mark_rtl_runs(text, config.language), config.pdf.no_hyphenate)
    return PrintDocument(html, front)


def _listed(captions: Sequence[tuple[str, str, str]], kind: str) -> list[dict[str, str]]:
    return [{"id": ident, "text": text} for k, ident, text in captions if k == kind]


# Each line of the PDF's contents takes its page number from the layout (CSS
# target-counter), which WeasyPrint resolves by laying contents pages out again: 500
# sections add about a second, 2,000 add 20 s. Past this, the contents lists chapters.
MAX_CONTENTS_SECTIONS = 500


def print_contents(chapters: Sequence[ChapterInfo]) -> list[dict[str, object]]:
    listed = contents(chapters)
    if contents_too_long(chapters):
        for chapter in listed:
            chapter["sections"] = []
    return listed


def front_links(
    chapters: Sequence[ChapterInfo],
    figures: Sequence[dict[str, str]],
    tables: Sequence[dict[str, str]],
    *,
    abbreviations: bool,
    bibliography: bool,
) -> tuple[str, ...]:
    """Every id the front matter of print.html links to, in its order: the contents (the
    lists, the abbreviations, each chapter and the sections print_contents keeps, the
    bibliography), then the lists of figures and tables. A project's own print.html that
    links elsewhere from its front matter is not seen: such a link into the bibliography
    may show the bibliography's first page when the PDF is laid out in parts."""
    sections = not contents_too_long(chapters)
    ids = [
        *(["dossier-list-of-figures"] if figures else []),
        *(["dossier-list-of-tables"] if tables else []),
        *(["dossier-abbreviations"] if abbreviations else []),
    ]
    for chapter in chapters:
        ids.append(f"chapter-{chapter.number}")
        if sections:
            ids.extend(h.id for h in chapter.headings if h.level == 2)
    if bibliography:
        ids.append("dossier-references")
    ids.extend(item["id"] for item in (*figures, *tables))
    return tuple(ids)


def contents_too_long(chapters: Sequence[ChapterInfo]) -> bool:
    sections = sum(1 for c in chapters for h in c.headings if h.level == 2)
    return sections > MAX_CONTENTS_SECTIONS


def contents_note(config: Config, chapters: Sequence[ChapterInfo]) -> list[Diagnostic]:
    if not contents_too_long(chapters):
        return []
    return [
        Diagnostic(
            Severity.NOTE,
            "pdf.contents-long",
            f"the PDF's contents lists chapters only: the dossier has more than "
            f"{MAX_CONTENTS_SECTIONS} sections (the site's contents lists them all)",
            Location(config.pdf_name),
        )
    ]


# Below this much print HTML (about 40 pages) one process is quicker than several.
PARALLEL_MIN_CHARS = 200_000
# ... unless the document is dense in elements: a table of 5,000 columns is short text
# but 20,000 tags, and one process lays it out twice ("Cited on" needs the pages
# first), 25 s against 14.5 s in parts. Prose of 40 pages has about 6,000 tags.
PARALLEL_MIN_TAGS = 10_000


def jobs_for(config: Config, html_text: str) -> int:
    """How many chapter parts to lay out at the same time (1: the whole document in one
    process). `[pdf] jobs`: 0 (the default) chooses from the cores and the length."""
    if config.pdf.jobs > 0:
        return config.pdf.jobs
    cores = limits.cores()
    long = len(html_text) >= PARALLEL_MIN_CHARS or html_text.count("<") >= PARALLEL_MIN_TAGS
    return cores if cores >= 2 and long else 1


def render_pdf(
    config: Config,
    document: PrintDocument,
    stage: Path,
    name: str,
    progress: Callable[[str], None] = lambda _: None,
) -> tuple[list[Diagnostic], Reads]:
    """Writes stage/name; returns diagnostics (an error when no PDF could be made) and
    the project files the renderer read (record.py)."""
    html_text = document.html
    loc = Location(config.pdf_name)
    work = Path(tempfile.mkdtemp(prefix=".pdf-", dir=stage))
    deadline = deadline_after(config.pdf.timeout)
    allowed = (str(config.root.resolve()), str(THEME_DIR))
    ident = hashlib.sha256(html_text.encode("utf-8")).hexdigest()[:32]
    children: list[Child] = []
    try:
        jobs = jobs_for(config, html_text)
        split = split_document(html_text) if jobs > 1 else None
        layout = plan(split, jobs) if split is not None else None
        parts: list[Path] = []
        read: Reads = {}
        if split is not None and layout is not None:
            settings = Settings(
                work,
                allowed,
                config.pdf.memory_mb,
                deadline,
                progress,
                config.pdf.standard,
                document.front_links,
            )
            try:
                parts, warnings, read = render_parts(split, layout, settings)
            except Relayout:
                parts = []  # this document needs one process; the next branch makes it
        if parts:
            children.append(
                Child(
                    merge_main,
                    [str(stage / name), ident, *map(str, parts)],
                    config.pdf.memory_mb,
                    deadline,
                )
            )
        else:
            html_path = work / "print.html"
            html_path.write_text(html_text, encoding="utf-8")
            children.append(
                Child(
                    worker_main,
                    [
                        f"--standard={config.pdf.standard}",
                        str(html_path),
                        str(stage / name),
                        *allowed,
                    ],
                    config.pdf.memory_mb,
                    deadline,
                )
            )
            warnings = []
        if parts:
            progress(f"assembling the PDF from {len(parts)} parts")
        else:
            progress("laying out the PDF in one process")
            while (report := children[-1].next_report()) is not None:
                if "pages" in report:
                    progress(f"drawing the PDF's {report['pages']} pages")
        children[-1].finish()
        warnings += children[-1].warnings
        if not parts:  # the merge reads only the parts
            read = children[-1].files_read()
        if not (stage / name).is_file():  # a worker that exits 0 must have written it
            raise Failed("the renderer ended without writing the PDF")
    except TimedOut:
        return [
            error(
                "pdf.timeout",
                f"the PDF step took longer than {config.pdf.timeout} s and was stopped",
                loc,
                "raise [pdf] timeout in dossier.toml",
            )
        ], {}
    except Failed as exc:
        return [error("pdf.failed", f"the PDF could not be made: {exc}", loc)], {}
    finally:
        for child in children:
            child.kill()
        shutil.rmtree(work, ignore_errors=True)
    return [warning("pdf.renderer", f"WeasyPrint: {message}", loc) for message in warnings], read
