"""Extracting citations and bibliography entries from Pandoc-style HTML, for comparing
dossier's output with `pandoc --citeproc` (tests and bench share it)."""

from __future__ import annotations

import re
from html.parser import HTMLParser


class _Spans(HTMLParser):
    """Collects the inner HTML of every `<span class="citation">` and `csl-entry` div,
    normalised: bare <span> wrappers (Pandoc's protected case) and link targets dropped."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.citations: list[tuple[str, str]] = []
        self.entries: dict[str, str] = {}
        self._stack: list[tuple[str, bool]] = []  # (tag, emitted)
        self._capture: list[dict[str, object]] = []
        self.refs: list[tuple[str, str]] = []  # (cite's id, its note's id) per citation
        self._muted = 0  # inside a note marker (pandoc puts it inside the citation)

    def _emit(self, text: str) -> None:
        for cap in self._capture:
            parts = cap["parts"]
            assert isinstance(parts, list)
            parts.append(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        classes = (a.get("class") or "").split()
        if self._muted or (tag == "a" and "footnote-ref" in classes and self._capture):
            if not self._muted and self._capture:
                self._capture[-1]["note"] = (a.get("href") or "").lstrip("#")
            self._muted += 1
            return
        start = None
        if tag == "span" and "citation" in classes and "unresolved" not in classes:
            start = {
                "kind": "cite",
                "id": a.get("data-cites", ""),
                "parts": [],
                "depth": 0,
                "note": "note-" + (a.get("id") or "").removeprefix("cite-"),
            }
        elif tag == "div" and "csl-entry" in classes:
            start = {
                "kind": "entry",
                "id": (a.get("id") or "").removeprefix("ref-"),
                "parts": [],
                "depth": 0,
            }
        for cap in self._capture:
            cap["depth"] = int(str(cap["depth"])) + 1
        bare = tag == "span" and not attrs
        keep = not bare and tag not in ("a",) and start is None
        self._stack.append((tag, keep))
        if keep:
            kept = [f'{k}="{v}"' for k, v in attrs if k == "class"]
            self._emit(f"<{tag}{''.join(' ' + k for k in kept)}>")
        if start is not None:
            self._capture.append(start)

    def handle_endtag(self, tag: str) -> None:
        if self._muted:
            self._muted -= 1
            return
        if not self._stack:
            return
        _, keep = self._stack.pop()
        for cap in list(self._capture):
            if cap["depth"] == 0:
                self._capture.remove(cap)
                text = re.sub(r"\s+", " ", "".join(cap["parts"])).strip()  # type: ignore[arg-type]
                if cap["kind"] == "cite":
                    self.citations.append((str(cap["id"]), text))
                    self.refs.append((str(cap["id"]), str(cap["note"])))
                else:
                    self.entries[str(cap["id"])] = text
                return
        for cap in self._capture:
            cap["depth"] = int(str(cap["depth"])) - 1
        if keep:
            self._emit(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        if self._muted:
            return
        self._emit(data.replace("&", "&amp;").replace("<", "&lt;"))


def extract(html_text: str) -> tuple[list[tuple[str, str]], dict[str, str]]:
    # Our bibliography page appends back-links after the formatted entry.
    html_text = re.sub(
        r'<(p|details) class="backlinks".*?</\1>\s*(?=</div>)', "", html_text, flags=re.DOTALL
    )
    parser = _Spans()
    parser.feed(html_text)
    return parser.citations, parser.entries


# --- note styles: the text around each note marker and the notes themselves ----------

_PANDOC_REF = re.compile(r'<a href="#fn\d+" class="footnote-ref"[^>]*><sup>\d+</sup></a>')
_DOSSIER_REF = re.compile(
    r'<sup class="(?:note-ref|footnote-ref)"><a href="#(?:note-c\d+|fn\d+)"[^>]*>[^<]*</a></sup>'
    r'|<a href="#fn\d+" class="footnote-ref"[^>]*><sup>\d+</sup></a>'  # Pandoc's form
)
_TAG = re.compile(r"<[^>]+>")


def _plain(fragment: str) -> str:
    from html import unescape

    return re.sub(r"\s+", " ", unescape(_TAG.sub("", fragment))).strip()


def note_text(html_text: str, dialect: str) -> tuple[list[str], list[str]]:
    """(the text of each paragraph with every note marker as '^', the text of each note
    in the order of the list(s) that hold them) from pandoc's HTML (dialect "pandoc") or
    a dossier chapter page ("dossier")."""
    html_text = html_text.split('<article class="chapter"', 1)[-1]
    notes: list[str] = []
    for section in re.findall(r"<section[^>]*>(.*?)</section>", html_text, re.DOTALL):
        for body in re.findall(r"<li[^>]*>(.*?)</li>", section, re.DOTALL):
            body = re.sub(
                r'<a [^>]*class="(?:footnote-back|footnote-backref|back)"[^>]*>.*?</a>',
                "",
                body,
                flags=re.DOTALL,
            )
            notes.append(_plain(body))
    text = re.sub(r"<section.*?</section>", "", html_text, flags=re.DOTALL)
    marker = _PANDOC_REF if dialect == "pandoc" else _DOSSIER_REF
    blocks = re.findall(r"<(p|td|th|caption|figcaption)\b[^>]*>(.*?)</\1>", text, re.DOTALL)
    paragraphs = [_plain(marker.sub("^", p)) for _, p in blocks]
    return paragraphs, notes


_NOTE_ITEM = re.compile(r'<li id="([^"]+)"[^>]*>(.*?)</li>', re.DOTALL)
_BACK = re.compile(
    r'<a [^>]*class="(?:footnote-back|footnote-backref|back)"[^>]*>.*?</a>', re.DOTALL
)
_KEEP = re.compile(r"</?(?:em|i|strong|b)>")


def note_clusters(html_text: str) -> list[tuple[str, str, str]]:
    """(keys, the citation's text, the text of the note it became: '' when none) for
    every citation of pandoc's HTML or a dossier page, in document order. Notes keep
    only their emphasis; links and marker numbers are left out."""
    html_text = re.sub(
        r'<span class="backlinks".*?</span>\s*(?=</div>)', "", html_text, flags=re.DOTALL
    )
    parser = _Spans()
    parser.feed(html_text)
    notes = {}
    for ident, body in _NOTE_ITEM.findall(html_text):
        body = _BACK.sub("", body)
        kept = _KEEP.sub(lambda m: m.group(0).replace("<", "\0").replace(">", "\1"), body)
        text = _plain(kept).replace("\0", "<").replace("\1", ">")
        notes[ident] = text
    return [
        (keys, text, notes.get(note, ""))
        for (keys, text), (_, note) in zip(parser.citations, parser.refs, strict=True)
    ]
