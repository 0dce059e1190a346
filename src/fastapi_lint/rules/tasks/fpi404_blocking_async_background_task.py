"""FPI404 blocking-async-background-task: an `async def` task that blocks the event loop."""

from __future__ import annotations

import libcst as cst

from ...rule import Fix, Frame, Rule
from .base import blocking_call


class BlockingAsyncBackgroundTask(Rule):
    code = "FPI404"
    name = "blocking-async-background-task"
    message = (
        "This `async def` background task makes blocking calls; it runs on the event loop, so "
        "make it a `def` (run in the threadpool) or use async I/O"
    )
    summary = "`async def` function passed to `add_task` that makes blocking calls"
    fix_availability = "sometimes"
    triggers = ("async def",)
    docs = """
## What it does
Checks `async def` functions that are passed to `BackgroundTasks.add_task` anywhere in the
project and make blocking calls (`time.sleep`, `requests`, `open`, sync database sessions, and
everything else the FPI1xx catalog knows, directly or through sync project functions). The
finding is on the function, wherever the `add_task` call is.

## Why is this bad?
Starlette runs a `def` background task in the threadpool, but awaits an `async def` task on the
event loop. A blocking call inside it stops the loop: after the response is sent, every other
request served by the process waits for the task. Background tasks are often the slowest code of
an application (emails, reports, uploads), which makes this worse than the same call in a route.

## Example
```python
import time

from fastapi import BackgroundTasks, FastAPI

app = FastAPI()


async def build_report(user_id: int) -> None:
    time.sleep(5)  # stands for slow sync work


@app.post("/reports")
async def reports(user_id: int, background_tasks: BackgroundTasks):
    background_tasks.add_task(build_report, user_id)
```

## Use instead
```python
def build_report(user_id: int) -> None:
    time.sleep(5)
```

## Fix safety
When the function awaits nothing (no `await`, `async for` or `async with`), has no decorators,
is not an async generator and is not called directly anywhere in the project, the fix removes
`async`, so the task runs in the threadpool. It is unsafe: the task now runs in another thread,
which matters for code that touches thread-bound state. Otherwise no fix is offered: switch to
async libraries, or move the blocking part into `await asyncio.to_thread(...)`.
"""

    def enter_function(self, frame: Frame) -> None:
        if not frame.is_async:
            return
        qual = self.ctx.qualified_function_name(frame)
        tasks = self.ctx.index.project_fact("background_task_functions")
        if qual is None or qual not in tasks:
            return
        reason = blocking_call(self.ctx, qual)
        if reason is None:
            return
        function = frame.node
        assert isinstance(function, cst.FunctionDef)
        message = (
            f"`{function.name.value}` is an `async def` background task that blocks "
            f"(`{reason.text}`): it runs on the event loop after the response and stalls every "
            "other request; make it a `def` (run in the threadpool) or use async I/O"
        )
        fix = None
        fact = self.ctx.function_fact(frame) or {}
        called_directly = tasks[qual]
        if (
            not fact.get("awaits", True)
            and not fact.get("generator", True)
            and not function.decorators
            and not called_directly
            and function.asynchronous is not None
        ):
            fix = Fix(
                message="Make the task a plain `def`",
                applicability="unsafe",
                replacements={function.asynchronous: cst.RemovalSentinel.REMOVE},
            )
        self.report(function.name, message=message, fix=fix, chain=reason.hops)
