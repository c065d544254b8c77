"""TeX math -> MathML for the site, and -> SVG for the PDF: the one adapter over
latex2mathml and ziamath.

The site shows MathML: browsers draw it natively (no script, works offline and from
file://), and screen readers read it. WeasyPrint has no MathML, so the PDF gets the
same MathML drawn as vector paths by ziamath (with its STIX Two Math font), lowered to
the text's baseline, with the TeX as its text alternative.

Untrusted TeX: latex2mathml copies `\\href` targets and `\\text{<b>}` into its output
as they are, so the MathML is rebuilt from an allow-list (sanitize.clean_mathml) before
anything else reads it, and the SVG is rebuilt from ziamath's output keeping only
drawing elements. Bad TeX is `None` here (the reader reports it at its line); a
formula past MAX_TEX characters is not converted at all.
"""

from __future__ import annotations

import functools
import html
import logging
import re
import xml.etree.ElementTree as ET

from .sanitize import clean_mathml

MAX_TEX = 4000  # characters in one formula: a long display equation is a few hundred
_SVG = "{http://www.w3.org/2000/svg}"
_SVG_TAGS = {"svg", "path", "g", "rect", "line"}
_SVG_ATTRS = {
    "width",
    "height",
    "viewBox",
    "d",
    "x",
    "y",
    "x1",
    "x2",
    "y1",
    "y2",
    "fill",
    "stroke",
    "stroke-width",
    "transform",
}


@functools.lru_cache(maxsize=4096)
def mathml(tex: str, display: bool) -> str | None:
    """The formula as sanitised MathML with its TeX as an annotation, or None when the
    TeX cannot be read."""
    clean = _presentation(tex, display)
    if clean is None:
        return None
    # as Pandoc writes it: the TeX kept as an annotation (copied with the formula, and
    # read by assistive technology that prefers it)
    opening, rest = clean.split(">", 1)
    body = rest.removesuffix("</math>")
    source = html.escape(tex.strip(), quote=False)
    return (
        f"{opening}><semantics>{body}"
        f'<annotation encoding="application/x-tex">{source}</annotation></semantics></math>'
    )


@functools.lru_cache(maxsize=4096)
def _presentation(tex: str, display: bool) -> str | None:
    """The formula as sanitised presentation MathML, or None."""
    if len(tex) > MAX_TEX:
        return None
    import latex2mathml.converter

    try:
        raw = latex2mathml.converter.convert(_known(tex), display="block" if display else "inline")
    except Exception:  # any failure of the converter is bad TeX to us
        return None
    if "<mi>&</mi>" in raw:  # an `&` outside a table (`\&` is `&#x00026;`): TeX refuses it
        return None
    # the sanitiser writes a no-break space (`\text{if }`) as the HTML entity `&nbsp;`,
    # which XML (the check below, ziamath) does not know: the number means the same
    clean = _OPERATOR.sub(r"<mi>\1</mi>", clean_mathml(raw)).replace("&nbsp;", "&#160;")
    # latex2mathml writes the relation \sim as the letter `~` (small, raised, unspaced)
    clean = clean.replace("<mi>~</mi>", "<mo>\u223c</mo>")
    return clean if _well_formed(clean) else None


# amsmath environments latex2mathml does not know: it reads them as one flat row with
# each `&` shown as a letter. The ones it knows that lay out the same stand in for them
# (the TeX annotation keeps what the author wrote). `align` is unnumbered, as in
# Pandoc: latex2mathml numbered each one's rows from (1), and dossier numbers
# equations itself (`{#eq-x}`).
_ENVIRONMENTS = (
    (
        re.compile(r"\\begin\{alignedat\}\{\d+\}|\\begin\{(?:aligned|align)\}"),
        r"\\begin{align*}",
    ),
    (re.compile(r"\\end\{(?:alignedat|aligned|align)\}"), r"\\end{align*}"),
    (re.compile(r"\\begin\{eqnarray\*?\}"), r"\\begin{array}{rcl}"),
    (re.compile(r"\\end\{eqnarray\*?\}"), r"\\end{array}"),
    (re.compile(r"\\begin\{(?:gathered|gather\*?)\}"), r"\\begin{array}{c}"),
    (re.compile(r"\\end\{(?:gathered|gather\*?)\}"), r"\\end{array}"),
)


# `\operatorname*{arg\,max}` (limits below, as ML books write it) is unknown to
# latex2mathml, which printed the `*` and an italic "arg max"; a space command inside
# any \operatorname made its letters italic. Given the name as letters and thin
# spaces, and `\limits` for the star, it writes one upright operator.
_OPERATORNAME = re.compile(r"\\operatorname(\*?)\{((?:[A-Za-z]|\\[,;: ]|\s)+)\}")


def _operatorname(found: re.Match[str]) -> str:
    name = re.sub(r"\\[,;: ]", "\u2009", found.group(2)).replace(" ", "").strip()
    return "\\operatorname{" + name + "}" + ("\\limits" if found.group(1) else "")


def _known(tex: str) -> str:
    for pattern, replacement in _ENVIRONMENTS:
        tex = pattern.sub(replacement, tex)
    return _OPERATORNAME.sub(_operatorname, tex)


# LaTeX's operator names that latex2mathml leaves as unknown commands (\sin and \log it
# knows): set upright like the ones it knows, as Pandoc's texmath does.
_OPERATOR = re.compile(
    r"<mi>\\(arg|deg|det|dim|gcd|hom|ker|lg|Pr|inf|sup|liminf|limsup|injlim|projlim)</mi>"
)


# latex2mathml is lenient: `\frac{a` gives a fraction of one part, `\foo` an identifier
# named `\foo`. Such output is bad TeX to the author, so it is checked here.
_ARITY = {
    "mfrac": 2,
    "mroot": 2,
    "msub": 2,
    "msup": 2,
    "munder": 2,
    "mover": 2,
    "msubsup": 3,
    "munderover": 3,
}


def _well_formed(markup: str) -> bool:
    try:
        root = ET.fromstring(markup)
    except ET.ParseError:
        return False
    if len(root) == 0:
        return False  # nothing left inside <math>
    for el in root.iter():
        if len(el) != _ARITY.get(el.tag, len(el)):
            return False
        if el.tag in ("mi", "mo") and (el.text or "").startswith("\\"):
            return False  # an unknown command, kept as its name
    return True


@functools.lru_cache(maxsize=4096)
def svg(tex: str, display: bool) -> tuple[str, float] | None:
    """The formula drawn as SVG, and how far below the baseline it reaches (in its px,
    for vertical-align), or None when it cannot be drawn."""
    markup = _presentation(tex, display)
    if markup is None:
        return None
    from ziamath.config import config
    from ziamath.zmath import Math

    # SVG 1.1: each glyph a path of its own, no <symbol>/<use> with ids that repeat
    # from one formula to the next (WeasyPrint: "anchor defined twice")
    config.svg2 = False
    logging.disable(logging.WARNING)  # ziamath logs to the root logger, on the terminal
    try:
        drawn = Math(_namespaced(markup), size=15).svg()
    except Exception:  # ziamath fails in many ways on unusual input
        return None
    finally:
        logging.disable(logging.NOTSET)
    return _rebuild(drawn)


def _namespaced(markup: str) -> str:
    return markup.replace("<math ", '<math xmlns="http://www.w3.org/1998/Math/MathML" ', 1)


def _rebuild(drawn: str) -> tuple[str, float] | None:
    """ziamath's SVG with drawing elements and their geometry only, and its depth below
    the baseline (y = 0 in its viewBox: top + height)."""
    try:
        root = ET.fromstring(drawn)
        _, top, _, height = (float(v) for v in root.attrib["viewBox"].split())
    except (ET.ParseError, KeyError, ValueError):
        return None
    for el in list(root.iter()):
        for child in list(el):
            if child.tag.removeprefix(_SVG) not in _SVG_TAGS:
                el.remove(child)
        for name in list(el.attrib):
            if name not in _SVG_ATTRS:
                del el.attrib[name]
        el.text = el.tail = None
    ET.register_namespace("", _SVG[1:-1])
    ET.register_namespace("xlink", "http://www.w3.org/1999/xlink")
    return ET.tostring(root, encoding="unicode"), top + height


def site_html(tex: str, display: bool) -> str:
    markup = mathml(tex, display)
    kind = "display" if display else "inline"
    if markup is None:
        return f'<code class="math-error">{html.escape(tex)}</code>'
    return f'<span class="math {kind}">{markup}</span>'


def print_html(tex: str, display: bool) -> str:
    drawn = svg(tex, display)
    kind = "display" if display else "inline"
    if drawn is None:
        return f'<code class="math-error">{html.escape(tex)}</code>'
    picture, below = drawn
    label = html.escape(tex, quote=True)
    shift = f' style="vertical-align: -{below:.2f}px"' if not display else ""
    return f'<span class="math {kind}" role="img" aria-label="{label}"{shift}>{picture}</span>'
