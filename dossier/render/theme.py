"""The Jinja2 environment: the project's templates/ override the default theme file by
file. Templates are untrusted like every other input, so they run sandboxed, with
autoescaping and StrictUndefined."""

from __future__ import annotations

from pathlib import Path

from jinja2 import ChoiceLoader, FileSystemLoader, StrictUndefined, select_autoescape
from jinja2.sandbox import SandboxedEnvironment

THEME_DIR = Path(__file__).resolve().parents[2] / "templates"


def theme_dirs(root: Path) -> list[Path]:
    project = root / "templates"
    dirs = [project] if project.is_dir() and project.resolve() != THEME_DIR else []
    return [*dirs, THEME_DIR]


def environment(root: Path) -> SandboxedEnvironment:
    loader = ChoiceLoader([FileSystemLoader(str(d)) for d in theme_dirs(root)])
    return SandboxedEnvironment(
        loader=loader,
        autoescape=select_autoescape(["html", "htm", "xml", "svg"], default=True),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )


def theme_file(root: Path, name: str) -> Path:
    """A static theme file (CSS, JS), taken from the project when it overrides it."""
    for folder in theme_dirs(root):
        candidate = folder / name
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(name)
