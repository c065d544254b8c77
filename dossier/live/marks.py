"""What the reader sees of the live web: Robust Links attributes on each cited URL
(data-originalurl, data-versiondate, data-versionurl: the page, when it was
archived, and where the archived copy is), and a note on a link that the last
`sources check --live` found gone or moved. Made from sources.lock only, offline.

The attributes are added to the references after they went through the sanitiser
(render.sanitize), as escaped values dossier computed itself; every address in them
passed the URL policy (web_url) or is a page of the site."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace

from markupsafe import escape

from ..model import Bibliography, Formatted
from ..urls import web_url

ARCHIVE_FIELDS = ("urlarchive", "archiveurl", "archive_url", "archive")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True, slots=True)
class LinkMark:
    key: str
    original: str  # the entry's url (a public web address)
    date: str  # when it was archived (YYYY-MM-DD), "" when unknown
    public_copy: str  # a public web archive's copy named by the entry, "" for none
    dead: str  # "gone" | "moved" | ""
    since: str  # the date of the check that first found it so

    def version_url(self, local: str) -> str:
        """The archived copy: the entry's public one, else the site's page `local`."""
        return self.public_copy or local

    def note(self) -> str:
        if not self.dead:
            return ""
        word = "dead" if self.dead == "gone" else "moved"
        return f"link {word} as of {self.since}"


def _date(value: object) -> str:
    m = _DATE.match(str(value or ""))
    return m.group() if m else ""


def link_marks(
    bib: Bibliography, records: Mapping[str, Mapping[str, object]]
) -> dict[str, LinkMark]:
    """Key -> its mark, for each entry whose url is a public web address."""
    out = {}
    for entry in bib.entries:
        original = web_url(entry.get("url"))
        if not original:
            continue
        record = records.get(entry.key) or {}
        live = record.get("live")
        live = live if isinstance(live, Mapping) else {}
        state = str(live.get("state", ""))
        dead = state if state in ("gone", "moved") else ""
        public = next((web_url(entry.get(f)) for f in ARCHIVE_FIELDS if web_url(entry.get(f))), "")
        date = (
            _date(record.get("captured"))
            or _date(record.get("locked"))
            or _date(entry.get("urldate"))
        )
        since = _date(live.get("since")) or _date(live.get("checked"))
        out[entry.key] = LinkMark(entry.key, original, date, public, dead, since if dead else "")
    return out


def robust_attributes(mark: LinkMark, version_url: str) -> str:
    """The Robust Links attributes, escaped, with a leading space."""
    attrs = [("data-originalurl", mark.original)]
    if mark.date:
        attrs.append(("data-versiondate", mark.date))
    if version_url:
        attrs.append(("data-versionurl", version_url))
    return "".join(f' {name}="{escape(value)}"' for name, value in attrs)


def _note_html(mark: LinkMark, version_url: str, fallback: str) -> str:
    """The note after a dead link: a link to the archived copy on the site; in print,
    the copy's address (or where the dossier keeps it) as text."""
    if not mark.dead:
        return ""
    text = escape(mark.note())
    if version_url:
        read = f'<a href="{escape(version_url)}">read the archived copy</a>'
    elif fallback:
        read = f"read the archived copy ({escape(fallback)})"
    else:
        return f' <span class="link-dead">{text}</span>'
    return f' <span class="link-dead">{text}: {read}</span>'


def decorate(
    formatted: Formatted,
    marks: Mapping[str, LinkMark],
    local: Mapping[str, str],
    kept: Mapping[str, str] | None = None,
) -> Formatted:
    """The references with the URL of each marked entry carrying Robust Links
    attributes and a dead or moved link noted. `local`: key -> the site's page of its
    archived copy; `kept`: key -> where the dossier keeps the copy (for print)."""
    bibliography = dict(formatted.bibliography)
    for key, mark in marks.items():
        html = bibliography.get(key)
        if html is None:
            continue
        version = mark.version_url(local.get(key, ""))
        anchor = f'<a href="{escape(mark.original)}"'
        if anchor in html:
            html = html.replace(anchor, anchor + robust_attributes(mark, version), 1)
        note = _note_html(mark, version, (kept or {}).get(key, ""))
        if note:
            html = _before_last_close(html, note)
        bibliography[key] = html
    return replace(formatted, bibliography=bibliography)


def _before_last_close(html: str, note: str) -> str:
    """The note inside the reference's last closing tag (citeproc's entry is one
    element), else at its end."""
    m = re.search(r"</(div|span|p)>\s*$", html)
    return html[: m.start()] + note + html[m.start() :] if m else html + note
