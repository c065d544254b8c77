"""Images a chapter shows: only regular files inside the project, of image types, are
used; anything else (URLs, data:, file:, absolute paths, ../ escapes, SVGs with scripts)
is refused."""

from __future__ import annotations

import posixpath
import re
import stat
from collections.abc import Iterable, Sequence
from pathlib import Path
from urllib.parse import unquote
from xml.parsers import expat

from ..diagnostics import Diagnostic, Location, error, warning
from ..projectfs import MAX_IMAGE_BYTES, Refused, read_file
from ..read.scan import ChapterScan
from ..urls import plain_url

IMAGE_TYPES = {".png", ".jpg", ".jpeg", ".gif", ".webp", ".svg"}
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


def resolve_images(
    root: Path, scans: Sequence[ChapterScan]
) -> tuple[dict[str, str], dict[str, tuple[str, Location]], list[Diagnostic]]:
    """src as written -> project-relative path; and data files for drawn figures."""
    images: dict[str, str] = {}
    data_figures: dict[str, tuple[str, Location]] = {}
    diags: list[Diagnostic] = []
    base = root.resolve()
    seen: dict[tuple[str, str], tuple[str, str]] = {}  # 250,000 images of one file: one look
    for scan in scans:
        folder = posixpath.dirname(scan.path)
        for image in scan.images:
            src = image.src
            loc = Location(scan.path, image.line)
            if (folder, src) not in seen:
                seen[folder, src] = _classify(root, base, folder, src)
            kind, value = seen[folder, src]
            if kind == "image":
                images[src] = value
            elif kind == "data":
                data_figures[src] = (value, loc)
            else:
                diags.append(_problem(kind, value, src, loc))
    return images, data_figures, diags


def _classify(root: Path, base: Path, folder: str, src: str) -> tuple[str, str]:
    """What an image reference names: ("image" | "data", its project path), or a
    problem's kind with its detail (see _problem)."""
    not_local = _not_a_file(src)
    if not_local:
        return "remote", not_local
    name = unquote(src.split("#")[0])
    if "\x00" in name:  # `%00`: no file has a NUL in its name
        return "missing", ""
    path = _find(root, folder, name)
    if path is None or base not in path.parents:
        return "outside", ""
    try:
        info = path.stat()
    except OSError:
        return "missing", ""
    suffix = path.suffix.lower()
    if not stat.S_ISREG(info.st_mode):
        return "not-a-file", ""
    if suffix == ".toml":
        return "data", path.relative_to(base).as_posix()
    if suffix not in IMAGE_TYPES:
        return "type", ""
    if info.st_size > MAX_IMAGE_BYTES:
        return "too-large", ""
    if suffix == ".svg" and (active := _active_svg(base, path)):
        return "active", active
    return "image", path.relative_to(base).as_posix()


def _problem(kind: str, detail: str, src: str, loc: Location) -> Diagnostic:
    if kind == "remote":
        return warning("media.remote", detail, loc, "save the image in the project")
    if kind == "outside":
        return error("media.outside", f"image '{src}' is outside the project", loc)
    if kind == "not-a-file":
        return error("media.not-a-file", f"image '{src}' is not a regular file", loc)
    if kind == "type":
        kinds = ", ".join(sorted(IMAGE_TYPES))
        return error("media.type", f"'{src}' is not an image ({kinds})", loc)
    if kind == "too-large":
        return error("media.too-large", f"image '{src}' is larger than 20 MB", loc)
    if kind == "active":
        return error(
            "media.active",
            f"SVG image '{src}' holds active content ({detail}); dossier never publishes scripts",
            loc,
            "remove it from the SVG, or save the image as PNG",
        )
    return error("media.missing", f"image '{src}' not found", loc)


# SVG: published only as a file shown through <img> (scripts never run there), but a
# reader can open the file itself, where they would. So an SVG is read with a real XML
# parser (expat: namespaces, UTF-16, character references all undone as a browser does)
# and must hold only SVG drawing: an allow-list of elements in the SVG namespace, no
# DOCTYPE (entities), no processing instruction, no event handler, no reference but to
# its own fragments, no animation of a link. Rasterising would need a renderer dossier
# does not ship; refusing with a message is exact and costs nothing.
_SVG = "http://www.w3.org/2000/svg"
_XLINK = "http://www.w3.org/1999/xlink"
_SVG_ELEMENTS = frozenset(
    {
        "svg",
        "g",
        "defs",
        "symbol",
        "use",
        "title",
        "desc",
        "metadata",
        "path",
        "rect",
        "circle",
        "ellipse",
        "line",
        "polyline",
        "polygon",
        "text",
        "tspan",
        "textPath",
        "clipPath",
        "mask",
        "pattern",
        "marker",
        "linearGradient",
        "radialGradient",
        "stop",
        "filter",
        "feBlend",
        "feColorMatrix",
        "feComponentTransfer",
        "feComposite",
        "feConvolveMatrix",
        "feDiffuseLighting",
        "feDisplacementMap",
        "feDistantLight",
        "feDropShadow",
        "feFlood",
        "feFuncA",
        "feFuncB",
        "feFuncG",
        "feFuncR",
        "feGaussianBlur",
        "feMerge",
        "feMergeNode",
        "feMorphology",
        "feOffset",
        "fePointLight",
        "feSpecularLighting",
        "feSpotLight",
        "feTile",
        "feTurbulence",
        "style",
        "switch",
        "view",
        "",
    }
)
_CSS_REF = re.compile(r"url\(\s*['\"]?\s*(?!#)|@import|expression\s*\(|javascript:", re.I)


class _Active(Exception):
    pass


def svg_problem(data: bytes) -> str:
    """What makes an SVG unsafe to publish ("" when nothing does)."""
    parser = expat.ParserCreate(namespace_separator=" ")
    in_style: list[bool] = []

    def refuse(what: str) -> None:
        raise _Active(what)

    def start(name: str, attrs: dict[str, str]) -> None:
        ns, _, local = name.rpartition(" ")
        if ns != _SVG or local not in _SVG_ELEMENTS:
            refuse(f"<{local}>" + ("" if ns == _SVG else f" outside the SVG namespace ({ns})"))
        in_style.append(local == "style")
        for key, value in attrs.items():
            ans, _, attr = key.rpartition(" ")
            if attr.lower().startswith("on"):
                refuse(f"{attr}=")  # the wording of the earlier check
            if attr == "href" and ans in ("", _XLINK) and not value.strip().startswith("#"):
                refuse(f'href="{value[:40]}"')
            if ans not in ("", _XLINK, "http://www.w3.org/XML/1998/namespace"):
                refuse(f"an attribute in another namespace ({ans})")
            if _CSS_REF.search(value):
                refuse(f'{attr}="{value[:40]}"')

    def text(chars: str) -> None:
        if in_style and in_style[-1] and _CSS_REF.search(chars):
            refuse("a stylesheet that reads or runs something")

    parser.StartElementHandler = start
    parser.EndElementHandler = lambda name: in_style.pop()
    parser.CharacterDataHandler = text
    parser.StartDoctypeDeclHandler = lambda *a: refuse("a DOCTYPE (entities)")
    parser.EntityDeclHandler = lambda *a: refuse("an entity declaration")
    parser.ProcessingInstructionHandler = lambda *a: refuse("a processing instruction")
    parser.ExternalEntityRefHandler = _external
    try:
        parser.Parse(data, True)
    except _Active as exc:
        return str(exc)
    except expat.ExpatError as exc:
        return f"it is not well-formed XML: {exc}"
    return ""


def _external(*args: object) -> int:
    raise _Active("an external entity")


def _active_svg(base: Path, path: Path) -> str:
    try:
        data = read_file(base, path.relative_to(base).as_posix(), MAX_IMAGE_BYTES)
    except Refused as refused:
        return f"it cannot be read ({refused.reason})"
    return svg_problem(data)


def _not_a_file(src: str) -> str:
    """Why `src` names no project file ("" when it may): URLs are never fetched, data:
    URLs never embedded (an "image/png" may hold an SVG with a script), whatever their
    spelling (entities, percent-escapes, control characters)."""
    plain = plain_url(src)
    scheme = _SCHEME.match(plain)
    shown = src if len(src) <= 80 else src[:77] + "..."
    if scheme and scheme.group(0).lower() == "data:":
        return f"image '{shown}' is a data: URL and is not shown (images must be files)"
    if scheme and scheme.group(0).lower() not in ("http:", "https:", "ftp:"):
        return (
            f"image '{shown}' is not a project file and is not shown ('{scheme.group(0)}' "
            "URLs are never read)"
        )
    if scheme or plain.startswith("//"):
        return (
            f"image '{shown}' is not a project file and is not shown (dossier never "
            "fetches from the network)"
        )
    return ""


def _find(root: Path, folder: str, src: str) -> Path | None:
    """Relative to the chapter first (as Quarto and MkDocs do), then to the project
    root (as Pandoc run from the project does)."""
    if src.startswith("/"):
        return None
    candidates = [posixpath.normpath(posixpath.join(folder, src)), posixpath.normpath(src)]
    resolved = [(root / c).resolve() for c in candidates]
    return next((p for p in resolved if p.exists()), resolved[0])


def media_files(root: Path, images: Iterable[str]) -> tuple[dict[str, bytes], list[Diagnostic]]:
    """The images the chapters show, for html/media/ (checked when the chapters were
    read; a file swapped since then is refused here, never followed)."""
    out: dict[str, bytes] = {}
    problems: list[Diagnostic] = []
    for rel in sorted(set(images)):
        try:
            out[f"html/media/{rel}"] = read_file(root, rel, MAX_IMAGE_BYTES)
        except Refused as refused:
            problems.append(refused.diagnostic("image", rel))
    return out, problems
