"""FPI202 engine-created-per-request: create_engine() inside a path operation or dependency."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...lazycst import cst
from .base import (
    ENGINE_KINDS,
    RouteOrDependencyRule,
    facts_for,
    kind_of,
    request_reach,
    sessions_can_reach,
    shape_of_cst,
)

if TYPE_CHECKING:
    from ...config import Settings
    from ...index.project import ProjectIndex
    from .exits import Exits


class EngineCreatedPerRequest(RouteOrDependencyRule):
    code = "FPI202"
    name = "engine-created-per-request"
    message = (
        "Engine created on every request; create it once at module level or in the lifespan "
        "and reuse it"
    )
    summary = (
        "`create_engine()` called inside a path operation, a dependency or a function a "
        "request reaches"
    )
    fix_availability = "none"
    docs = """
## What it does
Checks for `create_engine(...)` and `create_async_engine(...)` (SQLAlchemy or SQLModel, under any
import alias, or through a project helper that returns a new engine) called in the body of a
path operation or of a dependency, or in a function a request reaches (a service or helper
that a path operation, dependency or middleware calls, transitively; the message says how:
`reached from GET /users via make_report`). In such a helper, an engine the helper returns is
reported where its caller runs per request instead, and one it keeps for later calls (a
`global`, an attribute, a cache entry) or a helper with a decorator (`@lru_cache`) is not
reported, and neither is a helper annotated `-> Engine` that returns a kept engine on some
path (`return self._engine` behind a lock, an entry of a cache): the annotation says what a
helper returns, its body whether it is new. Neither is an engine a constructor (`__init__`) makes, or a helper that only constructors
call (directly or through helpers only they call): that is one engine per object,
and a client object built once and kept (a lazily created singleton) is the common case. Nor
one the helper disposes of itself (`engine.dispose()`): a deliberate one-off connection, such
as a probe of a database address the request names, not a pool that should have been shared.

Nor an engine for a database the request names: when its URL (the first argument or `url=` of
`create_engine`; every argument that is no literal of a helper that returns a new engine) is
request data — a parameter FastAPI fills from the request (a body, path or query parameter,
without `Depends`; a `Request`'s headers, query parameters, body), or an attribute, item or
conversion of one — on every call that runs per
request (`probe(body.url)` → the helper's `url` → `create_engine(url)`). A URL from settings,
a module constant, the environment, `request.app.state` or a `Depends` parameter is reported, and so is one whose
origin is not known (an f-string, a parameter of a helper that also gets the configured URL
from another route): the pool could have been shared there.

## Why is this bad?
An engine owns a connection pool. Creating one per request opens a new pool each time, so
connections are never reused, every request pays for a new connection, and pools pile up until
the garbage collector finds them, which can exhaust the database's connection limit under load.

## Example
```python
from sqlmodel import Session, create_engine


def get_session():
    engine = create_engine("sqlite:///app.db")
    with Session(engine) as session:
        yield session
```

## Use instead
```python
from sqlmodel import Session, create_engine

engine = create_engine("sqlite:///app.db")


def get_session():
    with Session(engine) as session:
        yield session
```

## Fix safety
No fix is offered: where the engine should live (module, lifespan, app state) is a design choice.
"""

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        # Per helper function (by node id): how its engines leave it, from a scan of its body.
        self._exits: dict[int, Exits] = {}
        # Value expression -> the targets it is assigned to (visited before the value).
        self._targets: dict[int, list[cst.BaseAssignTargetExpression]] = {}

    @classmethod
    def could_apply(
        cls, index: ProjectIndex, module_name: str, settings: Settings | None = None
    ) -> bool:
        if not sessions_can_reach(index, module_name, settings):
            return False
        if index.module_roles(module_name):
            return True
        # A helper that a request reaches, in a module with no route or dependency.
        summary = index.module(module_name)
        return summary is not None and any(
            (index.reach(module_name, key) or [""])[0] == "serving" for key in summary["functions"]
        )

    def visit_Assign(self, node: cst.Assign) -> None:
        self._targets[id(node.value)] = [t.target for t in node.targets]

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            self._targets[id(node.value)] = [node.target]

    def visit_Call(self, node: cst.Call) -> None:
        frame = self.ctx.current_function()
        if frame is None:
            return
        if self.ctx.is_path_operation(frame) or self.ctx.is_dependency(frame):
            if kind_of(
                self.ctx, node, facts_for(self.ctx)
            ) in ENGINE_KINDS and not self._for_requested_database(node):
                self.report(node)
            return
        if not isinstance(frame.node, cst.FunctionDef) or _decorated(self.ctx, frame.node):
            return  # a decorator may memoise it (`@lru_cache`): not one engine per call
        if frame.node.name.value in CONSTRUCTORS:
            # One engine per object: whether objects are made per request depends on where
            # they are kept (a lazily built singleton client is the common case).
            return
        if kind_of(self.ctx, node, facts_for(self.ctx)) not in ENGINE_KINDS:
            return
        reach = request_reach(self.ctx, frame)
        if reach is None:
            return
        index, module = self.ctx.index, self.ctx.module_name
        if frame.key is not None and _made_per_object(
            index, index.qualified_function(module, frame.key)
        ):
            return  # only constructors call it: one engine per object, as in `__init__`
        exits = self._exits.get(id(frame.node))
        if exits is None:
            from .exits import Exits  # a LibCST visitor: imported once a walk needs it

            exits = self._exits[id(frame.node)] = Exits.of(frame.node)
        if id(node) in exits.returned_calls or self._kept(node, exits):
            # Handed to the caller (which is reported where it runs per request), kept for
            # later calls (a global, an attribute, a cache entry) or disposed of here.
            return
        if self._for_requested_database(node):
            return
        self.report(
            node,
            message="Engine created on every request "
            f"({reach}); create it once at module level or in the lifespan and reuse it",
        )

    def _for_requested_database(self, node: cst.Call) -> bool:
        """Whether the engine is for a database the request names: its URL (the first
        argument or `url=` of `create_engine`; every argument that is no literal of a
        project helper that returns a new engine) is request data on every call that runs
        per request (`index.from_request`). Settings, constants, the environment and values
        of unknown origin are not: the engine could have been shared."""
        ref = self.ctx.resolve(node.func)
        if ref is not None and ref.kind == "external":
            url = next((a.value for a in node.args if a.keyword is None and not a.star), None)
            url = url or next(
                (a.value for a in node.args if a.keyword and a.keyword.value == "url"), None
            )
            values = [url] if url is not None else []
        else:
            values = [a.value for a in node.args if not _literal(a.value)]
        if not values or any(a.star for a in node.args):
            return False
        index, module, scope = self.ctx.index, self.ctx.module_name, self.ctx.scope_key
        return all(index.from_request(module, scope, shape_of_cst(self.ctx, v)) for v in values)

    def _kept(self, node: cst.Call, exits: Exits) -> bool:
        for target in self._targets.get(id(node), ()):
            if not isinstance(target, cst.Name):
                return True  # self.engine = ..., cache[url] = ..., a, b = ...
            if target.value in exits.kept_names:
                return True
        return False


CONSTRUCTORS = frozenset({"__init__", "__new__", "__post_init__", "__init_subclass__"})
#: Decorators that do not change how often the body runs.
_PLAIN_DECORATORS = frozenset({"builtins.staticmethod", "builtins.classmethod"})


MAX_CONSTRUCTOR_HOPS = 3


def _made_per_object(index: ProjectIndex, qual: str, depth: int = 0) -> bool:
    """Whether every call of the helper `qual` is made by a constructor, directly or through
    helpers that only constructors call (agno's `db_from_url` <- `resolve_authz_db` <-
    `Authorization.__init__`): an engine per object, like one `__init__` makes itself. A
    helper with no known call site, or one called from anywhere else, is not."""
    if depth > MAX_CONSTRUCTOR_HOPS:
        return False

    def compute() -> bool:
        sites = index.project_fact("call_sites").get(qual, [])
        if not sites:
            return False
        for module, key, _at in sites:
            if key.rpartition(".")[2] in CONSTRUCTORS:
                continue
            caller = index.qualified_function(module, key)
            if caller == qual or not _made_per_object(index, caller, depth + 1):
                return False
        return True

    return bool(index.memoised(("fpi202-per-object", qual, depth), compute))


def _decorated(ctx, func: cst.FunctionDef) -> bool:
    for decorator in func.decorators:
        ref = ctx.resolve(decorator.decorator)
        if ref is None or ref.qual not in _PLAIN_DECORATORS:
            return True
    return False


def _literal(node: cst.BaseExpression) -> bool:
    literals = (cst.SimpleString, cst.ConcatenatedString, cst.Integer, cst.Float)
    return isinstance(node, literals) or (
        isinstance(node, cst.Name) and node.value in ("True", "False", "None")
    )
