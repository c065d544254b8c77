"""Typographic measurements of a PDF, for the manual's before/after table.

    python bench/pdfstats.py FILE.pdf [FILE.pdf ...]

Reads poppler's `pdftotext -bbox-layout` (words and lines with their boxes) and the
link annotations (pikepdf). Body lines are the lines of the page's main font size
that fill at least 90 % of the widest line on their page (justified or not).
  chars/line   median characters of a full body line
  hyphen %     full body lines ending in a hyphen that breaks a word
  2-letter     broken words leaving 1 or 2 letters on either side of the break
  loose        full lines whose median word space is over 1.5 times the page's median
  stranded     table or figure captions in the lowest 12 % of a page's text
  links        link annotations; redundant: inside another with the same target"""

from __future__ import annotations

import itertools
import re
import statistics
import subprocess
import sys
import xml.etree.ElementTree as ET
from typing import Any

NS = "{http://www.w3.org/1999/xhtml}"
LETTER = r"[^\W\d_]|[\u0300-\u036f]"  # a letter, or an accent combining with one
CAPTION = re.compile(r"^(Table|Figure) \d+[:.]")


def lines_of(path: str) -> list[list[dict[str, Any]]]:
    out = subprocess.run(
        ["pdftotext", "-bbox-layout", path, "-"], capture_output=True, check=True, text=True
    ).stdout
    root = ET.fromstring(out)
    pages = []
    for page in root.iter(f"{NS}page"):
        lines = []
        for line in page.iter(f"{NS}line"):
            words = [
                (w.text or "", float(w.get("xMin", 0)), float(w.get("xMax", 0)))
                for w in line.iter(f"{NS}word")
            ]
            if not words:
                continue
            lines.append(
                {
                    "text": " ".join(w[0] for w in words),
                    "words": words,
                    "x0": float(line.get("xMin", 0)),
                    "x1": float(line.get("xMax", 0)),
                    "y0": float(line.get("yMin", 0)),
                    "y1": float(line.get("yMax", 0)),
                }
            )
        pages.append(lines)
    return pages


def _space(line: dict[str, Any]) -> float:
    """The line's median word space: stretched on every gap in a loose justified line."""
    words = line["words"]
    return statistics.median(b[1] - a[2] for a, b in itertools.pairwise(words))


def stats(path: str) -> dict[str, Any]:
    pages = lines_of(path)
    chars: list[int] = []
    full_total = hyphens = fragments = loose = stranded = 0
    for lines in pages:
        if not lines:
            continue
        heights = [round(line["y1"] - line["y0"], 1) for line in lines]
        body_height = statistics.mode(heights)
        body = [ln for ln, h in zip(lines, heights, strict=True) if h == body_height]
        widest = max(ln["x1"] - ln["x0"] for ln in body)
        full = [ln for ln in body if ln["x1"] - ln["x0"] >= 0.9 * widest]
        gaps = [_space(ln) for ln in full if len(ln["words"]) > 3]
        median_gap = statistics.median(gaps) if gaps else 0
        for n, line in enumerate(full):
            full_total += 1
            chars.append(len(line["text"]))
            if len(line["words"]) > 3 and median_gap and _space(line) > 1.5 * median_gap:
                loose += 1
            last = line["words"][-1][0]
            if re.search(rf"(?:{LETTER})[-\u2010\u00ad]$", last):
                hyphens += 1
                head = re.sub(rf"^.*?((?:{LETTER})*)$", r"\1", last[:-1])
                following = (
                    lines[lines.index(line) + 1]["words"][0][0] if line is not lines[-1] else ""
                )
                # the next line's first word, if it goes on the broken one (not a folio
                # or a note number at the page foot)
                tail = re.match(rf"(?:{LETTER})+", following)
                if len(head) <= 2 or (tail and len(tail.group(0)) <= 2):
                    fragments += 1
            del n
        top = min(ln["y0"] for ln in lines)
        bottom = max(ln["y1"] for ln in lines if ln["y1"] - ln["y0"] >= body_height * 0.8)
        for line in lines:
            if CAPTION.match(line["text"]) and line["y0"] > bottom - 0.12 * (bottom - top):
                stranded += 1
    links, redundant = _links(path)
    return {
        "pages": len(pages),
        "chars/line": statistics.median(chars) if chars else 0,
        "hyphen %": round(100 * hyphens / full_total, 1) if full_total else 0,
        "hyphens/page": round(hyphens / len(pages), 2),
        "2-letter": fragments,
        "loose": loose,
        "stranded": stranded,
        "links": links,
        "redundant": redundant,
    }


def _links(path: str) -> tuple[int, int]:
    import pikepdf

    total = redundant = 0
    with pikepdf.open(path) as pdf:
        for page in pdf.pages:
            rects = []
            for annot in page.get("/Annots", ()):
                if annot.get("/Subtype") != "/Link":
                    continue
                total += 1
                target = str(annot.get("/Dest", "")) or str(annot.get("/A", {}).get("/URI", ""))
                rects.append(([float(v) for v in annot.Rect], target))
            for i, (r, t) in enumerate(rects):
                if any(
                    j != i
                    and t == u
                    and s[0] <= r[0]
                    and s[1] <= r[1]
                    and s[2] >= r[2]
                    and s[3] >= r[3]
                    and (s != r or j < i)
                    for j, (s, u) in enumerate(rects)
                ):
                    redundant += 1
    return total, redundant


if __name__ == "__main__":
    for name in sys.argv[1:]:
        print(name, stats(name))
