"""The repository's own dossier (the MEK, from five archived sources) stays clean:
it builds under --strict, every source is cited and locked, every quotation verifies."""

from __future__ import annotations

from pathlib import Path

from dossier.build import build

ROOT = Path(__file__).resolve().parents[1]


def test_example_dossier_builds_strict_and_cites_every_source(tmp_path: Path) -> None:
    result = build(
        ROOT,
        html=True,
        pdf=False,
        strict=True,
        output=str(tmp_path / "out"),
        progress=lambda _: None,
    )
    assert [d.format() for d in result.diagnostics] == []
    analysis = result.analysis
    assert analysis is not None
    keys = {e.key for e in analysis.bibliography.entries}
    assert len(keys) == 5
    assert set(analysis.collected.citing) == keys
    assert {s.state for s in analysis.evidence.statuses} == {"ok"}
    checks = analysis.evidence.checks
    assert len(checks) >= 12
    assert {c.status for c in checks} == {"found"}
    # every source is quoted at least once
    assert {c.key for c in checks} == keys
    site = tmp_path / "out" / "html"
    assert 'class="timeline"' in (site / "01-summary.html").read_text(encoding="utf-8")
    assert "سازمان مجاهدین خلق ایران" in (site / "02-names.html").read_text(encoding="utf-8")
