"""FPI204 global-session-in-path-operation: a module-level session shared by every request."""

from __future__ import annotations

from ...lazycst import cst
from .base import (
    RouteOrDependencyRule,
    facts_for,
)


class GlobalSessionInPathOperation(RouteOrDependencyRule):
    code = "FPI204"
    name = "global-session-in-path-operation"
    message = (
        "Path operation or dependency uses a module-level session shared by all requests; "
        "inject one per "
        "request with `Depends`"
    )
    summary = "module-level session object used by a path operation or dependency"
    fix_availability = "none"
    docs = """
## What it does
Checks for path operations and dependencies that use a session object created once at module
level (`db = SessionLocal()` or `session = Session(engine)` outside any function, in the same
module or imported from another one). Session *factories* (`SessionLocal = sessionmaker(...)`),
`scoped_session` registries and engines at module level are fine and not reported.

## Why is this bad?
A `Session` is not thread-safe and holds one transaction at a time. FastAPI serves `def` path
operations from a thread pool and `async def` ones concurrently on the event loop, so a global
session is shared by requests running at the same time: one request's rollback or commit affects
another's objects, a failed flush poisons the session for everyone, and identity-map caching
returns stale rows.

## Example
```python
from fastapi import FastAPI

from .database import SessionLocal
from .models import User

app = FastAPI()
db = SessionLocal()


@app.get("/users/{user_id}")
def read_user(user_id: int):
    return db.get(User, user_id)
```

## Use instead
```python
from fastapi import FastAPI

from .database import SessionDep
from .models import User

app = FastAPI()


@app.get("/users/{user_id}")
def read_user(user_id: int, db: SessionDep):
    return db.get(User, user_id)
```

## Fix safety
No fix is offered: the global may be used elsewhere (startup code, scripts) and has to be
removed by hand.
"""

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        self._not_loads: set[int] = set()
        self._reported: set[tuple[str, str]] = set()

    def visit_Attribute(self, node: cst.Attribute) -> None:
        self._not_loads.add(id(node.attr))
        # `database.db` where `database` is a project module holding the global session.
        if not isinstance(node.value, (cst.Name, cst.Attribute)):
            return
        frame = self.ctx.current_function()
        if not self._in_scope(frame):
            return
        base = self.ctx.resolve(node.value)
        if base is None or base.kind != "module" or self.ctx.index.module(base.qual) is None:
            return
        origin = facts_for(self.ctx).global_session(base.qual, "", node.attr.value)
        self._flag(frame.key, node, origin)

    def visit_Arg(self, node: cst.Arg) -> None:
        if node.keyword is not None:
            self._not_loads.add(id(node.keyword))

    def visit_Name(self, node: cst.Name) -> None:
        if id(node) in self._not_loads:
            return
        frame = self.ctx.current_function()
        if not self._in_scope(frame):
            return
        if any(node.value in f.shadowed for f in self.ctx.frames):
            return
        origin = facts_for(self.ctx).global_session(
            self.ctx.module_name, self.ctx.scope_key, node.value
        )
        self._flag(frame.key, node, origin)

    def _in_scope(self, frame) -> bool:
        return (
            frame is not None
            and frame.key is not None
            and (self.ctx.is_path_operation(frame) or self.ctx.is_dependency(frame))
        )

    def _flag(self, function_key: str, node: cst.CSTNode, origin: str | None) -> None:
        if origin is None or (function_key, origin) in self._reported:
            return
        self._reported.add((function_key, origin))
        self.report(
            node,
            message=f"Module-level session `{origin}` is shared by all requests; inject one "
            "per request with `Depends`",
        )
