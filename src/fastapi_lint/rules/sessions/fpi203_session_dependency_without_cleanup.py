"""FPI203 session-dependency-without-cleanup: a session dependency that can leak its session."""

from __future__ import annotations

from ...index.shapes import name_shape
from ...lazycst import cst
from ...rule import Fix, Frame, Rule
from .base import (
    SESSION_KINDS,
    facts_for,
    is_close_statement,
    kind_of,
    sessions_can_reach,
)


class SessionDependencyWithoutCleanup(Rule):
    code = "FPI203"
    name = "session-dependency-without-cleanup"
    message = (
        "Session dependency does not always close its session; yield it inside `try`/`finally` "
        "or a `with` block"
    )
    summary = "session dependency returns its session, or yields it outside `try`/`finally`"
    fix_availability = "sometimes"
    triggers = ("yield", "return")

    @classmethod
    def could_apply(cls, index, module_name: str, settings=None) -> bool:
        return "dependency" in index.module_roles(module_name) and sessions_can_reach(
            index, module_name, settings
        )

    docs = """
## What it does
Checks dependencies (functions used in `Depends(...)`/`Security(...)` anywhere in the project,
directly or through an `Annotated` alias) that hand out a new database session without making
sure it is closed:

- `return SessionLocal()` (or `db = SessionLocal(); return db`): nothing ever closes it;
- `db = SessionLocal(); yield db; db.close()`: the code after `yield` does not run when the path
  operation raises, so the session is closed only on success.

A `yield` inside `with Session(engine) as db:` or inside a `try` with a `finally` is fine.

## Why is this bad?
FastAPI throws the path operation's exception into a `yield` dependency at its `yield`. Code
after a bare `yield` is skipped, so every failing request leaves a session, and with it a pooled
connection and possibly an open transaction, behind. A returned session is never closed at all.
Under load the pool runs dry and requests hang waiting for a connection.

## Example
```python
def get_db():
    db = SessionLocal()
    yield db
    db.close()
```

## Use instead
```python
def get_db():
    db = SessionLocal()
    try:
        yield db
    finally:
        db.close()
```

## Fix safety
For a `yield` directly in the dependency's body, the fix moves the `yield` and what follows it
into `try:` and the `close()` call (added if missing, awaited for an `AsyncSession`) into
`finally:`. It is safe: the code runs as before when no exception is raised, and the session is
closed when one is. A dependency that returns its session gets no fix (it must become a
generator, which changes how callers use it).
"""

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        # (function frame node, guard) for every try-with-finally / with around the node.
        self._guards: list[tuple[cst.CSTNode | None, cst.CSTNode]] = []

    # -- what protects a yield --------------------------------------------------------------
    def visit_Try(self, node: cst.Try) -> None:
        self._guards.append((self._frame_node(), node))

    def leave_Try(self, original_node: cst.Try) -> None:
        self._guards.pop()

    def visit_With(self, node: cst.With) -> None:
        self._guards.append((self._frame_node(), node))

    def leave_With(self, original_node: cst.With) -> None:
        self._guards.pop()

    def _frame_node(self) -> cst.CSTNode | None:
        frame = self.ctx.enclosing_function()
        return frame.node if frame else None

    def _protected(self, frame: Frame, name: str) -> bool:
        for owner, guard in self._guards:
            if owner is not frame.node:
                continue
            if isinstance(guard, cst.Try) and guard.finalbody is not None:
                return True
            if isinstance(guard, cst.With):
                for item in guard.items:
                    if isinstance(item.item, cst.Name) and item.item.value == name:
                        return True
                    target = item.asname.name if item.asname else None
                    if isinstance(target, cst.Name) and target.value == name:
                        return True
        return False

    # -- the checks ---------------------------------------------------------------------------
    def _dependency(self) -> tuple[Frame, dict] | None:
        frame = self.ctx.current_function()
        if frame is None or not self.ctx.is_dependency(frame):
            return None
        fact = self.ctx.function_fact(frame)
        return (frame, fact) if fact is not None else None

    def _new_session(self, value: cst.BaseExpression | None) -> str | None:
        """The kind of a new session: `SessionLocal()`, or a name bound here to such a call."""
        if value is None:
            return None
        if isinstance(value, cst.Await):
            value = value.expression
        facts = facts_for(self.ctx)
        if isinstance(value, cst.Call):
            kind = kind_of(self.ctx, value, facts)
            return kind if kind in SESSION_KINDS else None
        if isinstance(value, cst.Name):
            shape = name_shape(value.value)
            if not facts.fresh(self.ctx.module_name, self.ctx.scope_key, shape):
                return None
            kind = facts.kind_of_shape(self.ctx.module_name, self.ctx.scope_key, shape)
            return kind if kind in SESSION_KINDS else None
        return None

    def visit_Return(self, node: cst.Return) -> None:
        found = self._dependency()
        if found is None or found[1].get("generator"):
            return
        if self._new_session(node.value) is not None:
            self.report(
                node,
                message="Session dependency returns a new session that nothing closes; "
                "`yield` it inside `try`/`finally` or a `with` block",
            )

    def visit_Yield(self, node: cst.Yield) -> None:
        found = self._dependency()
        if found is None:
            return
        frame, _fact = found
        value = node.value
        if isinstance(value, cst.From) or value is None:
            return
        kind = self._new_session(value)
        if kind is None:
            return
        if isinstance(value, cst.Name):
            if self._protected(frame, value.value):
                return
            fix = self._wrap_fix(frame, node, value.value, kind)
            self.report(node, fix=fix)
        else:
            self.report(
                node,
                message="Session dependency yields a new session that nothing closes; "
                "open it in a `with` block",
            )

    # -- the fix ------------------------------------------------------------------------------
    def _wrap_fix(self, frame: Frame, node: cst.Yield, name: str, kind: str) -> Fix | None:
        func = frame.node
        if not isinstance(func, cst.FunctionDef) or not isinstance(func.body, cst.IndentedBlock):
            return None
        body = list(func.body.body)
        start = next((i for i, stmt in enumerate(body) if _is_bare_yield(stmt, node)), None)
        if start is None:
            return None
        close_at = next(
            (i for i in range(start + 1, len(body)) if is_close_statement(body[i], name)), None
        )
        if close_at is None:
            is_async = func.asynchronous is not None
            if kind == "async_session" and not is_async:
                return None
            text = f"await {name}.close()" if kind == "async_session" else f"{name}.close()"
            closing = [cst.parse_statement(text)]
            inside, after = body[start:], []
            # Statements after the yield that only run on success stay inside the try.
        else:
            closing = [body[close_at].with_changes(leading_lines=())]
            inside, after = body[start:close_at], body[close_at + 1 :]
        first = inside[0]
        wrapped = cst.Try(
            body=cst.IndentedBlock(body=[first.with_changes(leading_lines=()), *inside[1:]]),
            finalbody=cst.Finally(body=cst.IndentedBlock(body=closing)),
            leading_lines=first.leading_lines,
        )
        new_body = func.body.with_changes(body=[*body[:start], wrapped, *after])
        return Fix(
            message=f"Close `{name}` in `finally`",
            applicability="safe",
            replacements={func.body: new_body},
        )


def _is_bare_yield(stmt: cst.CSTNode, node: cst.Yield) -> bool:
    if not isinstance(stmt, cst.SimpleStatementLine) or len(stmt.body) != 1:
        return False
    small = stmt.body[0]
    return isinstance(small, cst.Expr) and small.value is node
