"""`dossier new DIR`: a small project that builds as it is."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

CONFIG = """title = {title}
subtitle = ""
authors = ["Your Name"]
date = "{date}"
language = "en-GB"
csl = "chicago-author-date"
bibliography = "references.bib"
sources = "sources"
output = "build"
chapters = [
  "chapters/01-introduction.md",
]
"""

CHAPTER = """# Introduction {#sec-introduction}

Write in Markdown. Cite a source with its key: a bracketed citation [@example2024, p. 3],
or a narrative one: @example2024 shows how. Quote a source in quotation marks followed by
its citation, and dossier checks the words against the archived copy in `sources/`.

## Next steps {#sec-next}

Add chapters to `chapters/`, list them in `dossier.toml`, and refer back to
@sec-introduction from anywhere.
"""

BIB = """@online{example2024,
  author  = {Doe, Jane},
  title   = {An Example Source},
  date    = {2024-05-01},
  url     = {https://example.org/source},
  urldate = {2024-05-02},
}
"""

GITIGNORE = "/build/\n"


def _today() -> str:
    """The project's first date: today, or the day SOURCE_DATE_EPOCH names."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    try:
        when = dt.datetime.fromtimestamp(int(epoch), dt.UTC) if epoch.isdigit() else None
    except (OverflowError, OSError, ValueError):
        when = None
    return (when or dt.datetime.now(dt.UTC)).date().isoformat()


def scaffold(target: Path) -> str | None:
    """Writes the project; returns an error message instead when it cannot."""
    if (target / "dossier.toml").exists():
        return f"{target}/dossier.toml already exists; not overwriting a project"
    if target.exists() and not target.is_dir():
        return f"{target} exists and is not a folder"
    title = target.resolve().name.replace("-", " ").replace("_", " ").title() or "Dossier"
    files = {
        # a TOML basic string: JSON's escapes of a str are valid TOML escapes
        "dossier.toml": CONFIG.format(title=json.dumps(title, ensure_ascii=False), date=_today()),
        "chapters/01-introduction.md": CHAPTER,
        "references.bib": BIB,
        "sources/.gitkeep": "",
        ".gitignore": GITIGNORE,
    }
    for rel in files:
        path = target / rel
        if path.exists():
            return f"{path} already exists; not overwriting it"
    for rel, text in files.items():
        path = target / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return None
