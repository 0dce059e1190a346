"""The project fact "functions passed to BackgroundTasks.add_task anywhere" (FPI4xx rules)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...index.shapes import CallSite, dotted
from ...index.summary import Shape

if TYPE_CHECKING:
    from ...index.project import ProjectIndex

#: The class FastAPI injects (and its re-exports).
BACKGROUND_TASKS_TYPES = frozenset(
    {
        "fastapi.BackgroundTasks",
        "fastapi.background.BackgroundTasks",
        "starlette.background.BackgroundTasks",
    }
)
ADD_TASK_MEMBERS = frozenset(f"{qual}.add_task" for qual in BACKGROUND_TASKS_TYPES)


def _add_task_calls(index: ProjectIndex, mod: str):
    """(scope key, call record) of every add_task call on a BackgroundTasks object in `mod`."""
    summary = index.module(mod)
    if summary is None:
        return
    for key, fact in summary["functions"].items():
        for raw in fact["calls"]:
            call = CallSite.of(raw)
            if not (dotted(call.func) or "").endswith(".add_task"):
                continue
            ref = index.ref_of_value(mod, key, call.func)
            if ref is not None and ref.kind == "member" and ref.qual in ADD_TASK_MEMBERS:
                yield key, call


def task_shape(call: CallSite) -> Shape | None:
    """The task an add_task call passes (`func=` or its first argument)."""
    if call.kwargs.get("func") is not None:
        return call.kwargs["func"]
    return call.args[0] if call.args else None


def _tasks_in(index: ProjectIndex, mod: str) -> list[str]:
    """Project functions `mod` passes to `BackgroundTasks.add_task`."""
    tasks: set[str] = set()
    for key, record in _add_task_calls(index, mod):
        ref = index.ref_of_value(mod, key, task_shape(record))
        known = ref is not None and ref.kind in ("function", "member")
        if known and index.function(ref.qual) is not None:
            tasks.add(ref.qual)
    return sorted(tasks)


def _called_in(index: ProjectIndex, mod: str, tasks: tuple[str, ...]) -> list[str]:
    """Which of `tasks` the module `mod` calls directly."""
    summary = index.module(mod)
    if summary is None:
        return []
    short = {qual.rsplit(".", 1)[-1] for qual in tasks}
    called: set[str] = set()
    scopes = [("", summary["module_calls"])]
    scopes += [(key, fact["calls"]) for key, fact in summary["functions"].items()]
    for key, calls in scopes:
        for raw in calls:
            func = CallSite.of(raw).func
            name = dotted(func)
            if name is None or name.rsplit(".", 1)[-1] not in short:
                continue
            ref = index.ref_of_value(mod, key, func)
            if ref is not None and ref.qual in tasks:
                called.add(ref.qual)
    return sorted(called)


def background_task_functions(index: ProjectIndex) -> dict[str, bool]:
    """Project functions passed to `BackgroundTasks.add_task` anywhere, each mapped to whether
    the project also calls it directly somewhere (then changing its signature is not local)."""
    tasks = tuple(sorted({qual for part in index.per_module(_tasks_in) for qual in part}))
    called: set[str] = set()
    if tasks:
        for part in index.per_module(_called_in, tasks):
            called.update(part)
    return {qual: qual in called for qual in tasks}
