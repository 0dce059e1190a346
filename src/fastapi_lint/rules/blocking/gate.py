"""The FPI1xx family's call-level index gate: can any call in a module's served `async def`
bodies give a finding? Decided from the summaries alone, so a module that cannot is never
parsed with LibCST for the family.

It asks, per call the summary records in such a function, the questions the rules ask in the
tree (`AsyncCallRule.visit_Call` and each rule's `on_call`), with the callee resolved the way
`FileContext.resolve` resolves it: through `resolve_name`, `call_result` (`super()`, `next()`),
`member`, `div_result` and container subscripts, never through `ref_of_value`'s extra cases,
which the tree resolver does not make (it answers None for `m.get(k, fallback)`, where this
one answers). An answer it cannot give (a shape the summary cut, `?`)
keeps the module. A call can give a finding when its callee is catalogued (`classify`: every
category rule, FPI101's locks, FPI105, FPI107, FPI108, FPI111's configured calls), is an
offloader (FPI109), iterates a blocking project generator (`list(gen)`), or is a project
function, method or class whose `blocking_chain` is not None (FPI110). The chain is asked with
no literal arguments: knowing them only rules branches out, so a chain found with them is
found without them too. FPI110's other two sources are a sync `for` over a generator made
earlier (the summary's "value_fors") and a property read (any attribute name the module
names that a blocking project property answers, `property_getters`). FPI112's gate
(`may_drop_coroutine`) asks whether a call of a function that drops a result resolves to a
project coroutine function.

Everything here only widens: the resolver the rules use may answer None where this one
answers (a name a comprehension or lambda shadows), and then the rule reports nothing.
"""

from __future__ import annotations

from typing import Any

from ...index.project import ProjectIndex, Ref
from ...index.shapes import dotted
from .catalog import (
    Extra,
    blocking_chain,
    classify,
    constructor_function,
    offloader,
    project_function,
    virtual_call,
)

#: Builtins that iterate their first argument at once (as `base.ITERATING_BUILTINS`).
_ITERATING = frozenset(
    f"builtins.{name}" for name in ("next", "list", "tuple", "set", "sorted", "dict", "sum")
)


class _Unsure(Exception):
    """The summary does not hold what the tree resolver would look at."""


def _resolve(index: ProjectIndex, module: str, scope: str, shape: Any) -> Ref | None:
    """`FileContext.resolve` on a summary shape (raises `_Unsure` on a cut shape)."""
    if not shape:
        raise _Unsure
    tag = shape[0]
    if tag == "?":
        raise _Unsure
    if tag == "n":
        return index.resolve_name(module, scope, shape[1])
    if tag == "call":
        callee = _resolve(index, module, scope, shape[1])
        if callee is not None and callee.kind == "external":
            if callee.qual == "builtins.super":
                return index.super_of(module, scope)
            if callee.qual == "builtins.next":
                args, kwargs = shape[2], shape[3]
                if args:
                    return index.element(_resolve(index, module, scope, args[0]))
                if kwargs:
                    raise _Unsure  # the tree's first argument is a keyword one
        return index.call_result(callee)
    if tag == "attr":
        base = _resolve(index, module, scope, shape[1])
        return index.member(base, shape[2]) if base is not None else None
    if tag == "await":
        return _resolve(index, module, scope, shape[1])
    if tag == "div":
        return index.div_result(_resolve(index, module, scope, shape[1]))
    if tag == "sub":
        base = _resolve(index, module, scope, shape[1])
        if base is not None and base.kind in ("container", "mapping"):
            return Ref("instance", base.qual)
    return None  # a literal, a comprehension, `a | b`: the tree resolver knows nothing either


def _blocking_generator(index: ProjectIndex, ref: Ref | None, extra: Extra) -> bool:
    target = index.generator_function(ref)
    return target is not None and blocking_chain(index, target, extra, iterated=True) is not None


def _call_may_report(
    index: ProjectIndex, module: str, scope: str, record: list[Any], extra: Extra
) -> bool:
    func, _line, _col, args, kwargs = record
    try:
        ref = _resolve(index, module, scope, func)
    except _Unsure:
        return True
    if ref is None:
        return False
    if classify(ref, extra) is not None or offloader(ref, extra) is not None:
        return True
    if ref.kind == "callback":
        return True  # FPI110: a library method that calls a project override back
    if ref.qual in _ITERATING:
        # FPI110: `next(gen)` / `list(gen)` on a generator made earlier runs its body (a call
        # given there is a record of its own, judged as iterated).
        for arg in [*args, *kwargs.values()]:
            try:
                if _blocking_generator(index, _resolve(index, module, scope, arg), extra):
                    return True
            except _Unsure:
                return True
        return False
    target = project_function(index, ref)
    if target is None and ref.kind == "class":
        target = constructor_function(index, ref.qual)
    if target is None:
        return False
    fact = index.function(target)
    iterated = bool(fact and fact.get("generator"))
    virtual = not iterated and virtual_call(index, module, scope, dotted(func), target)
    return blocking_chain(index, target, extra, iterated=iterated, virtual=virtual) is not None


def _property_may_block(index: ProjectIndex, summary: dict[str, Any], extra: Extra) -> bool:
    getters = index.project_fact("property_getters")
    if not getters:
        return False
    for attr in summary.get("refs") or ():
        for getter in getters.get(attr, ()):
            if blocking_chain(index, getter, extra) is not None:
                return True
    return False


def _function_facts(
    summary: dict[str, Any] | None, functions: tuple[str, ...]
) -> list[tuple[str, dict[str, Any]]] | None:
    """The summary facts of `functions`, or None when the module or one of them has none (the
    gates cannot answer: the file is kept)."""
    if summary is None:
        return None
    found = []
    for key in functions:
        fact = summary["functions"].get(key)
        if fact is None:
            return None
        found.append((key, fact))
    return found


def may_report(index: ProjectIndex, module: str, functions: tuple[str, ...], extra: Extra) -> bool:
    """Whether an FPI1xx rule (FPI112 aside) can report in the `async def`s `functions` of
    `module` (the ones that may serve requests and are not memoised)."""

    def compute() -> bool:
        summary = index.module(module)
        found = _function_facts(summary, functions)
        if summary is None or found is None:
            return True
        for key, fact in found:
            for record in fact["calls"]:
                if _call_may_report(index, module, key, record, extra):
                    return True
            for shape in fact.get("value_fors") or ():
                try:
                    if _blocking_generator(index, _resolve(index, module, key, shape), extra):
                        return True
                except _Unsure:
                    return True
        return _property_may_block(index, summary, extra)

    return index.memoised(("gate-fpi1xx-calls", module, functions, extra), compute)


def may_drop_coroutine(index: ProjectIndex, module: str, functions: tuple[str, ...]) -> bool:
    """Whether FPI112 can report in the `async def`s `functions` of `module`: a call of
    theirs resolves to a project `async def` that is not a generator (the rule's
    `_coroutine_function` asks more of it; the call must also be a statement of its own)."""

    def compute() -> bool:
        found = _function_facts(index.module(module), functions)
        if found is None:
            return True
        for key, fact in found:
            for record in fact["calls"]:
                try:
                    ref = _resolve(index, module, key, record[0])
                except _Unsure:
                    return True
                qual = project_function(index, ref)
                target = index.function(qual) if qual is not None else None
                if target is not None and target["async"] and not target["generator"]:
                    return True
        return False

    return index.memoised(("gate-fpi112-calls", module, functions), compute)
