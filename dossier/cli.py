"""The command line: build, check, new. Exit status 0 ok, 1 problems found, 2 usage."""

from __future__ import annotations

import argparse
import errno
import gc
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from . import __version__
from .diagnostics import Diagnostic, summary

if TYPE_CHECKING:
    from .build import Analysis

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2
# A disk that is full, over quota or read-only, or a file over `ulimit -f`
_NO_ROOM = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS})


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dossier",
        description="Build a cited report (HTML site and PDF) from Markdown chapters, a "
        "BibTeX bibliography and archived sources.",
    )
    parser.add_argument("--version", action="version", version=f"dossier {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "-C",
            "--project",
            type=Path,
            default=None,
            metavar="DIR",
            help="project folder (default: the nearest folder with a dossier.toml)",
        )
        p.add_argument("--strict", action="store_true", help="treat warnings as errors")
        p.add_argument("-q", "--quiet", action="store_true", help="no progress messages")

    b = sub.add_parser("build", help="build the HTML site and the PDF")
    common(b)
    b.add_argument("--html", action="store_true", help="build only the HTML site")
    b.add_argument("--pdf", action="store_true", help="build only the PDF")
    b.add_argument("-o", "--output", metavar="DIR", help="output folder (default: build)")
    c = sub.add_parser("check", help="run every check without writing anything")
    common(c)
    s = sub.add_parser(
        "sources",
        help="list archived sources and their state; "
        "'sources accept [KEY...]' re-locks them after review; "
        "'sources fetch [KEY...]' archives the entries' web pages; "
        "'sources check --live [KEY...]' compares the cited pages with their archives",
    )
    common(s)
    s.add_argument(
        "action", nargs="?", choices=["list", "accept", "fetch", "check"], default="list"
    )
    s.add_argument("keys", nargs="*", metavar="KEY")
    _online_options(s)
    v = sub.add_parser(
        "serve",
        help="build, serve the site on 127.0.0.1 and rebuild and reload open pages on every change",
    )
    common(v)
    v.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default: 127.0.0.1, this machine only)",
    )
    v.add_argument("--port", type=_port, default=8000, help="port (default: 8000; 0: any free)")
    v.add_argument("--pdf", action="store_true", help="also rebuild the PDF on each change")
    d = sub.add_parser("codes", help="list every diagnostic code with its severities and meaning")
    d.add_argument(
        "--markdown", action="store_true", help="print the manual's chapter on diagnostics"
    )
    n = sub.add_parser("new", help="start a new dossier project in DIR")
    n.add_argument("directory", type=Path, metavar="DIR")
    return parser


def _online_options(s: argparse.ArgumentParser) -> None:
    """Options of the two sources actions that go online (fetch, check --live)."""
    s.add_argument(
        "--refresh", action="store_true", help="fetch: archive again pages already archived"
    )
    s.add_argument(
        "--write-bib", action="store_true", help="fetch: set each entry's urldate in the .bib"
    )
    s.add_argument(
        "--allow-private",
        action="store_true",
        help="fetch from this computer and local networks too (refused by default)",
    )
    s.add_argument("--live", action="store_true", help="check: fetch every cited URL again")
    s.add_argument("--json", action="store_true", help="check --live: the report as JSON")
    s.add_argument(
        "--timeout", type=_seconds, default=30.0, metavar="S",
        help="seconds a server may stay silent (default: 30)",
    )  # fmt: skip
    s.add_argument(
        "--contact", default="", metavar="URL",
        help="a page about your project, named in the User-Agent of each request",
    )  # fmt: skip


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 < value <= 600:
        raise argparse.ArgumentTypeError(f"invalid time '{text}' (more than 0, at most 600 s)")
    return value


def _port(text: str) -> int:
    if not text.isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"invalid port '{text}' (0 to 65535)")
    return int(text)


def find_project(start: Path) -> Path | None:
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / "dossier.toml").is_file():
            return folder
    return None


def _report(diags: Sequence[Diagnostic], quiet: bool) -> None:
    for d in diags:
        print(d.format(), file=sys.stderr)
    if diags or not quiet:
        print(summary(diags), file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    try:
        args, extra = parser.parse_known_args(argv)
        # `sources check --live KEY`: argparse takes the positionals of a run at once, so
        # keys after an option come back unparsed; they are keys all the same
        if extra and args.command == "sources" and not any(e.startswith("-") for e in extra):
            args.keys = [*args.keys, *extra]
        elif extra:
            parser.error(f"unrecognized arguments: {' '.join(extra)}")
    except SystemExit as exc:
        return int(exc.code or 0) if exc.code in (0, None) else EXIT_USAGE
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    # A build makes many objects that live to its end (tokens, scans, the cache): the
    # collector's default of a pass per 700 allocations rescans them over and over, about
    # 10% of a warm rebuild. Fewer passes, as mypy does; cycles are still collected.
    thresholds = gc.get_threshold()
    gc.set_threshold(200_000, 30, 30)
    try:
        return _run(args)
    except KeyboardInterrupt:
        print("dossier: interrupted; the previous build is unchanged", file=sys.stderr)
        return 130
    except Exception as exc:
        if isinstance(exc, OSError) and exc.errno in _NO_ROOM:
            # the machine's limits, not a bug: anywhere a file is written (the build,
            # pandoc's private copies, the PDF workers' parts)
            print(
                f"dossier: error: cannot write a file: {exc.strerror} (the disk is full, or "
                "a file size limit or a read-only folder is in the way); the previous build "
                "is unchanged",
                file=sys.stderr,
            )
            return EXIT_PROBLEMS
        print(  # a bug in dossier, not a problem in the project
            f"dossier: internal error: {type(exc).__name__}: {exc}\n"
            "dossier: this is a bug in dossier; the previous build is unchanged. "
            "Please report it with the command you ran.",
            file=sys.stderr,
        )
        return EXIT_PROBLEMS
    finally:
        gc.set_threshold(*thresholds)


def _run(args: argparse.Namespace) -> int:
    if args.command == "codes":  # needs no project
        from . import codes

        sys.stdout.write(codes.markdown() if args.markdown else codes.plain())
        return EXIT_OK
    if args.command == "new":
        from .scaffold import scaffold

        problem = scaffold(args.directory)
        if problem:
            print(f"error: {problem}", file=sys.stderr)
            return EXIT_PROBLEMS
        print(
            f"created {args.directory}/ — build it with: cd {args.directory} && dossier build",
            file=sys.stderr,
        )
        return EXIT_OK

    root = args.project.resolve() if args.project else find_project(Path.cwd())
    if root is None or not (root / "dossier.toml").is_file():
        where = args.project or Path.cwd()
        print(
            f"error: no dossier.toml in {where} or its parents "
            "(start a project with 'dossier new DIR')",
            file=sys.stderr,
        )
        return EXIT_USAGE

    from . import build as pipeline
    from .progress import is_count
    from .progress import progress as live

    def progress(message: str) -> None:
        if not args.quiet and not is_count(message):
            print(f"· {message}", file=sys.stderr, flush=True)

    if args.command == "check":
        with live(args.quiet) as report:
            result = pipeline.check(root, strict=args.strict, progress=report)
        _report(result.diagnostics, args.quiet)
        return EXIT_OK if result.ok else EXIT_PROBLEMS

    if args.command == "sources":
        return _sources(root, args, progress)

    if args.command == "serve":
        from .serve.server import serve

        def say(message: str) -> None:
            print(message, file=sys.stderr, flush=True)

        return serve(
            root,
            host=args.host,
            port=args.port,
            pdf=args.pdf,
            strict=args.strict,
            progress=progress,
            notice=say,
            report=lambda d: _report(d, args.quiet),
            ready=lambda url: say(f"serving {url} (Ctrl-C stops)"),
        )

    html = args.html or not args.pdf
    pdf = args.pdf or not args.html
    with live(args.quiet) as report:
        result = pipeline.build(
            root, html=html, pdf=pdf, strict=args.strict, output=args.output, progress=report
        )
    _report(result.diagnostics, args.quiet)
    if result.ok and not args.quiet:
        for path in result.outputs:
            print(f"wrote {path}", file=sys.stderr)
    return EXIT_OK if result.ok else EXIT_PROBLEMS


def _sources(root: Path, args: argparse.Namespace, progress: object) -> int:
    from . import build as pipeline
    from .evidence.sources import accept, unknown_keys

    analysis, diags = pipeline.analyse(root, progress=lambda _: None)
    if analysis is None:
        _report(diags, args.quiet)
        return EXIT_PROBLEMS
    evidence = analysis.evidence
    if args.action in ("fetch", "check"):
        return _online(root, args, analysis)
    if args.action == "accept":
        bad = unknown_keys(args.keys, analysis.bibliography)
        if bad:
            _report(bad, args.quiet)
            return EXIT_PROBLEMS
        done = accept(root, analysis.bibliography, evidence.archives, args.keys)
        print(
            f"locked {len(done)} source(s) in sources.lock: {', '.join(done) or '-'}",
            file=sys.stderr,
        )
        return EXIT_OK
    width = max((len(s.key) for s in evidence.statuses), default=10)
    for status in evidence.statuses:
        detail = status.path or "no archived copy"
        if status.state in ("changed", "entry-changed"):
            detail += f"  {status.old_sha256[:12]} → {status.new_sha256[:12]}"
        elif status.new_sha256:
            detail += f"  sha256 {status.new_sha256[:12]}"
        if status.locked:
            detail += f"  locked {status.locked}"
        live = evidence.records.get(status.key, {}).get("live")
        if isinstance(live, dict) and live.get("state"):  # the last `check --live`
            detail += f"  live: {live['state']} ({live.get('checked', '')})"
        print(f"{status.key:<{width}}  {status.state:<13}  {detail}")
    quotes = evidence.checks
    found = sum(c.status == "found" for c in quotes)
    print(
        f"{len(evidence.statuses)} entries, {len(evidence.archives)} archived; "
        f"{found} of {len(quotes)} quotations verified",
        file=sys.stderr,
    )
    changed = [
        s for s in evidence.statuses if s.state in ("changed", "entry-changed", "missing", "new")
    ]
    if changed and args.strict:
        return EXIT_PROBLEMS
    return EXIT_OK


def _online(root: Path, args: argparse.Namespace, analysis: Analysis) -> int:
    """`sources fetch` and `sources check --live`: the only commands that go online."""
    from .live.commands import Options, check_live, fetch
    from .urls import web_url

    if args.action == "check" and not args.live:
        print(
            "error: 'dossier sources check' needs --live (the offline checks are 'dossier check')",
            file=sys.stderr,
        )
        return EXIT_USAGE
    if args.contact and not web_url(args.contact):
        print(f"error: --contact must be a public http(s) address: {args.contact}", file=sys.stderr)
        return EXIT_USAGE
    options = Options(
        tuple(args.keys),
        args.refresh,
        args.write_bib,
        args.allow_private,
        args.json,
        args.timeout,
        args.contact,
    )

    def say(message: str) -> None:
        if not args.quiet:
            print(message, file=sys.stderr, flush=True)

    def report(diags: Sequence[Diagnostic]) -> None:
        _report(diags, args.quiet)

    run = fetch if args.action == "fetch" else check_live
    return run(root, analysis, options, report, say)


if __name__ == "__main__":
    sys.exit(main())
