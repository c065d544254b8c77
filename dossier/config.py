"""dossier.toml -> a frozen Config, with every problem reported at file:line."""

from __future__ import annotations

import datetime as dt
import os
import re
import tomllib
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from .diagnostics import Diagnostic, Location, did_you_mean, error, has_errors
from .limits import clamp_pdf
from .projectfs import (
    MAX_CONFIG_BYTES,
    Refused,
    is_real_dir,
    is_real_file,
    read_file,
    read_head,
)
from .read.load import decode_text
from .write import escapes_project, outside_project

CONFIG_NAME = "dossier.toml"


@dataclass(frozen=True, slots=True)
class HtmlOptions:
    chapter_bibliographies: bool = False
    # Archived texts are often under copyright, so their full text is published only
    # when asked: true for every source, or a list of cite keys.
    publish_sources: bool | list[str] = False

    def publishes(self, key: str) -> bool:
        if isinstance(self.publish_sources, bool):
            return self.publish_sources
        return key in self.publish_sources


@dataclass(frozen=True, slots=True)
class PdfOptions:
    filename: str = ""
    timeout: int = 600
    memory_mb: int = 4096
    jobs: int = 0  # parts of the PDF laid out at once; 0: as many as cores
    # Which standard the PDF follows (see PDF_STANDARDS): tagged PDF/UA-1 by default,
    # since accessible PDFs are what public bodies must publish.
    standard: str = "ua-1"
    # Words never broken at a line end (names of the dossier's subject).
    no_hyphenate: tuple[str, ...] = ()
    version: str = ""  # printed in the imprint ("how to cite")
    licence: str = ""
    lists: bool = False  # lists of figures and of tables after the contents


# `[pdf] standard` -> (WeasyPrint's pdf_variant or "", tagged, claims PDF/UA-1)
PDF_STANDARDS: dict[str, tuple[str, bool, bool]] = {
    "ua-1": ("pdf/ua-1", True, True),
    "a-3b": ("pdf/a-3b", False, False),
    "a-3a": ("pdf/a-3a", True, False),
    "ua-1+a-3a": ("pdf/a-3a", True, True),
    "none": ("", False, False),
}


@dataclass(frozen=True, slots=True)
class Config:
    root: Path
    title: str
    chapters: tuple[str, ...]
    subtitle: str = ""
    authors: tuple[str, ...] = ()
    date: str = ""
    language: str = "en-US"
    bibliography: str = "references.bib"
    csl: str = "chicago-author-date"
    sources: str = "sources"
    output: str = "build"
    nocite: tuple[str, ...] = ()
    abbreviations: str = ""  # a TOML file of SHORT = "expansion" lines (abbreviations.py)
    html: HtmlOptions = field(default_factory=HtmlOptions)
    pdf: PdfOptions = field(default_factory=PdfOptions)

    @property
    def pdf_name(self) -> str:
        return self.pdf.filename or file_stem(self.title) + ".pdf"

    @property
    def inputs(self) -> tuple[str, ...]:
        """Project-relative paths the build reads (for the output-folder guard)."""
        style = (self.csl,) if self.csl.endswith(".csl") else ()
        listed = (self.abbreviations,) if self.abbreviations else ()
        return (*self.chapters, self.bibliography, self.sources, *style, *listed)


# key -> (field name, accepted python types, description used in messages)
_TOP: dict[str, tuple[str, tuple[type, ...], str]] = {
    "title": ("title", (str,), "a string"),
    "subtitle": ("subtitle", (str,), "a string"),
    "authors": ("authors", (list, str), "a list of strings"),
    "author": ("authors", (list, str), "a list of strings"),
    "date": ("date", (str, dt.date), "a date or a string"),
    "language": ("language", (str,), "a language tag such as 'en-GB'"),
    "lang": ("language", (str,), "a language tag such as 'en-GB'"),
    "chapters": ("chapters", (list,), "a list of file paths"),
    "bibliography": ("bibliography", (str,), "a file path"),
    "csl": ("csl", (str,), "a CSL style name or a .csl file path"),
    "style": ("csl", (str,), "a CSL style name or a .csl file path"),
    "sources": ("sources", (str,), "a folder path"),
    "output": ("output", (str,), "a folder path"),
    "nocite": ("nocite", (list,), "a list of citation keys (or ['*'])"),
    "abbreviations": ("abbreviations", (str,), "a file path"),
    "html": ("html", (dict,), "a table"),
    "pdf": ("pdf", (dict,), "a table"),
}
_HTML: dict[str, tuple[type, ...]] = {
    "chapter_bibliographies": (bool,),
    "publish_sources": (bool, list),
}
_PDF: dict[str, tuple[type, ...]] = {
    "filename": (str,),
    "timeout": (int,),
    "memory_mb": (int,),
    "jobs": (int,),
    "standard": (str,),
    "no_hyphenate": (list,),
    "version": (str,),
    "licence": (str,),
    "lists": (bool,),
}


def slug(text: str) -> str:
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    text = re.sub(r"[^\w\s-]", "", text.lower(), flags=re.UNICODE)
    text = re.sub(r"[\s_-]+", "-", text).strip("-")
    return text.encode("ascii", "ignore").decode() or ""


# Names Windows reserves whatever the extension: a PDF called con.pdf cannot be copied there.
_RESERVED = {
    "con",
    "prn",
    "aux",
    "nul",
    *(f"com{i}" for i in range(10)),
    *(f"lpt{i}" for i in range(10)),
}
MAX_STEM = 80


def file_stem(title: str) -> str:
    """A safe, non-empty file name stem from a title: ASCII letters, digits and '-',
    at most MAX_STEM characters, never a Windows device name."""
    stem = slug(title)[:MAX_STEM].strip("-") or "dossier"
    return f"{stem}-dossier" if stem in _RESERVED else stem


def filename_problem(name: str) -> str:
    """Why `[pdf] filename` cannot be used as a file inside the output folder ('' if fine)."""
    stem = name[:-4] if name.lower().endswith(".pdf") else ""
    if not stem:
        return "must be a file name ending in '.pdf'"
    if (
        "/" in name
        or "\\" in name
        or stem.startswith(".")
        or any(unicodedata.category(c) == "Cc" for c in name)
    ):
        return "must be a plain file name, without folders, a leading '.' or control characters"
    if len(name.encode("utf-8")) > 200 or stem.lower().split(".")[0] in _RESERVED:
        return "must be at most 200 bytes and not a reserved device name such as 'con'"
    return ""


def key_line(text: str, key: str, table: str = "") -> int:
    """The 1-based line where `key =` is set (inside [table] when given); 0 if unknown."""
    current = ""
    for number, line in enumerate(text.splitlines(), 1):
        header = re.match(r"\s*\[\s*([A-Za-z0-9_.-]+)\s*\]", line)
        if header:
            current = header.group(1)
            continue
        if current == table and re.match(rf"\s*\"?{re.escape(key)}\"?\s*=", line):
            return number
    return 0


_PATH_KEYS = ("bibliography", "sources", "csl", "output", "abbreviations")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def load_config(root: Path) -> tuple[Config | None, tuple[Diagnostic, ...]]:
    try:
        data = read_file(root, CONFIG_NAME, MAX_CONFIG_BYTES)
    except Refused as refused:
        if refused.reason == "missing":
            return None, (
                error(
                    "config.missing",
                    f"no {CONFIG_NAME} in {root}",
                    hint="run 'dossier new DIR' to start a project",
                ),
            )
        return None, (refused.diagnostic("configuration", CONFIG_NAME),)
    # the same decoding as chapters: a byte-order mark (editors on Windows write one)
    # is dropped, UTF-16 with a mark is read, bad bytes are reported at their place
    text, problems = decode_text(data, CONFIG_NAME)
    if problems:
        return None, tuple(problems)
    return parse_config(root, text)


def parse_config(root: Path, text: str) -> tuple[Config | None, tuple[Diagnostic, ...]]:
    try:
        data = tomllib.loads(text)
    except RecursionError:  # tomllib recurses once per nested table or array
        return None, (
            error(
                "config.syntax",
                "invalid TOML: tables or arrays nested too deeply",
                Location(CONFIG_NAME),
            ),
        )
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
        loc = (
            Location(CONFIG_NAME, int(m.group(1)), int(m.group(2))) if m else Location(CONFIG_NAME)
        )
        msg = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
        return None, (error("config.syntax", f"invalid TOML: {msg}", loc),)

    diags: list[Diagnostic] = []
    values: dict[str, object] = {}  # field name -> value, of a type _TOP accepts for it

    def where(key: str, table: str = "") -> Location:
        return Location(CONFIG_NAME, key_line(text, key, table))

    for key, value in data.items():
        if key not in _TOP:
            diags.append(
                error(
                    "config.unknown-key",
                    f"unknown key '{key}'",
                    where(key),
                    did_you_mean(key, _TOP),
                )
            )
            continue
        name, types, desc = _TOP[key]
        if not isinstance(value, types) or isinstance(value, bool):
            diags.append(
                error(
                    "config.type", f"'{key}' must be {desc}, not {type(value).__name__}", where(key)
                )
            )
            continue
        if name in values:
            diags.append(
                error(
                    "config.duplicate",
                    f"'{key}' repeats another key with the same meaning ('{name}')",
                    where(key),
                )
            )
            continue
        values[name] = value

    for name in _PATH_KEYS:  # no file has a NUL or a line break in its name
        path = values.get(name)
        if isinstance(path, str) and _CONTROL.search(path):
            diags.append(error("config.type", f"'{name}' holds a control character", where(name)))
            del values[name]
    listed = values.get("chapters")
    if isinstance(listed, list) and any(_CONTROL.search(str(c)) for c in listed):
        diags.append(
            error("config.type", "'chapters' holds a control character", where("chapters"))
        )
        values["chapters"] = [c for c in listed if not _CONTROL.search(str(c))]
    for name in ("authors", "chapters", "nocite"):
        value = values.get(name)
        if isinstance(value, str | list):  # _TOP lets only these through
            items: list[object] = [value] if isinstance(value, str) else value
            bad = [i for i in items if not isinstance(i, str)]
            if bad:
                diags.append(error("config.type", f"'{name}' must hold only strings", where(name)))
            values[name] = tuple(str(i) for i in items)
    date = values.get("date")
    if isinstance(date, dt.date):
        values["date"] = date.isoformat()

    for required in ("title", "chapters"):
        if required not in values and not any(
            d.code == "config.type" and required in d.message for d in diags
        ):
            diags.append(
                error(
                    "config.missing-key",
                    f"missing required key '{required}'",
                    Location(CONFIG_NAME),
                )
            )

    html_values = _sub_table(_table(values.get("html")), "html", _HTML, text, diags)
    publish = html_values.get("publish_sources")
    if isinstance(publish, list) and not all(isinstance(k, str) for k in publish):
        # a key written unquoted (`[2019]`) is a TOML number, and would publish nothing
        diags.append(
            error(
                "config.type",
                "'html.publish_sources' must hold only cite keys (strings)",
                Location(CONFIG_NAME, key_line(text, "publish_sources", "html")),
            )
        )
    html = _html_options(html_values)
    raw_pdf = _table(values.get("pdf"))
    pdf_values = _sub_table(raw_pdf, "pdf", _PDF, text, diags)
    pdf = _clamped(_pdf_options(pdf_values), raw_pdf, text, diags)

    pdf = _pdf_checked(pdf, pdf_values.get("no_hyphenate", []), text, diags)
    filename = pdf.filename
    if filename and filename_problem(filename):
        diags.append(
            error(
                "config.pdf-filename",
                f"'pdf.filename' {filename_problem(filename)}, not '{filename}'",
                Location(CONFIG_NAME, key_line(text, "filename", "pdf")),
                "for example 'report.pdf'",
            )
        )
    config = _config(root, values, html, pdf)
    if "output" in values:
        inputs = [config.bibliography, config.sources]
        if config.csl.endswith(".csl"):
            inputs.append(config.csl)
        problem = output_problem(
            root, config.output, (*config.chapters, *inputs)
        ) or outside_project(root, config.output)
        if problem:
            diags.append(
                error(
                    "config.output",
                    problem,
                    where("output"),
                    "use a dedicated folder such as 'build'",
                )
            )
    if has_errors(diags):
        return None, tuple(diags)
    return config, tuple(diags)  # notes of clamped limits


def _config(root: Path, values: Mapping[str, object], html: HtmlOptions, pdf: PdfOptions) -> Config:
    """Config from the checked values; a field not set keeps Config's default (a
    required one that is missing was reported: this Config is then not used)."""
    unset = Config(root, "", ())
    return Config(
        root=root,
        title=_text(values, "title", unset.title),
        chapters=_texts(values, "chapters", unset.chapters),
        subtitle=_text(values, "subtitle", unset.subtitle),
        authors=_texts(values, "authors", unset.authors),
        date=_text(values, "date", unset.date),
        language=_text(values, "language", unset.language),
        bibliography=_text(values, "bibliography", unset.bibliography),
        csl=_text(values, "csl", unset.csl),
        sources=_text(values, "sources", unset.sources),
        output=_text(values, "output", unset.output),
        nocite=_texts(values, "nocite", unset.nocite),
        abbreviations=_text(values, "abbreviations", unset.abbreviations),
        html=html,
        pdf=pdf,
    )


def _html_options(values: Mapping[str, object]) -> HtmlOptions:
    unset = HtmlOptions()
    publish = values.get("publish_sources", unset.publish_sources)
    keys = [k for k in publish if isinstance(k, str)] if isinstance(publish, list) else []
    return HtmlOptions(
        _flag(values, "chapter_bibliographies", unset.chapter_bibliographies),
        publish if isinstance(publish, bool) else keys,
    )


def _pdf_options(values: Mapping[str, object]) -> PdfOptions:
    """The `[pdf]` options but `no_hyphenate` (_pdf_checked reads the words)."""
    unset = PdfOptions()
    return PdfOptions(
        filename=_text(values, "filename", unset.filename),
        timeout=_number(values, "timeout", unset.timeout),
        memory_mb=_number(values, "memory_mb", unset.memory_mb),
        jobs=_number(values, "jobs", unset.jobs),
        standard=_text(values, "standard", unset.standard),
        version=_text(values, "version", unset.version),
        licence=_text(values, "licence", unset.licence),
        lists=_flag(values, "lists", unset.lists),
    )


# Each reads a value the schema (_TOP, _HTML, _PDF) has let through, of that type.


def _text(values: Mapping[str, object], key: str, default: str) -> str:
    value = values.get(key, default)
    return value if isinstance(value, str) else default


def _texts(values: Mapping[str, object], key: str, default: tuple[str, ...]) -> tuple[str, ...]:
    value = values.get(key, default)
    return tuple(i for i in value if isinstance(i, str)) if isinstance(value, tuple) else default


def _number(values: Mapping[str, object], key: str, default: int) -> int:
    value = values.get(key, default)
    return value if isinstance(value, int) else default


def _flag(values: Mapping[str, object], key: str, default: bool) -> bool:
    value = values.get(key, default)
    return value if isinstance(value, bool) else default


def _table(value: object) -> dict[str, object]:
    return value if isinstance(value, dict) else {}


def _clamped(
    pdf: PdfOptions, raw: Mapping[str, object], text: str, diags: list[Diagnostic]
) -> PdfOptions:
    """The PDF step's resource limits within what this machine can give (see limits)."""
    fitted, notes = clamp_pdf(
        {"jobs": pdf.jobs, "memory_mb": pdf.memory_mb, "timeout": pdf.timeout},
        set(raw),
        lambda key: Location(CONFIG_NAME, key_line(text, key, "pdf")),
    )
    diags.extend(notes)
    return replace(
        pdf, timeout=fitted["timeout"], memory_mb=fitted["memory_mb"], jobs=fitted["jobs"]
    )


def _pdf_checked(
    pdf: PdfOptions, no_hyphenate: object, text: str, diags: list[Diagnostic]
) -> PdfOptions:
    """`standard` is one of PDF_STANDARDS; `no_hyphenate` (the list from TOML) holds
    words, kept as a tuple, so that the options stay frozen."""
    if pdf.standard not in PDF_STANDARDS:
        diags.append(
            error(
                "config.pdf-standard",
                f"'pdf.standard' must be one of {', '.join(map(repr, PDF_STANDARDS))}, "
                f"not {pdf.standard!r}",
                Location(CONFIG_NAME, key_line(text, "standard", "pdf")),
                did_you_mean(pdf.standard, PDF_STANDARDS),
            )
        )
    listed = no_hyphenate if isinstance(no_hyphenate, list) else []
    words = [w for w in listed if isinstance(w, str) and w.strip() and not _CONTROL.search(w)]
    if len(words) != len(listed):
        diags.append(
            error(
                "config.type",
                "'pdf.no_hyphenate' must hold only words",
                Location(CONFIG_NAME, key_line(text, "no_hyphenate", "pdf")),
            )
        )
        words = []
    return replace(pdf, no_hyphenate=tuple(w.strip() for w in words))


def _sub_table(
    raw: Mapping[str, object],
    table: str,
    schema: dict[str, tuple[type, ...]],
    text: str,
    diags: list[Diagnostic],
) -> dict[str, object]:
    """The values of `[table]` of the types its schema accepts; the rest reported."""
    good: dict[str, object] = {}
    for key, value in raw.items():
        loc = Location(CONFIG_NAME, key_line(text, key, table))
        if key not in schema:
            diags.append(
                error(
                    "config.unknown-key",
                    f"unknown key '{table}.{key}'",
                    loc,
                    did_you_mean(key, schema),
                )
            )
        elif not isinstance(value, schema[key]) or (
            isinstance(value, bool) and bool not in schema[key]
        ):
            diags.append(
                error(
                    "config.type",
                    f"'{table}.{key}' must be "
                    f"{schema[key][0].__name__}, not {type(value).__name__}",
                    loc,
                )
            )
        else:
            good[key] = value
    return good


BUILD_MARKER = ".dossier-build"


def _is_build(folder: Path) -> bool:
    """A folder a dossier build made. Its html/ is a real folder: builds make no
    symlinks, and `html -> /` in a shipped build/ would be copied whole by `--pdf`."""
    html = folder / "html"
    if html.is_symlink() or (html.exists() and not is_real_dir(html)):
        return False
    if is_real_file(folder / BUILD_MARKER):
        return True
    index = html / "index.html"  # a build from before the marker existed
    return b'content="dossier"' in read_head(index, 2000)


def output_problem(root: Path, output: str, inputs: Iterable[str] = ()) -> str:
    """Why `output` may not be the output folder ('' if it may). The folder is replaced
    on every build, so it may hold nothing but a previous build: not the project or a
    folder above it, not an input or a folder holding or inside input folders, not a
    file, not a folder of other things."""
    project = root.resolve()
    out = (root / output).resolve()
    named = [project / name for name in ("chapters", "sources", "templates", "data")]
    files = [
        (root / rel).resolve() for rel in (CONFIG_NAME, *inputs) if rel and not os.path.isabs(rel)
    ]
    folders = [
        *named,
        *(f for f in files if f.is_dir()),
        *(f.parent for f in files if project in f.parent.parents),
    ]
    if (
        out == project
        or out in project.parents
        or any(out == f or out in f.parents for f in files)
        or any(out == d or d in out.parents for d in folders)
    ):
        return f"output folder '{output}' would overwrite the project or its inputs"
    if escapes_project(root, output):
        return f"output folder '{output}' leads out of the project through a symbolic link"
    if out.exists() and not out.is_dir():
        return f"output folder '{output}' is an existing file, not a folder"
    try:
        occupied = out.is_dir() and any(out.iterdir())
    except OSError as exc:
        return f"output folder '{output}' cannot be read: {exc.strerror}"
    if occupied and not _is_build(out):
        return (
            f"output folder '{output}' is not empty and holds no previous dossier build "
            f"(no {BUILD_MARKER} file); dossier replaces the whole folder on every build"
        )
    return ""


def unsafe_output(root: Path, output: str, inputs: Iterable[str] = ()) -> bool:
    return bool(output_problem(root, output, inputs))
