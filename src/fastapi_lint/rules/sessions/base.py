"""CST-side helpers of the FPI2xx rules: session kinds of expressions where they are written,
and the FastAPI role (path operation, dependency) of the function around them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...index.closure import imports_any, reaches
from ...index.reach import reach_words
from ...index.summary import Shape
from ...lazycst import cst
from ...rule import Rule, dotted_name
from .facts import (
    CREATED_KINDS,
    ENGINE_KINDS,
    FACTORY_KINDS,
    SESSION_KINDS,
    SessionFacts,
    session_dependencies,
)

if TYPE_CHECKING:
    from ...config import Settings
    from ...index.project import ProjectIndex
    from ...rule import FileContext, Frame

__all__ = [
    "CREATED_KINDS",
    "ENGINE_KINDS",
    "FACTORY_KINDS",
    "SESSION_KINDS",
    "RouteOrDependencyRule",
    "SessionFacts",
    "facts_for",
    "is_close_statement",
    "kind_of",
    "request_reach",
    "session_dependencies",
    "sessions_can_reach",
    "shape_of_cst",
]


# -- the CST side --------------------------------------------------------------------------------
def _session_facts(ctx: FileContext) -> SessionFacts:
    factories = ctx.settings.rule_option("session-factories") or ()
    return SessionFacts(ctx.index, tuple(factories))


def facts_for(ctx: FileContext) -> SessionFacts:
    """The family's session classification for this file (one per file, shared)."""
    return ctx.shared(_session_facts)


def shape_of_cst(ctx: FileContext, node: cst.CSTNode, depth: int = 0) -> Shape:
    """The index's expression shape for a CST expression, with names shadowed by a lambda or
    comprehension around the current node made opaque."""
    if depth > 8:
        return ["?"]
    dotted = dotted_name(node)
    if dotted is not None:
        head = dotted.partition(".")[0]
        if any(head in frame.shadowed for frame in ctx.frames):
            return ["?"]
        return ["n", dotted]
    if isinstance(node, cst.Call):
        args = [shape_of_cst(ctx, a.value, depth + 1) for a in node.args if a.keyword is None]
        kwargs = {
            a.keyword.value: shape_of_cst(ctx, a.value, depth + 1)
            for a in node.args
            if a.keyword is not None
        }
        return ["call", shape_of_cst(ctx, node.func, depth + 1), args, kwargs]
    if isinstance(node, cst.Attribute):
        return ["attr", shape_of_cst(ctx, node.value, depth + 1), node.attr.value]
    if isinstance(node, cst.Await):
        return ["await", shape_of_cst(ctx, node.expression, depth + 1)]
    return ["?"]


def is_close_statement(stmt: cst.CSTNode, name: str) -> bool:
    """`name.close()` or `await name.close()` as a statement of its own."""
    if not isinstance(stmt, cst.SimpleStatementLine) or len(stmt.body) != 1:
        return False
    small = stmt.body[0]
    if not isinstance(small, cst.Expr):
        return False
    call = small.value.expression if isinstance(small.value, cst.Await) else small.value
    return (
        isinstance(call, cst.Call)
        and not call.args
        and isinstance(call.func, cst.Attribute)
        and isinstance(call.func.value, cst.Name)
        and call.func.value.value == name
        and call.func.attr.value == "close"
    )


#: Entry points of the reachability fact that do not run once per request.
_NOT_PER_REQUEST = ("lifespan ", "a task started by ", "shutdown handler ")


def request_reach(ctx: FileContext, frame: Frame | None) -> str | None:
    """For a function that is no path operation or dependency itself but runs for a request
    (a path operation, dependency, middleware or exception handler calls it, transitively):
    the words naming how the request reaches it, "reached from GET /users via
    UserService.list" (`index.reach`). None when that is not known."""
    if frame is None or frame.key is None:
        return None
    found = ctx.index.reach(ctx.module_name, frame.key)
    if not found or found[0] != "serving":
        return None
    _kind, entry, via = found
    if not entry or entry.startswith(_NOT_PER_REQUEST):
        return None
    return reach_words(f"reached from {entry}", via)


def kind_of(ctx: FileContext, node: cst.BaseExpression, facts: SessionFacts) -> str | None:
    """The session kind of a CST expression where it is written."""
    return facts.kind_of_shape(ctx.module_name, ctx.scope_key, shape_of_cst(ctx, node))


#: Every session kind comes from these libraries (`facts.EXTERNAL_KINDS`, `ANNOTATION_KINDS`)
#: or from the `session-factories` setting.
SESSION_LIBRARIES = ("sqlalchemy", "sqlmodel")


def _imports_session_library(index: ProjectIndex, module: str) -> bool:
    return imports_any(index, module, SESSION_LIBRARIES)


def sessions_can_reach(index: ProjectIndex, module_name: str, settings: Settings | None) -> bool:
    """The family's index gate: whether any value of `module_name` can be session-related (a
    session, factory, engine or connection). Each kind is a library's (`sqlalchemy`,
    `sqlmodel`) or a configured factory's, so without configured factories a module none of
    whose visible modules (`index.closure`) imports one of those libraries has none."""
    if settings is None or settings.rule_option("session-factories"):
        return True
    return reaches(index, module_name, "session-library", _imports_session_library)


class RouteOrDependencyRule(Rule):
    """Base of the FPI2xx rules that only look inside path operations and dependencies: `def `
    is in nearly every file, so the index decides which modules are worth parsing."""

    triggers = ("def ",)

    @classmethod
    def could_apply(
        cls, index: ProjectIndex, module_name: str, settings: Settings | None = None
    ) -> bool:
        return bool(index.module_roles(module_name)) and sessions_can_reach(
            index, module_name, settings
        )
