"""What the FPI4xx rules share: recognising `BackgroundTasks.add_task` calls and the functions
FastAPI injects into (path operations and dependencies)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ...index import branches
from ...index.shapes import dotted
from ...lazycst import cst
from ...model import ChainHop
from ..blocking import catalog
from .facts import ADD_TASK_MEMBERS, BACKGROUND_TASKS_TYPES

if TYPE_CHECKING:
    from ...index.project import Ref
    from ...rule import FileContext, Frame

__all__ = ["ADD_TASK_MEMBERS", "BACKGROUND_TASKS_TYPES"]

#: The singular class: one task, attached to a response by hand; FastAPI never injects it.
BACKGROUND_TASK_TYPES = frozenset({"starlette.background.BackgroundTask"})


def _add_task_calls(ctx: FileContext) -> dict[tuple[int, str], bool]:
    """The family's per-file answers of `is_add_task`, by call node and scope."""
    return {}


def is_add_task(ctx: FileContext, call: cst.Call) -> bool:
    """`x.add_task(...)` where `x` is known to be a BackgroundTasks object (a parameter annotated
    with it, or a local `BackgroundTasks()`), never any method that happens to be called so.
    Resolved once per call for all the rules of the family."""
    func = call.func
    if not isinstance(func, cst.Attribute) or func.attr.value != "add_task":
        return False
    answers = ctx.shared(_add_task_calls)
    key = (id(call), ctx.scope_key)
    found = answers.get(key)
    if found is None:
        ref = ctx.resolve(func)
        found = answers[key] = (
            ref is not None and ref.kind == "member" and ref.qual in ADD_TASK_MEMBERS
        )
    return found


def task_argument(call: cst.Call) -> cst.Arg | None:
    """The argument of add_task that names the task (`func`), positional or by keyword."""
    for arg in call.args:
        if arg.keyword is None and arg.star == "":
            return arg
        if arg.keyword is not None and arg.keyword.value == "func":
            return arg
        if arg.star:
            return None
    return None


def task_arguments(call: cst.Call) -> list[cst.Arg]:
    """The arguments add_task forwards to the task (everything but the task itself)."""
    first = task_argument(call)
    return [arg for arg in call.args if arg is not first]


def injected_function(ctx: FileContext, frame: Frame | None = None) -> str | None:
    """ "route" or "dependency" when the enclosing function is one FastAPI calls with injected
    parameters (a path operation, or a function used in Depends()/Security()), else None."""
    return ctx.injected_role(frame)


def project_callable(ctx: FileContext, ref: Ref | None) -> tuple[str, dict[str, Any]] | None:
    """(qualified name, function fact) of a project function or method a Ref names."""
    if ref is None or ref.kind not in ("function", "member"):
        return None
    fact = ctx.index.function(ref.qual)
    return (ref.qual, fact) if fact is not None else None


@dataclass(frozen=True)
class BlockingPath:
    """Why a project function blocks: `text` for the message (`requests.get`, or
    `fetch → requests.get`), `hops` from the call in its body down to the blocking call."""

    text: str
    hops: tuple[ChainHop, ...]


def blocking_call(ctx: FileContext, qual: str, env: tuple = ()) -> BlockingPath | None:
    """What makes the project function `qual` block when it runs: the first blocking call it
    makes, directly or through sync project functions, as the FPI1xx catalog judges; else None.
    `env`: the literal arguments it is scheduled with (`catalog.call_env`): calls under
    branches they rule out do not run (here and down the chain)."""
    index = ctx.index
    split = index.split_qualified(qual)
    fact = index.function(qual)
    if split is None or fact is None:
        return None
    module, key = split
    extra = catalog.Extra.from_settings(ctx.settings)
    known = catalog.scope_env(index, module, key, env)
    guards = {(g[0], g[1]): g[2] for g in fact.get("guards") or ()} if known else {}
    spread = {(line, col) for line, col in fact.get("spread") or ()}
    quiet_sockets = catalog.nonblocking_sockets(fact["calls"])
    for func, line, col, args, kwargs in fact["calls"]:
        guard = guards.get((line, col))
        if guard and branches.ruled_out(guard, known):
            continue
        ref = index.ref_of_value(module, key, func)
        if ref is None or catalog.offloader(ref, extra) is not None:
            continue
        here = index.call_hop(module, line, col, func)
        reason = catalog.classify(ref, extra)
        if reason is not None:
            name = dotted(func)
            receiver = name.rpartition(".")[0] if name is not None else None
            if catalog.is_socket_call(reason) and receiver in quiet_sockets:
                continue
            return BlockingPath(reason.call, (here,) if here is not None else ())
        target = catalog.project_function(index, ref)
        if target is not None and target != qual:
            target_env = catalog.call_env(
                index,
                target,
                None if (line, col) in spread else args,
                kwargs,
                receiver_is_class=catalog.receiver_is_class_of(index, module, key, func),
                caller_env=known,
            )
            chain = catalog.blocking_chain(index, target, extra, env=target_env)
            if chain is not None:
                hops = (here, *chain.hops) if here is not None and chain.hops else ()
                return BlockingPath(chain.text(), hops)
    return None


# -- locals used only through a few attributes ------------------------------------------------
@dataclass
class _FunctionUses:
    created: dict[str, list[Any]] = field(default_factory=dict)
    loads: Counter = field(default_factory=Counter)
    through_attrs: Counter = field(default_factory=Counter)


class LocalUses:
    """Finds local objects a function only ever touches as `name.<attr>` for the given
    attributes (`tasks.add_task`, `worker.start`): never returned, passed, stored, rebound or
    captured. The rule feeds it from its visitor methods; every other load of the name counts,
    including loads in nested functions and lambdas, so the answer errs towards "used"."""

    def __init__(self, attrs: frozenset[str]) -> None:
        self.attrs = attrs
        self.functions: list[_FunctionUses] = []
        self.not_loads: set[int] = set()

    def enter_function(self) -> None:
        self.functions.append(_FunctionUses())

    def leave_function(self) -> list[tuple[str, Any]]:
        """(name, payload) of the objects bound once and used only through the attributes."""
        state = self.functions.pop()
        found = []
        for name, payloads in state.created.items():
            if len(payloads) != 1 or payloads[0] is None:
                continue
            loads, through = state.loads[name], state.through_attrs[name]
            if through and loads == through:
                found.append((name, payloads[0]))
        return found

    def bind(self, target: cst.Name, payload: Any) -> None:
        """`target = ...` in the current function; payload None marks any other binding."""
        if not self.functions:
            return
        self.not_loads.add(id(target))
        self.functions[-1].created.setdefault(target.value, []).append(payload)

    def attribute(self, node: cst.Attribute) -> None:
        self.not_loads.add(id(node.attr))
        if isinstance(node.value, cst.Name) and node.attr.value in self.attrs:
            for state in self.functions:
                state.through_attrs[node.value.value] += 1

    def not_a_load(self, node: cst.Name) -> None:
        """Keyword names of calls and parameter names."""
        self.not_loads.add(id(node))

    def name(self, node: cst.Name) -> None:
        if id(node) in self.not_loads:
            return
        for state in self.functions:
            state.loads[node.value] += 1
