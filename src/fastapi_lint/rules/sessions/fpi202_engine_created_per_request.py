"""FPI202 engine-created-per-request: create_engine() inside a path operation or dependency."""

from __future__ import annotations

import libcst as cst

from .base import (
    ENGINE_KINDS,
    RouteOrDependencyRule,
    facts_for,
    kind_of,
)


class EngineCreatedPerRequest(RouteOrDependencyRule):
    code = "FPI202"
    name = "engine-created-per-request"
    message = (
        "Engine created on every request; create it once at module level or in the lifespan "
        "and reuse it"
    )
    summary = "`create_engine()` called inside a path operation or dependency"
    fix_availability = "none"
    docs = """
## What it does
Checks for `create_engine(...)` and `create_async_engine(...)` (SQLAlchemy or SQLModel, under any
import alias, or through a project helper that returns a new engine) called in the body of a
path operation or of a dependency.

## Why is this bad?
An engine owns a connection pool. Creating one per request opens a new pool each time, so
connections are never reused, every request pays for a new connection, and pools pile up until
the garbage collector finds them, which can exhaust the database's connection limit under load.

## Example
```python
from sqlmodel import Session, create_engine


def get_session():
    engine = create_engine("sqlite:///app.db")
    with Session(engine) as session:
        yield session
```

## Use instead
```python
from sqlmodel import Session, create_engine

engine = create_engine("sqlite:///app.db")


def get_session():
    with Session(engine) as session:
        yield session
```

## Fix safety
No fix is offered: where the engine should live (module, lifespan, app state) is a design choice.
"""

    def visit_Call(self, node: cst.Call) -> None:
        frame = self.ctx.current_function()
        if frame is None or not (
            self.ctx.is_path_operation(frame) or self.ctx.is_dependency(frame)
        ):
            return
        if kind_of(self.ctx, node, facts_for(self.ctx)) in ENGINE_KINDS:
            self.report(node)
