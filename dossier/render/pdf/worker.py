"""Runs in a child process: print HTML -> PDF with WeasyPrint, behind the project
fetcher. Limits on time and memory are set by the parent; this process reports
WeasyPrint's warnings, one JSON line each, on stdout.

Two modes:
  [--standard=NAME] HTML PDF ALLOWED...          the whole document
  [--standard=NAME] --part HTML PDF OFFSET ALLOWED...  one part of it (see
      pdfparallel). NAME is `[pdf] standard` (config.PDF_STANDARDS). OFFSET is the
      number of pages before the part, or `-`: then, once the pages are laid out, the
      worker prints {"layout": {"pages": n, "anchors": {id: page}}} and reads the
      offset from stdin before it draws the running heads and page numbers. Pagination
      does not depend on the page number, so each part is laid out only once.

Once the PDF is written, either mode prints {"fetched": {path: sha256 or null}}: the
project files WeasyPrint asked for, which the cache keeps to know when the PDF must be
made again (record.py)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .process import Fetched, Report, Warned
    from .weasy import Box, Fetcher, Html, Link, Rendered

    # WeasyPrint's state of a page: quotes, counters ({name: values}), scopes, groups
    PageState = tuple[object, dict[str, list[int]], object, object]


class _Collect(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno >= logging.WARNING:
            _send({"warning": record.getMessage()})


def _send(message: Report | Warned | Fetched) -> None:
    print(json.dumps(message, sort_keys=True), flush=True)


def _document(html_path: str, allowed: list[str]) -> tuple[Html, str]:
    import weasyprint

    from .fetch import PROJECT_URL, make_fetcher

    for name in ("weasyprint", "weasyprint.progress"):
        logging.getLogger(name).addHandler(_Collect())
        logging.getLogger(name).setLevel(logging.WARNING)
    text = Path(html_path).read_text(encoding="utf-8")
    base = PROJECT_URL  # the fetcher maps it to allowed[0], the project
    fetcher = make_fetcher([Path(a) for a in allowed])
    document: Html = weasyprint.HTML(string=text, base_url=base, url_fetcher=fetcher)
    return document, text


def whole(html_path: str, pdf_path: str, allowed: list[str], standard: str = "none") -> int:
    import weasyprint

    from .split import has_cited_on, resolve_cited_on

    document, text = _document(html_path, allowed)
    ident = hashlib.sha256(text.encode("utf-8")).hexdigest()[:32].encode()
    rendered = document.render()
    if has_cited_on(text):
        # "Cited on pp. 3, 17": distinct pages in order need the layout, so the first
        # pass finds the page of every citation and the second prints them. Only the
        # bibliography (the end of the document) changes, so no citation moves.
        pages: dict[str, int] = {}
        for number, page in enumerate(rendered.pages, 1):
            for name in page.anchors:
                pages.setdefault(name, number)
        document = weasyprint.HTML(
            string=resolve_cited_on(text, pages),
            base_url=document.base_url,
            url_fetcher=document.url_fetcher,
        )
        rendered = document.render()
    _send({"pages": len(rendered.pages)})
    _seal(rendered, document.url_fetcher)
    _write(rendered, pdf_path, ident, standard, document)
    _send({"fetched": document.url_fetcher.read})
    return 0


def part(
    html_path: str, pdf_path: str, offset: str, allowed: list[str], standard: str = "none"
) -> int:
    import weasyprint.layout as layout

    document, _ = _document(html_path, allowed)
    laid_out: list[Box] = []
    shift: list[int] = [] if offset == "-" else [int(offset)]
    make_all_pages, make_margin_boxes = layout.make_all_pages, layout.make_margin_boxes

    def all_pages(*args: object) -> Iterator[Box]:
        laid_out[:] = list(make_all_pages(*args))
        return iter(laid_out)

    def margin_boxes(context: object, page: Box, state: PageState) -> object:
        if not shift:  # the first page's margins: the whole part is paginated
            _send({"layout": {"pages": len(laid_out), "anchors": _anchors(laid_out)}})
            line = sys.stdin.readline().strip()
            if not line.isdigit():
                raise SystemExit(3)
            shift.append(int(line))
        quotes, counters, scopes, groups = state
        counters = {**counters, "page": [value + shift[0] for value in counters["page"]]}
        return make_margin_boxes(context, page, (quotes, counters, scopes, groups))

    layout.make_all_pages, layout.make_margin_boxes = all_pages, margin_boxes
    rendered = document.render()
    _seal(rendered, document.url_fetcher, across_parts=True)
    # the merge sets the identifier of the whole
    _write(rendered, pdf_path, b"0" * 32, standard, document)
    _send({"fetched": document.url_fetcher.read})
    return 0


def _seal(rendered: Rendered, fetcher: Fetcher, across_parts: bool = False) -> None:
    """No file is ever embedded in the PDF and no link opens one, whatever a template
    wrote: attachments (<link rel=attachment>, <a rel=attachment>) are dropped, the
    fetcher refuses anything read from now on, and a link becomes a URI action only when
    the URL policy allows it (never file:, which a viewer would open or run). In a part,
    links to another part are `dossier-dest:NAME` URIs that the merge turns into links
    inside the document, so they stay."""
    from ...urls import pdf_link
    from .split import DEST_SCHEME

    def kept(link: Link) -> bool:
        if link[0] == "internal":
            return True
        if link[0] != "external":
            return False
        target = str(link[1])
        return pdf_link(target) or (across_parts and target.startswith(DEST_SCHEME))

    fetcher.closed = True
    rendered.metadata.attachments = []
    for page in rendered.pages:
        # A box inside a link inherits it (WeasyPrint makes one annotation per nested
        # span); only the link's own boxes (one per line it spans) keep one.
        page.links[:] = [
            link for link in page.links if kept(link) and getattr(link[3], "link", True)
        ]


def _write(
    rendered: Rendered,
    pdf_path: str,
    ident: bytes,
    standard: str = "none",
    html: Html | None = None,
) -> None:
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():  # reproducible builds: the dates of the inputs, not of the build
        try:
            when = dt.datetime.fromtimestamp(int(epoch), dt.UTC)
        except (OverflowError, OSError, ValueError):  # out of range: as archive.today()
            when = dt.datetime.now(dt.UTC)
        rendered.metadata.created = rendered.metadata.modified = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    from ...config import PDF_STANDARDS
    from .tags import Tagger
    from .xmp import catalog_finisher

    variant, tagged, ua = PDF_STANDARDS[standard]
    tagger = None
    if tagged and html is not None:
        tagger = Tagger(html.etree_element, rendered.metadata.lang or "")
        tagger.install(rendered.pages)
    finish = catalog_finisher(variant, ua, tagger.finish if tagger else None)
    options: dict[str, object] = {"pdf_identifier": ident, "custom_metadata": True}
    if variant:
        options["pdf_variant"] = variant
    rendered.write_pdf(pdf_path, finisher=finish, **options)


def _anchors(pages: list[Box]) -> dict[str, int]:
    """Anchor name -> 1-based page within the part, the first occurrence winning as
    in WeasyPrint's own links."""
    found: dict[str, int] = {}
    for number, page in enumerate(pages, 1):
        for box in page.descendants():
            name = box.style["anchor"]
            if isinstance(name, str) and name and name not in found:
                found[name] = number
    return found


def main(argv: list[str]) -> int:
    sys.setrecursionlimit(10000)
    standard = "none"
    if argv and argv[0].startswith("--standard="):
        standard, argv = argv[0].partition("=")[2], argv[1:]
    if argv and argv[0] == "--part":
        html_path, pdf_path, offset, *allowed = argv[1:]
        return part(html_path, pdf_path, offset, allowed, standard)
    html_path, pdf_path, *allowed = argv
    return whole(html_path, pdf_path, allowed, standard)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
