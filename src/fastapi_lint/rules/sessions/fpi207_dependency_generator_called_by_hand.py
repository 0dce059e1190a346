"""FPI207 dependency-generator-called-by-hand: `db = next(get_db())` in a route."""

from __future__ import annotations

from ...index.closure import reaches
from ...lazycst import cst
from ...rule import Rule
from .base import (
    SESSION_KINDS,
    facts_for,
    request_reach,
    sessions_can_reach,
)


def _defines_generator_dependency(index, module: str) -> bool:
    summary = index.module(module)
    if summary is None:
        return False
    return any(
        fact.get("generator") and index.is_dependency(module, key)
        for key, fact in summary["functions"].items()
    )


DRIVERS = frozenset({"builtins.next", "builtins.anext"})


class DependencyGeneratorCalledByHand(Rule):
    code = "FPI207"
    name = "dependency-generator-called-by-hand"
    message = (
        "Dependency generator driven by hand; its cleanup after `yield` never runs. "
        "Declare it as a parameter with `Depends` instead"
    )
    summary = (
        "`next(get_db())` or `for db in get_db()` inside a path operation, a dependency or a "
        "function a request reaches"
    )
    fix_availability = "none"
    triggers = ("next(", "for ")

    @classmethod
    def could_apply(cls, index, module_name: str, settings=None) -> bool:
        # What is driven by hand is a project generator that is a dependency or yields a
        # session; either must be visible from the module (`index.closure`).
        return reaches(
            index, module_name, "generator-dependency", _defines_generator_dependency
        ) or sessions_can_reach(index, module_name, settings)

    docs = """
## What it does
Checks path operations and dependencies that drive a `yield` dependency themselves:
`db = next(get_db())`, `await anext(get_db())` or `for db in get_db():`, where `get_db` is a
project generator function used as a dependency somewhere (or one that yields a session).
Services, repositories, models and helpers are checked too when a request reaches them: the
project's call graph (`index/reach.py`) leads from a path operation, a dependency, middleware
or an exception handler to them, and the message says how (`reached from GET /users via
UserService.list`). Code only scripts, tests or startup run is not reported, nor code whose
callers are unknown. `with next(get_db()) as db:` is not reported: the generator is a
temporary that CPython finalises as soon as `next()` returns, so its cleanup runs at once, and
the `with` block closes the session it yielded; nothing stays checked out.

## Why is this bad?
The code after `yield` in the dependency (closing the session, committing, releasing a lock) only
runs when the generator is resumed or closed. Taking one value with `next()` leaves the generator
suspended until the garbage collector finalises it, so the session stays open and its connection
stays checked out. Exceptions raised by the route are never thrown into the dependency either.

## Example
```python
@app.get("/items")
def list_items():
    db = next(get_db())
    return db.query(Item).all()
```

## Use instead
```python
@app.get("/items")
def list_items(db: Session = Depends(get_db)):
    return db.query(Item).all()
```

## Fix safety
No fix is offered: the value may be used in ways that need a person to move it into a parameter.
"""

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        # Calls that are the context expression of a `with` item (see visit_With).
        self._entered: set[int] = set()

    def _reach(self) -> str | None:
        """ "" inside a path operation or dependency; the words naming how a request reaches
        any other function that runs for one (a service, repository or helper); None
        elsewhere (scripts, startup, tests, code of unknown reach)."""
        frame = self.ctx.current_function()
        if frame is None:
            return None
        if self.ctx.is_path_operation(frame) or self.ctx.is_dependency(frame):
            return ""
        return request_reach(self.ctx, frame)

    def _driven(self, expr: cst.BaseExpression) -> str | None:
        if not isinstance(expr, cst.Call):
            return None
        ref = self.ctx.resolve(expr.func)
        if ref is None or ref.kind != "function":
            return None
        fact = self.ctx.index.function(ref.qual)
        if fact is None or not fact.get("generator"):
            return None
        if ref.qual in self.ctx.index.dependency_functions():
            return fact["name"]
        split = self.ctx.index.split_qualified(ref.qual)
        if split is None:
            return None
        facts = facts_for(self.ctx)
        for shape in fact.get("yields_values", []):
            if facts.kind_of_shape(split[0], split[1], shape) in SESSION_KINDS:
                return fact["name"]
        return None

    def visit_With(self, node: cst.With) -> None:
        # `with next(get_db()) as db:` — the generator is a temporary: CPython finalises it
        # as soon as `next()` returns (its cleanup runs then), and the `with` closes the
        # session it yielded at the end of the block, so nothing stays checked out.
        for item in node.items:
            self._entered.add(id(item.item))

    def visit_Call(self, node: cst.Call) -> None:
        if len(node.args) != 1 or node.args[0].keyword is not None:
            return
        if id(node) in self._entered:
            return
        ref = self.ctx.resolve(node.func)
        if ref is None or ref.qual not in DRIVERS:
            return
        reach = self._reach()
        if reach is None:
            return
        name = self._driven(node.args[0].value)
        if name is not None:
            self.report(
                node,
                message=f"Dependency generator `{name}` driven by hand with "
                f"`{ref.qual.rpartition('.')[2]}()`{_words(reach)}; its cleanup never runs. "
                f"{_sentence(_advice(reach))}",
            )

    def visit_For(self, node: cst.For) -> None:
        reach = self._reach()
        if reach is None:
            return
        name = self._driven(node.iter)
        if name is not None:
            self.report(
                node.iter,
                message=f"Dependency generator `{name}` iterated by hand{_words(reach)}; "
                f"{_advice(reach)}",
            )


def _sentence(text: str) -> str:
    # Not str.capitalize(): it lowercases the rest (`Depends` must keep its capital).
    return text[:1].upper() + text[1:]


def _words(reach: str) -> str:
    return f" ({reach})" if reach else ""


def _advice(reach: str) -> str:
    if not reach:
        return "declare it as a parameter with `Depends` instead"
    # A service or helper has no `Depends` parameters of its own.
    return (
        "take the session as a parameter from the path operation, or open one with the "
        "session factory in a `with` block"
    )
