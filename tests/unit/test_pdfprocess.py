"""dossier.render.pdf.process: a child process under a memory limit and a deadline, its
JSON lines read as they come (warnings kept aside), and its failure told in words.
The children here run the standard library's `json.tool`, which prints the JSON lines
of a file: the protocol without WeasyPrint."""

from __future__ import annotations

import json.tool
import resource
import sys
import time
from pathlib import Path

import pytest

from dossier.render.pdf import process as pdfprocess
from dossier.render.pdf.process import Child, Failed, TimedOut, command, memory_cap_mb, reason

LATER = 600.0  # a deadline no test comes near: only the one that must expire is short


def json_tool(argv: list[str]) -> int:
    """`python -m json.tool ARGV`, as a worker's main."""
    sys.argv = ["json.tool", *argv]
    json.tool.main()
    return 0


def child(*args: str) -> Child:
    return Child(json_tool, list(args), 512, time.monotonic() + LATER)


def test_a_worker_is_a_function_the_child_imports() -> None:
    run = command(json_tool)
    assert run[:3] == [sys.executable, "-P", "-c"]
    assert f"from {__name__} import json_tool as m" in run[3]

    def nested(argv: list[str]) -> int:
        return 0

    with pytest.raises(ValueError, match="cannot be imported"):
        command(nested)


def test_reports_and_warnings(tmp_path: Path) -> None:
    lines = tmp_path / "lines.json"
    lines.write_text(
        '{"warning": "careful"}\n{"layout": {"pages": 2, "anchors": {"a": 1}}}\n[1]\n'
        '{"warning": "again"}\n{"pages": 3}\n'
    )
    c = child("--json-lines", "--compact", str(lines))
    try:
        assert c.next_report() == {"layout": {"pages": 2, "anchors": {"a": 1}}}
        assert c.next_report() == {"pages": 3}  # a line that is no object is skipped
        assert c.next_report() is None
        assert c.warnings == ["careful", "again"]
        c.finish()
        assert c.next_report() is None  # ended: it stays ended
    finally:
        c.kill()
    assert c.proc.returncode == 0


@pytest.mark.parametrize(
    "line",
    [
        {"pages": "3"},
        {"pages": True},
        {"pages": -1},
        {"layout": {"pages": 2}},
        {"layout": {"pages": 2, "anchors": {"a": "1"}}},
        {"layout": {"pages": 2, "anchors": []}},
        {"pages": 3, "other": 1},
        {"fetched": {"img/a.png": "not a sha"}},
        {"fetched": {"img/a.png": 1}},
        {"fetched": ["img/a.png"]},
        {"fetched": {}, "pages": 3},
        [1],
        "text",
    ],
)
def test_a_report_of_another_shape_is_skipped(line: object) -> None:
    assert pdfprocess.decode(line) is None


def test_reports_are_decoded() -> None:
    layout = {"layout": {"pages": 2, "anchors": {"fig-1": 2}}}
    assert pdfprocess.decode(layout) == layout
    assert pdfprocess.decode({"pages": 3}) == {"pages": 3}
    assert pdfprocess.decode({"warning": 7}) == {"warning": "7"}
    fetched = {"fetched": {"img/a.png": "ab" * 32, "img/missing.png": None}}
    assert pdfprocess.decode(fetched) == fetched


def test_a_failure_is_told_by_the_last_line_of_its_errors(tmp_path: Path) -> None:
    c = child(str(tmp_path / "missing.json"))
    try:
        with pytest.raises(Failed) as failed:
            c.finish()
    finally:
        c.kill()
    assert "can't open" in str(failed.value) and "missing.json" in str(failed.value)
    assert "\n" not in str(failed.value)


def test_past_the_deadline_it_times_out() -> None:
    # json.tool with no file waits for its input, which never comes: no line, no end
    c = Child(json_tool, [], 512, time.monotonic())
    try:
        with pytest.raises(TimedOut):
            c.next_report()
        with pytest.raises(TimedOut):
            c.finish()
    finally:
        c.kill()
    assert c.proc.returncode is not None  # killed, not left behind
    c.kill()  # twice is harmless


def test_the_current_folder_is_never_imported_from(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A project is often the current folder: a json.py there must not run."""
    (tmp_path / "json.py").write_text(
        f"open({str(tmp_path / 'ran')!r}, 'w').close()\nraise SystemExit(9)\n"
    )
    (tmp_path / "x.json").write_text('{"pages": 1}\n')
    monkeypatch.chdir(tmp_path)
    c = child("--json-lines", "x.json")  # a relative name means nothing in the child
    try:
        with pytest.raises(Failed):
            c.finish()
    finally:
        c.kill()
    assert not (tmp_path / "ran").exists()


def test_memory_cap_follows_a_lower_hard_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    mb = 1024 * 1024
    monkeypatch.setattr(pdfprocess.resource, "getrlimit", lambda _: (0, resource.RLIM_INFINITY))
    assert memory_cap_mb(2048) == 2048
    monkeypatch.setattr(pdfprocess.resource, "getrlimit", lambda _: (0, 1000 * mb))
    assert memory_cap_mb(2048) == 1000
    assert memory_cap_mb(512) == 512
    monkeypatch.setattr(pdfprocess.resource, "getrlimit", lambda _: (0, mb // 2))
    assert memory_cap_mb(512) == 1


@pytest.mark.parametrize(
    ("stderr", "code", "said"),
    [
        ("", -9, "it needed more than 700 MB of memory"),
        ("", 137, "it needed more than 700 MB of memory"),
        ("Traceback ...\nMemoryError\n", 1, "it needed more than 700 MB of memory"),
        (
            "GLib-ERROR: Error creating thread: Resource temporarily unavailable",
            5,
            "it needed more than 700 MB of memory",
        ),
        (
            "Traceback ...\nRecursionError: maximum recursion depth exceeded\n",
            1,
            "the document is nested too deeply",
        ),
        ("first\nValueError: the last line says it\n\n", 1, "ValueError: the last line says it"),
        ("", 3, "the renderer exited with status 3"),
        ("x" * 500, 1, "x" * 300),
    ],
)
def test_reason(stderr: str, code: int, said: str) -> None:
    assert reason(stderr, code, 700) == said
