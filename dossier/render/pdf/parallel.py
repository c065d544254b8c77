"""The PDF of a long document, made in parts laid out at the same time.

Parts: the front matter (title page, contents), runs of chapters of about equal size,
the back matter (bibliography). Each part is a worker process that lays its pages out
once. Chapter parts start first; once they report their page count and the page of
each anchor, the front matter is rendered with the contents' page numbers, the chapter
parts are told how many pages come before them (for the page numbers in their
margins), and the bibliography is rendered with its "cited on" pages. The part PDFs
are then merged, with links across parts, the outline and the metadata of one
document. Page breaks between blocks are forced, so a part paginates exactly as it
would inside the whole document."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from .process import Child, Failed, Relayout
from .record import Reads, union
from .split import Split, footnotes_in, group_chapters, ids_of, part_document
from .worker import main as worker_main

# Contents page numbers while the real ones are unknown: as wide as most.
PLACEHOLDER = 888


@dataclass(frozen=True, slots=True)
class Plan:
    front: str
    chapters: tuple[str, ...]  # one HTML body per chapter group
    back: str
    footnotes: tuple[int, ...]  # footnotes before front, each group, back


@dataclass(frozen=True, slots=True)
class Settings:
    work: Path  # where part files go
    allowed: tuple[str, ...]
    memory_mb: int
    deadline: float
    progress: Callable[[str], None] = lambda _: None
    standard: str = "none"  # `[pdf] standard`
    # the ids the front matter links to (document.front_links): a contents entry whose
    # target is not where the first layout guessed makes the front matter laid out again
    front_links: tuple[str, ...] = ()


def plan(split: Split, jobs: int) -> Plan | None:
    """front* chapter+ back*, or None (then the document is rendered whole)."""
    kinds = "".join(b.kind[0] for b in split.blocks)
    front = len(kinds) - len(kinds.lstrip("f"))
    back = len(kinds) - len(kinds.rstrip("b"))
    middle = split.blocks[front : len(kinds) - back]
    if not middle or any(b.kind != "chapter" for b in middle):
        return None
    runs = group_chapters([len(b.text) for b in middle], jobs)
    bodies = [
        "".join(b.text for b in split.blocks[:front]),
        *("".join(middle[i].text for i in run) for run in runs),
        "".join(b.text for b in split.blocks[len(kinds) - back :]),
    ]
    counts = [footnotes_in(body) for body in bodies]
    before = tuple(sum(counts[:i]) for i in range(len(counts)))
    return Plan(bodies[0], tuple(bodies[1:-1]), bodies[-1], before)


def render_parts(split: Split, p: Plan, s: Settings) -> tuple[list[Path], list[str], Reads]:
    """Renders every part; returns the part PDFs in order, the warnings and the project
    files the parts read."""
    children: list[Child] = []
    try:
        return _render(split, p, s, children)
    finally:
        for child in children:
            child.kill()


def _start(
    split: Split,
    body: str,
    footnotes: int,
    pages: Mapping[str, int],
    name: str,
    offset: str,
    s: Settings,
    children: list[Child],
) -> tuple[Child, Path]:
    html_path, pdf_path = s.work / f"{name}.html", s.work / f"{name}.pdf"
    html_path.write_text(part_document(split, body, footnotes, pages), encoding="utf-8")
    child = Child(
        worker_main,
        [f"--standard={s.standard}", "--part", str(html_path), str(pdf_path), offset, *s.allowed],
        s.memory_mb,
        s.deadline,
    )
    children.append(child)
    return child, pdf_path


def _layout(child: Child) -> tuple[int, dict[str, int]]:
    report = child.next_report()
    if report is None or "layout" not in report:
        child.finish()  # raises with the reason
        raise Failed("a part of the PDF ended without laying out its pages")
    return int(report["layout"]["pages"]), dict(report["layout"]["anchors"])


def _render(
    split: Split, p: Plan, s: Settings, children: list[Child]
) -> tuple[list[Path], list[str], Reads]:
    back_ids = ids_of(p.back)
    groups = [
        _start(split, body, p.footnotes[i + 1], {}, f"part-{i + 1:02d}", "-", s, children)
        for i, body in enumerate(p.chapters)
    ]
    probe, _ = _start(
        split,
        p.front,
        0,
        dict.fromkeys(ids_of("".join(p.chapters)) | back_ids, PLACEHOLDER),
        "probe",
        "-",
        s,
        children,
    )
    front_pages, _ = _layout(probe)
    probe.kill()  # only its page count was wanted
    laid_out: list[tuple[int, dict[str, int]]] = []
    s.progress(f"laying out the PDF (0/{len(groups)} parts)")
    for child, _ in groups:
        laid_out.append(_layout(child))
        s.progress(
            f"laying out the PDF ({len(laid_out)}/{len(groups)} parts, "
            f"{front_pages + sum(n for n, _ in laid_out)} pages)"
        )
    pages: dict[str, int] = {}
    offset = front_pages
    for (child, _), (count, anchors) in zip(groups, laid_out, strict=True):
        child.send(str(offset))
        for name, page in anchors.items():
            pages.setdefault(name, offset + page)
        offset += count
    back_start = offset + 1
    pages.update({name: back_start for name in back_ids if name not in pages})
    has_back = bool(p.back.strip())
    if has_back:
        back, back_pdf = _start(split, p.back, p.footnotes[-1], pages, "part-99", "-", s, children)
    front, front_pdf = _start(split, p.front, 0, pages, "part-00", "-", s, children)
    count, front_anchors = _layout(front)
    if count != front_pages:
        raise Relayout("the contents changed length once page numbers were known")
    front.send("0")
    final = {**front_anchors, **pages}
    back_pages = 0
    if has_back:
        back_pages, back_anchors = _layout(back)
        back.send(str(offset))
        final.update({n: offset + page for n, page in back_anchors.items()})
    # a contents entry that points into the bibliography, past its start, or at the
    # front matter itself (a list of figures), whose pages only its own layout tells
    stale = [
        n
        for n in s.front_links
        if (n in pages and final.get(n) != pages[n]) or (n not in pages and n in front_anchors)
    ]
    if stale:
        front.kill()
        front, front_pdf = _start(split, p.front, 0, final, "part-00b", "0", s, children)
    finishing = [front, *(child for child, _ in groups), *([back] if has_back else [])]
    s.progress(f"drawing the PDF's {offset + back_pages} pages in {len(finishing)} processes")
    for child in finishing:
        child.finish()
    parts = [front_pdf, *(pdf for _, pdf in groups), *([back_pdf] if has_back else [])]
    # the parts that make the PDF; a probe or a replaced front matter read no other file
    read = union(child.files_read() for child in finishing)
    return parts, _warnings(children), read


def _warnings(children: Sequence[Child]) -> list[str]:
    return list(dict.fromkeys(w for child in children for w in child.warnings))


def deadline_after(seconds: int) -> float:
    return time.monotonic() + seconds
