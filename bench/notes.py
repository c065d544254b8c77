"""Note-style parity on a corpus in several note styles: every note dossier writes
compared with `pandoc --citeproc`, each side timed once (`bench/run.py --note-styles`).

The timed builds of the note style against the corpus's own style (cold and rebuilds,
paired) are in bench/run.py; this is the check that all the notes of a corpus, in each
style, read as pandoc prints them, which on the large corpus takes minutes a style."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.corpus import ensure_corpus, working_copy
from bench.parity import Parity, compare_notes
from bench.proc import command_text, run_timed


@dataclass(frozen=True, slots=True)
class StyleParity:
    corpus: str
    style: str
    parity: Parity
    pandoc_seconds: float
    dossier_seconds: float
    pandoc_command: str
    dossier_command: str


def with_style(project: Path, style: str) -> None:
    config = project / "dossier.toml"
    text = config.read_text(encoding="utf-8")
    config.write_text(re.sub(r"(?m)^csl = .*$", f'csl = "{style}"', text), encoding="utf-8")


def note_parity(
    size: str,
    styles: Sequence[str],
    cache: Path,
    generator: Path,
    work: Path,
    dossier: list[str],
    say: Callable[[str], None],
) -> list[StyleParity]:
    """For each style: pandoc's page (unlinked, as notes are formatted) and a cold
    `dossier build --html` of a fresh copy, then every note compared."""
    from bench.run import pandoc_command, read_project

    corpus = ensure_corpus(size, cache, generator)
    out: list[StyleParity] = []
    for style in styles:
        run = work / size / f"notes-{style}"
        proj = working_copy(corpus, run / "project")
        with_style(proj, style)
        page = run / "pandoc.html"
        cmd = pandoc_command(read_project(proj), page, linked=False)
        theirs = run_timed(cmd, run / "logs" / "pandoc.log", cwd=proj)
        say(f"[{size} {style}] pandoc: {theirs.seconds:.1f} s")
        env = {"XDG_CACHE_HOME": str(run / "xdg-cache")}
        build = [*dossier, "build", "--html", "-q", "-o", str(run / "out")]
        ours = run_timed(build, run / "logs" / "dossier.log", cwd=proj, env=env)
        say(f"[{size} {style}] dossier build --html, cold: {ours.seconds:.1f} s")
        parity = compare_notes(page.read_text(encoding="utf-8"), run / "out" / "html")
        say(f"[{size} {style}] {parity.citations} notes, {len(parity.differences)} differences")
        out.append(
            StyleParity(
                size,
                style,
                parity,
                theirs.seconds,
                ours.seconds,
                command_text(cmd, proj),
                command_text(build, proj, env),
            )
        )
    return out


def table(results: Sequence[StyleParity]) -> str:
    lines = [
        "| corpus | style | notes | identical | pandoc --citeproc | dossier build --html, cold |",
        "|---|---|---|---|---|---|",
    ]
    for r in results:
        same = "yes" if r.parity.ok else f"**no** ({len(r.parity.differences)} differences)"
        lines.append(
            f"| {r.corpus} | {r.style} | {r.parity.citations} | {same} "
            f"| {r.pandoc_seconds:.1f} s | {r.dossier_seconds:.1f} s |"
        )
    return "\n".join(lines)
