"""Atomic output: the whole output folder is built aside, then swapped in. A failure
at any point, or a kill, leaves the previous build exactly as it was.

Layout next to the output folder `build/`: `.build.stage-<pid>` while a build runs,
`.build.old` only for an instant during a swap on systems without an atomic exchange.
A later build removes what a killed one left behind."""

from __future__ import annotations

import ctypes
import os
import posixpath
import shutil
import sys
from collections.abc import Mapping
from pathlib import Path

from .diagnostics import Diagnostic, error

OLD = ".{}.old"
STAGE = ".{}.stage-{}"
_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def outside_project(root: Path, output: str) -> str:
    """The project chooses its output folder only inside itself: `output = "/home/me"`
    or `"../site"` in a downloaded project would have dossier replace folders elsewhere
    (`dossier build -o DIR` is the user's own choice, and may point anywhere)."""
    base = root.resolve()
    out = (root / output).resolve()
    if base in out.parents:
        return ""
    return f"output folder '{output}' is outside the project"


def escapes_project(root: Path, output: str) -> bool:
    """A path written inside the project (`build`) that symlinks lead out of it."""
    base = Path(os.path.abspath(root))
    written = Path(os.path.normpath(base / output))
    if written != base and base not in written.parents:
        return False  # named outside on purpose (only `-o` can)
    real = written.resolve()
    project = base.resolve()
    return real != project and project not in real.parents


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return False  # our own stage from an earlier build in this process: stale
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def recover(out: Path) -> None:
    """Undo what a killed build left: put back a build moved aside in the middle of a
    two-rename swap, and remove the stages of builds that are no longer running (a
    concurrent build's stage is left alone)."""
    old = out.parent / OLD.format(out.name)
    if old.is_symlink():  # never ours: a project's plant, never put in place of the build
        old.unlink()
    elif old.exists() and not out.exists():
        old.rename(out)
    elif old.exists():
        shutil.rmtree(old, ignore_errors=True)
    for stale in out.parent.glob(STAGE.format(out.name, "*")):
        pid = stale.name.rsplit("-", 1)[-1]
        if stale.is_symlink() or not pid.isdigit() or not _alive(int(pid)):
            _remove(stale)


def _remove(path: Path) -> None:
    """Remove a leftover: a symlink itself (never what it points to), or a folder."""
    if path.is_symlink() or not path.is_dir():
        path.unlink(missing_ok=True)
    else:
        shutil.rmtree(path, ignore_errors=True)


class WriteFailed(Exception):
    """The machine would not let a build be written (a full disk, `ulimit -f`, a
    read-only folder): a problem to report in words, not a bug. `what` names the file
    inside the output folder ('' for the folder itself)."""

    def __init__(self, what: str, exc: OSError) -> None:
        super().__init__(f"{what}: {exc}")
        self.what, self.reason = what, exc.strerror or str(exc)


def stage_dir(out: Path) -> Path:
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        recover(out)
        stage = out.parent / STAGE.format(out.name, os.getpid())
        _remove(stage)
        stage.mkdir()
    except OSError as exc:
        raise WriteFailed("", exc) from exc
    return stage


def write_files(stage: Path, files: Mapping[str, bytes]) -> None:
    """Writes each file under `stage`. The names are checked as text: the stage is a
    fresh folder of ours holding no symlinks, so a name that is relative and never
    climbs (`..`) stays inside it, and no path needs resolving (one stat per file less)."""
    made: set[str] = set()
    for rel, data in sorted(files.items()):
        clean = posixpath.normpath(rel)
        if not rel or clean.startswith(("/", "../")) or clean in (".", "..") or os.path.isabs(rel):
            raise ValueError(f"refusing to write outside the output folder: {rel}")
        parent = posixpath.dirname(clean)
        try:
            if parent and parent not in made:
                (stage / parent).mkdir(parents=True, exist_ok=True)
                made.add(parent)
            (stage / clean).write_bytes(data)
        except OSError as exc:
            raise WriteFailed(clean, exc) from exc


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step (Linux renameat2); False where that is unsupported."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_uint,
    ]
    done = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    return bool(done == 0)


def swap(stage: Path, out: Path) -> None:
    """Put the stage in place of the output folder. With an atomic exchange the output
    folder exists at every instant, so even a kill here leaves a whole build behind."""
    try:
        _swap(stage, out)
    except OSError as exc:
        raise WriteFailed("", exc) from exc


def _swap(stage: Path, out: Path) -> None:
    if out.is_dir() and not out.is_symlink() and _exchange(stage, out):
        shutil.rmtree(stage, ignore_errors=True)  # now holds the previous build
        return
    old = out.parent / OLD.format(out.name)
    moved = out.exists() or out.is_symlink()
    if moved:
        out.rename(old)
    try:
        stage.rename(out)
    except BaseException:
        if moved:
            old.rename(out)  # a failed swap must not leave the user without a build
        raise
    shutil.rmtree(old, ignore_errors=True)


def discard(stage: Path) -> None:
    shutil.rmtree(stage, ignore_errors=True)


def unwritable(exc: WriteFailed, out_name: str) -> Diagnostic:
    what = f"'{out_name}/{exc.what}'" if exc.what else f"the output folder '{out_name}'"
    return error(
        "output.unwritable",
        f"cannot write {what}: {exc.reason}; the previous build is unchanged",
        hint="free some disk space, or make the output folder writable",
    )


def keep_other_outputs(out: Path, stage: Path, html: bool, pdf: bool, pdf_name: str) -> None:
    """`build --html` keeps the last PDF and `--pdf` the last site, as a user expects."""
    if not out.is_dir():
        return
    if not html and (out / "html").is_dir():
        shutil.copytree(out / "html", stage / "html")
        if pdf and (stage / "html" / pdf_name).is_file() and (stage / pdf_name).is_file():
            shutil.copy2(stage / pdf_name, stage / "html" / pdf_name)  # the site's copy too
    if not pdf and (out / pdf_name).is_file():
        shutil.copy2(out / pdf_name, stage / pdf_name)
