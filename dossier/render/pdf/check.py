"""Machine checks of a PDF against PDF/UA-1 and PDF/A (pikepdf), for the tests and
`bench`: the Matterhorn-protocol items that need no human judgement, and PDF/A's
metadata, output intent, encryption and font rules. Not a validator (veraPDF is
one): a net under what dossier itself decides. Each problem is one line of text."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pikepdf import Object, Page, Pdf

_SHOW = {"Tj", "TJ", "'", '"', "Do", "sh", "BI"}


def check_ua(pdf: Pdf) -> list[str]:
    """Tagged, one tree, content tagged or artifact, figures with Alt, tables with TH
    and scopes, Lang, DisplayDocTitle, pdfuaid, fonts, link /Contents."""
    import pikepdf

    problems: list[str] = []
    root = pdf.Root
    if not _at(root, "/MarkInfo", "/Marked"):
        problems.append("not marked as tagged (MarkInfo /Marked)")
    tree = root.get("/StructTreeRoot")
    if tree is None:
        return [*problems, "no StructTreeRoot"]
    top = tree.get("/K")
    kids = [top] if isinstance(top, pikepdf.Dictionary) else list(top or [])
    if len(kids) != 1 or kids[0].get("/S") != "/Document":
        problems.append(f"the tree has {len(kids)} roots, not one Document")
    if not str(root.get("/Lang", "")):
        problems.append("no /Lang in the catalog")
    if not _at(root, "/ViewerPreferences", "/DisplayDocTitle"):
        problems.append("DisplayDocTitle is not set")
    with pdf.open_metadata() as meta:
        if meta.get("pdfuaid:part") != "1":
            problems.append("no pdfuaid:part=1 in the XMP metadata")
        if not meta.get("dc:title"):
            problems.append("no dc:title in the XMP metadata")
    counts: Counter[str] = Counter()
    for element in _elements(tree):
        kind = str(element.get("/S", ""))
        counts[kind] += 1
        if kind == "/Figure" and not str(element.get("/Alt", "")).strip():
            problems.append("a Figure without /Alt")
        if kind == "/Table":
            cells = [str(e.get("/S")) for e in _elements(element)]
            if "/TH" not in cells:
                problems.append("a Table without TH")
        if kind == "/TH":
            attributes = element.get("/A")
            if not isinstance(attributes, pikepdf.Dictionary) or "/Scope" not in attributes:
                problems.append("a TH without Scope")
    parents = _parent_tree(tree)
    reachable = {e.objgen for e in _elements(tree)}
    pages = {page.obj.objgen for page in pdf.pages}
    if any("/Pg" in e and e.Pg.objgen not in pages for e in _elements(tree)):
        problems.append("structure elements on pages that are not the document's")
    for number, page in enumerate(pdf.pages, 1):
        problems += [f"page {number}: {p}" for p in _page_content(page, parents, reachable)]
        for annot in page.get("/Annots", ()):
            if annot.get("/Subtype") == "/Link":
                words = str(annot.get("/Contents", ""))
                if not words or words.startswith("#") or " " not in words:
                    problems.append(f"page {number}: a link's /Contents is {words!r}")
                owner = parents.get(int(annot.get("/StructParent", -1)))
                if owner is None or owner.objgen not in reachable:
                    problems.append(f"page {number}: a link outside the structure tree")
    problems += check_fonts(pdf)
    return list(dict.fromkeys(problems))


def _at(node: Object | None, *keys: str) -> Object | None:
    """`node[key][key]...`, or None where an (optional) entry is missing."""
    for key in keys:
        node = node.get(key) if node is not None else None
    return node


def _elements(node: Object) -> Iterator[Object]:
    """Every structure element below node, depth first."""
    import pikepdf

    kids = node.get("/K")
    if kids is None:
        return
    for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
        is_element = isinstance(kid, pikepdf.Dictionary) and "/S" in kid
        if is_element and kid.get("/Type") in (None, "/StructElem"):
            yield kid
            yield from _elements(kid)


def _owned(owners: Object | None, mcid: int, reachable: set[tuple[int, int]]) -> bool:
    return owners is not None and mcid < len(owners) and owners[mcid].objgen in reachable


def _parent_tree(tree: Object) -> dict[int, Object]:
    """The parent tree's flat Nums (dossier's trees have no Kids levels)."""
    nums = _at(tree, "/ParentTree", "/Nums")
    if nums is None:
        return {}
    return {int(nums[i]): nums[i + 1] for i in range(0, len(nums) - 1, 2)}


def _page_content(
    page: Page, parents: dict[int, Object], reachable: set[tuple[int, int]]
) -> list[str]:
    """Text and images drawn outside any marked-content sequence (neither tagged nor
    an artifact), and marked content no structure element holds."""
    import pikepdf

    depth = 0
    loose = 0
    owners = parents.get(int(page.get("/StructParents", -1)))
    orphans = 0
    for instruction in pikepdf.parse_content_stream(page):
        op = str(instruction.operator)
        if op == "BDC" and isinstance(instruction.operands[1], pikepdf.Dictionary):
            mcid = instruction.operands[1].get("/MCID")
            if mcid is not None and not _owned(owners, int(mcid), reachable):
                orphans += 1
        if op in ("BDC", "BMC"):
            depth += 1
        elif op == "EMC":
            depth -= 1
        elif op in _SHOW and depth == 0:
            loose += 1
    problems = [f"{loose} drawing operators outside marked content"] if loose else []
    if orphans:
        problems.append(f"{orphans} marked-content sequences outside the structure tree")
    return problems


def check_fonts(pdf: Pdf) -> list[str]:
    problems = []
    for name, font in fonts(pdf):
        descendants = font.get("/DescendantFonts")
        target = descendants[0] if descendants else font
        descriptor = target.get("/FontDescriptor")
        embedded = descriptor is not None and any(
            k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")
        )
        if not embedded and font.get("/Subtype") != "/Type3":
            problems.append(f"font {name} is not embedded")
        if "/ToUnicode" not in font:
            problems.append(f"font {name} has no ToUnicode map")
    return problems


def fonts(pdf: Pdf) -> list[tuple[str, Object]]:
    """Every font dictionary the pages use, once."""
    seen: dict[tuple[int, int], tuple[str, Object]] = {}
    for page in pdf.pages:
        used = _at(page.obj, "/Resources", "/Font")
        for font in used.values() if used is not None else ():
            seen.setdefault(font.objgen, (str(font.get("/BaseFont", "?")), font))
    return list(seen.values())


def font_programs(pdf: Pdf) -> Counter[str]:
    """Embedded font programs per face (the subset tag taken off its name)."""
    count: Counter[str] = Counter()
    streams: set[tuple[int, int]] = set()
    for name, font in fonts(pdf):
        descendants = font.get("/DescendantFonts")
        descriptor = (descendants[0] if descendants else font).get("/FontDescriptor")
        for key in ("/FontFile", "/FontFile2", "/FontFile3"):
            program = descriptor.get(key) if descriptor is not None else None
            if program is not None and program.objgen not in streams:
                streams.add(program.objgen)
                count[name.split("+", 1)[-1]] += 1
    return count


def check_pdfa(pdf: Pdf) -> list[str]:
    """PDF/A: XMP and Info agree, an OutputIntent, no encryption, no transparency
    groups on pages, every font embedded."""
    problems: list[str] = []
    if pdf.is_encrypted:
        problems.append("the PDF is encrypted")
    intents = pdf.Root.get("/OutputIntents")
    if not intents or intents[0].get("/S") != "/GTS_PDFA1":
        problems.append("no PDF/A OutputIntent")
    with pdf.open_metadata() as meta:
        if not meta.get("pdfaid:part"):
            problems.append("no pdfaid:part in the XMP metadata")
        info = pdf.docinfo
        title = str(info.get("/Title", ""))
        if title and meta.get("dc:title") != title:
            problems.append(f"Info title {title!r} and XMP dc:title differ")
        producer = str(info.get("/Producer", ""))
        if producer and meta.get("pdf:Producer") != producer:
            problems.append("Info Producer and XMP pdf:Producer differ")
    for number, page in enumerate(pdf.pages, 1):
        group = page.get("/Group")
        if group is not None and group.get("/S") == "/Transparency":
            problems.append(f"page {number} has a transparency group")
    problems += [p for p in check_fonts(pdf) if "not embedded" in p]
    return problems
