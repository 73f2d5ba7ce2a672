"""The packages of app/ stand in layers: each imports only from itself and from layers below.

Every import counts, at the top of a module or inside a function; only imports under
`if TYPE_CHECKING:` are left out, since they never run. README.md ("Architecture") shows the
same table and says why it is in this order.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Bottom first, as README.md's table (row 0 first). A package may import from its own package
# and from any row below its own, never from a row above nor from another package of its row.
LAYERS: list[tuple[str, ...]] = [
    ("app.config", "app.core"),
    ("app.permissions",),
    ("app.mail", "app.charts"),
    ("app.institutions", "app.practices"),
    ("app.accounts",),
    ("app.planner",),
    ("app.indicators",),
    ("app.events",),
    ("app.applications",),
    ("app.selection",),
    ("app.participation",),
    ("app.sending", "app.visits", "app.series"),
    ("app.api", "app.data", "app.health"),
    ("app.models",),
    ("app",),
    ("wsgi",),
]
RANK = {unit: rank for rank, row in enumerate(LAYERS) for unit in row}


def module_name(path: Path) -> str:
    """Return the dotted name of a source file under ROOT."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    """Return every module of app/ (and wsgi.py) by dotted name."""
    found = {module_name(path): path for path in (ROOT / "app").rglob("*.py")}
    found["wsgi"] = ROOT / "wsgi.py"
    return found


def unit_of(module: str) -> str:
    """Return the layered unit a module belongs to: its package, or the module itself."""
    for size in (2, 1):
        candidate = ".".join(module.split(".")[:size])
        if candidate in RANK:
            return candidate
    raise AssertionError(f"{module} is in no layer: add it to LAYERS and to the README")


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _nodes_that_run(tree: ast.AST) -> list[ast.AST]:
    """Return every node of a module except those under `if TYPE_CHECKING:`."""
    found: list[ast.AST] = []
    pending: list[ast.AST] = [tree]
    while pending:
        node = pending.pop()
        found.append(node)
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            pending.extend(node.orelse)
            continue
        pending.extend(ast.iter_child_nodes(node))
    return found


def imports_of(name: str, path: Path, known: dict[str, Path]) -> list[tuple[int, str]]:
    """Return (line, module) for every app module this one imports at run time."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: list[tuple[int, str]] = []
    for node in _nodes_that_run(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                found.append((node.lineno, submodule if submodule in known else base))
    return [(line, target) for line, target in found if target in known]


def edges() -> list[tuple[str, int, str]]:
    """Return (module, line, imported module) for every import between app modules."""
    known = modules()
    return sorted(
        {
            (name, line, target)
            for name, path in known.items()
            for line, target in imports_of(name, path, known)
        }
    )


def test_every_module_has_a_layer() -> None:
    """A new package must be placed in the table before it can be imported."""
    assert {unit_of(name) for name in modules()} <= set(RANK)


def test_no_import_goes_up_or_sideways() -> None:
    """Each import stays in its package or reaches a lower layer."""
    wrong = [
        f"{name}:{line} imports {target} ({unit_of(name)} may not use {unit_of(target)})"
        for name, line, target in edges()
        if unit_of(name) != unit_of(target) and RANK[unit_of(target)] >= RANK[unit_of(name)]
    ]
    assert not wrong, "imports against the layers:\n" + "\n".join(wrong)


def test_no_packages_import_each_other() -> None:
    """No two packages reach each other, directly or through others."""
    graph: dict[str, set[str]] = {}
    for name, _line, target in edges():
        if unit_of(name) != unit_of(target):
            graph.setdefault(unit_of(name), set()).add(unit_of(target))

    def reachable(start: str) -> set[str]:
        seen: set[str] = set()
        pending = list(graph.get(start, ()))
        while pending:
            unit = pending.pop()
            if unit not in seen:
                seen.add(unit)
                pending.extend(graph.get(unit, ()))
        return seen

    circles = sorted(
        f"{unit} -> {other} -> ... -> {unit}"
        for unit, targets in graph.items()
        for other in targets
        if unit in reachable(other)
    )
    assert not circles, "packages in a circle:\n" + "\n".join(circles)


def test_the_walk_sees_function_level_imports() -> None:
    """The walk counts an import inside a function and skips one under TYPE_CHECKING."""
    source = (
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from app.planner.models import Plan\n"
        "def f():\n"
        "    from app.indicators import services\n"
    )
    tree = ast.parse(source)
    seen = [n.module for n in _nodes_that_run(tree) if isinstance(n, ast.ImportFrom)]
    assert sorted(seen) == ["app.indicators", "typing"]
