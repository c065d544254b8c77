"""The registry of diagnostic codes (dossier/codes.py) against the codes the package
really emits, found by reading its source; `dossier codes`; and the manual's page made
from the registry (docs/chapters/06-diagnostics.md), which must not drift from it.

The source is read with `ast`. A code counts as emitted where it is written as a string
literal given to error(), warning(), note() or Diagnostic() (under whatever name the
module imports them), or to a local alias such as `make = error if fatal else warning`;
or where a local variable given as the code takes its value from literals or from a
table of them (`code, message = _PROBLEMS.get(reason, ("source.unreadable", ...))`); or
where an exception class that carries a code (`StyleError("csl.syntax", ...)`, whose
method calls `error(self.code, ...)`) is made. Anything else that gives a computed code
fails the test, naming the place, so the registry can never silently miss a code."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pytest

import dossier
from dossier import codes
from dossier.diagnostics import Severity

PACKAGE = Path(dossier.__file__).resolve().parent
REPO = PACKAGE.parent
DOCS_PAGE = REPO / "docs" / "chapters" / "06-diagnostics.md"
DOCS_TOML = REPO / "docs" / "dossier.toml"
REGENERATE = ".venv/bin/dossier codes --markdown > docs/chapters/06-diagnostics.md"

HELPERS = {"error": Severity.ERROR, "warning": Severity.WARNING, "note": Severity.NOTE}

# The only places that may construct a Diagnostic from a code that is not a literal:
# each passes on, unchanged, a code some other place emitted (and this test collected).
PASS_THROUGH = {
    ("diagnostics.py", "error"): "the helper itself",
    ("diagnostics.py", "warning"): "the helper itself",
    ("diagnostics.py", "strict"): "--strict re-issues a warning as an error, same code",
    ("diagnostics.py", "decode_diagnostics"): "diagnostics read back from the build cache",
}

Severities = frozenset[Severity]


@dataclass
class Emitted:
    """What the package's source says about codes."""

    used: dict[str, set[Severity]] = field(default_factory=lambda: defaultdict(set))
    where: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    severity_where: dict[tuple[str, Severity], list[str]] = field(
        default_factory=lambda: defaultdict(list)
    )
    compared: list[tuple[str, str, bool]] = field(default_factory=list)  # code, place, prefix?
    passed_through: set[tuple[str, str]] = field(default_factory=set)
    problems: list[str] = field(default_factory=list)
    imports_of_codes: list[tuple[str, str]] = field(default_factory=list)

    def add(self, code: str, severity: Severity, place: str) -> None:
        self.used[code].add(severity)
        self.where[code].append(place)
        self.severity_where[(code, severity)].append(place)


@dataclass(frozen=True)
class Carrier:
    """A class that carries a code to a later error(self.<attr>, ...): each construction
    of it is an emission of the code given as its `attr` argument."""

    name: str
    attr: str
    index: int  # of the attr among __init__'s arguments after self
    severities: Severities


def _imported_helpers(
    tree: ast.Module, rel: str
) -> tuple[dict[str, Severities], set[str], set[str]]:
    """Local names of the helpers, of Diagnostic, and of the diagnostics module."""
    helpers: dict[str, Severities] = {}
    diagnostic: set[str] = set()
    modules: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            for alias in node.names:
                local = alias.asname or alias.name
                if (node.module or "").endswith("diagnostics"):
                    if alias.name in HELPERS:
                        helpers[local] = frozenset({HELPERS[alias.name]})
                    elif alias.name == "Diagnostic":
                        diagnostic.add(local)
                elif alias.name == "diagnostics":
                    modules.add(local)
    if rel == "diagnostics.py":
        helpers.update({name: frozenset({s}) for name, s in HELPERS.items()})
        diagnostic.add("Diagnostic")
    return helpers, diagnostic, modules


def _carriers(trees: dict[str, ast.Module]) -> dict[str, Carrier]:
    """Classes whose methods call a helper with `self.<attr>` as the code, <attr> being an
    argument of their __init__."""
    found: dict[str, Carrier] = {}
    for rel, tree in trees.items():
        helpers, _, _ = _imported_helpers(tree, rel)
        for cls in (n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)):
            init = next(
                (f for f in cls.body if isinstance(f, ast.FunctionDef) and f.name == "__init__"),
                None,
            )
            params = [a.arg for a in init.args.args[1:]] if init else []
            for call in (n for n in ast.walk(cls) if isinstance(n, ast.Call)):
                if not (isinstance(call.func, ast.Name) and call.func.id in helpers):
                    continue
                arg = call.args[0] if call.args else _keyword(call, "code")
                if (
                    isinstance(arg, ast.Attribute)
                    and isinstance(arg.value, ast.Name)
                    and arg.value.id == "self"
                    and arg.attr in params
                ):
                    old = found.get(cls.name)
                    severities = helpers[call.func.id] | (old.severities if old else frozenset())
                    found[cls.name] = Carrier(
                        cls.name, arg.attr, params.index(arg.attr), severities
                    )
    return found


class _Collector(ast.NodeVisitor):
    """Collects the codes one module emits (see the module's docstring)."""

    def __init__(
        self, rel: str, tree: ast.Module, out: Emitted, carriers: dict[str, Carrier]
    ) -> None:
        self.rel, self.out, self.carriers = rel, out, carriers
        self.helpers, self.diagnostic_names, self.modules = _imported_helpers(tree, rel)
        self.functions: list[ast.FunctionDef | ast.AsyncFunctionDef] = []
        self.classes: list[str] = []
        self.aliases: list[dict[str, Severities]] = [{}]
        self.called: set[int] = set()  # id() of Name nodes that are the callee of a call
        self.assigned: set[int] = set()  # id() of Name nodes read into a helper alias
        self.tables: dict[str, ast.expr] = {}  # module-level NAME = {...}
        for node in tree.body:
            value = node.value if isinstance(node, ast.Assign | ast.AnnAssign) else None
            targets = (
                node.targets
                if isinstance(node, ast.Assign)
                else [node.target]
                if isinstance(node, ast.AnnAssign)
                else []
            )
            for target in targets:
                if isinstance(target, ast.Name) and isinstance(value, ast.Dict):
                    self.tables[target.id] = value
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (
                "codes" in [a.name for a in node.names] or (node.module or "").endswith("codes")
            ):
                out.imports_of_codes.append((rel, self.place(node)))
            if isinstance(node, ast.Import) and "dossier.codes" in [a.name for a in node.names]:
                out.imports_of_codes.append((rel, self.place(node)))

    def place(self, node: ast.AST) -> str:
        return f"dossier/{self.rel}:{getattr(node, 'lineno', 0)}"

    # scopes ----------------------------------------------------------------------------

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self.classes.append(node.name)
        self.generic_visit(node)
        self.classes.pop()

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self.functions.append(node)
        self.aliases.append({})
        self.generic_visit(node)
        self.aliases.pop()
        self.functions.pop()

    visit_AsyncFunctionDef = visit_FunctionDef

    def helper(self, name: str) -> Severities | None:
        for scope in reversed(self.aliases):
            if name in scope:
                return scope[name]
        return self.helpers.get(name)

    def _helper_expr(self, node: ast.expr) -> Severities | None:
        """The severities of an expression made only of helpers (`error if x else warning`)."""
        if isinstance(node, ast.Name):
            return self.helper(node.id)
        parts: list[ast.expr] = []
        if isinstance(node, ast.IfExp):
            parts = [node.body, node.orelse]
        elif isinstance(node, ast.BoolOp):
            parts = list(node.values)
        found = [self._helper_expr(p) for p in parts]
        if not parts or any(f is None for f in found):
            return None
        return frozenset().union(*(f for f in found if f is not None))

    def visit_Assign(self, node: ast.Assign) -> None:
        severities = self._helper_expr(node.value)
        if severities is not None and not isinstance(node.value, ast.Name | ast.Constant):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    self.aliases[-1][target.id] = severities
            self.assigned.update(id(n) for n in ast.walk(node.value) if isinstance(n, ast.Name))
        self.generic_visit(node)

    # calls -----------------------------------------------------------------------------

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        name = func.id if isinstance(func, ast.Name) else None
        if (
            isinstance(func, ast.Attribute)
            and isinstance(func.value, ast.Name)
            and func.value.id in self.modules
            and func.attr in (*HELPERS, "Diagnostic")
        ):
            name = func.attr
        if isinstance(func, ast.Name):
            self.called.add(id(func))
        callee = func.attr if isinstance(func, ast.Attribute) else name
        severities = self.helper(name) if name else None
        if name is not None and (name in self.diagnostic_names or name == "Diagnostic"):
            self._diagnostic(node)
        elif severities is not None:
            self._emit(node, node.args[0] if node.args else _keyword(node, "code"), severities)
        elif callee in self.carriers:
            carrier = self.carriers[callee]
            arg = (
                node.args[carrier.index]
                if len(node.args) > carrier.index
                else _keyword(node, carrier.attr)
            )
            self._emit(node, arg, carrier.severities)
        elif _keyword(node, "code") is not None:
            self.out.problems.append(
                f"{self.place(node)}: a code given as code=... to {ast.unparse(func)}(), a call "
                "this test cannot follow; use error()/warning()/Diagnostic() or teach the test"
            )
        self._comparison_in_call(node)
        self.generic_visit(node)

    def _diagnostic(self, node: ast.Call) -> None:
        sev = node.args[0] if node.args else _keyword(node, "severity")
        arg = node.args[1] if len(node.args) > 1 else _keyword(node, "code")
        if (
            isinstance(sev, ast.Attribute)
            and isinstance(sev.value, ast.Name)
            and sev.value.id == "Severity"
            and sev.attr in Severity.__members__
        ):
            self._emit(node, arg, frozenset({Severity[sev.attr]}))
        elif not self._passed_through():
            self.out.problems.append(
                f"{self.place(node)}: Diagnostic({ast.unparse(sev) if sev else '?'}, ...): "
                "write the severity as Severity.ERROR, Severity.WARNING or Severity.NOTE"
            )

    def _passed_through(self) -> bool:
        scope = (self.rel, self.functions[-1].name if self.functions else "")
        if scope in PASS_THROUGH:
            self.out.passed_through.add(scope)
            return True
        return False

    def _emit(self, node: ast.Call, arg: ast.expr | None, severities: Severities) -> None:
        found = self._resolve(arg) if arg is not None else None
        if found is None and isinstance(arg, ast.Attribute) and _is_self_attr(arg):
            carrier = self.carriers.get(self.classes[-1] if self.classes else "")
            if carrier is not None and carrier.attr == arg.attr:
                return  # collected where the carrier is made
        if found is None:
            if self._passed_through():
                return
            shown = ast.unparse(arg) if arg is not None else "nothing"
            self.out.problems.append(
                f"{self.place(node)}: the code is computed ({shown}); write it as a string "
                "literal, at the call or in a table of literals, so that it can be checked "
                "against dossier/codes.py"
            )
            return
        for code in found:
            for severity in severities:
                self.out.add(code, severity, self.place(node))

    def _resolve(self, node: ast.expr, index: int | None = None) -> list[str] | None:
        """The string literals `node` can evaluate to (element `index` of a tuple), or None
        when it can be anything else."""
        if index is not None and isinstance(node, ast.Tuple):
            return self._resolve(node.elts[index]) if len(node.elts) > index else None
        if isinstance(node, ast.Constant):
            return [node.value] if isinstance(node.value, str) and index is None else None
        if isinstance(node, ast.IfExp):
            return _join(self._resolve(node.body, index), self._resolve(node.orelse, index))
        if isinstance(node, ast.BoolOp):
            return _join(*(self._resolve(v, index) for v in node.values))
        if isinstance(node, ast.Subscript):
            return self._table(node.value, index)
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "get"
            and len(node.args) == 2
        ):
            return _join(self._table(node.func.value, index), self._resolve(node.args[1], index))
        if isinstance(node, ast.Name) and self.functions:
            return self._local(node.id, index)
        return None

    def _table(self, node: ast.expr, index: int | None) -> list[str] | None:
        table = self.tables.get(node.id) if isinstance(node, ast.Name) else node
        if not isinstance(table, ast.Dict) or not table.values:
            return None
        return _join(*(self._resolve(v, index) for v in table.values))

    def _local(self, name: str, index: int | None) -> list[str] | None:
        """What the local variable `name` is assigned in the current function."""
        values: list[list[str] | None] = []
        for node in ast.walk(self.functions[-1]):
            if not isinstance(node, ast.Assign):
                continue
            for target in node.targets:
                if isinstance(target, ast.Name) and target.id == name:
                    values.append(self._resolve(node.value, index) if index is None else None)
                elif isinstance(target, ast.Tuple):
                    names = [t.id if isinstance(t, ast.Name) else "" for t in target.elts]
                    if name in names and index is None:
                        values.append(self._resolve(node.value, names.index(name)))
        return _join(*values) if values else None

    # codes read back: d.code == "x", d.code in (...), d.code.startswith("x.") ------------

    def visit_Compare(self, node: ast.Compare) -> None:
        sides = [node.left, *node.comparators]
        if any(_is_code_attr(s) for s in sides):
            for side in sides:
                for literal in _literals(side):
                    self.out.compared.append((literal, self.place(node), False))
        self.generic_visit(node)

    def _comparison_in_call(self, node: ast.Call) -> None:
        func = node.func
        if (
            isinstance(func, ast.Attribute)
            and func.attr in ("startswith", "endswith")
            and _is_code_attr(func.value)
        ):
            for arg in node.args:
                for literal in _literals(arg):
                    self.out.compared.append((literal, self.place(node), func.attr == "startswith"))

    # helpers used as values, where calls through them could not be followed -------------

    def visit_Name(self, node: ast.Name) -> None:
        if (
            isinstance(node.ctx, ast.Load)
            and node.id in self.helpers
            and self.helper(node.id) is not None
            and id(node) not in self.called
            and id(node) not in self.assigned
        ):
            self.out.problems.append(
                f"{self.place(node)}: {node.id} is passed on as a value; calls through it "
                "cannot be collected: call it directly, or teach this test the new form"
            )


def _join(*parts: list[str] | None) -> list[str] | None:
    if not parts or any(p is None for p in parts):
        return None
    return [code for p in parts if p is not None for code in p]


def _keyword(node: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in node.keywords if k.arg == name), None)


def _is_self_attr(node: ast.Attribute) -> bool:
    return isinstance(node.value, ast.Name) and node.value.id == "self"


def _is_code_attr(node: ast.expr) -> bool:
    return isinstance(node, ast.Attribute) and node.attr == "code"


def _literals(node: ast.expr) -> list[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return [
            e.value for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)
        ]
    return []


def _scan(trees: dict[str, ast.Module]) -> Emitted:
    out = Emitted()
    carriers = _carriers(trees)
    for rel, tree in trees.items():
        _Collector(rel, tree, out, carriers).visit(tree)
    return out


def _collect() -> Emitted:
    trees = {
        path.relative_to(PACKAGE).as_posix(): ast.parse(path.read_text(encoding="utf-8"))
        for path in sorted(PACKAGE.rglob("*.py"))
        if path.name != "codes.py" or path.parent != PACKAGE
    }
    return _scan(trees)


@pytest.fixture(scope="module")
def emitted() -> Emitted:
    return _collect()


def _places(places: list[str]) -> str:
    return ", ".join(places[:6]) + (f" and {len(places) - 6} more" if len(places) > 6 else "")


# --- the registry against the source ----------------------------------------------------


def test_every_code_is_collectable(emitted: Emitted) -> None:
    assert not emitted.problems, "codes the test cannot check:\n  " + "\n  ".join(emitted.problems)


def test_pass_through_places_still_exist(emitted: Emitted) -> None:
    stale = sorted(set(PASS_THROUGH) - emitted.passed_through)
    assert not stale, (
        f"PASS_THROUGH in {Path(__file__).name} names places that no longer construct a "
        f"Diagnostic from a computed code: {stale}; remove them"
    )


def test_registry_holds_exactly_the_codes_emitted(emitted: Emitted) -> None:
    registered = set(codes.by_code())
    missing = sorted(set(emitted.used) - registered)
    dead = sorted(registered - set(emitted.used))
    lines = []
    if missing:
        lines.append("emitted but not in dossier/codes.py (add them to a Group there):")
        lines += [f"  {c}  used at {_places(emitted.where[c])}" for c in missing]
    if dead:
        lines.append("in dossier/codes.py but emitted nowhere in dossier/ (remove them):")
        lines += [f"  {c}" for c in dead]
    if lines:
        lines.append(f"then regenerate the manual's page: {REGENERATE}")
    assert not lines, "\n".join(lines)


def test_registered_severities_are_the_ones_used(emitted: Emitted) -> None:
    wrong = []
    for code, entry in codes.by_code().items():
        used = emitted.used.get(code)
        if used is None or set(entry.severities) == used:
            continue
        detail = "; ".join(
            f"{s.value} at {_places(emitted.severity_where[(code, s)])}"
            for s in Severity
            if s in used
        )
        registered = "/".join(s.value for s in entry.severities)
        wrong.append(f"  {code}: registered as {registered}, emitted as {detail}")
    assert not wrong, "severities in dossier/codes.py differ from the source:\n" + "\n".join(wrong)


def test_codes_read_back_are_registered(emitted: Emitted) -> None:
    """`d.code == "config.type"` or `d.code.startswith("cache.")` must name real codes."""
    registered = set(codes.by_code())
    prefixes = {g.prefix for g in codes.GROUPS}
    bad = [
        f"  {literal!r} at {place}"
        for literal, place, prefix in emitted.compared
        if not (
            (prefix and literal.endswith(".") and literal[:-1] in prefixes) or literal in registered
        )
    ]
    assert not bad, "the source compares diagnostic codes that do not exist:\n" + "\n".join(bad)


def test_the_collector_sees_every_form() -> None:
    """The collector on modules written in every form it must follow, or refuse."""
    source = """
from .diagnostics import Diagnostic, Severity, error, warning as warn
from . import diagnostics

_TABLE = {"x": ("a.table", "message"), "y": ("a.table2", "message")}

def f(fatal, d, code, reason):
    make = error if fatal else warn
    make("a.either", "m")
    error("a.error", "m")
    warn(code="a.warning", message="m")
    diagnostics.error("a.module", "m")
    Diagnostic(Severity.NOTE, "a.note", "m")
    error(code, "m")
    g(error)
    d.code == "a.read"
    d.code.startswith("a.")
    picked, message = _TABLE.get(reason, ("a.default", "m"))
    error(picked, message)
    inline = {"x": "a.inline"}.get(reason, "a.inline-default")
    warn(inline, "m")
    error(f"a.{reason}", "m")
    raise Carried("a.carried", "m")

class Carried(Exception):
    def __init__(self, code, message):
        self.code, self.message = code, message

    def diagnostic(self):
        return error(self.code, self.message)
"""
    E, W, N = Severity.ERROR, Severity.WARNING, Severity.NOTE
    out = _scan({"example.py": ast.parse(source)})
    assert dict(out.used) == {
        "a.either": {E, W},
        "a.error": {E},
        "a.warning": {W},
        "a.module": {E},
        "a.note": {N},
        "a.table": {E},
        "a.table2": {E},
        "a.default": {E},
        "a.inline": {W},
        "a.inline-default": {W},
        "a.carried": {E},
    }
    assert [p.split(": ", 1)[0] for p in out.problems] == [
        "dossier/example.py:14",
        "dossier/example.py:15",
        "dossier/example.py:22",
    ]
    assert out.compared == [
        ("a.read", "dossier/example.py:16", False),
        ("a.", "dossier/example.py:17", True),
    ]


# --- the registry itself ------------------------------------------------------------------


def test_registry_is_well_formed() -> None:
    seen: set[str] = set()
    prefixes = [g.prefix for g in codes.GROUPS]
    assert len(prefixes) == len(set(prefixes)), "two groups share a prefix"
    for group in codes.GROUPS:
        assert group.title and group.description.endswith("."), group.prefix
        assert group.codes, f"group {group.prefix} is empty"
        names = [c.code for c in group.codes]
        assert names == sorted(names), f"codes of group {group.prefix} are not in order"
        for entry in group.codes:
            assert entry.code not in seen, f"{entry.code} is registered twice"
            seen.add(entry.code)
            assert entry.code == group.prefix or entry.code.startswith(group.prefix + "."), (
                f"{entry.code} is in group {group.prefix}"
            )
            assert re.fullmatch(r"[a-z]+(\.[a-z0-9]+(-[a-z0-9]+)*)?", entry.code), entry.code
            assert entry.severities, f"{entry.code} has no severity"
            assert list(entry.severities) == sorted(
                set(entry.severities), key=list(Severity).index
            ), f"{entry.code}: severities repeated or out of order (error, warning, note)"
            for text in (entry.meaning, entry.fix):
                assert text.strip() == text and "\n" not in text, entry.code
                assert text.endswith("."), f"{entry.code}: {text!r} does not end a sentence"
    assert [c.code for c in codes.CODES] == [c.code for g in codes.GROUPS for c in g.codes]


def test_the_registry_is_not_imported_by_a_build() -> None:
    """Only the `codes` command pays for dossier/codes.py: cli.py imports it inside the
    command, and nothing else imports it."""
    found = _collect().imports_of_codes
    assert [rel for rel, _ in found] == ["cli.py"], found
    tree = ast.parse((PACKAGE / "cli.py").read_text(encoding="utf-8"))
    top_level = [
        n
        for n in tree.body
        if isinstance(n, ast.ImportFrom | ast.Import) and "codes" in ast.dump(n)
    ]
    assert not top_level, "cli.py imports the registry at module level"
    loaded = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, dossier.cli, dossier.diagnostics, dossier.build; "
            "print('dossier.codes' in sys.modules)",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert loaded.stdout.strip() == "False"


# --- dossier codes ----------------------------------------------------------------------


def test_codes_command_needs_no_project(run_cli, tmp_path: Path) -> None:
    code, err = run_cli(["codes"], tmp_path)
    assert (code, err) == (0, "")
    lines = run_cli.out.splitlines()
    assert len(lines) == len(codes.CODES)
    assert run_cli.out == codes.plain()
    first = codes.CODES[0]
    assert lines[0].split()[:2] == [first.code, "/".join(s.value for s in first.severities)]
    assert lines[0].endswith(first.meaning)


def test_codes_markdown_prints_the_manual_page(run_cli, tmp_path: Path) -> None:
    code, err = run_cli(["codes", "--markdown"], tmp_path)
    assert (code, err) == (0, "")
    assert run_cli.out == codes.markdown()
    assert run_cli.out.startswith("# Diagnostics {#sec-diagnostics}\n")
    for entry in codes.CODES:
        assert f"\n`{entry.code}` (" in run_cli.out


# --- the manual's page ----------------------------------------------------------------


def test_the_manual_page_is_the_generated_one() -> None:
    assert DOCS_PAGE.is_file(), f"{DOCS_PAGE} is missing; make it with: {REGENERATE}"
    committed = DOCS_PAGE.read_text(encoding="utf-8")
    assert committed == codes.markdown(), (
        f"docs/chapters/06-diagnostics.md differs from dossier/codes.py; regenerate it "
        f"with: {REGENERATE}"
    )


def test_the_manual_lists_the_page() -> None:
    text = DOCS_TOML.read_text(encoding="utf-8")
    assert '"chapters/06-diagnostics.md"' in text


def test_the_page_builds_cleanly_on_its_own(make_project, build_project) -> None:
    """No warning under --strict: no raw HTML, no stray citation or cross-reference."""
    root = make_project(
        {
            "dossier.toml": 'title = "Manual"\nchapters = ["chapters/06-diagnostics.md"]\n'
            'nocite = ["*"]\n',
            "chapters/01-a.md": None,
            "chapters/06-diagnostics.md": codes.markdown(),
        }
    )
    built = build_project(root, strict=True)
    assert [d.format() for d in built.result.diagnostics] == []
    page = next(built.html.glob("01-*.html")).read_text(encoding="utf-8")
    assert 'id="sec-diagnostics-bib"' in page
    assert page.count("<dt>") == len(codes.CODES) + 3  # the codes and the 3 severities
