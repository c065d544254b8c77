"""dossier under the limits that shared hosts, HPC schedulers and CI containers set on
every process: a build finishes, or says in words what it could not do; never an
"internal error"."""

from __future__ import annotations

import resource
import subprocess
import sys
from pathlib import Path

import pytest

GIB = 1024**3


def _under(limit: int, what: int) -> None:
    resource.setrlimit(what, (limit, limit))


def run_limited(root: Path, what: int, limit: int, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dossier", *args, "-C", str(root)],
        capture_output=True,
        text=True,
        timeout=300,
        preexec_fn=lambda: _under(limit, what),
    )


@pytest.mark.slow
def test_pdf_builds_under_a_2_gib_address_space_limit(make_project) -> None:
    """`ulimit -v 2097152`: the PDF workers asked for 4 GiB (the default memory_mb), above
    the hard limit, and every PDF build failed in preexec_fn. They now get what the
    system allows."""
    root = make_project()
    done = run_limited(root, resource.RLIMIT_AS, 2 * GIB, "build", "--pdf")
    assert done.returncode == 0, done.stderr
    assert "internal error" not in done.stderr and "Traceback" not in done.stderr
    (pdf,) = (root / "build").glob("*.pdf")
    assert pdf.read_bytes().startswith(b"%PDF-")


def _tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_a_file_size_limit_is_reported_and_the_last_build_kept(make_project) -> None:
    """`ulimit -f` (or a full disk) ended in an internal error that blamed dossier."""
    root = make_project()
    first = subprocess.run(
        [sys.executable, "-m", "dossier", "build", "--html", "-q", "-C", str(root)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert first.returncode == 0, first.stderr
    before = _tree(root / "build")
    chapter = root / "chapters" / "01-a.md"
    chapter.write_text(chapter.read_text("utf-8") + "\nMore text.\n", encoding="utf-8")
    done = run_limited(root, resource.RLIMIT_FSIZE, 1024, "build", "--html")
    assert done.returncode == 1
    assert "internal error" not in done.stderr and "Traceback" not in done.stderr
    assert "cannot write" in done.stderr and "the previous build is unchanged" in done.stderr
    assert _tree(root / "build") == before


def test_a_full_disk_while_writing_the_build_is_a_diagnostic(make_project, monkeypatch) -> None:
    import errno

    from dossier import write
    from dossier.build import build

    root = make_project()
    assert build(root, html=True, pdf=False, progress=lambda _: None).ok
    before = _tree(root / "build")
    real = Path.write_bytes

    def full(self: Path, data: bytes) -> int:
        if ".stage" in str(self) or "stage" in self.parent.name:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(self, data)

    monkeypatch.setattr(write.Path, "write_bytes", full)
    chapter = root / "chapters" / "01-a.md"
    chapter.write_text(chapter.read_text("utf-8") + "\nMore text.\n", encoding="utf-8")
    result = build(root, html=True, pdf=False, progress=lambda _: None)
    assert not result.ok
    (problem,) = [d.format() for d in result.diagnostics if d.code == "output.unwritable"]
    assert problem.startswith("error: cannot write 'build/")
    assert "No space left on device; the previous build is unchanged" in problem
    assert _tree(root / "build") == before
