"""The structure tree of a tagged PDF, made right where WeasyPrint leaves it short.

Runs in the PDF worker only (it changes WeasyPrint's tagging for that process).
WeasyPrint tags page by page: a chapter over three pages is three `Sect`, a table
over two is two `Table`; running heads are tagged content that no element holds; a
`TH` has no scope, a footnote is `Span`, a link's /Contents is its raw target. Here:

- while the tree is built, each element is noted with the HTML element it comes from,
  and given what the HTML knows: `/Lang` where a `lang` differs from the document's,
  `Scope` on `TH`, `Note` for footnotes, the figure's caption as `Alt`, link /Contents
  in words ("Reference: U.S. Department of State, n.d.");
- text in the page margins (running heads, folios) is drawn as `/Artifact`, and so is
  a table's header where it is repeated on the pages the table continues on (the
  `TH` are the first page's only);
- the contents and the lists of figures and tables are `TOC`, their entries `TOCI`;
- once built, siblings made from the same HTML element are joined (one `Sect` per
  chapter, one `Table` per table), with the parent tree pointed at the survivors.

The structure is WeasyPrint 70's (weasyprint.pdf.tags): an upgrade that changes it is
caught by tests/test_pdf_standards.py."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from urllib.parse import unquote
from xml.etree.ElementTree import Element

from .weasy import Box, Page, Pdf, PdfDict, Rendered, Stream, is_array, is_dictionary, is_string

# Where a link leads -> what a screen reader says before the link's text.
_LINK_KINDS = (
    ("#ref-", "Reference"),
    ("ref-", "Reference"),
    ("#fn", "Note"),
    ("#chapter-", "Chapter"),
    ("#fig-", "Figure"),
    ("#tbl-", "Table"),
    ("#sec-", "Section"),
    ("#", "Section"),
)


def link_words(target: str, text: str) -> str:
    """A link's /Contents: what it is and its text, not a raw anchor."""
    text = " ".join(text.split()).strip("()[] ")
    if target.startswith("dossier-dest:"):  # a link into another part (pdfsplit)
        target = "#" + unquote(target[len("dossier-dest:") :])
    if target.startswith(("http://", "https://", "mailto:")):
        return f"Web link: {text or target}"
    for prefix, kind in _LINK_KINDS:
        if target.startswith(prefix) or ("#" + target).startswith(prefix):
            return f"{kind}: {text}" if text else kind
    return text or "Link"


def _text(element: Element) -> str:
    return " ".join("".join(element.itertext()).split())


class Tagger:
    """Installs the changes for one document; `finish` is WeasyPrint's finisher."""

    def __init__(self, root: Element, lang: str) -> None:
        self.lang = lang.lower()
        self.parent_of = {child: parent for parent in root.iter() for child in parent}
        self.source: dict[int, tuple[int, str]] = {}  # object number -> HTML element
        # ids of boxes drawn as artifacts: page margins, repeated table headers
        self.artifacts: set[int] = set()
        # stand-ins for the cells of repeated headers, with their HTML cell (stand_in)
        self.stand_ins: list[tuple[PdfDict, int]] = []

    def install(self, pages: list[Page]) -> None:
        import weasyprint.pdf.stream as stream_module
        import weasyprint.pdf.tags as tags_module
        from weasyprint.formatting_structure import boxes

        tables: set[int] = set()  # HTML tables met on an earlier page
        kept: set[int] = set()  # boxes of headers on a table's first page
        for page in pages:
            for box in page._page_box.children:
                if isinstance(box, boxes.MarginBox):
                    self.artifacts.update(id(b) for b in box.descendants())
            on_page: set[int] = set()
            for box in page._page_box.descendants():
                if not isinstance(box, boxes.TableBox) or box.element is None:
                    continue
                header = box.children[0] if box.children and box.children[0].is_header else None
                if header is not None:
                    ids = {id(b) for b in header.descendants()}
                    (self.artifacts if id(box.element) in tables else kept).update(ids)
                on_page.add(id(box.element))
            tables |= on_page
        self.artifacts -= kept  # a box laid out once and drawn on two pages stays tagged
        original = tags_module._build_box_tree
        tagger = self

        def build(box: Box, parent: PdfDict, pdf: Pdf, *rest: object) -> Iterator[PdfDict]:
            if isinstance(box, boxes.MarginBox) or id(box) in tagger.artifacts:
                tagger.stand_in(box)
                return  # drawn as artifacts: nothing to tag
            for element in original(box, parent, pdf, *rest):
                tagger.note(box, element)
                yield element

        marked = stream_module.Stream.marked

        @contextlib.contextmanager
        def marked_or_artifact(stream: Stream, box: Box, tag: str) -> Iterator[None]:
            if id(box) in tagger.artifacts:
                with stream.artifact():
                    yield
            else:
                with marked(stream, box, tag):
                    yield

        tags_module._build_box_tree = build
        stream_module.Stream.marked = marked_or_artifact

    def stand_in(self, box: Box) -> None:
        """WeasyPrint names each page's header cells once that page's table is built,
        through each cell box's `mark`: the cells of a repeated header get stand-ins,
        whose names `finish` maps to the first page's `TH`."""
        import pydyf
        from weasyprint.formatting_structure import boxes

        for cell in box.descendants():
            if isinstance(cell, boxes.TableCellBox) and cell.element is not None:
                mark: PdfDict = pydyf.Dictionary({"A": pydyf.Dictionary()})
                cell.mark = mark
                self.stand_ins.append((mark, id(cell.element)))

    def note(self, box: Box, element: PdfDict) -> None:
        import pydyf

        # a box that stands for another (an absolute placeholder) holds it in `_box`
        html: Element | None = getattr(getattr(box, "_box", box), "element", None)
        if html is None or not isinstance(html.tag, str) or element.number in self.source:
            return  # an element passed up through html and body boxes is noted once
        tag = box.element_tag
        self.source[element.number] = (id(html), tag)
        kind = element.get("S")
        lang = html.get("lang")
        if lang and lang.lower() != self.lang and tag == html.tag:
            element["Lang"] = pydyf.String(lang)
        attributes = element.get("A")
        if kind == "/TH" and is_dictionary(attributes):
            attributes["Scope"] = "/Row" if html.get("scope") == "row" else "/Column"
        if kind == "/Span" and "footnote" in html.get("class", "").split():
            element["S"] = "/Note"
        if kind == "/Figure":
            caption = self._caption(html)
            if caption:
                element["Alt"] = pydyf.String(caption)
        annotation: PdfDict | None = getattr(box, "link_annotation", None)
        if annotation is not None and kind == "/Link":
            target = html.get("href", "")
            # a link over a drawing's label has no text of its own, but a title
            text = _text(html) or html.get("title", "")
            annotation["Contents"] = pydyf.String(link_words(target, text))
        elif kind == "/Link" and "::" in tag:
            element["S"] = "/Span"  # a link's ::after (a page number) is no second link
        role = self._toc_role(html, tag, kind)
        if role:
            element["S"] = role

    def _toc_role(self, html: Element, tag: str, kind: object) -> str:
        """`TOC` for the list of a contents or a list of figures or tables, `TOCI` for
        its items (WeasyPrint's `LI`), `Reference` for what an item holds (`LBody`)."""
        if tag not in ("ol", "ul", "li"):
            return ""
        listing = html if tag != "li" else self.parent_of.get(html)
        holder = self.parent_of.get(listing) if listing is not None else None
        classes = holder.get("class", "").split() if holder is not None else []
        if "toc" not in classes and "lists" not in classes:
            return ""
        if tag != "li":
            return "/TOC" if kind == "/L" else ""
        return {"/LI": "/TOCI", "/LBody": "/Reference"}.get(str(kind), "")

    def _caption(self, element: Element) -> str:
        """The caption of the figure holding `element`, else its own alt or title."""
        node: Element | None = element
        while node is not None and node.tag != "figure":
            node = self.parent_of.get(node)
        if node is not None:
            for child in node.iter("figcaption"):
                return _text(child)
        return str(element.get("alt") or "")

    def finish(self, _document: Rendered, pdf: Pdf) -> None:
        """WeasyPrint's finisher: joins elements cut at page breaks, puts notes by
        their calls."""
        root = _dictionary(pdf, pdf.catalog.get("StructTreeRoot"))
        if root is None:
            return
        replaced: dict[bytes, bytes] = {}
        for document in _children(pdf, root):
            self._join(pdf, document, replaced)
        tree = _dictionary(pdf, root.get("ParentTree"))
        nums = tree.get("Nums") if tree is not None else None
        if replaced and is_array(nums):
            for i in range(1, len(nums), 2):
                value = nums[i]
                if is_array(value):
                    nums[i] = type(value)([_final(replaced, r) for r in value])
                else:
                    nums[i] = _final(replaced, value)
        for document in _children(pdf, root):
            self._notes_to_calls(pdf, document)
        if self.stand_ins:
            self._headers_to_first_page(pdf, root)

    def _headers_to_first_page(self, pdf: Pdf, root: PdfDict) -> None:
        """Cells on a table's later pages name the first page's `TH` as their headers
        (the repeated header there is an artifact)."""
        import pydyf

        first: dict[int, object] = {}  # HTML cell -> the ID of its TH
        cells: list[PdfDict] = []
        for element in _elements(pdf, root):
            key = self.source.get(element.number)
            if element.get("S") == "/TH" and key is not None and "ID" in element:
                first.setdefault(key[0], element["ID"])
            attributes = element.get("A")
            if is_dictionary(attributes) and "Headers" in attributes:
                cells.append(attributes)
        alias = {
            ident.string: first[cell]
            for mark, cell in self.stand_ins
            if is_string(ident := mark.get("ID")) and cell in first
        }
        for attributes in cells:
            headers = attributes["Headers"]
            attributes["Headers"] = pydyf.Array(
                [alias.get(h.string, h) if is_string(h) else h for h in _items(headers)]
            )

    def _notes_to_calls(self, pdf: Pdf, document: PdfDict) -> None:
        """Each footnote's `Note` right after its call in the text, where a reader
        meets it, rather than in the page foot's `NonStruct` (emptied ones go)."""
        # HTML element -> (Note, its parent), and (call, its parent)
        notes: dict[int, tuple[PdfDict, PdfDict]] = {}
        calls: dict[int, tuple[PdfDict, PdfDict]] = {}
        parent_of: dict[int, PdfDict] = {}
        stack = [document]
        while stack:
            element = stack.pop()
            for child in _children(pdf, element):
                parent_of[child.number] = element
                key = self.source.get(child.number)
                if key is not None and child.get("S") == "/Note":
                    notes[key[0]] = (child, element)
                elif key is not None and key[1].endswith("::footnote-call"):
                    calls[key[0]] = (child, element)
                stack.append(child)
        for html_id, (note, holder) in notes.items():
            if html_id not in calls or holder is calls[html_id][1]:
                continue
            call, text = calls[html_id]
            _items(holder.get("K")).remove(note.reference)
            in_text = _items(text.get("K"))
            in_text.insert(in_text.index(call.reference) + 1, note.reference)
            note["P"] = text.reference
            outer = parent_of.get(holder.number)
            if not holder["K"] and holder.get("S") == "/NonStruct" and outer is not None:
                _items(outer.get("K")).remove(holder.reference)
                holder.clear()

    def _join(self, pdf: Pdf, element: PdfDict, replaced: dict[bytes, bytes]) -> None:
        import pydyf

        kids = element.get("K")
        if not is_array(kids):
            return
        first: dict[tuple[int, str], PdfDict] = {}
        kept: list[object] = pydyf.Array()
        for kid in kids:
            child = _dictionary(pdf, kid) if isinstance(kid, bytes) else None
            key = self.source.get(child.number) if child is not None else None
            if child is None or key is None or child.get("Type") != "/StructElem":
                kept.append(kid)
                continue
            if key in first:
                survivor = first[key]
                _absorb(pdf, survivor, child)
                replaced[child.reference] = survivor.reference
                child.clear()
            else:
                first[key] = child
                kept.append(kid)
        element["K"] = kept
        for child in _children(pdf, element):
            self._join(pdf, child, replaced)


def _absorb(pdf: Pdf, survivor: PdfDict, child: PdfDict) -> None:
    """Moves child's kids into survivor: integer MCIDs become marked-content references
    when their page is another one."""
    import pydyf

    into = _items(survivor.get("K"))
    for kid in _items(child.get("K")):
        if isinstance(kid, int) and child.get("Pg") != survivor.get("Pg"):
            into.append(pydyf.Dictionary({"Type": "/MCR", "Pg": child["Pg"], "MCID": kid}))
            continue
        grandchild = _dictionary(pdf, kid) if isinstance(kid, bytes) else None
        if grandchild is not None and grandchild.get("Type") == "/StructElem":
            grandchild["P"] = survivor.reference
        into.append(kid)


def _elements(pdf: Pdf, node: PdfDict) -> Iterator[PdfDict]:
    """Every structure element below `node`, depth first."""
    for child in _children(pdf, node):
        yield child
        yield from _elements(pdf, child)


def _children(pdf: Pdf, node: PdfDict) -> Iterator[PdfDict]:
    """The structure elements among `node`'s kids (marked content and annotations
    left out)."""
    for kid in _items(node.get("K")):
        child = _dictionary(pdf, kid) if isinstance(kid, bytes) else None
        if child is not None and child.get("Type") == "/StructElem":
            yield child


def _items(kids: object) -> list[object]:
    """An array (a structure element's K: WeasyPrint makes every one an array, and the
    lists changed here are that array), or no items."""
    return kids if is_array(kids) else []


def _dictionary(pdf: Pdf, reference: object) -> PdfDict | None:
    """The dictionary a reference (b"12 0 R") names, or that is given directly."""
    if isinstance(reference, bytes):
        reference = pdf.objects[int(reference.split()[0])]
    return reference if is_dictionary(reference) else None


def _final(replaced: dict[bytes, bytes], reference: object) -> object:
    while isinstance(reference, bytes) and reference in replaced:
        reference = replaced[reference]
    return reference
