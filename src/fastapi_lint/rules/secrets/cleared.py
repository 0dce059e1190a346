"""Fields of a returned value that are known to hold nothing secret (FPI3xx).

A route often returns a model whose type carries a secret field that the value itself leaves
empty: it builds the model without that keyword (`ToolExecutionResult(status=...,
func_return=...)`, whose `agent_state` defaults to None), or it (or the service it calls) sets
the field to None, an empty value or a mask before the value is returned
(`for p in rows: p.api_key = None` then `[p.to_pydantic() for p in rows]`;
`schema.secrets = {k: "" for k in schema.secrets}`).

`cleared_fields` answers, for one expression, the dotted field paths (relative to the value, or
to each element of a list) that hold such a harmless value. It asks the semantic model what
names, attributes and calls are (`ref_of_value`, `bound_value`, `returned_values`), follows
project functions through their `return` statements, and is conservative: anything it cannot
see clears nothing.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from ...index.route_writes import MASK_KEYWORDS, MASK_LITERAL, REDACTING_CALL
from ...index.shapes import (
    Attr,
    Await,
    Call,
    Comp,
    Const,
    DictComp,
    Mapping,
    Name,
    Seq,
    Subscript,
    dotted,
    view,
)
from .models import MODEL_VALIDATORS, model_info, model_kind

if TYPE_CHECKING:
    from ...index.project import ProjectIndex
    from ...index.summary import Shape

NOTHING: frozenset[str] = frozenset()
MAX_DEPTH = 12
#: Calls that give back their argument's fields (a model built from an object, a dump).
KEEPING = frozenset(
    {"builtins.list", "builtins.tuple", "builtins.sorted", "fastapi.encoders.jsonable_encoder"}
)
VALIDATORS = frozenset(
    {"model_validate", "from_orm", "parse_obj", "model_construct", "construct", "validate"}
)
DUMPS_AND_COPIES = frozenset(
    {"model_dump", "dict", "model_dump_json", "json", "model_copy", "copy"}
)
#: A zero-argument conversion method (`row.to_pydantic()`, `obj.to_schema()`): the fields
#: carry over by name, so what was cleared on the object is cleared on the result.
CONVERSION = re.compile(r"to_[a-z_]*")


def harmless(shape: Shape | None, depth: int = 0) -> bool:
    """A value no one's secret can be: None, a number or flag, a masking literal (`""`,
    `"****"`), an empty or all-harmless container, a mask call (`mask_secret(x)`,
    `get_value(mask=True)`), a comprehension of harmless values (`{k: "" for k in s}`)."""
    if not shape or depth > 6:
        return False
    typed = view(shape)
    if isinstance(typed, Const):
        value = typed.value
        return not isinstance(value, str) or bool(MASK_LITERAL.fullmatch(value))
    if isinstance(typed, Name):
        return typed.dotted == "None"
    if isinstance(typed, Seq):
        return all(harmless(item, depth + 1) for item in typed.items)
    if isinstance(typed, Mapping):
        return all(k is not None and harmless(v, depth + 1) for k, v in typed.pairs)
    if isinstance(typed, DictComp):
        return harmless(typed.value, depth + 1)
    if isinstance(typed, Comp):
        return harmless(typed.element, depth + 1)
    if isinstance(typed, Call):
        name = dotted(typed.func) or ""
        if REDACTING_CALL.match(name.rpartition(".")[2]):
            return True
        return any(
            key in MASK_KEYWORDS and value in (["n", "True"], ["const", True])
            for key, value in typed.kwargs.items()
        )
    return False


def cleared_fields(
    index: ProjectIndex,
    module: str,
    scope: str,
    shape: Shape | None,
    writes: dict[str, list[Any]] | None = None,
    bindings: dict[str, Any] | None = None,
) -> frozenset[str]:
    """Field paths of the value of `shape` (in `module`, `scope`) that hold nothing secret.
    `writes` are the attribute assignments in effect on local names where it is evaluated
    (see `ProjectIndex.returned_values`), `bindings` the values rebound names last got there
    (`ProjectIndex.returned_bindings`)."""
    return _Cleared(index).value(module, scope, shape, writes or {}, {}, 0, bindings or {})


def function_cleared(index: ProjectIndex, qual: str) -> frozenset[str]:
    """What every `return` of a project function leaves cleared (nothing for a generator or a
    function without a return value)."""
    found = index.memoised(("fpi3-cleared", qual), lambda: _Cleared(index).function(qual, 0))
    return found or NOTHING


def covered(path: str, cleared: frozenset[str]) -> bool:
    """`agent_state.secrets` is covered when `agent_state` (or the path itself) is cleared."""
    if not cleared:
        return False
    parts = path.split(".")
    return any(".".join(parts[: n + 1]) in cleared for n in range(len(parts)))


class _Cleared:
    def __init__(self, index: ProjectIndex) -> None:
        self.index = index

    def function(self, qual: str, depth: int) -> frozenset[str]:
        fact = self.index.function(qual)
        split = self.index.split_qualified(qual)
        if fact is None or split is None or fact.get("generator"):
            return NOTHING
        returned = self.index.returned_values(qual)
        if not returned:
            return NOTHING
        bindings = self.index.returned_bindings(qual)
        found: frozenset[str] | None = None
        for number, (shape, writes) in enumerate(returned):
            if shape == ["const", None]:
                continue  # `return None` sends nothing
            bound = bindings[number] if number < len(bindings) else {}
            here = self.value(split[0], split[1], shape, writes, {}, depth + 1, bound)
            found = here if found is None else found & here
            if not found:
                return NOTHING
        return found or NOTHING

    def value(
        self,
        module: str,
        scope: str,
        shape: Shape | None,
        writes: dict[str, list[Any]],
        env: dict[str, frozenset[str]],
        depth: int,
        bindings: dict[str, Any] | None = None,
    ) -> frozenset[str]:
        """`bindings`: the values rebound local names last got where `shape` is evaluated."""
        if not shape or depth > MAX_DEPTH:
            return NOTHING
        typed = view(shape)
        bindings = bindings or {}
        again = lambda inner: self.value(module, scope, inner, writes, env, depth + 1, bindings)  # noqa: E731
        if isinstance(typed, Await):
            return again(typed.value)
        if isinstance(typed, Subscript):
            return again(typed.value)  # `rows[0]`: an element
        if isinstance(typed, Seq):
            parts = [again(item) for item in typed.items]
            return frozenset.intersection(*parts) if parts else NOTHING
        if isinstance(typed, Comp):
            inner = {**env, typed.target: again(typed.iterable)}
            return self.value(module, scope, typed.element, writes, inner, depth + 1, bindings)
        if isinstance(typed, Name) and "." not in typed.dotted:
            return self._name(module, scope, typed.dotted, writes, env, depth, bindings)
        if isinstance(typed, Call):
            return self._call(module, scope, typed, writes, env, depth, bindings)
        return NOTHING

    def _name(self, module, scope, name, writes, env, depth, bindings) -> frozenset[str]:
        if name in env:
            base = env[name]
        else:
            base = NOTHING
            bound = self.index.bound_value(module, scope, name)
            if bound is not None:
                base = self.value(module, bound[1], bound[0], {}, {}, depth + 1)
            elif name in bindings:
                # Bound more than once: the value it last got before this `return`.
                base = self.value(module, scope, bindings[name], {}, {}, depth + 1)
        written = writes.get(name)
        if not written:
            return base
        # What the body assigned replaces what the value had: a real value written over a
        # cleared field un-clears it; a harmless one clears it.
        attrs = {attr for attr, _value in written}
        kept = {p for p in base if p.partition(".")[0] not in attrs}
        for attr, value in written:
            if harmless(value):
                kept.add(attr)
            else:
                inner = self.value(module, scope, value, {}, {}, depth + 1)
                kept.update(f"{attr}.{p}" for p in inner)
        return frozenset(kept)

    def _call(self, module, scope, call: Call, writes, env, depth, bindings) -> frozenset[str]:
        again = lambda inner: self.value(module, scope, inner, writes, env, depth + 1, bindings)  # noqa: E731
        first = call.args[0] if call.args else None
        func = view(call.func)
        method = None
        receiver = None
        if isinstance(func, Name) and "." in func.dotted:
            head, _, method = func.dotted.rpartition(".")
            receiver = ["n", head]
        elif isinstance(func, Attr):
            receiver, method = func.value, func.attr
        if (
            method is not None
            and receiver is not None
            and (method in DUMPS_AND_COPIES or (CONVERSION.fullmatch(method) and not call.args))
        ):
            return again(receiver)
        ref = self.index.ref_of_value(module, scope, call.func)
        if ref is None:
            return NOTHING
        if ref.kind == "class" and model_kind(self.index, ref.qual):
            return self._constructed(module, scope, ref.qual, call, writes, env, depth, bindings)
        if ref.kind == "function":
            if method in VALIDATORS and first is not None:
                return again(first)
            return self.function(ref.qual, depth + 1) if depth < MAX_DEPTH else NOTHING
        if ref.kind == "external" and ref.qual in KEEPING and first is not None:
            return again(first)
        if method in VALIDATORS and first is not None:
            return again(first)  # `Model.model_validate(row)`: the fields carry over
        return NOTHING

    def _constructed(
        self, module, scope, model, call: Call, writes, env, depth, bindings
    ) -> frozenset[str]:
        """`Model(a=..., b=...)`: each keyword given a harmless value, each nested value's
        cleared fields, and each field left out whose default is a literal (None, "", 0,
        `[]`) — unless a model validator could fill it in."""
        if call.args or "**" in call.kwargs:
            return NOTHING  # values we cannot see
        info = model_info(self.index, model)
        if info is None:
            return NOTHING
        found: set[str] = set()
        for name, value in call.kwargs.items():
            if harmless(value):
                found.add(name)
            else:
                inner = self.value(module, scope, value, writes, env, depth + 1, bindings)
                found.update(f"{name}.{p}" for p in inner)
        if not _may_fill_fields(self.index, model):
            for item in info.fields:
                if item.name not in call.kwargs and _literal_default(item.default):
                    found.add(item.name)
        return frozenset(found)


def _literal_default(default: Shape | None) -> bool:
    """`= None`, `= ""`, `= Field(None)`, `= Field(default=None, description=...)`: a literal
    default (not a factory, not an alias, under which a keyword would come in another name)."""
    typed = view(default)
    if isinstance(typed, Call):
        name = dotted(typed.func) or ""
        if name.rpartition(".")[2] != "Field":
            return False
        if any(k in typed.kwargs for k in ("alias", "validation_alias", "default_factory")):
            return False
        given = typed.kwargs.get("default", typed.args[0] if typed.args else None)
        return given is not None and harmless(given)
    return default is not None and harmless(default)


def _may_fill_fields(index: ProjectIndex, model: str) -> bool:
    """A model (or a base) with a model validator, or any `__init__`/`__post_init__` of its
    own, may set fields the constructor call leaves out."""
    return bool(index.memoised(("fpi3-fills", model), lambda: _fills(index, model)))


def _fills(index: ProjectIndex, model: str) -> bool:
    for qual in index.mro(model):
        split = index.split_qualified(qual)
        summary = index.module(split[0]) if split else None
        if summary is None or split is None:
            continue
        for fact in summary["functions"].values():
            if fact.get("class") != split[1]:
                continue
            if fact["name"] in ("__init__", "model_post_init", "__post_init__"):
                return True
            for decorator in fact["decorators"]:
                call = view(decorator)
                target = call.func if isinstance(call, Call) else decorator
                ref = index.ref_of_value(split[0], split[1], target)
                if ref is not None and ref.qual in MODEL_VALIDATORS:
                    return True
    return False
