"""A substitute corpus of TeX formulas for bench/mathconv.py.

The issue asks for the math converters to be measured on the 964 formulas of a real
machine-learning book, which is not available here. This corpus stands in for it,
and says so: the formulas of the pandoc fixtures (tests/fixtures/pandoc/*.md, read with
dossier's own reader), and about 1,000 formulas generated from templates of what ML and
statistics books write: sums and products, fractions, norms, expectations, matrices,
`\\mathbb`, `\\mathcal`, `\\operatorname`, `aligned`, `gathered` and `cases` environments, Greek
letters, accents, and the commands such books take from amsmath (`\\dfrac`, `\\binom`,
`\\underbrace`, `\\operatorname*`, `\\tag`, `\\boldsymbol`). Generation is seeded, so
every run measures the same formulas.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "pandoc"
SEED = 16
PER_TEMPLATE = 24  # 44 templates: 1,056 formulas (a few have fewer variants)

GREEK = [
    r"\alpha",
    r"\beta",
    r"\gamma",
    r"\delta",
    r"\epsilon",
    r"\varepsilon",
    r"\eta",
    r"\theta",
    r"\lambda",
    r"\mu",
    r"\nu",
    r"\xi",
    r"\pi",
    r"\rho",
    r"\sigma",
    r"\tau",
    r"\phi",
    r"\varphi",
    r"\psi",
    r"\omega",
]
UPPER_GREEK = [r"\Gamma", r"\Delta", r"\Theta", r"\Lambda", r"\Sigma", r"\Phi", r"\Psi", r"\Omega"]
LATIN = list("abcdfghkmnpqrstuvwxyz")
ACCENTS = [r"\hat", r"\bar", r"\tilde", r"\vec", r"\dot", r"\ddot", r"\check", r"\breve"]
BLACKBOARD = [
    r"\mathbb{R}",
    r"\mathbb{E}",
    r"\mathbb{P}",
    r"\mathbb{N}",
    r"\mathbb{Z}",
    r"\mathbb{C}",
]
CALLIGRAPHIC = [
    r"\mathcal{L}",
    r"\mathcal{D}",
    r"\mathcal{N}",
    r"\mathcal{X}",
    r"\mathcal{H}",
    r"\mathcal{O}",
]
OPERATORS = [
    r"\log",
    r"\exp",
    r"\sin",
    r"\cos",
    r"\tanh",
    r"\det",
    r"\max",
    r"\min",
    r"\sup",
    r"\inf",
]
NAMED = ["softmax", "ReLU", "KL", "tr", "diag", "rank", "sign", "Var", "Cov"]
RELATIONS = [
    r"=",
    r"\leq",
    r"\geq",
    r"\approx",
    r"\propto",
    r"\sim",
    r"\neq",
    r"\equiv",
    r"\to",
    r"\in",
    r"\subseteq",
]
BINARY = [r"+", r"-", r"\cdot", r"\times", r"\odot", r"\otimes", r"\circ"]


@dataclass(frozen=True, slots=True)
class Formula:
    tex: str
    display: bool
    origin: str  # "fixture NAME" or "generated TEMPLATE"


def fixture_formulas() -> list[Formula]:
    """Every formula of the pandoc fixtures, as dossier's reader finds it."""
    from dossier.markdown import make_parser, parse_chapter

    md = make_parser()
    out = []
    for path in sorted(FIXTURES.glob("*.md")):
        chapter = parse_chapter(md, path.read_text(encoding="utf-8"), path.name)
        for tok in chapter.tokens:
            if tok.type == "math_block":
                out.append(Formula(tok.content, True, f"fixture {path.stem}"))
            for child in tok.children or ():
                if child.type in ("math_inline", "math_inline_double"):
                    display = child.type == "math_inline_double"
                    out.append(Formula(child.content, display, f"fixture {path.stem}"))
    return out


def generated_formulas() -> list[Formula]:
    rng = random.Random(SEED)
    out = []
    for name, template in TEMPLATES.items():
        seen: set[str] = set()
        for _ in range(PER_TEMPLATE * 4):
            tex, display = template(rng)
            if tex not in seen:
                seen.add(tex)
                out.append(Formula(tex, display, f"generated {name}"))
            if len(seen) == PER_TEMPLATE:
                break
    return out


def corpus() -> list[Formula]:
    return fixture_formulas() + generated_formulas()


# --- templates: one shape each, with its symbols drawn at random ------------------------


def _v(rng: random.Random) -> str:
    return rng.choice(LATIN)


def _g(rng: random.Random) -> str:
    return rng.choice(GREEK)


def _sym(rng: random.Random) -> str:
    return rng.choice(LATIN + GREEK)


def _idx(rng: random.Random) -> str:
    return rng.choice("ijkln")


Template = Callable[[random.Random], tuple[str, bool]]


def _sum(r: random.Random) -> tuple[str, bool]:
    i, v = _idx(r), _v(r)
    return rf"\sum_{{{i}=1}}^{{{r.choice('nNmK')}}} {v}_{{{i}}}^{{{r.randint(2, 4)}}}", False


def _prod(r: random.Random) -> tuple[str, bool]:
    i = _idx(r)
    return rf"p(\mathbf{{{_v(r)}}}) = \prod_{{{i}=1}}^{{n}} p({_v(r)}_{i} \mid {_g(r)})", True


def _frac(r: random.Random) -> tuple[str, bool]:
    a, b = _sym(r), _sym(r)
    return rf"\frac{{{a} + {r.randint(1, 9)}}}{{{b}^{{{r.randint(2, 3)}}} - 1}}", r.random() < 0.5


def _dfrac(r: random.Random) -> tuple[str, bool]:
    return rf"\dfrac{{\partial {_v(r)}}}{{\partial {_g(r)}}} = {_v(r)}", True


def _tfrac(r: random.Random) -> tuple[str, bool]:
    return rf"\tfrac{{1}}{{{r.randint(2, 9)}}} {_sym(r)}^2", False


def _sqrt(r: random.Random) -> tuple[str, bool]:
    return rf"\sqrt{{{_v(r)}^2 + {_v(r)}^2}} \leq \sqrt[{r.randint(3, 5)}]{{{_g(r)}}}", False


def _norm(r: random.Random) -> tuple[str, bool]:
    p = r.choice(["1", "2", "\\infty", "F"])
    return rf"\| \mathbf{{{_v(r)}}} - \mathbf{{{_v(r)}}} \|_{{{p}}}^{{2}}", False


def _lvert(r: random.Random) -> tuple[str, bool]:
    return rf"\left\lVert {_v(r)} \right\rVert_2 \leq {_g(r)} \lvert {_v(r)} \rvert", False


def _expect(r: random.Random) -> tuple[str, bool]:
    v = _v(r)
    return rf"\mathbb{{E}}_{{{v} \sim p_{{{_g(r)}}}}} \left[ \log q({v}) \right]", True


def _bb(r: random.Random) -> tuple[str, bool]:
    d = r.choice("dnmkp")
    return (
        rf"\mathbf{{{_v(r)}}} \in {r.choice(BLACKBOARD)}^{{{d} \times {r.choice('dnmk')}}}",
        False,
    )


def _cal(r: random.Random) -> tuple[str, bool]:
    return rf"{r.choice(CALLIGRAPHIC)}({_g(r)}) = -\log p({_v(r)} \mid {_g(r)})", False


def _operatorname(r: random.Random) -> tuple[str, bool]:
    return rf"\operatorname{{{r.choice(NAMED)}}}(\mathbf{{{_v(r)}}})_{_idx(r)}", False


def _argmax(r: random.Random) -> tuple[str, bool]:
    g = _g(r)
    op = r.choice([r"\arg\max", r"\arg\min", r"\operatorname*{arg\,max}"])
    return rf"\hat{{{g}}} = {op}_{{{g}}} \; {r.choice(CALLIGRAPHIC)}({g})", True


def _softmax(r: random.Random) -> tuple[str, bool]:
    i, j, k = _idx(r), "j", r.choice("KCMN")
    z = _v(r)
    return (
        rf"\sigma({z})_{i} = \frac{{e^{{{z}_{i}}}}}{{\sum_{{{j}=1}}^{{{k}}} e^{{{z}_{j}}}}}",
        True,
    )


def _gauss(r: random.Random) -> tuple[str, bool]:
    x, mu = _v(r), r.choice([r"\mu", r"\mu_0", r"\bar{x}", "m"])
    return (
        rf"\mathcal{{N}}({x} \mid {mu}, \sigma^2) = \frac{{1}}{{\sqrt{{2\pi\sigma^2}}}}"
        rf" \exp\left( -\frac{{({x} - {mu})^2}}{{2\sigma^2}} \right)",
        True,
    )


def _pmatrix(r: random.Random) -> tuple[str, bool]:
    env = r.choice(["pmatrix", "bmatrix", "vmatrix", "matrix", "Bmatrix"])
    a, b, c, d = (_sym(r) for _ in range(4))
    return rf"\begin{{{env}}} {a} & {b} \\ {c} & {d} \end{{{env}}}", True


def _bigmatrix(r: random.Random) -> tuple[str, bool]:
    v, n = _v(r), r.choice("ndk")
    return (
        rf"\mathbf{{{v.upper()}}} = \begin{{bmatrix}} {v}_{{11}} & \cdots & {v}_{{1{n}}} \\"
        rf" \vdots & \ddots & \vdots \\ {v}_{{m1}} & \cdots & {v}_{{m{n}}} \end{{bmatrix}}",
        True,
    )


def _aligned(r: random.Random) -> tuple[str, bool]:
    a, b = _v(r), _g(r)
    return (
        rf"\begin{{aligned}} {a} &= {b}^2 + {r.randint(1, 9)} \\"
        rf" &\leq {b}^2 + {r.randint(10, 20)} \end{{aligned}}",
        True,
    )


def _align(r: random.Random) -> tuple[str, bool]:
    a = _v(r)
    return rf"\begin{{align}} {a} &= {_g(r)} + 1 \\ {_v(r)} &= 2{a} \end{{align}}", True


def _gathered(r: random.Random) -> tuple[str, bool]:
    a, b = _v(r), _g(r)
    return rf"\begin{{gathered}} {a} = {b} + 1 \\ {b} \geq {r.randint(0, 9)} \end{{gathered}}", True


def _alignedat(r: random.Random) -> tuple[str, bool]:
    a, b = _v(r), _v(r)
    return rf"\begin{{alignedat}}{{2}} {a} &= 1 &\quad {b} &= {_g(r)} \end{{alignedat}}", True


def _cases(r: random.Random) -> tuple[str, bool]:
    x = _v(r)
    other = r.choice(["0", r"\alpha x", "e^x - 1"])
    return (
        rf"f({x}) = \begin{{cases}} {x} & \text{{if }} {x} > 0 \\"
        rf" {other} & \text{{otherwise}} \end{{cases}}",
        True,
    )


def _greek(r: random.Random) -> tuple[str, bool]:
    return f"{_g(r)} {r.choice(BINARY)} {r.choice(UPPER_GREEK)}_{{{_g(r)}}}", False


def _accent(r: random.Random) -> tuple[str, bool]:
    return (
        rf"{r.choice(ACCENTS)}{{{_sym(r)}}} {r.choice(RELATIONS)} {r.choice(ACCENTS)}{{{_v(r)}}}",
        False,
    )


def _widehat(r: random.Random) -> tuple[str, bool]:
    return rf"\widehat{{{_v(r)}{_v(r)}}} + \overline{{{_v(r)} + {_v(r)}}}", False


def _integral(r: random.Random) -> tuple[str, bool]:
    x = _v(r)
    lo, hi = r.choice([("0", "1"), ("-\\infty", "\\infty"), ("a", "b")])
    return rf"\int_{{{lo}}}^{{{hi}}} f({x}) \, \mathrm{{d}}{x}", r.random() < 0.5


def _partial(r: random.Random) -> tuple[str, bool]:
    return (
        rf"\nabla_{{{_g(r)}}} {r.choice(CALLIGRAPHIC)} = \frac{{\partial \mathcal{{L}}}}{{\partial {_g(r)}}}",  # noqa: E501
        True,
    )


def _limit(r: random.Random) -> tuple[str, bool]:
    n, a = r.choice("nNtk"), _v(r)
    return (
        rf"\lim_{{{n} \to \infty}} \left( 1 + \frac{{{a}}}{{{n}}} \right)^{{{n}}} = e^{{{a}}}",
        True,
    )


def _binom(r: random.Random) -> tuple[str, bool]:
    n, k = r.choice("nNm"), r.choice("kjr")
    return rf"\binom{{{n}}}{{{k}}} {_g(r)}^{{{k}}} (1 - {_g(r)})^{{{n} - {k}}}", False


def _choose(r: random.Random) -> tuple[str, bool]:
    n, k = _v(r), _v(r)
    return rf"{{{n} \choose {k}}} = \frac{{{n}!}}{{{k}!({n} - {k})!}}", False


def _text(r: random.Random) -> tuple[str, bool]:
    word = r.choice(["accuracy", "loss", "recall", "precision", "error rate"])
    v = _v(r)
    return (
        rf"\text{{{word}}}_{v} = \frac{{\text{{TP}}_{v}}}{{\text{{TP}}_{v} + \text{{FP}}_{v}}}",
        True,
    )


def _transpose(r: random.Random) -> tuple[str, bool]:
    v = _v(r)
    t = r.choice([r"^\top", r"^T", r"^{\intercal}", r"^{\mathsf{T}}"])
    return rf"\mathbf{{{v}}}{t} \mathbf{{W}} \mathbf{{{v}}} + \mathbf{{b}}", False


def _boldsymbol(r: random.Random) -> tuple[str, bool]:
    m = r.choice(LATIN).upper()
    return (
        rf"\boldsymbol{{{_g(r)}}} = (\boldsymbol{{{m}}}^\top \boldsymbol{{{m}}})^{{-1}} \boldsymbol{{{m}}}^\top y",  # noqa: E501
        True,
    )


def _mathrm(r: random.Random) -> tuple[str, bool]:
    name, g = r.choice(["KL", "TV", "JS"]), _g(r)
    return rf"\mathrm{{{name}}}(p_{{{g}}} \,\|\, q_{{{g}}})", False


def _underbrace(r: random.Random) -> tuple[str, bool]:
    return rf"\underbrace{{{_v(r)}_1 + \dots + {_v(r)}_n}}_{{n \text{{ terms}}}}", True


def _overbrace(r: random.Random) -> tuple[str, bool]:
    return rf"\overbrace{{{_v(r)} + {_v(r)}}}^{{{r.randint(2, 9)}}}", True


def _tag(r: random.Random) -> tuple[str, bool]:
    return rf"{_v(r)} = {_g(r)} {r.choice(BINARY)} {_v(r)} \tag{{{r.randint(1, 30)}}}", True


def _leftright(r: random.Random) -> tuple[str, bool]:
    return rf"\left\{{ {_v(r)} \in \mathbb{{R}} : {_v(r)} > {_g(r)} \right\}}", False


def _probability(r: random.Random) -> tuple[str, bool]:
    a, b = r.choice(LATIN).upper(), r.choice(LATIN).upper()
    return rf"P({a} \mid {b}) = \frac{{P({b} \mid {a}) P({a})}}{{P({b})}}", True


def _variance(r: random.Random) -> tuple[str, bool]:
    x = r.choice(LATIN).upper()
    return (
        rf"\operatorname{{Var}}[{x}] = \mathbb{{E}}[{x}^2] - \mathbb{{E}}[{x}]^2",
        r.random() < 0.5,
    )


def _sim(r: random.Random) -> tuple[str, bool]:
    return rf"{_v(r)}_{_idx(r)} \overset{{\text{{iid}}}}{{\sim}} \mathcal{{N}}(0, \sigma^2)", False


def _displaystyle(r: random.Random) -> tuple[str, bool]:
    return (
        rf"\displaystyle \sum_{{{_idx(r)}}} \frac{{1}}{{{_idx(r)}^2}} = \frac{{\pi^2}}{{6}}",
        False,
    )


def _spacing(r: random.Random) -> tuple[str, bool]:
    return rf"{_v(r)} \quad {_v(r)} \qquad {_v(r)} \, {_v(r)} \; {_v(r)} \! {_v(r)}", False


def _ldots(r: random.Random) -> tuple[str, bool]:
    v = _v(r)
    return rf"{v}_1, {v}_2, \ldots, {v}_{{{r.choice('nmK')}}}", False


TEMPLATES: dict[str, Template] = {
    f.__name__.lstrip("_"): f
    for f in (
        _sum,
        _prod,
        _frac,
        _dfrac,
        _tfrac,
        _sqrt,
        _norm,
        _lvert,
        _expect,
        _bb,
        _cal,
        _operatorname,
        _argmax,
        _softmax,
        _gauss,
        _pmatrix,
        _bigmatrix,
        _aligned,
        _align,
        _gathered,
        _alignedat,
        _cases,
        _greek,
        _accent,
        _widehat,
        _integral,
        _partial,
        _limit,
        _binom,
        _choose,
        _text,
        _transpose,
        _boldsymbol,
        _mathrm,
        _underbrace,
        _overbrace,
        _tag,
        _leftright,
        _probability,
        _variance,
        _sim,
        _displaystyle,
        _spacing,
        _ldots,
    )
}
