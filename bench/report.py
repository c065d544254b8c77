"""The goals of issue 6, one row per measurement, and the table and JSON made of them."""

from __future__ import annotations

import json
import statistics
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

Kind = Literal["value", "ratio", "check"]


@dataclass(frozen=True, slots=True)
class Goal:
    kind: Kind  # value: median <= limit; ratio: median paired ratio <= limit; check: all true
    limit: float
    text: str


# measurement -> corpus size ("*": every size) -> goal. Sizes the issue names no goal for
# are measured all the same, for information.
GOALS: dict[str, dict[str, Goal]] = {
    "cold_html": {
        "medium": Goal("ratio", 0.5, "≤ 0.5x pandoc"),
        "large": Goal("ratio", 0.2, "≤ 0.2x pandoc"),
    },
    "parity": {"*": Goal("check", 1, "identical citations")},
    "noop_html": {"*": Goal("value", 0.5, "≤ 0.5 s (well under 1 s)")},
    "warm_prose": {"medium": Goal("value", 0.5, "≤ 0.5 s")},
    "warm_cite": {"*": Goal("ratio", 0.1, "≤ 0.1x cold")},
    "help_weasyprint": {"*": Goal("check", 1, "WeasyPrint not imported")},
    "html_weasyprint": {"*": Goal("check", 1, "WeasyPrint not imported")},
    "cold_pdf": {"medium": Goal("ratio", 0.6, "≤ 0.6x one WeasyPrint")},
    "pdf_rss": {"medium": Goal("ratio", 1.0, "< one WeasyPrint")},
    "noop_pdf": {"*": Goal("value", 0.5, "≤ 0.5 s (well under 1 s)")},
    "noop_pdf_kept": {"*": Goal("check", 1, "PDF not re-rendered")},
    # issue 17: a note style costs what the author-date style costs
    "parity_notes": {"*": Goal("check", 1, "identical notes")},
    "cold_html_notes": {"medium": Goal("ratio", 1.1, "≤ 1.1x author-date")},
    "warm_prose_notes": {"medium": Goal("ratio", 1.1, "≤ 1.1x author-date")},
    "warm_cite_notes": {"medium": Goal("ratio", 1.1, "≤ 1.1x author-date")},
    "warm_locator_notes": {"medium": Goal("ratio", 1.1, "≤ 1.1x author-date")},
}


def goal_for(key: str, corpus: str) -> Goal | None:
    goals = GOALS.get(key, {})
    return goals.get(corpus) or goals.get("*")


@dataclass(frozen=True, slots=True)
class Row:
    corpus: str
    key: str  # stable id, used in JSON and GOALS
    label: str
    unit: Literal["s", "MB", "check"]
    values: tuple[float, ...]  # one per repeat; checks are 1.0 (true) or 0.0
    cpu: tuple[float, ...] = ()  # CPU seconds of the process tree, one per repeat
    ratios: tuple[float, ...] = ()  # paired: values[i] / baseline[i]
    versus: str = ""  # what the ratios are relative to
    command: str = ""
    note: str = ""

    @property
    def median(self) -> float:
        return statistics.median(self.values)

    @property
    def ratio(self) -> float | None:
        return statistics.median(self.ratios) if self.ratios else None

    @property
    def goal(self) -> Goal | None:
        return goal_for(self.key, self.corpus)

    @property
    def passed(self) -> bool | None:
        goal = self.goal
        if goal is None or not self.values:
            return None
        if goal.kind == "check":
            return all(v == 1.0 for v in self.values)
        if goal.kind == "ratio":
            ratio = self.ratio
            return None if ratio is None else ratio <= goal.limit
        return self.median <= goal.limit


def _value(row: Row, v: float) -> str:
    if row.unit == "s":
        return f"{v:.2f} s"
    if row.unit == "MB":
        return f"{v:.0f} MB"
    return "yes" if v == 1.0 else "no"


def _cells(row: Row) -> list[str]:
    if row.unit == "check":
        true = sum(v == 1.0 for v in row.values)
        median = "yes" if true == len(row.values) else f"no ({true}/{len(row.values)} yes)"
        spread = ""
    else:
        median = _value(row, row.median)
        spread = (
            f"{_value(row, min(row.values))} - {_value(row, max(row.values))}"
            if len(row.values) > 1
            else ""
        )
    ratio = f"{row.ratio:.2f}x {row.versus}" if row.ratio is not None else ""
    cpu = f"{statistics.median(row.cpu):.2f} s" if row.cpu else ""
    goal = row.goal.text if row.goal else "—"
    result = {True: "pass", False: "**FAIL**", None: ""}[row.passed]
    label = f"{row.label} ({row.note})" if row.note else row.label
    return [row.corpus, label, median, spread, cpu, ratio, goal, result]


HEADER = ["corpus", "measurement", "median", "min - max", "CPU", "ratio", "goal", "result"]


def table(rows: Sequence[Row]) -> str:
    """A Markdown table, aligned so that it also reads well in a terminal."""
    lines = [HEADER, *(_cells(r) for r in rows)]
    widths = [max(len(line[i]) for line in lines) for i in range(len(HEADER))]

    def fmt(cells: list[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([fmt(HEADER), rule, *(fmt(c) for c in lines[1:])])


def commands(rows: Sequence[Row]) -> str:
    """Each distinct command once, after the measurements that ran it."""
    labels: dict[tuple[str, str], list[str]] = {}
    for row in rows:
        if row.command:
            labels.setdefault((row.corpus, row.command), []).append(row.label)
    return "\n".join(
        f"- {corpus}, {'; '.join(names)}:\n    {command}"
        for (corpus, command), names in labels.items()
    )


def to_json(rows: Sequence[Row], meta: dict[str, Any]) -> dict[str, Any]:
    out = []
    for row in rows:
        item = asdict(row)
        item.update(
            median=row.median,
            min=min(row.values, default=None),
            max=max(row.values, default=None),
            ratio=row.ratio,
            goal=row.goal.text if row.goal else None,
            passed=row.passed,
        )
        out.append(item)
    return {"meta": meta, "rows": out}


def write_json(path: Path, rows: Sequence[Row], meta: dict[str, Any]) -> None:
    path.write_text(
        json.dumps(to_json(rows, meta), indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
