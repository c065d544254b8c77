"""What the PDF worker uses of WeasyPrint and pydyf, neither of which ships type hints:
protocols of the attributes and methods dossier reads, so that mypy checks dossier's
side of them. The libraries' objects are taken as these by their shape; the narrowing
helpers below check at run time what they claim. The shapes are WeasyPrint 70's (an
upgrade that changes them is caught by tests/test_pdf_standards.py and test_pdf_tags.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import Protocol, TypeGuard
from xml.etree.ElementTree import Element

# --- pydyf: the PDF as WeasyPrint writes it ------------------------------------------


class PdfObject(Protocol):
    """A pydyf object added to the PDF."""

    number: int  # set by pydyf.PDF.add_object

    @property
    def reference(self) -> bytes: ...  # b"12 0 R"


class PdfDict(PdfObject, Protocol):
    """A pydyf.Dictionary (a dict) that is an object of the PDF: a structure element, an
    annotation, an attribute dictionary."""

    def __len__(self) -> int: ...
    def get(self, key: str, default: object = None, /) -> object: ...
    def __getitem__(self, key: str, /) -> object: ...
    def __setitem__(self, key: str, value: object, /) -> None: ...
    def __contains__(self, key: object, /) -> bool: ...
    def clear(self) -> None: ...


class PdfString(Protocol):
    """A pydyf.String."""

    string: str


class Pdf(Protocol):
    """A pydyf.PDF, as WeasyPrint's finisher gets it."""

    objects: list[object]  # by object number
    catalog: PdfDict

    def add_object(self, value: object, /) -> None: ...


def is_dictionary(value: object) -> TypeGuard[PdfDict]:
    import pydyf

    return isinstance(value, pydyf.Dictionary)


def is_array(value: object) -> TypeGuard[list[object]]:
    """A pydyf.Array (a list)."""
    return isinstance(value, list)


def is_string(value: object) -> TypeGuard[PdfString]:
    import pydyf

    return isinstance(value, pydyf.String)


# --- WeasyPrint: boxes, pages, documents ----------------------------------------------


class Box(Protocol):
    """A box of WeasyPrint's formatting structure."""

    element: Element | None  # the HTML element it is made from
    element_tag: str  # "td", "li", "p::footnote-call"
    children: list[Box]
    is_header: bool  # a table's row group (thead)
    mark: object  # a table cell's: its structure element (WeasyPrint's `_build_box_tree`)

    @property
    def style(self) -> Style: ...

    def descendants(self) -> Iterator[Box]: ...


class Style(Protocol):
    def __getitem__(self, key: str, /) -> object: ...


# (kind, target, rectangle, box): "internal", "external" or "attachment"
Link = tuple[str, object, object, object]


class Page(Protocol):
    """A page of a rendered document."""

    _page_box: Box
    anchors: dict[str, object]
    links: list[Link]


class Metadata(Protocol):
    attachments: list[object]
    created: str | None
    modified: str | None
    lang: str | None

    def generate_rdf_metadata(self, level: str, version: int, conformance: str, /) -> bytes: ...


class Fetcher(Protocol):
    """The project fetcher (fetch.make_fetcher)."""

    closed: bool
    read: dict[str, str | None]  # project file -> SHA-256 of what it served, or None


class Rendered(Protocol):
    """A weasyprint.Document: the laid-out pages."""

    pages: list[Page]
    metadata: Metadata

    def write_pdf(self, target: str, *, finisher: Finisher, **options: object) -> object: ...


class Html(Protocol):
    """A weasyprint.HTML."""

    base_url: str | None
    url_fetcher: Fetcher
    etree_element: Element

    def render(self) -> Rendered: ...


class Stream(Protocol):
    """A page's content stream (weasyprint.pdf.stream.Stream)."""

    def artifact(self) -> AbstractContextManager[None]: ...


# WeasyPrint's `finisher`: called with the document and the PDF before it is written
Finisher = Callable[[Rendered, Pdf], None]
