"""A capture in the archive: the body as received, under the name dossier reads
(sources/<key>.html, .pdf or .txt, by the type sniffed from the bytes), and a sidecar
sources/<key>.capture.json with what the archive file cannot say about itself."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from ..projectfs import Refused, inside, write_file
from .fetcher import Fetched

SIDECAR = ".capture.json"
_SAFE_KEY = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.:+-]{0,150}")
_HTML_START = re.compile(
    rb"\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body)\b", re.I | re.S
)


def sniff(content_type: str, body: bytes) -> str | None:
    """The archive suffix for a page: what the bytes are, then what the server said;
    None when it is none of HTML, PDF or text (an image, an archive, a program)."""
    head = body[:1024].lstrip(b"\xef\xbb\xbf")
    if head.startswith(b"%PDF-"):
        return ".pdf"
    if _HTML_START.match(head):
        return ".html"
    if b"\x00" in head:  # binary, whatever the server calls it
        return None
    if content_type in ("text/html", "application/xhtml+xml"):
        return ".html"
    if content_type == "application/pdf":
        return None  # said PDF, but the bytes are not one
    if content_type.startswith("text/") or not content_type:
        return ".txt"
    return None


def safe_key(key: str) -> bool:
    """Whether a cite key can be a file name in the sources folder as it is."""
    return bool(_SAFE_KEY.fullmatch(key)) and ".." not in key


def sidecar_of(rel: str) -> str:
    return rel.rsplit(".", 1)[0] + SIDECAR


def capture_record(fetched: Fetched) -> dict[str, object]:
    return {
        "url": fetched.url,
        "final_url": fetched.final_url,
        "status": fetched.status,
        "content_type": fetched.content_type,
        "fetched_at": fetched.fetched_at,
        "sha256": fetched.sha256,
        "size": len(fetched.body),
        "redirects": list(fetched.redirects),
    }


def make_folder(root: Path, folder: str) -> None:
    """The sources folder, made when the project has none yet (never outside it: a
    dangling symlink named `sources` is not followed to make its target)."""
    path = root / folder
    if os.path.lexists(path):
        return
    if inside(root, str(Path(folder).parent)) is None:
        raise Refused("outside")
    path.mkdir()


def write_capture(root: Path, rel: str, fetched: Fetched) -> None:
    """The body, then its sidecar (each replaced whole, never written through a link)."""
    make_folder(root, str(Path(rel).parent))
    write_file(root, rel, fetched.body)
    text = json.dumps(capture_record(fetched), indent=2, ensure_ascii=False) + "\n"
    write_file(root, sidecar_of(rel), text.encode("utf-8"))
