"""The print document of a project: the one HTML file dossier hands to WeasyPrint.

Kept to one function on purpose: dossier/render/pdf/document.py is being reworked (parallel
rendering), and this is the only place in bench/ that depends on how the PDF step is
called. If the benchmark fails here, adapt `print_document` to the new PDF step."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any


class PrintDocumentError(Exception):
    pass


def print_document(root: Path, dest: Path) -> Path:
    """Writes the print HTML of the project at `root` to `dest`, exactly as `dossier build
    --pdf` makes it, without rendering it.

    The build itself runs (in this process), with dossier.render.pdf.document.render_pdf replaced by
    a stand-in that keeps the HTML it is given and fails the step, so nothing is written:
    the document is the one the real pipeline makes, whatever the pipeline's internals."""
    from dossier import build as pipeline
    from dossier.diagnostics import error
    from dossier.render.pdf import document as pdf

    captured: list[str] = []

    def keep(*args: Any, **kwargs: Any) -> tuple[list[Any], dict[str, str | None]]:
        captured.extend(
            a.html for a in (*args, *kwargs.values()) if isinstance(a, pdf.PrintDocument)
        )
        return [error("bench.print-document", "print document captured; PDF not rendered")], {}

    real = pdf.render_pdf
    pdf.render_pdf = keep
    try:
        with tempfile.TemporaryDirectory(prefix="bench-print-") as out:
            result = pipeline.build(
                root, html=False, pdf=True, output=f"{out}/build", progress=lambda _: None
            )
    finally:
        pdf.render_pdf = real
    if len(captured) != 1:
        problems = [d.format() for d in result.diagnostics if d.severity.value == "error"]
        raise PrintDocumentError(
            "could not capture the print document: dossier.build no longer passes one "
            "PrintDocument to dossier.render.pdf.document.render_pdf; update bench/printdoc.py"
            + ("\n" + "\n".join(problems[:10]) if problems else "")
        )
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(captured[0], encoding="utf-8")
    return dest
