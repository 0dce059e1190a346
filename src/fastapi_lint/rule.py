"""The Rule base class and the per-file context rules read.

A rule is a LibCST visitor in the Fixit style: it defines `visit_<Node>` / `leave_<Node>` methods,
and the engine runs every enabled rule in one batched traversal. A rule never walks the tree again
by itself for reporting; it reads the project index through `self.ctx` and calls `self.report`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Literal, TypeVar

from .index.project import ProjectIndex, Ref
from .index.summary import COMPREHENSION
from .lazycst import cst
from .model import ChainHop, RelatedLocation

if TYPE_CHECKING:
    from .config import Settings

Applicability = Literal["safe", "unsafe"]
T = TypeVar("T")


@dataclass(frozen=True)
class ImportRequest:
    """`import module` (obj None) or `from module import obj [as asname]`."""

    module: str
    obj: str | None = None
    asname: str | None = None


@dataclass
class Fix:
    """Node replacements (by identity) plus the imports the new code needs."""

    message: str
    applicability: Applicability
    replacements: dict[cst.CSTNode, cst.CSTNode | cst.RemovalSentinel] = field(default_factory=dict)
    imports: Sequence[ImportRequest] = ()


@dataclass(frozen=True)
class NodeHop:
    """A hop of a finding's chain at a node of the file being linted (the engine positions it
    with the finding); hops in other files are `ChainHop`s built from index facts."""

    node: cst.CSTNode
    call: str


Hop = ChainHop | NodeHop


@dataclass
class PendingFinding:
    rule: type[Rule]
    node: cst.CSTNode
    message: str
    fix: Fix | None
    chain: tuple[Hop, ...] = ()
    related: tuple[RelatedLocation, ...] = ()


@dataclass
class Frame:
    """One scope on the engine's stack while it walks a module."""

    node: cst.CSTNode
    kind: Literal["function", "class", "lambda", "comprehension"]
    key: str | None = None  # index key for functions and classes
    is_async: bool = False
    # Names bound by lambda parameters or comprehension targets: they shadow outer names.
    shadowed: frozenset[str] = frozenset()


class FileContext:
    """What a rule may know about the file being linted and the project around it."""

    def __init__(
        self,
        *,
        path: str,
        module_name: str,
        source: str,
        module: cst.Module,
        settings: Settings,
        index: ProjectIndex,
    ) -> None:
        self.path = path
        self.module_name = module_name
        self.source = source
        self.module = module
        self.settings = settings
        self.index = index
        self.frames: list[Frame] = []
        self.pending: list[PendingFinding] = []
        self._shared: dict[Callable[..., Any], Any] = {}

    def shared(self, make: Callable[[FileContext], T]) -> T:
        """A rule family's analysis of this file, `make(ctx)`, made once and shared by every
        rule of the family that asks (keyed by `make`): what the family decides about a node
        is computed once, and each rule reports only its own code."""
        found = self._shared.get(make)
        if found is None:
            found = self._shared[make] = make(self)
        return found

    # -- scopes ----------------------------------------------------------------------------
    @property
    def scope_key(self) -> str:
        """Index key of the innermost def/class around the current node ("" = module)."""
        for frame in reversed(self.frames):
            if frame.key is not None:
                return frame.key
        return ""

    @property
    def summary(self) -> dict[str, Any] | None:
        return self.index.module(self.module_name)

    def enclosing_function(self) -> Frame | None:
        for frame in reversed(self.frames):
            if frame.kind == "function":
                return frame
        return None

    def function_fact(self, frame: Frame | None = None) -> dict[str, Any] | None:
        frame = frame or self.enclosing_function()
        summary = self.summary
        if frame is None or frame.key is None or summary is None:
            return None
        return summary["functions"].get(frame.key)

    # -- FastAPI roles: the one answer to "is this a path operation / a dependency?" -----------
    def current_function(self) -> Frame | None:
        """The def whose body directly holds the current node (None with a lambda or a class
        body in between; comprehensions are seen through)."""
        for frame in reversed(self.frames):
            if frame.kind == "comprehension":
                continue
            return frame if frame.kind == "function" else None
        return None

    def path_operation(self, frame: Frame | None) -> dict[str, Any] | None:
        """The route that registers the function of `frame` (decorator or add_api_route)."""
        if frame is None or frame.key is None:
            return None
        return self.index.path_operation(self.module_name, frame.key)

    def is_path_operation(self, frame: Frame | None) -> bool:
        return self.path_operation(frame) is not None

    def is_http_path_operation(self, frame: Frame | None) -> bool:
        """A path operation that serves one HTTP request (not a websocket handler, which lives as
        long as its connection)."""
        route = self.path_operation(frame)
        return route is not None and route.get("method") not in self.index.WEBSOCKET_METHODS

    def is_dependency(self, frame: Frame | None) -> bool:
        """Used in Depends()/Security() anywhere in the project."""
        if frame is None or frame.key is None:
            return False
        return self.index.is_dependency(self.module_name, frame.key)

    def injected_role(self, frame: Frame | None = None) -> str | None:
        """ "route" or "dependency" when the function (default: the enclosing one) is one FastAPI
        calls with injected parameters, else None."""
        frame = frame or self.enclosing_function()
        if self.is_path_operation(frame):
            return "route"
        return "dependency" if self.is_dependency(frame) else None

    def in_async_context(self) -> bool:
        """True inside the body of an `async def`, but not inside a nested def, lambda or class
        body (those run only when called). Comprehensions run in place, so they are seen through."""
        for frame in reversed(self.frames):
            if frame.kind == "comprehension":
                continue
            return frame.kind == "function" and frame.is_async
        return False

    def await_allowed(self) -> bool:
        """Where `await` may be written: directly in an async def (or an async comprehension
        within it, which we do not produce), never in a lambda or a generator expression."""
        for frame in reversed(self.frames):
            if frame.kind == "comprehension":
                if isinstance(frame.node, cst.GeneratorExp):
                    return False
                continue
            return frame.kind == "function" and frame.is_async
        return False

    def qualified_function_name(self, frame: Frame | None = None) -> str | None:
        frame = frame or self.enclosing_function()
        if frame is None or frame.key is None:
            return None
        return self.index.qualified_function(self.module_name, frame.key)

    # -- name resolution ------------------------------------------------------------------------
    def resolve(self, node: cst.BaseExpression) -> Ref | None:
        """What an expression refers to, through imports and simple local flow; None if unsure."""
        dotted = dotted_name(node)
        if dotted is not None:
            head = dotted.partition(".")[0]
            for frame in reversed(self.frames):
                if head in frame.shadowed:
                    if frame.kind != "comprehension" or not self._comprehension_bound(head):
                        return None
                    break
            return self.index.resolve_name(self.module_name, self.scope_key, dotted)
        if isinstance(node, cst.Call):
            callee = self.resolve(node.func)
            if callee is not None and callee.kind == "external":
                if callee.qual == "builtins.super":
                    return self.index.super_of(self.module_name, self.scope_key)
                if callee.qual == "builtins.next" and node.args:
                    return self.index.element(self.resolve(node.args[0].value))
            if callee is not None and callee.kind == "value_of" and _has_fallback(node):
                return None  # `clients.get(key, fallback)`: the fallback may be anything
            return self.index.call_result(callee)
        if isinstance(node, cst.Attribute):
            base = self.resolve(node.value)
            return self.index.member(base, node.attr.value) if base is not None else None
        if isinstance(node, cst.Await):
            return self.resolve(node.expression)
        if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Divide):
            return self.index.div_result(self.resolve(node.left))
        if isinstance(node, cst.Subscript):
            base = self.resolve(node.value)
            if base is not None and base.kind in ("container", "mapping"):
                return Ref("instance", base.qual)
        return None

    def _comprehension_bound(self, name: str) -> bool:
        """Whether the summary types a comprehension target in this function (it does only
        when every comprehension of the function that binds the name iterates the same
        thing and nothing else binds it: index.summary)."""
        found = self.index.lookup_binding(self.module_name, self.scope_key, name)
        return bool(found) and found[0][:1] == ["for"] and found[0][2:3] == [COMPREHENSION]

    # -- reporting ------------------------------------------------------------------------------
    def report(
        self,
        rule: type[Rule],
        node: cst.CSTNode,
        message: str | None = None,
        fix: Fix | None = None,
        chain: Sequence[Hop] = (),
        related: Sequence[RelatedLocation] = (),
    ) -> None:
        self.pending.append(
            PendingFinding(rule, node, message or rule.message, fix, tuple(chain), tuple(related))
        )


def dotted_name(node: cst.CSTNode) -> str | None:
    parts: list[str] = []
    while isinstance(node, cst.Attribute):
        parts.append(node.attr.value)
        node = node.value
    if isinstance(node, cst.Name):
        parts.append(node.value)
        return ".".join(reversed(parts))
    return None


class Rule:
    """Base class of every rule. Subclasses set the class attributes and visitor methods."""

    code: ClassVar[str]
    name: ClassVar[str]
    message: ClassVar[str]
    #: One line for tables and `--statistics`.
    summary: ClassVar[str]
    #: Markdown with the sections What it does / Why is this bad? / Example / Use instead /
    #: Fix safety (in that order).
    docs: ClassVar[str]
    #: "none", "sometimes" or "always".
    fix_availability: ClassVar[str] = "none"
    #: Rules off by default are turned on with `extend-select`.
    default_enabled: ClassVar[bool] = True
    #: Substrings of which at least one must appear in a file for the rule to possibly match;
    #: files that contain none of the enabled rules' triggers are never parsed with LibCST.
    triggers: ClassVar[tuple[str, ...]] = ("async def",)

    def __init__(self, ctx: FileContext) -> None:
        self.ctx = ctx

    # Engine hooks beside the visit_/leave_ methods. A hook a rule does not override costs
    # nothing: the engine calls only the rules that define it.
    def enter_function(self, frame: Frame) -> None:
        """The walk enters the body of a `def` (decorators, parameters and annotations are
        behind it); `frame`, with the function's index key, is `ctx.frames[-1]`."""

    def exit_function(self, frame: Frame) -> None:
        """The walk leaves the body of a `def`; `frame` is still `ctx.frames[-1]`."""

    @classmethod
    def hooks(cls) -> tuple[str, ...]:
        """The engine hooks this rule defines."""
        return tuple(
            h
            for h in ("enter_function", "exit_function")
            if getattr(cls, h) is not getattr(Rule, h)
        )

    @classmethod
    def defaults_doc(cls) -> str:
        """A `## Defaults` section generated from the data the rule uses (catalogued calls,
        secret name patterns), appended to its documentation page; "" when it has none."""
        return ""

    @classmethod
    def could_apply(
        cls, index: ProjectIndex, module_name: str, settings: Settings | None = None
    ) -> bool:
        """A second gate after `triggers`, from index facts alone (no parse): False when the rule
        cannot report anything in this module. It must be exact: False only where a parse and
        walk would find nothing (tests/test_gates.py lints every fixture with and without the
        gates). Read facts through `index` so the cache records what the answer depended on.
        `settings` is None when the caller has none: answer as if any option were set."""
        return True

    def report(
        self,
        node: cst.CSTNode,
        message: str | None = None,
        fix: Fix | None = None,
        *,
        chain: Sequence[Hop] = (),
        related: Sequence[RelatedLocation] = (),
    ) -> None:
        """`chain`: the calls from `node` to the one that does harm, for transitive findings
        (SARIF code flows, the JSON `chain`); `related`: definitions the finding refers to."""
        self.ctx.report(type(self), node, message, fix, chain, related)


def _has_fallback(call: cst.Call) -> bool:
    """`m.get(key, default)` with a default that is not `None` (or any keyword)."""
    extra = call.args[1:]
    if any(arg.keyword is not None for arg in call.args):
        return True
    return bool(extra) and not (
        len(extra) == 1 and isinstance(extra[0].value, cst.Name) and extra[0].value.value == "None"
    )
