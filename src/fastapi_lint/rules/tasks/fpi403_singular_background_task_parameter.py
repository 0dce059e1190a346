"""FPI403 singular-background-task-parameter: `task: BackgroundTask` where FastAPI injects
`BackgroundTasks`."""

from __future__ import annotations

from ...lazycst import cst
from ...rule import Fix, Frame, ImportRequest, Rule
from .base import BACKGROUND_TASK_TYPES, BACKGROUND_TASKS_TYPES, injected_function

_ANNOTATED = frozenset({"typing.Annotated", "typing_extensions.Annotated"})


class SingularBackgroundTaskParameter(Rule):
    code = "FPI403"
    name = "singular-background-task-parameter"
    message = (
        "FastAPI injects `BackgroundTasks` (plural), not `starlette.background.BackgroundTask`; "
        "annotate the parameter with `BackgroundTasks`"
    )
    summary = "Path operation or dependency parameter annotated with `BackgroundTask` (singular)"
    fix_availability = "sometimes"
    triggers = ("BackgroundTask",)
    docs = """
## What it does
Checks for parameters of path operations and dependencies annotated with
`starlette.background.BackgroundTask` (singular), directly or as the first argument of
`Annotated[...]`.

## Why is this bad?
FastAPI injects a `BackgroundTasks` object (plural, from `fastapi` or
`starlette.background`) into a parameter annotated with that class. `BackgroundTask` is a single
task that you attach to a response yourself; FastAPI does not know how to provide it and treats it
as a request field, so the application fails when the route is declared (`Invalid args for
response field`) instead of receiving the task list.

## Example
```python
from fastapi import FastAPI
from starlette.background import BackgroundTask

app = FastAPI()


@app.post("/signup")
def signup(email: str, tasks: BackgroundTask):
    tasks.add_task(send_email, email)
```

## Use instead
```python
from fastapi import BackgroundTasks, FastAPI

app = FastAPI()


@app.post("/signup")
def signup(email: str, tasks: BackgroundTasks):
    tasks.add_task(send_email, email)
```

## Fix safety
The fix replaces the annotation with `BackgroundTasks`, importing it from `fastapi` unless the
name already refers to the plural class. It is safe: the original declaration cannot work. No fix
is offered when the name `BackgroundTasks` is already bound to something else.
"""

    def enter_function(self, frame: Frame) -> None:
        function = frame.node
        assert isinstance(function, cst.FunctionDef)
        params = function.params
        candidates = [
            p.annotation.annotation
            for p in (*params.posonly_params, *params.params, *params.kwonly_params)
            if p.annotation is not None
        ]
        found = [expr for expr in map(self._singular, candidates) if expr is not None]
        if not found or injected_function(self.ctx, frame) is None:
            return
        for expr in found:
            self.report(expr, fix=self._fix(expr))

    def _singular(self, annotation: cst.BaseExpression) -> cst.BaseExpression | None:
        if isinstance(annotation, cst.Subscript):
            base = self.ctx.resolve(annotation.value)
            if base is None or base.qual not in _ANNOTATED or not annotation.slice:
                return None
            first = annotation.slice[0].slice
            if not isinstance(first, cst.Index):
                return None
            annotation = first.value
        ref = self.ctx.resolve(annotation)
        if ref is not None and ref.kind == "external" and ref.qual in BACKGROUND_TASK_TYPES:
            return annotation
        return None

    def _fix(self, expr: cst.BaseExpression) -> Fix | None:
        existing = self.ctx.index.lookup_binding(
            self.ctx.module_name, self.ctx.scope_key, "BackgroundTasks"
        )
        imports: list[ImportRequest] = []
        if existing is not None:
            ref = self.ctx.resolve(cst.Name("BackgroundTasks"))
            if ref is None or ref.qual not in BACKGROUND_TASKS_TYPES:
                return None
        else:
            imports.append(ImportRequest("fastapi", "BackgroundTasks"))
        return Fix(
            message="Annotate with `BackgroundTasks`",
            applicability="safe",
            replacements={expr: cst.Name("BackgroundTasks")},
            imports=imports,
        )
