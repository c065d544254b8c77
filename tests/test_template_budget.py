"""Project templates run on a budget: a template that would loop for hours, fill memory
or recurse without end stops the build with a `theme.render` error naming the
template, within seconds, and the previous build is left as it was."""

from __future__ import annotations

import time

import pytest

from dossier.render import budget

from .conftest import time_limit

FOREVER = {
    "nested loops": "{% for i in range(100000) %}{% for j in range(100000) %}"
    "{% endfor %}{% endfor %}",
    "a range of a billion": "{% for i in range(10**9) %}{% endfor %}",
    "lipsum of 30 million": "{{ lipsum(n=30000000) }}",
    "a string times ten billion": "{{ 'x' * 10**10 }}",
    "a huge power": "{{ 10 ** 1000000 }}",
    "a huge padding": "{{ 'x'.ljust(10**9) }}",
    "a macro calling itself": "{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}",
    "a gigabyte of output": "{% for i in range(1000000) %}{{ 'y' * 1000 }}{% endfor %}",
}


@pytest.mark.parametrize("case", sorted(FOREVER))
def test_a_runaway_template_is_stopped_at_its_file(
    case: str, make_project, run_cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(budget, "RENDER_SECONDS", 1.0)
    root = make_project({"templates/footer.html": FOREVER[case] + "\n"})
    started = time.monotonic()
    with time_limit(60, lambda: AssertionError(f"{case}: the build did not stop")):
        code, err = run_cli(["build", "--html", "-q"], root)
    assert time.monotonic() - started < 30
    assert code == 1, err
    assert "internal error" not in err and "Traceback" not in err, err
    (line,) = [x for x in err.splitlines() if "[theme.render]" in x]
    # output is counted as it leaves the page, so that error stands where the page was
    # (base.html including the footer) when the budget ran out
    where = "templates/" if case == "a gigabyte of output" else "templates/footer.html:1: "
    assert line.startswith(where) and ": error: template error: " in line, line
    assert not (root / "build").exists()


def test_a_template_within_its_budget_builds(make_project, run_cli) -> None:
    root = make_project(
        {"templates/footer.html": "{% for i in range(3) %}{{ i }}{% endfor %} {{ 2 ** 10 }}\n"}
    )
    code, err = run_cli(["build", "--html", "-q"], root)
    assert code == 0, err
    assert "012 1024" in (root / "build" / "html" / "index.html").read_text(encoding="utf-8")
