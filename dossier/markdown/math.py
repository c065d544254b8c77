"""TeX math as Pandoc's `tex_math_dollars` reads it: `$x$` inline, `$$x$$` display
(on its own lines or inside a paragraph). The opening `$` must have a non-space right
after it and the closing one a non-space right before it and no digit right after it,
so "$20 and $30" stays text. Each formula is checked here, once, so that bad TeX is a
warning at its line and column (it is then shown as its TeX source); texmath makes the
MathML and the SVG.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from mdit_py_plugins.dollarmath import dollarmath_plugin

from .. import texmath
from ..diagnostics import Diagnostic, Location, warning
from .walk import find_in_lines

INLINE = ("math_inline", "math_inline_double")


_LABEL = re.compile(r"^\s*\{#(eq[-:][^\s{}]+)\}\s*$")


def equations(state: StateCore) -> None:
    """`$$ ... $$ {#eq-x}` (or `{#eq:x}`): a paragraph that holds only a display formula
    and an identifier is a numbered equation, referred to as `@eq-x` ("Equation 1")."""
    tokens = state.tokens
    for i, tok in enumerate(tokens):
        if tok.type != "paragraph_open" or i + 2 >= len(tokens):
            continue
        children = [c for c in tokens[i + 1].children or [] if c.type != "softbreak"]
        if len(children) != 2 or children[0].type != "math_inline_double":
            continue
        label = _LABEL.match(children[1].content) if children[1].type == "text" else None
        if label is None:
            continue
        tokens[i + 1].children = [children[0]]
        tok.type, tokens[i + 2].type = "equation_open", "equation_close"
        tok.attrs = {"id": label.group(1)}
        tok.meta = {**(tok.meta or {}), "id": label.group(1)}


def math_plugin(md: MarkdownIt) -> None:
    md.use(
        dollarmath_plugin,
        allow_labels=False,
        allow_space=False,
        allow_digits=False,
        allow_blank_lines=False,
        double_inline=True,
    )
    md.core.ruler.after("inline", "equations", equations)


def check_math(tokens: Sequence[Token], lines: Sequence[str], path: str) -> list[Diagnostic]:
    diags: list[Diagnostic] = []
    for block in tokens:
        if block.type == "math_block":
            found = [(block, True)]
        elif block.type == "inline" and block.children:
            found = [
                (t, t.type == "math_inline_double") for t in block.children if t.type in INLINE
            ]
        else:
            continue
        start = block.map[0] if block.map else 0
        for tok, display in found:
            if texmath.mathml(tok.content, display) is None:
                first = tok.content.strip().split("\n")[0]
                line, col = find_in_lines(lines, start, start + 200, [first])
                shown = " ".join(tok.content.split())
                shown = shown if len(shown) <= 60 else shown[:57] + "..."
                diags.append(
                    warning(
                        "md.math",
                        f"TeX math '{shown}' cannot be read; it is shown as written",
                        Location(path, line, col),
                        "check its braces and commands (dossier reads LaTeX math as "
                        "latex2mathml does)",
                    )
                )
    return diags
