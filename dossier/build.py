"""The pipeline, top to bottom: read -> resolve (analysis) -> cite (citing) -> render
(render.stage) -> write.

Everything is read and checked before anything is written; the output folder is
replaced in one swap, and only when every requested output was made."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .analysis import Analysis, analyse
from .config import BUILD_MARKER, load_config, output_problem
from .diagnostics import Diagnostic, error, has_errors, sort
from .diagnostics import strict as to_strict

# The stages are imported where they run, so that a no-op build (nothing changed since
# the last one) costs little more than starting Python: see _unchanged.

log = logging.getLogger("dossier")
Progress = Callable[[str], None]

__all__ = ["Analysis", "Result", "analyse", "build", "check", "finish"]


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


def finish(
    diags: list[Diagnostic] | tuple[Diagnostic, ...], strict: bool
) -> tuple[Diagnostic, ...]:
    return sort(to_strict(diags) if strict else diags)


def check(root: Path, strict: bool = False, progress: Progress = log.info) -> Result:
    analysis, diags = analyse(root, progress)
    if analysis is not None:  # what formatting would refuse, without formatting
        from .cite.stage import alike_problems

        diags = (*diags, *alike_problems(analysis))
    return Result(finish(diags, strict), analysis=analysis)


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

    config, _ = load_config(root)
    out_name = output or (config.output if config else "build")
    previous = caching.last_build(root, out_name, [html, pdf, strict]) if config else None
    if config and previous and previous.unchanged is not None:
        progress("nothing changed since the last build")
        outputs = ([f"{out_name}/html/index.html"] if html else []) + (
            [f"{out_name}/{config.pdf_name}"] if pdf else []
        )
        read = tuple(previous.cache.inputs)
        return Result(finish(previous.unchanged, strict), tuple(outputs), inputs=read)
    from jinja2 import TemplateError

    from .cite.stage import format_cached
    from .evidence.sources import report
    from .render.site import SiteInput
    from .render.stage import make_pdf, make_site
    from .render.theme import ActiveOutput, active_output_error, template_error
    from .resolve.collect import StaleScan
    from .write import WriteFailed, discard, keep_other_outputs, stage_dir, swap, unwritable
    from .write import write_files as write

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
        return Result(finish([*found, error("config.output", problem)], strict), analysis=analysis)
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
        analysis.abbreviations,
    )
    changes = report(analysis.evidence, analysis.collected.citing)
    try:
        stage = stage_dir(out)
    except WriteFailed as exc:
        return Result(finish([*found, unwritable(exc, out_name)], strict), analysis=analysis)
    try:
        report_json = json.dumps(changes, indent=2, ensure_ascii=False) + "\n"
        write(
            stage,
            {
                BUILD_MARKER: b"made by dossier; replaced on every build\n",
                "changes.json": report_json.encode("utf-8"),
            },
        )
        made = []
        if pdf:
            made.append(make_pdf(si, root, stage, cache, out, progress))
        if html:
            made.append(make_site(si, root, changes, stage, cache, out, progress, with_pdf=pdf))
        found.extend(d for m in made for d in m.diagnostics)
        final = finish(found, strict)
        if has_errors(final):
            discard(stage)
            return Result(final, analysis=analysis)
        keep_other_outputs(out, stage, html, pdf, config.pdf_name)
        inputs = analysis.inputs()
        covered = previous is not None and set(inputs) <= previous.covered
        kept = {  # what `--html` or `--pdf` left of the other output
            rel: v
            for rel, v in cache.outputs.items()
            if (not html and rel.startswith("html/")) or (not pdf and rel == config.pdf_name)
        }
        new_cache = caching.Cache(
            record,
            {**kept, **{rel: v for m in made for rel, v in m.records.items()}},
            # the snapshot must cover every input, or the next build cannot trust it
            previous.state if previous is not None and covered else "",
            tuple(inputs),
            tuple(d for d in found if not d.code.startswith("cache.")),
            analysis.bib_record,
            analysis.chapter_record,
            made[-1].search if html else cache.search,  # a PDF-only build keeps it
        )
        write(stage, {caching.CACHE_NAME: caching.dump(new_cache)})
        swap(stage, out)
    except (TemplateError, ActiveOutput, WriteFailed) as exc:  # a problem for people
        discard(stage)
        if isinstance(exc, WriteFailed):
            found.append(unwritable(exc, out_name))
        elif isinstance(exc, ActiveOutput):
            found.append(active_output_error(exc))
        else:
            found.append(template_error(exc, root))
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
    outputs = ([f"{out_name}/{config.pdf_name}"] if pdf else []) + (
        [f"{out_name}/html/index.html"] if html else []
    )
    rendered = tuple(r for m in made for r in m.rendered)
    return Result(finish(found, strict), tuple(outputs), analysis, rendered, tuple(inputs))
