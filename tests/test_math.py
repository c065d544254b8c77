"""TeX math: `$...$` and `$$...$$` as Pandoc reads them (tex_math_dollars), MathML in
the site, SVG in the PDF, bad TeX a warning at its place, hostile TeX inert."""

from __future__ import annotations

import lxml.html
import pytest

from dossier import texmath


def test_mathml_carries_the_tex_as_its_annotation() -> None:
    markup = texmath.mathml("E = mc^2", False)
    assert markup is not None
    assert markup.startswith('<math display="inline"><semantics><mrow><mi>E</mi>')
    assert markup.endswith(
        '<annotation encoding="application/x-tex">E = mc^2</annotation></semantics></math>'
    )


@pytest.mark.parametrize("tex", [r"\frac{a", r"\foo{x}", "x_", "", "{" * 5000])
def test_bad_tex_is_not_converted(tex: str) -> None:
    assert texmath.mathml(tex, False) is None
    assert texmath.svg(tex, False) is None
    assert texmath.site_html(tex, False).startswith('<code class="math-error">')


@pytest.mark.parametrize(
    "tex",
    [
        r"\href{javascript:alert(1)}{x}",
        r"\text{<script>alert(1)</script>} x",
        r"\text{<img src=x onerror=alert(1)>} y",
        r"\style{color:red}{x}",
    ],
)
def test_hostile_tex_stays_inert(tex: str) -> None:
    for fragment in (texmath.site_html(tex, False), texmath.print_html(tex, True)):
        doc = lxml.html.fromstring(f"<div>{fragment}</div>")
        for el in doc.iter():
            if isinstance(el.tag, str):
                assert el.tag not in ("script", "img", "a", "iframe"), fragment
                assert not [a for a in el.attrib if a.startswith("on") or a == "href"], fragment


@pytest.mark.parametrize(
    "tex",
    [
        r"\text{error rate}_u",
        r"f(x) = \begin{cases} x & \text{if } x > 0 \\ 0 & \text{otherwise} \end{cases}",
        r"\underbrace{a_1 + \dots + a_n}_{n \text{ terms}}",
    ],
)
def test_text_with_spaces_converts(tex: str) -> None:
    """The sanitiser wrote the no-break space of `\\text{if }` as `&nbsp;`, which the XML
    check refused: every such formula was reported as bad TeX (bench/mathconv.py)."""
    markup = texmath.mathml(tex, True)
    assert markup is not None and "&#160;" in markup and "&nbsp;" not in markup
    assert texmath.svg(tex, True) is not None


@pytest.mark.parametrize(
    ("tex", "rows"),
    [
        (r"\begin{aligned} t &= a \\ &\leq b \end{aligned}", 2),
        (r"\begin{alignedat}{2} a &= 1 & b &= 2 \end{alignedat}", 1),
        (r"\begin{gathered} t = a \\ b \end{gathered}", 2),
        (r"\begin{gather*} t = a \\ b \end{gather*}", 2),
        (r"\begin{align} a &= 1 \\ b &= 2 \end{align}", 2),
        (r"\begin{eqnarray} a &=& 1 \end{eqnarray}", 1),
    ],
)
def test_amsmath_environments_are_tables(tex: str, rows: int) -> None:
    """latex2mathml does not know these: it drew one row with each `&` as a letter."""
    markup = texmath.mathml(tex, True)
    assert markup is not None and markup.count("<mtr>") == rows, markup
    assert "<mi>&amp;</mi>" not in markup and "(1)" not in markup  # numbers: {#eq-x}
    assert texmath.svg(tex, True) is not None


@pytest.mark.parametrize(
    ("tex", "operator"),
    [
        (r"\operatorname*{arg\,max}_{\theta} f", "<munder><mo>arg\u2009max</mo>"),
        (r"\operatorname{arg\,min}_x f", "<msub><mo>arg\u2009min</mo>"),
        (r"\operatorname{softmax}(x)", "<mo>softmax</mo>"),
    ],
)
def test_operator_names_are_one_upright_operator(tex: str, operator: str) -> None:
    """latex2mathml printed the `*` of \\operatorname* and set a name holding `\\,` in
    italic letters, one by one."""
    markup = texmath.mathml(tex, True)
    assert markup is not None and operator in markup and "<mo>*</mo>" not in markup


def test_sim_is_a_relation_and_tilde_an_accent() -> None:
    markup = texmath.mathml(r"x \sim \tilde{y}", False) or ""
    assert "<mo>\u223c</mo>" in markup and '<mo stretchy="false">~</mo>' in markup


def test_a_stray_ampersand_is_bad_tex_and_an_escaped_one_is_not() -> None:
    assert texmath.mathml("a & b", False) is None
    assert "<mi>&amp;</mi>" in (texmath.mathml(r"a \& b", False) or "")


def test_the_pdf_gets_vector_math_lowered_to_the_baseline() -> None:
    fragment = texmath.print_html(r"\frac{a}{b}", False)
    assert fragment.startswith('<span class="math inline" role="img" aria-label="\\frac{a}{b}"')
    assert 'style="vertical-align: -' in fragment and "<path d=" in fragment
    assert "<symbol" not in fragment and " id=" not in fragment  # ids would repeat


def test_math_in_a_chapter(run_cli, make_project) -> None:
    chapter = (
        "# A\n\nEnergy $E = mc^2$ costs $20 and $30 [@smith2020].\n\n$$\\int_0^1 x\\,dx$$\n\n"
        "Bad $\\frac{a$ here.\n"
    )
    root = make_project({"chapters/01-a.md": chapter})
    code, err = run_cli(["build", "--html", "-q"], root)
    assert code == 0, err
    assert err.splitlines()[0] == (
        "chapters/01-a.md:7:6: warning: TeX math '\\frac{a' cannot be read; it is shown as "
        "written (check its braces and commands (dossier reads LaTeX math as latex2mathml "
        "does)) [md.math]"
    )
    page = (root / "build" / "html" / "01-a.html").read_text(encoding="utf-8")
    article = lxml.html.fromstring(page).xpath("//article")[0]
    assert len(article.xpath(".//math")) == 2
    assert "costs $20 and $30" in article.text_content()
    assert article.xpath(".//code[@class='math-error']")[0].text == "\\frac{a"


def test_labelled_equations_are_numbered_and_referred_to(run_cli, make_project) -> None:
    chapter = (
        "# A\n\n$$ E = mc^2 $$ {#eq-energy}\n\n$$\na^2 + b^2 = c^2\n$$ {#eq:pythagoras}\n\n"
        "See @eq-energy and @eq:pythagoras [@smith2020]. Bad @eq-enrgy.\n"
    )
    root = make_project({"chapters/01-a.md": chapter})
    code, err = run_cli(["build", "--html", "-q"], root)
    assert code == 1
    assert err.splitlines()[0] == (
        "chapters/01-a.md:9:53: error: unknown cross-reference target 'eq-enrgy' "
        "(did you mean 'eq-energy'?) [xref.unknown]"
    )
    (root / "chapters" / "01-a.md").write_text(chapter.replace(" Bad @eq-enrgy.", ""))
    code, err = run_cli(["build", "--html", "-q", "--strict"], root)
    assert code == 0, err
    page = (root / "build" / "html" / "01-a.html").read_text(encoding="utf-8")
    article = lxml.html.fromstring(page).xpath("//article")[0]
    numbers = article.xpath("//p[@class='equation']/span[@class='equation-number']/text()")
    assert [e.get("id") for e in article.xpath("//p[@class='equation']")] == [
        "eq-energy",
        "eq:pythagoras",
    ]
    assert numbers == ["(1)", "(2)"]
    assert [a.text for a in article.xpath("//a[contains(@class, 'xref-eq')]")] == [
        "Equation 1",
        "Equation 2",
    ]


def test_the_substitute_corpus_converts_as_pandoc_reads_it() -> None:
    """bench/mathcorpus.py's 1,000-odd formulas typical of ML books: every one gives
    MathML, with pandoc's symbols (bench/mathconv.py compares them with pandoc itself;
    here, the corrections it led to stay corrected)."""
    from bench.mathcorpus import corpus

    formulas = corpus()
    assert len({f.tex for f in formulas}) > 1000
    bad = [f.tex for f in formulas if texmath.mathml(f.tex, f.display) is None]
    assert bad == []
    untagged = [f for f in formulas if "\\tag" not in f.tex]  # \tag{1} is "(1)"
    shown = "".join(texmath.mathml(f.tex, f.display) or "" for f in untagged)
    for wrong in ("<mi>&amp;</mi>", "<mo>*</mo>", "<mi>~</mi>", "<mtext>(1)</mtext>"):
        assert wrong not in shown
