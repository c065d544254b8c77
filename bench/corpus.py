"""Benchmark corpora: generated once per generator version, copied for every run, and
edited the way an author edits between two builds."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
GENERATOR = REPO.parent / "shared" / "bench" / "make_corpus.py"
DEFAULT_CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "dossier-bench"

# Generator arguments of each size; "tiny" is a smoke test of the bench itself.
SIZES: dict[str, tuple[str, ...]] = {
    "tiny": ("--chapters", "2", "--words-per-chapter", "300", "--refs", "6"),
    "small": ("--size", "small"),
    "medium": ("--size", "medium"),
    "large": ("--size", "large"),
}
_COMPLETE = ".bench-complete"
PROSE_SENTENCE = " The benchmark added this sentence to the prose."


class CorpusError(Exception):
    pass


def generator_hash(generator: Path) -> str:
    return hashlib.sha256(generator.read_bytes()).hexdigest()[:12]


def generator_command(size: str, out: Path, generator: Path = GENERATOR) -> list[str]:
    return [sys.executable, str(generator), str(out), *SIZES[size], "--quiet"]


def ensure_corpus(size: str, cache: Path, generator: Path = GENERATOR) -> Path:
    """The corpus of `size` in the cache, generated first if this generator never made it.

    Generation writes aside and renames, so an interrupted run never leaves a half corpus
    that a later run would take for a whole one."""
    if size not in SIZES:
        raise CorpusError(f"unknown corpus size '{size}' (choose from {', '.join(SIZES)})")
    if not generator.is_file():
        raise CorpusError(f"corpus generator not found: {generator}")
    folder = cache / f"{size}-{generator_hash(generator)}"
    if (folder / _COMPLETE).is_file():
        return folder
    partial = cache / f".{folder.name}.partial"
    shutil.rmtree(partial, ignore_errors=True)
    shutil.rmtree(folder, ignore_errors=True)
    cache.mkdir(parents=True, exist_ok=True)
    cmd = generator_command(size, partial, generator)
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise CorpusError(f"{' '.join(cmd)} failed: {proc.stderr.strip()}")
    (partial / _COMPLETE).write_text(" ".join(cmd[1:]) + "\n", encoding="utf-8")
    partial.rename(folder)
    return folder


def working_copy(corpus: Path, dest: Path) -> Path:
    """A private copy of the project: every run edits and builds its own."""
    shutil.copytree(corpus, dest, ignore=shutil.ignore_patterns(_COMPLETE, "build"))
    return dest


def chapter_paths(root: Path) -> list[Path]:
    """Chapters in the order of dossier.toml (the generator lists them there in order)."""
    text = (root / "dossier.toml").read_text(encoding="utf-8")
    return [root / rel for rel in re.findall(r'^\s*"(chapters/[^"]+)",', text, re.MULTILINE)]


def edited_chapter(root: Path) -> Path:
    """The chapter every warm-rebuild edit touches: the middle one."""
    chapters = chapter_paths(root)
    if not chapters:
        raise CorpusError(f"{root}/dossier.toml lists no chapters")
    return chapters[len(chapters) // 2]


def edit_prose(root: Path) -> Path:
    """Appends a sentence to the first paragraph of one chapter; no citation changes."""
    path = edited_chapter(root)
    blocks = path.read_text(encoding="utf-8").split("\n\n")
    first = next((i for i, b in enumerate(blocks) if b and not b.startswith(("#", "---"))), None)
    if first is None:
        raise CorpusError(f"{path} has no paragraph to edit")
    blocks[first] += PROSE_SENTENCE
    path.write_text("\n\n".join(blocks), encoding="utf-8")
    return path


_BRACKET_KEY = re.compile(r"\[(?:[^\]@]*?)@([^\s;,\]]+)")


@dataclass(frozen=True, slots=True)
class CitationEdit:
    path: Path
    old: str
    new: str


def edit_citation(root: Path) -> CitationEdit:
    """Replaces one bracketed citation key in one chapter by another key cited elsewhere.

    Both keys stay cited, so the bibliography keeps the same entries and only one
    citation (and whatever disambiguation depends on it) changes."""
    path = edited_chapter(root)
    text = path.read_text(encoding="utf-8")
    counts: dict[str, int] = {}
    for chapter in chapter_paths(root):
        for key in _BRACKET_KEY.findall(chapter.read_text(encoding="utf-8")):
            counts[key] = counts.get(key, 0) + 1
    for match in _BRACKET_KEY.finditer(text):
        old = match.group(1)
        if counts.get(old, 0) < 2:
            continue
        new = next((k for k in sorted(counts) if k != old), None)
        if new is None:
            break
        start, end = match.span(1)
        path.write_text(text[:start] + new + text[end:], encoding="utf-8")
        return CitationEdit(path, old, new)
    raise CorpusError(f"{path} has no citation key cited twice in the corpus")


_BARE_CITATION = re.compile(r"\[@([^\s;,\]]+)\]")
LOCATOR = ", 999"


def edit_locator(root: Path) -> Path:
    """Gives one bracketed citation without a locator (`[@key]`) a page (`[@key, 999]`).

    The same references stay cited; in a note style the note is one never formatted
    before (a citation edit that does not move any other note: see edit_citation)."""
    path = edited_chapter(root)
    text = path.read_text(encoding="utf-8")
    match = _BARE_CITATION.search(text)
    if match is None:
        raise CorpusError(f"{path} has no citation without a locator")
    end = match.end(1)
    path.write_text(text[:end] + LOCATOR + text[end:], encoding="utf-8")
    return path
