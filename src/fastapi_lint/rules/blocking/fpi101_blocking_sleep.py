"""FPI101 blocking-sleep-in-async: `time.sleep()` inside `async def`."""

from __future__ import annotations

from ...index.project import Ref
from ...lazycst import cst
from ...rule import Fix, ImportRequest
from .base import AsyncCallRule, blocking_message, positional_args
from .catalog import SLEEP, blocks_with, classify


class BlockingSleepInAsync(AsyncCallRule):
    code = "FPI101"
    catalog_category = SLEEP
    name = "blocking-sleep-in-async"
    message = "`time.sleep()` blocks the event loop inside `async def`; use `await asyncio.sleep()`"
    summary = "`time.sleep()` called inside `async def`"
    fix_availability = "sometimes"
    triggers = ("sleep", "acquire")
    docs = """
## What it does
Checks for calls to `time.sleep()` (under any import alias) in the body of an `async def`:
path operations, dependencies, middleware, lifespan handlers and plain async helpers. It also
reports waiting on a thread lock without a timeout (`threading.Lock`, `RLock`, `Semaphore`,
`BoundedSemaphore` and `Condition` objects' `acquire()`, wherever the model types the object:
a module global, `self.lock`, a factory's result); `acquire(False)`, `acquire(blocking=False)`
and `acquire(timeout=...)` return by themselves and are not reported.

## Why is this bad?
FastAPI runs `async def` path operations on the event loop. `time.sleep()` stops the whole loop,
so every other request served by the process waits too. In a plain `def` path operation it would
be harmless, because FastAPI runs those in a threadpool.

## Example
```python
import time

from fastapi import FastAPI

app = FastAPI()


@app.get("/slow")
async def slow():
    time.sleep(1)
    return {"done": True}
```

## Use instead
```python
import asyncio

from fastapi import FastAPI

app = FastAPI()


@app.get("/slow")
async def slow():
    await asyncio.sleep(1)
    return {"done": True}
```

## Fix safety
The fix replaces the call with `await asyncio.sleep(...)` and adds `import asyncio`. It is
unsafe: other tasks now run during the pause, which can change the behaviour of code that relied
on nothing else running. No fix is offered where `await` is not allowed (inside a lambda, a nested
`def` or a generator expression).
"""

    def on_call(self, node: cst.Call, ref: Ref | None) -> None:
        if ref is None:
            return
        if ref.kind != "external" or ref.qual != "time.sleep":
            # A thread lock waited on without a timeout (no fix: the lock is shared with
            # threads, which an `asyncio.Lock` is not).
            reason = classify(ref, self.extra)
            keywords = [a.keyword.value for a in node.args if a.keyword is not None]
            if (
                reason is not None
                and reason.category == SLEEP
                and blocks_with(reason, len(positional_args(node)), keywords)
            ):
                self.report(node, message=blocking_message(reason))
            return
        fix = None
        if self.ctx.await_allowed() and id(node) not in self.awaited:
            call = node.with_changes(func=cst.parse_expression("asyncio.sleep"))
            fix = Fix(
                message="Replace with `await asyncio.sleep(...)`",
                applicability="unsafe",
                replacements={node: self.awaitable(node, call)},
                imports=[ImportRequest("asyncio")],
            )
        self.report(node, fix=fix)
