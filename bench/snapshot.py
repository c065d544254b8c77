"""Record what dossier makes of a set of projects, and later say whether a change of the
code changed any of it: the guard of a refactor that must not change the output.

    python -m bench.snapshot record SNAPDIR   # before the change
    python -m bench.snapshot compare SNAPDIR  # after it; exit 1 if anything differs

The projects: the example dossier, tests/roots/messy, the synthetic corpora (small and
medium, from ../shared/bench/make_corpus.py) and the real projects in ../shared/real/
(when present). Each site is recorded as the SHA-256 of every file; the example's PDF
as its text (pdftotext) and outline, since its bytes carry the build's time. A
difference names the files, and for HTML, the first line that differs."""

from __future__ import annotations

import argparse
import difflib
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
EPOCH = "1767225600"  # a fixed build date, so that pages that print it do not differ


def projects(work: Path, sizes: list[str]) -> dict[str, Path]:
    """Name -> project folder (the corpora are written into `work`)."""
    found = {
        "example": REPO,
        "messy": REPO / "tests" / "roots" / "messy",
        "fixtures": fixtures_project(work),
        "example-notes": in_note_style(REPO, work / "example-notes"),
    }
    maker = SHARED / "bench" / "make_corpus.py"
    for size in sizes if maker.is_file() else []:
        out = work / f"corpus-{size}"
        subprocess.run(
            [sys.executable, str(maker), "--size", size, "-q", "--force", str(out)], check=True
        )
        found[f"corpus-{size}"] = out
    for name in ("data-mgmt", "ssvc"):
        real = SHARED / "real" / name / "project"
        if real.is_dir():
            copy = work / f"real-{name}"
            shutil.copytree(real, copy)  # never build into the shared folder
            found[f"real-{name}"] = copy
    return found


def build(name: str, project: Path, out: Path) -> None:
    dossier = Path(sys.executable).with_name("dossier")
    pdf = name == "example"
    cmd = [str(dossier), "build", "-C", str(project), "-q", "-o", str(out)]
    env = {**os.environ, "SOURCE_DATE_EPOCH": EPOCH}
    done = subprocess.run(
        [*cmd, *([] if pdf else ["--html"])], env=env, capture_output=True, text=True
    )
    if done.returncode not in (0, 1):  # 1: the project has errors on purpose (messy)
        raise SystemExit(f"{name}: build failed\n{done.stdout}{done.stderr}")


def print_document(project: Path) -> str:
    """The print HTML the PDF is made from, made in this process (the build keeps it
    nowhere): what the PDF's text alone would not show, such as its links and tags."""
    from dossier.analysis import analyse
    from dossier.cite.stage import format_citations
    from dossier.render.pdf.document import print_html
    from dossier.render.site import SiteInput

    analysis, _ = analyse(project)
    if analysis is None:
        return ""
    formatted, _ = format_citations(analysis)
    if formatted is None:
        return ""
    return print_html(SiteInput.of(analysis, formatted)).html


def fixtures_project(work: Path) -> Path:
    """The Pandoc fixtures of tests/fixtures/pandoc as the chapters of one project: the
    constructs the books above may not use."""
    src = REPO / "tests" / "fixtures" / "pandoc"
    out = work / "fixtures"
    out.mkdir()
    names = sorted(p.name for p in src.glob("*.md"))
    for name in names:
        shutil.copyfile(src / name, out / name)
    for extra in src.glob("*.png"):
        shutil.copyfile(extra, out / extra.name)
    shutil.copyfile(src / "map.png", out / "x.png")  # an image a fixture names
    (out / "references.bib").write_text("", encoding="utf-8")
    chapters = ", ".join(f'"{n}"' for n in names)
    (out / "dossier.toml").write_text(
        f'title = "Fixtures"\nchapters = [{chapters}]\n', encoding="utf-8"
    )
    return out


def in_note_style(project: Path, out: Path) -> Path:
    """A copy of the example set in a note style: the writers' other path (notes at the
    page foot and in one sequence)."""
    out.mkdir()
    for name in ("chapters", "data", "sources", "templates"):
        if (project / name).is_dir():
            shutil.copytree(project / name, out / name)
    for name in ("references.bib", "sources.lock"):
        shutil.copyfile(project / name, out / name)
    config = (project / "dossier.toml").read_text(encoding="utf-8")
    config = config.replace('csl = "chicago-author-date"', 'csl = "chicago-note-bibliography"')
    (out / "dossier.toml").write_text(config, encoding="utf-8")
    return out


def record_tree(out: Path) -> dict[str, str]:
    """Every output file's SHA-256 (the cache aside), and the text of the HTML."""
    files: dict[str, str] = {}
    for path in sorted(out.rglob("*")):
        rel = str(path.relative_to(out))
        if path.is_file() and ".dossier-cache" not in rel:
            if path.suffix == ".pdf":
                files[rel + ".txt"] = pdf_text(path)
            else:
                files[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return files


def pdf_text(path: Path) -> str:
    """The PDF's text and outline: what a reader sees, without the build's timestamps."""
    from pypdf import PdfReader

    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    reader = PdfReader(path)

    def walk(items: Sequence[object], depth: int) -> list[str]:
        lines: list[str] = []
        for item in items:
            if isinstance(item, list):
                lines += walk(item, depth + 1)
            else:
                lines.append("  " * depth + str(getattr(item, "title", item)))
        return lines

    return text + "\n--- outline ---\n" + "\n".join(walk(reader.outline, 0))


def snapshot(snap: Path, sizes: list[str], keep_html: bool) -> dict[str, dict[str, str]]:
    result: dict[str, dict[str, str]] = {}
    with tempfile.TemporaryDirectory(prefix="dossier-snapshot-") as tmp:
        work = Path(tmp)
        for name, project in projects(work, sizes).items():
            out = work / f"out-{name}"
            build(name, project, out)
            result[name] = record_tree(out)
            for rel, value in result[name].items():
                if rel.endswith(".pdf.txt"):
                    keep = snap / "text" / name / rel
                    keep.parent.mkdir(parents=True, exist_ok=True)
                    keep.write_text(value, encoding="utf-8")
                    result[name][rel] = hashlib.sha256(value.encode()).hexdigest()
                elif keep_html and rel.endswith(".html"):
                    keep = snap / "text" / name / rel
                    keep.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(out / rel, keep)
            done = subprocess.run(
                [sys.executable, "-m", "bench.snapshot", "print-html", str(project)],
                env={**os.environ, "SOURCE_DATE_EPOCH": EPOCH},
                capture_output=True,
                check=True,
                cwd=REPO,
            )
            result[name]["print.html"] = hashlib.sha256(done.stdout).hexdigest()
            if keep_html:
                keep = snap / "text" / name / "print.html"
                keep.parent.mkdir(parents=True, exist_ok=True)
                keep.write_bytes(done.stdout)
            print(f"{name}: {len(result[name])} files", flush=True)
    return result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("action", choices=["record", "compare", "print-html"])
    ap.add_argument("snapdir", type=Path, help="the snapshot (a project for print-html)")
    ap.add_argument("--sizes", default="small,medium", help="corpora (default: small,medium)")
    args = ap.parse_args(argv)
    sizes = [s for s in args.sizes.split(",") if s]
    if args.action == "print-html":
        sys.stdout.buffer.write(print_document(args.snapdir.resolve()).encode("utf-8"))
        return 0
    index = args.snapdir / "snapshot.json"
    if args.action == "record":
        args.snapdir.mkdir(parents=True, exist_ok=True)
        data = snapshot(args.snapdir, sizes, keep_html=True)
        index.write_text(json.dumps(data, indent=1, sort_keys=True), encoding="utf-8")
        return 0
    before = json.loads(index.read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory(prefix="dossier-after-") as tmp:
        after = snapshot(Path(tmp), sizes, keep_html=True)
        differ = 0
        for name in sorted(set(before) | set(after)):
            old, new = before.get(name, {}), after.get(name, {})
            changed = sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))
            print(f"{name}: {len(new)} files, {len(changed)} differ")
            for rel in changed[:10]:
                print(f"  {rel}: {first_difference(args.snapdir, Path(tmp), name, rel)}")
            differ += len(changed)
    return 1 if differ else 0


def first_difference(snap: Path, now: Path, name: str, rel: str) -> str:
    old, new = snap / "text" / name / rel, now / "text" / name / rel
    if not old.is_file() or not new.is_file():
        return "only before" if old.is_file() else "only after" if new.is_file() else "bytes"
    a = old.read_text(encoding="utf-8").splitlines()
    b = new.read_text(encoding="utf-8").splitlines()
    changed = [
        line
        for line in difflib.unified_diff(a, b, n=0, lineterm="")
        if line.startswith(("-", "+")) and not line.startswith(("---", "+++"))
    ]
    if not changed:
        return "bytes"
    old_line = next((x for x in changed if x.startswith("-")), "-")
    new_line = next((x for x in changed if x.startswith("+")), "+")
    at = next(  # show both lines from just before where they part
        (i for i, (x, y) in enumerate(zip(old_line[1:], new_line[1:], strict=False)) if x != y),
        0,
    )
    start = max(0, at - 40)
    old, new = old_line[1 + start : 1 + at + 80], new_line[1 + start : 1 + at + 80]
    return f"\n    -…{old}\n    +…{new}"


if __name__ == "__main__":
    sys.exit(main())
