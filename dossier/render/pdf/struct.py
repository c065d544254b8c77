"""One structure tree for a tagged PDF merged from parts (pikepdf, in the merge's child
process).

Each part is a tagged PDF of its own: a StructTreeRoot with one `Document`, a parent
tree keyed from 0 (its pages' `StructParents`, then its annotations' `StructParent`),
header-cell IDs made from its own object numbers. The whole gets one root and one
`Document` holding the parts' kids in order; each part's parent-tree keys, and the
`StructParents`/`StructParent` that point at them, move up by the keys of the parts
before it; IDs (and the `Headers` that name them) take a prefix per part, so that two
parts' "47-0-0" stay two. A chapter never spans two parts (parts are runs of whole
chapters), so no element needs joining across them."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pikepdf import Object, Pdf


class TreeMerger:
    def __init__(self, pdf: Pdf) -> None:
        import pikepdf

        self.pdf = pdf
        self.next_key = 0
        self.nums: list[int | Object] = []  # key, element, key, element...
        self.root = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.StructTreeRoot))
        self.document = pdf.make_indirect(
            pikepdf.Dictionary(
                Type=pikepdf.Name.StructElem,
                S=pikepdf.Name.Document,
                K=pikepdf.Array(),
                P=self.root,
            )
        )
        self.root.K = pikepdf.Array([self.document])
        self.parts = 0

    def add(self, src: Pdf, pages: list[Object]) -> None:
        """The tree of `src`, whose pages are `pages` (already in the whole)."""
        import pikepdf

        tree = src.Root.get("/StructTreeRoot")
        if tree is None:
            return
        copied = self.pdf.copy_foreign(tree)
        offset = self.next_key
        prefix = f"p{self.parts}-"
        self.parts += 1
        nums = copied.get("/ParentTree", pikepdf.Dictionary()).get("/Nums", pikepdf.Array())
        highest = -1
        for i in range(0, len(nums) - 1, 2):
            key = int(nums[i])
            highest = max(highest, key)
            self.nums += [key + offset, nums[i + 1]]
        for page in pages:
            if "/StructParents" in page:
                page.StructParents = int(page.StructParents) + offset
            for annot in page.get("/Annots", ()):
                if "/StructParent" in annot:
                    annot.StructParent = int(annot.StructParent) + offset
        documents = copied.K if isinstance(copied.K, pikepdf.Array) else [copied.K]
        for document in documents:
            kids = document.get("/K", pikepdf.Array())
            for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
                if isinstance(kid, pikepdf.Dictionary):
                    kid.P = self.document
                    _prefix_ids(kid, prefix)
                self.document.K.append(kid)
        self.next_key = offset + highest + 1

    def install(self) -> None:
        """The merged tree as the document's (when any part had one)."""
        import pikepdf

        if not self.parts:
            return
        parent_tree = self.pdf.make_indirect(pikepdf.Dictionary(Nums=pikepdf.Array(self.nums)))
        self.root.ParentTree = parent_tree
        self.root.ParentTreeNextKey = self.next_key
        self.pdf.Root.StructTreeRoot = self.root


def _prefix_ids(element: Object, prefix: str) -> None:
    """IDs and the Headers naming them, below `element`, made unique to their part."""
    import pikepdf

    stack = [element]
    while stack:
        node = stack.pop()
        if "/ID" in node:
            node.ID = pikepdf.String(prefix + str(node.ID))
        attributes = node.get("/A")
        if isinstance(attributes, pikepdf.Dictionary) and "/Headers" in attributes:
            attributes.Headers = pikepdf.Array(
                [pikepdf.String(prefix + str(h)) for h in attributes.Headers]
            )
        kids = node.get("/K")
        if isinstance(kids, pikepdf.Array):
            stack.extend(k for k in kids if isinstance(k, pikepdf.Dictionary) and "/S" in k)
        elif isinstance(kids, pikepdf.Dictionary) and "/S" in kids:
            stack.append(kids)
