"""dossier.toml -> a frozen Config, with every problem reported at file:line."""

from __future__ import annotations

import datetime as dt
import re
import tomllib
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .diagnostics import Diagnostic, Location, did_you_mean, error

CONFIG_NAME = "dossier.toml"


@dataclass(frozen=True, slots=True)
class HtmlOptions:
    chapter_bibliographies: bool = False


@dataclass(frozen=True, slots=True)
class PdfOptions:
    filename: str = ""
    timeout: int = 600
    memory_mb: int = 4096


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
    html: HtmlOptions = field(default_factory=HtmlOptions)
    pdf: PdfOptions = field(default_factory=PdfOptions)

    @property
    def pdf_name(self) -> str:
        return self.pdf.filename or (slug(self.title) or "dossier") + ".pdf"


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
    "html": ("html", (dict,), "a table"),
    "pdf": ("pdf", (dict,), "a table"),
}
_HTML: dict[str, tuple[type, ...]] = {"chapter_bibliographies": (bool,)}
_PDF: dict[str, tuple[type, ...]] = {
    "filename": (str,),
    "timeout": (int,),
    "memory_mb": (int,),
}


def slug(text: str) -> str:
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    text = re.sub(r"[^\w\s-]", "", text.lower(), flags=re.UNICODE)
    text = re.sub(r"[\s_-]+", "-", text).strip("-")
    return text.encode("ascii", "ignore").decode() or ""


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


def load_config(root: Path) -> tuple[Config | None, tuple[Diagnostic, ...]]:
    path = root / CONFIG_NAME
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None, (error("config.missing", f"no {CONFIG_NAME} in {root}",
                            hint="run 'dossier new DIR' to start a project"),)
    except (OSError, UnicodeDecodeError) as exc:
        return None, (error("config.unreadable", f"cannot read {CONFIG_NAME}: {exc}",
                            Location(CONFIG_NAME)),)
    return parse_config(root, text)


def parse_config(root: Path, text: str) -> tuple[Config | None, tuple[Diagnostic, ...]]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
        loc = Location(CONFIG_NAME, int(m.group(1)), int(m.group(2))) if m else Location(
            CONFIG_NAME)
        msg = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
        return None, (error("config.syntax", f"invalid TOML: {msg}", loc),)

    diags: list[Diagnostic] = []
    values: dict[str, Any] = {}

    def where(key: str, table: str = "") -> Location:
        return Location(CONFIG_NAME, key_line(text, key, table))

    for key, value in data.items():
        if key not in _TOP:
            diags.append(error("config.unknown-key", f"unknown key '{key}'", where(key),
                               did_you_mean(key, _TOP)))
            continue
        name, types, desc = _TOP[key]
        if not isinstance(value, types) or isinstance(value, bool):
            diags.append(error("config.type", f"'{key}' must be {desc}, not "
                               f"{type(value).__name__}", where(key)))
            continue
        if name in values:
            diags.append(error("config.duplicate", f"'{key}' repeats another key with the "
                               f"same meaning ('{name}')", where(key)))
            continue
        values[name] = value

    for name in ("authors", "chapters", "nocite"):
        if name in values:
            items = [values[name]] if isinstance(values[name], str) else values[name]
            bad = [i for i in items if not isinstance(i, str)]
            if bad:
                diags.append(error("config.type", f"'{name}' must hold only strings",
                                   where(name)))
            values[name] = tuple(str(i) for i in items)
    if isinstance(values.get("date"), dt.date):
        values["date"] = values["date"].isoformat()

    for required in ("title", "chapters"):
        if required not in values and not any(
            d.code == "config.type" and required in d.message for d in diags
        ):
            diags.append(error("config.missing-key", f"missing required key '{required}'",
                               Location(CONFIG_NAME)))

    values["html"] = _sub_table(values.get("html", {}), "html", _HTML, HtmlOptions, text, diags)
    values["pdf"] = _sub_table(values.get("pdf", {}), "pdf", _PDF, PdfOptions, text, diags)

    for name in ("output",):
        if name in values and unsafe_output(root, values[name]):
            diags.append(error("config.output", f"output folder '{values[name]}' would "
                               "overwrite the project or its inputs", where(name),
                               "use a dedicated folder such as 'build'"))
    if diags:
        return None, tuple(diags)
    return Config(root=root, **values), ()


def _sub_table(raw: dict[str, Any], table: str, schema: dict[str, tuple[type, ...]],
               cls: type[Any], text: str, diags: list[Diagnostic]) -> Any:
    good: dict[str, Any] = {}
    for key, value in raw.items():
        loc = Location(CONFIG_NAME, key_line(text, key, table))
        if key not in schema:
            diags.append(error("config.unknown-key", f"unknown key '{table}.{key}'", loc,
                               did_you_mean(key, schema)))
        elif not isinstance(value, schema[key]) or (
            isinstance(value, bool) and bool not in schema[key]
        ):
            diags.append(error("config.type", f"'{table}.{key}' must be "
                               f"{schema[key][0].__name__}, not {type(value).__name__}", loc))
        else:
            good[key] = value
    return cls(**good)


BUILD_MARKER = ".dossier-build"


def _is_build(folder: Path) -> bool:
    if (folder / BUILD_MARKER).exists():
        return True
    index = folder / "html" / "index.html"  # a build from before the marker existed
    try:
        return index.is_file() and 'content="dossier"' in index.read_text("utf-8")[:2000]
    except (OSError, UnicodeDecodeError):
        return False


def unsafe_output(root: Path, output: str) -> bool:
    """The output folder is replaced on every build, so it may hold nothing but a
    previous build: not the project, an input, a file, or a folder of other things."""
    out = (root / output).resolve()
    if out.exists() and (not out.is_dir() or (any(out.iterdir()) and not _is_build(out))):
        return True
    project = root.resolve()
    protected = [project / name for name in ("chapters", "sources", "templates", "dossier")]
    return (
        out == project
        or out in project.parents
        or any(out == p or p in out.parents for p in protected)
    )
