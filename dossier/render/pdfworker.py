"""Runs in a child process: print HTML -> PDF with WeasyPrint, behind the project
fetcher. Limits on time and memory are set by the parent; this process only reports
WeasyPrint's warnings, one JSON line each, on stdout."""

from __future__ import annotations

import hashlib
import html
import json
import logging
import re
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
    fetcher = make_fetcher([Path(a) for a in allowed])
    document = weasyprint.HTML(string=source.decode("utf-8"), base_url=base,
                               url_fetcher=fetcher)
    ident = hashlib.sha256(source).hexdigest()[:32].encode()
    text = source.decode("utf-8")
    rendered = document.render()
    if _CITED_ON.search(text):
        # "Cited on pp. 3, 17": distinct pages in order need the layout, so the first
        # pass finds the page of every citation and the second prints them. Only the
        # bibliography (the end of the document) changes, so no citation moves.
        pages = {name: number for number, page in enumerate(rendered.pages, 1)
                 for name in page.anchors}
        text = _CITED_ON.sub(lambda m: _pages_citing(m.group(1), pages), text)
        document = weasyprint.HTML(string=text, base_url=base, url_fetcher=fetcher)
        rendered = document.render()
    rendered.write_pdf(pdf_path, pdf_identifier=ident, custom_metadata=True)
    return 0


_CITED_ON = re.compile(r'<span class="cited-on">(.*?)</span>', re.DOTALL)
_HREF = re.compile(r'href="#([^"]+)"')


def _pages_citing(inner: str, pages: dict[str, int]) -> str:
    first_on_page: dict[int, str] = {}
    for anchor in _HREF.findall(inner):
        page = pages.get(html.unescape(anchor))
        if page is not None:
            first_on_page.setdefault(page, anchor)
    if not first_on_page:
        return ""
    numbers = sorted(first_on_page)
    links = ", ".join(f'<a href="#{first_on_page[n]}">{n}</a>' for n in numbers)
    label = "p." if len(numbers) == 1 else "pp."
    return f'<span class="cited-on cited-on-final">Cited on {label} {links}.</span>'


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
