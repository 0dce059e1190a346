"""FPI205 unawaited-async-session-call: an AsyncSession coroutine method called without await."""

from __future__ import annotations

from ...lazycst import cst
from ...rule import Fix, Rule
from .base import facts_for, kind_of, sessions_can_reach

# AsyncSession (SQLAlchemy and SQLModel) methods that return coroutines. `add`, `add_all`,
# `expunge`, `expunge_all`, `begin` and `begin_nested` are not among them.
AWAITABLE_METHODS = frozenset(
    {
        "close",
        "commit",
        "connection",
        "delete",
        "exec",
        "execute",
        "flush",
        "get",
        "get_one",
        "invalidate",
        "merge",
        "refresh",
        "reset",
        "rollback",
        "run_sync",
        "scalar",
        "scalars",
        "stream",
        "stream_scalars",
    }
)
ASYNC_KINDS = frozenset({"async_session", "async_scoped"})


class UnawaitedAsyncSessionCall(Rule):
    code = "FPI205"
    name = "unawaited-async-session-call"
    message = (
        "`AsyncSession` method called without `await`: it returns a coroutine and does nothing"
    )
    summary = "`AsyncSession` coroutine method (`execute`, `commit`, ...) called without `await`"
    fix_availability = "sometimes"
    triggers = ("async def",)

    @classmethod
    def could_apply(cls, index, module_name: str, settings=None) -> bool:
        return sessions_can_reach(index, module_name, settings)

    docs = """
## What it does
Checks, in the body of an `async def`, for calls of the coroutine methods of an `AsyncSession`
(`execute`, `scalars`, `get`, `commit`, `flush`, `refresh`, `delete`, `close`, SQLModel's `exec`,
...) that are not awaited. The session is recognised by its type wherever it comes from (the
semantic model, `index/semantic.py`): its annotation (`db: AsyncSession`, an `Annotated`
alias), `AsyncSession(...)`, an `async_sessionmaker(...)` or `sessionmaker(class_=AsyncSession)`
factory called, a project function returning one, a `Depends(get_session)` parameter without
annotation (what the dependency yields), or an attribute such as a repository's
`self.session`. `add`, `add_all`, `expunge`, `begin` and `begin_nested` are
not coroutines and are not reported; neither is a coroutine passed on to another call
(`asyncio.gather(db.commit())`), collected in a list or comprehension, or stored in a variable
that the function awaits later (`coro = db.commit()` ... `await coro`).

## Why is this bad?
Without `await` the call only creates a coroutine object: the statement never runs, the commit
never happens, and Python prints `RuntimeWarning: coroutine ... was never awaited` long after
the request has returned a success.

## Example
```python
@router.post("/items")
async def create_item(item: Item, db: AsyncSessionDep):
    db.add(item)
    db.commit()
    return item
```

## Use instead
```python
@router.post("/items")
async def create_item(item: Item, db: AsyncSessionDep):
    db.add(item)
    await db.commit()
    return item
```

## Fix safety
The fix adds `await`. It is unsafe: the call now really runs, which changes what the request
does (that is the point, but it may surface errors that were hidden). No fix is offered where
`await` is not allowed (a generator expression).
"""

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        self._awaited: set[int] = set()
        self._passed: set[int] = set()
        self._tight: set[int] = set()
        # Per function: names awaited anywhere in it, and findings waiting for that answer.
        self._awaited_names: dict[int, set[str]] = {}
        self._waiting: list[tuple[int, str, cst.Call, Fix | None]] = []
        self._stored: tuple[int, str] | None = None

    def visit_Await(self, node: cst.Await) -> None:
        self._awaited.add(id(node.expression))
        if isinstance(node.expression, cst.Name):
            frame = self.ctx.enclosing_function()
            if frame is not None:
                names = self._awaited_names.setdefault(id(frame.node), set())
                names.add(node.expression.value)

    def visit_Attribute(self, node: cst.Attribute) -> None:
        self._tight.add(id(node.value))

    def visit_Subscript(self, node: cst.Subscript) -> None:
        self._tight.add(id(node.value))

    # Coroutines collected to be awaited together: `asyncio.gather(*[db.refresh(x) ...])`,
    # `tasks = [db.flush(), ...]`.
    def visit_Element(self, node: cst.Element) -> None:
        self._passed.add(id(node.value))

    def visit_ListComp(self, node: cst.ListComp) -> None:
        self._passed.add(id(node.elt))

    def visit_GeneratorExp(self, node: cst.GeneratorExp) -> None:
        self._passed.add(id(node.elt))

    def visit_Assign(self, node: cst.Assign) -> None:
        # `coro = db.commit()` ... `await coro`: decided when the function ends.
        if len(node.targets) == 1 and isinstance(node.targets[0].target, cst.Name):
            self._stored = (id(node.value), node.targets[0].target.value)

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        awaited = self._awaited_names.pop(id(original_node), set())
        keep = []
        for owner, name, call, fix in self._waiting:
            if owner != id(original_node):
                keep.append((owner, name, call, fix))
            elif name not in awaited:
                self.report(call, fix=fix)
        self._waiting = keep

    def visit_Call(self, node: cst.Call) -> None:
        self._tight.add(id(node.func))
        for arg in node.args:
            self._passed.add(id(arg.value))
        if id(node) in self._awaited or id(node) in self._passed:
            return
        func = node.func
        if not isinstance(func, cst.Attribute) or func.attr.value not in AWAITABLE_METHODS:
            return
        if not self.ctx.in_async_context():
            return
        if kind_of(self.ctx, func.value, facts_for(self.ctx)) not in ASYNC_KINDS:
            return
        fix = None
        if self.ctx.await_allowed():
            lpar, rpar = node.lpar, node.rpar
            if not lpar and id(node) in self._tight:
                lpar, rpar = [cst.LeftParen()], [cst.RightParen()]
            awaited = cst.Await(
                expression=node.with_changes(lpar=[], rpar=[]), lpar=lpar, rpar=rpar
            )
            fix = Fix(
                message=f"Add `await` before `.{func.attr.value}(...)`",
                applicability="unsafe",
                replacements={node: awaited},
            )
        stored = self._stored
        frame = self.ctx.enclosing_function()
        if stored is not None and stored[0] == id(node) and frame is not None:
            self._waiting.append((id(frame.node), stored[1], node, fix))
            return
        self.report(node, fix=fix)
