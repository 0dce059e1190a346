"""Which project modules can hand a module its values: the index gates of rule families.

A rule that needs a fact of one kind (a database session, an engine) to reach the code it
looks at cannot report anything in a module that no such fact can reach. Every value a rule
resolves in module M starts at a name written in M and is followed through bindings: imports
(of a module, of a name in a package, of a package whose submodules are then reached by
attribute), and the bindings of the modules found that way, transitively. Two facts of the
semantic model are not reached by imports and are added whatever M imports: `app.state` /
`request.state` attributes (any module that assigns one), and the subclasses and protocol
implementers of a class (a call on an abstract receiver answers from them).

`visible_modules(index, M)` is that set (a superset: a module in it may never be read);
`reaches(index, M, seed)` asks whether a module of the set is a `seed` (a module that imports
`sqlalchemy`, say). Both are memoised in the index with what they read, so the cache records
what a gate's answer depended on, like any other answer.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .project import ProjectIndex

#: seed(index, module) -> bool: a module that holds the kind of fact a family needs.
Seed = Callable[["ProjectIndex", str], bool]


def import_targets(binding: list[Any]) -> Iterator[str]:
    """The dotted names a binding imports (an ambiguous binding may import several)."""
    if not binding:
        return
    if binding[0] == "import":
        yield binding[1]
    elif binding[0] == "ambiguous":
        for candidate in binding[1]:
            yield from import_targets(candidate)


def module_imports(index: ProjectIndex, module: str) -> frozenset[str]:
    """Every dotted name any scope of `module` imports, as written (relative ones made
    absolute by the summary)."""

    def compute() -> frozenset[str]:
        summary = index.module(module)
        if summary is None:
            return frozenset()
        found: set[str] = set()
        for scope in summary["scopes"].values():
            for binding in scope["bindings"].values():
                found.update(import_targets(binding))
        return frozenset(found)

    return index.memoised(("gate-imports", module), compute)


def _submodules(index: ProjectIndex, package: str) -> list[str]:
    names = index.memoised(("gate-names",), lambda: index.project_fact("module_names"))
    prefix = package + "."
    # Sorted names: the submodules of `package` are one run after it.
    start = bisect_left(names, prefix)
    found = []
    for name in names[start:]:
        if not name.startswith(prefix):
            break
        found.append(name)
    return found


def _edges(index: ProjectIndex, module: str) -> frozenset[str]:
    """The project modules whose bindings `module`'s imports can lead to."""

    def compute() -> frozenset[str]:
        out: set[str] = set()
        for target in module_imports(index, module):
            qual = index.canonical(target)
            parts = qual.split(".")
            for cut in range(1, len(parts) + 1):
                name = ".".join(parts[:cut])
                if index.has_module(name):
                    out.add(name)
            if index.has_module(qual):
                out.update(_submodules(index, qual))
        out.discard(module)
        return frozenset(out)

    return index.memoised(("gate-edges", module), compute)


def _global_sources(index: ProjectIndex) -> frozenset[str]:
    """Modules whose facts reach every module: those assigning `<x>.state.attr`."""
    return index.memoised(
        ("gate-state-modules",),
        lambda: frozenset(row[3] for row in index.project_fact("state_assigns")),
    )


def _hierarchy_modules(index: ProjectIndex, module: str) -> frozenset[str]:
    """Modules of the project subclasses and protocol implementers of `module`'s classes."""

    def compute() -> frozenset[str]:
        summary = index.module(module)
        if summary is None or not summary["classes"]:
            return frozenset()
        hierarchy = index.project_fact("class_hierarchy")
        out: set[str] = set()
        for key in summary["classes"]:
            qual = f"{module}.{key}" if module else key
            for other in [
                *hierarchy["subclasses"].get(qual, ()),
                *hierarchy["protocols"].get(qual, ()),
            ]:
                split = index.split_qualified(other)
                if split is not None:
                    out.add(split[0])
        out.discard(module)
        return frozenset(out)

    return index.memoised(("gate-hierarchy", module), compute)


def visible_modules(index: ProjectIndex, module: str) -> frozenset[str]:
    """`module` and every project module whose facts its values can come from."""

    def compute() -> frozenset[str]:
        seen = {module}
        todo = [module, *sorted(_global_sources(index))]
        seen.update(todo)
        while todo:
            current = todo.pop()
            for name in (*_edges(index, current), *_hierarchy_modules(index, current)):
                if name not in seen:
                    seen.add(name)
                    todo.append(name)
        return frozenset(seen)

    return index.memoised(("gate-visible", module), compute)


def reaches(index: ProjectIndex, module: str, name: str, seed: Seed) -> bool:
    """Whether a module visible from `module` is a `seed` (`name` keys the memo)."""

    def compute() -> bool:
        return any(
            index.memoised(("gate-seed", name, other), lambda other=other: seed(index, other))
            for other in sorted(visible_modules(index, module))
        )

    return index.memoised(("gate-reaches", name, module), compute)


def imports_any(index: ProjectIndex, module: str, packages: tuple[str, ...]) -> bool:
    """Whether `module` imports anything from one of `packages` (or a package itself)."""
    return any(
        target == package or target.startswith(package + ".")
        for target in module_imports(index, module)
        for package in packages
    )
