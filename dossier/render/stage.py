"""The render stage: the PDF and the site, each made into the build's stage folder,
with what the cache must remember of them. A page or PDF whose inputs are unchanged
since the last build is taken from it instead of being made again."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..cache import Cache, Output, digest, reuse, sha256
from ..diagnostics import Diagnostic
from ..write import write_files
from .pdf.record import PdfRecord
from .site import PdfLink, SiteInput

if TYPE_CHECKING:
    from ..analysis import Analysis
    from ..model import Formatted

Progress = Callable[[str], None]


def render_outputs(
    analysis: Analysis,
    formatted: Formatted,
    stage: Path,
    cache: Cache,
    out: Path,
    progress: Callable[[str], None],
    *,
    html: bool,
    pdf: bool,
) -> list[Staged]:
    """The render stage, into the stage folder: the changes report, then the PDF and
    the site as asked (the PDF first: the site links it and publishes a copy)."""
    from ..config import BUILD_MARKER
    from ..evidence.sources import report

    root = analysis.config.root
    # the PDF writes every chapter: the site then writes its pages from the same trees
    si = SiteInput.of(analysis, formatted, every_tree=pdf)
    changes = report(analysis.evidence, analysis.collected.citing)
    report_json = json.dumps(changes, indent=2, ensure_ascii=False) + "\n"
    write_files(
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
    return made


def problem_of(exc: Exception, root: Path, out_name: str) -> Diagnostic:
    """A failure of the render or write stage that is a problem for people (a template
    error, active content in a page, an output that cannot be written) in words."""
    from jinja2 import TemplateError

    from ..write import WriteFailed, unwritable
    from .theme import ActiveOutput, active_output_error, template_error

    if isinstance(exc, WriteFailed):
        return unwritable(exc, out_name)
    if isinstance(exc, ActiveOutput):
        return active_output_error(exc)
    assert isinstance(exc, TemplateError)
    return template_error(exc, root)


@dataclass(frozen=True, slots=True)
class Staged:
    """What one output added to the stage folder."""

    diagnostics: tuple[Diagnostic, ...]
    # output path -> [fingerprint of its inputs, SHA-256 of the bytes written]
    records: dict[str, Output]
    rendered: tuple[str, ...]  # made afresh (the others came from the last build)
    search: dict[str, object] = field(default_factory=dict)  # the site's search record
    pdf: PdfRecord | None = None  # what the PDF was made from


def make_pdf(
    si: SiteInput, root: Path, stage: Path, cache: Cache, out: Path, progress: Progress
) -> Staged:
    from .pdf.document import contents_note, print_html, render_pdf
    from .theme import check_rendered, overrides_html

    config = si.config
    progress("making the print document")
    document = print_html(si)
    found = list(contents_note(config, si.collected.chapters))
    if overrides_html(root):
        check_rendered("print document", document.html)
    # what the PDF is made from besides the project files WeasyPrint reads (which the
    # last render reported): the document and the date it is stamped with
    made_from = digest(
        sha256(document.html.encode("utf-8")), os.environ.get("SOURCE_DATE_EPOCH", "")
    )
    record = cache.pdf
    old = None
    if record is not None and record.made_from == made_from and record.still_reads_alike(root):
        old = reuse(cache, out, config.pdf_name, record.fingerprint)
    rendered: tuple[str, ...] = ()
    if old is not None:
        progress("PDF: unchanged")
        write_files(stage, {config.pdf_name: old})
    else:
        problems, read = render_pdf(config, document, stage, config.pdf_name, progress)
        found.extend(problems)
        record = PdfRecord.made(made_from, read)
        rendered = (config.pdf_name,)
    made = stage / config.pdf_name
    if not made.is_file() or record is None:
        return Staged(tuple(found), {}, rendered)
    output = Output(record.fingerprint, sha256(made.read_bytes()))
    return Staged(tuple(found), {config.pdf_name: output}, rendered, pdf=record)


def make_site(
    si: SiteInput,
    root: Path,
    changes: dict[str, object],
    stage: Path,
    cache: Cache,
    out: Path,
    progress: Progress,
    with_pdf: bool,
) -> Staged:
    from ..resolve.media import media_files
    from .site import build_site

    pdf_name = si.config.pdf_name
    pdf = stage / pdf_name
    site = build_site(
        si,
        changes,
        reuse=lambda name, fp: reuse(cache, out, f"html/{name}", fp),
        progress=progress,
        pdf=PdfLink(pdf_name, pdf.stat().st_size) if with_pdf and pdf.is_file() else None,
        searched=cache.search,
    )
    files = {f"html/{name}": data for name, data in site.files.items()}
    records = {
        f"html/{name}": Output(fp, sha256(site.files[name]))
        for name, fp in site.fingerprints.items()
    }
    media, found = media_files(root, si.images.values())
    files.update(media)
    if with_pdf and pdf.is_file():
        # published with the site: whoever copies html/ has the PDF too
        files[f"html/{pdf_name}"] = pdf.read_bytes()
    write_files(stage, files)
    progress(
        f"making the site ({len(site.fingerprints)}/{len(site.fingerprints)} pages, "
        f"{len(site.rendered)} rendered, the others unchanged)"
    )
    return Staged(
        tuple(found), records, tuple(f"html/{name}" for name in site.rendered), dict(site.search)
    )
