"""HTML as the writers spell it: markdown-it's escaping and attribute order (which the
site was first written with, kept byte for byte), the title block, image sizes."""

from __future__ import annotations

import html
import re

from ..model import tree as t

_PERCENT = re.compile(r"(\d+(?:\.\d+)?)%")


def esc(text: str) -> str:
    """markdown-it's escaping of text and attribute values (`'` is left as it is)."""
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


def attrs_html(attrs: t.Attrs) -> str:
    return "".join(f' {esc(k)}="{esc(v)}"' for k, v in attrs)


def with_attr(attrs: t.Attrs, name: str, value: str) -> t.Attrs:
    """`attrs` with `name` set: in its place if it is there, else last."""
    if any(k == name for k, _ in attrs):
        return tuple((k, value if k == name else v) for k, v in attrs)
    return (*attrs, (name, value))


_ESCAPED = re.compile(r"\\([!\"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~])")


def unescape_info(text: str) -> str:
    """A fence's info string as CommonMark reads it: backslash escapes, then entities."""
    return html.unescape(_ESCAPED.sub(r"\1", text))


def image_size(attrs: t.Attrs, mode: str) -> t.Attrs:
    """An image's width, height and classes. HTML's `width` and `height` are whole
    pixels: `300px` is written 300, and on the site a percentage becomes one of the
    theme's width classes (`width-60`, by steps of 5), since the site lets no inline
    style apply. Print keeps what was written, which WeasyPrint reads."""
    kept = [(k, v) for k, v in attrs if k in ("width", "height", "class")]
    if mode == "print":
        return tuple(kept)
    out: list[tuple[str, str]] = []
    step = ""
    for name, value in kept:
        number = value.strip().removesuffix("px")
        if name == "class" or number.isdigit():
            out.append((name, value if name == "class" else number))
        elif name == "width" and (m := _PERCENT.fullmatch(value.strip())):
            step = f"width-{min(max(round(float(m.group(1)) / 5) * 5, 5), 100)}"
    if step:
        given = t.attr(tuple(out), "class")
        out = [*(kv for kv in out if kv[0] != "class"), ("class", f"{given} {step}".strip())]
    return tuple(out)


def title_block(block: t.TitleBlock) -> str:
    """Pandoc's html5 title block, less the title (the chapter's heading is above it).
    Metadata is text: escaped, never read as Markdown or HTML."""
    out = ['<header class="title-block">']
    if block.subtitle is not None:
        out.append(f'<p class="subtitle">{html.escape(block.subtitle)}</p>')
    out += [f'<p class="author">{html.escape(a)}</p>' for a in block.authors]
    if block.date is not None:
        out.append(f'<p class="date">{html.escape(block.date)}</p>')
    if block.abstract is not None:
        # one line is inline text in Pandoc (`abstract: x`); a `|` block is paragraphs
        paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", block.abstract)]
        if "\n" not in block.abstract:
            body = html.escape(paragraphs[0])
        else:
            body = "\n".join(f"<p>{html.escape(p)}</p>" for p in paragraphs if p)
        out += ['<div class="abstract">', '<div class="abstract-title">Abstract</div>', body]
        out.append("</div>")
    return "\n".join(out) + "\n</header>\n"
