"""What the site says about the dossier as a publication: its language and direction,
its description, the PDF it links and how to cite it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TypedDict

from ..config import Config

# Languages written right to left (the primary subtag of a BCP 47 tag).
RTL_LANGUAGES = frozenset(
    {"ar", "arc", "ckb", "dv", "fa", "he", "ks", "ku", "ps", "sd", "ug", "ur", "yi"}
)


def text_direction(language: str) -> str:
    return "rtl" if language.split("-", 1)[0].lower() in RTL_LANGUAGES else "ltr"


class SiteContext(TypedDict):
    """What every page's template knows of the dossier (`site`)."""

    title: str
    subtitle: str
    authors: tuple[str, ...]
    date: str
    language: str
    dir: str  # "ltr" or "rtl"
    description: str


def site_context(config: Config) -> SiteContext:
    by = f" by {', '.join(config.authors)}" if config.authors else ""
    return {
        "title": config.title,
        "subtitle": config.subtitle,
        "authors": config.authors,
        "date": config.date,
        "language": config.language,
        "dir": text_direction(config.language),
        "description": (config.subtitle or config.title) + by,
    }


@dataclass(frozen=True, slots=True)
class PdfLink:
    """The PDF of the same build, copied into the site under `name`."""

    name: str
    size: int


def human_size(n: int) -> str:
    if n < 1000:
        return f"{n} bytes"
    if n < 999_500:  # from here on, KB would round up to "1000 KB"
        return f"{n / 1000:.0f} KB"
    return f"{n / 1_000_000:.1f} MB"


def cite_this(config: Config) -> str:
    """A BibTeX record of the dossier itself, for the title page's "Cite this dossier"."""

    def field(text: str) -> str:  # braces would unbalance the record
        return text.replace("{", "(").replace("}", ")")

    year = re.search(r"\b(\d{4})\b", config.date)
    first = config.authors[0].split()[-1] if config.authors else "dossier"
    key = re.sub(r"[^a-z0-9]", "", first.lower()) + (year.group(1) if year else "")
    lines = [f"@book{{{key or 'dossier'},", f"  title = {{{field(config.title)}}},"]
    if config.subtitle:
        lines.append(f"  subtitle = {{{field(config.subtitle)}}},")
    if config.authors:
        lines.append(f"  author = {{{field(' and '.join(config.authors))}}},")
    if year:
        lines.append(f"  year = {{{year.group(1)}}},")
    lines.append(f"  langid = {{{field(config.language)}}},")
    lines.append("}")
    return "\n".join(lines)
