"""How many formulas the TeX math converters convert, and how fast.

    .venv/bin/python -m bench.mathconv [-v]

Measured on bench/mathcorpus.py's substitute corpus (the pandoc fixtures' formulas and
about 1,000 generated ones typical of ML and statistics books; the real book the issue
names is not available here):

- latex2mathml, as dossier calls it for the site: raw (the converter does not raise)
  and accepted (dossier's pipeline: the MathML rebuilt from an allow-list and checked,
  so a formula latex2mathml only half reads is reported as bad TeX, not shown wrong);
- pandoc's texmath, the reference: the pandoc binary dossier ships, `--mathml`, on one
  document holding every formula (a formula it cannot read stays TeX in its output);
- ziamath, as dossier draws the PDF's formulas: SVG from the accepted MathML.

"Converted" says only that a converter gave MathML. Whether it is the right formula is
approximated by comparing the symbols with pandoc's: the text of every token element
(`mi`, `mn`, `mo`, `mtext`) in order, NFKC-normalised (so a bold x is an x), spaces
and invisible operators left out. A formula whose symbols differ is not necessarily
wrong (`\\tag`, `\\sim` drawn as `~`), but a wrong one shows up there. Glyphs
that draw alike are taken as the same (‖ and ∥, · and ⋅, a combining accent and its
spacing form).

Prints a Markdown table; with -v, each formula on which the converters disagree.
Timings are wall-clock on this machine, one run (formulas are all distinct, and
dossier's caches are cleared first).
"""

from __future__ import annotations

import argparse
import logging
import subprocess
import sys
import time
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import lxml.html

from bench.mathcorpus import Formula, corpus


@dataclass(frozen=True, slots=True)
class Measure:
    name: str
    ok: tuple[bool, ...]  # per formula
    seconds: float
    note: str = ""
    symbols: tuple[str, ...] = ()  # per formula, when the converter gives MathML

    def row(self) -> str:
        n = len(self.ok)
        good = sum(self.ok)
        per = 1000 * self.seconds / n
        return (
            f"| {self.name} | {good:,} / {n:,} ({100 * good / n:.1f}%) "
            f"| {self.seconds:.2f} s | {per:.2f} ms | {self.note} |"
        )


def timed(name: str, formulas: Sequence[Formula], convert: Callable[[Formula], bool]) -> Measure:
    start = time.perf_counter()
    ok = tuple(convert(f) for f in formulas)
    return Measure(name, ok, time.perf_counter() - start)


_TOKENS = ("mi", "mn", "mo", "mtext", "ms")
_SAME = str.maketrans(
    {
        "\u2212": "-",
        "\u2217": "*",
        "\u2061": None,
        "\u2062": None,
        "\u2063": None,
        "\u2064": None,
        "\u00a0": None,
        "\u2009": None,
        " ": None,
        # glyphs that draw alike: double bar, dot operator, accents over a letter
        "\u2225": "\u2016",
        "\u22c5": "\u00b7",
        "^": "\u0302",
        "~": "\u0303",
        "\u02c7": "\u030c",
        "\u0305": "\u0304",
        "\u2015": "\u0304",
    }
)


def symbols(math: lxml.html.HtmlElement) -> str:
    """The formula's symbols in order, for comparing two converters' MathML."""
    found = []
    for el in math.iter(*_TOKENS):
        if not el.xpath("ancestor::annotation"):
            found.append(el.text_content())
    same = unicodedata.normalize("NFKC", "".join(found)).translate(_SAME)
    return unicodedata.normalize("NFC", same)  # accents mapped above, composed again


def dossier_symbols(formulas: Sequence[Formula]) -> tuple[str, ...]:
    from dossier import texmath

    out = []
    for f in formulas:
        markup = texmath.mathml(f.tex, f.display)
        out.append(symbols(lxml.html.fromstring(markup)) if markup else "")
    return tuple(out)


def latex2mathml_raw(f: Formula) -> bool:
    import latex2mathml.converter

    try:
        latex2mathml.converter.convert(f.tex, display="block" if f.display else "inline")
    except Exception:  # what dossier treats as bad TeX
        return False
    return True


def dossier_mathml(f: Formula) -> bool:
    from dossier import texmath

    return texmath.mathml(f.tex, f.display) is not None


def ziamath_svg(f: Formula) -> bool:
    from dossier import texmath

    return texmath.svg(f.tex, f.display) is not None


def pandoc_texmath(formulas: Sequence[Formula]) -> Measure:
    """One pandoc run over a document of every formula, each in its own paragraph; the
    time includes starting pandoc once (measured apart, and noted)."""
    from dossier.cite.engine import pandoc_path

    def document(items: Sequence[Formula]) -> str:
        return "\n\n".join(
            f"F{n}: " + (f"$${f.tex}$$" if f.display else f"${f.tex.strip()}$")
            for n, f in enumerate(items)
        )

    def run(text: str) -> tuple[str, float]:
        start = time.perf_counter()
        done = subprocess.run(
            [pandoc_path(), "-f", "markdown", "-t", "html5", "--mathml"],
            input=text,
            capture_output=True,
            text=True,
            check=True,
        )
        return done.stdout, time.perf_counter() - start

    _, startup = run("F0: x\n")
    html, seconds = run(document(formulas))
    paragraphs = lxml.html.fromstring(f"<div>{html}</div>").xpath("./p")
    ok = tuple(bool(p.xpath(".//math")) for p in paragraphs)
    found = tuple(symbols(m[0]) if (m := p.xpath(".//math")) else "" for p in paragraphs)
    if len(ok) != len(formulas):
        raise SystemExit(f"pandoc made {len(ok)} paragraphs of {len(formulas)} formulas")
    return Measure(
        "pandoc texmath (`--mathml`, reference)",
        ok,
        seconds,
        f"one run; {startup:.2f} s of it is starting pandoc",
        found,
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-v", "--verbose", action="store_true", help="list the differences")
    args = parser.parse_args(argv)
    logging.disable(logging.WARNING)
    from dossier import texmath

    for cached in (texmath.mathml, texmath._presentation, texmath.svg):
        cached.cache_clear()
    formulas = corpus()
    fixtures = sum(f.origin.startswith("fixture") for f in formulas)
    raw = timed("latex2mathml, raw", formulas, latex2mathml_raw)
    accepted = timed("latex2mathml, accepted by dossier (site)", formulas, dossier_mathml)
    # the MathML is cached now: this times ziamath (and the SVG rebuild) alone
    drawn = timed("ziamath SVG from that MathML (PDF)", formulas, ziamath_svg)
    reference = pandoc_texmath(formulas)
    print(
        f"Corpus: {len(formulas):,} formulas ({fixtures} from tests/fixtures/pandoc, "
        f"{len(formulas) - fixtures:,} generated by bench/mathcorpus.py), "
        f"{sum(f.display for f in formulas):,} of them display.\n"
    )
    print("| converter | converted | time | per formula | note |")
    print("|---|---|---|---|---|")
    for measure in (raw, accepted, drawn, reference):
        print(measure.row())
    mine = dossier_symbols(formulas)
    pairs = list(zip(accepted.ok, reference.ok, strict=True))
    both = [i for i, (a, b) in enumerate(pairs) if a and b]
    same = [i for i in both if mine[i] == reference.symbols[i]]
    print(
        f"\nConverted by both: {len(both):,}; by pandoc only: "
        f"{sum(b and not a for a, b in pairs):,}; by dossier only: "
        f"{sum(a and not b for a, b in pairs):,}. Of those both convert, "
        f"{len(same):,} have the same symbols in the same order "
        f"({100 * len(same) / max(len(both), 1):.1f}%)."
    )
    if args.verbose:
        for i, f in enumerate(formulas):
            a, b, d = accepted.ok[i], reference.ok[i], drawn.ok[i]
            if a != b or a != d or (i in both and i not in same):
                print(
                    f"[{f.origin}] dossier={a:d} pandoc={b:d} svg={d:d}: {f.tex.strip()}\n"
                    f"    dossier {mine[i]!r}\n    pandoc  {reference.symbols[i]!r}"
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
