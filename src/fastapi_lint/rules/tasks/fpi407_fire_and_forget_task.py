"""FPI407 fire-and-forget-task: `asyncio.create_task(...)` whose result is dropped, or
`threading.Thread(...).start()`, in a path operation or dependency."""

from __future__ import annotations

from ...lazycst import cst
from ...rule import Rule
from ..blocking.catalog import EVENT_LOOPS
from ..sessions.base import request_reach
from .base import LocalUses, injected_function

TASK_SPAWNERS = frozenset(
    {
        "asyncio.create_task",
        "asyncio.ensure_future",
        "asyncio.tasks.create_task",
        "asyncio.tasks.ensure_future",
        *(f"{loop}.create_task" for loop in EVENT_LOOPS),
        *(f"{loop}.ensure_future" for loop in EVENT_LOOPS),
    }
)
THREAD_TYPES = frozenset({"threading.Thread"})


class FireAndForgetTask(Rule):
    code = "FPI407"
    name = "fire-and-forget-task"
    message = (
        "Fire-and-forget work in a request: nothing keeps, awaits or reports it; use "
        "`BackgroundTasks` (or a task queue for long jobs)"
    )
    summary = "`asyncio.create_task()` result dropped, or `Thread(...).start()`, in a request"
    triggers = ("create_task", "ensure_future", "Thread")
    docs = """
## What it does
Checks path operations and dependencies for work started and then forgotten: a statement that is
only `asyncio.create_task(...)`, `asyncio.ensure_future(...)` or `loop.create_task(...)` (the
task is not stored, awaited or added to a collection), and threads started and forgotten:
`threading.Thread(...).start()`, or a local `worker = threading.Thread(...)` whose only use is
`worker.start()` (never joined, stored or passed on). A dropped `create_task(...)` in a
helper, service or method that a request reaches is reported too, with how the request
reaches it (`reached from WEBSOCKET /ws via SessionManager.restart`): the project's call graph
leads from a path operation, dependency, middleware or exception handler to it. Code that runs
at startup, in tasks the app starts itself, in scripts, or whose reach is unknown is not
checked; nor is a thread a helper starts (handing work to a thread is often the helper's
design: a loop thread, a loader).

## Why is this bad?
The event loop keeps only a weak reference to a task: a task nobody holds can be
garbage-collected before it finishes, and an exception in it is reported, at best, as "Task
exception was never retrieved" long after the request. A thread started per request is not
bounded, not joined at shutdown, and its errors go to stderr. `BackgroundTasks` runs the work
after the response with errors surfacing in the server's logs; work that takes long or must
survive a restart belongs in a task queue (Celery, arq, RQ, Dramatiq...).

## Example
```python
import asyncio

from fastapi import FastAPI

app = FastAPI()


@app.post("/orders")
async def create_order():
    asyncio.create_task(notify_warehouse())
    return {"ok": True}
```

## Use instead
```python
from fastapi import BackgroundTasks, FastAPI


@app.post("/orders")
async def create_order(background_tasks: BackgroundTasks):
    background_tasks.add_task(notify_warehouse)
    return {"ok": True}
```

## Fix safety
There is no fix: whether the work should run after the response, in a queue, or be awaited is a
design decision.
"""

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        self._threads = LocalUses(frozenset({"start"}))

    # -- a local thread whose only use is .start() ---------------------------------------------
    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._threads.enter_function()

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        for _name, call in self._threads.leave_function():
            self.report(call, message=self._message(self.THREAD))

    def visit_Attribute(self, node: cst.Attribute) -> None:
        self._threads.attribute(node)

    def visit_Arg(self, node: cst.Arg) -> None:
        if node.keyword is not None:
            self._threads.not_a_load(node.keyword)

    def visit_Param(self, node: cst.Param) -> None:
        self._threads.not_a_load(node.name)

    def visit_Name(self, node: cst.Name) -> None:
        self._threads.name(node)

    def visit_Assign(self, node: cst.Assign) -> None:
        if len(node.targets) != 1 or not isinstance(node.targets[0].target, cst.Name):
            return
        target = node.targets[0].target
        frame = self.ctx.enclosing_function()
        payload = None
        if isinstance(node.value, cst.Call) and frame is not None and self.ctx.frames[-1] is frame:
            ref = self.ctx.resolve(node.value.func)
            if ref is not None and ref.qual in THREAD_TYPES and injected_function(self.ctx, frame):
                payload = node.value
        self._threads.bind(target, payload)

    # -- statements that start work and drop the handle -------------------------------------
    TASK = "the task is not kept, so it can be garbage-collected before it finishes"
    THREAD = "the thread is never joined and nothing sees its errors"

    def _message(self, kind: str, reach: str = "") -> str:
        where = f" ({reach})" if reach else ""
        return (
            f"Fire-and-forget work in a request{where}: {kind}; use `BackgroundTasks` "
            "(or a task queue for long jobs)"
        )

    def visit_Expr(self, node: cst.Expr) -> None:
        call = node.value
        if not isinstance(call, cst.Call):
            return
        frame = self.ctx.enclosing_function()
        if frame is None or self.ctx.frames[-1] is not frame:
            return
        ref = self.ctx.resolve(call.func)
        if ref is None:
            return
        if ref.qual in TASK_SPAWNERS and ref.kind in ("external", "member"):
            kind = self.TASK
        elif (
            ref.kind == "member"
            and isinstance(call.func, cst.Attribute)
            and call.func.attr.value == "start"
            and isinstance(call.func.value, cst.Call)
            and ref.qual.removesuffix(".start") in THREAD_TYPES
        ):
            kind = self.THREAD
        else:
            return
        reach = self._reach(frame, kind)
        if reach is None:
            return
        self.report(call, message=self._message(kind, reach))

    def _reach(self, frame, kind: str) -> str | None:
        """ "" in a path operation or dependency; for a dropped task, the words naming how a
        request reaches any other function that runs for one (a helper, a service method:
        "reached from WEBSOCKET /ws via SessionManager.add_or_restart_session"); None
        elsewhere (startup, scripts, code of unknown reach). A thread started in a helper is
        often the helper's way of handing work off (a loop thread, a loader): only a path
        operation's or dependency's own thread is reported."""
        if injected_function(self.ctx, frame) is not None:
            return ""
        return request_reach(self.ctx, frame) if kind == self.TASK else None
