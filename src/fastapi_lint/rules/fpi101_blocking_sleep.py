"""FPI101 blocking-sleep-in-async: `time.sleep()` inside `async def`."""

from __future__ import annotations

import libcst as cst

from ..rule import Fix, ImportRequest, Rule


class BlockingSleepInAsync(Rule):
    code = "FPI101"
    name = "blocking-sleep-in-async"
    message = "`time.sleep()` blocks the event loop inside `async def`; use `await asyncio.sleep()`"
    summary = "`time.sleep()` called inside `async def`"
    fix_availability = "sometimes"
    triggers = ("sleep",)
    docs = """
## What it does
Checks for calls to `time.sleep()` (under any import alias) in the body of an `async def`:
path operations, dependencies, middleware, lifespan handlers and plain async helpers.

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

    def __init__(self, ctx, metadata=None) -> None:
        super().__init__(ctx, metadata)
        # Calls whose result is used by an attribute, subscript or call need parentheses once
        # they become `await ...`.
        self._tight: set[int] = set()

    def visit_Attribute(self, node: cst.Attribute) -> None:
        self._tight.add(id(node.value))

    def visit_Subscript(self, node: cst.Subscript) -> None:
        self._tight.add(id(node.value))

    def visit_Call(self, node: cst.Call) -> None:
        self._tight.add(id(node.func))
        if not self.ctx.in_async_context():
            return
        ref = self.ctx.resolve(node.func)
        if ref is None or ref.kind != "external" or ref.qual != "time.sleep":
            return
        fix = None
        if self.ctx.await_allowed():
            call = node.with_changes(func=cst.parse_expression("asyncio.sleep"), lpar=[], rpar=[])
            # The call's own parentheses move outside the `await`; a call used by an
            # attribute, subscript or call needs them to keep its meaning.
            lpar, rpar = node.lpar, node.rpar
            if not lpar and id(node) in self._tight:
                lpar, rpar = [cst.LeftParen()], [cst.RightParen()]
            awaited = cst.Await(expression=call, lpar=lpar, rpar=rpar)
            fix = Fix(
                message="Replace with `await asyncio.sleep(...)`",
                applicability="unsafe",
                replacements={node: awaited},
                imports=[ImportRequest("asyncio")],
            )
        self.report(node, fix=fix)
