"""dossier as a user installs it: a wheel built from the repository, installed into a new
virtual environment outside it, run from a folder that has nothing to do with it.

The new environment borrows the dependencies already installed for the tests (a `.pth`
line naming their folder), so the test needs no network. A plain path line in a `.pth`
file adds that one folder to sys.path and nothing else: the editable install of the
repository that lives there (its own `.pth` and import hook) is not loaded, so every
`import dossier` below finds the wheel's copy or fails."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import dossier

REPO = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow  # builds a wheel and a PDF


@dataclass(frozen=True)
class Installed:
    venv: Path
    bin: Path
    wheel: Path
    env: dict[str, str]

    def run(self, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            list(args), cwd=cwd, env=self.env, capture_output=True, text=True, timeout=300
        )


def _build_wheel(out: Path) -> Path:
    """The wheel of a copy of the sources, so that setuptools' own build/ and egg-info
    never land in the repository (its build/ is the example dossier's output)."""
    src = out / "src"
    shutil.copytree(REPO / "dossier", src / "dossier", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO / name, src / name)
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
         "--no-index", "-w", str(out / "dist"), str(src)],
        check=True, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    (wheel,) = (out / "dist").glob("dossier-*.whl")
    return wheel


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installed]:
    work = tmp_path_factory.mktemp("install")
    wheel = _build_wheel(work)
    venv = work / "venv"
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120
    )
    python = venv / "bin" / "python"
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    (Path(purelib) / "_test_dependencies.pth").write_text(
        sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8"
    )
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps",
         "--no-index", str(wheel)],
        check=True, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    # Only the new environment on PATH; nothing that points back at the repository.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    env["PATH"] = f"{venv / 'bin'}:/usr/bin:/bin"
    env["HOME"] = str(work / "home")
    env["XDG_CACHE_HOME"] = str(work / "cache")
    yield Installed(venv, venv / "bin", wheel, env)


def test_the_wheel_holds_the_whole_theme(installed: Installed) -> None:
    names = set(zipfile.ZipFile(installed.wheel).namelist())
    theme = REPO / "dossier" / "theme"
    expected = {f"dossier/theme/{p.relative_to(theme).as_posix()}" for p in theme.rglob("*")
                if p.is_file()}  # fmt: skip
    assert expected and expected <= names, sorted(expected - names)
    assert f"dossier-{dossier.__version__}.dist-info/METADATA" in names


def test_new_project_builds_site_and_pdf_outside_the_repository(
    installed: Installed, tmp_path: Path
) -> None:
    where = installed.run(
        str(installed.bin / "python"), "-c",
        "import dossier, dossier.render.theme as t; print(dossier.__file__); print(t.THEME_DIR)",
        cwd=tmp_path,
    )  # fmt: skip
    assert where.returncode == 0, where.stderr
    for line in where.stdout.split():
        assert Path(line).is_relative_to(installed.venv), where.stdout
        assert not Path(line).is_relative_to(REPO), where.stdout

    made = installed.run(str(installed.bin / "dossier"), "new", "x", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    project = tmp_path / "x"
    built = installed.run(str(installed.bin / "dossier"), "build", cwd=project)
    assert built.returncode == 0, built.stderr
    assert "0 errors, 0 warnings" in built.stderr, built.stderr
    assert "internal error" not in built.stderr
    assert (project / "build" / "html" / "index.html").is_file()
    assert len(list((project / "build" / "html" / "assets").glob("style.*.css"))) == 1
    (pdf,) = (project / "build").glob("*.pdf")
    assert pdf.read_bytes().startswith(b"%PDF-")


def test_version_and_module_entry_points(installed: Installed, tmp_path: Path) -> None:
    version = installed.run(str(installed.bin / "dossier"), "--version", cwd=tmp_path)
    assert version.stdout.strip() == f"dossier {dossier.__version__}"
    python = str(installed.bin / "python")
    metadata = installed.run(
        python, "-c", "import importlib.metadata as m; print(m.version('dossier'))", cwd=tmp_path
    )
    assert metadata.stdout.strip() == dossier.__version__  # one version, read by pyproject
    helped = installed.run(python, "-m", "dossier", "--help", cwd=tmp_path)
    assert helped.returncode == 0 and "usage: dossier" in helped.stdout, helped.stderr
    assert installed.run(str(installed.bin / "dossier"), "new", "y", cwd=tmp_path).returncode == 0
    listed = installed.run(python, "-m", "dossier.cli", "sources", cwd=tmp_path / "y")
    assert listed.returncode == 0, listed.stderr
    assert "internal error" not in listed.stderr
    assert "entries" in listed.stderr, listed.stderr
