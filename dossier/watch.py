"""What `dossier serve` watches: the project's inputs, and which changes call for a
rebuild (not the output, not an editor's temporary file)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

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

    def wanted(self, path: Path) -> bool:
        """A change that calls for a rebuild (not the output, not an editor's temp file)."""
        out = self.output
        if path == out or out in path.parents or path.name.startswith(f".{out.name}."):
            return False  # the build, and write.py's stage and old folders beside it
        if _IGNORED_NAME.search(path.name) or _IGNORED_DIRS & set(path.parts):
            return False
        return self._covered(path) or path in self.files or path in self.folders


def plan(root: Path, result: object = None, previous: Plan | None = None) -> Plan:
    """The inputs of the project: config, chapters' folders, bibliography, sources,
    templates, data, images. Read from the last build's analysis when there is one;
    while dossier.toml is broken, the previous plan stays."""
    from .config import CONFIG_NAME, load_config

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
        [*analysis.images.values(), *(p for p in analysis.figures)]
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
