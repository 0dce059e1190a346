"""FPI408 heavy-work-in-background-task (opt-in): `add_task` targets matching
`heavy-task-patterns` belong in a task queue."""

from __future__ import annotations

from fnmatch import fnmatchcase

from ...lazycst import cst
from ...rule import Rule
from .base import is_add_task, task_argument

DEFAULT_PATTERNS = (
    "generate_*report*",
    "*export*",
    "*backup*",
    "*transcode*",
    "train_*",
    "*reindex*",
)


def matches(qual: str, pattern: str) -> bool:
    """A pattern with a dot is matched against the qualified name, others against the
    function's own name; both case-insensitively."""
    target = qual if "." in pattern else qual.rpartition(".")[2]
    return fnmatchcase(target.lower(), pattern.lower())


class HeavyWorkInBackgroundTask(Rule):
    code = "FPI408"
    name = "heavy-work-in-background-task"
    message = (
        "Heavy work in `BackgroundTasks`: it runs inside the web process after the response, "
        "is lost on restart and is not retried; use a task queue"
    )
    summary = "`add_task` target matching `heavy-task-patterns` (opt-in)"
    default_enabled = False
    triggers = ("add_task",)
    docs = """
## What it does
Opt-in (`extend-select = ["FPI408"]`). Checks `BackgroundTasks.add_task(func, ...)` calls whose
task matches one of the glob patterns in `heavy-task-patterns` under
`[tool.fastapi-lint.rules]`, case-insensitively. A pattern with a dot is matched against the
task's qualified name (`app.reports.*`, `shutil.make_archive`), any other pattern against the
function's own name (`generate_*`). The setting replaces the default patterns
`generate_*report*`, `*export*`, `*backup*`, `*transcode*`, `train_*` and `*reindex*`.

## Why is this bad?
Background tasks run in the web server process after the response: they share its CPU, threadpool
and memory with requests, they are lost when the process restarts or is scaled down, and nothing
retries them. FastAPI's documentation recommends a task queue for heavy computation.

## Example
```python
@app.post("/exports")
def start_export(background_tasks: BackgroundTasks):
    background_tasks.add_task(export_all_orders)
```

## Use instead
```python
@app.post("/exports")
def start_export():
    export_all_orders_job.delay()  # Celery, arq, RQ, Dramatiq...
```

## Fix safety
There is no fix.
"""

    def visit_Call(self, node: cst.Call) -> None:
        if not is_add_task(self.ctx, node):
            return
        task = task_argument(node)
        if task is None:
            return
        ref = self.ctx.resolve(task.value)
        if ref is None or ref.kind not in ("function", "member", "external"):
            return
        configured = self.ctx.settings.rule_option("heavy-task-patterns")
        patterns = DEFAULT_PATTERNS if configured is None else tuple(configured)
        matched = next((p for p in patterns if matches(ref.qual, p)), None)
        if matched is None:
            return
        self.report(
            task.value,
            message=(
                f"`{ref.qual}` matches the heavy-task pattern `{matched}`: background tasks run "
                "in the web process after the response, are lost on restart and never retried; "
                "use a task queue"
            ),
        )
