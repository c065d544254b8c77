"""The pipeline, top to bottom: load -> parse -> collect -> cite -> render -> write.

Everything is read and checked before anything is written; the output folder is
replaced in one swap, and only when every requested output was made."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from .config import BUILD_MARKER, CONFIG_NAME, Config, key_line, load_config, output_problem
from .diagnostics import Diagnostic, Location, error, has_errors, sort
from .diagnostics import strict as to_strict
from .projectfs import MAX_CONFIG_BYTES, MAX_IMAGE_BYTES, Refused, read_file

if TYPE_CHECKING:
    from jinja2 import TemplateError
    from markdown_it import MarkdownIt

    from .collect import Collected
    from .model import Bibliography, Formatted
    from .scan import Chapter
    from .sources import Evidence
    from .write import WriteFailed

# The stages are imported where they run, so that a no-op build (nothing changed since
# the last one) costs little more than starting Python: see _unchanged.

log = logging.getLogger("dossier")
Progress = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class Analysis:
    config: Config
    chapters: tuple[Chapter, ...]
    bibliography: Bibliography
    collected: Collected
    style: Path | None
    images: dict[str, str]
    figures: dict[str, str]
    evidence: Evidence
    diagnostics: tuple[Diagnostic, ...]
    charted: tuple[str, ...] = ()  # keys cited only by timelines and other data figures
    # for the cache: the reading of the bibliography, and each chapter's scan (see scan)
    bib_record: dict[str, Any] = field(default_factory=dict, compare=False)
    chapter_record: dict[str, Any] = field(default_factory=dict, compare=False)


@dataclass(frozen=True, slots=True)
class Result:
    diagnostics: tuple[Diagnostic, ...]
    outputs: tuple[str, ...] = ()
    analysis: Analysis | None = field(default=None, compare=False)
    # what this build made afresh (site pages, the PDF); the rest came from the last build
    rendered: tuple[str, ...] = ()
    # project files the build read besides dossier.toml (for watchers): chapters,
    # bibliography, images, archived sources; also known when nothing had changed
    inputs: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not has_errors(self.diagnostics)


def analyse(
    root: Path,
    progress: Progress = log.info,
    bib_record: dict[str, Any] | None = None,
    chapter_record: dict[str, Any] | None = None,
) -> tuple[Analysis | None, tuple[Diagnostic, ...]]:
    """Everything read and checked. `bib_record` and `chapter_record` are the last
    build's reading of the bibliography (see bibcache) and scans of the chapters (see
    scan), each reused while its file is unchanged."""
    from . import bibcache, cite, quotes, timeline
    from .collect import collect, unused_entries
    from .load import bidi_controls, read_text
    from .media import resolve_images
    from .scan import read_chapter
    from .sources import evaluate

    config, diags = load_config(root)
    if config is None:
        return None, diags
    found: list[Diagnostic] = list(diags)
    total = len(config.chapters)
    progress(f"reading chapters (0/{total})")
    chapters: list[Chapter] = []
    old_scans, new_scans = chapter_record or {}, {}

    @cache  # one parser, made only if a chapter has changed since the last build
    def parser() -> MarkdownIt:
        from .markdown import make_parser

        return make_parser()

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
            chapter, new_scans[rel] = read_chapter(parser, text, rel, old_scans.get(rel))
            found.extend(chapter.scan.diagnostics)
            chapters.append(chapter)
    scans = [c.scan for c in chapters]
    bib, bib_problems, new_bib_record = bibcache.load(root, config.bibliography, bib_record or {})
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
    figures: dict[str, str] = {}
    charted: list[str] = []  # keys a timeline cites: they belong in the bibliography too
    for src, (rel, loc) in data_figures.items():
        events, more = timeline.read_events(root, rel, loc, keys)
        found.extend(more)
        if events:
            figures[src] = timeline.draw(events)
            charted += [str(k) for e in events for k in _keys_of(e)]
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
    )
    return analysis, analysis.diagnostics


def _keys_of(event: dict[str, object]) -> list[object]:
    cites = event.get("cite", [])
    return list(cites) if isinstance(cites, list) else []


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


def format_citations(analysis: Analysis) -> tuple[Formatted | None, list[Diagnostic]]:
    formatted, diags, _ = format_cached(analysis, {})
    return formatted, diags


def format_cached(
    analysis: Analysis, record: dict[str, Any]
) -> tuple[Formatted | None, list[Diagnostic], dict[str, Any]]:
    """Every citation formatted, reusing the cache `record` of the last build; returns
    the record to keep for the next one."""
    from . import cite
    from .formatting import Request, TooManyAlike, format_all
    from .model import Formatted
    from .positions import cites
    from .render.markup import safe_html
    from .render.notes import punctuation_in_quote

    assert analysis.style is not None
    config, collected = analysis.config, analysis.collected
    requests = [
        Request(
            c.source,
            c.in_note,
            tuple(i.key for i in c.items),
            c.note_context,
            c.note,
            cites(c.narrative, c.items),
        )
        for c in collected.clusters
    ]
    try:
        out, bib, warnings, record = format_all(
            requests,
            analysis.bibliography,
            set(collected.citing),
            analysis.style,
            config.language,
            (*config.nocite, *analysis.charted),
            record,
            clean=safe_html,
            notes=collected.notes,
        )  # BibTeX is untrusted: nothing active reaches a page
    except TooManyAlike as exc:
        return None, [_too_many_alike(analysis.bibliography, exc.keys)], {}
    except cite.EngineError as exc:
        return (
            None,
            [
                error(
                    "cite.engine",
                    f"citation formatting failed: {exc}",
                    Location(config.bibliography),
                )
            ],
            {},
        )
    citations = {c.id: f for c, f in zip(collected.clusters, out, strict=True)}
    formatted = Formatted(
        citations,
        bib.bibliography,
        bib.order,
        bib.note_style,
        punctuation_in_quote(config.language),
    )
    return formatted, cite.engine_warnings(warnings, config.bibliography), record


def finish(
    diags: list[Diagnostic] | tuple[Diagnostic, ...], strict: bool
) -> tuple[Diagnostic, ...]:
    return sort(to_strict(diags) if strict else diags)


def check(root: Path, strict: bool = False, progress: Progress = log.info) -> Result:
    analysis, diags = analyse(root, progress)
    if analysis is not None:  # what formatting would refuse, without formatting
        from .families import tie_groups
        from .formatting import MAX_ALIKE, wanted_keys

        config = analysis.config
        pool = wanted_keys(
            analysis.bibliography,
            set(analysis.collected.citing),
            (*config.nocite, *analysis.charted),
        )
        alike = [g for g in tie_groups(analysis.bibliography, pool) if len(g) > MAX_ALIKE]
        diags = (*diags, *(_too_many_alike(analysis.bibliography, g) for g in alike))
    return Result(finish(diags, strict), analysis=analysis)


def _too_many_alike(bib: Bibliography, keys: list[str]) -> Diagnostic:
    from .formatting import MAX_ALIKE

    return error(
        "cite.too-many-alike",
        f"{len(keys):,} cited entries share the author and year of '{keys[0]}'; Pandoc "
        f"tells more than {MAX_ALIKE:,} apart (2020a, 2020b, ...) only in many minutes",
        bib.by_key()[keys[MAX_ALIKE]].location,
        "check for duplicated entries, or give the entries their real authors and years",
    )


def build(
    root: Path,
    *,
    html: bool = True,
    pdf: bool = True,
    strict: bool = False,
    output: str | None = None,
    progress: Progress = log.info,
    reuse_scans: bool = True,
) -> Result:
    from . import cache as caching
    from .render.site import SiteInput, build_site
    from .write import WriteFailed, discard, stage_dir, swap, write_files

    quick, state, previous = _unchanged(root, html, pdf, strict, output)
    if quick is not None:
        progress("nothing changed since the last build")
        return quick
    from jinja2 import TemplateError

    from .collect import StaleScan
    from .markdown import make_parser
    from .render.theme import ActiveOutput
    from .sources import report

    analysis, diags = analyse(
        root,
        progress,
        previous.cache.bibliography if previous else None,
        previous.cache.chapters if previous and reuse_scans else None,
    )
    found = list(diags)
    if analysis is None or has_errors(finish(found, strict)):
        return Result(finish(found, strict), analysis=analysis)
    config = analysis.config
    out_name = output or config.output
    problem = output_problem(root, out_name, (*config.inputs, *analysis.images.values()))
    if problem:
        found.append(error("config.output", problem))
        return Result(finish(found, strict), analysis=analysis)
    out = (root / out_name).resolve()
    if previous is not None and previous.out == out:
        cache, more = previous.cache, list(previous.problems)
    else:
        cache, more = caching.load(out)
    found.extend(more)
    progress(f"formatting {len(analysis.collected.clusters)} citations")
    formatted, more, record = format_cached(analysis, cache.citations)
    found.extend(more)
    if formatted is None or has_errors(finish(found, strict)):
        return Result(finish(found, strict), analysis=analysis)
    si = SiteInput(
        config,
        analysis.chapters,
        analysis.collected,
        formatted,
        analysis.images,
        analysis.figures,
        analysis.bibliography,
        analysis.evidence,
    )
    changes = report(analysis.evidence, analysis.collected.citing)
    try:
        stage = stage_dir(out)
    except WriteFailed as exc:
        return Result(finish([*found, _unwritable(exc, out_name)], strict), analysis=analysis)
    outputs: list[str] = []
    made: dict[str, list[str]] = {}  # the new cache's outputs
    rendered: list[str] = []
    try:
        write_files(stage, {BUILD_MARKER: b"made by dossier; replaced on every build\n"})
        write_files(
            stage,
            {
                "changes.json": (json.dumps(changes, indent=2, ensure_ascii=False) + "\n").encode(
                    "utf-8"
                )
            },
        )
        if pdf:
            from .render.pdf import contents_note, print_html, render_pdf
            from .render.theme import check_rendered, overrides_html

            progress("making the print document")
            document = print_html(si, make_parser())
            found.extend(contents_note(config, si.collected.chapters))
            if overrides_html(root):
                check_rendered("print document", document)
            # everything the PDF is made from: the document, every project file it (or
            # its CSS) names, and the date it is stamped with
            fingerprint = caching.digest(
                caching.sha256(document.encode("utf-8")),
                _referenced_files(root, document),
                os.environ.get("SOURCE_DATE_EPOCH", ""),
            )
            old = caching.reuse(cache, out, config.pdf_name, fingerprint)
            if old is not None:
                progress("PDF: unchanged")
                write_files(stage, {config.pdf_name: old})
            else:
                found.extend(render_pdf(config, document, stage, config.pdf_name, progress))
                rendered.append(config.pdf_name)
            if (stage / config.pdf_name).is_file():
                made[config.pdf_name] = [
                    fingerprint,
                    caching.sha256((stage / config.pdf_name).read_bytes()),
                ]
            outputs.append(f"{out_name}/{config.pdf_name}")
        if html:
            site = build_site(
                si,
                make_parser(),
                changes,
                reuse=lambda name, fp: caching.reuse(cache, out, f"html/{name}", fp),
                progress=progress,
                pdf=_pdf_link(stage, config.pdf_name) if pdf else None,
            )
            files = {f"html/{name}": data for name, data in site.files.items()}
            made.update(
                {
                    f"html/{name}": [fp, caching.sha256(site.files[name])]
                    for name, fp in site.fingerprints.items()
                }
            )
            files.update(_media(root, analysis.images.values(), found))
            if pdf and (stage / config.pdf_name).is_file():
                # published with the site: whoever copies html/ has the PDF too
                files[f"html/{config.pdf_name}"] = (stage / config.pdf_name).read_bytes()
            write_files(stage, files)
            rendered += [f"html/{name}" for name in site.rendered]
            progress(
                f"making the site ({len(site.fingerprints)}/{len(site.fingerprints)} pages, "
                f"{len(site.rendered)} rendered, the others unchanged)"
            )
            outputs.append(f"{out_name}/html/index.html")
        final = finish(found, strict)
        if has_errors(final):
            discard(stage)
            return Result(final, analysis=analysis)
        _keep_other_outputs(out, stage, html, pdf, config.pdf_name)
        kept = {
            rel: v
            for rel, v in cache.outputs.items()
            if (html is False and rel.startswith("html/"))
            or (pdf is False and rel == config.pdf_name)
        }
        inputs = sorted(
            {
                *config.chapters,
                config.bibliography,
                *analysis.images.values(),
                *(a.path for a in analysis.evidence.archives.values()),
            }
        )
        if not set(inputs) <= state[1]:
            state = ("", set())  # the snapshot did not cover them; the next build will
        write_files(
            stage,
            {
                caching.CACHE_NAME: caching.dump(
                    caching.Cache(
                        record,
                        {**kept, **made},
                        state[0],
                        inputs,
                        caching.encode_diagnostics(
                            [d for d in found if not d.code.startswith("cache.")]
                        ),
                        analysis.bib_record,
                        analysis.chapter_record,
                    )
                )
            },
        )
        swap(stage, out)
    except TemplateError as exc:
        discard(stage)
        found.append(_template_error(exc, root))
        return Result(finish(found, strict), analysis=analysis)
    except ActiveOutput as exc:
        discard(stage)
        found.append(
            error(
                "theme.active",
                f"a project template produced {exc.what} in "
                f"{exc.page} (line {exc.line}); a dossier never publishes active "
                "content",
                Location("templates"),
                "build tags and attributes literally in templates, not from {{ }}",
            )
        )
        return Result(finish(found, strict), analysis=analysis)
    except WriteFailed as exc:
        discard(stage)
        found.append(_unwritable(exc, out_name))
        return Result(finish(found, strict), analysis=analysis)
    except StaleScan:
        discard(stage)
        if not reuse_scans:
            raise
        return build(
            root,
            html=html,
            pdf=pdf,
            strict=strict,
            output=output,
            progress=progress,
            reuse_scans=False,
        )
    except BaseException:
        discard(stage)
        raise
    return Result(finish(found, strict), tuple(outputs), analysis, tuple(rendered), tuple(inputs))


def _unwritable(exc: WriteFailed, out_name: str) -> Diagnostic:
    what = f"'{out_name}/{exc.what}'" if exc.what else f"the output folder '{out_name}'"
    return error(
        "output.unwritable",
        f"cannot write {what}: {exc.reason}; the previous build is unchanged",
        hint="free some disk space, or make the output folder writable",
    )


def _media(root: Path, images: Iterable[str], found: list[Diagnostic]) -> dict[str, bytes]:
    """The images the chapters show, for html/media/ (checked when the chapters were
    read; a file swapped since then is refused here, never followed)."""
    out: dict[str, bytes] = {}
    for rel in sorted(set(images)):
        try:
            out[f"html/media/{rel}"] = read_file(root, rel, MAX_IMAGE_BYTES)
        except Refused as refused:
            found.append(refused.diagnostic("image", rel))
    return out


_REFERENCE = re.compile(r"url\(\s*[\"']?([^\"')\s]+)|(?:src|href)=\"([^\"#][^\"]*)\"")


def _referenced_files(root: Path, document: str) -> dict[str, str]:
    """SHA-256 of each regular file inside the project that the print document names
    (images, CSS url(), fonts): a change to one must render the PDF again."""
    base = root.resolve()
    found: dict[str, str] = {}
    for m in _REFERENCE.finditer(document):
        ref = unquote((m.group(1) or m.group(2)).split("#")[0].split("?")[0])
        if not ref or re.match(r"[A-Za-z][A-Za-z0-9+.-]*:", ref) or ref in found:
            continue
        path = (root / ref.lstrip("/")).resolve()
        if base in path.parents and path.is_file():
            try:
                data = read_file(base, path.relative_to(base).as_posix(), MAX_IMAGE_BYTES)
            except Refused:
                continue  # the PDF's own fetcher refuses it too
            found[ref] = hashlib.sha256(data).hexdigest()
    return dict(sorted(found.items()))


def _template_error(exc: TemplateError, root: Path) -> Diagnostic:
    """A template that fails while rendering (an undefined name, something the sandbox
    forbids) is a problem of the project's templates/, reported as such."""
    import traceback

    name, line = getattr(exc, "filename", None), getattr(exc, "lineno", 0) or 0
    frames = [
        f
        for f in traceback.extract_tb(exc.__traceback__)
        if f.filename.endswith((".html", ".htm", ".xml", ".svg"))
    ]
    if frames:  # Jinja puts the template's own lines into the traceback
        name, line = frames[-1].filename, frames[-1].lineno or 0
    path = Path(str(name or "templates"))
    try:
        rel = path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        rel = f"templates/{path.name}"
    return error(
        "theme.render",
        f"template error: {exc.message or exc}",
        Location(rel, line),
        "check the project's templates/ against dossier's own",
    )


@dataclass(frozen=True, slots=True)
class _Previous:
    """What the last build left in the output folder, read once per build."""

    out: Path
    cache: Any  # cache.Cache
    problems: tuple[Diagnostic, ...] = ()


def _unchanged(
    root: Path, html: bool, pdf: bool, strict: bool, output: str | None
) -> tuple[Result | None, tuple[str, set[str]], _Previous | None]:
    """(the result of the last build when no input changed since, else None; the
    snapshot of the inputs taken now, before any is read, and what it covered; the last
    build's cache)."""
    from . import cache as caching

    config, _ = load_config(root)
    if config is None:
        return None, ("", set()), None
    out_name = output or config.output
    out = (root / out_name).resolve()
    cache, problems = (
        caching.load(out) if (out / caching.CACHE_NAME).is_file() else (caching.Cache(), [])
    )
    previous = _Previous(out, cache, tuple(problems))
    if problems:
        return None, ("", set()), previous
    state, covered = caching.snapshot(root, out, cache.inputs, [html, pdf, strict, out_name])
    diags = caching.decode_diagnostics(cache.diagnostics)
    if state != cache.state or diags is None or not caching.unchanged(cache, out):
        return None, (state, covered), previous
    outputs = ([f"{out_name}/html/index.html"] if html else []) + (
        [f"{out_name}/{config.pdf_name}"] if pdf else []
    )
    return (
        Result(finish(diags, strict), tuple(outputs), inputs=tuple(cache.inputs)),
        (state, covered),
        previous,
    )


def _pdf_link(stage: Path, name: str) -> Any:
    from .render.site import PdfLink

    path = stage / name
    return PdfLink(name, path.stat().st_size) if path.is_file() else None


def _keep_other_outputs(out: Path, stage: Path, html: bool, pdf: bool, pdf_name: str) -> None:
    """`build --html` keeps the last PDF and `--pdf` the last site, as a user expects."""
    import shutil

    if not out.is_dir():
        return
    if not html and (out / "html").is_dir():
        shutil.copytree(out / "html", stage / "html")
        if pdf and (stage / "html" / pdf_name).is_file() and (stage / pdf_name).is_file():
            shutil.copy2(stage / pdf_name, stage / "html" / pdf_name)  # the site's copy too
    if not pdf and (out / pdf_name).is_file():
        shutil.copy2(out / pdf_name, stage / pdf_name)
