"""Images a chapter shows: only regular files inside the project, of image types, are
used; anything else (URLs, file:, absolute paths, ../ escapes) is refused."""

from __future__ import annotations

import posixpath
import re
import stat
from pathlib import Path
from urllib.parse import unquote

from .collect import walk
from .diagnostics import Diagnostic, Location, error, warning
from .markdown import ParsedChapter

IMAGE_TYPES = {".png", ".jpg", ".jpeg", ".gif", ".webp", ".svg"}
MAX_IMAGE_BYTES = 20 * 1024 * 1024
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


def resolve_images(root: Path, parsed: list[ParsedChapter] | tuple[ParsedChapter, ...]
                   ) -> tuple[dict[str, str], dict[str, tuple[str, Location]], list[Diagnostic]]:
    """src as written -> project-relative path; and data files for drawn figures."""
    images: dict[str, str] = {}
    data_figures: dict[str, tuple[str, Location]] = {}
    diags: list[Diagnostic] = []
    base = root.resolve()
    for chapter in parsed:
        folder = posixpath.dirname(chapter.path)
        for tok, _ in walk(chapter.tokens):
            if tok.type != "image":
                continue
            src = str(tok.attrs.get("src", ""))
            line = _line_of(chapter, tok, src)
            loc = Location(chapter.path, line)
            if _SCHEME.match(src) or src.startswith("//"):
                diags.append(warning("media.remote", f"image '{src[:80]}' is not a project "
                                     "file and is not shown (dossier never fetches from the "
                                     "network)", loc, "save the image in the project"))
                continue
            path = _find(root, folder, unquote(src.split("#")[0]))
            if path is None or base not in path.parents:
                diags.append(error("media.outside", f"image '{src}' is outside the project",
                                   loc))
                continue
            try:
                info = path.stat()
            except OSError:
                diags.append(error("media.missing", f"image '{src}' not found", loc))
                continue
            if not stat.S_ISREG(info.st_mode):
                diags.append(error("media.not-a-file", f"image '{src}' is not a regular file",
                                   loc))
            elif path.suffix.lower() == ".toml":
                data_figures[src] = (path.relative_to(base).as_posix(), loc)
            elif path.suffix.lower() not in IMAGE_TYPES:
                diags.append(error("media.type", f"'{src}' is not an image "
                                   f"({', '.join(sorted(IMAGE_TYPES))})", loc))
            elif info.st_size > MAX_IMAGE_BYTES:
                diags.append(error("media.too-large", f"image '{src}' is larger than 20 MB",
                                   loc))
            else:
                images[src] = path.relative_to(base).as_posix()
    return images, data_figures, diags


def _find(root: Path, folder: str, src: str) -> Path | None:
    """Relative to the chapter first (as Quarto and MkDocs do), then to the project
    root (as Pandoc run from the project does)."""
    if src.startswith("/"):
        return None
    candidates = [posixpath.normpath(posixpath.join(folder, src)), posixpath.normpath(src)]
    resolved = [(root / c).resolve() for c in candidates]
    return next((p for p in resolved if p.exists()), resolved[0])


def _line_of(chapter: ParsedChapter, tok: object, src: str) -> int:
    for number, line in enumerate(chapter.lines, 1):
        if src and src in line:
            return number
    return 0
