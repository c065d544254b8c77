"""Text parity with Pandoc on a real book: how many of the blocks Pandoc's HTML has
(paragraphs, headings, list items, table cells, code blocks) dossier's site has too,
with the same kind and the same text, in the same order.

    python -m bench.textparity PANDOC_HTML SITE_DIR [-v]

PANDOC_HTML is pandoc's HTML of the whole book (the chapters in dossier.toml's order;
a .gz is read as such), SITE_DIR the html/ folder dossier built from the same chapters.
Both sides are normalised alike: whitespace collapsed, Unicode NFC, each tool's own
furniture left out (section numbers, heading anchors, footnote calls and the notes
themselves, which Pandoc numbers through the book and dossier per page, and the
bibliography, which ../shared/real/check.sh compares entry by entry). Prints
"matched/total blocks (percent)", and with -v each Pandoc block dossier lacks.
"""

from __future__ import annotations

import argparse
import difflib
import gzip
import sys
import unicodedata
from pathlib import Path

import lxml.html

KINDS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "td", "th", "pre", "dt", "dd"}
# Elements either tool adds around the author's text, left out with their content.
FURNITURE = (
    "//*[contains(concat(' ', @class, ' '), ' secno ')]"
    " | //*[contains(concat(' ', @class, ' '), ' heading-anchor ')]"
    " | //*[contains(concat(' ', @class, ' '), ' footnote-ref ')]"
    " | //*[contains(concat(' ', @class, ' '), ' note-ref ')]"
    " | //*[contains(concat(' ', @class, ' '), ' footnotes ')]"
    " | //*[contains(concat(' ', @class, ' '), ' citation-notes ')]"
    " | //*[contains(concat(' ', @class, ' '), ' chapter-references ')]"
    " | //*[@id='refs'] | //annotation | //*[@id='title-block-header']"
)


def blocks(root: lxml.html.HtmlElement) -> list[tuple[str, str]]:
    for el in root.xpath(FURNITURE):
        el.drop_tree()
    out = []
    for el in root.iter():
        if isinstance(el.tag, str) and el.tag in KINDS:
            text = unicodedata.normalize("NFC", " ".join(el.text_content().split()))
            if text:
                out.append((el.tag, text))
    return out


def pandoc_blocks(path: Path) -> list[tuple[str, str]]:
    data = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    doc = lxml.html.fromstring(data)
    body = doc.find("body")
    return blocks(body if body is not None else doc)


def site_blocks(site: Path) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for page in sorted(site.glob("[0-9][0-9]-*.html")):
        doc = lxml.html.fromstring(page.read_bytes())
        for article in doc.xpath("//article"):
            found.extend(blocks(article))
    return found


def compare(theirs: list[tuple[str, str]], ours: list[tuple[str, str]]) -> list[int]:
    """Indexes of Pandoc's blocks that dossier's sequence holds (in order)."""
    matcher = difflib.SequenceMatcher(None, theirs, ours, autojunk=False)
    matched: list[int] = []
    for block in matcher.get_matching_blocks():
        matched.extend(range(block.a, block.a + block.size))
    return matched


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("pandoc_html", type=Path)
    parser.add_argument("site", type=Path)
    parser.add_argument("-v", action="store_true", help="list the blocks dossier lacks")
    args = parser.parse_args(argv)
    theirs, ours = pandoc_blocks(args.pandoc_html), site_blocks(args.site)
    matched = compare(theirs, ours)
    share = 100 * len(matched) / len(theirs) if theirs else 100.0
    print(f"{len(matched)}/{len(theirs)} blocks ({share:.1f} %)")
    if args.v:
        found = set(matched)
        for n, (kind, text) in enumerate(theirs):
            if n not in found:
                print(f"  {kind}: {text[:160]}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
