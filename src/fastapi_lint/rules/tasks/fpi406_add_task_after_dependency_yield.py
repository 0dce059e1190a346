"""FPI406 add-task-after-dependency-yield: `background_tasks.add_task(...)` after the `yield` of
a dependency."""

from __future__ import annotations

import libcst as cst

from ...index.shapes import ParamBinding, view_binding
from ...rule import Rule
from .base import is_add_task
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
        if found is None or not isinstance(view_binding(found[0]), ParamBinding):
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
