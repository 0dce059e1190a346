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
    if isinstance(node, ast.BoolOp):
        tag = "and" if isinstance(node.op, ast.And) else "or"
        return [tag, [cond_shape(v, depth + 1) for v in node.values[:MAX_ITEMS]]]
    if isinstance(node, ast.Compare):
        ops = []
        for op, right in zip(node.ops, node.comparators, strict=False):
            name = _OPS.get(type(op))
            if name is None:
                return ["?"]
            ops.append([name, cond_shape(right, depth + 1)])
        return ["cmp", cond_shape(node.left, depth + 1), ops]
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
    """A module constant's keys (a dict's) or items (a set's, list's or tuple's), with the
    dict's values that are literals."""

    __slots__ = ("keys", "kind", "values")

    def __init__(self, kind: str, keys: frozenset[Any], values: dict[Any, Any]) -> None:
        self.kind = kind
        self.keys = keys
        self.values = values

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

    def __bool__(self) -> bool:
        return bool(self.keys)


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
            return Collection("set", base.keys, {})
        return _UNKNOWN
    if tag == "get":
        base = _value(cond[1], env, depth + 1)
        key = _value(cond[2], env, depth + 1)
        if not isinstance(base, Collection) or base.kind != "dict" or key is _UNKNOWN:
            return _UNKNOWN
        try:
            present = key in base.keys
        except TypeError:
            return _UNKNOWN
        if present:
            return base.values.get(key, _UNKNOWN)
        return _value(cond[3], env, depth + 1) if len(cond) > 3 else None
    return _UNKNOWN  # `a and b` is an operand, not a bool: only its truth is used


def _singleton(value: Any) -> bool:
    return value is None or value is True or value is False


def _compare(op: str, left: Any, right: Any) -> bool | None:
    if isinstance(left, Collection) or isinstance(right, Collection):
        if op in ("is", "is not") and left is not right:
            return op == "is not"  # a literal collection is not None, True or False
        if isinstance(left, Collection) or op not in ("in", "not in"):
            return None
        try:
            inside = left in right.keys
        except TypeError:
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
    return None if value is _UNKNOWN else bool(value)


def ruled_out(guards: list[list[Any]], env: dict[str, Any]) -> bool:
    """Whether a call under `guards` ([condition, branch taken] pairs) cannot run in `env`."""
    for cond, branch in guards:
        found = truth(cond, env)
        if found is not None and found != branch:
            return True
    return False


# -- binding a call site's arguments to the callee's parameters ----------------------------------
def literal(shape: Any, caller_env: dict[str, Any]) -> Any:
    """The literal value an argument shape passes: a literal, or a parameter of the caller
    that the caller's own environment knows; `_UNKNOWN` otherwise."""
    if not shape:
        return _UNKNOWN
    if shape[0] == "const" and isinstance(shape[1], SCALARS):
        return shape[1]
    if shape[0] == "n" and "." not in shape[1]:
        return caller_env.get(shape[1], _UNKNOWN)
    return _UNKNOWN


def bind(
    params: list[list[Any]],
    args: list[Any] | None,
    kwargs: dict[str, Any],
    *,
    shift: int | None,
    caller_env: dict[str, Any] | None = None,
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
            value = literal(arg, caller_env)
            if value is not _UNKNOWN:
                values[param[0]] = value
        passed.update(p[0] for p in positional[:shift])
    names = {p[0] for p in params}
    for name, shape in kwargs.items():
        if name not in names:
            continue
        value = literal(shape, caller_env)
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
