"""The cite stage: every citation cluster formatted by the citeproc engine (see cite
and formatting), reusing what the last build formatted, and what formatting would
refuse, found without formatting (for `dossier check`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from ..diagnostics import Diagnostic, Location, error

if TYPE_CHECKING:
    from ..analysis import Analysis
    from ..model import Bibliography, Formatted
    from .record import JSON


def format_citations(analysis: Analysis) -> tuple[Formatted | None, list[Diagnostic]]:
    formatted, diags, _ = format_cached(analysis, {})
    return formatted, diags


def format_cached(
    analysis: Analysis, record: Mapping[str, object]
) -> tuple[Formatted | None, list[Diagnostic], dict[str, JSON]]:
    """Every citation formatted, reusing the cache `record` of the last build; returns
    the record to keep for the next one."""
    from ..model import Formatted
    from . import engine as cite
    from .formatting import Request, TooManyAlike, format_all

    assert analysis.style is not None
    config, collected = analysis.config, analysis.collected
    requests = [Request.of(c) for c in collected.clusters]
    try:
        out, bib, warnings, record = format_all(
            requests,
            analysis.bibliography,
            set(collected.citing),
            analysis.style,
            config.language,
            (*config.nocite, *analysis.charted),
            record,
            notes=collected.notes,
        )  # cleaned where it left pandoc (engine), and again as pages use it (render)
    except TooManyAlike as exc:
        return None, [_too_many_alike(analysis.bibliography, exc.keys)], {}
    except cite.EngineError as exc:
        return (
            None,
            [
                error(
                    "cite.engine",
                    f"citation formatting failed: {exc}",
                    Location(config.bibliography),
                )
            ],
            {},
        )
    citations = {c.id: f for c, f in zip(collected.clusters, out, strict=True)}
    formatted = Formatted(
        citations,
        bib.bibliography,
        bib.order,
        bib.note_style,
        punctuation_in_quote(config.language),
    )
    return formatted, cite.engine_warnings(warnings, config.bibliography), record


def alike_problems(analysis: Analysis) -> list[Diagnostic]:
    """Groups of entries too alike for Pandoc to tell apart in reasonable time."""
    from .families import tie_groups
    from .formatting import MAX_ALIKE, wanted_keys

    config = analysis.config
    pool = wanted_keys(
        analysis.bibliography,
        set(analysis.collected.citing),
        (*config.nocite, *analysis.charted),
    )
    alike = [g for g in tie_groups(analysis.bibliography, pool) if len(g) > MAX_ALIKE]
    return [_too_many_alike(analysis.bibliography, g) for g in alike]


def _too_many_alike(bib: Bibliography, keys: list[str]) -> Diagnostic:
    from .formatting import MAX_ALIKE

    return error(
        "cite.too-many-alike",
        f"{len(keys):,} cited entries share the author and year of '{keys[0]}'; Pandoc "
        f"tells more than {MAX_ALIKE:,} apart (2020a, 2020b, ...) only in many minutes",
        bib.by_key()[keys[MAX_ALIKE]].location,
        "check for duplicated entries, or give the entries their real authors and years",
    )


def punctuation_in_quote(language: str) -> bool:
    """Whether the CSL locale of `language` sets punctuation-in-quote (Formatted keeps
    it for the writers, render.placement): of the locales pandoc ships, en-US (which
    plain `en` falls back to) alone."""
    return language.lower() in ("en", "en-us")
