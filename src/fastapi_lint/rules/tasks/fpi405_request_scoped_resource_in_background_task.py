"""FPI405 request-scoped-resource-in-background-task: `add_task(save, db)` where `db` comes from a
dependency that yields."""

from __future__ import annotations

from typing import Any

import libcst as cst

from ...index.shapes import Call, ParamBinding, Subscript, string, view, view_binding
from ...model import RelatedLocation
from ...rule import Rule
from .base import is_add_task, task_arguments
from .fastapi_version import fastapi_range, overlaps

_DEPENDS = frozenset(
    {
        "fastapi.Depends",
        "fastapi.Security",
        "fastapi.params.Depends",
        "fastapi.params.Security",
        "fastapi.param_functions.Depends",
        "fastapi.param_functions.Security",
    }
)
_ANNOTATED = frozenset({"typing.Annotated", "typing_extensions.Annotated"})
# FastAPI 0.106.0 moved the exit code of yield dependencies before the response is sent (so
# before background tasks); 0.118.0 moved it back after the response.
CLOSED_FROM = (0, 106, 0)
CLOSED_UNTIL = (0, 118, 0)


class RequestScopedResourceInBackgroundTask(Rule):
    code = "FPI405"
    name = "request-scoped-resource-in-background-task"
    message = (
        "A value from a yield dependency is closed before this background task runs; create it "
        "inside the task"
    )
    summary = "Value of a yield dependency (a DB session...) passed to `add_task`"
    triggers = ("add_task",)
    docs = """
## What it does
Checks for arguments of `BackgroundTasks.add_task(...)` that are parameters whose value comes from
a dependency that `yield`s, such as a database session from `get_db`: through a default
`Depends(get_db)` or `Annotated[Session, Depends(get_db)]`, also behind a type alias defined in
another module.

## Why is this bad?
A dependency with `yield` runs its exit code (closing the session, returning the connection to
the pool) when FastAPI is done with the request. When that happens moved over time:

* before FastAPI 0.106.0, after the response and its background tasks;
* from 0.106.0 to 0.117.x, **before** the response is sent, so before background tasks run: the
  task gets a closed session;
* from 0.118.0, after the response again, unless the dependency is declared with
  `Depends(..., scope="function")` (0.121.0 and later), whose exit code runs right after the
  path operation returns, before background tasks.

A task that relies on the request's session therefore breaks when FastAPI is upgraded (or
downgraded) or when the dependency's scope changes, and the failure happens after the response,
where nobody sees it. FastAPI's documentation recommends creating such resources inside the task.

The rule honours `fastapi-version` under `[tool.fastapi-lint.rules]`; when it is not set, it
reads the `fastapi` requirement of the project (`[project]` dependencies, optional dependencies
and dependency groups, Poetry dependencies, then `requirements*.txt`). It reports when the
allowed versions include 0.106 to 0.117, and always for `scope="function"`. A project that
states no FastAPI requirement is taken to run a current FastAPI (0.118 or later), where only
`scope="function"` closes the resource early; set `fastapi-version` to say otherwise. The
message states the outcome and the versions it happens on (`is closed before this background
task runs on FastAPI 0.106 to 0.117`); this section is why.

## Example
```python
from fastapi import BackgroundTasks, Depends, FastAPI
from sqlmodel import Session

app = FastAPI()


def get_session():
    with Session(engine) as session:
        yield session


def save_audit(session: Session, action: str) -> None:
    session.add(AuditLog(action=action))
    session.commit()


@app.post("/orders")
def create_order(background_tasks: BackgroundTasks, session: Session = Depends(get_session)):
    background_tasks.add_task(save_audit, session, "order created")
```

## Use instead
```python
def save_audit(action: str) -> None:
    with Session(engine) as session:
        session.add(AuditLog(action=action))
        session.commit()


@app.post("/orders")
def create_order(background_tasks: BackgroundTasks, session: Session = Depends(get_session)):
    background_tasks.add_task(save_audit, "order created")
```

## Fix safety
There is no fix: the task itself has to open its own resource.
"""

    def visit_Call(self, node: cst.Call) -> None:
        if not is_add_task(self.ctx, node):
            return
        for arg in task_arguments(node):
            if not isinstance(arg.value, cst.Name):
                continue
            found = self._yield_dependency(arg.value.value)
            if found is None:
                continue
            dependency, function_scope, qual = found
            message = self._message(arg.value.value, dependency, function_scope)
            if message is not None:
                self.report(arg.value, message=message, related=self._definition(qual))

    def _definition(self, qual: str) -> tuple[RelatedLocation, ...]:
        """Where the yield dependency is defined (editors and SARIF link it)."""
        index = self.ctx.index
        split = index.split_qualified(qual)
        fact = index.function(qual)
        path = index.path_of(split[0]) if split else None
        if fact is None or path is None:
            return ()
        message = f"yield dependency `{fact['name']}`"
        return (RelatedLocation(path, fact["line"], fact["col"] + 1, message),)

    # -- where does the value come from? ---------------------------------------------------
    def _yield_dependency(self, name: str) -> tuple[str, bool, str] | None:
        """(dependency name, declared with scope="function", its qualified name) when `name`
        is a parameter whose value comes from a project dependency that yields."""
        index, module = self.ctx.index, self.ctx.module_name
        found = index.lookup_binding(module, self.ctx.scope_key, name)
        binding = view_binding(found[0]) if found is not None else None
        if not isinstance(binding, ParamBinding):
            return None
        scope = found[1]
        annotation = binding.annotation
        depends = self._depends_call(module, scope, binding.default)
        if depends is None and annotation is not None:
            expanded = index.expand_annotation(module, scope, annotation)
            if expanded is not None:
                mod, typed = expanded[0], view(expanded[1])
                if isinstance(typed, Subscript) and self._resolves(
                    mod, "", typed.value, _ANNOTATED
                ):
                    for meta in typed.items[1:]:
                        depends = self._depends_call(mod, "", meta)
                        if depends is not None:
                            module, scope = mod, ""
                            break
        if depends is None:
            return None
        args, kwargs = depends.args, depends.kwargs
        target = kwargs.get("dependency") or (args[0] if args else None)
        ref = index.ref_of_value(module, scope, target)
        if ref is None or ref.kind != "function":
            return None
        fact = index.function(ref.qual)
        if fact is None or not fact.get("generator"):
            return None
        return fact["name"], string(kwargs.get("scope")) == "function", ref.qual

    def _depends_call(self, module: str, scope: str, shape: Any) -> Call | None:
        call = view(shape)
        if not isinstance(call, Call):
            return None
        return call if self._resolves(module, scope, call.func, _DEPENDS) else None

    def _resolves(self, module: str, scope: str, shape: Any, names: frozenset[str]) -> bool:
        ref = self.ctx.index.ref_of_value(module, scope, shape)
        return ref is not None and ref.qual in names

    def _message(self, name: str, dependency: str, function_scope: bool) -> str | None:
        # One plain sentence: what goes wrong, and from which FastAPI version; why those
        # versions (and how the project's are read) is in the docs.
        if function_scope:
            return (
                f'`{name}` from the yield dependency `{dependency}` (`scope="function"`) is '
                "closed before this background task runs; create it inside the task"
            )
        allowed = fastapi_range(self.ctx.settings)
        # With no stated version, assume a current FastAPI (0.118 or later), where the
        # default scope keeps the resource open until the tasks have run: no finding.
        if allowed is None or not overlaps(allowed, CLOSED_FROM, CLOSED_UNTIL):
            return None
        return (
            f"`{name}` from the yield dependency `{dependency}` is closed before this background "
            "task runs on FastAPI 0.106 to 0.117; create it inside the task"
        )
