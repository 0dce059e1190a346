"""Constant-argument branch pruning: which calls of a function cannot run for the literal
arguments one call site passes (issue 14, section 2).

The `ast` summary records, for every call made under a condition on the function's own
parameters, the conditions it sits under (`guards`: `if`/`elif`/`else`, `while`, `x if c else y`,
`a and b()`, and the rest of a block after `if not flag: return`). A call site that passes
literals (`add_hash=False`, `get_secret("API_KEY")`, or omits a parameter with a literal default)
gives the callee an *environment*: parameter -> value. `truth` evaluates a condition in it with a
small, bounded evaluator; a call whose guard evaluates to the other branch cannot run from that
call site. Anything the evaluator does not know is "may be taken".

Condition shapes (plain lists, like the summary's value shapes):

    ["const", v]                 bool/None/int/float/str literal
    ["n", name]                  a bare name
    ["not", c]   ["and", [c, ...]]   ["or", [c, ...]]
    ["cmp", left, [[op, right], ...]]   op: == != is "is not" in "not in" < <= > >=
    ["str", "startswith"|"endswith", base, arg]
    ["keys", base]   ["get", base, key]   ["get", base, key, default]   `d.keys()`, `d.get(k)`
    ["list", [c, ...]]           a tuple/list/set literal
    ["?"]                        anything else

A name in a condition that is no parameter may be a module constant: a dict, set, list or tuple
literal of scalars bound once at module level (`PROMPTS = {"a": A, "b": B}`, possibly imported
from another module) that no module of the project mutates or rebinds (the summaries'
"constants" and "mutated", joined by the project fact `mutated_globals`). Then
`key in PROMPTS`, `key not in PROMPTS.keys()` and `PROMPTS.get(key) is None` are known for a
literal key, and `get_text("a")` does not take the branch that reads a file for unknown keys.
A constant passed to a function that mutates it through its parameter is not seen; the
mutations the summaries record are the direct ones (`PROMPTS[k] = v`, `PROMPTS.update(...)`,
`del PROMPTS[k]`, `mod.PROMPTS = ...`, `global PROMPTS`).
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Callable
from typing import Any

# The index imports this module (the `mutated_globals` fact), so this module does not import
# it back, not even for type checking.
ProjectIndex = Any

Cond = list[Any]
#: Values an environment holds (the literals a call site can pass).
SCALARS = (bool, int, float, str, type(None))
#: An environment as it travels in chain steps: sorted (name, type name, value) triples, so
#: `True` and `1` (equal in Python) stay distinct keys.
Env = tuple[tuple[str, str, Any], ...]

MAX_COND_DEPTH = 8
MAX_ITEMS = 16
_OPS = {
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.Is: "is",
    ast.IsNot: "is not",
    ast.In: "in",
    ast.NotIn: "not in",
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
}
_UNKNOWN = object()


# -- the summary side: encoding a condition ----------------------------------------------------
def _connective_shape(
    node: ast.BoolOp | ast.Compare, depth: int, part: Callable[[ast.AST, int], Cond]
) -> Cond:
    """`a and b` / `a or b` and comparisons, their parts encoded by `part` (`cond_shape`, or
    `switch_shape`, which keeps calls)."""
    if isinstance(node, ast.BoolOp):
        tag = "and" if isinstance(node.op, ast.And) else "or"
        return [tag, [part(v, depth + 1) for v in node.values[:MAX_ITEMS]]]
    ops = []
    for op, right in zip(node.ops, node.comparators, strict=False):
        name = _OPS.get(type(op))
        if name is None:
            return ["?"]
        ops.append([name, part(right, depth + 1)])
    return ["cmp", part(node.left, depth + 1), ops]


def cond_shape(node: ast.AST, depth: int = 0) -> Cond:
    if depth > MAX_COND_DEPTH:
        return ["?"]
    if isinstance(node, ast.Constant):
        value = node.value
        return ["const", value] if isinstance(value, SCALARS) else ["?"]
    if isinstance(node, ast.Name):
        return ["n", node.id]
    if isinstance(node, ast.Attribute):
        dotted = dotted_name(node)
        return ["?"] if dotted is None else ["n", dotted]
    if isinstance(node, ast.UnaryOp):
        if isinstance(node.op, ast.Not):
            return ["not", cond_shape(node.operand, depth + 1)]
        operand = node.operand
        if (
            isinstance(node.op, ast.USub)
            and isinstance(operand, ast.Constant)
            and type(operand.value) in (int, float)
        ):
            return ["const", -operand.value]
        return ["?"]
    if isinstance(node, (ast.BoolOp, ast.Compare)):
        return _connective_shape(node, depth, cond_shape)
    if isinstance(node, ast.Call):
        func = node.func
        if (
            isinstance(func, ast.Attribute)
            and func.attr in ("startswith", "endswith")
            and len(node.args) == 1
            and not node.keywords
        ):
            base, arg = cond_shape(func.value, depth + 1), cond_shape(node.args[0], depth + 1)
            return ["str", func.attr, base, arg]
        if isinstance(func, ast.Attribute) and not node.keywords:
            if func.attr == "keys" and not node.args:
                return ["keys", cond_shape(func.value, depth + 1)]
            if func.attr == "get" and 1 <= len(node.args) <= 2:
                parts = [cond_shape(a, depth + 1) for a in node.args]
                return ["get", cond_shape(func.value, depth + 1), *parts]
        return ["?"]
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)) and len(node.elts) <= MAX_ITEMS:
        return ["list", [cond_shape(e, depth + 1) for e in node.elts]]
    return ["?"]


def dotted_name(node: ast.AST) -> str | None:
    """`a.b.c` for a name or a chain of attributes on one, else None."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


def names_in(cond: Cond, depth: int = 0) -> set[str]:
    """The bare names a condition reads."""
    if not cond or depth > MAX_COND_DEPTH + 2:
        return set()
    tag = cond[0]
    if tag == "n":
        return {cond[1]}
    if tag == "not":
        return names_in(cond[1], depth + 1)
    if tag in ("and", "or", "list"):
        return set().union(*(names_in(c, depth + 1) for c in cond[1]))
    if tag == "cmp":
        found = names_in(cond[1], depth + 1)
        for _op, right in cond[2]:
            found |= names_in(right, depth + 1)
        return found
    if tag == "str":
        return names_in(cond[2], depth + 1) | names_in(cond[3], depth + 1)
    if tag in ("keys", "get"):
        return set().union(*(names_in(c, depth + 1) for c in cond[1:]))
    return set()


def exits(body: list[ast.stmt]) -> bool:
    """A block whose last statement leaves it (`return`, `raise`, `continue`, `break`): the
    rest of the enclosing block runs only when the block did not."""
    return bool(body) and isinstance(body[-1], (ast.Return, ast.Raise, ast.Continue, ast.Break))


# -- the index side: evaluating a condition in an environment ----------------------------------
def env_of(values: dict[str, Any]) -> Env:
    return tuple(sorted(((k, type(v).__name__, v) for k, v in values.items()), key=_first))


def _first(item: tuple[str, str, Any]) -> str:
    return item[0]


def env_dict(env: Env) -> dict[str, Any]:
    return {name: value for name, _type, value in env}


class Collection:
    """A dict's keys (a module constant's, or a dict a call site builds) or a set's, list's or
    tuple's items, with the dict's values that are known (literals, or `NonNull`).

    `keys` are the keys surely present; `possible` the keys that may be (a superset), None when
    any key may be (a dict updated from a mapping nobody knows). A module constant's `possible`
    is its `keys`."""

    __slots__ = ("keys", "kind", "possible", "values")

    def __init__(
        self,
        kind: str,
        keys: frozenset[Any],
        values: dict[Any, Any],
        possible: frozenset[Any] | bool | None = True,
    ) -> None:
        self.kind = kind
        self.keys = keys
        self.values = values
        self.possible = keys if possible is True else possible

    @classmethod
    def of(cls, record: list[Any]) -> Collection | None:
        """From a summary's "constants" record; None for one it cannot read."""
        try:
            kind, items = record
            if kind == "dict":
                keys = frozenset(key for key, _value in items)
                values = {key: value[1] for key, value in items if value}
                return cls("dict", keys, values)
            if kind == "set":
                return cls("set", frozenset(items), {})
        except (TypeError, ValueError):
            return None
        return None

    def has(self, key: Any) -> bool | None:
        """Whether the key is in it; None when unknown."""
        try:
            if key in self.keys:
                return True
            return None if self.possible is None else key in self.possible
        except TypeError:
            return None

    def truthy(self) -> bool | None:
        if self.keys:
            return True
        return None if self.possible is None or self.possible else False

    def _identity(self) -> tuple[Any, ...]:
        values = frozenset((key, type(v).__name__, v) for key, v in self.values.items())
        return (self.kind, self.keys, self.possible, values)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Collection) and self._identity() == other._identity()

    def __hash__(self) -> int:
        return hash(self._identity())

    def __repr__(self) -> str:
        return (
            f"Collection({self.kind}, {sorted(map(repr, self.keys))}, open={self.possible is None})"
        )


class NonNull:
    """A value known not to be None (a `str(...)` call, a container literal) whose value
    itself is not known; `truthy` says whether it is true, None when that is not known
    either."""

    __slots__ = ("truthy",)

    def __init__(self, truthy: bool | None = None) -> None:
        self.truthy = truthy

    def __eq__(self, other: object) -> bool:
        return isinstance(other, NonNull) and other.truthy == self.truthy

    def __hash__(self) -> int:
        return hash(("NonNull", self.truthy))

    def __repr__(self) -> str:
        return f"NonNull({self.truthy})"


class EnumMember:
    """A member of a project `Enum` class, by its qualified name (`app.State.STOPPED`): equal
    to itself only, and compared with nothing else (a `str` enum's member may equal a string;
    that is not decided)."""

    __slots__ = ("qual",)

    def __init__(self, qual: str) -> None:
        self.qual = qual

    def __eq__(self, other: object) -> bool:
        return isinstance(other, EnumMember) and other.qual == self.qual

    def __hash__(self) -> int:
        return hash(("EnumMember", self.qual))

    def __repr__(self) -> str:
        return f"EnumMember({self.qual})"


def _value(cond: Cond, env: dict[str, Any], depth: int = 0) -> Any:
    if not cond or depth > MAX_COND_DEPTH + 2:
        return _UNKNOWN
    tag = cond[0]
    if tag == "const":
        return cond[1]
    if tag == "n":
        return env.get(cond[1], _UNKNOWN)
    if tag == "list":
        items = tuple(_value(c, env, depth + 1) for c in cond[1])
        return _UNKNOWN if any(i is _UNKNOWN for i in items) else items
    if tag in ("not", "cmp", "str"):
        found = truth(cond, env, depth)
        return _UNKNOWN if found is None else found
    if tag == "keys":
        base = _value(cond[1], env, depth + 1)
        if isinstance(base, Collection) and base.kind == "dict":
            return Collection("set", base.keys, {}, base.possible)
        return _UNKNOWN
    if tag == "get":
        base = _value(cond[1], env, depth + 1)
        key = _value(cond[2], env, depth + 1)
        if not isinstance(base, Collection) or base.kind != "dict" or key is _UNKNOWN:
            return _UNKNOWN
        present = base.has(key)
        if present is None:
            return _UNKNOWN
        if present:
            return base.values.get(key, _UNKNOWN)
        return _value(cond[3], env, depth + 1) if len(cond) > 3 else None
    return _UNKNOWN  # `a and b` is an operand, not a bool: only its truth is used


def _singleton(value: Any) -> bool:
    return value is None or value is True or value is False


def _compare(op: str, left: Any, right: Any) -> bool | None:
    if (
        isinstance(left, EnumMember)
        and op in ("in", "not in")
        and isinstance(right, tuple)
        and right
        and all(isinstance(item, EnumMember) for item in right)
    ):
        return (left in right) == (op == "in")
    if isinstance(left, EnumMember) or isinstance(right, EnumMember):
        if not (isinstance(left, EnumMember) and isinstance(right, EnumMember)):
            return None
        if op in ("==", "is"):
            return left == right
        if op in ("!=", "is not"):
            return left != right
        return None
    if isinstance(left, (Collection, NonNull)) or isinstance(right, (Collection, NonNull)):
        if op in ("is", "is not") and (left is None or right is None):
            return op == "is not"  # a collection or a NonNull is not None
        if op in ("is", "is not") and isinstance(left, Collection) and left is not right:
            return op == "is not"  # a literal collection is not True or False either
        if not isinstance(right, Collection) or op not in ("in", "not in"):
            return None
        if isinstance(left, (Collection, NonNull)):
            return None
        inside = right.has(left)
        if inside is None:
            return None
        return inside if op == "in" else not inside
    if isinstance(right, tuple) and any(isinstance(item, Collection) for item in right):
        return None
    try:
        if op in ("is", "is not"):
            if not (_singleton(left) or _singleton(right)):
                return None  # identity of two str/int literals is not defined
            same = left is right
            return same if op == "is" else not same
        if op == "==":
            return bool(left == right)
        if op == "!=":
            return bool(left != right)
        if op in ("in", "not in"):
            if not isinstance(right, tuple) and not (
                isinstance(right, str) and isinstance(left, str)
            ):
                return None  # `in` a tuple literal, or a substring of a string
            inside = left in right
            return inside if op == "in" else not inside
        numbers = (int, float)
        same_kind = (isinstance(left, numbers) and isinstance(right, numbers)) or (
            isinstance(left, str) and isinstance(right, str)
        )
        if not same_kind:
            return None
        if op == "<":
            return bool(left < right)
        if op == "<=":
            return bool(left <= right)
        if op == ">":
            return bool(left > right)
        if op == ">=":
            return bool(left >= right)
    except Exception:
        return None
    return None


def truth(cond: Cond, env: dict[str, Any], depth: int = 0) -> bool | None:
    """Whether `cond` is true in `env` (parameter -> literal value); None when unknown."""
    if not cond or depth > MAX_COND_DEPTH + 2:
        return None
    tag = cond[0]
    if tag == "not":
        inner = truth(cond[1], env, depth + 1)
        return None if inner is None else not inner
    if tag in ("and", "or"):
        found = [truth(c, env, depth + 1) for c in cond[1]]
        decisive = tag == "or"  # `or`: one true operand decides; `and`: one false one
        if decisive in found:
            return decisive
        return None if None in found else not decisive
    if tag == "cmp":
        left = _value(cond[1], env, depth + 1)
        for op, right_shape in cond[2]:
            right = _value(right_shape, env, depth + 1)
            if left is _UNKNOWN or right is _UNKNOWN:
                return None
            found = _compare(op, left, right)
            if found is not True:
                return found
            left = right
        return True
    if tag == "str":
        base, arg = _value(cond[2], env, depth + 1), _value(cond[3], env, depth + 1)
        if not isinstance(base, str):
            return None
        if isinstance(arg, tuple) and arg and all(isinstance(a, str) for a in arg):
            pass
        elif not isinstance(arg, str):
            return None
        return base.startswith(arg) if cond[1] == "startswith" else base.endswith(arg)
    value = _value(cond, env, depth)
    if isinstance(value, (Collection, NonNull)):
        return value.truthy() if isinstance(value, Collection) else value.truthy
    if isinstance(value, EnumMember):
        return None  # a member's truth may be its value's (an `IntEnum` member 0)
    return None if value is _UNKNOWN else bool(value)


def ruled_out(guards: list[list[Any]], env: dict[str, Any]) -> bool:
    """Whether a call under `guards` ([condition, branch taken] pairs) cannot run in `env`."""
    for cond, branch in guards:
        found = truth(cond, env)
        if found is not None and found != branch:
            return True
    return False


# -- binding a call site's arguments to the callee's parameters ----------------------------------
#: Builtins whose call never returns None (when the name is not bound to something else).
NON_NULL_BUILTINS = frozenset(
    {"str", "int", "float", "bool", "bytes", "len", "repr", "format", "hex", "oct", "abs"}
    | {"dict", "list", "tuple", "set", "frozenset", "sorted", "round"}
)


def never_builtin(_name: str) -> bool:
    return False


def literal(
    shape: Any, caller_env: dict[str, Any], builtin: Any = never_builtin, depth: int = 0
) -> Any:
    """The value an argument shape passes, as far as it is known: a literal, a parameter of
    the caller that the caller's own environment knows, a dict literal (a `Collection` with
    the keys it surely sets, see `dict_value`), `NonNull` for a call of a builtin that never
    returns None or a container literal; `_UNKNOWN` otherwise. `builtin(name)`: whether a
    bare name is the builtin of that name where the call is made."""
    if not shape or depth > MAX_COND_DEPTH:
        return _UNKNOWN
    tag = shape[0]
    if tag == "const" and isinstance(shape[1], SCALARS):
        return shape[1]
    if tag == "n":
        # A parameter of the caller, or a dotted name the caller resolved (an enum member).
        return caller_env.get(shape[1], _UNKNOWN)
    if tag == "dict":
        found = dict_value(shape, caller_env, builtin, depth)
        return _UNKNOWN if found is None else found
    if tag == "list":
        return NonNull(bool(shape[1]))
    if tag in ("comp", "dictcomp"):
        return NonNull()
    if (
        tag == "call"
        and shape[1]
        and shape[1][0] == "n"
        and shape[1][1] in NON_NULL_BUILTINS
        and builtin(shape[1][1])
    ):
        return NonNull()
    return _UNKNOWN


def dict_value(
    shape: list[Any], env: dict[str, Any], builtin: Any = never_builtin, depth: int = 0
) -> Collection | None:
    """A dict literal's shape as a `Collection`: the keys it surely has (scalar literal keys)
    and what it holds there (`literal`); a `**spread` entry may bring any key and overrides
    the values before it. None when a key is no literal."""
    keys: set[Any] = set()
    values: dict[Any, Any] = {}
    closed = True
    for key_shape, value_shape in shape[1]:
        if key_shape is None:  # `**other`
            closed = False
            values.clear()
            continue
        if key_shape[0] != "const" or not isinstance(key_shape[1], SCALARS):
            return None
        key = key_shape[1]
        keys.add(key)
        value = literal(value_shape, env, builtin, depth + 1)
        if value is _UNKNOWN:
            values.pop(key, None)
        else:
            values[key] = value
    if len(shape[1]) >= 16:
        closed = False  # the summary keeps the first 16 entries only
    frozen = frozenset(keys)
    return Collection("dict", frozen, values, frozen if closed else None)


def _non_null(value: Any) -> bool:
    return isinstance(value, (Collection, NonNull)) or (value is not _UNKNOWN and value is not None)


def join(one: Collection, other: Collection) -> Collection:
    """What a dict may be when it is `one` on some paths and `other` on the others."""
    keys = one.keys & other.keys
    possible = (
        None if one.possible is None or other.possible is None else one.possible | other.possible
    )
    values: dict[Any, Any] = {}
    for key in keys:
        a, b = one.values.get(key, _UNKNOWN), other.values.get(key, _UNKNOWN)
        if a is _UNKNOWN or b is _UNKNOWN:
            continue
        if type(a) is type(b) and a == b:
            values[key] = a
        elif _non_null(a) and _non_null(b):
            truth_a = _truth_of(a)
            values[key] = NonNull(truth_a if truth_a == _truth_of(b) else None)
    return Collection("dict", keys, values, possible)


def _truth_of(value: Any) -> bool | None:
    if isinstance(value, Collection):
        return value.truthy()
    if isinstance(value, NonNull):
        return value.truthy
    return bool(value)


def _updated(base: Collection, other: Any) -> Collection:
    """`base.update(other)`: `other`'s keys and values win; an unknown `other` may bring any
    key with any value."""
    if not isinstance(other, Collection) or other.kind != "dict":
        return Collection("dict", base.keys, {}, None)
    values = {k: v for k, v in base.values.items() if k not in (other.possible or ())}
    if other.possible is None:
        values = {}
    values.update(other.values)
    possible = (
        None if base.possible is None or other.possible is None else base.possible | other.possible
    )
    return Collection("dict", base.keys | other.keys, values, possible)


def local_dict(
    record: list[Any], line: int, col: int, env: dict[str, Any], builtin: Any = never_builtin
) -> Collection | None:
    """What the dict local of `record` (a summary's "dict_locals" entry: the literal it is
    bound to, then its events in source order) holds where the call at (line, col) passes it,
    for a function running in `env`: the literal, with the `update`s and `d[k] = v` made
    before the call applied (joined with the dict without them when their conditions are not
    known); None when anything else may have changed it before (another call got it, a
    method that removes keys, an alias)."""
    start, events = record
    value = dict_value(start, env, builtin)
    if value is None:
        return None
    for event in events:
        kind, at_line, at_col = event[0], event[1], event[2]
        if (at_line, at_col) >= (line, col):
            break
        if kind == "use":
            return None
        conds = event[-1]
        taken = [truth(cond, env) if cond != ["?"] else None for cond, _branch in conds]
        if any(
            found is not None and found != branch
            for found, (_c, branch) in zip(taken, conds, strict=True)
        ):
            continue  # ruled out where the function runs in `env`
        if kind == "update":
            after = _updated(value, literal(event[3], env, builtin))
        elif kind == "set":
            key = literal(event[3], env, builtin)
            if key is _UNKNOWN or not isinstance(key, SCALARS):
                after = Collection("dict", value.keys, {}, None)
            else:
                new = literal(event[4], env, builtin)
                values = {k: v for k, v in value.values.items() if k != key}
                if new is not _UNKNOWN:
                    values[key] = new
                possible = None if value.possible is None else value.possible | {key}
                after = Collection("dict", value.keys | {key}, values, possible)
        else:
            return None
        value = after if all(found is True for found in taken) else join(value, after)
    return value


def bind(
    params: list[list[Any]],
    args: list[Any] | None,
    kwargs: dict[str, Any],
    *,
    shift: int | None,
    caller_env: dict[str, Any] | None = None,
    builtin: Any = never_builtin,
) -> Env:
    """The environment a call gives the callee with parameters `params` (summary records
    [name, annotation, default, kind]): arguments that are literals, and the literal defaults
    of parameters it does not pass. `args` None: the positional arguments are not known (a
    `*args`/`**kwargs` spread, too many to record): nothing is. `shift`: parameters bound before
    the first positional argument (1 for `self`/`cls`), None when unknown (then positional
    arguments bind nothing and only keyword-only defaults count)."""
    if args is None:
        return ()
    caller_env = caller_env or {}
    values: dict[str, Any] = {}
    positional = [p for p in params if p[3] == "pos"]
    has_star = any(p[3] == "*" for p in params)
    passed: set[str] = set(kwargs)
    if shift is None:
        if args:
            passed.update(p[0] for p in positional)  # bound to something we cannot name
    else:
        slots = positional[shift:]
        if len(args) > len(slots) and not has_star:
            return ()  # more arguments than parameters: not the function we think it is
        for param, arg in zip(slots, args, strict=False):
            passed.add(param[0])
            value = literal(arg, caller_env, builtin)
            if value is not _UNKNOWN:
                values[param[0]] = value
        passed.update(p[0] for p in positional[:shift])
    names = {p[0] for p in params}
    for name, shape in kwargs.items():
        if name not in names:
            continue
        value = literal(shape, caller_env, builtin)
        if value is not _UNKNOWN:
            values[name] = value
    for param in params:
        name, default, kind = param[0], param[2], param[3]
        if name in passed or kind in ("*", "**") or default is None:
            continue
        if default[0] == "const" and isinstance(default[1], SCALARS):
            values[name] = default[1]
    return env_of(values)


# -- module constants: which names in a function's conditions are literal collections --------
MAX_ORIGIN_DEPTH = 6


def _qualified_origin(index: ProjectIndex, qual: str, depth: int) -> tuple[str, str] | None:
    """(module, name) of the module-level binding a qualified name is, following re-exports
    (`from .prompts import PROMPTS` in a package's `__init__`)."""
    if depth > MAX_ORIGIN_DEPTH:
        return None
    split = index.split_qualified(index.canonical(qual))
    if split is None or "." in split[1]:
        return None  # not a project module's top-level name (a class attribute, a submodule)
    module, name = split
    summary = index.module(module)
    binding = summary["scopes"][""]["bindings"].get(name) if summary else None
    if not binding:
        return None
    if binding[0] == "value":
        return module, name
    if binding[0] == "import":
        return _qualified_origin(index, binding[1], depth + 1)
    return None


def constant_origin(
    index: ProjectIndex, module: str, scope_key: str, dotted: str
) -> tuple[str, str] | None:
    """(module, name) of the module-level assignment that a (dotted) name used in `scope_key`
    of `module` reads: `PROMPTS`, `prompts.PROMPTS`, an imported `PROMPTS`; None for a name
    bound in a function or class, and for anything else."""
    head, _, rest = dotted.partition(".")
    found = index.lookup_binding(module, scope_key, head)
    if found is None:
        return None
    binding, where = found
    if where != "" or not binding:
        return None
    if binding[0] == "value":
        return None if rest else (module, head)
    if binding[0] == "import":
        return _qualified_origin(index, f"{binding[1]}.{rest}" if rest else binding[1], 0)
    return None


def _mutated_in(index: ProjectIndex, module: str) -> list[str]:
    """The module constants `module` may change: "module.NAME" where the name resolves, else
    "~NAME" (any constant of that name, to stay on the safe side)."""
    summary = index.module(module)
    if summary is None:
        return []
    found: set[str] = set()
    for dotted in summary.get("mutated") or ():
        origin = constant_origin(index, module, "", dotted)
        if origin is not None:
            found.add(f"{origin[0]}.{origin[1]}" if origin[0] else origin[1])
        else:
            found.add("~" + dotted.rpartition(".")[2])
    return sorted(found)


def mutated_globals(index: ProjectIndex) -> list[str]:
    """Project fact: every module-level name some module of the project mutates or rebinds
    from outside (see `_mutated_in`)."""
    return sorted({name for part in index.per_module(_mutated_in) for name in part})


def module_constants(index: ProjectIndex, module: str, key: str) -> dict[str, Collection]:
    """The module constants the guards of the function `key` of `module` read, by the name
    the guards use; only those no module mutates."""

    def compute() -> dict[str, Collection]:
        summary = index.module(module)
        fact = summary["functions"].get(key) if summary else None
        if fact is None:
            return {}
        params = {param[0] for param in fact["params"]}
        names: set[str] = set()
        for _line, _col, guards in fact.get("guards") or ():
            for cond, _branch in guards:
                names |= names_in(cond)
        found: dict[str, Collection] = {}
        mutated: set[str] | None = None
        for name in sorted(names - params):
            origin = constant_origin(index, module, key, name)
            if origin is None:
                continue
            owner = index.module(origin[0])
            record = (owner.get("constants") or {}).get(origin[1]) if owner else None
            if record is None:
                continue
            if mutated is None:
                mutated = set(index.project_fact("mutated_globals"))
            qual = f"{origin[0]}.{origin[1]}" if origin[0] else origin[1]
            if qual in mutated or "~" + origin[1] in mutated:
                continue
            collection = Collection.of(record)
            if collection is not None:
                found[name] = collection
        return found

    return index.memoised(("branch-constants", module, key), compute)


# -- the summary side: dicts a function builds and the containers it changes ------------------
#: Calls that only read the container they are given.
_READING_CALLS = frozenset(
    {"len", "bool", "str", "repr", "print", "isinstance", "sorted", "list", "tuple", "dict"}
    | {"set", "frozenset", "any", "all", "sum", "max", "min", "enumerate", "zip", "id", "type"}
)
#: Methods that only read a dict.
_READING_METHODS = frozenset({"get", "keys", "values", "items", "copy", "__contains__"})
_LOOPS = (
    ast.For,
    ast.AsyncFor,
    ast.While,
    ast.ListComp,
    ast.SetComp,
    ast.DictComp,
    ast.GeneratorExp,
)
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
MAX_DICT_EVENTS = 24


def _parents(func: ast.AST) -> dict[int, ast.AST]:
    found: dict[int, ast.AST] = {}
    for node in ast.walk(func):
        for child in ast.iter_child_nodes(node):
            found[id(child)] = node
    return found


def _start(node: ast.AST) -> list[int]:
    return [node.lineno, node.col_offset]  # type: ignore[attr-defined]


def _context(
    node: ast.AST, func: ast.AST, parents: dict[int, ast.AST]
) -> tuple[list[list[Any]], ast.AST | None, ast.AST | None]:
    """The conditions under which `node` runs inside `func` ([condition, branch] pairs, `["?"]`
    for a `try`, `match` or anything else not followed), the outermost loop around it, and the
    nested def, lambda or class it is in."""
    conds: list[list[Any]] = []
    loop: ast.AST | None = None
    scope: ast.AST | None = None
    child, parent = node, parents.get(id(node))
    while parent is not None and child is not func:
        if isinstance(parent, (ast.If, ast.IfExp)) and child is not parent.test:
            conds.append([cond_shape(parent.test), child in _as_list(parent.body)])
        elif isinstance(parent, ast.BoolOp):
            position = next(n for n, value in enumerate(parent.values) if value is child)
            for previous in parent.values[:position]:
                conds.append([cond_shape(previous), isinstance(parent.op, ast.And)])
        elif isinstance(parent, (ast.Try, ast.ExceptHandler, ast.Match, ast.match_case)) or (
            sys.version_info >= (3, 11) and isinstance(parent, ast.TryStar)
        ):
            conds.append([["?"], True])
        if isinstance(parent, _LOOPS):
            loop = parent
        if isinstance(parent, _SCOPES) and parent is not func:
            scope = parent
        child, parent = parent, parents.get(id(parent))
    return conds, loop, scope


def _as_list(body: Any) -> list[Any]:
    return body if isinstance(body, list) else [body]


def _occurrence(node: ast.Name, parents: dict[int, ast.AST]) -> tuple[str, ast.AST]:
    """How a read of a container's name uses it: "read", "update" (`d.update(x)`), "set"
    (`d[k] = v`), "call" (passed to a call, which is returned) or "use" (anything else: a
    method that may remove keys, `del d[k]`, an alias, a return...), with the node that does
    it."""
    parent = parents.get(id(node))
    if isinstance(parent, ast.Attribute) and parent.value is node:
        call = parents.get(id(parent))
        if isinstance(call, ast.Call) and call.func is parent:
            if parent.attr in _READING_METHODS:
                return "read", call
            if parent.attr == "update" and len(call.args) == 1 and not call.keywords:
                return "update", call
            return "use", call  # `d.pop(k)`, `d.clear()`, any other method
        return "use", parent
    if isinstance(parent, ast.Subscript) and parent.value is node:
        if isinstance(parent.ctx, ast.Load):
            holder = parents.get(id(parent))
            return "read", parent
        holder = parents.get(id(parent))
        if (
            isinstance(parent.ctx, ast.Store)
            and isinstance(holder, ast.Assign)
            and holder.targets == [parent]
        ):
            return "set", holder
        return "use", holder or parent
    if isinstance(parent, ast.keyword):
        call = parents.get(id(parent))
        if parent.arg is None:
            return "read", parent  # `f(**d)` passes a copy
        return "call", call or parent
    if isinstance(parent, ast.Call) and node in parent.args:
        if isinstance(parent.func, ast.Name) and parent.func.id in _READING_CALLS:
            return "read", parent
        return "call", parent
    if isinstance(parent, ast.Dict) and node in parent.values:
        index = parent.values.index(node)
        if parent.keys[index] is None:
            return "read", parent  # `{**d}` copies it
    if isinstance(parent, ast.Compare) and node in parent.comparators:
        ops = [parent.ops[n] for n, c in enumerate(parent.comparators) if c is node]
        if all(isinstance(op, (ast.In, ast.NotIn)) for op in ops):
            return "read", parent
    if isinstance(parent, (ast.If, ast.While, ast.IfExp, ast.Assert)) and parent.test is node:
        return "read", parent
    if isinstance(parent, (ast.BoolOp, ast.FormattedValue)):
        return "read", parent
    if isinstance(parent, ast.UnaryOp) and isinstance(parent.op, ast.Not):
        return "read", parent
    if isinstance(parent, ast.Compare):
        return "read", parent  # `d == other`, `d is None`
    return "use", parent or node


def container_facts(
    func: ast.FunctionDef | ast.AsyncFunctionDef,
    params: set[str],
    straight: set[int],
    shape_of: Any,
) -> dict[str, list[Any]]:
    """The summary's "dict_locals" of a function (see `local_dict`): the locals bound by a
    statement of the body that always runs (`straight`) to a dict literal, with what the body
    does to them, in source order, when a call gets them."""
    parents = _parents(func)
    stores: dict[str, int] = {}
    loads: dict[str, list[ast.Name]] = {}
    declared: set[str] = set()
    for node in ast.walk(func):
        if isinstance(node, ast.Name):
            if isinstance(node.ctx, ast.Load):
                loads.setdefault(node.id, []).append(node)
            else:
                stores[node.id] = stores.get(node.id, 0) + 1
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            declared.update(node.names)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            declared.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            declared.update((a.asname or a.name).partition(".")[0] for a in node.names)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            declared.add(node.name)
    dict_locals: dict[str, list[Any]] = {}
    for stmt in ast.walk(func):
        if not (
            isinstance(stmt, ast.Assign)
            and id(stmt) in straight
            and len(stmt.targets) == 1
            and isinstance(stmt.targets[0], ast.Name)
            and isinstance(stmt.value, ast.Dict)
        ):
            continue
        name = stmt.targets[0].id
        if name in params or name in declared or stores.get(name) != 1:
            continue
        record = _dict_events(name, stmt, loads.get(name, []), func, parents, shape_of)
        if record is not None:
            dict_locals[name] = record
    return dict_locals


def _dict_events(
    name: str,
    stmt: ast.Assign,
    loads: list[ast.Name],
    func: ast.AST,
    parents: dict[int, ast.AST],
    shape_of: Any,
) -> list[Any] | None:
    events: list[list[Any]] = []
    passed = False
    for node in loads:
        kind, where = _occurrence(node, parents)
        if kind == "read":
            continue
        conds, loop, scope = _context(where, func, parents)
        if loop is not None or scope is not None:
            return None  # changed or passed on in a loop or a nested function: not followed
        if kind == "update":
            events.append(["update", *_start(where), shape_of(where.args[0], 1), conds])  # type: ignore[attr-defined]
        elif kind == "set":
            target = where.targets[0]  # type: ignore[attr-defined]
            key = shape_of(target.slice, 1)
            events.append(["set", *_start(where), key, shape_of(where.value, 1), conds])  # type: ignore[attr-defined]
        else:
            passed = passed or kind == "call"
            events.append(["use", *_start(where)])
    if not passed or len(events) > MAX_DICT_EVENTS:
        return None  # no call gets it: nothing to know
    events.sort(key=lambda event: (event[1], event[2]))
    return [shape_of(stmt.value, 1), events]


# -- switches off by default: conditions on environment variables (issue 14, R4) -------------
#: Calls that read an environment variable: `os.getenv("X")`, `os.environ.get("X", d)`.
ENV_READS = frozenset({"os.getenv", "getenv", "os.environ.get", "environ.get"})
#: Methods of a string a switch may normalise with.
_STR_METHODS = frozenset({"lower", "upper", "strip", "casefold"})
MAX_SWITCH_ARGS = 4


def switch_shape(node: ast.AST, depth: int = 0) -> Cond:
    """Like `cond_shape`, but keeping calls: `["env", name, default]` for a read of the
    environment variable `name` (a literal), `["meth", name, base]` for `base.lower()` and
    its kin, `["call", dotted, [args]]` for a call of a (dotted) name with at most four
    positional arguments and keyword arguments (`[args, {name: shape}]`)."""
    if depth > MAX_COND_DEPTH:
        return ["?"]
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        return ["not", switch_shape(node.operand, depth + 1)]
    if isinstance(node, (ast.BoolOp, ast.Compare)):
        return _connective_shape(node, depth, switch_shape)
    if isinstance(node, ast.Call) and not any(isinstance(a, ast.Starred) for a in node.args):
        func = dotted_name(node.func)
        if func in ENV_READS and 1 <= len(node.args) <= 2 and not node.keywords:
            name = node.args[0]
            if isinstance(name, ast.Constant) and isinstance(name.value, str):
                default = switch_shape(node.args[1], depth + 1) if len(node.args) > 1 else None
                return ["env", name.value, default or ["const", None]]
            return ["?"]
        if (
            isinstance(node.func, ast.Attribute)
            and node.func.attr in _STR_METHODS
            and not node.args
            and not node.keywords
        ):
            return ["meth", node.func.attr, switch_shape(node.func.value, depth + 1)]
        if func is None or len(node.args) > MAX_SWITCH_ARGS or len(node.keywords) > MAX_SWITCH_ARGS:
            return ["?"]
        if any(k.arg is None for k in node.keywords):
            return ["?"]
        args = [switch_shape(a, depth + 1) for a in node.args]
        keywords = {k.arg: switch_shape(k.value, depth + 1) for k in node.keywords if k.arg}
        return ["call", func, args, keywords]
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)) and len(node.elts) <= MAX_ITEMS:
        return ["list", [switch_shape(e, depth + 1) for e in node.elts]]
    return cond_shape(node, depth)


def is_switch(shape: Cond, depth: int = 0) -> bool:
    """Whether a switch shape may be a switch off by default: it reads an environment
    variable, or calls a function with literal arguments only (`is_trace_enabled()`,
    `env_bool("TRACE", False)`)."""
    if not shape or depth > MAX_COND_DEPTH + 2:
        return False
    tag = shape[0]
    if tag == "env" or (tag == "n" and shape[1] in ("os.environ", "environ")):
        return True
    if tag == "call":
        if all(part[0] == "const" for part in [*shape[2], *shape[3].values()]):
            return True
        return any(is_switch(part, depth + 1) for part in [*shape[2], *shape[3].values()])
    if tag in ("not",):
        return is_switch(shape[1], depth + 1)
    if tag == "meth":
        return is_switch(shape[2], depth + 1)
    if tag in ("and", "or", "list"):
        return any(is_switch(part, depth + 1) for part in shape[1])
    if tag == "cmp":
        return is_switch(shape[1], depth + 1) or any(
            is_switch(right, depth + 1) for _op, right in shape[2]
        )
    return False


#: An environment with none of the switches set: `"X" in os.environ` is false.
UNSET_ENVIRON = Collection("dict", frozenset(), {}, frozenset())


class SwitchEval:
    """Evaluates a switch shape as it is where no diagnostic environment variable is set:
    an environment read gives its default, `"X" in os.environ` is false. `call(dotted, args,
    keywords)` evaluates a call of a project function (or returns `_UNKNOWN`). `names` collects
    the environment variables read on the way."""

    def __init__(self, env: dict[str, Any], call: Any) -> None:
        self.env = env
        self.call = call
        self.names: list[str] = []

    def value(self, shape: Cond, depth: int = 0) -> Any:
        if not shape or depth > MAX_COND_DEPTH + 2:
            return _UNKNOWN
        tag = shape[0]
        if tag == "const":
            return shape[1]
        if tag == "n":
            if shape[1] in ("os.environ", "environ"):
                return UNSET_ENVIRON
            return self.env.get(shape[1], _UNKNOWN)
        if tag == "env":
            self.names.append(shape[1])
            return self.value(shape[2], depth + 1)
        if tag == "meth":
            base = self.value(shape[2], depth + 1)
            return getattr(base, shape[1])() if isinstance(base, str) else _UNKNOWN
        if tag == "list":
            items = tuple(self.value(c, depth + 1) for c in shape[1])
            return _UNKNOWN if any(i is _UNKNOWN for i in items) else items
        if tag == "not":
            inner = self.truth(shape[1], depth + 1)
            return _UNKNOWN if inner is None else not inner
        if tag in ("and", "or"):
            last: Any = _UNKNOWN
            for part in shape[1]:
                last = self.value(part, depth + 1)
                found = _truth_of(last) if last is not _UNKNOWN else None
                if found is None:
                    return _UNKNOWN
                if found == (tag == "or"):
                    return last
            return last
        if tag == "cmp":
            left = self.value(shape[1], depth + 1)
            for op, right_shape in shape[2]:
                right = self.value(right_shape, depth + 1)
                if left is _UNKNOWN or right is _UNKNOWN:
                    return _UNKNOWN
                if right is UNSET_ENVIRON and isinstance(left, str):
                    self.names.append(left)  # `"X" in os.environ`
                found = _compare(op, left, right)
                if found is not True:
                    return _UNKNOWN if found is None else found
                left = right
            return True
        if tag == "call":
            args = [self.value(a, depth + 1) for a in shape[2]]
            keywords = {k: self.value(v, depth + 1) for k, v in shape[3].items()}
            if shape[1] == "bool" and len(args) == 1 and not keywords:
                found = _truth_of(args[0]) if args[0] is not _UNKNOWN else None
                return _UNKNOWN if found is None else found
            if shape[1] == "len" and len(args) == 1 and isinstance(args[0], (str, tuple)):
                return len(args[0])
            return self.call(shape[1], args, keywords, self)
        return _UNKNOWN

    def truth(self, shape: Cond, depth: int = 0) -> bool | None:
        value = self.value(shape, depth)
        return None if value is _UNKNOWN else _truth_of(value)


UNKNOWN = _UNKNOWN
