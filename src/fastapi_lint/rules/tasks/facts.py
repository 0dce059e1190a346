"""The project fact "functions passed to BackgroundTasks.add_task anywhere" (FPI4xx rules)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...index.shapes import CallSite, dotted, name_shape
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


#: The singular class: one task, attached to a response by hand.
BACKGROUND_TASK_CLASSES = frozenset({"starlette.background.BackgroundTask"})


def _task_sites_in(index: ProjectIndex, mod: str) -> dict[str, list]:
    """Where `mod` schedules project functions as background tasks (`add_task(f, ...)`,
    `BackgroundTask(f, ...)`): task -> [[module, scope key, line, forwarded positional
    arguments (None when a spread hides them), forwarded keyword arguments, whether the task
    is named through its class (`Reports.build`)], ...]."""
    sites: dict[str, list] = {}
    summary = index.module(mod)
    if summary is None:
        return sites
    for key, fact in summary["functions"].items():
        spread = {(line, col) for line, col in fact.get("spread") or ()}
        for raw in fact["calls"]:
            call = CallSite.of(raw)
            name = dotted(call.func) or ""
            if name.rsplit(".", 1)[-1] not in ("add_task", "BackgroundTask"):
                continue
            ref = index.ref_of_value(mod, key, call.func)
            if ref is None:
                continue
            if not (
                (ref.kind == "member" and ref.qual in ADD_TASK_MEMBERS)
                or ref.qual in BACKGROUND_TASK_CLASSES
            ):
                continue
            shape = task_shape(call)
            task = index.ref_of_value(mod, key, shape)
            if task is None or task.kind not in ("function", "member"):
                continue
            if index.function(task.qual) is None:
                continue
            by_keyword = call.kwargs.get("func") is not None
            args = (
                None
                if (call.line, call.col) in spread
                else list(call.args[0 if by_keyword else 1 :])
            )
            kwargs = {k: v for k, v in call.kwargs.items() if k != "func"}
            owner = dotted(shape)
            owner_ref = (
                index.ref_of_value(mod, key, name_shape(owner.rpartition(".")[0]))
                if owner and "." in owner
                else None
            )
            through_class = owner_ref is not None and owner_ref.kind == "class"
            sites.setdefault(task.qual, []).append(
                [mod, key, call.line, args, kwargs, through_class]
            )
    return sites


def background_task_sites(index: ProjectIndex) -> dict[str, list]:
    """Every place the project schedules each project function as a background task (see
    `_task_sites_in`), in module order."""
    found: dict[str, list] = {}
    for part in index.per_module(_task_sites_in):
        for qual, sites in part.items():
            found.setdefault(qual, []).extend(sites)
    return found
