"""The multi-page HTML site: a title/contents page, one page per chapter, the
bibliography (each entry linking back to every citation of it). Relative links only,
so the site works from file:// and from any sub-path of a static host."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

from markupsafe import Markup

from .. import __version__
from ..cache import digest
from ..live.marks import LinkMark, decorate, link_marks
from ..projectfs import Refused
from ..read.scan import Chapter
from ..resolve.abbreviations import mark_first_uses
from ..resolve.collect import ChapterInfo
from ..sanitize import with_csp
from .assets import fingerprinted
from .bibpages import FIRST_PAGE, budget_for, letter_id, page_of_key, paginate, site_backlinks
from .context import RenderContext
from .evidence import (
    changes_context,
    popover_data,
    popover_inputs,
    publishable,
    quotes_found,
    source_pages,
)
from .pages import SiteInput as SiteInput  # re-exported: where it was
from .pages import abbreviation_rows as abbreviation_rows
from .pages import backlinks as backlinks
from .pages import chapter_context as chapter_context
from .pages import contents as contents
from .publish import PdfLink as PdfLink  # re-exported: where it was
from .publish import cite_this as cite_this
from .publish import human_size as human_size
from .publish import site_context as site_context
from .publish import text_direction as text_direction
from .search import SectionRecord, search_index
from .theme import (
    THEME_DIR,
    check_rendered,
    environment,
    overrides_html,
    read_theme_file,
    static_asset,
    theme_files,
)
from .writer import render_chapter

STATIC = ("style.css", "site.js", "favicon.svg", "minisearch.js", "minisearch.LICENSE.txt")
FINGERPRINTED = frozenset({"style.css", "site.js", "favicon.svg", "minisearch.js"})
INDEX_STANDIN = "assets/search-index.0000000000.js"
_INDEX_ATTR = re.compile(rb'data-index="assets/search-index\.[0-9a-f]{10}\.js"')


def _archived_link(mark: LinkMark | None, local: str) -> dict[str, str] | None:
    """The "archived copy" link of a bibliography entry with a web address: to the
    site's page of the copy or the entry's public archive, with Robust Links data."""
    if mark is None or not mark.version_url(local):
        return None
    return {"href": mark.version_url(local), "original": mark.original, "date": mark.date}


def _source_live(mark: LinkMark | None, page: str) -> dict[str, str] | None:
    """The original address on a source's page: Robust Links data, and the note."""
    if mark is None:
        return None
    return {
        "version": mark.version_url(page),
        "date": mark.date,
        "note": f"{mark.note()}: this page keeps the archived copy" if mark.dead else "",
    }


# (page name, fingerprint of everything the page is made from) -> the previous bytes
Reuse = Callable[[str, str], bytes | None]


@dataclass(frozen=True, slots=True)
class Site:
    files: dict[str, bytes]  # path inside html/ -> bytes
    fingerprints: dict[str, str]  # page -> fingerprint of its inputs
    rendered: tuple[str, ...]  # pages rendered this time (the others were reused)
    search: SectionRecord = field(default_factory=dict)  # for the next build's index


def theme_fingerprint(root: Path) -> str:
    """Every file of the theme and of the project's templates/, names and bytes (only
    regular files inside their folders: a symlink out of the project is never read)."""
    h = hashlib.sha256()
    base = root.resolve()
    for name, path in theme_files(root):
        h.update(name.encode() + b"\0")
        try:
            data = read_theme_file(path, THEME_DIR if path.is_relative_to(THEME_DIR) else base)
        except (OSError, Refused):
            data = b"\0unreadable"  # reported by check_overrides; any change still counts
        h.update(hashlib.sha256(data).digest())
    return h.hexdigest()


def render_site(si: SiteInput, changes: Mapping[str, object] | None = None) -> dict[str, bytes]:
    return build_site(si, changes).files


def build_site(
    si: SiteInput,
    changes: Mapping[str, object] | None = None,
    reuse: Reuse | None = None,
    progress: Callable[[str], None] | None = None,
    pdf: PdfLink | None = None,
    searched: Mapping[str, object] | None = None,
) -> Site:
    """The site's files. With `reuse`, a page whose inputs are unchanged since the last
    build is taken from it instead of being rendered again. With `pdf`, every page links
    the PDF (its size only on the title page: the other pages stay reusable). `searched`
    is the last build's record of the search index (see search_index)."""
    # si.formatted was cleaned where it left pandoc (cite.engine); what the pages show of
    # it is cleaned again as it is used (RenderContext.bib_link), since the cache it may
    # come from sits in the project's own output folder
    env = environment(si.config.root)
    chapters = si.collected.chapters
    page_of = {c.path: c.page for c in chapters}
    base = {
        "site": site_context(si.config),
        "contents": contents(chapters),
        "has_bibliography": bool(si.formatted.order),
        "has_changes": changes is not None,
        "pdf": {"href": pdf.name} if pdf else None,
        "abbreviations": abbreviation_rows(si.abbreviations),
    }
    assets = {name: static_asset(si.config.root, name) for name in STATIC}
    # named by their bytes (render.assets); the search index, made last, by a stand-in
    # that is replaced in every page at the end (so that pages stay reusable)
    named = {
        name: f"assets/{fingerprinted(name, data) if name in FINGERPRINTED else name}"
        for name, data in assets.items()
    }
    base["assets"] = {**named, "search-index.js": INDEX_STANDIN}
    files: dict[str, bytes] = {}
    fingerprints: dict[str, str] = {}
    rendered: list[str] = []
    project_templates = overrides_html(si.config.root)
    # the project folder itself is left out, so a moved checkout keeps its cache
    settings = {f.name: getattr(si.config, f.name) for f in fields(si.config) if f.name != "root"}
    common = digest(__version__, theme_fingerprint(si.config.root), settings, base)
    sources = (
        source_pages(
            si.config,
            si.bibliography,
            si.formatted,
            si.evidence,
            si.collected.citing,
            page_of,
            {c.path: f"{c.number} {c.title_text}" for c in chapters},
        )
        if si.evidence is not None and si.bibliography is not None
        else []
    )
    source_of = {p.key: p.name for p in sources}
    # the live web (dossier.live.marks): Robust Links attributes and dead-link notes on
    # the references, from what sources.lock recorded; every page showing one has them
    marks = (
        link_marks(si.bibliography, si.evidence.records)
        if si.evidence is not None and si.bibliography is not None
        else {}
    )
    si = replace(si, formatted=decorate(si.formatted, marks, source_of))
    found = quotes_found(si.evidence.checks if si.evidence is not None else ())
    links = site_backlinks(si.collected, page_of)
    share = budget_for([(c.page, c.title_text) for c in chapters])  # of each page's bytes
    order = si.formatted.order
    bib_pages = paginate(order, si.formatted.bibliography, links, share) if order else []
    ref_pages = page_of_key(bib_pages) if len(bib_pages) > 1 else {}
    base["bibliography_pages"] = [p.name for p in bib_pages]

    def entry(k: str) -> dict[str, object]:
        return {
            "key": k,
            "html": Markup(si.formatted.bibliography[k]),
            "cited": links.get(k),
            "source": source_of.get(k, ""),
            "archived": _archived_link(marks.get(k), source_of.get(k, "")),
        }

    pages = 1 + len(chapters) + len(bib_pages) + len(sources) + (changes is not None)

    def emit(
        name: str,
        template: str,
        body: Callable[[], dict[str, object]] | None = None,
        body_inputs: object = None,
        **extra: object,
    ) -> None:
        fingerprint = digest(common, name, template, extra, body_inputs)
        fingerprints[name] = fingerprint
        if progress is not None:
            progress(f"making the site ({len(fingerprints)}/{pages} pages)")
        old = reuse(name, fingerprint) if reuse else None
        if old is not None:
            files[name] = old
            return
        more = body() if body else {}
        # every page carries the policy that lets only assets/site.js run; the pages of
        # a project's templates are also parsed as a browser would and checked
        text = with_csp(env.get_template(template).render(**base, current=name, **extra, **more))
        if project_templates:
            check_rendered(name, text, site=True)
        files[name] = text.encode("utf-8")
        rendered.append(name)

    emit(
        "index.html",
        "index.html",
        pdf_size=human_size(pdf.size) if pdf else "",
        cite_this=cite_this(si.config),
        prev=None,
        next={"page": chapters[0].page, "title": chapters[0].title_text} if chapters else None,
    )
    images = {src: "media/" + rel for src, rel in si.images.items()}
    # what every chapter body may use, hashed once rather than once per page
    shared = digest(
        sorted(si.collected.targets.items()),
        sorted(images.items()),
        sorted(ref_pages.items()),
    )
    for i, (info, chapter) in enumerate(zip(chapters, si.chapters, strict=True)):
        ctx = RenderContext(
            "site",
            si.formatted,
            si.collected.targets,
            page_of,
            images,
            si.figures,
            page=info.page,
            ref_pages=ref_pages,
        )

        def body(
            ctx: RenderContext = ctx, chapter: Chapter = chapter, info: ChapterInfo = info
        ) -> dict[str, object]:
            html = render_chapter(si.tree(chapter), info, ctx)
            html = mark_first_uses(html, si.abbreviations)
            # the title apart, so that "On this page" can follow it (chapter.html)
            title, end, rest = html.partition("</h1>")
            return {
                "body": Markup(html),
                "body_title": Markup(title + end if end else ""),
                "body_rest": Markup(rest if end else html),
                "notes": [{"id": cid, "html": Markup(note)} for cid, note in ctx.notes],
                "popovers": popover_data(info.clusters, si.formatted, found, source_of),
            }

        prev = chapters[i - 1] if i > 0 else None
        nxt = chapters[i + 1] if i + 1 < len(chapters) else None
        chapter_refs = []
        if si.config.html.chapter_bibliographies:
            keys = {item.key for c in info.clusters for item in c.items}
            chapter_refs = [
                Markup(ctx.bib_link(si.formatted.bibliography[k]))
                for k in si.formatted.order
                if k in keys
            ]
        # what the body is made from besides `extra`: the text (by its SHA-256), its
        # citations as formatted, every cross-reference target and image, the drawn
        # figures it shows (an edited timeline makes its own page again, no other), and
        # what its pop-overs show
        shown = sorted({image.src for image in chapter.scan.images} & si.figures.keys())
        body_inputs = (
            [(src, si.figures[src].digest()) for src in shown],
            chapter.sha,
            info.number,
            info.page,
            [(c.id, si.formatted.citations.get(c.id)) for c in info.clusters],
            shared,
            popover_inputs(info.clusters, si.formatted, found, source_of),
        )
        emit(
            info.page,
            "chapter.html",
            body,
            body_inputs,
            chapter=chapter_context(info),
            chapter_refs=chapter_refs,
            prev={
                "page": prev.page if prev else "index.html",
                "title": prev.title_text if prev else "Contents",
            },
            next=(
                {"page": nxt.page, "title": nxt.title_text}
                if nxt
                else {"page": "bibliography.html", "title": "Bibliography"}
                if si.formatted.order
                else None
            ),
        )
    for n, bib in enumerate(bib_pages):
        neighbours = [
            {"page": p.name, "title": f"Bibliography {p.label}"} for p in bib_pages[n - 1 : n] if n
        ]
        after = bib_pages[n + 1 : n + 2]
        emit(
            bib.name,
            "bibliography.html",
            page={"label": bib.label, "number": n + 1},
            pages=[{"name": p.name, "label": p.label} for p in bib_pages],
            sections=[
                {
                    "letter": s.letter,
                    "id": letter_id(s.letter) if s.letter and not s.continued else "",
                    "continued": s.continued,
                    "entries": [entry(k) for k in s.keys],
                }
                for s in bib.sections
            ],
            prev=neighbours[0]
            if neighbours
            else {"page": chapters[-1].page, "title": chapters[-1].title_text}
            if chapters
            else None,
            next={"page": after[0].name, "title": f"Bibliography {after[0].label}"}
            if after
            else None,
        )
    for page in sources:
        emit(
            page.name,
            "source.html",
            source={
                **page.context,
                "reference": Markup(si.formatted.bibliography.get(page.key, "")),
                "live": _source_live(marks.get(page.key), page.name),
            },
            prev={"page": "changes.html", "title": "Sources and changes"},
            next=None,
        )
    if changes is not None:
        listing = [
            {
                "key": p.key,
                "title": p.context["title"],
                "page": p.name,
                "path": p.context["path"],
                "state": p.context["state"],
                "locked": p.context["locked"],
                "quotations": len(p.context["quotations"]),
                "found": sum(q["status"] == "found" for q in p.context["quotations"]),
            }
            for p in sources
        ]
        # a `file` field may name a hidden project file: nothing of it is shown (publishable)
        listed_changes = changes.get("changes")
        report = {
            **changes,
            "changes": [
                c
                for c in (listed_changes if isinstance(listed_changes, list) else [])
                if isinstance(c, dict) and publishable(str(c.get("path")))
            ],
        }
        emit(
            "changes.html",
            "changes.html",
            report=report,
            sources=listing,
            readers=changes_context(
                report,
                si.bibliography,
                {k: ref_pages.get(k, FIRST_PAGE) for k in si.formatted.order},
                links,
                source_of,
            ),
            prev=None,
            next=None,
        )
    for name, data in assets.items():
        files[named[name]] = data
    index, record = search_index(
        (
            (c.page, fingerprints[c.page], f"{c.number} {c.title_text}", files[c.page].decode())
            for c in chapters
        ),
        searched or {},
    )
    index_name = "assets/" + fingerprinted("search-index.js", index)
    files[index_name] = index
    for name in fingerprints:  # every page, rendered or reused, names this build's index
        files[name] = _INDEX_ATTR.sub(f'data-index="{index_name}"'.encode(), files[name])
    return Site(files, fingerprints, tuple(rendered), record)
