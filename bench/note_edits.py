"""Random citation edits in a note style, each rebuild checked against formatting from
scratch: the check behind the note reuse of dossier/noteformat.py and
dossier/notesubset.py (docs/chapters/09-performance.md).

    .venv/bin/python bench/note_edits.py medium chicago-note-bibliography 16 --seed 31

A copy of the corpus is put in the style; its citations are formatted once, then for
each edit (one bracketed citation given another key, the key of the citation before
or after it, or a page added or removed) the citations are formatted from the last
record, as a rebuild does, and again from an empty record, as a cold build does; the
two must be equal. Each line says what the rebuild did: reused every note ("reused"),
formatted a reduced document ("reduced [requests]") or the whole document ("whole").
Exit status 1 when any rebuild differs.
"""

from __future__ import annotations

import argparse
import random
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.corpus import DEFAULT_CACHE, GENERATOR, ensure_corpus
from bench.notes import with_style
from dossier.build import Analysis, analyse
from dossier.cite import formatting
from dossier.cite.formatting import Request, format_all

_BRACKETED = re.compile(r"\[@([\w:.-]+)([^\]]*)\]")


def requests_of(root: Path) -> tuple[Analysis, list[Request]]:
    analysis, diags = analyse(root, progress=lambda _: None)
    if analysis is None:
        raise SystemExit(f"{root}: {[d.format() for d in diags]}")
    return analysis, [Request.of(c) for c in analysis.collected.clusters]


def formatted(analysis: Analysis, requests: list[Request], record: dict[str, Any]) -> Any:
    assert analysis.style is not None
    return format_all(
        requests,
        analysis.bibliography,
        set(analysis.collected.citing),
        analysis.style,
        analysis.config.language,
        (*analysis.config.nocite, *analysis.charted),
        record,
        notes=analysis.collected.notes,
    )


def edit(root: Path, rng: random.Random, cited: list[str]) -> str:
    """One random citation edit in one chapter; what it did."""
    chapters = sorted((root / "chapters").glob("*.md"))
    for _ in range(100):
        path = rng.choice(chapters)
        text = path.read_text(encoding="utf-8")
        found = list(_BRACKETED.finditer(text))
        if len(found) >= 3:
            break
    else:
        raise SystemExit("no chapter has three bracketed citations")
    n = rng.randrange(1, len(found) - 1)
    match = found[n]
    key, rest = match.group(1), match.group(2)
    mode = rng.choice(["before", "after", "any", "page", "before", "page"])
    if mode == "before":
        key = found[n - 1].group(1)
    elif mode == "after":
        key = found[n + 1].group(1)
    elif mode == "any":
        key = rng.choice(cited)
    else:
        rest = "" if rest.strip() else rng.choice([", 12", ", 14"])
    if mode != "page" and rng.random() < 0.3:
        rest = found[n - 1].group(2)
    made = f"[@{key}{rest}]"
    path.write_text(text[: match.start()] + made + text[match.end() :], encoding="utf-8")
    return f"{path.name[:20]} {match.group(0)} -> {made}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("size", help="tiny, small, medium or large")
    parser.add_argument("style", help="a note style, e.g. chicago-note-bibliography")
    parser.add_argument("edits", type=int, help="how many edits, one after the other")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    args = parser.parse_args()
    runs: list[int] = []
    real = formatting._run

    def counted(*a: Any, **k: Any) -> Any:
        runs.append(len(a[0]))
        return real(*a, **k)

    formatting._run = counted  # type: ignore[assignment]
    corpus = ensure_corpus(args.size, args.cache, GENERATOR)
    with tempfile.TemporaryDirectory(prefix="dossier-note-edits-") as tmp:
        root = Path(tmp) / "project"
        shutil.copytree(corpus, root, ignore=shutil.ignore_patterns("build", ".bench-*"))
        with_style(root, args.style)
        analysis, requests = requests_of(root)
        _, _, _, record = formatted(analysis, requests, {})
        rng = random.Random(args.seed)
        cited = sorted(analysis.collected.citing)
        bad = 0
        for n in range(args.edits):
            what = edit(root, rng, cited)
            analysis, requests = requests_of(root)
            runs.clear()
            start = time.perf_counter()
            fast, _, _, record = formatted(analysis, requests, record)
            seconds = time.perf_counter() - start
            done = ["whole" if r == len(requests) else f"reduced [{r}]" for r in runs] or ["reused"]
            full, _, _, _ = formatted(analysis, requests, {})
            same = fast == full
            bad += not same
            print(f"{n} {what}: {', '.join(done)}, {seconds:.2f} s, {'ok' if same else 'DIFFERS'}")
    print(f"{args.edits} edits, {bad} rebuilds differ")
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
