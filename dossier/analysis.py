"""Reading and resolving, the front half of the pipeline: dossier.toml, the chapters
(each scan reused from the last build while its text is unchanged), the bibliography,
the whole dossier's numbers and targets (collect), images and data figures, and the
evidence (archived sources and quotation checks). Nothing is written."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .config import CONFIG_NAME, Config, key_line, load_config
from .diagnostics import Diagnostic, Location, error
from .projectfs import MAX_CONFIG_BYTES, Refused, read_file

if TYPE_CHECKING:
    from .cite.bibcache import BibRecord
    from .evidence.sources import Evidence
    from .model import Bibliography
    from .read.record import ChapterRecord
    from .read.scan import Chapter
    from .resolve.abbreviations import Abbreviation
    from .resolve.collect import Collected
    from .resolve.timeline import Timeline

Progress = Callable[[str], None]


def _quiet(_: str) -> None:
    pass


@dataclass(frozen=True, slots=True)
class Analysis:
    config: Config
    chapters: tuple[Chapter, ...]
    bibliography: Bibliography
    collected: Collected
    style: Path | None
    images: dict[str, str]
    figures: dict[str, Timeline]  # src as written -> a data figure's data
    evidence: Evidence
    diagnostics: tuple[Diagnostic, ...]
    charted: tuple[str, ...] = ()  # keys cited only by timelines and other data figures
    # for the cache: the reading of the bibliography, and each chapter's scan (see scan)
    bib_record: BibRecord | None = field(default=None, compare=False)
    chapter_record: dict[str, ChapterRecord] = field(default_factory=dict, compare=False)
    abbreviations: tuple[Abbreviation, ...] = ()  # the project's list, if it has one

    def inputs(self) -> list[str]:
        """The project files the build read besides dossier.toml: chapters, the
        bibliography, images, timelines' data files and archived sources."""
        return sorted(
            {
                *self.config.chapters,
                self.config.bibliography,
                *([self.config.abbreviations] if self.config.abbreviations else []),
                *self.images.values(),
                *(figure.path for figure in self.figures.values()),
                *(a.path for a in self.evidence.archives.values()),
            }
        )


def analyse(
    root: Path,
    progress: Progress = _quiet,
    bib_record: BibRecord | None = None,
    chapter_record: dict[str, ChapterRecord] | None = None,
) -> tuple[Analysis | None, tuple[Diagnostic, ...]]:
    """Everything read and checked. `bib_record` and `chapter_record` are the last
    build's reading of the bibliography (see bibcache) and scans of the chapters (see
    scan), each reused while its file is unchanged."""
    from .cite import bibcache
    from .cite import engine as cite
    from .evidence import quotes
    from .evidence.sources import evaluate
    from .read.load import bidi_controls, read_text
    from .read.scan import read_chapter
    from .render.theme import check_overrides
    from .resolve import timeline
    from .resolve.collect import collect, unused_entries
    from .resolve.media import resolve_images

    config, diags = load_config(root)
    if config is None:
        return None, diags
    found: list[Diagnostic] = list(diags)
    total = len(config.chapters)
    progress(f"reading chapters (0/{total})")
    chapters: list[Chapter] = []
    old_scans: dict[str, ChapterRecord] = chapter_record or {}
    new_scans: dict[str, ChapterRecord] = {}

    seen: set[str] = set()
    config_text = _config_text(root)
    found.extend(bidi_controls(config_text, CONFIG_NAME))  # in file names and titles too
    quoted = _quoted_lines(config_text)
    times: dict[str, int] = {}  # how often each chapter was listed before this one
    for n, rel in enumerate(config.chapters):
        lines = quoted.get(rel, [0])
        where = Location(CONFIG_NAME, lines[min(times.get(rel, 0), len(lines) - 1)])
        times[rel] = times.get(rel, 0) + 1
        if rel in seen:
            found.append(
                error("config.duplicate-chapter", f"chapter '{rel}' is listed twice", where)
            )
            continue
        seen.add(rel)
        progress(f"reading chapters ({n + 1}/{total})")
        text, more = read_text(root, rel, "chapter", where)
        found.extend(more)
        if text is not None:
            found.extend(bidi_controls(text, rel))
            chapter, new_scans[rel] = read_chapter(text, rel, old_scans.get(rel))
            found.extend(chapter.scan.diagnostics)
            chapters.append(chapter)
    scans = [c.scan for c in chapters]
    bib, bib_problems, new_bib_record = bibcache.load(root, config.bibliography, bib_record)
    found.extend(bib_problems)
    keys = [e.key for e in bib.entries]
    collected, more = collect(scans, keys)
    found.extend(more)
    for key in config.nocite:
        if key != "*" and key not in keys:
            found.append(
                error(
                    "cite.unknown-key",
                    f"unknown citation key '{key}' in nocite",
                    Location(CONFIG_NAME, quoted.get(key, [0])[0]),
                )
            )
    style, more = cite.resolve_style(
        root, config.csl, Location(CONFIG_NAME, key_line(config_text, "csl"))
    )
    found.extend(more)
    images, data_figures, more = resolve_images(root, scans)
    found.extend(more)
    found.extend(check_overrides(root))  # the project's templates/, read by the render stage
    figures: dict[str, Timeline] = {}
    charted: list[str] = []  # keys a timeline cites: they belong in the bibliography too
    for src, (rel, loc) in data_figures.items():
        events, more = timeline.read_events(root, rel, loc, keys)
        found.extend(more)
        if events:
            figures[src] = timeline.Timeline(rel, events)
            charted += [k for e in events for k in e.cites]
    abbreviations, more = _abbreviations(root, config, config_text, chapters)
    found.extend(more)
    found.extend(
        unused_entries(
            keys,
            collected.citing,
            (*config.nocite, *charted),
            {e.key: e.location for e in bib.entries},
        )
    )
    progress("checking sources and quotations")
    quotations = [
        q
        for scan, info in zip(scans, collected.chapters, strict=True)
        for q in quotes.bind(scan.quotes, info.clusters)
    ]
    evidence, more = evaluate(root, bib, config.sources, collected.citing, quotations)
    found.extend(more)
    analysis = Analysis(
        config,
        tuple(chapters),
        bib,
        collected,
        style,
        images,
        figures,
        evidence,
        tuple(found),
        tuple(dict.fromkeys(charted)),
        new_bib_record,
        new_scans,
        abbreviations,
    )
    return analysis, analysis.diagnostics


def _abbreviations(
    root: Path, config: Config, config_text: str, chapters: Iterable[Chapter]
) -> tuple[tuple[Abbreviation, ...], list[Diagnostic]]:
    """The project's list of abbreviations, checked against the chapters."""
    if not config.abbreviations:
        return (), []
    from .resolve.abbreviations import read_abbreviations, unused

    where = Location(CONFIG_NAME, key_line(config_text, "abbreviations"))
    listed, found = read_abbreviations(root, config.abbreviations, where)
    return listed, [*found, *unused(listed, (c.text for c in chapters))]


def _config_text(root: Path) -> str:
    """dossier.toml once more, only to point diagnostics at the right line."""
    try:
        return read_file(root, CONFIG_NAME, MAX_CONFIG_BYTES).decode("utf-8")
    except (Refused, UnicodeDecodeError):
        return ""


_QUOTED = re.compile(r'"([^"\\\n]*)"')


def _quoted_lines(text: str) -> dict[str, list[int]]:
    """Each string written in double quotes (without escapes) and the lines that quote
    it, in one pass: looked up per chapter, a scan per chapter was quadratic (30,000
    chapters took 30 s)."""
    lines: dict[str, list[int]] = {}
    for number, line in enumerate(text.splitlines(), 1):
        for value in dict.fromkeys(_QUOTED.findall(line)):
            lines.setdefault(value, []).append(number)
    return lines
