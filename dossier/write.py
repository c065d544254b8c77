"""Atomic output: the whole output folder is built aside, then swapped in. A failure
at any point, or a kill, leaves the previous build exactly as it was."""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping
from pathlib import Path

OLD = ".{}.old"
STAGE = ".{}.stage-{}"


def recover(out: Path) -> None:
    """After a kill between the two renames of a swap, put the previous build back."""
    old = out.parent / OLD.format(out.name)
    if old.exists() and not out.exists():
        old.rename(out)
    elif old.exists():
        shutil.rmtree(old, ignore_errors=True)
    for stale in out.parent.glob(STAGE.format(out.name, "*")):
        shutil.rmtree(stale, ignore_errors=True)


def stage_dir(out: Path) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    recover(out)
    stage = out.parent / STAGE.format(out.name, os.getpid())
    shutil.rmtree(stage, ignore_errors=True)
    stage.mkdir()
    return stage


def write_files(stage: Path, files: Mapping[str, bytes]) -> None:
    for rel, data in sorted(files.items()):
        target = (stage / rel).resolve()
        if stage.resolve() not in target.parents:
            raise ValueError(f"refusing to write outside the output folder: {rel}")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


def swap(stage: Path, out: Path) -> None:
    old = out.parent / OLD.format(out.name)
    if out.exists():
        out.rename(old)
    stage.rename(out)
    shutil.rmtree(old, ignore_errors=True)


def discard(stage: Path) -> None:
    shutil.rmtree(stage, ignore_errors=True)
