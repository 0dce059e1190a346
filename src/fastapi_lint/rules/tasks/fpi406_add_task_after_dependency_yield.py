"""FPI406 add-task-after-dependency-yield: `background_tasks.add_task(...)` after the `yield` of
a dependency."""

from __future__ import annotations

from ...index.shapes import ParamBinding, dotted, view_binding
from ...lazycst import cst
from ...rule import Frame, Rule
from .base import injected_function, is_add_task
from .fastapi_version import fastapi_range, overlaps

# Versions where the exit code of a yield dependency runs after the response's tasks, and how
# a message names them.
_LATE_EXIT = (
    (((0, 0, 0), (0, 106, 0)), "before 0.106"),
    (((0, 118, 0), (10**6, 0, 0)), "from 0.118"),
)


class AddTaskAfterDependencyYield(Rule):
    code = "FPI406"
    name = "add-task-after-dependency-yield"
    message = (
        "This task is added after the dependency's `yield` and never runs on FastAPI before "
        "0.106 or from 0.118; add it before the `yield`"
    )
    summary = "`add_task` called after the `yield` of a dependency"
    triggers = ("add_task",)
    docs = """
## What it does
Checks generator functions (dependencies with `yield`) that call `add_task` on their injected
`BackgroundTasks` parameter after the `yield`, including in `finally:` and `except:` blocks
that follow it.

Only dependencies are in scope: a generator used in `Depends()`/`Security()` anywhere in the
project, or a module-level (or class-level) generator that its own module never calls (a
library's dependency). A nested generator, such as the body of a `StreamingResponse` that adds
a task to its route's `background_tasks`, and a generator the module calls by hand are not:
they run while the response streams, and the route's tasks run after the stream ends.

## Why is this bad?
FastAPI runs the background tasks of a request when the response has been sent. With the
default request scope, the code after a dependency's `yield` runs after that, on FastAPI before
0.106.0 and again from 0.118.0, so a task added there is dropped without a trace. (From 0.106.0
to 0.117.x, and with `Depends(..., scope="function")`, the exit code runs before the response is
sent and the task does run: code that relies on it breaks on the next upgrade.)

The rule honours `fastapi-version` (and otherwise the project's `fastapi` requirement, as
FPI405 does) and stays quiet when every allowed version is in 0.106 to 0.117. The message names
the windows the allowed versions fall in (`never runs on FastAPI from 0.118` for a project on
`fastapi>=0.120`; both windows when the project states no version).

## Example
```python
def get_db(background_tasks: BackgroundTasks):
    db = SessionLocal()
    try:
        yield db
    finally:
        db.close()
        background_tasks.add_task(report_pool_usage)
```

## Use instead
```python
def get_db(background_tasks: BackgroundTasks):
    background_tasks.add_task(report_pool_usage)
    db = SessionLocal()
    try:
        yield db
    finally:
        db.close()
```
or do the work directly in the exit code, which already runs after the response.

## Fix safety
There is no fix: moving the call before the `yield` changes when the work is scheduled.
"""

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        self._yielded: set[int] = set()

    def visit_Yield(self, node: cst.Yield) -> None:
        frame = self.ctx.enclosing_function()
        if frame is not None and self.ctx.frames[-1] is frame:
            self._yielded.add(id(frame.node))

    def _is_dependency(self, frame: Frame) -> bool:
        """Only dependencies with `yield` are in scope. A generator used in `Depends()` anywhere
        in the project is one; so is a module-level or class-level generator that its own
        module never calls (a library's dependency, used elsewhere). A nested generator, or
        one the module calls by hand (`StreamingResponse(stream(tasks))`), is not."""
        if injected_function(self.ctx, frame) == "dependency":
            return True
        fact = self.ctx.function_fact(frame)
        if fact is None or fact.get("parent") or frame.key is None:
            return False
        if self.ctx.index.path_operation(self.ctx.module_name, frame.key) is not None:
            return False
        return not self._called_in_module(frame.key.rpartition(".")[2])

    def _called_in_module(self, name: str) -> bool:
        summary = self.ctx.summary
        if summary is None:
            return True
        scopes = [summary["module_calls"], *(f["calls"] for f in summary["functions"].values())]
        for calls in scopes:
            for func, *_rest in calls:
                called = dotted(func)
                if called is not None and called.rpartition(".")[2] == name:
                    return True
        return False

    def visit_Call(self, node: cst.Call) -> None:
        frame = self.ctx.enclosing_function()
        if frame is None or id(frame.node) not in self._yielded:
            return
        if not is_add_task(self.ctx, node):
            return
        assert isinstance(node.func, cst.Attribute)
        receiver = node.func.value
        if not isinstance(receiver, cst.Name):
            return
        found = self.ctx.index.lookup_binding(
            self.ctx.module_name, self.ctx.scope_key, receiver.value
        )
        # The tasks must be injected into this generator itself: a body generator of a
        # `StreamingResponse` that closes over its route's `background_tasks` runs while the
        # response streams, and the route's tasks run after it.
        if (
            found is None
            or not isinstance(view_binding(found[0]), ParamBinding)
            or found[1] != frame.key
        ):
            return
        if not self._is_dependency(frame):
            return
        allowed = fastapi_range(self.ctx.settings)
        affected = [label for (low, high), label in _LATE_EXIT if overlaps(allowed, low, high)]
        if affected:
            # Only the windows the project's FastAPI can be in (both when it states none).
            self.report(
                node,
                message=(
                    "This task is added after the dependency's `yield` and never runs on "
                    f"FastAPI {' or '.join(affected)}; add it before the `yield`"
                ),
            )
