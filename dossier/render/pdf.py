"""The print document and the PDF step.

The print HTML is one document (title page, contents with page numbers, chapters,
bibliography with the pages citing each entry). WeasyPrint renders it in a child
process with a time and memory limit, so a pathological input ends as one clear
diagnostic, never a crash or a hang of the build."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from pathlib import Path
from typing import Any

from markdown_it import MarkdownIt
from markupsafe import Markup

from ..config import Config
from ..diagnostics import Diagnostic, Location, error, warning
from .markup import RenderContext, configure, render_chapter
from .site import SiteInput, backlinks, contents, site_context
from .theme import THEME_DIR, environment, theme_file


def print_html(si: SiteInput, md: MarkdownIt) -> str:
    configure(md, "print")
    chapters = []
    page_of = {c.path: c.page for c in si.collected.chapters}
    for info, parsed in zip(si.collected.chapters, si.parsed, strict=True):
        ctx = RenderContext("print", si.formatted, si.collected.targets, page_of,
                            dict(si.images), si.figures, page=info.page)
        chapters.append({"number": info.number, "title": info.title_text,
                         "body": Markup(render_chapter(md, parsed.tokens, parsed.env, ctx))})
    links = backlinks(si, page_of, "print")
    entries = [{"key": k, "html": Markup(RenderContext(
        "print", si.formatted, {}, {}, {}).bib_link(si.formatted.bibliography[k])),
                "backlinks": links.get(k, [])} for k in si.formatted.order]
    css = theme_file(si.config.root, "print.css").read_text(encoding="utf-8")
    env = environment(si.config.root)
    return env.get_template("print.html").render(
        site=site_context(si.config), contents=contents(si.collected.chapters),
        chapters=chapters, entries=entries, css=Markup(css.replace("</", "<\\/")))


def _limits(memory_mb: int) -> Any:
    def apply() -> None:
        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        os.setsid()

    return apply


def render_pdf(config: Config, html_text: str, stage: Path, name: str) -> list[Diagnostic]:
    """Writes stage/name; returns diagnostics (an error when no PDF could be made)."""
    html_path = stage / ".print.html"
    html_path.write_text(html_text, encoding="utf-8")
    pdf_path = stage / name
    allowed = [str(config.root.resolve()), str(THEME_DIR)]
    cmd = [sys.executable, "-m", "dossier.render.pdfworker", str(html_path), str(pdf_path),
           *allowed]
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    loc = Location(config.pdf_name)
    try:
        proc = subprocess.run(cmd, capture_output=True, timeout=config.pdf.timeout,
                              preexec_fn=_limits(config.pdf.memory_mb), env=env, check=False)
    except subprocess.TimeoutExpired:
        return [error("pdf.timeout", f"the PDF step took longer than {config.pdf.timeout} s "
                      "and was stopped", loc, "raise [pdf] timeout in dossier.toml")]
    finally:
        html_path.unlink(missing_ok=True)
    diags: list[Diagnostic] = []
    for line in proc.stdout.decode("utf-8", "replace").splitlines():
        try:
            message = json.loads(line)["warning"]
        except (ValueError, KeyError, TypeError):
            continue
        diags.append(warning("pdf.renderer", f"WeasyPrint: {message}", loc))
    if proc.returncode != 0 or not pdf_path.exists():
        stderr = proc.stderr.decode("utf-8", "replace")
        reason = _reason(stderr, proc.returncode, config.pdf.memory_mb)
        diags.append(error("pdf.failed", f"the PDF could not be made: {reason}", loc))
    return diags


def _reason(stderr: str, code: int, memory_mb: int) -> str:
    if "MemoryError" in stderr or code in (-9, 137):
        return f"it needed more than {memory_mb} MB of memory"
    if "RecursionError" in stderr:
        return "the document is nested too deeply"
    last = [line for line in stderr.strip().splitlines() if line.strip()]
    return last[-1][:300] if last else f"the renderer exited with status {code}"
