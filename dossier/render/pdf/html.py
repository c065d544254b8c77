"""What the print document adds to the chapters' HTML: language marks on Arabic-script
runs, words that must not be hyphenated, the lists of figures and tables, the imprint.
Pure functions on text (the print HTML is dossier's own markup, escaped throughout)."""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence

from ... import __version__
from ...config import Config
from .dates import build_day, long_date

_ARABIC = "\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff"
_RTL_RUN = re.compile(f"[{_ARABIC}]+(?:[\\s\u200c]+[{_ARABIC}]+)*")
_PERSIAN_LETTERS = set("\u067e\u0686\u0698\u06af\u06a9\u06cc")  # پ چ ژ گ ک ی
_TAG = re.compile(r"(<[^>]*>)")
_STRIP = re.compile(r"<[^>]*>")


def _in_body_text(html_text: str, change: Callable[[str], str]) -> str:
    """`change` applied to the text between the body's tags (never inside a tag, nor
    inside inline SVG, where a span is no element)."""
    head, sep, body = html_text.partition("<body")
    if not sep:
        return html_text
    pieces = _TAG.split(body)
    svg = 0
    for i in range(1, len(pieces)):
        if i % 2:  # a tag
            tag = pieces[i][:5].lower()
            svg += 1 if tag.startswith("<svg") else -1 if tag == "</svg" else 0
        elif svg <= 0:  # pieces[0] is the rest of the <body> tag
            pieces[i] = change(pieces[i])
    return head + sep + "".join(pieces)


def mark_rtl_runs(html_text: str, language: str) -> str:
    """Runs of Arabic script as `<span lang dir="rtl">`: Persian when they hold letters
    Arabic does not use, else Arabic. The tagged PDF then says which language a
    screen reader speaks, and print.css sets them in their own face and leading. A run
    the chapter already marked is marked again inside, which changes nothing."""
    if language.split("-")[0].lower() in ("fa", "ar"):
        return html_text

    def span(m: re.Match[str]) -> str:
        lang = "fa" if _PERSIAN_LETTERS & set(m.group(0)) else "ar"
        return f'<span lang="{lang}" dir="rtl">{m.group(0)}</span>'

    return _in_body_text(html_text, lambda text: _RTL_RUN.sub(span, text))


_COMPOUND = re.compile(r"(?<![\w-])\w+(?:-\w+)+(?![\w-])")


def protect_words(html_text: str, words: Sequence[str]) -> str:
    """Each word of `[pdf] no_hyphenate` (and longer words starting with it, such as
    plurals, and words a hyphen joins to it), and each hyphenated compound with a part
    of one or two letters ("Co-operation", "1970-71"), in a span print.css never
    breaks: a line may break after any hyphen, whatever hyphenate-limit-chars says."""
    alternatives = "|".join(re.escape(html.escape(w, quote=False)) for w in words)
    # with what a hyphen joins to it: "Mujahedin-e-Khalq" is kept on one line whole
    names = re.compile(rf"(?<!\w)(?:{alternatives})\w*(?:[-\u2010]\w+)*", re.I) if words else None

    def keep(m: re.Match[str]) -> str:
        return f'<span class="nohyphen">{m.group(0)}</span>'

    def short_parts(m: re.Match[str]) -> str:
        whole = m.group(0)
        return keep(m) if min(len(part) for part in whole.split("-")) <= 2 else whole

    def change(text: str) -> str:
        text = names.sub(keep, text) if names is not None else text
        pieces = _TAG.split(text)  # the names' spans are tags now: leave them alone
        for i in range(0, len(pieces), 2):
            if i == 0 or pieces[i - 1] != '<span class="nohyphen">':
                pieces[i] = _COMPOUND.sub(short_parts, pieces[i])
        return "".join(pieces)

    return _in_body_text(html_text, change)


def imprint(config: Config, epoch: str) -> dict[str, str]:
    """The back of the title page: how to cite the dossier, its version and licence,
    when and with what it was made (SOURCE_DATE_EPOCH's day when set)."""
    year = config.date[:4] if re.match(r"\d{4}", config.date) else build_day(epoch)[:4]
    title = config.title + (f": {config.subtitle}" if config.subtitle else "")
    who = ", ".join(config.authors)
    version = config.pdf.version
    cite = " ".join(
        part
        for part in (
            f"{who}." if who else "",
            f"{year}.",
            f"{title.rstrip('.')}.",
            f"Version {version}." if version else "",
        )
        if part
    )
    return {
        "cite": cite,
        "version": version,
        "licence": config.pdf.licence,
        "made": long_date(build_day(epoch), config.language),
        "tool": f"dossier {__version__}",
    }
