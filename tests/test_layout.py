"""The package's shape: no import cycles, and the index, engine and front ends keep to their side.

Run as a script to print the import graph's cycles of any checkout:

    python tests/test_layout.py [SRC_PACKAGE_DIR]      # default: src/fastapi_lint
"""

from __future__ import annotations

import ast
import functools
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "fastapi_lint"


def module_names(package: Path) -> dict[str, Path]:
    """`fastapi_lint.x.y` -> file, for every module of the package (packages by `__init__`)."""
    root = package.name
    found: dict[str, Path] = {}
    for path in sorted(package.rglob("*.py")):
        parts = [root, *path.relative_to(package).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _absolute(module: str, is_package: bool, level: int, target: str | None) -> str:
    if level == 0:
        return target or ""
    base = module.split(".")
    if not is_package:
        base.pop()
    base = base[: len(base) - (level - 1)] if level > 1 else base
    return ".".join([*base, *([target] if target else [])])


@functools.cache
def import_graph(package: Path = PACKAGE) -> dict[str, set[str]]:
    """Module -> the package's modules it imports, at any depth of the file (function-level and
    `TYPE_CHECKING` imports included: a cycle hidden behind them is still a cycle of design).
    `from a.b import c` names `a.b.c` when that is a module, else `a.b`."""
    modules = module_names(package)
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        is_package = path.name == "__init__.py"
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = _absolute(name, is_package, node.level, node.module)
                for alias in node.names:
                    sub = f"{base}.{alias.name}"
                    targets.append(sub if sub in modules else base)
            for target in targets:
                if target in modules and target != name:
                    graph[name].add(target)
    return graph


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's components with more than one module (each holds at least one cycle)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for succ in sorted(graph[node]):
            if succ not in index:
                visit(succ)
                low[node] = min(low[node], low[succ])
            elif succ in on_stack:
                low[node] = min(low[node], index[succ])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return components


def elementary_cycles(graph: dict[str, set[str]], limit: int = 10_000) -> list[list[str]]:
    """Every simple cycle (each listed once, from its smallest module), up to `limit`."""
    cycles: list[list[str]] = []
    order = sorted(graph)
    rank = {name: i for i, name in enumerate(order)}
    for start in order:
        path = [start]
        on_path = {start}
        iters = [iter(sorted(graph[start]))]
        while iters and len(cycles) < limit:
            succ = next(iters[-1], None)
            if succ is None:
                iters.pop()
                on_path.discard(path.pop())
                continue
            if succ == start:
                cycles.append(list(path))
            elif rank[succ] > rank[start] and succ not in on_path:
                path.append(succ)
                on_path.add(succ)
                iters.append(iter(sorted(graph[succ])))
    return cycles


def test_no_import_cycles() -> None:
    graph = import_graph()
    assert strongly_connected(graph) == []


def test_the_index_and_the_engine_name_no_rule_family() -> None:
    graph = import_graph()
    for module, targets in graph.items():
        if module.startswith(("fastapi_lint.index", "fastapi_lint.engine")):
            family = sorted(t for t in targets if t.startswith("fastapi_lint.rules."))
            allowed = (
                {"fastapi_lint.rules.registry"}
                if module.startswith("fastapi_lint.engine")
                else set()
            )
            assert set(family) <= allowed, (module, family)


def test_front_ends_use_the_engine_facade_only() -> None:
    graph = import_graph()
    front_ends = ("fastapi_lint.lsp", "fastapi_lint.codemods", "fastapi_lint.flake8_plugin")
    for module, targets in graph.items():
        if module.startswith(front_ends):
            internals = sorted(t for t in targets if t.startswith("fastapi_lint.engine."))
            assert internals == [], (module, internals)


if __name__ == "__main__":
    package = Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else PACKAGE
    graph = import_graph(package)
    components = strongly_connected(graph)
    cycles = elementary_cycles(graph)
    print(f"{len(graph)} modules, {sum(map(len, graph.values()))} import edges")
    print(f"{len(components)} strongly connected components with a cycle, {len(cycles)} cycles")
    for component in components:
        print("  component:", ", ".join(component))
    for cycle in cycles:
        print("  cycle:", " -> ".join([*cycle, cycle[0]]))
