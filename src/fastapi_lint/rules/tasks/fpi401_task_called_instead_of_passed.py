"""FPI401 background-task-called-instead-of-passed: `background_tasks.add_task(send_email(to))`."""

from __future__ import annotations

from typing import Any

from ...index.project import ProjectIndex
from ...index.shapes import Const, Name, Seq, Subscript, is_none, view
from ...lazycst import cst
from ...rule import Fix, Rule, dotted_name
from .base import is_add_task, project_callable, task_argument, task_arguments

#: External callables whose result is itself a callable: `add_task(partial(f, x))` is right.
CALLABLE_FACTORIES = frozenset(
    {
        "functools.partial",
        "functools.partialmethod",
        "functools.wraps",
        "functools.lru_cache",
        "functools.cache",
        "functools.update_wrapper",
        "operator.attrgetter",
        "operator.itemgetter",
        "operator.methodcaller",
        "builtins.getattr",
        "builtins.staticmethod",
        "builtins.classmethod",
        "builtins.type",
        "builtins.eval",
        "asyncio.coroutine",
        "contextvars.copy_context",
        "anyio.from_thread.BlockingPortal",
        "starlette.concurrency.run_in_threadpool",
    }
)

#: Return annotations that promise a value that cannot be called.
NOT_CALLABLE_TYPES = frozenset(
    {
        "builtins.str",
        "builtins.int",
        "builtins.float",
        "builtins.bool",
        "builtins.bytes",
        "builtins.dict",
        "builtins.list",
        "builtins.set",
        "builtins.tuple",
        "builtins.frozenset",
        "typing.Dict",
        "typing.List",
        "typing.Set",
        "typing.Tuple",
        "typing.NoReturn",
        "typing.Never",
    }
)


def _annotation_not_callable(index: ProjectIndex, module: str, scope: str, shape: Any) -> bool:
    if is_none(shape):
        return True
    typed = view(shape)
    if isinstance(typed, Name):
        ref = index.resolve_name(module, scope, typed.dotted)
        return ref is not None and ref.qual in NOT_CALLABLE_TYPES
    if isinstance(typed, Subscript):
        return _annotation_not_callable(index, module, scope, typed.value)
    return False


def returns_no_callable(
    index: ProjectIndex, qual: str, fact: dict[str, Any], awaited: bool
) -> bool:
    """True when calling the function (and awaiting it if `awaited`) cannot give a callable."""
    if fact.get("async") and not awaited:
        return True  # a coroutine object
    if fact.get("generator"):
        return True  # a generator object
    returns = fact.get("returns")
    if returns is not None:
        split = index.split_qualified(qual)
        if split is None:
            return False
        scope = fact.get("parent") or fact.get("class") or ""
        return _annotation_not_callable(index, split[0], scope, returns)
    # Without an annotation: only literal returns (or none at all) are known not to be callable.
    return all(isinstance(view(shape), Const | Seq) for shape in fact["returns_values"])


def _pure(expr: cst.BaseExpression) -> bool:
    """Evaluating the expression has no side effect: names, attributes and plain literals."""
    if dotted_name(expr) is not None:
        return True
    if isinstance(expr, (cst.Integer, cst.Float, cst.Imaginary, cst.SimpleString)):
        return True
    if isinstance(expr, cst.ConcatenatedString):
        return _pure(expr.left) and _pure(expr.right)
    if isinstance(expr, cst.UnaryOperation) and isinstance(expr.operator, cst.Minus):
        return isinstance(expr.expression, (cst.Integer, cst.Float))
    return False


class BackgroundTaskCalledInsteadOfPassed(Rule):
    code = "FPI401"
    name = "background-task-called-instead-of-passed"
    message = (
        "The task is called now and its result is passed to `add_task`; pass the function and "
        "its arguments: `add_task(func, *args)`"
    )
    summary = "`add_task(func(...))` runs the task inline instead of after the response"
    fix_availability = "sometimes"
    triggers = ("add_task",)
    docs = """
## What it does
Checks for calls to `BackgroundTasks.add_task` whose task argument is itself a call, awaited or
not: `background_tasks.add_task(send_email(to))`. The receiver must be a real `BackgroundTasks`
object: a parameter annotated with `fastapi.BackgroundTasks` (or
`starlette.background.BackgroundTasks`), or a local `BackgroundTasks()`; other `add_task`
methods are left alone.

## Why is this bad?
`add_task` wants the function and its arguments, and calls it after the response is sent. Calling
the function in the argument runs it right away, inside the request, so the client waits for the
email to go out; then `add_task` receives the function's result (usually `None`, or a coroutine
that is never awaited), and running that after the response raises `TypeError`.

Calls whose result is a callable are not reported: `add_task(partial(send_email, to))`, or a
project function that returns an inner function (a factory).

## Example
```python
from fastapi import BackgroundTasks, FastAPI

app = FastAPI()


def send_email(to: str) -> None: ...


@app.post("/signup")
def signup(email: str, background_tasks: BackgroundTasks):
    background_tasks.add_task(send_email(email))
    return {"ok": True}
```

## Use instead
```python
@app.post("/signup")
def signup(email: str, background_tasks: BackgroundTasks):
    background_tasks.add_task(send_email, email)
    return {"ok": True}
```

## Fix safety
The fix rewrites `add_task(f(a, k=b))` (or `add_task(await f(a))`) as `add_task(f, a, k=b)`. It
is safe when `f` is a project function that cannot return a callable (no return value, literal
returns, a non-callable return annotation, or an `async def` that is not awaited) and every
argument is a name, an attribute or a literal; then the only change is that the task runs after
the response, as intended. Otherwise it is unsafe: `f` may come from a library and return
something callable, or evaluating the arguments may have side effects the order now matters for.
No fix is offered when `add_task` gets further arguments of its own, or when the call holds a
comment.
"""

    def visit_Call(self, node: cst.Call) -> None:
        if not is_add_task(self.ctx, node):
            return
        task = task_argument(node)
        if task is None:
            return
        value, awaited = task.value, False
        if isinstance(value, cst.Await):
            value, awaited = value.expression, True
        if not isinstance(value, cst.Call):
            return
        ref = self.ctx.resolve(value.func)
        found = project_callable(self.ctx, ref)
        if found is not None:
            qual, fact = found
            if not returns_no_callable(self.ctx.index, qual, fact, awaited):
                return
            certain = True
        elif ref is not None and ref.kind == "external" and ref.qual not in CALLABLE_FACTORIES:
            certain = False
        else:
            return
        name = dotted_name(value.func) or "func"
        message = (
            f"`{name}(...)` is called now, inside the request, and its result is passed to "
            f"`add_task`; pass the function and its arguments: `add_task({name}, ...)`"
        )
        self.report(task.value, message=message, fix=self._fix(node, task, value, certain))

    def _fix(self, call: cst.Call, task: cst.Arg, inner: cst.Call, certain: bool) -> Fix | None:
        if task_arguments(call):
            return None
        if any(arg.keyword is not None and arg.keyword.value == "func" for arg in inner.args):
            return None
        if "#" in self.ctx.module.code_for_node(inner):
            return None  # a comment inside the call would be lost or misplaced
        pure = _pure(inner.func) and all(_pure(arg.value) for arg in inner.args)
        # The arguments are laid out on one line; the outer call keeps its own layout and
        # trailing comma.
        flat = [
            arg.with_changes(
                comma=cst.MaybeSentinel.DEFAULT,
                whitespace_after_star=cst.SimpleWhitespace(""),
                whitespace_after_arg=cst.SimpleWhitespace(""),
            )
            for arg in (cst.Arg(value=inner.func), *inner.args)
        ]
        flat[-1] = flat[-1].with_changes(
            comma=task.comma, whitespace_after_arg=task.whitespace_after_arg
        )
        new_call = call.with_changes(args=flat)
        name = dotted_name(inner.func) or "the function"
        return Fix(
            message=f"Pass `{name}` and its arguments to `add_task`",
            applicability="safe" if certain and pure else "unsafe",
            replacements={call: new_call},
        )
