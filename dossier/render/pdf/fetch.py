"""The only door through which the PDF renderer reads anything.

Serves regular files inside the allowed folders (the project, the theme) and data:
URLs of raster images whose bytes really are that image type. No network, no
redirects, no file outside, no device or FIFO. WeasyPrint is imported by the caller.
"""

from __future__ import annotations

import base64
import hashlib
import mimetypes
import stat
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import unquote, urlsplit

from .record import MAX_READ_BYTES

MAGIC = {
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/gif": (b"GIF87a", b"GIF89a"),
    "image/webp": (b"RIFF",),
}
MAX_BYTES = MAX_READ_BYTES  # what the cache reads again to see if a file changed


# The print document's base URL: the project under a fixed name, so that nothing in the
# PDF depends on where the project lives (WeasyPrint names images after their URL).
PROJECT_URL = "file:///dossier-project/"
# The theme's folder (its bundled fonts) under a fixed name too: the second allowed
# folder, by the caller's order (dossier/render/pdf/document.py: the project, then the theme).
THEME_URL = "file:///dossier-theme/"


class Refused(ValueError):
    pass


def named_path(url: str, allowed: Sequence[Path]) -> Path:
    """The path a file: URL names, symlinks and `..` not resolved yet."""
    if url.startswith(PROJECT_URL) and allowed:
        url = Path(allowed[0]).resolve().as_uri() + "/" + url[len(PROJECT_URL) :]
    elif url.startswith(THEME_URL) and len(allowed) > 1:
        url = Path(allowed[1]).resolve().as_uri() + "/" + url[len(THEME_URL) :]
    parts = urlsplit(url)
    if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
        raise Refused(f"not a local file: {url[:120]}")
    return Path(unquote(parts.path))


def project_file(url: str, allowed: Sequence[Path]) -> str | None:
    """The project-relative path a file: URL names, or None for another URL (a theme
    file is the tool's, which the cache follows anyway). As named when it is written
    under the project: projectfs resolves it the same way when the cache reads it again,
    so a symlink changed since is seen."""
    if url.startswith(THEME_URL) or not allowed:
        return None
    try:
        named, project = named_path(url, allowed), allowed[0]
        if named.is_relative_to(project):
            return named.relative_to(project).as_posix()
        resolved = named.resolve()
    except (Refused, OSError, RuntimeError, ValueError):  # not a file: URL; a loop; a NUL
        return None
    return resolved.relative_to(project).as_posix() if resolved.is_relative_to(project) else None


def resolve_file_url(url: str, allowed: Sequence[Path]) -> Path:
    path = named_path(url, allowed).resolve()
    if not any(path == root or root in path.parents for root in allowed):
        raise Refused(f"outside the project: {path}")
    info = path.stat()
    if not stat.S_ISREG(info.st_mode):
        raise Refused(f"not a regular file: {path}")
    if info.st_size > MAX_BYTES:
        raise Refused(f"too large: {path}")
    return path


def read_data_url(url: str) -> tuple[str, bytes]:
    header, _, payload = url[5:].partition(",")
    mime = header.split(";")[0].lower()
    if mime not in MAGIC or ";base64" not in header.lower():
        raise Refused(f"data: URL of type '{mime or 'text/plain'}' refused")
    data = base64.b64decode(payload, validate=False)
    if not data.startswith(MAGIC[mime]):
        raise Refused(f"data: URL claims {mime} but holds something else")
    return mime, data


def make_fetcher(allowed: Sequence[Path]) -> object:
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    roots = [Path(p).resolve() for p in allowed]

    class ProjectFetcher(URLFetcher):  # type: ignore[misc]
        # Set once the pages are laid out (pdfworker): everything the pages show is read
        # by then, and what WeasyPrint would read afterwards are only files to embed in
        # the PDF (rel="attachment", <link rel=attachment>), which dossier never does.
        closed = False
        # every project file asked for -> SHA-256 of what was served, or None: the PDF's
        # inputs besides its document, which the worker reports (see record.py)
        read: dict[str, str | None]

        def fetch(self, url: str, headers: object = None) -> object:
            if self.closed:
                raise Refused(f"files are never embedded in the PDF: {url[:120]}")
            if url.startswith("data:"):
                mime, data = read_data_url(url)
                return URLFetcherResponse(url, data, {"Content-Type": mime})
            rel = project_file(url, roots)
            try:
                path = resolve_file_url(url, roots)
                body = path.read_bytes()
            except (Refused, OSError):
                if rel is not None:
                    self.read.setdefault(rel, None)
                raise
            if rel is not None:
                self.read.setdefault(rel, hashlib.sha256(body).hexdigest())
            mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            if path.suffix == ".css":
                mime = "text/css"
            shown = url if url.startswith((PROJECT_URL, THEME_URL)) else path.as_uri()
            return URLFetcherResponse(shown, body, {"Content-Type": mime})

    fetcher = ProjectFetcher(allow_redirects=False, fail_on_errors=False)
    fetcher.read = {}
    return fetcher
