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
