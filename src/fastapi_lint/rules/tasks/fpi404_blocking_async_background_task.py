"""FPI404 blocking-async-background-task: an `async def` task that blocks the event loop."""

from __future__ import annotations

from ...index.reach import LIFESPAN, SERVING, SHUTDOWN, STARTUP, reach_words
from ...lazycst import cst
from ...rule import FileContext, Fix, Frame, Rule
from ..blocking.base import REPORT_LIFESPAN_SHUTDOWN, REPORT_LIFESPAN_STARTUP, REPORT_UNSERVED
from ..blocking.catalog import call_env
from .base import BlockingPath, blocking_call


class BlockingAsyncBackgroundTask(Rule):
    code = "FPI404"
    name = "blocking-async-background-task"
    message = (
        "This `async def` background task makes blocking calls; it runs on the event loop, so "
        "make it a `def` (run in the threadpool) or use async I/O"
    )
    summary = "`async def` function passed to `add_task` that makes blocking calls"
    fix_availability = "sometimes"
    triggers = ("async def",)

    @classmethod
    def could_apply(cls, index, module_name: str, settings=None) -> bool:
        # Only an `async def` that some `add_task` schedules is judged (`enter_function`).
        summary = index.module(module_name)
        if summary is None:
            return True
        sites = index.project_fact("background_task_sites")
        return any(
            fact["async"] and sites.get(index.qualified_function(module_name, key))
            for key, fact in summary["functions"].items()
        )

    docs = """
## What it does
Checks `async def` functions that are passed to `BackgroundTasks.add_task` anywhere in the
project and make blocking calls (`time.sleep`, `requests`, `open`, sync database sessions, and
everything else the FPI1xx catalog knows, directly or through sync project functions), or
that are scheduled with `BackgroundTask(func, ...)`. The finding is on the function, wherever
the `add_task` call is, and the message names the route that adds it (`added by POST
/reports`).

Only tasks that may run while requests are served count: a task is reported when some place
that schedules it is in serving code (a path operation, a dependency, a helper they call) or
in code whose reach is unknown; a task that only tests, scripts (`asyncio.run`, typer/click
commands), lifespan startup or shutdown code schedule is not (`report-unserved = true`,
`report-lifespan-startup = true` and `report-lifespan-shutdown = true` under
`[tool.fastapi-lint.rules]` bring them back, as for FPI1xx). The arguments each place forwards rule branches out like FPI110's literal arguments:
`add_task(notify, email, dry_run=True)` does not count when `notify` blocks only without
`dry_run`.

## Why is this bad?
Starlette runs a `def` background task in the threadpool, but awaits an `async def` task on the
event loop. A blocking call inside it stops the loop: after the response is sent, every other
request served by the process waits for the task. Background tasks are often the slowest code of
an application (emails, reports, uploads), which makes this worse than the same call in a route.

## Example
```python
import time

from fastapi import BackgroundTasks, FastAPI

app = FastAPI()


async def build_report(user_id: int) -> None:
    time.sleep(5)  # stands for slow sync work


@app.post("/reports")
async def reports(user_id: int, background_tasks: BackgroundTasks):
    background_tasks.add_task(build_report, user_id)
```

## Use instead
```python
def build_report(user_id: int) -> None:
    time.sleep(5)
```

## Fix safety
When the function awaits nothing (no `await`, `async for` or `async with`), has no decorators,
is not an async generator and is not called directly anywhere in the project, the fix removes
`async`, so the task runs in the threadpool. It is unsafe: the task now runs in another thread,
which matters for code that touches thread-bound state. Otherwise no fix is offered: switch to
async libraries, or move the blocking part into `await asyncio.to_thread(...)`.
"""

    def enter_function(self, frame: Frame) -> None:
        if not frame.is_async:
            return
        qual = self.ctx.qualified_function_name(frame)
        tasks = self.ctx.index.project_fact("background_task_functions")
        sites = self.ctx.index.project_fact("background_task_sites").get(qual or "")
        if qual is None or not sites:
            return
        found = self._blocking_site(qual, sites)
        if found is None:
            return
        reason, words = found
        function = frame.node
        assert isinstance(function, cst.FunctionDef)
        added = f" ({words})" if words else ""
        message = (
            f"`{function.name.value}` is an `async def` background task{added} that blocks "
            f"(`{reason.text}`): it runs on the event loop after the response and stalls every "
            "other request; make it a `def` (run in the threadpool) or use async I/O"
        )
        fix = None
        fact = self.ctx.function_fact(frame) or {}
        called_directly = tasks.get(qual, True)
        if (
            not fact.get("awaits", True)
            and not fact.get("generator", True)
            and not function.decorators
            and not called_directly
            and function.asynchronous is not None
        ):
            fix = Fix(
                message="Make the task a plain `def`",
                applicability="unsafe",
                replacements={function.asynchronous: cst.RemovalSentinel.REMOVE},
            )
        self.report(function.name, message=message, fix=fix, chain=reason.hops)

    def _blocking_site(self, qual: str, sites: list) -> tuple[BlockingPath, str] | None:
        """The blocking work of the task as one of the places that schedule it runs it, with
        words naming the route that adds it; None when no site both may serve requests (see
        `site_served`) and passes arguments under which the task blocks. A site that names the
        route that adds the task is preferred."""
        index = self.ctx.index
        best: tuple[BlockingPath, str] | None = None
        for mod, key, line, args, kwargs, through_class in sites:
            keep, words = site_served(self.ctx, mod, key, line)
            if not keep:
                continue
            env = call_env(index, qual, args, kwargs, receiver_is_class=through_class)
            reason = blocking_call(self.ctx, qual, env)
            if reason is None:
                continue
            if words:
                return reason, words
            best = best or (reason, "")
        return best


def site_served(ctx: FileContext, mod: str, key: str, line: int) -> tuple[bool, str]:
    """(report?, words naming the route) for a place that schedules a background task, by the
    index's served-code reachability of the function it is in, as FPI1xx judge code: a site in
    serving code is reported and named (`added by POST /reports`), one in a test, a script or
    lifespan startup or shutdown is not (unless `report-unserved` / `report-lifespan-*`), one of
    unknown reach is reported without a name."""
    found = ctx.index.reach(mod, key) if key else None
    if found is None:
        return True, ""
    kind, entry, via = found
    if kind == LIFESPAN:
        fact = ctx.index.function(ctx.index.qualified_function(mod, key)) or {}
        first_yield = fact.get("first_yield")
        kind = SHUTDOWN if first_yield is not None and line > first_yield else STARTUP
    if kind == SERVING:
        return True, reach_words(f"added by {entry}", via)
    settings = ctx.settings
    if kind == STARTUP and settings.rule_option(REPORT_LIFESPAN_STARTUP, False):
        return True, ""
    if kind == SHUTDOWN and settings.rule_option(REPORT_LIFESPAN_SHUTDOWN, False):
        return True, ""
    return bool(settings.rule_option(REPORT_UNSERVED, False)), ""
