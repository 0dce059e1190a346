"""FPI402 background-tasks-never-attached: a local `BackgroundTasks()` nobody runs."""

from __future__ import annotations

from dataclasses import dataclass

from ...lazycst import cst
from ...rule import Fix, Rule
from .base import BACKGROUND_TASKS_TYPES, LocalUses, injected_function


@dataclass
class _Created:
    line: cst.SimpleStatementLine | None
    call: cst.Call
    annotation: cst.BaseExpression
    injected: bool


class BackgroundTasksNeverAttached(Rule):
    code = "FPI402"
    name = "background-tasks-never-attached"
    message = (
        "This `BackgroundTasks()` is never attached to a response nor returned, so its tasks "
        "never run; take a `BackgroundTasks` parameter and let FastAPI run them"
    )
    summary = "`BackgroundTasks()` created by hand and never attached to a response"
    fix_availability = "sometimes"
    triggers = ("BackgroundTasks",)
    docs = """
## What it does
Checks for a `BackgroundTasks()` object created inside a function, used only through
`.add_task(...)`, and never attached to a response (`Response(..., background=tasks)`), returned,
called, stored or passed anywhere.

## Why is this bad?
FastAPI runs the tasks of the `BackgroundTasks` object it injects into a path operation or a
dependency, and Starlette runs the ones attached to a response. An object created by hand is
neither: its tasks are added and then silently dropped with the object, so the email is never
sent and nothing in the logs says so.

## Example
```python
from fastapi import BackgroundTasks, FastAPI

app = FastAPI()


def send_email(to: str) -> None: ...


@app.post("/signup")
def signup(email: str):
    tasks = BackgroundTasks()
    tasks.add_task(send_email, email)
    return {"ok": True}
```

## Use instead
```python
@app.post("/signup")
def signup(email: str, tasks: BackgroundTasks):
    tasks.add_task(send_email, email)
    return {"ok": True}
```

## Fix safety
In a path operation or a dependency, the fix removes the assignment and declares a parameter of
the same name annotated with `BackgroundTasks`, which FastAPI injects; the parameter becomes
keyword-only when earlier parameters have defaults; comments on the removed line go with it. It is unsafe: the tasks that never ran now
run after the response, and the function's signature changes for any direct caller. In other
functions the finding has no fix.
"""

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        self._uses = LocalUses(frozenset({"add_task"}))
        self._functions: list[cst.FunctionDef] = []
        self._line: cst.SimpleStatementLine | None = None

    # -- scopes and statements ------------------------------------------------------------
    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._functions.append(node)
        self._uses.enter_function()

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        function = self._functions.pop()
        for name, created in self._uses.leave_function():
            self.report(created.call, fix=self._fix(function, name, created))

    def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> None:
        self._line = node if len(node.body) == 1 else None

    def leave_SimpleStatementLine(self, original_node: cst.SimpleStatementLine) -> None:
        self._line = None

    # -- names: every load of a candidate counts, except `.add_task` ------------------------
    def visit_Attribute(self, node: cst.Attribute) -> None:
        self._uses.attribute(node)

    def visit_Arg(self, node: cst.Arg) -> None:
        if node.keyword is not None:
            self._uses.not_a_load(node.keyword)

    def visit_Param(self, node: cst.Param) -> None:
        self._uses.not_a_load(node.name)

    def visit_Name(self, node: cst.Name) -> None:
        self._uses.name(node)

    def visit_Assign(self, node: cst.Assign) -> None:
        if len(node.targets) == 1:
            self._created(node, node.targets[0].target, node.value, None)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            self._created(node, node.target, node.value, node.annotation.annotation)

    def _created(
        self,
        statement: cst.BaseSmallStatement,
        target: cst.BaseExpression,
        value: cst.BaseExpression,
        annotation: cst.BaseExpression | None,
    ) -> None:
        if not self._functions or not isinstance(target, cst.Name):
            return
        frame = self.ctx.frames[-1] if self.ctx.frames else None
        if frame is None or frame.kind != "function":
            return
        ref = self.ctx.resolve(value.func) if isinstance(value, cst.Call) else None
        if (
            not isinstance(value, cst.Call)
            or value.args
            or ref is None
            or ref.kind != "external"
            or ref.qual not in BACKGROUND_TASKS_TYPES
        ):
            # Any other binding of the name makes it ambiguous.
            self._uses.bind(target, None)
            return
        self._uses.bind(
            target,
            _Created(
                line=self._line if self._line and self._line.body[0] is statement else None,
                call=value,
                annotation=annotation or value.func,
                injected=injected_function(self.ctx, frame) is not None,
            ),
        )

    # -- the fix ----------------------------------------------------------------------------
    def _fix(self, function: cst.FunctionDef, name: str, created: _Created) -> Fix | None:
        if not created.injected or created.line is None:
            return None
        param = cst.Param(name=cst.Name(name), annotation=cst.Annotation(created.annotation))
        return Fix(
            message=f"Take `{name}: BackgroundTasks` as a parameter instead",
            applicability="unsafe",
            replacements={
                function.params: with_parameter(function, param),
                created.line: cst.RemovalSentinel.REMOVE,
            },
        )


def with_parameter(function: cst.FunctionDef, param: cst.Param) -> cst.Parameters:
    """The function's parameters plus `param`, where Python accepts a parameter without a
    default: last positional one, else keyword-only (after `*` when needed). The layout of a
    multi-line signature is kept: the new parameter takes over the trailing comma."""
    params = function.params
    separator: cst.BaseParenthesizableWhitespace = cst.SimpleWhitespace(" ")
    if isinstance(function.whitespace_before_params, cst.ParenthesizedWhitespace):
        separator = function.whitespace_before_params
    keyword_only = isinstance(params.star_arg, (cst.Param, cst.ParamStar)) or params.kwonly_params
    needs_star = not keyword_only and any(
        p.default is not None for p in (*params.posonly_params, *params.params)
    )
    # The element printed just before the new one.
    if keyword_only:
        prev = params.kwonly_params[-1] if params.kwonly_params else params.star_arg
    elif params.params:
        prev = params.params[-1]
    elif isinstance(params.posonly_ind, cst.ParamSlash):
        prev = params.posonly_ind
    else:
        prev = None
    inserted: list = [cst.ParamStar(), param] if needs_star else [param]
    if isinstance(prev, (cst.Param, cst.ParamStar, cst.ParamSlash)) and isinstance(
        prev.comma, cst.Comma
    ):
        between = cst.Comma(whitespace_after=separator)
        inserted = [item.with_changes(comma=between) for item in inserted[:-1]] + [
            inserted[-1].with_changes(comma=prev.comma)
        ]
        params = params.with_changes(**_replace_in(params, prev, prev.with_changes(comma=between)))
    if needs_star:
        return params.with_changes(star_arg=inserted[0], kwonly_params=[inserted[1]])
    if keyword_only:
        return params.with_changes(kwonly_params=[*params.kwonly_params, *inserted])
    return params.with_changes(params=[*params.params, *inserted])


def _replace_in(params: cst.Parameters, old: cst.CSTNode, new: cst.CSTNode) -> dict:
    for field in ("posonly_params", "params", "kwonly_params"):
        items = list(getattr(params, field))
        if any(item is old for item in items):
            return {field: [new if item is old else item for item in items]}
    for field in ("posonly_ind", "star_arg"):
        if getattr(params, field) is old:
            return {field: new}
    return {}
