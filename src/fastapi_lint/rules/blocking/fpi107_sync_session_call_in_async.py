"""FPI107 sync-session-call-in-async: a sync SQLAlchemy/SQLModel `Session` used in `async def`."""

from __future__ import annotations

from ...index.project import Ref
from ...lazycst import cst
from ...rule import Fix
from .base import AsyncCallRule
from .catalog import SESSION, classify


class SyncSessionCallInAsync(AsyncCallRule):
    code = "FPI107"
    catalog_category = SESSION
    name = "sync-session-call-in-async"
    message = "A sync `Session` query blocks the event loop inside `async def`"
    summary = "sync SQLAlchemy/SQLModel `Session` query or commit inside `async def`"
    fix_availability = "sometimes"
    docs = """
## What it does
Checks for database work through a synchronous SQLAlchemy or SQLModel `Session` in the body of an
`async def`: `execute`, `exec`, `query`, `get`, `get_one`, `scalar`, `scalars`, `commit`, `flush`,
`refresh`, `delete`, `merge` and `rollback`. `add()` only records the object and is not reported.

The session is recognised when it is a parameter annotated `Session` (directly, through
`Annotated[Session, Depends(...)]` or a type alias such as `SessionDep` defined in another
module), or created in the body (`Session(engine)`, `SessionLocal()` of a `sessionmaker`,
`with Session(engine) as session`). `AsyncSession` is never reported, and neither is an awaited
call (`await session.execute(...)`): the object is async, whatever its annotation says.

## Why is this bad?
A sync session talks to the database on the calling thread. In an `async def` path operation or
dependency that thread runs the event loop, so every request waits for every query. FastAPI runs
plain `def` path operations and dependencies in a threadpool, where a sync session belongs.

## Example
```python
from fastapi import FastAPI
from sqlmodel import select

from .database import SessionDep
from .models import Item

app = FastAPI()


@app.get("/items")
async def list_items(session: SessionDep):
    return session.exec(select(Item)).all()
```

## Use instead
```python
@app.get("/items")
def list_items(session: SessionDep):
    return session.exec(select(Item)).all()
```
Or switch to `AsyncSession` with an async engine and `await session.exec(...)`.

## Fix safety
The fix turns `async def` into `def` when the function is a path operation or a dependency and
its body has no `await`, `async for` or `async with`; FastAPI then runs it in the threadpool. It
is unsafe: the function now runs in a worker thread, which matters to code relying on
thread-local state or on running on the loop. No fix is offered for other async functions (their
callers `await` them).
"""

    def on_call(self, node: cst.Call, ref: Ref | None) -> None:
        reason = classify(ref, self.extra)
        if reason is None or reason.category != SESSION:
            return
        method = reason.call.rpartition(".")[2]
        message = (
            f"`session.{method}()` of a sync `Session` blocks the event loop inside `async def`; "
            "declare the function with `def` or use `AsyncSession`"
        )
        self.report(node, message=message, fix=self._fix())

    def _fix(self) -> Fix | None:
        frame = self.ctx.enclosing_function()
        fact = self.ctx.function_fact(frame)
        if frame is None or fact is None or fact.get("awaits"):
            return None
        node = frame.node
        if not isinstance(node, cst.FunctionDef) or node.asynchronous is None:
            return None
        qual = self.ctx.qualified_function_name(frame)
        index = self.ctx.index
        is_route = index.path_operation(self.ctx.module_name, frame.key or "") is not None
        if not is_route and qual not in index.dependency_functions():
            return None
        return Fix(
            message="Declare it with `def` (FastAPI runs it in the threadpool)",
            applicability="unsafe",
            replacements={node: node.with_changes(asynchronous=None)},
        )
