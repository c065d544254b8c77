"""Runs in a child process: part PDFs -> one PDF (pypdf).

Pages, named destinations and outlines are appended in order; links that a part
wrote as `dossier-dest:NAME` URIs (their target is in another part) become internal
links to NAME again. The document information (dates included) comes from the first part;
the identifier is fixed by the caller, so the bytes only depend on the
inputs."""

from __future__ import annotations

import sys
from typing import Any
from urllib.parse import unquote

from .pdfsplit import DEST_SCHEME


def merge(out: str, ident: str, parts: list[str]) -> int:
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import ArrayObject, ByteStringObject, NameObject, TextStringObject

    writer = PdfWriter()
    readers = [PdfReader(path) for path in parts]
    for reader in readers:
        writer.append(reader, import_outline=True)
    for page in writer.pages:
        for ref in page.get("/Annots", ()):
            _relink(ref.get_object(), NameObject, TextStringObject)
    info = {str(k): str(v) for k, v in (readers[0].metadata or {}).items()}
    writer.add_metadata(info)
    catalog: Any = readers[0].trailer["/Root"]
    for key in ("/Lang", "/PageMode", "/ViewerPreferences", "/MarkInfo"):
        if key in catalog:
            writer._root_object[NameObject(key)] = catalog[key].clone(writer)
    raw = bytes.fromhex(ident)
    writer._ID = ArrayObject([ByteStringObject(raw), ByteStringObject(raw)])
    with open(out, "wb") as f:
        writer.write(f)
    return 0


def _relink(annot: Any, name: Any, text: Any) -> None:
    action = annot.get("/A")
    if action is None:
        return
    action = action.get_object()
    uri = str(action.get("/URI", ""))
    if action.get("/S") == "/URI" and uri.startswith(DEST_SCHEME):
        del annot[name("/A")]
        annot[name("/Dest")] = text(unquote(uri[len(DEST_SCHEME):]))


if __name__ == "__main__":
    out, ident, *parts = sys.argv[1:]
    sys.exit(merge(out, ident, parts))
