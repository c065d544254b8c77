"""The one way dossier opens a project's files. Everything in a project is untrusted, so
every read and every write by a fixed name goes through here:

- a path must stay inside the project once symlinks are resolved, and is then opened
  component by component with O_NOFOLLOW, so a symlink swapped in after the check is
  refused instead of followed (no check-then-open race);
- only regular files are read: a FIFO or a device is refused from an lstat before
  opening, and from an fstat after opening with O_NONBLOCK (so the open never waits);
- each kind of file has a size limit and at most limit+1 bytes are ever read;
- a file is written to a fresh temporary file beside it (O_CREAT|O_EXCL|O_NOFOLLOW,
  via mkstemp) which then replaces it: an existing path is never opened for writing,
  so a symlink planted under the name is replaced, not written through.

Callers that report problems use `read_bytes` (diagnostics); callers with their own
codes catch `Refused` from `read_file` and look at its `reason`."""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from collections.abc import Sequence
from pathlib import Path

from .diagnostics import Diagnostic, Location, error

MB = 1024 * 1024
# Size limits per kind of file: far above any real project's, far below what would
# exhaust the machine. A book's chapter is about 1 MB; parsing costs ~100 MB per MB.
MAX_CONFIG_BYTES = 1 * MB
MAX_LOCK_BYTES = 16 * MB
MAX_CHAPTER_BYTES = 8 * MB
MAX_BIB_BYTES = 64 * MB
MAX_DATA_BYTES = 4 * MB
MAX_ARCHIVE_BYTES = 64 * MB
MAX_STYLE_BYTES = 4 * MB  # a .csl style
MAX_TEMPLATE_BYTES = 2 * MB  # a template or a stylesheet of templates/
MAX_IMAGE_BYTES = 20 * MB
MAX_SERVED_BYTES = 512 * MB  # a file of the built site, sent by `dossier serve`

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_FILE_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
_CHUNK = 1 * MB


class Refused(Exception):
    """Why a project file was not read. reason: outside | missing | not-a-file |
    too-large | symlink | unreadable."""

    def __init__(self, reason: str, detail: str = "", limit: int = 0) -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason, self.detail, self.limit = reason, detail, limit

    def diagnostic(self, what: str, rel: str, where: Location | None = None) -> Diagnostic:
        """The standard report, `load.<reason>` at `where` (the file itself by default)."""
        loc = where or Location(rel)
        named = f"{what} '{rel}'"
        message = {
            "outside": f"{named} is outside the project",
            "missing": f"{named} not found",
            "not-a-file": f"{named} is not a regular file",
            "too-large": f"{named} is larger than {size_text(self.limit)}",
            "symlink": f"{named} changed into a symbolic link while it was read",
        }.get(self.reason, f"cannot read {named}: {self.detail}")
        code = {  # literals, so that tests/test_codes.py can check them against codes.py
            "outside": "load.outside",
            "symlink": "load.outside",
            "missing": "load.missing",
            "not-a-file": "load.not-a-file",
            "too-large": "load.too-large",
        }.get(self.reason, "load.unreadable")
        return error(code, message, loc)


def size_text(limit: int) -> str:
    return f"{limit // MB} MB" if limit >= MB else f"{max(limit // 1024, 1)} KB"


def inside(root: Path, rel: str) -> Path | None:
    """The resolved path of `rel` if it stays inside the project (symlinks followed)."""
    try:
        path = (root / rel).resolve()
        base = root.resolve()
    except (OSError, RuntimeError, ValueError):  # ValueError: a NUL in the name
        return None
    return path if path == base or base in path.parents else None


def read_file(root: Path, rel: str, limit: int) -> bytes:
    """The bytes of the regular file `rel` inside the project; raises Refused."""
    if "\x00" in rel:  # no file has a NUL in its name (and os calls would raise)
        raise Refused("missing")
    base = root.resolve()
    path = inside(base, rel)
    if path is None:
        raise Refused("outside")
    parts = path.relative_to(base).parts
    if not parts:
        raise Refused("not-a-file")
    fd = open_beneath(base, parts)
    try:
        return read_fd(fd, limit)
    finally:
        os.close(fd)


def read_bytes(
    root: Path,
    rel: str,
    what: str = "file",
    cited_from: Location | None = None,
    limit: int = MAX_CHAPTER_BYTES,
) -> tuple[bytes | None, list[Diagnostic]]:
    """read_file with its refusal as a diagnostic at `cited_from` (or the file)."""
    try:
        return read_file(root, rel, limit), []
    except Refused as refused:
        return None, [refused.diagnostic(what, rel, cited_from)]


def open_beneath(base: Path, parts: Sequence[str]) -> int:
    """A read-only descriptor of the regular file base/parts[0]/.../parts[-1], each
    component opened without following a symlink (ELOOP is reported as 'symlink').
    `base` is opened as given (its final component not followed either)."""
    try:
        fd = os.open(base, _DIR_FLAGS)
    except OSError as exc:
        raise _refusal(exc) from None
    try:
        for part in parts[:-1]:
            if _kind(fd, part) != stat.S_IFDIR:
                raise Refused("missing")
            step = os.open(part, _DIR_FLAGS, dir_fd=fd)  # ELOOP if swapped for a link
            os.close(fd)
            fd = step
        # Refuse FIFOs and devices before opening them at all (opening a device can
        # have effects); read_fd's fstat after opening covers a swap in between.
        if _kind(fd, parts[-1]) != stat.S_IFREG:
            raise Refused("not-a-file")
        return os.open(parts[-1], _FILE_FLAGS, dir_fd=fd)
    except OSError as exc:
        raise _refusal(exc) from None
    finally:
        os.close(fd)


def _kind(folder: int, name: str) -> int:
    """The file type of `name` in the open folder, not following a symlink; Refused
    for a symlink and for names that are not plain components."""
    if name in ("", ".", "..") or "/" in name:
        raise Refused("outside")
    kind = stat.S_IFMT(os.stat(name, dir_fd=folder, follow_symlinks=False).st_mode)
    if kind == stat.S_IFLNK:
        raise Refused("symlink")
    return kind


def read_fd(fd: int, limit: int) -> bytes:
    """At most limit+1 bytes of an open regular file; Refused when it holds more."""
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        raise Refused("not-a-file")
    if info.st_size > limit:  # a sparse 8 GB file is refused without reading it
        raise Refused("too-large", limit=limit)
    chunks: list[bytes] = []
    total = 0
    try:
        while total <= limit:  # the file may have grown since the fstat
            chunk = os.read(fd, min(_CHUNK, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
    except OSError as exc:
        raise _refusal(exc) from None
    if total > limit:
        raise Refused("too-large", limit=limit)
    return b"".join(chunks)


def _refusal(exc: OSError) -> Refused:
    if exc.errno == errno.ELOOP:
        return Refused("symlink")
    if exc.errno in (errno.ENOENT, errno.ENOTDIR):
        return Refused("missing")
    return Refused("unreadable", exc.strerror or str(exc))


def read_head(path: Path, size: int) -> bytes:
    """The first `size` bytes of a regular file (not through a symlink in its last
    component; FIFOs and devices refused); b'' when it cannot be read."""
    try:
        fd = os.open(path, _FILE_FLAGS)
    except OSError:
        return b""
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return b""
        return os.read(fd, size)
    except OSError:
        return b""
    finally:
        os.close(fd)


def is_real_dir(path: Path) -> bool:
    """A folder that is not a symlink (its own last component)."""
    try:
        return stat.S_ISDIR(os.lstat(path).st_mode)
    except OSError:
        return False


def is_real_file(path: Path) -> bool:
    """A regular file that is not a symlink (its own last component)."""
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False


def write_file(root: Path, rel: str, data: bytes) -> None:
    """Replace the project file `rel` with `data`: written to a new temporary file in
    the same folder, then renamed over it. Its folder must be a real folder inside the
    project; a symlink at `rel` is replaced by the file, never written through. Raises
    OSError (Refused for a folder outside the project)."""
    target = Path(rel)
    folder = inside(root, str(target.parent))
    if folder is None or not target.name or target.name in (".", ".."):
        raise Refused("outside")
    if not is_real_dir(folder):
        raise Refused("not-a-file", f"{target.parent} is not a folder")
    mode = _mode_of(folder / target.name)
    fd, temp = tempfile.mkstemp(dir=folder, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fchmod(handle.fileno(), mode)
            os.fsync(handle.fileno())
        os.replace(temp, folder / target.name)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _mode_of(path: Path) -> int:
    """The permissions of the file being replaced (a regular one), else rw-r--r--:
    mkstemp's 0600 would hide a file meant to be shared with the project."""
    try:
        info = os.lstat(path)
    except OSError:
        return 0o644
    return stat.S_IMODE(info.st_mode) if stat.S_ISREG(info.st_mode) else 0o644
