"""Dates as a reader of the dossier's language writes them ("23 November 2026" for
en-GB, "November 23, 2026" for en-US, "23 novembre 2026" for fr), with a small table
of month names rather than a locale library. A language not in the table gets the
ISO date, which every reader can read."""

from __future__ import annotations

import datetime as dt
import re

# month names, space-separated, January first
_MONTHS: dict[str, str] = {
    "en": "January February March April May June July August September October November December",
    "fr": "janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
    "de": "Januar Februar März April Mai Juni Juli August September Oktober November Dezember",
    "es": "enero febrero marzo abril mayo junio "
    "julio agosto septiembre octubre noviembre diciembre",
    "it": "gennaio febbraio marzo aprile maggio giugno "
    "luglio agosto settembre ottobre novembre dicembre",
    "nl": "januari februari maart april mei juni juli augustus september oktober november december",
    "pt": "janeiro fevereiro março abril maio junho "
    "julho agosto setembro outubro novembro dezembro",
}
# {d} day, {m} month name, {y} year; the year and month alone for partial dates
_PATTERNS = {
    "en": ("{d} {m} {y}", "{m} {y}"),
    "en-us": ("{m} {d}, {y}", "{m} {y}"),
    "fr": ("{d} {m} {y}", "{m} {y}"),
    "de": ("{d}. {m} {y}", "{m} {y}"),
    "es": ("{d} de {m} de {y}", "{m} de {y}"),
    "it": ("{d} {m} {y}", "{m} {y}"),
    "nl": ("{d} {m} {y}", "{m} {y}"),
    "pt": ("{d} de {m} de {y}", "{m} de {y}"),
}
_ISO = re.compile(r"^(\d{4})-(\d{2})(?:-(\d{2}))?$")


def long_date(text: str, language: str) -> str:
    """`text` (YYYY-MM-DD or YYYY-MM) in words of `language`; anything else unchanged."""
    m = _ISO.match(text.strip())
    tag = language.lower()
    base = tag.split("-")[0]
    if not m or base not in _MONTHS:
        return text
    year, month, day = int(m.group(1)), int(m.group(2)), m.group(3)
    if not 1 <= month <= 12:
        return text
    full, partial = _PATTERNS.get(tag, _PATTERNS[base])
    name = _MONTHS[base].split()[month - 1]
    if day is None:
        return partial.format(m=name, y=year)
    try:
        dt.date(year, month, int(day))
    except ValueError:
        return text
    return full.format(d=int(day), m=name, y=year)


def build_day(epoch: str, today: dt.date | None = None) -> str:
    """The day of the build as YYYY-MM-DD: SOURCE_DATE_EPOCH's when set (reproducible
    builds), else today's (UTC)."""
    if epoch.strip().isdigit():
        try:
            return dt.datetime.fromtimestamp(int(epoch), dt.UTC).date().isoformat()
        except (OverflowError, OSError, ValueError):
            pass
    return (today or dt.datetime.now(dt.UTC).date()).isoformat()
