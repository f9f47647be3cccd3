"""The import graph keeps the layers of DESIGN §3: ``service`` → ``optimizer``, never back.

Read from the source with :mod:`ast` (nothing is imported):

- ``optimizer`` imports neither ``service`` nor a web, database or queue library;
- the modules of ``optimizer`` import each other without a circle (imports at module level,
  those under ``if TYPE_CHECKING:`` aside, since they never run);
- no module of ``optimizer`` imports inside a function, except the lazy imports listed in
  :data:`LAZY_IMPORTS` with their reason (an import to dodge a circle is not one: the circle
  says the layout is wrong);
- no module of ``optimizer`` is over :data:`MAX_LINES` lines;
- no module of ``optimizer`` or ``service`` imports another module's private name (``_x``).

The ``TODO`` allow-lists name modules other sessions are reworking; they shrink to nothing.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MAX_LINES = 650

FORBIDDEN_IN_OPTIMIZER = (
    "service",
    "fastapi",
    "starlette",
    "sqlalchemy",
    "alembic",
    "uvicorn",
    "procrastinate",
    "psycopg",
)
"""Top-level packages the pure layer never imports: the edge, web, database, task queue."""

LAZY_IMPORTS: dict[tuple[str, str], str] = {
    ("optimizer.simulate.plots", "matplotlib.figure"): "matplotlib is heavy; only PNG export",
    ("optimizer.simulate.plots", "plotly.graph_objects"): "plotly is heavy; only HTML export",
}
"""(module, imported module) → why the import waits until the function runs."""

TODO_FUNCTION_IMPORTS: set[str] = set()
"""Modules of other sessions' areas still importing inside functions (to be cleared)."""

TODO_LONG_MODULES: set[str] = set()
"""Modules of other sessions' areas still over :data:`MAX_LINES` (to be cleared)."""

TODO_PRIVATE_IMPORTS: set[str] = set()
"""Modules of other sessions' areas still importing a private name (to be cleared)."""

TODO_CIRCLES: set[frozenset[str]] = set()
"""Import circles in other sessions' areas (to be cleared)."""


@dataclass(frozen=True)
class Import:
    """One import statement: the importing module, what it names, where, and how it runs."""

    module: str
    target: str
    line: int
    in_function: bool
    type_checking: bool


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def source_files(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _targets(node: ast.Import | ast.ImportFrom, module: str, is_package: bool) -> list[str]:
    """The modules an import statement names (relative imports resolved); for ``from m import
    n`` both ``m`` and ``m.n`` (the caller keeps ``m.n`` only when it is a module)."""
    if isinstance(node, ast.Import):
        return [a.name for a in node.names]
    base = node.module or ""
    if node.level:
        anchor = module.split(".")
        if not is_package:
            anchor = anchor[:-1]
        anchor = anchor[: len(anchor) - (node.level - 1)]
        base = ".".join([*anchor, base] if base else anchor)
    return [base] + [f"{base}.{a.name}" for a in node.names if a.name != "*"]


def _walk(
    node: ast.AST, in_function: bool, type_checking: bool
) -> Iterator[tuple[ast.Import | ast.ImportFrom, bool, bool]]:
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.Import | ast.ImportFrom):
            yield child, in_function, type_checking
        elif isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            yield from _walk(child, True, type_checking)
        elif isinstance(child, ast.If) and _is_type_checking(child.test):
            for stmt in child.body:
                yield from _walk(ast.Module(body=[stmt], type_ignores=[]), in_function, True)
            for stmt in child.orelse:
                yield from _walk(ast.Module(body=[stmt], type_ignores=[]), in_function, False)
        else:
            yield from _walk(child, in_function, type_checking)


@cache
def imports(package: str) -> tuple[Import, ...]:
    """Every import statement of a top-level package, each target as written or resolved."""
    found: list[Import] = []
    for path in source_files(package):
        module = module_name(path)
        is_package = path.name == "__init__.py"
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node, in_function, type_checking in _walk(tree, False, False):
            targets = _targets(node, module, is_package)
            if isinstance(node, ast.ImportFrom):
                # ``from m import n``: m, and m.n only when n is a module of ours.
                known = modules(targets[0].split(".")[0]) if targets[0] else set()
                targets = [targets[0]] + [t for t in targets[1:] if t in known]
            for target in targets:
                found.append(Import(module, target, node.lineno, in_function, type_checking))
    return tuple(found)


@cache
def modules(package: str) -> frozenset[str]:
    """The module names of a top-level package of the repository (empty for a library)."""
    if not (ROOT / package).is_dir():
        return frozenset()
    return frozenset(module_name(p) for p in source_files(package))


def import_graph(package: str = "optimizer") -> dict[str, set[str]]:
    """Module → the modules of ``package`` it imports when it is loaded."""
    ours = modules(package)
    graph: dict[str, set[str]] = {m: set() for m in ours}
    for imp in imports(package):
        if imp.in_function or imp.type_checking or imp.target not in ours:
            continue
        if imp.target != imp.module:
            graph[imp.module].add(imp.target)
    # ``from optimizer.x import y`` with y a module names both: keep the deepest one.
    for module, targets in graph.items():
        graph[module] = {t for t in targets if not any(o.startswith(t + ".") for o in targets)}
    return graph


def circles(graph: dict[str, set[str]]) -> list[frozenset[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[frozenset[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = set()
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.add(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(frozenset(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


# -- the rules ---------------------------------------------------------------------------------


def test_the_pure_layer_imports_neither_the_service_nor_web_database_or_queue_libraries() -> None:
    bad = [
        f"{imp.module}:{imp.line} imports {imp.target}"
        for imp in imports("optimizer")
        if imp.target.split(".")[0] in FORBIDDEN_IN_OPTIMIZER
    ]
    assert bad == []


def test_the_modules_of_the_pure_layer_import_each_other_without_a_circle() -> None:
    found = [sorted(c) for c in circles(import_graph()) if c not in TODO_CIRCLES]
    assert found == []


EDGE = ("service.app", "service.routers", "service.web", "service.cli")
"""The edge of the service: the app, its routes and pages, and the command line."""


def test_the_service_layer_imports_neither_routes_pages_nor_the_command_line() -> None:
    bad = [
        f"{imp.module}:{imp.line} imports {imp.target}"
        for imp in imports("service")
        if not imp.module.startswith(EDGE) and imp.target.startswith(EDGE)
    ]
    assert bad == []


def test_the_modules_of_the_service_import_each_other_without_a_circle() -> None:
    assert [sorted(c) for c in circles(import_graph("service"))] == []


def test_the_pure_layer_imports_inside_a_function_only_what_is_heavy_and_rarely_needed() -> None:
    bad = [
        f"{imp.module}:{imp.line} imports {imp.target} inside a function"
        for imp in imports("optimizer")
        if imp.in_function
        and (imp.module, imp.target) not in LAZY_IMPORTS
        and imp.module not in TODO_FUNCTION_IMPORTS
        and not any(t.startswith(imp.target + ".") for m, t in LAZY_IMPORTS if m == imp.module)
    ]
    assert bad == []


def test_no_module_of_the_pure_layer_is_over_the_length_limit() -> None:
    long = {
        module_name(p): n
        for p in source_files("optimizer")
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert {m: n for m, n in long.items() if m not in TODO_LONG_MODULES} == {}


def test_no_module_imports_a_private_name_of_another() -> None:
    bad = [
        f"{module}:{node.lineno} imports {alias.name} from {node.module}"
        for package in ("optimizer", "service")
        for path in source_files(package)
        if (module := module_name(path)) not in TODO_PRIVATE_IMPORTS
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
        if alias.name.startswith("_") and not alias.name.startswith("__")
    ]
    assert bad == []


@pytest.mark.parametrize(
    "allow_list",
    [
        TODO_FUNCTION_IMPORTS,
        TODO_LONG_MODULES,
        TODO_PRIVATE_IMPORTS,
        {m for c in TODO_CIRCLES for m in c},
    ],
)
def test_every_module_of_an_allow_list_still_exists(allow_list: set[str]) -> None:
    assert allow_list - modules("optimizer") - modules("service") == set()


# -- the checker itself --------------------------------------------------------------------------


def test_the_circle_finder_finds_a_circle_of_three_and_ignores_a_chain() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    assert circles(graph) == [frozenset({"a", "b", "c"})]
    assert circles({"a": {"b"}, "b": {"c"}, "c": set()}) == []


def test_imports_under_type_checking_and_inside_functions_are_told_apart(tmp_path: Path) -> None:
    code = (
        "from typing import TYPE_CHECKING\n"
        "import os\n"
        "if TYPE_CHECKING:\n"
        "    import json\n"
        "def f():\n"
        "    import csv\n"
    )
    tree = ast.parse(code)
    seen = {
        (n.names[0].name, fn, tc)
        for n, fn, tc in _walk(tree, False, False)
        if isinstance(n, ast.Import)
    }
    assert seen == {("os", False, False), ("json", False, True), ("csv", True, False)}


def test_a_relative_import_is_resolved_against_its_package() -> None:
    node = ast.parse("from .text import VIOLATIONS").body[0]
    assert isinstance(node, ast.ImportFrom)
    assert _targets(node, "optimizer.dispatch.validate", False)[0] == "optimizer.dispatch.text"
    assert _targets(node, "optimizer.dispatch", True)[0] == "optimizer.dispatch.text"
