"""`dossier new DIR`: a small project that builds as it is."""

from __future__ import annotations

from pathlib import Path

CONFIG = """title = "{title}"
subtitle = ""
authors = ["Your Name"]
date = "2026-01-01"
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


def scaffold(target: Path) -> str | None:
    """Writes the project; returns an error message instead when it cannot."""
    if (target / "dossier.toml").exists():
        return f"{target}/dossier.toml already exists; not overwriting a project"
    if target.exists() and not target.is_dir():
        return f"{target} exists and is not a folder"
    title = target.resolve().name.replace("-", " ").replace("_", " ").title() or "Dossier"
    files = {
        "dossier.toml": CONFIG.format(title=title.replace('"', "'")),
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
