"""One font program per face in a PDF merged from parts.

Each part embeds its own subset of every face it uses, under the same name (the tag
comes from the face, not from the glyphs): a 350-page dossier in four parts carried
22 programs for 7 faces, four of them `HUHQIP+Noto-Sans`, each with other glyphs.
WeasyPrint subsets with the glyph ids kept (HarfBuzz's RETAIN_GIDS), so the subsets
of one face are the same font with different glyphs left empty: their union is the
glyphs of each, put side by side. Done with fontTools (a dependency of WeasyPrint) for
TrueType outlines; other programs are left as they are."""

from __future__ import annotations

import io
from collections import defaultdict
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pikepdf import Object, Pdf

_PROGRAM = "/FontFile2"


def shared_fonts(pdf: Pdf) -> int:
    """Joins the programs of each face; returns how many programs were dropped."""
    import pikepdf

    by_name: dict[str, list[Object]] = defaultdict(list)
    for descriptor in _descriptors(pdf):
        if _PROGRAM in descriptor:
            by_name[str(descriptor.FontName)].append(descriptor)
    dropped = 0
    for descriptors in by_name.values():
        programs = {d[_PROGRAM].objgen: d[_PROGRAM] for d in descriptors}
        if len(programs) < 2:
            continue
        data = _union([p.read_bytes() for p in programs.values()])
        if data is None:
            continue
        stream = pikepdf.Stream(pdf, data)
        stream.Length1 = len(data)
        for descriptor in descriptors:
            descriptor[_PROGRAM] = stream
        dropped += len(programs) - 1
    return dropped


def _descriptors(pdf: Pdf) -> list[Object]:
    import pikepdf

    none = pikepdf.Dictionary()
    seen: dict[tuple[int, int], Object] = {}
    for page in pdf.pages:
        for font in page.get("/Resources", none).get("/Font", none).values():
            for cid_font in font.get("/DescendantFonts", ()):
                descriptor = cid_font.get("/FontDescriptor")
                if descriptor is not None:
                    seen.setdefault(descriptor.objgen, descriptor)
    return list(seen.values())


def _union(programs: list[bytes]) -> bytes | None:
    """The glyphs of every subset in one program, or None when they are not TrueType
    subsets of one font with the same glyph ids."""
    from fontTools.ttLib import TTFont, TTLibError

    try:
        fonts = [TTFont(io.BytesIO(data)) for data in programs]
        if any("glyf" not in font for font in fonts):
            return None
        fonts.sort(key=lambda font: -len(font.getGlyphOrder()))
        base = fonts[0]
        order = base.getGlyphOrder()
        glyf, hmtx = base["glyf"], base["hmtx"]
        for other in fonts[1:]:
            other_order = other.getGlyphOrder()
            for gid, name in enumerate(other_order):
                glyph = other["glyf"][name]
                if glyph.numberOfContours == 0 or glyf[order[gid]].numberOfContours != 0:
                    continue
                if glyph.isComposite():
                    for component in glyph.components:
                        component.glyphName = order[other.getGlyphID(component.glyphName)]
                glyf[order[gid]] = glyph
                hmtx[order[gid]] = other["hmtx"][name]
        out = io.BytesIO()
        base.save(out)
        return out.getvalue()
    except (TTLibError, KeyError, IndexError, AssertionError, ValueError):
        return None
