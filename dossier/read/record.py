"""What the build cache keeps of a chapter (imported by the cache on every build, so
it imports nothing of the reader)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ChapterRecord:
    """The SHA-256 of a chapter's text, its scan and its tree as JSON text (the tree is
    decoded only if its page is written again), and a seal over the three. The scan and
    the tree agree by construction (one reading made both); a record changed since it
    was written, by damage or by hand, could make them disagree, so a record whose seal
    does not match is not trusted at all."""

    sha: str
    scan: str
    tree: str
    seal: str

    @classmethod
    def made(cls, sha: str, scan: str, tree: str) -> ChapterRecord:
        return cls(sha, scan, tree, _seal(sha, scan, tree))

    def to_json(self) -> list[str]:
        return [self.sha, self.scan, self.tree, self.seal]

    @classmethod
    def from_json(cls, data: object) -> ChapterRecord | None:
        if not isinstance(data, list) or len(data) != 4:
            return None
        sha, scan, tree, seal = data
        if not all(isinstance(x, str) for x in data) or seal != _seal(sha, scan, tree):
            return None
        return cls(sha, scan, tree, seal)


def _seal(sha: str, scan: str, tree: str) -> str:
    return hashlib.sha256(f"{sha}\0{scan}\0{tree}".encode()).hexdigest()
