"""FPI201 session-created-in-path-operation: a path operation opens its own session."""

from __future__ import annotations

import libcst as cst

from ..rule import Rule
from .session_facts import (
    CREATED_KINDS,
    current_function,
    facts_for,
    is_path_operation,
    kind_of,
)


class SessionCreatedInPathOperation(Rule):
    code = "FPI201"
    name = "session-created-in-path-operation"
    message = (
        "Database session opened inside a path operation; inject one per request with "
        "`Depends` from a dependency that closes it"
    )
    summary = "Session or connection opened inside a path operation instead of injected"
    fix_availability = "none"
    triggers = ("def ",)
    docs = """
## What it does
Checks for path operations that open their own database session or connection:
`Session(engine)`, `AsyncSession(engine)`, a `sessionmaker(...)`/`async_sessionmaker(...)` factory
called (`SessionLocal()`, whatever it is named and wherever it is defined), a `scoped_session`
registry called, `SessionLocal.begin()`, or `engine.connect()`/`engine.begin()`. Factories listed
in `[tool.fastapi-lint.rules] session-factories` count too.

Only the body of the path operation itself is checked: lifespan and startup handlers, CLI
scripts, tests, background-task functions and the session dependency itself may open sessions.

## Why is this bad?
FastAPI's documented practice is one session per request, created and closed by a dependency
(`SessionDep = Annotated[Session, Depends(get_session)]`). A session opened by hand in each route
is easy to leave open on an error path, cannot be shared with the other dependencies of the same
request (the current user lookup, permission checks), and cannot be overridden in tests with
`app.dependency_overrides`.

## Example
```python
from fastapi import FastAPI
from sqlmodel import Session, select

from .database import engine
from .models import Item

app = FastAPI()


@app.get("/items")
def list_items():
    with Session(engine) as session:
        return session.exec(select(Item)).all()
```

## Use instead
```python
from fastapi import FastAPI
from sqlmodel import select

from .database import SessionDep
from .models import Item

app = FastAPI()


@app.get("/items")
def list_items(session: SessionDep):
    return session.exec(select(Item)).all()
```

## Fix safety
No fix is offered yet: moving the session into a parameter changes when it is opened and
committed, which needs a person to check.
"""

    def visit_Call(self, node: cst.Call) -> None:
        frame = current_function(self.ctx)
        if not is_path_operation(self.ctx, frame):
            return
        if kind_of(self.ctx, node, facts_for(self.ctx)) in CREATED_KINDS:
            self.report(node)
