"""The cite stage's cache record: what the last build formatted, as JSON, and read back.

The record lives in the output folder, which may have come with the project: every
part is checked as it is read, and a part of the wrong shape is read as absent, so that
what it held is formatted again (a damaged record never stops a build).

Author-date styles keep each cluster's texts by the hash of its request (formatting);
note styles keep each distinct text once, where each request finds it, and by the key
of its note (noteformat). Both keep the bibliography and the references that tie."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from ..model import Formatted, FormattedCitation

# A value as json.loads gives it and json.dumps takes it.
JSON = str | int | float | bool | None | list["JSON"] | dict[str, "JSON"]


@dataclass(frozen=True, slots=True)
class Ties:
    """The references that tie (families.tie_groups), for the references digested in
    `key`: finding out decodes every name, so it is kept."""

    key: str
    refs: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class CiteRecord:
    refset: str = ""  # style, language, references, engine: what every text depends on
    ties: Ties | None = None
    # the bibliography as formatted (no citations), None when it must be made again
    bibliography: Formatted | None = None
    # author-date styles: request hash -> its texts
    clusters: Mapping[str, FormattedCitation] = field(default_factory=dict)
    # note styles: the document's digest, its distinct texts, each request's text
    doc: str = ""
    texts: tuple[FormattedCitation, ...] | None = None
    at: tuple[int, ...] | None = None
    # note styles: the disambiguation signature and each note key's text (notekeys)
    signature: Mapping[str, str] | None = None
    notes: Mapping[str, int] | None = None


def decode(raw: Mapping[str, object]) -> CiteRecord:
    texts = _texts(raw.get("texts"))
    return CiteRecord(
        refset=_str(raw.get("refset")),
        ties=_ties(raw.get("ties")),
        bibliography=_bibliography(raw),
        clusters=_clusters(raw.get("clusters")),
        doc=_str(raw.get("doc")),
        texts=texts,
        at=_at(raw.get("at"), len(texts)) if texts is not None else None,
        signature=_string_map(raw.get("signature")),
        notes=_notes(raw.get("notes"), len(texts)) if texts is not None else None,
    )


def encode(record: CiteRecord) -> dict[str, JSON]:
    """The record as JSON, with only the parts it holds."""
    out: dict[str, JSON] = {}
    if record.bibliography is not None:
        out.update(encode_bibliography(record.bibliography))
    if record.refset:
        out["refset"] = record.refset
    if record.clusters:
        out["clusters"] = {k: _pair(c) for k, c in record.clusters.items()}
    if record.ties is not None:
        out["ties"] = [record.ties.key, list(record.ties.refs)]
    if record.doc:
        out["doc"] = record.doc
    if record.texts is not None and record.at is not None:
        out["texts"] = [_pair(c) for c in record.texts]
        out["at"] = list(record.at)
    if record.signature is not None and record.notes is not None:
        out["signature"] = dict(record.signature)
        out["notes"] = dict(record.notes)
    return out


def encode_bibliography(formatted: Formatted) -> dict[str, JSON]:
    return {
        "bibliography": dict(formatted.bibliography),
        "order": list(formatted.order),
        "note_style": formatted.note_style,
    }


def _pair(c: FormattedCitation) -> JSON:
    return [c.html, c.note_html]


def _str(value: object) -> str:
    return value if isinstance(value, str) else ""


def _strings(value: object) -> list[str] | None:
    if not isinstance(value, list):
        return None
    found = [s for s in value if isinstance(s, str)]
    return found if len(found) == len(value) else None


def _ties(value: object) -> Ties | None:
    if isinstance(value, list) and len(value) == 2 and isinstance(value[0], str):
        refs = _strings(value[1])
        if refs is not None:
            return Ties(value[0], tuple(refs))
    return None


def _bibliography(raw: Mapping[str, object]) -> Formatted | None:
    entries, order, note_style = raw.get("bibliography"), raw.get("order"), raw.get("note_style")
    keys = _strings(order)
    found = _string_map(entries)
    if found is None or keys is None or not isinstance(note_style, bool):
        return None
    return Formatted({}, found, tuple(keys), note_style)


def _string_map(value: object) -> dict[str, str] | None:
    if not isinstance(value, dict):
        return None
    found = {k: v for k, v in value.items() if isinstance(k, str) and isinstance(v, str)}
    return found if len(found) == len(value) else None


def _citation(value: object) -> FormattedCitation | None:
    pair = _strings(value)
    return FormattedCitation(*pair) if pair is not None and len(pair) == 2 else None


def _clusters(value: object) -> dict[str, FormattedCitation]:
    if not isinstance(value, dict):
        return {}
    found = {k: _citation(v) for k, v in value.items() if isinstance(k, str)}
    return {k: c for k, c in found.items() if c is not None}


def _texts(value: object) -> tuple[FormattedCitation, ...] | None:
    if not isinstance(value, list):
        return None
    found = [c for c in map(_citation, value) if c is not None]
    return tuple(found) if len(found) == len(value) else None


def _index(value: object, size: int) -> int | None:
    # a bool is an int to isinstance, but never an index the record wrote
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < size:
        return None
    return value


def _at(value: object, size: int) -> tuple[int, ...] | None:
    if not isinstance(value, list):
        return None
    found = [n for n in (_index(v, size) for v in value) if n is not None]
    return tuple(found) if len(found) == len(value) else None


def _notes(value: object, size: int) -> dict[str, int] | None:
    """Note key -> index into the texts; keys whose index is out of range are left out."""
    if not isinstance(value, dict):
        return None
    found = {k: _index(n, size) for k, n in value.items() if isinstance(k, str)}
    return {k: n for k, n in found.items() if n is not None}
