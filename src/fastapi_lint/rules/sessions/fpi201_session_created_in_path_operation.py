"""FPI201 session-created-in-path-operation: a path operation opens its own session."""

from __future__ import annotations

from ...lazycst import cst
from ...rule import Fix, Frame, ImportRequest, dotted_name
from .base import (
    CREATED_KINDS,
    SESSION_KINDS,
    RouteOrDependencyRule,
    facts_for,
    is_close_statement,
    kind_of,
    session_dependencies,
)


class SessionCreatedInPathOperation(RouteOrDependencyRule):
    code = "FPI201"
    name = "session-created-in-path-operation"
    message = (
        "Database session opened inside a path operation; inject one per request with "
        "`Depends` from a dependency that closes it"
    )
    summary = "session or connection opened inside a path operation instead of injected"
    fix_availability = "sometimes"
    docs = """
## What it does
Checks for path operations that open their own database session or connection:
`Session(engine)`, `AsyncSession(engine)`, a `sessionmaker(...)`/`async_sessionmaker(...)` factory
called (`SessionLocal()`, whatever it is named and wherever it is defined), a `scoped_session`
registry called, `SessionLocal.begin()`, `engine.connect()`/`engine.begin()`, or a project
context manager that yields a session (`@contextmanager def session_scope()`, or
`get_db = contextmanager(get_session)`). Factories listed in `[tool.fastapi-lint.rules]
session-factories` count too.

Only the body of the path operation itself is checked: lifespan and startup handlers, CLI
scripts, tests, background-task functions and the session dependency itself may open sessions,
and so may websocket handlers (they live as long as their connection, so short sessions opened
inside their loop are the right shape there).

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
When the project already has a session dependency of the same kind (sync or async), the fix
adds a parameter in the project's own style, named like the local session: `session: SessionDep`
when the dependency has an `Annotated` alias (`SessionDep = Annotated[Session,
Depends(get_session)]`), else a copy of a parameter of the same module that injects it
(`db: Session = Depends(get_db)`). It removes the local session:
`with Session(engine) as session:` is replaced by its body, and `db = SessionLocal()` is removed
together with the `db.close()` calls and `try`/`finally: db.close()` wrappers around the body. It
is unsafe: the session is now opened before the path operation runs and closed after the
response is sent, so the timing of commits and of the session's cleanup changes. No fix is
offered for connections, for `SessionLocal.begin()` (it also commits), for sessions opened deeper
than the function's own statements, or when neither an alias nor such a parameter exists.
"""

    def visit_Call(self, node: cst.Call) -> None:
        frame = self.ctx.current_function()
        if not self.ctx.is_http_path_operation(frame):
            return
        kind = kind_of(self.ctx, node, facts_for(self.ctx))
        if kind in CREATED_KINDS:
            fix = None
            # `Factory.begin()` also commits at the end of its block: no fix for it.
            begins = isinstance(node.func, cst.Attribute) and node.func.attr.value == "begin"
            if kind in SESSION_KINDS and not begins:
                fix = self._inject_fix(frame, node, kind)
            self.report(node, fix=fix)

    # -- the fix ------------------------------------------------------------------------------
    def _inject_fix(self, frame: Frame | None, call: cst.Call, kind: str) -> Fix | None:
        func = frame.node if frame is not None else None
        if not isinstance(func, cst.FunctionDef) or not isinstance(func.body, cst.IndentedBlock):
            return None
        body = list(func.body.body)
        for index, stmt in enumerate(body):
            name = _with_target(stmt, call)
            if name is not None:
                new_body = [*body[:index], *_unwrapped(stmt), *body[index + 1 :]]
                break
            name = _assign_target(stmt, call)
            if name is not None:
                new_body = _without_local_session([*body[:index], *body[index + 1 :]], name)
                break
        else:
            return None
        if name in _param_names(func.params) or not new_body:
            return None
        imports = []
        alias = self._alias(kind)
        if alias is not None:
            alias_module, alias_name = alias
            param = cst.Param(
                name=cst.Name(name), annotation=cst.Annotation(annotation=cst.Name(alias_name))
            )
            params = _with_param(func.params, param)
            if self.ctx.index.lookup_binding(self.ctx.module_name, "", alias_name) is None:
                imports.append(ImportRequest(alias_module, alias_name))
            shown = f"{name}: {alias_name}"
        else:
            # No alias: copy how this module already injects the session elsewhere
            # (`db: Session = Depends(get_db)`), under the local session's name.
            example = self._injecting_param(kind)
            if example is None:
                return None
            param = example.with_changes(
                name=cst.Name(name),
                comma=cst.MaybeSentinel.DEFAULT,
                whitespace_after_star=cst.SimpleWhitespace(""),
                whitespace_after_param=cst.SimpleWhitespace(""),
            )
            params = _with_defaulted_param(func.params, param)
            shown = cst.Module(body=()).code_for_node(param)
        new_func = func.with_changes(params=params, body=func.body.with_changes(body=new_body))
        return Fix(
            message=f"Inject the session as `{shown}`",
            applicability="unsafe",
            replacements={func: new_func},
            imports=imports,
        )

    def _injecting_param(self, kind: str) -> cst.Param | None:
        """A parameter of this module that injects a session dependency of this kind with
        `= Depends(dep)` (first one in source order)."""
        wanted = {d["qual"] for d in session_dependencies(self.ctx.index) if d["kind"] == kind}
        if not wanted:
            return None
        for param in _all_params(self.ctx.module):
            default = param.default
            if not isinstance(default, cst.Call) or len(default.args) != 1:
                continue
            marker = dotted_name(default.func)
            target = dotted_name(default.args[0].value)
            if marker is None or target is None or default.args[0].keyword is not None:
                continue
            index, module = self.ctx.index, self.ctx.module_name
            marker_ref = index.resolve_name(module, "", marker)
            target_ref = index.resolve_name(module, "", target)
            if (
                marker_ref is not None
                and marker_ref.qual in ("fastapi.Depends", "fastapi.params.Depends")
                and target_ref is not None
                and target_ref.qual in wanted
            ):
                return param
        return None

    def _alias(self, kind: str) -> tuple[str, str] | None:
        """The project's `Annotated` alias of a session dependency of this kind, if the name is
        free (or already the same import) in this module."""
        here = self.ctx.module_name.split(".")
        candidates = []
        for dependency in session_dependencies(self.ctx.index):
            if dependency["kind"] != kind or dependency["alias"] is None:
                continue
            module, name = dependency["alias"]
            there = module.split(".")
            shared = 0
            while shared < min(len(here), len(there)) and here[shared] == there[shared]:
                shared += 1
            # Only this project's own package: a flat layout (`main`, `deps`) or a shared
            # top-level package (`app.deps` for `app.routers.items`).
            if shared or (len(here) == 1 and len(there) == 1):
                candidates.append((-shared, module, name))
        for _, module, name in sorted(candidates):
            found = self.ctx.index.lookup_binding(self.ctx.module_name, "", name)
            if found is None and module != self.ctx.module_name:
                return module, name
            if found is not None and module == self.ctx.module_name:
                return module, name
            if found is not None and found[0] == ["import", f"{module}.{name}"]:
                return module, name
        return None


def _with_target(stmt: cst.CSTNode, call: cst.Call) -> str | None:
    if not isinstance(stmt, cst.With) or len(stmt.items) != 1:
        return None
    item = stmt.items[0]
    if item.item is not call or item.asname is None:
        return None
    target = item.asname.name
    if not isinstance(target, cst.Name) or not isinstance(stmt.body, cst.IndentedBlock):
        return None
    return target.value


def _unwrapped(stmt: cst.With) -> list[cst.BaseStatement]:
    inner = list(stmt.body.body)  # type: ignore[union-attr]
    if inner:
        inner[0] = inner[0].with_changes(
            leading_lines=[*stmt.leading_lines, *inner[0].leading_lines]
        )
    return inner


def _assign_target(stmt: cst.CSTNode, call: cst.Call) -> str | None:
    if not isinstance(stmt, cst.SimpleStatementLine) or len(stmt.body) != 1:
        return None
    small = stmt.body[0]
    if isinstance(small, cst.Assign) and small.value is call and len(small.targets) == 1:
        target = small.targets[0].target
    elif isinstance(small, cst.AnnAssign) and small.value is call:
        target = small.target
    else:
        return None
    return target.value if isinstance(target, cst.Name) else None


def _without_local_session(body: list[cst.BaseStatement], name: str) -> list[cst.BaseStatement]:
    """Drops `name.close()` statements and unwraps `try: ... finally: name.close()`."""
    result: list[cst.BaseStatement] = []
    for stmt in body:
        if is_close_statement(stmt, name):
            continue
        if (
            isinstance(stmt, cst.Try)
            and not stmt.handlers
            and stmt.orelse is None
            and stmt.finalbody is not None
            and isinstance(stmt.body, cst.IndentedBlock)
            and all(is_close_statement(s, name) for s in stmt.finalbody.body.body)  # type: ignore[union-attr]
        ):
            inner = list(stmt.body.body)
            if inner:
                inner[0] = inner[0].with_changes(
                    leading_lines=[*stmt.leading_lines, *inner[0].leading_lines]
                )
            result.extend(inner)
            continue
        result.append(stmt)
    return result


def _param_names(params: cst.Parameters) -> set[str]:
    names = {p.name.value for p in (*params.posonly_params, *params.params, *params.kwonly_params)}
    if isinstance(params.star_arg, cst.Param):
        names.add(params.star_arg.name.value)
    if params.star_kwarg is not None:
        names.add(params.star_kwarg.name.value)
    return names


def _with_param(params: cst.Parameters, param: cst.Param) -> cst.Parameters:
    """Adds a parameter without a default where Python allows it: before the first positional
    parameter with a default, else last among the positional ones (keyword-only after `*`)."""
    if isinstance(params.star_arg, cst.Param) or params.star_arg is not cst.MaybeSentinel.DEFAULT:
        kwonly = list(params.kwonly_params)
        if kwonly and kwonly[-1].comma is cst.MaybeSentinel.DEFAULT:
            kwonly[-1] = _comma_safe(kwonly[-1])
        return params.with_changes(kwonly_params=[*kwonly, param])
    positional = list(params.params)
    at = next((i for i, p in enumerate(positional) if p.default is not None), len(positional))
    if at == len(positional) and positional and positional[-1].comma is cst.MaybeSentinel.DEFAULT:
        positional[-1] = _comma_safe(positional[-1])
    positional.insert(at, param if at == len(positional) else _comma_safe(param))
    return params.with_changes(params=positional)


def _with_defaulted_param(params: cst.Parameters, param: cst.Param) -> cst.Parameters:
    """Adds a parameter with a default last (keyword-only after `*`)."""
    if isinstance(params.star_arg, cst.Param) or params.star_arg is not cst.MaybeSentinel.DEFAULT:
        kwonly = list(params.kwonly_params)
        if kwonly and kwonly[-1].comma is cst.MaybeSentinel.DEFAULT:
            kwonly[-1] = _comma_safe(kwonly[-1])
        return params.with_changes(kwonly_params=[*kwonly, param])
    positional = list(params.params)
    if positional and positional[-1].comma is cst.MaybeSentinel.DEFAULT:
        positional[-1] = _comma_safe(positional[-1])
    return params.with_changes(params=[*positional, param])


def _all_params(module: cst.Module) -> list[cst.Param]:
    found: list[cst.Param] = []

    class Collector(cst.CSTVisitor):
        def visit_Param(self, node: cst.Param) -> None:
            found.append(node)

    module.visit(Collector())
    return found


def _comma_safe(param: cst.Param) -> cst.Param:
    return param.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
