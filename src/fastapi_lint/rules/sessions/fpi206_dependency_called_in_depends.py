"""FPI206 dependency-called-in-depends: `Depends(get_db())` instead of `Depends(get_db)`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...index.semantic import DEPENDS_MARKERS
from ...index.shapes import Const, Mapping, Seq, view
from ...lazycst import cst
from ...rule import Fix, Rule
from ..blocking.gate import _resolve, _Unsure
from .base import ENGINE_KINDS, SESSION_KINDS, facts_for
from .facts import SessionFacts

if TYPE_CHECKING:
    from ...config import Settings
    from ...index.project import ProjectIndex

NOT_CALLABLE_KINDS = SESSION_KINDS | ENGINE_KINDS | {"connection", "async_connection"}


class DependencyCalledInDepends(Rule):
    code = "FPI206"
    name = "dependency-called-in-depends"
    message = "Dependency is called inside `Depends(...)`; pass the function itself"
    summary = "`Depends(get_db())`: the dependency is called instead of passed"
    fix_availability = "sometimes"
    triggers = ("Depends", "Security")
    docs = """
## What it does
Checks for `Depends(f())` and `Security(f())` where `f` is a project function whose result
cannot be a dependency: a generator or async generator function (`get_db` that yields a
session), an `async def` (its call is a coroutine), or a function that returns a session, an
engine or a literal.

Dependency *factories* are correct and not reported: `Depends(require_role("admin"))` where
`require_role` returns an inner function, `Depends(RateLimiter(times=5))` or `Depends(Pagination())`
(instances of classes, which FastAPI calls through `__call__`), and any function whose result
might be callable.

## Why is this bad?
`Depends` wants the callable, and FastAPI calls it once per request. Calling it yourself runs it
once, at import time: `Depends(get_db())` receives a generator object, so FastAPI fails at
startup or injects the wrong thing, and a function returning a session would share one session
among all requests.

## Example
```python
@app.get("/items")
def list_items(db: Session = Depends(get_db())): ...
```

## Use instead
```python
@app.get("/items")
def list_items(db: Session = Depends(get_db)): ...
```

## Fix safety
When the call has no arguments and the function has no decorator, the fix removes the call
(`Depends(get_db)`). It is safe: the original cannot work as a dependency. A decorated function
(`@contextmanager def get_db(): ...`) gets no fix, since passing it would inject the context
manager rather than what it yields.
"""

    def visit_Call(self, node: cst.Call) -> None:
        if not node.args:
            return
        ref = self.ctx.resolve(node.func)
        if ref is None or ref.qual not in DEPENDS_MARKERS:
            return
        arg = next((a for a in node.args if a.keyword is None), None)
        if arg is None:
            arg = next(
                (a for a in node.args if a.keyword and a.keyword.value == "dependency"), None
            )
        if arg is None or not isinstance(arg.value, cst.Call):
            return
        inner = arg.value
        callee = self.ctx.resolve(inner.func)
        if callee is None or callee.kind != "function":
            return
        reason = self._not_a_dependency(callee.qual)
        if reason is None:
            return
        fix = None
        fact = self.ctx.index.function(callee.qual) or {}
        # A decorated function (`@contextmanager`) may not be a dependency once passed either.
        if not inner.args and not fact.get("decorators"):
            fix = Fix(
                message="Pass the function instead of calling it",
                applicability="safe",
                replacements={inner: inner.func.with_changes(lpar=inner.lpar, rpar=inner.rpar)},
            )
        self.report(
            inner,
            message=f"{reason} is called inside `Depends(...)`; pass the function itself",
            fix=fix,
        )

    def _not_a_dependency(self, qual: str) -> str | None:
        return not_a_dependency(self.ctx.index, facts_for(self.ctx), qual)

    @classmethod
    def could_apply(
        cls, index: ProjectIndex, module_name: str, settings: Settings | None = None
    ) -> bool:
        """Every finding is a call whose callee resolves to `Depends`/`Security` and whose
        dependency argument is a call of a project function `not_a_dependency` names. The
        summary records every call with its arguments' shapes (`calls`, `module_calls`, and
        the calls of lambda bodies that pass a call, `lambda_nested_calls`): a module none of
        whose records can be such a call gets no finding, and is not parsed for the rule."""
        summary = index.module(module_name)
        if summary is None or settings is None:
            return True
        factories = settings.rule_option("session-factories") or ()
        facts = SessionFacts(index, tuple(factories))
        class_names = {
            name
            for scope in summary["scopes"].values()
            if scope["kind"] == "class"
            for name in scope["bindings"]
        }
        try:
            return any(
                _may_report(index, module_name, scope, record, facts, class_names)
                for scope, record in _call_records(summary)
            )
        except _Unsure:
            return True

    @staticmethod
    def _not_callable(module: str, key: str, shape, facts) -> bool:
        return _not_callable(module, key, shape, facts)


def not_a_dependency(index: ProjectIndex, facts: SessionFacts, qual: str) -> str | None:
    """Why the project function `qual` is no dependency once called (a generator, a
    coroutine function, a function whose result is a session, an engine or a literal), or
    None."""
    fact = index.function(qual)
    split = index.split_qualified(qual)
    if fact is None or split is None:
        return None
    name = f"`{fact['name']}`"
    if fact.get("generator"):
        return f"Generator dependency {name}"
    if fact.get("async"):
        return f"Async dependency {name}"
    module, key = split
    if fact.get("returns") is not None:
        if facts.kind_of_annotation(module, key, fact["returns"]) in NOT_CALLABLE_KINDS:
            return f"Dependency {name}"
        return None
    returns = fact["returns_values"]
    if returns and all(_not_callable(module, key, s, facts) for s in returns):
        return f"Dependency {name}"
    return None


def _not_callable(module: str, key: str, shape, facts: SessionFacts) -> bool:
    if isinstance(view(shape), Const | Seq | Mapping):
        return True
    return facts.kind_of_shape(module, key, shape) in NOT_CALLABLE_KINDS


# -- the index gate (`could_apply`) ---------------------------------------------------------


def _call_records(summary: dict[str, Any]):
    """(scope key, [callee, args, kwargs]) of every call the summary records. A call of a
    class body is among `module_calls` (scope ""): `_may_report` keeps the module when a name
    it resolves is bound in a class scope."""
    for record in summary["module_calls"]:
        yield "", (record[0], record[3], record[4])
    for key, fact in summary["functions"].items():
        for record in fact["calls"]:
            yield key, (record[0], record[3], record[4])
    for scope, func, args, kwargs in summary.get("lambda_nested_calls", ()):
        yield scope, (func, args, kwargs)


def _head(shape: Any) -> str | None:
    """The first name of a dotted callee shape (`deps` of `deps.get_db`)."""
    while shape and shape[0] in ("attr", "call", "await", "sub"):
        shape = shape[1]
    if shape and shape[0] == "n":
        return shape[1].partition(".")[0]
    return None


def _may_report(
    index: ProjectIndex,
    module: str,
    scope: str,
    record: tuple[Any, list[Any], dict[str, Any]],
    facts: SessionFacts,
    class_names: set[str],
) -> bool:
    """Whether the tree's `visit_Call` could report this recorded call (`_Unsure` escapes
    for a shape the summary cut)."""
    func, args, kwargs = record
    # The tree's dependency argument: the first positional one, else `dependency=`.
    arg = args[0] if args else kwargs.get("dependency")
    if arg is None or arg[0] not in ("call", "?"):
        return False
    if _head(func) in class_names or (arg[0] == "call" and _head(arg[1]) in class_names):
        # A class body's call is recorded in the module's scope, where a name its class
        # binds resolves to something else.
        return True
    marker = _resolve(index, module, scope, func)
    if marker is None or marker.qual not in DEPENDS_MARKERS:
        return False
    if arg[0] == "?":
        raise _Unsure
    callee = _resolve(index, module, scope, arg[1])
    if callee is None or callee.kind != "function":
        return False
    return not_a_dependency(index, facts, callee.qual) is not None
