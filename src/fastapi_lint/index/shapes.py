"""Typed views of the summaries' records: what rules and codemods read instead of positions.

A summary stays plain marshal data (lists, dicts, strings: cheap to cache, to send to worker
processes and to decode lazily, `CompactModules`); these NamedTuples are its schema, made on
access one level at a time (`view(raw)`, `CallSite.of(raw)`), so reading a summary costs no
decoding pass and the warm path imports nothing but the standard library. `summary.py` writes
the raw forms; only the index reads them raw.

    match view(raw):
        case Call(func, args, kwargs): ...      # children are raw: view(func) again
        case Name(dotted): ...
        case Const(value) if isinstance(value, str): ...
"""

from __future__ import annotations

from typing import Any, NamedTuple

Raw = Any  # a raw shape: list with a tag first, or None

# -- expression shapes -------------------------------------------------------------------------


class Name(NamedTuple):
    """A name or dotted name as written: `requests.get`."""

    dotted: str


class Call(NamedTuple):
    """A call: the callee, the first positional arguments, the keyword arguments (raw)."""

    func: Raw
    args: list[Raw]
    kwargs: dict[str, Raw]


class Attr(NamedTuple):
    """An attribute of something that is not a dotted name: `f().x`."""

    value: Raw
    attr: str


class Subscript(NamedTuple):
    """`value[items...]` (a tuple index gives several items)."""

    value: Raw
    items: list[Raw]


class Union(NamedTuple):
    """`X | Y`."""

    options: list[Raw]


class Const(NamedTuple):
    """A str, int, float, bool or None literal."""

    value: str | int | float | bool | None


class Seq(NamedTuple):
    """A list, tuple or set literal."""

    items: list[Raw]


class Mapping(NamedTuple):
    """A dict literal: (key, value) pairs; a None key is `**mapping`."""

    pairs: list[list[Raw]]


class Await(NamedTuple):
    """`await value`."""

    value: Raw


class Comp(NamedTuple):
    """`[element for target in iterable]` (one `for` over a name; also sets and generators)."""

    element: Raw
    target: str
    iterable: Raw


class DictComp(NamedTuple):
    """`{key: value for target in iterable}`."""

    key: Raw
    value: Raw
    target: str
    iterable: Raw


class Unknown(NamedTuple):
    """Any other expression."""


class Other(NamedTuple):
    """A shape this module does not know yet (a tag added to the summaries later)."""

    tag: str
    parts: list[Raw]


Shape = (
    Name
    | Call
    | Attr
    | Subscript
    | Union
    | Const
    | Seq
    | Mapping
    | Await
    | Comp
    | DictComp
    | Unknown
) | Other

_SHAPES: dict[str, Any] = {
    "n": Name,
    "call": Call,
    "attr": Attr,
    "sub": Subscript,
    "union": Union,
    "const": Const,
    "list": Seq,
    "dict": Mapping,
    "await": Await,
    "comp": Comp,
    "dictcomp": DictComp,
    "?": Unknown,
}

NONE_CONSTANTS = (["const", None], ["n", "None"])


def view(raw: Raw) -> Shape | None:
    """The typed view of a raw shape (None for a missing one)."""
    if not raw:
        return None
    tag = raw[0]
    cls = _SHAPES.get(tag) if isinstance(tag, str) else None
    return Other(tag, raw[1:]) if cls is None else cls._make(raw[1:])


def name_shape(dotted: str) -> list[Any]:
    """The raw shape of a dotted name (what `summary.shape_of` writes for one)."""
    return ["n", dotted]


def dotted(raw: Raw) -> str | None:
    """The dotted name a shape is, if it is one."""
    return raw[1] if raw and raw[0] == "n" else None


def string(raw: Raw) -> str | None:
    """The value of a string literal shape."""
    return raw[1] if raw and raw[0] == "const" and isinstance(raw[1], str) else None


def is_const(raw: Raw, value: object) -> bool:
    """A literal equal to `value` (compared with ==, so True also matches 1). Compare views
    with this, not with ==: NamedTuples of different kinds but equal fields are equal."""
    return bool(raw) and raw[0] == "const" and raw[1] == value


def decorator_callee(raw: Raw) -> Raw:
    """What a decorator names: the callee of `@dec(...)`, the decorator itself otherwise."""
    return raw[1] if raw and raw[0] == "call" else raw


def is_none(raw: Raw) -> bool:
    """`None` as a literal or as a name (`Optional` spellings)."""
    return raw in NONE_CONSTANTS


# -- records -----------------------------------------------------------------------------------


class CallSite(NamedTuple):
    """A call a function (or the module) makes: `fact["calls"]`, `summary["module_calls"]`."""

    func: Raw
    line: int
    col: int
    args: list[Raw]
    kwargs: dict[str, Raw]

    @classmethod
    def of(cls, raw: list[Any]) -> CallSite:
        return cls._make(raw)


class Param(NamedTuple):
    """A parameter of a function: `fact["params"]`; kind is "pos", "kw", "*" or "**"."""

    name: str
    annotation: Raw
    default: Raw
    kind: str

    @classmethod
    def of(cls, raw: list[Any]) -> Param:
        return cls._make(raw)


class Field(NamedTuple):
    """An annotated name in a class body: `class_fact["fields"]`."""

    name: str
    annotation: Raw
    default: Raw
    line: int

    @classmethod
    def of(cls, raw: list[Any]) -> Field:
        return cls._make(raw)


def calls(fact: dict[str, Any]) -> list[CallSite]:
    return [CallSite._make(raw) for raw in fact["calls"]]


def params(fact: dict[str, Any]) -> list[Param]:
    return [Param._make(raw) for raw in fact["params"]]


def fields(class_fact: dict[str, Any]) -> list[Field]:
    return [Field._make(raw) for raw in class_fact["fields"]]


# -- bindings (what a name is bound to in a scope) ---------------------------------------------


class ImportBinding(NamedTuple):
    """`import x` / `from m import x`: the qualified name imported."""

    target: str


class DefBinding(NamedTuple):
    """`def name`: the function's qualified name."""

    qual: str


class ClassBinding(NamedTuple):
    """`class Name`: the class's qualified name."""

    qual: str


class ValueBinding(NamedTuple):
    """`name = value` (with its annotation for `name: T = value`)."""

    value: Raw
    annotation: Raw = None


class WithBinding(NamedTuple):
    """`with value as name` (`async with` when `is_async`)."""

    value: Raw
    is_async: bool = False


class ForBinding(NamedTuple):
    """`for name in iterable` (the semantic model types it by what iterating gives)."""

    iterable: Raw


class ItemBinding(NamedTuple):
    """`a, b = <value>`: the name is the item at `position` of what the value gives (no starred
    target)."""

    value: Raw
    position: int


class ParamBinding(NamedTuple):
    """A parameter of the function whose scope it is."""

    annotation: Raw
    default: Raw


class AnnotatedBinding(NamedTuple):
    """`name: T` without a value."""

    annotation: Raw


class LocalBinding(NamedTuple):
    """A binding the summary does not follow (a loop target, `except ... as`, a deletion)."""


class AmbiguousBinding(NamedTuple):
    """A name bound to different things in one scope: resolved only by the semantic model,
    when every candidate binding agrees on one type (`path = Path(path)`)."""

    candidates: Any = ()


Binding = (
    ImportBinding
    | DefBinding
    | ClassBinding
    | ValueBinding
    | WithBinding
    | ForBinding
    | ItemBinding
    | ParamBinding
    | AnnotatedBinding
    | LocalBinding
    | AmbiguousBinding
)

_BINDINGS: dict[str, Any] = {
    "import": ImportBinding,
    "def": DefBinding,
    "class": ClassBinding,
    "value": ValueBinding,
    "with": WithBinding,
    "for": ForBinding,
    "item": ItemBinding,
    "param": ParamBinding,
    "annotated": AnnotatedBinding,
    "local": LocalBinding,
    "ambiguous": AmbiguousBinding,
}


def view_binding(raw: list[Any] | None) -> Binding | None:
    """The typed view of a raw binding."""
    if not raw:
        return None
    cls = _BINDINGS.get(raw[0])
    return LocalBinding() if cls is None else cls(*raw[1:])
