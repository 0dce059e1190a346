"""FPI112 unawaited-project-coroutine: a project `async def` called inside `async def` as a
statement of its own, so the coroutine is created and dropped without ever running."""

from __future__ import annotations

from ...index.project import Ref
from ...index.shapes import decorator_callee
from ...lazycst import cst
from ...rule import Fix, Rule
from .base import resolve_cached
from .catalog import project_function
from .gate import may_drop_coroutine

# Decorators that hand back the coroutine function itself (so calling it still only creates a
# coroutine). Any other decorator may wrap it in something that runs it: not judged.
TRANSPARENT_DECORATORS = frozenset(
    {
        "builtins.staticmethod",
        "builtins.classmethod",
        "abc.abstractmethod",
        "typing.override",
        "typing_extensions.override",
        "functools.wraps",
    }
)


class UnawaitedProjectCoroutine(Rule):
    code = "FPI112"
    name = "unawaited-project-coroutine"
    message = "A project coroutine is called without `await`: it never runs"
    summary = "project `async def` called as a statement inside `async def` without `await` (it never runs)"
    fix_availability = "sometimes"
    triggers = ("async def",)

    @classmethod
    def could_apply(cls, index, module_name: str, settings=None) -> bool:
        # A finding is a call made as a statement of its own in an `async def` body: the
        # summary marks the functions that make one ("drops"; a class body's statements count
        # for the function around it, which is more than needed, never less), and one of
        # their calls must resolve to a project coroutine function (`gate.may_drop_coroutine`).
        summary = index.module(module_name)
        if summary is None:
            return True
        candidates = tuple(
            key
            for key, fact in summary["functions"].items()
            if fact["async"] and fact.get("drops", True)
        )
        return bool(candidates) and may_drop_coroutine(index, module_name, candidates)

    docs = """
## What it does
Checks for a call of one of your project's `async def` functions or methods made as a statement
of its own inside an `async def`, without `await`: `notify_user(user)` where
`async def notify_user(...)` is defined in the project (in any module), `self.audit(event)`
where `audit` is an async method (found through the class hierarchy and the types the project's
semantic model gives `self`, parameters and `Depends` values).

Only calls whose result is dropped are reported: a coroutine that is returned, assigned,
awaited later, passed to `asyncio.create_task`, `asyncio.gather`, `BackgroundTasks.add_task` or
any other call is in someone's hands. Library coroutines are not judged (the linter does not see
their definitions), nor project functions wrapped by a decorator other than `staticmethod`,
`classmethod`, `abstractmethod` or a route decorator (a decorator may run the coroutine itself),
nor calls from a plain `def` (there the fix is not an `await`), nor an async method that a
project subclass overrides with a plain `def` (the object may be one of those, whose call runs
at once). The rule sits in the FPI1xx
family because it is a mistake about what runs on the event loop inside `async def`, found with
the same call resolution as the blocking rules.

## Why is this bad?
Calling an `async def` only creates a coroutine object; its body runs when the coroutine is
awaited or scheduled. Dropped, it never runs: the e-mail is not sent, the audit row not written,
and the only trace is a `RuntimeWarning: coroutine '...' was never awaited` in the server log.

## Example
```python
from fastapi import FastAPI

app = FastAPI()


async def send_welcome(email: str) -> None: ...


@app.post("/users")
async def create_user(email: str):
    send_welcome(email)
    return {"email": email}
```

## Use instead
```python
@app.post("/users")
async def create_user(email: str):
    await send_welcome(email)
    return {"email": email}
```
Or hand it to `BackgroundTasks.add_task(send_welcome, email)` to run it after the response.

## Fix safety
The fix adds `await`. It is unsafe: the coroutine's body now runs, in the request, which is
what was intended but changes what the endpoint does (its time, its errors). No fix is offered
where `await` is not allowed (a lambda or a generator expression).
"""

    def visit_Expr(self, node: cst.Expr) -> None:
        call = node.value
        if not isinstance(call, cst.Call) or not self.ctx.in_async_context():
            return
        ref = resolve_cached(self.ctx, call.func)
        qual = self._coroutine_function(ref)
        if qual is None:
            return
        name = qual.rpartition(".")[2]
        owner = qual.rpartition(".")[0].rpartition(".")[2]
        shown = f"{owner}.{name}" if self._is_method(qual) else name
        fix = None
        if self.ctx.await_allowed():
            fix = Fix(
                message="Add `await`",
                applicability="unsafe",
                replacements={node: node.with_changes(value=cst.Await(expression=call))},
            )
        self.report(
            call,
            message=(
                f"`{shown}()` is an `async def`: called without `await`, the coroutine is "
                "dropped and its body never runs; `await` it, or schedule it with "
                "`BackgroundTasks.add_task` / `asyncio.create_task` and keep the task"
            ),
            fix=fix,
        )

    def _is_method(self, qual: str) -> bool:
        fact = self.ctx.index.function(qual)
        return bool(fact and fact.get("class"))

    def _coroutine_function(self, ref: Ref | None) -> str | None:
        index = self.ctx.index
        qual = project_function(index, ref)
        if qual is None:
            return None
        fact = index.function(qual)
        split = index.split_qualified(qual)
        if fact is None or split is None or not fact["async"] or fact["generator"]:
            return None  # calling an async generator is how it is used: not a dropped call
        scope = fact.get("parent") or fact.get("class") or ""
        for decorator in fact["decorators"]:
            if index.route_decorator(split[0], scope, decorator) is not None:
                continue
            shape = decorator_callee(decorator)
            found = index.ref_of_value(split[0], scope, shape)
            if found is None or found.qual not in TRANSPARENT_DECORATORS:
                return None
        if fact.get("class") and self._overridden_by_plain_def(qual):
            return None
        return qual

    def _overridden_by_plain_def(self, qual: str) -> bool:
        """Whether a project subclass overrides the async method `qual` with a plain `def`:
        the receiver may be one of those objects, whose call runs at once and returns no
        coroutine, so the dropped result is not certain to be a lost coroutine."""
        index = self.ctx.index
        owner, _, attr = qual.rpartition(".")
        hierarchy = index.project_fact("class_hierarchy")
        for cls in hierarchy.get("subclasses", {}).get(owner, []):
            method = index.find_method(cls, attr)
            if method is None or method == qual:
                continue
            fact = index.function(method)
            if fact is not None and not fact["async"]:
                return True
        return False
