"""FPI406 add-task-after-dependency-yield: `background_tasks.add_task(...)` after the `yield` of
a dependency."""

from __future__ import annotations

import libcst as cst

from ..rule import Rule
from .background_tasks import is_add_task


class AddTaskAfterDependencyYield(Rule):
    code = "FPI406"
    name = "add-task-after-dependency-yield"
    message = (
        "`add_task` after the `yield` of a dependency: the response and its background tasks "
        "are already on their way, so this task never runs; add it before the `yield`"
    )
    summary = "`add_task` called after the `yield` of a dependency"
    triggers = ("add_task",)
    docs = """
## What it does
Checks generator functions (dependencies with `yield`) that call `add_task` on their injected
`BackgroundTasks` parameter after the `yield`, including in `finally:` and `except:` blocks
that follow it.

## Why is this bad?
FastAPI collects the background tasks of a request when it builds the response. The code after a
dependency's `yield` runs once the path operation is done: with the default request scope, after
the response has been sent and its tasks have run, so a task added then is dropped without a
trace. (With `Depends(..., scope="function")` the exit code runs earlier and such a task may run,
which is an accident of scheduling rather than something to rely on.)

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

    def __init__(self, ctx, metadata=None) -> None:
        super().__init__(ctx, metadata)
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
        if found is not None and found[0][0] == "param":
            self.report(node)
