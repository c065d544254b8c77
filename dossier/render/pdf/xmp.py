"""What the PDF's catalog and XMP metadata say beyond WeasyPrint's defaults.

Every PDF opens with its bookmarks shown and its title (not its file name) in the
window. A PDF that is both PDF/A-3a and PDF/UA-1 says so in its XMP: WeasyPrint writes
one identification schema per variant, so `pdfuaid` is added here, with the extension
schema PDF/A asks for any schema outside its predefined list."""

from __future__ import annotations

from .weasy import Finisher, Pdf, PdfObject, Rendered, is_dictionary

PDFUA_EXTENSION = b"""<rdf:Description rdf:about=""
  xmlns:pdfaExtension="http://www.aiim.org/pdfa/ns/extension/"
  xmlns:pdfaSchema="http://www.aiim.org/pdfa/ns/schema#"
  xmlns:pdfaProperty="http://www.aiim.org/pdfa/ns/property#">
 <pdfaExtension:schemas><rdf:Bag><rdf:li rdf:parseType="Resource">
  <pdfaSchema:schema>PDF/UA Universal Accessibility Schema</pdfaSchema:schema>
  <pdfaSchema:namespaceURI>http://www.aiim.org/pdfua/ns/id/</pdfaSchema:namespaceURI>
  <pdfaSchema:prefix>pdfuaid</pdfaSchema:prefix>
  <pdfaSchema:property><rdf:Seq><rdf:li rdf:parseType="Resource">
   <pdfaProperty:name>part</pdfaProperty:name>
   <pdfaProperty:valueType>Integer</pdfaProperty:valueType>
   <pdfaProperty:category>internal</pdfaProperty:category>
   <pdfaProperty:description>Part of ISO 14289 followed</pdfaProperty:description>
  </rdf:li></rdf:Seq></pdfaSchema:property>
 </rdf:li></rdf:Bag></pdfaExtension:schemas>
</rdf:Description>
<rdf:Description rdf:about="" xmlns:pdfuaid="http://www.aiim.org/pdfua/ns/id/"
  pdfuaid:part="1"/>
"""


def catalog_finisher(variant: str, ua: bool, inner: Finisher | None) -> Finisher:
    """WeasyPrint's finisher for `[pdf] standard`: `inner` (the tagger) first."""

    def finish(document: Rendered, pdf: Pdf) -> None:
        import pydyf

        if inner is not None:
            inner(document, pdf)
        pdf.catalog["PageMode"] = "/UseOutlines"
        prefs = pdf.catalog.get("ViewerPreferences")
        if not is_dictionary(prefs) or not prefs:
            prefs = pydyf.Dictionary()
        prefs["DisplayDocTitle"] = "true"
        pdf.catalog["ViewerPreferences"] = prefs
        if ua and variant.startswith("pdf/a"):
            _add_pdfua(document, pdf, variant)

    return finish


def _add_pdfua(document: Rendered, pdf: Pdf, variant: str) -> None:
    """The metadata stream again, with pdfuaid (the old one is left unreferenced)."""
    import pydyf

    version = int(variant[len("pdf/a-")])
    conformance = variant[-1].upper()
    rdf = document.metadata.generate_rdf_metadata("a", version, conformance)
    rdf = rdf.replace(b"</rdf:RDF>", PDFUA_EXTENSION + b"</rdf:RDF>")
    header = b'<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
    header += b'<x:xmpmeta xmlns:x="adobe:ns:meta/">'
    footer = b'</x:xmpmeta>\n<?xpacket end="r"?>'
    content = b"\n".join((header, rdf, footer))
    stream: PdfObject = pydyf.Stream([content], {"Type": "/Metadata", "Subtype": "/XML"}, True)
    pdf.add_object(stream)
    pdf.catalog["Metadata"] = stream.reference
