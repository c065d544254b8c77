"""What `dossier serve` watches: the project's inputs, and which changes call for a
rebuild (not the output, not an editor's temporary file)."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from ..projectfs import is_real_dir

# Editor droppings: vim swap files and its 4913 write test, emacs locks and backups.
_IGNORED_NAME = re.compile(r"(\.sw[a-p]x?|~|\.tmp)$|^(\.#.*|4913|\.DS_Store)$")
_IGNORED_DIRS = {".git", ".hg", ".svn", "__pycache__", ".venv", "node_modules"}


@dataclass(frozen=True, slots=True)
class Plan:
    """What to watch: folders watched recursively (everything in them counts) and
    single files, watched through their folder, not recursively."""

    folders: frozenset[Path]
    files: frozenset[Path]
    output: Path

    def shallow(self) -> frozenset[Path]:
        return frozenset(f.parent for f in self.files if not self._covered(f)) | {
            d.parent for d in self.folders
        }

    def _covered(self, path: Path) -> bool:
        return any(d in path.parents for d in self.folders)

    def skipped(self, folder: Path) -> bool:
        """A folder whose contents never count: the output, a stage, a VCS folder."""
        out = self.output
        return (
            folder == out
            or out in folder.parents
            or folder.name.startswith(f".{out.name}.")
            or folder.name in _IGNORED_DIRS
        )

    def wanted(self, path: Path) -> bool:
        """A change that calls for a rebuild (not the output, not an editor's temp file)."""
        out = self.output
        if path == out or out in path.parents or path.name.startswith(f".{out.name}."):
            return False  # the build, and write.py's stage and old folders beside it
        if _IGNORED_NAME.search(path.name) or _IGNORED_DIRS & set(path.parts):
            return False
        return self._covered(path) or path in self.files or path in self.folders


# Each watched folder costs an inotify watch (8192 per user by default on Linux).
MAX_WATCHED_FOLDERS = 2000


def real_folders(current: Plan, limit: int = MAX_WATCHED_FOLDERS) -> list[Path]:
    """The folders to watch, each on its own (not recursively): the input folders and
    every real folder below them, walked without following a symlink, so a link in
    the project to / (or anywhere) is never walked or watched; then the folders of
    single input files. At most `limit` folders."""
    shallow = {d for d in current.shallow() if is_real_dir(d)}
    seen: set[Path] = set()
    stack = sorted((d for d in current.folders if is_real_dir(d)), reverse=True)
    while stack and len(seen) < limit:
        folder = stack.pop()
        if folder in seen or current.skipped(folder):
            continue
        seen.add(folder)
        try:
            with os.scandir(folder) as entries:
                below = [Path(e.path) for e in entries if e.is_dir(follow_symlinks=False)]
        except OSError:  # gone, or not ours to read
            continue
        stack.extend(sorted(below, reverse=True))
    return sorted(seen | shallow)


def plan(root: Path, result: object = None, previous: Plan | None = None) -> Plan:
    """The inputs of the project: config, chapters' folders, bibliography, sources,
    templates, data, images. Read from the last build's analysis when there is one;
    while dossier.toml is broken, the previous plan stays."""
    from ..config import CONFIG_NAME, load_config

    root = root.resolve()
    analysis = getattr(result, "analysis", None)
    config = analysis.config if analysis is not None else load_config(root)[0]
    if config is None and previous is not None:
        return previous
    files = {CONFIG_NAME, "references.bib"}
    folders = {"chapters", "sources", "templates", "data"}
    if config is not None:
        files |= {config.bibliography, config.csl, *config.chapters}
        folders |= {config.sources, *(str(Path(c).parent) for c in config.chapters)}
    # after a build that found nothing changed there is no analysis, but the inputs
    # it recorded (images among them) are known
    used = (
        [*analysis.images.values(), *(f.path for f in analysis.figures.values())]
        if analysis is not None
        else [str(p) for p in getattr(result, "inputs", ())]
    )
    files |= set(used)
    folders |= {str(Path(u).parent) for u in used}
    output = (root / (config.output if config else "build")).resolve()

    def inside(rel: str) -> Path | None:
        path = (root / rel).resolve()
        ok = root in path.parents and path != output and output not in path.parents
        return path if ok else None

    return Plan(
        frozenset(p for f in folders if (p := inside(f)) is not None),
        frozenset(p for f in files if (p := inside(f)) is not None),
        output,
    )
