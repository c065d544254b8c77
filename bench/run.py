"""Benchmark dossier against `pandoc --citeproc` (and, with --pdf, one WeasyPrint process).

    .venv/bin/python bench/run.py [--sizes small,medium] [--large] [--repeat N] [--pdf]
                                  [--json out.json]

For every corpus and repeat the runs are paired and interleaved (pandoc, then dossier on a
fresh copy of the corpus, then the warm rebuilds), so that the load of a busy machine falls
on both sides of a ratio alike. Prints a Markdown table (medians, min - max, median of the
paired ratios, goal, pass/fail) and the exact commands. Exit status: 0 every goal met, 1 a
goal missed, 2 the benchmark could not run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: `bench` and `tests` must be importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.corpus import (
    DEFAULT_CACHE,
    GENERATOR,
    REPO,
    SIZES,
    CorpusError,
    edit_citation,
    edit_locator,
    edit_prose,
    ensure_corpus,
    generator_command,
    working_copy,
)
from bench.notes import note_parity
from bench.notes import table as notes_table
from bench.parity import SHOWN, Parity, compare, compare_notes
from bench.printdoc import PrintDocumentError, print_document
from bench.proc import CommandFailed, Sample, command_text, run_timed
from bench.report import Row, commands, table, write_json

# Loaded by `import weasyprint`: a build in which no process maps it rendered no PDF.
WEASYPRINT_LIBRARY = "libpango"
DEFAULT_REPEAT = {"tiny": 1, "small": 5, "medium": 3, "large": 1}
# The note style timed against the corpus's own (author-date) style, run for run.
NOTE_STYLE = "chicago-note-bibliography"
# The note styles of the parity tests (tests/test_parity.py), for --note-styles.
PARITY_STYLES = ("chicago-note-bibliography", "mhra-notes", "oscola")
Progress = Callable[[str], None]


def dossier_command() -> list[str]:
    """The console script next to this interpreter (what a user runs), else -m dossier."""
    script = Path(sys.executable).parent / "dossier"
    return [str(script)] if script.exists() else [sys.executable, "-m", "dossier"]


@dataclass(frozen=True, slots=True)
class Project:
    """What pandoc needs to format the same document as dossier."""

    title: str
    chapters: tuple[str, ...]
    bibliography: str
    language: str
    nocite: tuple[str, ...]
    style: Path


def read_project(root: Path) -> Project:
    from dossier.cite.engine import resolve_style
    from dossier.config import load_config
    from dossier.diagnostics import Location

    config, diags = load_config(root)
    if config is None:
        raise CorpusError("\n".join(d.format() for d in diags))
    style, problems = resolve_style(root, config.csl, Location("dossier.toml"))
    if style is None:
        raise CorpusError("\n".join(d.format() for d in problems))
    return Project(
        config.title, config.chapters, config.bibliography, config.language, config.nocite, style
    )


def pandoc_command(project: Project, out: Path, linked: bool = True) -> list[str]:
    """One standalone HTML page from the chapters in order, as dossier's pandoc sees them:
    same binary, CSL file, bibliography, language and linked citations (a note style's
    notes unlinked, as dossier asks for them). Run in the project."""
    from dossier.cite.engine import pandoc_path

    nocite = (
        ["-M", "nocite=" + ", ".join("@" + k for k in project.nocite)] if project.nocite else []
    )
    return [
        pandoc_path(),
        *project.chapters,
        "--standalone",
        "--citeproc",
        "--bibliography",
        project.bibliography,
        "--csl",
        str(project.style),
        "-M",
        f"link-citations={'true' if linked else 'false'}",
        "-M",
        f"lang={project.language}",
        "-M",
        f"title={project.title}",
        *nocite,
        "-t",
        "html",
        "--wrap=none",
        "-o",
        str(out),
    ]


# A fresh interpreter: `dossier --help`, then an HTML-only build, then which modules are in.
IMPORT_CHECK = """\
import contextlib, io, json, sys
from dossier.cli import main
with contextlib.redirect_stdout(io.StringIO()):
    main(["--help"])
after_help = "weasyprint" in sys.modules
code = main(["build", "--html", "-q", "-o", sys.argv[1]])
print(json.dumps({"help": after_help, "html": "weasyprint" in sys.modules, "code": code}))
"""


def import_check(project: Path, script: Path, out: Path) -> tuple[dict[str, Any], str]:
    """Runs IMPORT_CHECK (saved as `script`, so that the command can be run again)."""
    script.write_text(IMPORT_CHECK, encoding="utf-8")
    cmd = [sys.executable, str(script), str(out)]
    proc = subprocess.run(cmd, cwd=project, capture_output=True, text=True, check=False)
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        raise CommandFailed(f"import check failed ({proc.returncode}): {proc.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(lines[-1])
    if result["code"] != 0:
        raise CommandFailed(f"HTML build in the import check exited {result['code']}")
    return result, command_text(cmd, project)


@dataclass
class Series:
    """The samples of one corpus, filled repeat by repeat."""

    samples: dict[str, list[Sample]] = field(default_factory=dict)
    commands: dict[str, str] = field(default_factory=dict)
    checks: dict[str, list[bool]] = field(default_factory=dict)

    def add(self, key: str, sample: Sample, command: str) -> None:
        self.samples.setdefault(key, []).append(sample)
        self.commands.setdefault(key, command)

    def check(self, key: str, ok: bool, command: str = "") -> None:
        self.checks.setdefault(key, []).append(ok)
        if command:
            self.commands.setdefault(key, command)


@dataclass(frozen=True, slots=True)
class Options:
    repeat: int | None
    pdf: bool
    cache: Path
    generator: Path
    work: Path


def bench_corpus(size: str, opts: Options, say: Progress) -> tuple[list[Row], Parity]:
    corpus = ensure_corpus(size, opts.cache, opts.generator)
    project = read_project(corpus)
    repeat = opts.repeat or DEFAULT_REPEAT[size]
    work = opts.work / size
    series = Series()
    parity: Parity | None = None
    failures_notes: list[str] = []
    dossier = dossier_command()
    print_html = None
    if opts.pdf:
        say(f"[{size}] making the print document")
        print_html = print_document(
            working_copy(corpus, work / "print-project"), work / "print.html"
        )

    def timed(
        key: str,
        cmd: list[str],
        run: Path,
        cwd: Path | None = None,
        env: dict[str, str] | None = None,
        watch: str | None = None,
    ) -> Sample:
        sample = run_timed(cmd, run / "logs" / f"{key}.log", cwd=cwd, env=env, watch=watch)
        series.add(key, sample, command_text(cmd, cwd, env))
        say(
            f"[{size} {i + 1}/{repeat}] {key}: {sample.seconds:.2f} s "
            f"(CPU {sample.cpu_seconds:.2f} s), {sample.peak_rss_mb:.0f} MB"
        )
        return sample

    for i in range(repeat):
        run = work / f"run{i + 1}"
        proj = working_copy(corpus, run / "project")
        # A private cache folder too, so "cold" is cold wherever the build cache lives.
        env = {"XDG_CACHE_HOME": str(run / "xdg-cache")}
        page = run / "pandoc.html"
        timed("pandoc", pandoc_command(project, page), run, proj)
        out = run / "out"
        build = [*dossier, "build", "--html", "-q", "-o", str(out)]
        timed("cold_html", build, run, proj, env)
        if parity is None:  # once per corpus: extraction of a large site is not free
            parity = compare(page.read_text(encoding="utf-8"), out / "html")
        timed("noop_html", build, run, proj, env)
        edit_prose(proj)
        timed("warm_prose", build, run, proj, env)
        edit_citation(proj)
        timed("warm_cite", build, run, proj, env)
        edit_locator(proj)
        timed("warm_locator", build, run, proj, env)
        notes_parity = bench_notes(timed, dossier, corpus, run, i == 0)
        if notes_parity is not None:
            series.check("parity_notes", notes_parity.ok)
            failures_notes.extend(notes_parity.differences[:SHOWN])
        timed("help", [*dossier, "--help"], run)
        if print_html is not None:
            pdf_project = working_copy(corpus, run / "project-pdf")
            pdf_env = {"XDG_CACHE_HOME": str(run / "xdg-cache-pdf")}
            single = [
                sys.executable,
                "-m",
                "weasyprint",
                "--base-url",
                pdf_project.as_uri() + "/",
                "--allowed-protocols",
                "file,data",
                str(print_html),
                str(run / "weasyprint.pdf"),
            ]
            timed("weasyprint", single, run, pdf_project)
            pdf_out = run / "out-pdf"
            pdf_build = [*dossier, "build", "--pdf", "-q", "-o", str(pdf_out)]
            cold = timed("cold_pdf", pdf_build, run, pdf_project, pdf_env, WEASYPRINT_LIBRARY)
            if not cold.loaded:
                say(
                    f"bench: no process of the cold PDF build loaded {WEASYPRINT_LIBRARY}; "
                    "the re-render check below cannot be trusted"
                )
            noop = timed("noop_pdf", pdf_build, run, pdf_project, pdf_env, WEASYPRINT_LIBRARY)
            series.check(
                "noop_pdf_kept",
                cold.loaded and not noop.loaded,
                command_text(pdf_build, pdf_project, pdf_env),
            )
    say(f"[{size}] checking imports")
    check_project = working_copy(corpus, work / "import-project")
    imports, check_cmd = import_check(check_project, work / "import_check.py", work / "import-out")
    series.check("help_weasyprint", not imports["help"], check_cmd)
    series.check("html_weasyprint", not imports["html"], check_cmd)
    assert parity is not None
    series.check("parity", parity.ok)
    differences = parity.differences + tuple(f"{NOTE_STYLE}: {d}" for d in failures_notes)
    return rows(size, series, parity), Parity(parity.citations, parity.entries, differences)


def bench_notes(
    timed: Callable[..., Sample], dossier: list[str], corpus: Path, run: Path, first: bool
) -> Parity | None:
    """The same corpus in NOTE_STYLE, timed right after the corpus's own style (so each
    ratio is paired); on the first run, its notes compared with pandoc's."""
    proj = working_copy(corpus, run / "project-notes")
    config = proj / "dossier.toml"
    config.write_text(
        re.sub(r"(?m)^csl = .*$", f'csl = "{NOTE_STYLE}"', config.read_text(encoding="utf-8")),
        encoding="utf-8",
    )
    env = {"XDG_CACHE_HOME": str(run / "xdg-cache-notes")}
    out = run / "out-notes"
    build = [*dossier, "build", "--html", "-q", "-o", str(out)]
    timed("cold_html_notes", build, run, proj, env)
    parity = None
    if first:
        page = run / "pandoc-notes.html"
        cmd = pandoc_command(read_project(proj), page, linked=False)
        subprocess.run(cmd, cwd=proj, check=True, capture_output=True)
        parity = compare_notes(page.read_text(encoding="utf-8"), out / "html")
    edit_prose(proj)
    timed("warm_prose_notes", build, run, proj, env)
    edit_citation(proj)
    timed("warm_cite_notes", build, run, proj, env)
    edit_locator(proj)
    timed("warm_locator_notes", build, run, proj, env)
    return parity


LABELS = {
    "pandoc": ("pandoc --citeproc, one HTML page", "s"),
    "cold_html": ("dossier build --html, cold", "s"),
    "parity": ("citations identical to pandoc", "check"),
    "noop_html": ("rebuild, nothing changed", "s"),
    "warm_prose": ("rebuild after a prose edit", "s"),
    "warm_cite": ("rebuild after a citation edit", "s"),
    "warm_locator": ("rebuild after a locator is added", "s"),
    "cold_html_notes": (f"build --html, cold, in {NOTE_STYLE}", "s"),
    "parity_notes": (f"notes identical to pandoc, {NOTE_STYLE}", "check"),
    "warm_prose_notes": (f"prose edit rebuild, {NOTE_STYLE}", "s"),
    "warm_cite_notes": (f"citation edit rebuild, {NOTE_STYLE}", "s"),
    "warm_locator_notes": (f"locator added rebuild, {NOTE_STYLE}", "s"),
    "help": ("dossier --help", "s"),
    "help_weasyprint": ("--help imports no WeasyPrint", "check"),
    "html_weasyprint": ("HTML build imports no WeasyPrint", "check"),
    "weasyprint": ("one WeasyPrint process, whole print document", "s"),
    "cold_pdf": ("dossier build --pdf, cold", "s"),
    "pdf_rss": ("peak memory per process, build --pdf", "MB"),
    "noop_pdf": ("PDF rebuild, nothing changed", "s"),
    "noop_pdf_kept": ("PDF kept on a no-op rebuild", "check"),
}
# measurement -> (baseline, what the ratio says)
RATIOS = {
    "cold_html": ("pandoc", "pandoc"),
    "warm_cite": ("cold_html", "cold"),
    "cold_html_notes": ("cold_html", "author-date"),
    "warm_prose_notes": ("warm_prose", "author-date"),
    "warm_cite_notes": ("warm_cite", "author-date"),
    "warm_locator_notes": ("warm_locator", "author-date"),
    "warm_locator": ("cold_html", "cold"),
    "warm_prose": ("cold_html", "cold"),
    "noop_html": ("cold_html", "cold"),
    "cold_pdf": ("weasyprint", "WeasyPrint"),
    "noop_pdf": ("cold_pdf", "cold"),
}


def rows(size: str, series: Series, parity: Parity) -> list[Row]:
    samples = dict(series.samples)
    if "cold_pdf" in samples:
        samples["pdf_rss"] = samples["cold_pdf"]
    out: list[Row] = []
    for key, (label, _unit) in LABELS.items():
        if key in series.checks:
            values = tuple(1.0 if ok else 0.0 for ok in series.checks[key])
            note = ""
            if key == "parity":
                note = f"{parity.citations} citations, {parity.entries} entries" + (
                    f", {len(parity.differences)} differences" if not parity.ok else ""
                )
            out.append(
                Row(
                    size,
                    key,
                    label,
                    "check",
                    values,
                    command=series.commands.get(key, ""),
                    note=note,
                )
            )
            continue
        if key not in samples:
            continue
        if key == "pdf_rss":
            values = tuple(s.peak_rss_mb for s in samples[key])
            base = tuple(s.peak_rss_mb for s in samples["weasyprint"])
            out.append(
                Row(
                    size,
                    key,
                    label,
                    "MB",
                    values,
                    (),
                    tuple(v / b for v, b in zip(values, base, strict=True)),
                    "WeasyPrint",
                    series.commands["cold_pdf"],
                )
            )
            continue
        values = tuple(s.seconds for s in samples[key])
        cpu = tuple(s.cpu_seconds for s in samples[key])
        ratios: tuple[float, ...] = ()
        versus = ""
        if key in RATIOS and RATIOS[key][0] in samples:
            base_key, versus = RATIOS[key]
            base = tuple(s.seconds for s in samples[base_key])
            ratios = tuple(v / b for v, b in zip(values, base, strict=True))
        out.append(
            Row(size, key, label, "s", values, cpu, ratios, versus, series.commands.get(key, ""))
        )
    return out


def meta(args: argparse.Namespace, sizes: Sequence[str]) -> dict[str, Any]:
    from dossier import __version__
    from dossier.cite.engine import pandoc_path

    def output(cmd: list[str]) -> str:
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False, cwd=REPO)
        return proc.stdout.strip().splitlines()[0] if proc.stdout.strip() else ""

    return {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "dossier": __version__,
        "commit": output(["git", "rev-parse", "--short", "HEAD"]),
        "pandoc": output([pandoc_path(), "--version"]),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "load_average": os.getloadavg(),
        "sizes": list(sizes),
        "repeat": {s: args.repeat or DEFAULT_REPEAT[s] for s in sizes},
        "corpora": {
            s: command_text(generator_command(s, Path("OUT"), args.generator)) for s in sizes
        },
        "command": " ".join(["bench/run.py", *sys.argv[1:]]),
    }


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="bench/run.py", description=__doc__.split("\n\n")[0])
    p.add_argument(
        "--sizes",
        default="small,medium",
        help=f"comma-separated corpora among {', '.join(SIZES)} (default: small,medium)",
    )
    p.add_argument("--large", action="store_true", help="add the large corpus (slow)")
    p.add_argument(
        "--repeat",
        type=int,
        metavar="N",
        help="repeats per corpus (default: "
        + ", ".join(f"{k} {v}" for k, v in DEFAULT_REPEAT.items())
        + ")",
    )
    p.add_argument(
        "--pdf",
        action="store_true",
        help="also time dossier build --pdf against one WeasyPrint process",
    )
    p.add_argument(
        "--note-styles",
        metavar="STYLES",
        help="instead of the timings: every note of each corpus in these comma-separated "
        f"note styles compared with pandoc's (e.g. {','.join(PARITY_STYLES)})",
    )
    p.add_argument("--json", type=Path, metavar="FILE", help="also write the results here")
    p.add_argument(
        "--cache",
        type=Path,
        default=DEFAULT_CACHE,
        help="where generated corpora are kept (default: %(default)s)",
    )
    p.add_argument(
        "--generator",
        type=Path,
        default=GENERATOR,
        help="the corpus generator (default: %(default)s)",
    )
    p.add_argument(
        "--keep",
        type=Path,
        metavar="DIR",
        help="run in DIR and keep every output and log (default: a temporary folder, removed)",
    )
    args = p.parse_args(argv)
    sizes = [s.strip() for s in args.sizes.split(",") if s.strip()]
    if args.large and "large" not in sizes:
        sizes.append("large")
    unknown = [s for s in sizes if s not in SIZES]
    if unknown or not sizes:
        p.error(f"unknown size {', '.join(unknown)}; choose from {', '.join(SIZES)}")
    if args.repeat is not None and args.repeat < 1:
        p.error("--repeat must be at least 1")
    args.size_list = sizes
    return args


def compile_package() -> None:
    """Bytecode for dossier's modules, as `pip install` writes for a regular install. An
    editable install has none, and where PYTHONDONTWRITEBYTECODE is set (as on CI
    machines) every run would compile the package again (about 30 ms, 10% of a warm
    rebuild): not what a user's installed dossier costs."""
    import compileall

    import dossier

    compileall.compile_dir(Path(dossier.__file__).parent, quiet=2)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)

    def say(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    work = args.keep or Path(tempfile.mkdtemp(prefix="dossier-bench-"))
    if args.keep and args.keep.exists() and any(args.keep.iterdir()):
        say(f"bench: {args.keep} is not empty; give a new folder to --keep")
        return 2
    opts = Options(args.repeat, args.pdf, args.cache, args.generator, work)
    compile_package()
    if args.note_styles:
        return notes_main(args, work, say)
    all_rows: list[Row] = []
    failures: list[str] = []
    try:
        info = meta(args, args.size_list)
        for size in args.size_list:
            found, parity = bench_corpus(size, opts, say)
            all_rows += found
            failures += [f"{size}: {d}" for d in parity.differences[:SHOWN]]
    except (CorpusError, CommandFailed, PrintDocumentError, OSError) as exc:
        say(f"bench: {exc}")
        return 2
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    print(
        f"dossier {info['dossier']} ({info['commit']}), {info['pandoc']}, Python "
        f"{info['python']}, {info['cpus']} CPUs, load average "
        f"{' '.join(f'{x:.1f}' for x in info['load_average'])} at the start\n"
    )
    print(table(all_rows))
    print(f"\nCorpora (generated once into OUT, then copied for every run; kept in {args.cache}):")
    print("\n".join(f"- {size}: {cmd}" for size, cmd in info["corpora"].items()))
    print(f"\nCommands (paths of the first run):\n{commands(all_rows)}")
    if failures:
        print(
            "\nCitations that differ from pandoc (first ones):\n"
            + "\n".join(f"- {f}" for f in failures)
        )
    if args.json:
        write_json(args.json, all_rows, info)
    return 1 if any(r.passed is False for r in all_rows) else 0


def notes_main(args: argparse.Namespace, work: Path, say: Progress) -> int:
    """--note-styles: the note parity of each corpus in each style, nothing else."""
    styles = [s.strip() for s in args.note_styles.split(",") if s.strip()]
    results = []
    try:
        for size in args.size_list:
            results += note_parity(
                size, styles, args.cache, args.generator, work, dossier_command(), say
            )
    except (CorpusError, CommandFailed, OSError) as exc:
        say(f"bench: {exc}")
        return 2
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    print(notes_table(results))
    print("\nCommands:")
    for r in results:
        print(f"- {r.corpus} {r.style}: `{r.pandoc_command}`; `{r.dossier_command}`")
    failing = [r for r in results if not r.parity.ok]
    for r in failing:
        print(f"\n{r.corpus} {r.style}, first differences:")
        print("\n".join(f"- {d}" for d in r.parity.differences[:SHOWN]))
    return 1 if failing else 0


if __name__ == "__main__":
    sys.exit(main())
