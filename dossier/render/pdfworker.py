"""Runs in a child process: print HTML -> PDF with WeasyPrint, behind the project
fetcher. Limits on time and memory are set by the parent; this process only reports
WeasyPrint's warnings, one JSON line each, on stdout."""

from __future__ import annotations

import hashlib
import json
import logging
import sys
from pathlib import Path


class _Collect(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno >= logging.WARNING:
            print(json.dumps({"warning": record.getMessage()}), flush=True)


def main(argv: list[str]) -> int:
    html_path, pdf_path, *allowed = argv
    sys.setrecursionlimit(10000)
    import weasyprint

    from ..fetch import make_fetcher

    for name in ("weasyprint", "weasyprint.progress"):
        logging.getLogger(name).addHandler(_Collect())
        logging.getLogger(name).setLevel(logging.WARNING)
    source = Path(html_path).read_bytes()
    base = Path(allowed[0]).resolve().as_uri() + "/"
    document = weasyprint.HTML(string=source.decode("utf-8"), base_url=base,
                               url_fetcher=make_fetcher([Path(a) for a in allowed]))
    ident = hashlib.sha256(source).hexdigest()[:32].encode()
    document.write_pdf(pdf_path, pdf_identifier=ident, pdf_variant=None,
                       custom_metadata=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
