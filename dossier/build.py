"""The pipeline, top to bottom: read -> resolve (analysis) -> cite (citing) -> render
(render.stage) -> write.

Everything is read and checked before anything is written; the output folder is
replaced in one swap, and only when every requested output was made."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .analysis import Analysis, analyse
from .config import load_config, output_problem
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
    from .render.stage import problem_of, render_outputs
    from .render.theme import ActiveOutput
    from .write import WriteFailed, discard, keep_other_outputs, stage_dir, swap, unwritable
    from .write import write_files as write

    analysis, diags = analyse(
        root,
        progress,
        previous.cache.bibliography if previous else None,
        previous.cache.chapters if previous else None,
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
    try:
        stage = stage_dir(out)
    except WriteFailed as exc:
        return Result(finish([*found, unwritable(exc, out_name)], strict), analysis=analysis)
    try:
        made = render_outputs(analysis, formatted, stage, cache, out, progress, html=html, pdf=pdf)
        found.extend(d for m in made for d in m.diagnostics)
        final = finish(found, strict)
        if has_errors(final):
            discard(stage)
            return Result(final, analysis=analysis)
        keep_other_outputs(out, stage, html, pdf, config.pdf_name)
        inputs = analysis.inputs()
        new_cache = caching.after_build(
            previous,
            cache,
            {rel: v for m in made for rel, v in m.records.items()},
            citations=record,
            inputs=inputs,
            diagnostics=found,
            bibliography=analysis.bib_record,
            chapters=analysis.chapter_record,
            search=made[-1].search if html else None,
            html=html,
            pdf=pdf,
            pdf_name=config.pdf_name,
            pdf_record=next((m.pdf for m in made if m.pdf is not None), None),
        )
        write(stage, {caching.CACHE_NAME: caching.dump(new_cache)})
        swap(stage, out)
    except (TemplateError, ActiveOutput, WriteFailed) as exc:  # a problem for people
        discard(stage)
        return Result(finish([*found, problem_of(exc, root, out_name)], strict), analysis=analysis)
    except BaseException:
        discard(stage)
        raise
    outputs = ([f"{out_name}/{config.pdf_name}"] if pdf else []) + (
        [f"{out_name}/html/index.html"] if html else []
    )
    rendered = tuple(r for m in made for r in m.rendered)
    return Result(finish(found, strict), tuple(outputs), analysis, rendered, tuple(inputs))
