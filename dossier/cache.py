"""The build cache: a versioned JSON file inside the output folder, keyed on content
hashes. It remembers formatted citations (so pandoc sees only new ones), the inputs of
every page and of the PDF (so unchanged ones are copied from the previous build), and
nothing that could make an output wrong: whatever the cache says, a reused file is
checked against the SHA-256 recorded when it was written.

JSON, not pickle: a cache is data from disk, and loading it must never run code."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import __version__
from .diagnostics import Diagnostic, Location, warning

CACHE_NAME = ".dossier-cache.json"
VERSION = 2


def digest(*parts: Any) -> str:
    """A stable hash of JSON-able parts (dict keys sorted)."""
    blob = json.dumps(parts, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                      default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True, slots=True)
class Cache:
    citations: dict[str, Any] = field(default_factory=dict)
    # output path -> [fingerprint of its inputs, sha256 of the bytes written]
    outputs: dict[str, list[str]] = field(default_factory=dict)


def load(out: Path) -> tuple[Cache, list[Diagnostic]]:
    """The cache of the build in `out`; an empty one when there is none. A damaged or
    foreign cache is ignored with a warning: the build is then simply a full one."""
    path = out / CACHE_NAME
    if not path.is_file():
        return Cache(), []
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        ok = (isinstance(raw, dict) and raw.get("version") == VERSION
              and raw.get("tool") == __version__
              and isinstance(raw.get("citations"), dict)
              and isinstance(raw.get("outputs"), dict)
              and all(isinstance(v, list) and len(v) == 2 and all(isinstance(x, str) for x in v)
                      for v in raw["outputs"].values()))
    except (OSError, UnicodeDecodeError, ValueError):
        ok, raw = False, None
    if not ok or not isinstance(raw, dict):
        return Cache(), [warning("cache.ignored", "the build cache is damaged or from another "
                                 "version of dossier; rebuilding everything",
                                 Location(f"{out.name}/{CACHE_NAME}"))]
    return Cache(raw["citations"], raw["outputs"]), []


def dump(cache: Cache) -> bytes:
    body = {"version": VERSION, "tool": __version__, "citations": cache.citations,
            "outputs": cache.outputs}
    return (json.dumps(body, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8")


def reuse(cache: Cache, out: Path, rel: str, fingerprint: str) -> bytes | None:
    """The bytes of `rel` from the previous build when its inputs are unchanged and the
    file is exactly what that build wrote."""
    record = cache.outputs.get(rel)
    if not record or record[0] != fingerprint:
        return None
    try:
        data = (out / rel).read_bytes()
    except OSError:
        return None
    return data if sha256(data) == record[1] else None
