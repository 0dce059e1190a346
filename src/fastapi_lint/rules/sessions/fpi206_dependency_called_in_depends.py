"""FPI206 dependency-called-in-depends: `Depends(get_db())` instead of `Depends(get_db)`."""

from __future__ import annotations

import libcst as cst

from ...index.semantic import DEPENDS_MARKERS
from ...index.shapes import Const, Mapping, Seq, view
from ...rule import Fix, Rule
from .base import ENGINE_KINDS, SESSION_KINDS, facts_for

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
        index = self.ctx.index
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
        facts = facts_for(self.ctx)
        if fact.get("returns") is not None:
            if facts.kind_of_annotation(module, key, fact["returns"]) in NOT_CALLABLE_KINDS:
                return f"Dependency {name}"
            return None
        returns = fact["returns_values"]
        if returns and all(self._not_callable(module, key, s, facts) for s in returns):
            return f"Dependency {name}"
        return None

    @staticmethod
    def _not_callable(module: str, key: str, shape, facts) -> bool:
        if isinstance(view(shape), Const | Seq | Mapping):
            return True
        return facts.kind_of_shape(module, key, shape) in NOT_CALLABLE_KINDS
