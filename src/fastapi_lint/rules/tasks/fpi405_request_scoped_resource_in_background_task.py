"""FPI405 request-scoped-resource-in-background-task: `add_task(save, db)` where `db` comes from a
dependency that yields."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...index.shapes import Call, Param, ParamBinding, calls, dotted, string, view, view_binding
from ...lazycst import cst
from ...model import RelatedLocation
from ...rule import Rule
from .base import BACKGROUND_TASK_TYPES, is_add_task, task_arguments
from .facts import ADD_TASK_MEMBERS, BACKGROUND_TASKS_TYPES
from .fastapi_version import fastapi_range, overlaps

if TYPE_CHECKING:
    from ...index.project import ProjectIndex
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
    summary = (
        "Value of a yield dependency (a DB session...) passed to `add_task` or a "
        "`BackgroundTask`, also through helpers"
    )
    triggers = ("add_task", "BackgroundTask")
    docs = """
## What it does
Checks for arguments of `BackgroundTasks.add_task(...)` that are parameters whose value comes from
a dependency that `yield`s, such as a database session from `get_db`: through a default
`Depends(get_db)` or `Annotated[Session, Depends(get_db)]`, also behind a type alias defined in
another module. The same value is followed further:

* into the project's helpers: `schedule_email(db, tasks)` where `schedule_email` (or a helper
  it calls, a few levels deep, methods included) passes that parameter to `add_task` on the
  `BackgroundTasks` it was given, or to a `BackgroundTask(...)`; the finding is on the argument
  the path operation hands over, and names the helpers (`handed to a background task by
  notify → schedule_email`);
* into Starlette's `BackgroundTask(func, db)` attached to a response (`Response(...,
  background=task)` or `response.background = task`; an object never attached runs nothing)
  and a `BackgroundTasks()` of the function's own.

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

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        # Per function (by node id): names given as `background=` (or assigned to a response's
        # `.background`), and `BackgroundTask(...)` values bound to a name, decided at its end.
        self._attached: dict[int, set[str]] = {}
        self._waiting: dict[int, list[tuple[str, list[tuple[cst.Name, str]]]]] = {}
        self._direct: set[int] = set()
        self._targets: dict[int, str] = {}

    # -- Starlette's `BackgroundTask` attached to a response --------------------------------
    def visit_Arg(self, node: cst.Arg) -> None:
        if node.keyword is None or node.keyword.value != "background":
            return
        self._direct.add(id(node.value))
        if isinstance(node.value, cst.Name):
            self._attach(node.value.value)

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            inner = target.target
            if isinstance(inner, cst.Attribute) and inner.attr.value == "background":
                self._direct.add(id(node.value))
                if isinstance(node.value, cst.Name):
                    self._attach(node.value.value)
            elif isinstance(inner, cst.Name) and len(node.targets) == 1:
                self._targets[id(node.value)] = inner.value

    def _attach(self, name: str) -> None:
        frame = self.ctx.enclosing_function()
        if frame is not None:
            self._attached.setdefault(id(frame.node), set()).add(name)

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        attached = self._attached.pop(id(original_node), set())
        for name, findings in self._waiting.pop(id(original_node), []):
            if name in attached:
                for arg, message in findings:
                    self._report(arg, message)

    def visit_Call(self, node: cst.Call) -> None:
        if is_add_task(self.ctx, node):
            self._check_arguments(task_arguments(node), "")
            return
        ref = self.ctx.resolve(node.func)
        if ref is None:
            return
        if ref.qual in BACKGROUND_TASK_TYPES:
            self._background_task(node)
            return
        if ref.kind in ("function", "member") and self.ctx.index.function(ref.qual):
            self._helper_call(node, ref.qual)

    def _background_task(self, node: cst.Call) -> None:
        """`BackgroundTask(send, db)`: runs after the response it is attached to."""
        found = self._found(task_arguments(node), "")
        if not found:
            return
        if id(node) in self._direct:
            for arg, message in found:
                self._report(arg, message)
            return
        name = self._targets.get(id(node))
        frame = self.ctx.enclosing_function()
        if name is not None and frame is not None:
            self._waiting.setdefault(id(frame.node), []).append((name, found))

    # -- handed on through the project's own helpers ---------------------------------------
    def _helper_call(self, node: cst.Call, qual: str) -> None:
        """`schedule_email(db, tasks)` where the helper (transitively) hands its parameter
        to `add_task` or to a `BackgroundTask`."""
        index = self.ctx.index
        fact = index.function(qual)
        if fact is None:
            return
        params = _bound_params(fact)
        request_values: list[tuple[cst.Arg, str]] = []
        tasks: set[str] = set()
        for position, arg in enumerate(node.args):
            if arg.star:
                return  # `*args` shifts every position: unknown
            param = _param_for(params, position, arg)
            if param is None:
                continue
            if self._is_background_tasks(arg.value):
                tasks.add(param)
            elif isinstance(arg.value, cst.Name):
                request_values.append((arg, param))
        for arg, param in request_values:
            via = _hands_to_task(index, qual, param, frozenset(tasks), 0)
            if via is not None:
                self._check_arguments([arg], via)

    def _is_background_tasks(self, expr: cst.BaseExpression) -> bool:
        ref = self.ctx.resolve(expr)
        return ref is not None and ref.kind == "instance" and ref.qual in BACKGROUND_TASKS_TYPES

    # -- reporting --------------------------------------------------------------------------
    def _found(self, args: list[cst.Arg], via: str) -> list[tuple[cst.Name, str]]:
        out = []
        for arg in args:
            if not isinstance(arg.value, cst.Name):
                continue
            found = self._yield_dependency(arg.value.value)
            if found is None:
                continue
            dependency, function_scope, _qual = found
            message = self._message(arg.value.value, dependency, function_scope, via)
            if message is not None:
                out.append((arg.value, message))
        return out

    def _check_arguments(self, args: list[cst.Arg], via: str) -> None:
        for arg, message in self._found(args, via):
            self._report(arg, message)

    def _report(self, arg: cst.Name, message: str) -> None:
        found = self._yield_dependency(arg.value)
        related = self._definition(found[2]) if found is not None else ()
        self.report(arg, message=message, related=related)

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
        is a parameter whose value comes from a project dependency that yields (the semantic
        model finds the `Depends(...)`, also behind an `Annotated` alias of another module)."""
        index, module = self.ctx.index, self.ctx.module_name
        found = index.lookup_binding(module, self.ctx.scope_key, name)
        binding = view_binding(found[0]) if found is not None else None
        if not isinstance(binding, ParamBinding):
            return None
        marker = index.dependency_marker(module, found[1], binding.default, binding.annotation)
        if marker is None:
            return None
        marker_module, marker_scope, call, _annotated = marker
        depends = view(call)
        if not isinstance(depends, Call):
            return None
        args, kwargs = depends.args, depends.kwargs
        target = kwargs.get("dependency") or (args[0] if args else None)
        ref = index.ref_of_value(marker_module, marker_scope, target)
        if ref is None or ref.kind != "function":
            return None
        fact = index.function(ref.qual)
        if fact is None or not fact.get("generator"):
            return None
        return fact["name"], string(kwargs.get("scope")) == "function", ref.qual

    def _message(self, name: str, dependency: str, function_scope: bool, via: str) -> str | None:
        # One plain sentence: what goes wrong, and from which FastAPI version; why those
        # versions (and how the project's are read) is in the docs.
        handed = f" is handed to a background task by `{via}` and" if via else " is"
        task = "that task" if via else "this background task"
        if function_scope:
            return (
                f'`{name}` from the yield dependency `{dependency}` (`scope="function"`){handed} '
                f"closed before {task} runs; create it inside the task"
            )
        allowed = fastapi_range(self.ctx.settings)
        # With no stated version, assume a current FastAPI (0.118 or later), where the
        # default scope keeps the resource open until the tasks have run: no finding.
        if allowed is None or not overlaps(allowed, CLOSED_FROM, CLOSED_UNTIL):
            return None
        return (
            f"`{name}` from the yield dependency `{dependency}`{handed} closed before {task} "
            "runs on FastAPI 0.106 to 0.117; create it inside the task"
        )


MAX_HELPER_DEPTH = 3


def _bound_params(fact: dict[str, Any]) -> list[Param]:
    """The parameters a call's arguments fill: a method's `self`/`cls` is bound already."""
    params = [Param.of(p) for p in fact.get("params") or []]
    if fact.get("class") and params and params[0].name in ("self", "cls"):
        params = params[1:]
    return params


def _param_for(params: list[Param], position: int, arg: Any) -> str | None:
    """The parameter an argument fills (a CST `Arg` or a keyword name with no position)."""
    keyword = arg.keyword.value if getattr(arg, "keyword", None) is not None else None
    if keyword is not None:
        return keyword if any(p.name == keyword and p.kind != "*" for p in params) else None
    positional = [p for p in params if p.kind == "pos"]
    return positional[position].name if position < len(positional) else None


def _hands_to_task(
    index: ProjectIndex, qual: str, param: str, tasks: frozenset[str], depth: int
) -> str | None:
    """The helpers (`schedule_email → queue_mail`) through which the project function `qual`
    passes its parameter `param` to `BackgroundTasks.add_task` (on an object it is handed as
    one of the parameters `tasks`, or one typed so) or to a `BackgroundTask(...)`; None when
    it does not (as far as its summary shows)."""
    if depth > MAX_HELPER_DEPTH:
        return None

    def compute() -> str | None:
        fact = index.function(qual)
        split = index.split_qualified(qual)
        if fact is None or split is None:
            return None
        module, key = split
        name = fact["name"] if not fact.get("class") else f"{fact['class']}.{fact['name']}"
        for call in calls(fact):
            positions = [i for i, a in enumerate(call.args) if dotted(a) == param]
            keywords = [k for k, v in call.kwargs.items() if dotted(v) == param]
            if not positions and not keywords:
                continue
            func = dotted(call.func) or ""
            ref = index.ref_of_value(module, key, call.func)
            if func.endswith(".add_task"):
                on_tasks = func.rpartition(".")[0] in tasks or (
                    ref is not None and ref.kind == "member" and ref.qual in ADD_TASK_MEMBERS
                )
                if on_tasks and (any(i > 0 for i in positions) or set(keywords) - {"func"}):
                    return name
                continue
            if ref is not None and ref.qual in BACKGROUND_TASK_TYPES:
                if any(i > 0 for i in positions) or set(keywords) - {"func"}:
                    return name
                continue
            target = index.function(ref.qual) if ref is not None else None
            if target is None or ref is None:
                continue
            params = _bound_params(target)
            passed_tasks = frozenset(
                p
                for i, a in enumerate(call.args)
                if dotted(a) in tasks
                for p in [_param_for(params, i, None)]
                if p is not None
            ) | frozenset(k for k, v in call.kwargs.items() if dotted(v) in tasks)
            for inner in [_param_for(params, i, None) for i in positions] + keywords:
                if inner is None:
                    continue
                via = _hands_to_task(index, ref.qual, inner, passed_tasks, depth + 1)
                if via is not None:
                    return f"{name} → {via}"
        return None

    return index.memoised(("fpi405-hands", qual, param, tasks, depth), compute)
