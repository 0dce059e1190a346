"""Per-module summaries, built with the standard library's `ast` (no CST needed, ~10x cheaper).

A summary is plain JSON data so it can be cached per file and shipped to worker processes. It
records *what the source says* (bindings per scope, classes with fields, functions with the calls
they make), never what it means: meaning is resolved later, across modules, by `ProjectIndex`.

Expressions are encoded as small "shapes" (nested lists), for instance::

    ["n", "requests.get"]                          a dotted name
    ["call", ["n", "Depends"], [["n", "get_db"]], {}]   a call with positional and keyword args
                                                   (`**x` is the keyword "**")
    ["sub", ["n", "Annotated"], [["n", "Session"], ...]]  a subscript
    ["attr", <shape>, "get"]                       attribute of a non-name expression
    ["union", [<shape>, <shape>]]                  X | Y
    ["const", value]                               str/int/bool/None literal
    ["list", [<shape>, ...]]                       list/tuple/set literal
    ["dict", [[<key shape or None>, <shape>], ...]]  dict literal (None key: `**mapping`)
    ["await", <shape>]                             await <shape>
    ["div", <shape>, <shape>]                      a / b (`Path / "x"` keeps the Path)
    ["comp", <element>, target, <iterable>]        [e for target in it] (also sets, generators)
    ["dictcomp", <key>, <value>, target, <iterable>]  {k: v for target in it}
    ["?"]                                          anything else

Bindings (per scope, name -> record): ["import", qual], ["def", qual], ["class", qual],
["value", shape, annotation?], ["annotated", annotation], ["param", annotation, default],
["with", context shape, is_async], ["for", iterable shape], ["item", value shape, position]
(`a, b = value`), ["local"] (unknown), and
["augadd", shape] for `name += <value>`,
["ambiguous", [binding, ...]] for a name bound to different things (up to MAX_CANDIDATES kept;
the semantic model decides whether they agree on a type).

Semantic-model records (added for `index.semantic`, kept apart from the older fields): a
function's "self_assigns" ([attr, value shape, annotation] for `self.attr = ...` in a method),
"iterated" ([line, col] of calls whose result the function iterates: `for x in f()`,
`next(f())`), "entered" ([line, end line, context shape, is_async] per item of a `with` /
`async with` statement), "drops" (a call is a statement of its own: its result is dropped),
"reads" ([dotted, line, col] of dotted names read, not called: `info.is_wasm`, once each, a
property's getter may run there), "stub" (the body does nothing: `...`, `pass`, a docstring,
`raise
NotImplementedError`); the module's "state_assigns" ([attr, value shape, scope] for
`<x>.state.attr = ...`).

Field records (`index.field_writes`, read by the FPI3xx family through the semantic model): a
function's "returned_writes", aligned with "returns_values" (one dict per `return` with a value:
{name: [[attr, value shape], ...]} of attribute assignments still in effect there on the names
the returned value reads), or None when there are none; and "returned_bindings", aligned the
same way ({name: value shape} for the names the returned value reads that the function binds
more than once, where one `name = <value>` reaches the `return` on every path), when any; and,
for a function with a route decorator, "route_writes" (`index.route_writes`: every write of its
body by name, in source order, with the form of the value written), when any.

Module constants (`index.branches`): "constants" ({name: ["dict", [[key, value], ...]] or
["set", [item, ...]]}) for module-level names bound once to a literal collection whose keys or
items are all scalar literals (a value is ["const", v] or None when not a literal), and "mutated"
(the dotted names the module mutates or rebinds from elsewhere: `X[k] = v`, `del X[k]`,
`X.update(...)`, `mod.X = ...`, `global X` in a function), so `key in PROMPTS` can be evaluated
where nothing changes `PROMPTS`.

Gate records (the FPI1xx family's index gate, `rules/blocking/gate.py`): an `async def`'s
"value_fors" (the iterable shapes of its sync `for` statements over something other than a
call: `for row in rows`), present only when there is one.

References (`index.reach`, dead code): "refs" (every name the module reads, attribute it names,
name it imports, and identifier in its short strings without spaces) and "dynamic" (the
receivers of `getattr(x, name)`/`hasattr(x, name)` with a name that is not a literal; "?" when
the receiver is not a dotted name, and for `globals()`, `vars()`, `locals()` or a module-level
`__getattr__`).

Path records (`index.branches`): a function's "guards" ([line, col, [[condition, branch], ...]]
for calls made under conditions on its own parameters or its "literals" (locals a statement of
the body that always runs binds to a literal first: `path = None`, their later bindings in
"rebinds"): `if`/`else`, `while`, `a if c else b`,
`c and f()`, the rest of a block after `if not c: return`) and "spread" ([line, col] of calls
whose positional arguments are not all recorded: `*args`, `**kwargs`, more than 8); per module,
"keyword_spreads" ([scope key, line, col, shape] of calls passing `**mapping`, the mapping's
shape: `FastAPI(**params)` takes its lifespan from a dict literal `params`), and
"lifespan_assigns" ([value shape, scope key] of `<app>.router.lifespan_context = f`); a
function's "guard_raise" (`a.flag` of a body that starts with `if not a.flag: raise ...`,
present only then: `catalog.developer_guard`). String
parameter defaults are kept as the strings they are (`["const", "vault/"]`), not read as
annotations.

Scope keys: the module scope is "" and every def/class is keyed by its dotted qualname inside the
module ("Cls.method", "outer.inner"); a repeated qualname gets "#2", "#3"... in source order. The
CST engine computes the same keys while it walks, which ties the two trees together without
positions.
"""

from __future__ import annotations

import ast
import builtins
import os
import re
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..limits import TooDeep, depth_reason
from .branches import (
    cond_shape,
    container_facts,
    dotted_name,
    exits,
    is_switch,
    names_in,
    switch_shape,
)
from .field_writes import returned_facts
from .route_writes import is_route_decorated, route_writes

SUMMARY_VERSION = 34
MAX_SHAPE_DEPTH = 6
#: Module constants larger than this are not recorded (the summary stays small).
MAX_CONSTANT_ITEMS = 256
#: Methods that change which keys or items a dict, set or list holds.
MUTATING_METHODS = frozenset(
    {
        "update",
        "pop",
        "popitem",
        "setdefault",
        "clear",
        "add",
        "discard",
        "remove",
        "append",
        "extend",
        "insert",
        "__setitem__",
        "__delitem__",
        "__ior__",
        "difference_update",
        "intersection_update",
        "symmetric_difference_update",
    }
)
_LITERAL_COLLECTION_CALLS = frozenset({"frozenset", "set", "tuple", "list", "dict"})
MAX_CANDIDATES = 4
#: Dotted names read per function ("reads"): a bound on what a generated module can add.
MAX_READS = 200
# Calls whose argument they iterate right away (the argument generator's body runs).
_BUILTIN_NAMES = frozenset(dir(builtins))
#: Marks a `for` binding made by a comprehension target (`["for", iterable, COMPREHENSION]`).
COMPREHENSION = "comprehension"
ITERATING_BUILTINS = frozenset({"next", "list", "tuple", "set", "sorted", "dict", "sum"})
BUILTIN_NAMES = frozenset(dir(builtins))

Shape = list[Any]


@lru_cache(maxsize=8192)
def _real_folder(folder: str) -> str:
    return os.path.realpath(folder)


def _resolved(path: Path) -> Path:
    """`path.resolve()`, with each folder resolved once per process instead of once per file
    (a resolve costs one lstat per path component)."""
    return Path(_resolved_text(path))


def _resolved_text(path: Path) -> str:
    """`str(_resolved(path))` without making a `Path` (a thousand of them cost a one-file
    run a noticeable share of its time)."""
    text = str(path)
    if not os.path.isabs(text) or ".." in text.split(os.sep):
        return str(path.resolve())
    head, name = os.path.split(text)
    real = os.path.join(_real_folder(head), name)
    return os.path.realpath(real) if os.path.islink(real) else real


def module_name_for(path: Path, import_roots: list[Path]) -> tuple[str, bool]:
    """Dotted module name of a file relative to the deepest import root that contains it."""
    if os.sep != "/" or os.altsep:
        return _module_name_of_path(_resolved(path), import_roots)
    # POSIX: pathlib's `relative_to` compares the normalised parts of two paths, which is
    # comparing their strings up to a separator.
    text = _resolved_text(path)
    best = ""
    for root in import_roots:
        prefix = str(root)
        inside = text.startswith(prefix if prefix.endswith("/") else prefix + "/")
        if inside and len(prefix) > len(best):
            best = prefix
    rel = text[len(best) :].lstrip("/") if best else text.rpartition("/")[2]
    if not rel:
        return _module_name_of_path(_resolved(path), import_roots)
    parts = rel.split("/")
    name = parts[-1]
    dot = name.rfind(".")
    if 0 < dot < len(name) - 1:  # `Path.with_suffix("")`
        parts[-1] = name[:dot]
    is_package = parts[-1] == "__init__"
    if is_package:
        parts = parts[:-1]
    return ".".join(parts), is_package


def _module_name_of_path(path: Path, import_roots: list[Path]) -> tuple[str, bool]:
    best: Path | None = None
    for root in import_roots:
        try:
            path.relative_to(root)
        except ValueError:
            continue
        if best is None or len(root.parts) > len(best.parts):
            best = root
    rel = path.relative_to(best) if best is not None else Path(path.name)
    parts = list(rel.with_suffix("").parts)
    is_package = bool(parts) and parts[-1] == "__init__"
    if is_package:
        parts = parts[:-1]
    return ".".join(parts), is_package


def package_prefixes(import_roots: list[Path]) -> tuple[tuple[str, str], ...]:
    """(dotted name, folder) of each import root inside another import root: ("src",
    "/p/src") for the roots `/p` and `/p/src`. A module under `src` is named from the deepest
    root (`core.db`), yet a project that imports its top folder as a package writes `from
    src.core.db import x`; the index reads both as the same module. Deepest first, so the
    longest prefix wins."""
    found = set()
    for inner in import_roots:
        for outer in import_roots:
            if inner == outer:
                continue
            try:
                rel = inner.relative_to(outer)
            except ValueError:
                continue
            if rel.parts and all(part.isidentifier() for part in rel.parts):
                found.add((".".join(rel.parts), str(inner)))
    return tuple(sorted(found, key=lambda p: (-p[0].count("."), p)))


def shape_of(node: ast.AST | None, depth: int = 0) -> Shape | None:
    if node is None:
        return None
    if depth > MAX_SHAPE_DEPTH:
        return ["?"]
    dotted = dotted_name(node)
    if dotted is not None:
        return ["n", dotted]
    if isinstance(node, ast.Call):
        args = [shape_of(a, depth + 1) for a in node.args[:8]]
        kwargs = {k.arg: shape_of(k.value, depth + 1) for k in node.keywords if k.arg}
        spread = [k.value for k in node.keywords if k.arg is None]
        if spread:
            # `f(**options)`: the keywords it passes are unknown ("**" is no identifier).
            kwargs["**"] = shape_of(spread[0], depth + 1)
        return ["call", shape_of(node.func, depth + 1), args, kwargs]
    if isinstance(node, ast.Attribute):
        return ["attr", shape_of(node.value, depth + 1), node.attr]
    if isinstance(node, ast.Subscript):
        index = node.slice
        elts = index.elts if isinstance(index, ast.Tuple) else [index]
        return ["sub", shape_of(node.value, depth + 1), [shape_of(e, depth + 1) for e in elts]]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return ["union", [shape_of(node.left, depth + 1), shape_of(node.right, depth + 1)]]
    if isinstance(node, ast.Constant):
        value = node.value
        if isinstance(value, str) and depth == 0:
            # A string annotation: read it as the expression it spells.
            inner = parse_string_expression(value)
            if inner is None:
                return ["const", value]
            return shape_of(inner, depth + 1)
        if isinstance(value, (str, int, float, bool)) or value is None:
            return ["const", value]
        return ["?"]
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        return ["list", [shape_of(e, depth + 1) for e in node.elts[:16]]]
    if isinstance(node, ast.Dict):
        # `{**other}` entries have no key: their key shape is None.
        pairs = zip(node.keys[:16], node.values[:16], strict=False)
        return ["dict", [[shape_of(k, depth + 1), shape_of(v, depth + 1)] for k, v in pairs]]
    if isinstance(node, ast.Await):
        return ["await", shape_of(node.value, depth + 1)]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
        return ["div", shape_of(node.left, depth + 1), shape_of(node.right, depth + 1)]
    if (
        isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp))
        and len(node.generators) == 1
        and isinstance(node.generators[0].target, ast.Name)
    ):
        gen = node.generators[0]
        target, source = gen.target.id, shape_of(gen.iter, depth + 1)  # type: ignore[attr-defined]
        if isinstance(node, ast.DictComp):
            key, value = shape_of(node.key, depth + 1), shape_of(node.value, depth + 1)
            return ["dictcomp", key, value, target, source]
        return ["comp", shape_of(node.elt, depth + 1), target, source]
    return ["?"]


def shape_text(shape: Shape | None) -> str:
    """A callee shape as source-like text for messages and chains: `requests.get`,
    `ReportService().build`, `clients[...].get`; `…` for what a shape does not keep."""
    if not shape:
        return "…"
    kind = shape[0]
    if kind == "n":
        return shape[1]
    if kind == "attr":
        return f"{shape_text(shape[1])}.{shape[2]}"
    if kind == "call":
        return f"{shape_text(shape[1])}()"
    if kind == "sub":
        return f"{shape_text(shape[1])}[...]"
    if kind == "await":
        return f"(await {shape_text(shape[1])})"
    return "…"


def annotation_shape(node: ast.AST | None) -> Shape | None:
    """Like shape_of, but string annotations are parsed at any depth."""
    if node is None:
        return None
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        inner = parse_string_expression(node.value)
        if inner is None:
            return ["const", node.value]
        node = inner
    return shape_of(node)


# A string longer than this is data, not an annotation or a dotted name: parsing it would only
# cost time (a megabyte literal parsed again for every binding of it).
MAX_STRING_EXPRESSION = 1000


def parse_string_expression(value: str) -> ast.expr | None:
    """The expression a string constant spells (`"list[User]"`), or None when it spells none.

    The value is what the string evaluates to, not source text: it may hold what no source can
    (a lone surrogate from `"\\ud800"`, a NUL from `"\\0"`), which `ast.parse` refuses with a
    UnicodeEncodeError or ValueError rather than a SyntaxError."""
    if len(value) > MAX_STRING_EXPRESSION:
        return None
    try:
        return ast.parse(value, mode="eval").body
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def scope_key(seen: dict[str, int], enclosing: list[str], name: str) -> str:
    """The scope key of the def or class `name` defined inside the defs/classes `enclosing`
    (outermost first): its dotted qualname, with "#2", "#3"... for a qualname seen before in
    `seen` (updated). The `ast` summary and the engine's CST walk both key scopes with this, in
    source order, which is what ties a CST node to its summary."""
    qual = ".".join([*enclosing, name])
    count = seen.get(qual, 0) + 1
    seen[qual] = count
    return qual if count == 1 else f"{qual}#{count}"


def resolve_relative(module: str, is_package: bool, level: int, target: str | None) -> str:
    """Absolute module name of `from <level dots><target> import ...` inside `module`."""
    if level == 0:
        return target or ""
    parts = module.split(".") if module else []
    if not is_package:
        parts = parts[:-1]
    if level > 1:
        parts = parts[: len(parts) - (level - 1)] if level - 1 <= len(parts) else []
    if target:
        parts.append(target)
    return ".".join(parts)


class _Scope:
    def __init__(self, key: str, kind: str) -> None:
        self.key = key
        self.kind = kind  # "module", "function", "class"
        self.bindings: dict[str, list[Any]] = {}
        self.declared_global: set[str] = set()
        self.declared_nonlocal: set[str] = set()
        # How many times each name is bound (a module constant must be bound once).
        self.bind_counts: dict[str, int] = {}
        # A function's parameters, and what to do when the body binds one again.
        self.params: set[str] = set()
        self.on_rebind: Any = None
        # Comprehension targets (`for x in items` inside `[...]`), bound in the function
        # only when nothing else binds the name (see `_Summarizer._bind_comprehension`).
        self.comprehension: dict[str, list[Any] | None] = {}
        # Locals first bound to a literal by a statement of the function's own body that
        # always runs (`path = None`): their later bindings are recorded like a parameter's.
        self.literals: set[str] = set()

    def bind(self, name: str, binding: list[Any]) -> None:
        if name in self.declared_global or name in self.declared_nonlocal:
            return
        if self.on_rebind is not None and (name in self.params or name in self.literals):
            self.on_rebind(name)
        self.bind_counts[name] = self.bind_counts.get(name, 0) + 1
        old = self.bindings.get(name)
        if old is None:
            self.bindings[name] = binding
        elif old != binding:
            # Every distinct binding is kept (a few): `path = Path(path)` re-binds a parameter,
            # `x = None` then `x = Client()`; the semantic model decides if they agree.
            candidates = old[1] if old[0] == "ambiguous" else [old]
            if binding not in candidates and len(candidates) < MAX_CANDIDATES:
                candidates = [*candidates, binding]
            elif binding not in candidates:
                candidates = [*candidates, ["local"]][:MAX_CANDIDATES]
            self.bindings[name] = ["ambiguous", candidates]


_LINE_BREAKS = re.compile(r"\r\n|\r|\n")


class _Summarizer(ast.NodeVisitor):
    def __init__(self, module: str, is_package: bool, text: str | None = None) -> None:
        # Lines as `ast` counts them, kept only when a column can differ from its UTF-8 offset.
        self.lines = _LINE_BREAKS.split(text) if text is not None and not text.isascii() else None
        self.module = module
        self.is_package = is_package
        self.scopes: list[_Scope] = [_Scope("", "module")]
        self.functions: dict[str, dict[str, Any]] = {}
        self.classes: dict[str, dict[str, Any]] = {}
        self.scope_table: dict[str, dict[str, Any]] = {}
        self.seen_keys: dict[str, int] = {}
        self.name_stack: list[str] = []
        # Per function key: facts collected while walking its own body.
        self.current: list[dict[str, Any]] = []
        self.module_calls: list[list[Any]] = []
        # [scope key, line, col, shape] of calls that pass `**mapping` (index.reach: the
        # keywords of `FastAPI(**params)`).
        self.keyword_spreads: list[list[Any]] = []
        self.depends: list[Shape] = []
        # The scope key each Depends() is evaluated in (parallel to `depends`).
        self.depends_scopes: list[str] = []
        # Calls inside lambda bodies that pass a call as their first argument (or as
        # `dependency=`): [scope key, callee shape, [first positional shape], {"dependency":
        # shape}]. The body runs only when the lambda is called, so these are nobody's `calls`;
        # FPI206's gate reads them (`lambda: Depends(get_db())`).
        self.lambda_nested_calls: list[list[Any]] = []
        self.has_async = False
        # Inside the body of a lazy initialiser's `if` (see visit_If).
        self.once = 0
        # Conditions on the current function's parameters around the node being visited:
        # [condition, branch] pairs (see index.branches).
        self.guards: list[list[Any]] = []
        # The same for conditions that may be switches off by default (see `_switch`).
        self.switches: list[list[Any]] = []
        # The classes around the node being visited (a method's siblings: `_self_healing`).
        self.class_nodes: list[ast.ClassDef] = []
        # Names comprehension targets bind around the node being visited.
        self.shadowed: list[set[str]] = []
        # Per function being visited, the ids of the statements of its own body that run in
        # sequence from its start (see `_straight_line`): where a literal local can be bound.
        self.top_level: list[set[int]] = []
        # Per function being visited, the starts of the loops around the node being visited.
        self.loops: list[list[tuple[int, int]]] = []
        # Call targets (not attribute reads) and, per function, the dotted names already read.
        self.callees: set[int] = set()
        self.read_names: list[set[str]] = []
        self.state_assigns: list[list[Any]] = []
        # `app.router.lifespan_context = f` ([value shape, scope key]; index.reach).
        self.lifespan_assigns: list[list[Any]] = []
        # Module-level literal collections (name -> record) and the names the module mutates
        # (see the module docstring).
        self.constants: dict[str, list[Any]] = {}
        self.mutated: set[str] = set()
        # Reachability of code nobody calls (see the module docstring): the names the module
        # refers to, and the receivers of its dynamic attribute lookups.
        self.refs: set[str] = set()
        self.dynamic: set[str] = set()
        # Function scopes with comprehension targets, and the scopes around each.
        self.comprehension_scopes: list[tuple[_Scope, list[_Scope]]] = []
        self.comprehension_reads: list[tuple[_Scope, dict[str, Any], set[str], list[Any]]] = []

    def bind_comprehension_targets(self) -> None:
        """Binds each comprehension target in its function when no other binding of the
        name is visible there (the function, the scopes around it, the module, builtins):
        then every use of the name in the function is inside a comprehension that iterates
        the same thing. Done after the whole module, whose later statements may bind it."""
        for scope, around in self.comprehension_scopes:
            for name, binding in scope.comprehension.items():
                if binding is None or name in scope.bindings or name in _BUILTIN_NAMES:
                    continue
                if any(name in outer.bindings for outer in around):
                    continue
                if name in scope.declared_global or name in scope.declared_nonlocal:
                    continue
                scope.bindings[name] = binding
        for scope, fact, seen, read in self.comprehension_reads:
            dotted = read[0]
            binding = scope.bindings.get(dotted.partition(".")[0])
            if not binding or binding[2:3] != [COMPREHENSION]:
                continue
            if dotted not in seen and len(fact["reads"]) < MAX_READS:
                seen.add(dotted)
                fact["reads"].append(read)

    # -- keys -----------------------------------------------------------------------------
    def _key_for(self, name: str) -> str:
        return scope_key(self.seen_keys, self.name_stack, name)

    @property
    def scope(self) -> _Scope:
        return self.scopes[-1]

    # -- bindings -------------------------------------------------------------------------
    def _bind_target(self, target: ast.AST, binding: list[Any]) -> None:
        if isinstance(target, ast.Name):
            self.scope.bind(target.id, binding)
        elif isinstance(target, (ast.Tuple, ast.List)):
            # `args, controller = create_controller()`: each name is an item of the value, at
            # its position (a starred target shifts the positions: then none is followed).
            positional = binding[0] == "value" and not any(
                isinstance(elt, ast.Starred) for elt in target.elts
            )
            for position, elt in enumerate(target.elts):
                item = ["item", binding[1], position] if positional else ["local"]
                self._bind_target(elt, item)
        elif isinstance(target, ast.Starred):
            self._bind_target(target.value, ["local"])

    # -- references (reachability of code nobody calls) -------------------------------------
    def visit_Name(self, node: ast.Name) -> None:
        if not isinstance(node.ctx, ast.Store):
            self.refs.add(node.id)

    def visit_Constant(self, node: ast.Constant) -> None:
        text = node.value
        if isinstance(text, str) and len(text) <= MAX_NAME_STRING and not _has_space(text):
            self.refs.update(_IDENTIFIER.findall(text))

    def _note_dynamic(self, node: ast.Call) -> None:
        name = node.func.id  # type: ignore[attr-defined]
        if name in _NAMESPACE_CALLS:
            self.dynamic.add("?")
        elif name in _DYNAMIC_ATTRIBUTE_CALLS and len(node.args) >= 2:
            attr = node.args[1]
            if not (isinstance(attr, ast.Constant) and isinstance(attr.value, str)):
                self.dynamic.add(dotted_name(node.args[0]) or "?")

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self.refs.add(alias.name.rpartition(".")[2])
            if alias.asname:
                self.scope.bind(alias.asname, ["import", alias.name])
            else:
                head = alias.name.split(".")[0]
                self.scope.bind(head, ["import", head])

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        base = resolve_relative(self.module, self.is_package, node.level, node.module)
        for alias in node.names:
            self.refs.add(alias.name)
            if alias.name == "*":
                continue
            target = f"{base}.{alias.name}" if base else alias.name
            self.scope.bind(alias.asname or alias.name, ["import", target])

    def visit_Global(self, node: ast.Global) -> None:
        self.scope.declared_global.update(node.names)
        if self.scope.kind != "module":
            self.mutated.update(node.names)  # the function may rebind the module's name

    def visit_Nonlocal(self, node: ast.Nonlocal) -> None:
        self.scope.declared_nonlocal.update(node.names)

    def visit_Assign(self, node: ast.Assign) -> None:
        value = shape_of(node.value)
        for target in node.targets:
            self._bind_target(target, ["value", value])
            if isinstance(target, ast.Attribute):
                self._attribute_assign(target, value, None)
            self._note_store(target, node)
        if len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            self._note_constant(node.targets[0].id, node.value)
        self._note_literal_local(node)
        self.generic_visit(node)

    def _note_literal_local(self, node: ast.Assign) -> None:
        """`path = None` as a statement of the function's own body, outside any branch, binding
        the name for the first time: a local whose value guards can read (index.branches),
        while its later bindings (recorded in "rebinds") are ruled out. An earlier `if` that
        leaves (`if remote: return ...`) does not matter: every path that goes on binds it."""
        if not self.current or not self.top_level:
            return
        if id(node) not in self.top_level[-1] or len(node.targets) != 1:
            return
        target, scope = node.targets[0], self.scope
        if not isinstance(target, ast.Name) or scope.bind_counts.get(target.id) != 1:
            return  # bound before (or not bound here: `global`, `nonlocal`)
        if target.id in scope.params:
            return
        found, value = _scalar(node.value)
        if found:
            self.current[-1]["literals"][target.id] = ["const", value]
            scope.literals.add(target.id)

    # -- module constants and what mutates them (index.branches) ---------------------------
    def _note_constant(self, name: str, value: ast.AST) -> None:
        if self.scope.kind != "module":
            return
        record = constant_collection(value)
        if record is not None:
            self.constants[name] = record

    def _note_mutation(self, node: ast.AST, end: ast.AST | None = None) -> None:
        """`node` (the dict in `d[k] = v`, the receiver of `d.update(...)`, `mod.X` in
        `mod.X = v`) may change: recorded unless it is a name of the function's own. A
        parameter changed in place (`end`: the node whose end is where) goes in "mutates"."""
        name = dotted_name(node)
        if name is None:
            return
        if end is not None and isinstance(node, ast.Name) and self.current:
            self._note_param_change(node.id, end)
        root = name.partition(".")[0]
        if self.scope.kind != "module" and root in self.scope.bindings:
            return  # a local (or a parameter, `self.x[k] = v`): not a module's constant
        self.mutated.add(name)

    def _note_store(self, target: ast.AST, end: ast.AST | None = None) -> None:
        if isinstance(target, ast.Subscript):
            self._note_mutation(target.value, end)
        elif isinstance(target, ast.Attribute):
            self._note_mutation(target)
        elif isinstance(target, (ast.Tuple, ast.List)):
            for elt in target.elts:
                self._note_store(elt, end)
        elif isinstance(target, ast.Starred):
            self._note_store(target.value, end)

    def _note_param_change(self, name: str, end: ast.AST) -> None:
        """ "mutates": where the function first changes the parameter `name` in place (where
        the change ends; the start of the outermost loop around it), so a dict a call site
        passes is known only before (`index.branches.local_dict`, `catalog.call_env`)."""
        fact = self.current[-1]
        if name not in self.scope.params or self.scope.bind_counts.get(name, 0) > 1:
            return
        loops = self.loops[-1] if self.loops else []
        ends = [end.end_lineno, end.end_col_offset]  # type: ignore[attr-defined]
        place = list(loops[0]) if loops else ends
        mutates = fact.setdefault("mutates", {})
        if name not in mutates or place < mutates[name]:
            mutates[name] = place

    def _attribute_assign(self, target: ast.Attribute, value: Shape | None, annotation) -> None:
        """`self.attr = ...` in a method, `<x>.state.attr = ...` anywhere (semantic model)."""
        base = target.value
        if self.current and isinstance(base, ast.Name):
            fact = self.current[-1]
            params = fact["params"]
            if fact["class"] and params and params[0][0] == base.id:
                fact["self_assigns"].append([target.attr, value, annotation])
                return
        if isinstance(base, ast.Attribute) and base.attr == "state":
            self.state_assigns.append([target.attr, value, self.scope.key, shape_of(base.value)])
        router = isinstance(base, ast.Attribute) and base.attr == "router"
        if router and target.attr == "lifespan_context" and value is not None:
            self.lifespan_assigns.append([value, self.scope.key])

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if isinstance(node.target, ast.Attribute):
            value = shape_of(node.value) if node.value is not None else None
            self._attribute_assign(node.target, value, annotation_shape(node.annotation))
        if isinstance(node.target, ast.Name):
            if node.value is not None:
                binding = ["value", shape_of(node.value), annotation_shape(node.annotation)]
            else:
                binding = ["annotated", annotation_shape(node.annotation)]
            self.scope.bind(node.target.id, binding)
            if node.value is not None:
                self._note_constant(node.target.id, node.value)
        self._note_store(node.target, node)
        self.generic_visit(node)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        if isinstance(node.target, ast.Name) and isinstance(node.op, ast.Add):
            # `exts += [...]`: the semantic model keeps the name's type when what is added
            # is a container of the same elements.
            self._bind_target(node.target, ["augadd", shape_of(node.value)])
        else:
            self._bind_target(node.target, ["local"])
        self._note_store(node.target, node)
        self.generic_visit(node)

    def visit_NamedExpr(self, node: ast.NamedExpr) -> None:
        self._bind_target(node.target, ["value", shape_of(node.value)])
        self.generic_visit(node)

    def visit_For(self, node: ast.For | ast.AsyncFor) -> None:
        if isinstance(node.target, ast.Name):
            self._bind_target(node.target, ["for", shape_of(node.iter)])
        else:
            self._bind_target(node.target, ["local"])
        if isinstance(node, ast.AsyncFor):
            self._mark("awaits")
        elif isinstance(node.iter, ast.Call):
            self._iterated(node.iter)
        elif self.current and self.current[-1]["async"]:
            # `for row in rows` in an `async def`: a generator made earlier may run its body
            # here (the FPI1xx family's index gate resolves these).
            self.current[-1].setdefault("value_fors", []).append(shape_of(node.iter))
        if self.loops:
            self.loops[-1].append((node.lineno, node.col_offset))
        self.generic_visit(node)
        if self.loops:
            self.loops[-1].pop()

    def _iterated(self, call: ast.Call) -> None:
        if self.current:
            self.current[-1]["iterated"].append([call.lineno, call.col_offset])

    visit_AsyncFor = visit_For

    def visit_With(self, node: ast.With | ast.AsyncWith) -> None:
        is_async = isinstance(node, ast.AsyncWith)
        for item in node.items:
            if self.current:
                # What the statement enters and exits, and over which lines (reach: a lifespan
                # that enters a server before its `yield` runs its `__aenter__` at startup).
                entry = [node.lineno, node.end_lineno, shape_of(item.context_expr), is_async]
                self.current[-1]["entered"].append(entry)
            if item.optional_vars is not None:
                binding = ["with", shape_of(item.context_expr), isinstance(node, ast.AsyncWith)]
                self._bind_target(item.optional_vars, binding)
        if isinstance(node, ast.AsyncWith):
            self._mark("awaits")
        self.generic_visit(node)

    visit_AsyncWith = visit_With

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        if node.name:
            self.scope.bind(node.name, ["local"])
        self.generic_visit(node)

    def visit_Delete(self, node: ast.Delete) -> None:
        for target in node.targets:
            self._bind_target(target, ["local"])
            self._note_store(target, node)
        self.generic_visit(node)

    def visit_MatchAs(self, node: ast.MatchAs) -> None:
        if node.name:
            self.scope.bind(node.name, ["local"])
        self.generic_visit(node)

    def visit_MatchStar(self, node: ast.MatchStar) -> None:
        if node.name:
            self.scope.bind(node.name, ["local"])

    def visit_MatchMapping(self, node: ast.MatchMapping) -> None:
        if node.rest:
            self.scope.bind(node.rest, ["local"])
        self.generic_visit(node)

    def visit_TypeAlias(self, node: Any) -> None:  # Python 3.12+
        self._bind_target(node.name, ["value", shape_of(node.value)])

    # -- comprehensions and lambdas: their targets/params never leak; calls inside a lambda
    # -- run only when it is called, so they are not the enclosing function's calls.
    def visit_Lambda(self, node: ast.Lambda) -> None:
        for default in [*node.args.defaults, *node.args.kw_defaults]:
            if default is not None:
                self.visit(default)
        # What the body refers to still counts as referred to.
        for inner in ast.walk(node.body):
            if isinstance(inner, ast.Name):
                self.refs.add(inner.id)
            elif isinstance(inner, ast.Attribute):
                self.refs.add(inner.attr)
            elif isinstance(inner, ast.Constant):
                self.visit_Constant(inner)
            elif isinstance(inner, ast.Call) and isinstance(inner.func, ast.Name):
                self._note_dynamic(inner)
            if isinstance(inner, ast.Call):
                self._note_lambda_nested_call(inner)

    def _note_lambda_nested_call(self, node: ast.Call) -> None:
        first = node.args[0] if node.args else None
        dependency = next((k.value for k in node.keywords if k.arg == "dependency"), None)
        if not any(isinstance(a, (ast.Call, ast.Starred)) for a in (first, dependency)):
            return
        self.lambda_nested_calls.append(
            [
                self.scope.key,
                shape_of(node.func),
                [shape_of(first, 1)] if first is not None else [],
                {"dependency": shape_of(dependency, 1)} if dependency is not None else {},
            ]
        )

    def _visit_comprehension(self, node: ast.AST) -> None:
        # Its targets shadow the function's parameters inside it (`... if flag else ...
        # for flag in flags`): conditions on them are not the parameters'.
        targets = {
            n.id
            for gen in node.generators  # type: ignore[attr-defined]
            for n in ast.walk(gen.target)
            if isinstance(n, ast.Name)
        }
        self.shadowed.append(targets)
        for gen in node.generators:  # type: ignore[attr-defined]
            self._note_comprehension_target(gen)
            self.visit(gen.iter)
            for cond in gen.ifs:
                self.visit(cond)
        for field in ("elt", "key", "value"):
            child = getattr(node, field, None)
            if child is not None:
                self.visit(child)
        self.shadowed.pop()

    def _note_comprehension_target(self, gen: ast.comprehension) -> None:
        """Remembers `for x in items` of a comprehension in a function: what iterating
        `items` gives types `x` inside it. Two comprehensions that iterate different things
        into the same name leave it unknown."""
        if (
            not self.current
            or self.scope.kind != "function"
            or not isinstance(gen.target, ast.Name)
        ):
            return
        name, binding = gen.target.id, ["for", shape_of(gen.iter), COMPREHENSION]
        seen = self.scope.comprehension
        if name not in seen:
            seen[name] = binding
        elif seen[name] != binding:
            seen[name] = None

    visit_ListComp = _visit_comprehension
    visit_SetComp = _visit_comprehension
    visit_DictComp = _visit_comprehension
    visit_GeneratorExp = _visit_comprehension

    def _column(self, line: int, offset: int) -> int:
        """`ast`'s UTF-8 byte offset as a 0-based code point column (what LibCST counts)."""
        if self.lines is None or not 0 < line <= len(self.lines):
            return offset
        text = self.lines[line - 1]
        if text.isascii():
            return offset
        return len(text.encode("utf-8", "surrogatepass")[:offset].decode("utf-8", "replace"))

    # -- facts about the current function -------------------------------------------------
    def _mark(self, flag: str) -> None:
        if self.current:
            self.current[-1][flag] = True

    def visit_If(self, node: ast.If) -> None:
        # `global _client; if _client is None: _client = build()`: what the body calls runs
        # once per process (a lazy initialiser), not once per call.
        self.visit(node.test)
        lazy = bool(self.current) and (
            _lazy_guard(node.test, self.scope, self.scopes[0], node.body)
            or _instance_memo_guard(node.test, node.body, self.scope, self.scopes)
        )
        cond = self._guard(node.test)
        switch = self._switch(node.test)
        self.once += lazy
        self._switched(switch, True)
        self._visit_guarded(node.body, cond, True)
        self._switched(switch, True, leave=True)
        self.once -= lazy
        self._switched(switch, False)
        self._visit_guarded(node.orelse, cond, False)
        self._switched(switch, False, leave=True)

    def visit_While(self, node: ast.While) -> None:
        # A parameter the function never rebinds keeps its value: the body runs only when
        # the test is true on entry.
        if self.loops:
            self.loops[-1].append((node.lineno, node.col_offset))
        self.visit(node.test)
        self._visit_guarded(node.body, self._guard(node.test), True)
        self._visit_block(node.orelse)
        if self.loops:
            self.loops[-1].pop()

    def visit_IfExp(self, node: ast.IfExp) -> None:
        self.visit(node.test)
        cond = self._guard(node.test)
        self._visit_guarded(node.body, cond, True)
        self._visit_guarded(node.orelse, cond, False)

    def visit_BoolOp(self, node: ast.BoolOp) -> None:
        # `a and f()` calls f only when `a` is true; `a or f()` only when it is false.
        branch = isinstance(node.op, ast.And)
        pushed = 0
        for number, value in enumerate(node.values):
            if number:
                cond = self._guard(node.values[number - 1])
                if cond is not None:
                    self.guards.append([cond, branch])
                    pushed += 1
            self.visit(value)
        del self.guards[len(self.guards) - pushed :]

    # -- path records (index.branches) ------------------------------------------------------
    def _guard(self, test: ast.AST) -> list[Any] | None:
        """The condition `test` as a shape, when it reads a parameter of the current
        function (only those can be known from a call site) or one of its literal locals
        bound so far; else None."""
        if not self.current:
            return None
        fact = self.current[-1]
        params = {param[0] for param in fact["params"]} | set(fact["literals"])
        if not params:
            return None
        cond = cond_shape(test)
        names = names_in(cond)
        if any(names & shadow for shadow in self.shadowed):
            return None
        return cond if names & params else None

    def _self_healing(self, stmt: ast.If, after: list[ast.stmt]) -> bool:
        """`if not self._dirty and self._cached == self.x: return`, then a refresh that
        assigns what the test reads (itself, or in a method of the class it calls as
        `self._refresh()`): what follows runs only when the object's state changed since the
        last refresh, a memo on the object (issue 14, R5b)."""
        if not self.class_nodes or not self.current or self.scope.kind != "function":
            return False
        if self.current[-1].get("class") is None:
            return False
        return _self_healing_return(stmt, after, self.class_nodes[-1])

    def _switch(self, test: ast.AST) -> list[Any] | None:
        """The condition `test` as a switch shape (`index.branches.switch_shape`) when it may
        be a switch that is off by default: it reads an environment variable or calls a
        function with literal arguments only (`is_trace_enabled()`); else None."""
        if not self.current:
            return None
        shape = switch_shape(test)
        return shape if is_switch(shape) else None

    def _switched(self, switch: list[Any] | None, branch: bool, leave: bool = False) -> None:
        if switch is None:
            return
        if leave:
            self.switches.pop()
        else:
            self.switches.append([switch, branch])

    def _visit_guarded(self, body: Any, cond: list[Any] | None, branch: bool) -> None:
        if cond is not None:
            self.guards.append([cond, branch])
        if isinstance(body, list):
            self._visit_block(body)
        else:
            self.visit(body)
        if cond is not None:
            self.guards.pop()

    def _visit_block(self, stmts: list[ast.stmt]) -> None:
        """A statement list; after `if c: ... return` (no else) the rest runs only when `c`
        is false, after `if c: ... else: ... return` only when it is true."""
        pushed = switched = 0
        memo = 0
        for number, stmt in enumerate(stmts):
            self.visit(stmt)
            if not isinstance(stmt, ast.If) or not self.current:
                continue
            if not memo and (
                _cache_hit_return(stmt, stmts[:number], stmts[number + 1 :])
                or self._self_healing(stmt, stmts[number + 1 :])
            ):
                # `hit = cache.get(k); if hit: return hit; new = build(); cache.set(k, new)`:
                # what follows runs once per key, not once per call.
                memo = 1
                self.once += 1
            body_exits, else_exits = exits(stmt.body), exits(stmt.orelse)
            if body_exits == else_exits:
                continue
            cond = self._guard(stmt.test)
            if cond is not None:
                self.guards.append([cond, else_exits])
                pushed += 1
            switch = self._switch(stmt.test)
            if switch is not None:
                self.switches.append([switch, else_exits])
                switched += 1
        del self.guards[len(self.guards) - pushed :]
        del self.switches[len(self.switches) - switched :]
        self.once -= memo

    def generic_visit(self, node: ast.AST) -> None:
        # Statement lists (loop, `with`, `try` bodies) go through `_visit_block`.
        for _field, value in ast.iter_fields(node):
            if isinstance(value, list):
                if value and isinstance(value[0], ast.stmt):
                    self._visit_block(value)
                    continue
                for item in value:
                    if isinstance(item, ast.AST):
                        self.visit(item)
            elif isinstance(value, ast.AST):
                self.visit(value)

    def visit_Expr(self, node: ast.Expr) -> None:
        if isinstance(node.value, ast.Call):
            self._mark("drops")
        self.generic_visit(node)

    def visit_Await(self, node: ast.Await) -> None:
        self._mark("awaits")
        self.generic_visit(node)

    def _note_yield(self, node: ast.AST) -> None:
        if self.current and self.current[-1].get("first_yield") is None:
            self.current[-1]["first_yield"] = node.lineno  # type: ignore[attr-defined]

    def visit_Yield(self, node: ast.Yield) -> None:
        self._mark("generator")
        self._note_yield(node)
        if self.current and node.value is not None:
            self.current[-1]["yields_values"].append(shape_of(node.value))
        self.generic_visit(node)

    def visit_YieldFrom(self, node: ast.YieldFrom) -> None:
        self._mark("generator")
        self._note_yield(node)
        self.generic_visit(node)

    def visit_Return(self, node: ast.Return) -> None:
        if self.current and node.value is not None:
            self.current[-1]["returns_values"].append(shape_of(node.value))
        self.generic_visit(node)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        self.refs.add(node.attr)
        self._note_read(node)
        self.generic_visit(node)

    def _note_read(self, node: ast.Attribute) -> None:
        """`info.is_wasm` read in a function body (not called, not assigned): a property's
        getter may run there ("reads", semantic model). Each dotted name once per function."""
        if not self.current or not isinstance(node.ctx, ast.Load) or id(node) in self.callees:
            return
        dotted = dotted_name(node)
        if dotted is None:
            return
        head = dotted.partition(".")[0]
        fact = self.current[-1]
        seen = self.read_names[-1]
        shadowed = any(head in shadow for shadow in self.shadowed)
        column = self._column(node.lineno, node.col_offset)
        if shadowed:
            # A comprehension target's read counts once the target is typed (at the end).
            self.comprehension_reads.append((self.scope, fact, seen, [dotted, node.lineno, column]))
        elif dotted not in seen and len(fact["reads"]) < MAX_READS:
            seen.add(dotted)
            fact["reads"].append([dotted, node.lineno, column])

    def visit_Call(self, node: ast.Call) -> None:
        self.callees.add(id(node.func))
        func = shape_of(node.func)
        if (
            isinstance(node.func, ast.Name)
            and node.func.id in ITERATING_BUILTINS
            and node.args
            and isinstance(node.args[0], ast.Call)
        ):
            self._iterated(node.args[0])
        record = [
            func,
            node.lineno,
            self._column(node.lineno, node.col_offset),
            [shape_of(a, 1) for a in node.args[:8]],
            {k.arg: shape_of(k.value, 1) for k in node.keywords if k.arg},
        ]
        if isinstance(node.func, ast.Attribute) and node.func.attr in MUTATING_METHODS:
            self._note_mutation(node.func.value, node)
        elif isinstance(node.func, ast.Name):
            self._note_dynamic(node)
        if self.current:
            fact = self.current[-1]
            fact["calls"].append(record)
            if self.once:
                fact["once"].append([record[1], record[2]])
            if self.guards:
                fact["guards"].append([record[1], record[2], list(self.guards)])
            if self.switches:
                fact.setdefault("switches", []).append([record[1], record[2], list(self.switches)])
            if (
                len(node.args) > 8
                or any(isinstance(a, ast.Starred) for a in node.args)
                or any(k.arg is None for k in node.keywords)
            ):
                fact["spread"].append([record[1], record[2]])
        else:
            self.module_calls.append(record)
        spread_keywords = [k.value for k in node.keywords if k.arg is None]
        if spread_keywords:
            # The scope whose call records hold this call: the innermost function, or the
            # module's calls.
            functions = [scope.key for scope in self.scopes if scope.kind == "function"]
            where = functions[-1] if self.current and functions else ""
            self.keyword_spreads.append(
                [where, record[1], record[2], shape_of(spread_keywords[0], 1)]
            )
        if func and func[0] == "n" and func[1].rsplit(".", 1)[-1] in ("Depends", "Security"):
            if node.args:
                self.depends.append(shape_of(node.args[0]))
                self.depends_scopes.append(self.scope.key)
            for keyword in node.keywords:
                if keyword.arg == "dependency":
                    self.depends.append(shape_of(keyword.value))
                    self.depends_scopes.append(self.scope.key)
        self.generic_visit(node)

    # -- definitions ----------------------------------------------------------------------
    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        for decorator in node.decorator_list:
            self.visit(decorator)
        args = node.args
        for default in [*args.defaults, *args.kw_defaults]:
            if default is not None:
                self.visit(default)
        # Annotations run in the enclosing scope too, and hold `Annotated[T, Depends(dep)]`.
        for arg in [*args.posonlyargs, *args.args, args.vararg, *args.kwonlyargs, args.kwarg]:
            if arg is not None and arg.annotation is not None:
                self.visit(arg.annotation)
        key = self._key_for(node.name)
        is_async = isinstance(node, ast.AsyncFunctionDef)
        self.has_async = self.has_async or is_async
        qualified = f"{self.module}.{key}" if self.module else key
        self.scope.bind(node.name, ["def", qualified])

        positional = [*args.posonlyargs, *args.args]
        defaults: list[ast.AST | None] = [None] * (len(positional) - len(args.defaults))
        defaults += list(args.defaults)
        params = []
        for arg, default in zip(positional, defaults, strict=False):
            params.append([arg.arg, annotation_shape(arg.annotation), _default(default), "pos"])
        if args.vararg:
            params.append([args.vararg.arg, annotation_shape(args.vararg.annotation), None, "*"])
        for arg, default in zip(args.kwonlyargs, args.kw_defaults, strict=False):
            params.append([arg.arg, annotation_shape(arg.annotation), _default(default), "kw"])
        if args.kwarg:
            params.append([args.kwarg.arg, annotation_shape(args.kwarg.annotation), None, "**"])

        enclosing_class = self.scope.key if self.scope.kind == "class" else None
        parent_function = next((s.key for s in reversed(self.scopes) if s.kind == "function"), None)
        fact: dict[str, Any] = {
            "name": node.name,
            "async": is_async,
            "line": node.lineno,
            "col": node.col_offset,
            "end_line": node.end_lineno,
            "params": params,
            "decorators": [shape_of(d) for d in node.decorator_list],
            "returns": annotation_shape(node.returns),
            "generator": False,
            # Line of the first `yield` (a lifespan's startup ends there).
            "first_yield": None,
            # (line, column) of calls made only once per process (a lazy initialiser's body).
            "once": [],
            "awaits": False,
            "calls": [],
            "returns_values": [],
            "yields_values": [],
            "class": enclosing_class,
            "parent": parent_function,
            # Semantic-model records (see the module docstring).
            "self_assigns": [],
            "iterated": [],
            "entered": [],
            "reads": [],
            "stub": _is_stub(node.body),
            # Path records (see the module docstring).
            "guards": [],
            "spread": [],
            # Locals bound to a literal by a statement of the body that always runs, before
            # any other binding of theirs ({name: ["const", value]}); their later bindings
            # are in "rebinds" (index.branches: such a local keeps its literal where every
            # later binding is ruled out).
            "literals": {},
            # [parameter, guards] where the body binds a parameter again (index.branches: a
            # parameter rebound only under branches a call site rules out keeps its value).
            "rebinds": [],
            # A call made as a statement of its own (`audit(user)`), its result dropped: the
            # index gate of FPI112 (an unawaited coroutine is such a call).
            "drops": False,
        }
        scope = _Scope(key, "function")
        for param in params:
            scope.bind(param[0], ["param", param[1], param[2]])
        scope.params = {param[0] for param in params}
        scope.on_rebind = lambda name: fact["rebinds"].append(
            [name, [list(g) for g in self.guards]]
        )
        self.scopes.append(scope)
        self.name_stack.append(node.name)
        self.current.append(fact)
        self.read_names.append(set())
        outer_guards, self.guards = self.guards, []
        outer_switches, self.switches = self.switches, []
        outer_shadowed, self.shadowed = self.shadowed, []
        self.top_level.append(set(_straight_line(node.body)))
        self.loops.append([])
        self._visit_block(node.body)
        self.loops.pop()
        straight = self.top_level.pop()
        if any(
            isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Dict) for stmt in node.body
        ):
            dict_locals = container_facts(node, scope.params, straight, shape_of)
            if dict_locals:
                fact["dict_locals"] = dict_locals
        self.guards, self.shadowed = outer_guards, outer_shadowed
        self.switches = outer_switches
        returned = _switch_return(node.body, scope.params)
        if returned is not None:
            fact["switch_return"] = returned
        guard = _guard_raise(node.body)
        if guard is not None:
            fact["guard_raise"] = guard
        if is_route_decorated(node):
            written = route_writes(node.body)
            if written:
                fact["route_writes"] = written
        writes, values = returned_facts(
            node.body, shape_of, frozenset(param[0] for param in params)
        )
        if writes is not None and len(writes) == len(fact["returns_values"]):
            fact["returned_writes"] = writes
        if values is not None and len(values) == len(fact["returns_values"]):
            fact["returned_bindings"] = values
        self.read_names.pop()
        self.current.pop()
        self.name_stack.pop()
        self.scopes.pop()
        self.functions[key] = fact
        self.scope_table[key] = _scope_record(scope, "function")
        if scope.comprehension:
            self.comprehension_scopes.append((scope, list(self.scopes)))

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        for decorator in node.decorator_list:
            self.visit(decorator)
        for base in node.bases:
            self.visit(base)
        for keyword in node.keywords:
            self.visit(keyword.value)
        key = self._key_for(node.name)
        qualified = f"{self.module}.{key}" if self.module else key
        self.scope.bind(node.name, ["class", qualified])
        fields: list[list[Any]] = []
        methods: list[str] = []
        nested_config: dict[str, Any] = {}
        config_shape: Shape | None = None
        for stmt in node.body:
            if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
                fields.append(
                    [
                        stmt.target.id,
                        annotation_shape(stmt.annotation),
                        shape_of(stmt.value),
                        stmt.lineno,
                    ]
                )
            elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                methods.append(stmt.name)
            elif isinstance(stmt, ast.Assign):
                for target in stmt.targets:
                    if isinstance(target, ast.Name) and target.id == "model_config":
                        config_shape = shape_of(stmt.value)
            elif isinstance(stmt, ast.ClassDef) and stmt.name == "Config":
                for inner in stmt.body:
                    if isinstance(inner, ast.Assign):
                        for target in inner.targets:
                            if isinstance(target, ast.Name):
                                nested_config[target.id] = shape_of(inner.value)
        enclosing_function = next(
            (s.key for s in reversed(self.scopes) if s.kind == "function"), None
        )
        self.classes[key] = {
            "name": node.name,
            "line": node.lineno,
            "bases": [shape_of(b) for b in node.bases],
            "keywords": {k.arg: shape_of(k.value) for k in node.keywords if k.arg},
            "decorators": [shape_of(d) for d in node.decorator_list],
            "fields": fields,
            "methods": methods,
            "config": config_shape,
            "legacy_config": nested_config,
            "parent": enclosing_function,
        }
        scope = _Scope(key, "class")
        self.scopes.append(scope)
        self.name_stack.append(node.name)
        self.class_nodes.append(node)
        for stmt in node.body:
            self.visit(stmt)
        self.class_nodes.pop()
        self.name_stack.pop()
        self.scopes.pop()
        self.scope_table[key] = _scope_record(scope, "class")


def _has_space(text: str) -> bool:
    return " " in text or "\n" in text or "\t" in text


def _scalar(node: ast.AST) -> tuple[bool, Any]:
    if isinstance(node, ast.Constant) and (
        node.value is None or isinstance(node.value, (bool, int, float, str))
    ):
        return True, node.value
    if (
        isinstance(node, ast.UnaryOp)
        and isinstance(node.op, ast.USub)
        and isinstance(node.operand, ast.Constant)
        and type(node.operand.value) in (int, float)
    ):
        return True, -node.operand.value
    return False, None


def constant_collection(node: ast.AST) -> list[Any] | None:
    """The record of a literal collection of scalars (see the module docstring): a dict
    literal whose keys are all scalar literals (no `**spread`), a list/tuple/set literal of
    scalar literals, or one of those passed to `frozenset`/`set`/`tuple`/`list`/`dict`."""
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in _LITERAL_COLLECTION_CALLS
        and len(node.args) == 1
        and not node.keywords
    ):
        inner = constant_collection(node.args[0])
        if inner is None or (node.func.id == "dict") != (inner[0] == "dict"):
            return None
        return inner
    if isinstance(node, ast.Dict):
        if len(node.keys) > MAX_CONSTANT_ITEMS:
            return None
        pairs = []
        for key_node, value_node in zip(node.keys, node.values, strict=False):
            if key_node is None:
                return None  # `{**other}`: keys we cannot see
            ok, key = _scalar(key_node)
            if not ok:
                return None
            known, value = _scalar(value_node)
            pairs.append([key, ["const", value] if known else None])
        return ["dict", pairs]
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        if len(node.elts) > MAX_CONSTANT_ITEMS:
            return None
        items = []
        for elt in node.elts:
            ok, item = _scalar(elt)
            if not ok:
                return None
            items.append(item)
        return ["set", items]
    return None


def _default(node: ast.AST | None) -> Shape | None:
    """A parameter default's shape; a string stays the string (`shape_of` reads a top-level
    string as an annotation)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return ["const", node.value]
    return shape_of(node)


#: Statements whose body runs from its start (`try`/`except*` is Python 3.11+).
_SEQUENTIAL_BLOCKS = tuple(
    kind for kind in (ast.With, ast.AsyncWith, ast.Try, getattr(ast, "TryStar", None)) if kind
)


def _switch_return(body: list[ast.stmt], params: set[str]) -> list[Any] | None:
    """A function whose body (after a docstring) is one `return E`: E as a switch shape, when
    it reads the environment, calls a function or reads a parameter (a switch's helper:
    `return not is_none_or_empty(os.getenv("TRACE_DIR"))`, `return item is None or ...`)."""
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]
    if len(body) != 1 or not isinstance(body[0], ast.Return) or body[0].value is None:
        return None
    shape = switch_shape(body[0].value)
    if is_switch(shape) or names_in(shape) & params:
        return shape
    return None


def _guard_raise(body: list[ast.stmt]) -> str | None:
    """`a.flag` when the body (after a docstring) starts with `if not a.flag: raise ...` (no
    `else`, the `if` body one `raise`): nothing after it runs unless the flag is on (a
    developer mode's routes, session-6 S12). None otherwise."""
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]
    if len(body) < 2 or not isinstance(body[0], ast.If) or body[0].orelse:
        return None
    test, guarded = body[0].test, body[0].body
    if len(guarded) != 1 or not isinstance(guarded[0], ast.Raise):
        return None
    if not (isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not)):
        return None
    flag = dotted_name(test.operand)
    return flag if flag is not None and "." in flag else None


def _straight_line(body: list[ast.stmt]) -> Iterator[int]:
    """The ids of the statements that run in sequence from the start of `body` when nothing
    raises: its own, and those of the bodies of its `with` and `try` statements (not a
    branch, a loop, an `except`, `else` or `finally`). Were something to raise before one of
    them, the code after it would not run either (or would find the name unbound)."""
    for stmt in body:
        yield id(stmt)
        if isinstance(stmt, _SEQUENTIAL_BLOCKS):
            yield from _straight_line(stmt.body)  # type: ignore[attr-defined]


def _unset_test(test: ast.AST) -> ast.expr | None:
    """What `if X is None:` or `if not X:` tests (the test of a lazy initialiser), else None."""
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        return test.operand
    return _compared_to_none(test, ast.Is)


def _compared_to_none(test: ast.AST, op: type[ast.cmpop]) -> ast.expr | None:
    """`X` of `X is None` (op `ast.Is`) or `X is not None` (`ast.IsNot`), else None."""
    if (
        isinstance(test, ast.Compare)
        and len(test.ops) == 1
        and isinstance(test.ops[0], op)
        and isinstance(test.comparators[0], ast.Constant)
        and test.comparators[0].value is None
    ):
        return test.left
    return None


def _lazy_guard(test: ast.AST, scope: _Scope, module_scope: _Scope, body: list[ast.stmt]) -> bool:
    """`if X is None:`, `if not X:` on a name the function declares `global`, or on a local
    copy of one that the body stores back (`x = _X; if x is None: x = build(); _X = x`), or
    `if key not in X:` on a module-level name (a memo table)."""
    unset = _unset_test(test)
    if unset is not None:
        if not isinstance(unset, ast.Name):
            return False
        return unset.id in scope.declared_global or (
            _copies_global(scope.bindings.get(unset.id), scope) and _stores_global(body, scope)
        )
    if not isinstance(test, ast.Compare) or len(test.ops) != 1:
        return False
    op, right = test.ops[0], test.comparators[0]
    if isinstance(op, (ast.NotEq, ast.IsNot)):
        # `if _PID != pid: _CACHE = load(pid); _PID = pid`: a memo keyed on a value, kept in
        # a global the body stores again (once per distinct key, in practice per process).
        keyed = {
            side.id
            for side in (test.left, right)
            if isinstance(side, ast.Name) and side.id in scope.declared_global
        }
        return bool(keyed) and _stores_global(body, scope, keyed)
    if isinstance(op, ast.NotIn) and isinstance(right, ast.Name):
        table = right.id
        return table in scope.declared_global or (
            table not in scope.bindings and table in module_scope.bindings
        )
    return False


def _copies_global(binding: list[Any] | None, scope: _Scope) -> bool:
    """Whether a local name was bound (so far) to a name the function declares `global`."""
    if not binding:
        return False
    candidates = binding[1] if binding[0] == "ambiguous" else [binding]
    return any(
        c and c[0] == "value" and c[1] and c[1][0] == "n" and c[1][1] in scope.declared_global
        for c in candidates
    )


def _stores_global(body: list[ast.stmt], scope: _Scope, names: set[str] | None = None) -> bool:
    """Whether the statements assign a name the function declares `global` (one of `names`,
    when given)."""
    wanted = scope.declared_global if names is None else names
    for node in (node for top in body for node in ast.walk(top)):
        targets = node.targets if isinstance(node, ast.Assign) else []
        if isinstance(node, ast.AnnAssign | ast.AugAssign):
            targets = [node.target]
        if any(isinstance(t, ast.Name) and t.id in wanted for t in targets):
            return True
    return False


# Method names that look a key up in a cache and that store into one.
_CACHE_LOOKUPS = frozenset({"get", "get_cache", "get_cached", "lookup", "peek"})
_CACHE_STORES = frozenset({"set", "set_cache", "put", "store", "add", "setdefault", "__setitem__"})


def _cache_hit_return(stmt: ast.If, before: list[ast.stmt], after: list[ast.stmt]) -> bool:
    """`hit = cache.get(key)` then `if hit: return hit` (or `is not None`), and after it the
    block stores a value it builds into a cache (`cache.set(key, new)`, `_CACHE[key] = new`)
    and returns that value: a cache-aside memo, so the building runs once per key."""
    if stmt.orelse or len(stmt.body) != 1 or not isinstance(stmt.body[0], ast.Return):
        return False
    test = _compared_to_none(stmt.test, ast.IsNot) or stmt.test
    returned = stmt.body[0].value
    if not (isinstance(test, ast.Name) and isinstance(returned, ast.Name)):
        return False
    if test.id != returned.id or not _bound_by_lookup(test.id, before):
        return False
    stored = _names_stored_in_cache(after)
    return any(
        isinstance(node, ast.Return)
        and isinstance(node.value, ast.Name)
        and node.value.id in stored
        for top in after
        for node in ast.walk(top)
    )


def _bound_by_lookup(name: str, before: list[ast.stmt]) -> bool:
    """Whether the last statement of `before` that binds `name` binds it to a cache lookup:
    `table.get(key)`, `cache.get_cache(key)` or `getattr(obj, key, None)`."""
    for stmt in reversed(before):
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
            target, value = stmt.targets[0], stmt.value
        elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
            target, value = stmt.target, stmt.value
        else:
            continue
        if not (isinstance(target, ast.Name) and target.id == name):
            continue
        if not isinstance(value, ast.Call):
            return False
        func = value.func
        if isinstance(func, ast.Attribute):
            return func.attr in _CACHE_LOOKUPS
        return isinstance(func, ast.Name) and func.id == "getattr" and len(value.args) == 3
    return False


def _names_stored_in_cache(stmts: list[ast.stmt]) -> set[str]:
    """Local names the statements store into a cache: the value argument of a store call
    (`cache.set(key, new)`, `cache.set_cache(key=k, value=new)`), of `setattr(obj, k, new)`,
    or the value of `table[key] = new`. Only the stored value counts: a name passed as the
    key, a time-to-live or any other argument is not what a later hit returns."""
    stored: set[str] = set()
    for node in (node for top in stmts for node in ast.walk(top)):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Name):
            if any(isinstance(t, ast.Subscript) for t in node.targets):
                stored.add(node.value.id)
        elif isinstance(node, ast.Call):
            value = _stored_value(node)
            if isinstance(value, ast.Name):
                stored.add(value.id)
    return stored


def _stored_value(call: ast.Call) -> ast.expr | None:
    """The value a store call keeps: `setattr(obj, name, value)`'s third argument; for a
    cache method (`set`, `put`, ...) the second positional argument or the `value=` keyword."""
    func = call.func
    if isinstance(func, ast.Name) and func.id == "setattr":
        position = 2
    elif isinstance(func, ast.Attribute) and func.attr in _CACHE_STORES:
        position = 1
    else:
        return None
    if len(call.args) > position:
        return call.args[position]
    return next((k.value for k in call.keywords if k.arg == "value"), None)


def _stale_attributes(test: ast.AST) -> set[tuple[str, str]]:
    """The `(self, attr)` pairs whose kept object `test` checks for staleness: it reads an
    attribute of the object (`self._client.is_closed`, `not self._conn.open`), alone or in
    an `and`/`or` with other conditions."""
    found: set[tuple[str, str]] = set()
    for part in test.values if isinstance(test, ast.BoolOp) else [test]:
        if isinstance(part, ast.UnaryOp) and isinstance(part.op, ast.Not):
            part = part.operand
        if (
            isinstance(part, ast.Attribute)
            and isinstance(part.value, ast.Attribute)
            and isinstance(part.value.value, ast.Name)
        ):
            found.add((part.value.value.id, part.value.attr))
    return found


def _instance_memo_guard(
    test: ast.AST,
    body: list[ast.stmt],
    scope: _Scope | None = None,
    scopes: list[_Scope] | None = None,
) -> bool:
    """`if self._x is None: self._x = work()` (or `if not self._x:`), or a kept object rebuilt
    when it went stale (`if self._client.is_closed: self._client = build()`): the work runs
    once per object (or per staleness), and the objects that memoise this way (clients,
    managers, caches) live as long as the process. The body must assign the attribute it
    tests, or it is an ordinary branch. Also on a local copy of the attribute
    (`registry = getattr(self, "_registry", None)` or `= self._registry`, then `if registry is
    None: registry = self._registry = Registry()`), and a first-run flag or memo on an object
    the function does not bind itself, a module global or an enclosing function's
    (`if not app.startup_done: ...; app.startup_done = True`): such objects outlive a
    request, unlike a parameter's (`request.state`)."""
    target = _unset_test(test)
    if target is not None:
        if isinstance(target, ast.Name) and scope is not None:
            copied = copied_attribute(scope.bindings.get(target.id))
            if copied is None:
                return False
            tested = {copied}
        elif not (isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name)):
            return False
        else:
            tested = {(target.value.id, target.attr)}
    else:
        tested = _stale_attributes(test)
    tested = {
        pair for pair in tested if pair[0] in ("self", "cls") or _outlives(pair[0], scope, scopes)
    }
    if not tested:
        return False
    for node in (node for top in body for node in ast.walk(top)):
        if isinstance(node, ast.Assign):
            assigned = node.targets
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            assigned = [node.target]
        else:
            continue
        if any(
            isinstance(t, ast.Attribute)
            and isinstance(t.value, ast.Name)
            and (t.value.id, t.attr) in tested
            for t in assigned
        ):
            return True
    return False


def copied_attribute(binding: list[Any] | None) -> tuple[str, str] | None:
    """("self", "_x") when a local was bound (so far) to `self._x` or `getattr(self, "_x",
    default)`."""
    if not binding or binding[0] != "value" or not binding[1]:
        return None
    shape = binding[1]
    if shape[0] == "n" and shape[1].count(".") == 1:
        head, _, attr = shape[1].partition(".")
        return (head, attr) if head in ("self", "cls") else None
    if shape[0] == "call" and shape[1] == ["n", "getattr"] and len(shape[2]) in (2, 3):
        owner, name = shape[2][0], shape[2][1]
        if (
            owner in (["n", "self"], ["n", "cls"])
            and name
            and name[0] == "const"
            and isinstance(name[1], str)
            and name[1].isidentifier()
        ):
            return owner[1], name[1]
    return None


def _outlives(name: str, scope: _Scope | None, scopes: list[_Scope] | None) -> bool:
    """Whether `name`, read in the function `scope`, is not the function's own (no parameter,
    local or `global`-less binding of it there) but a module global or an enclosing
    function's: an object made before the function runs."""
    if scope is None or scope.kind != "function" or not scopes:
        return False
    if name in scope.bindings or name in scope.params:
        return False
    return any(name in outer.bindings for outer in scopes[:-1])


def _self_attributes(test: ast.AST) -> set[str] | None:
    """The `self.<attr>` a memo test reads, when it reads nothing else and only tests them
    for truth, identity or equality (`not self._dirty and self._seen == self.x`); else None
    (a call, a parameter, an ordering comparison: `self.count < 10` is a batch, not a memo)."""
    found: set[str] = set()
    for node in ast.walk(test):
        if isinstance(node, ast.Attribute):
            if not (isinstance(node.value, ast.Name) and node.value.id == "self"):
                return None
            found.add(node.attr)
        elif isinstance(node, ast.Name):
            if node.id != "self":
                return None
        elif isinstance(node, ast.Compare):
            if not all(isinstance(op, (ast.Eq, ast.NotEq, ast.Is, ast.IsNot)) for op in node.ops):
                return None
        elif isinstance(node, ast.Constant):
            if not _scalar(node)[0]:
                return None
        elif not isinstance(
            node, (ast.BoolOp, ast.UnaryOp, ast.And, ast.Or, ast.Not, ast.Load, ast.cmpop)
        ):
            return None
    return found


def _assigned_self_attributes(stmts: list[ast.stmt]) -> set[str]:
    found: set[str] = set()
    for node in (node for top in stmts for node in ast.walk(top)):
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
            targets = [node.target]
        else:
            continue
        for target in targets:
            if (
                isinstance(target, ast.Attribute)
                and isinstance(target.value, ast.Name)
                and target.value.id == "self"
            ):
                found.add(target.attr)
    return found


def _self_healing_return(stmt: ast.If, after: list[ast.stmt], owner: ast.ClassDef) -> bool:
    """See `_Summarizer._self_healing`: the `if` returns at once (nothing, or a `self`
    attribute), its test reads only `self` attributes, and the statements after it (with the
    bodies of the methods of `owner` they call on `self`, one level) assign one of them
    back."""
    if stmt.orelse or len(stmt.body) != 1 or not isinstance(stmt.body[0], ast.Return):
        return False
    value = stmt.body[0].value
    if value is not None and not (
        isinstance(value, ast.Attribute)
        and isinstance(value.value, ast.Name)
        and value.value.id == "self"
    ):
        return False
    tested = _self_attributes(stmt.test)
    if not tested or not after:
        return False
    assigned = _assigned_self_attributes(after)
    methods = {
        item.name: item
        for item in owner.body
        if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef))
    }
    for node in (node for top in after for node in ast.walk(top)):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == "self"
            and node.func.attr in methods
        ):
            assigned |= _assigned_self_attributes(methods[node.func.attr].body)
    return bool(tested & assigned)


def _is_stub(body: list[ast.stmt]) -> bool:
    """A body that does nothing: an abstract method or a protocol member."""
    for stmt in body:
        if isinstance(stmt, ast.Pass):
            continue
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
            continue  # a docstring or `...`
        if isinstance(stmt, ast.Raise):
            exc = stmt.exc
            if isinstance(exc, ast.Call):
                exc = exc.func
            if isinstance(exc, ast.Name) and exc.id == "NotImplementedError":
                continue
        return False
    return True


def _scope_record(scope: _Scope, kind: str) -> dict[str, Any]:
    return {
        "kind": kind,
        "bindings": scope.bindings,
        "global": sorted(scope.declared_global),
        "nonlocal": sorted(scope.declared_nonlocal),
    }


_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
#: Calls that read names the code does not spell out.
_NAMESPACE_CALLS = frozenset({"globals", "vars", "locals"})
_DYNAMIC_ATTRIBUTE_CALLS = frozenset({"getattr", "hasattr"})
#: Strings longer than this are text, not names (`"app.tasks:run"` is a name).
MAX_NAME_STRING = 200


def summarize_tree(
    tree: ast.Module, module: str, is_package: bool, text: str | None = None
) -> dict[str, Any]:
    """`text`, the source, makes call columns code points on non-ASCII lines."""
    walker = _Summarizer(module, is_package, text)
    for stmt in tree.body:
        walker.visit(stmt)
    walker.bind_comprehension_targets()
    scopes = dict(walker.scope_table)
    module_scope = walker.scopes[0]
    scopes[""] = _scope_record(module_scope, "module")
    constants = {
        name: record
        for name, record in walker.constants.items()
        if module_scope.bind_counts.get(name) == 1 and name not in walker.mutated
    }
    for stmt in tree.body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)) and stmt.name == "__getattr__":
            walker.dynamic.add("?")  # a module `__getattr__` answers names nobody spells
    return {
        "version": SUMMARY_VERSION,
        "module": module,
        "package": is_package,
        "scopes": scopes,
        "functions": walker.functions,
        "classes": walker.classes,
        "module_calls": walker.module_calls,
        "keyword_spreads": walker.keyword_spreads,
        "depends": walker.depends,
        "depends_scopes": walker.depends_scopes,
        "lambda_nested_calls": walker.lambda_nested_calls,
        "has_async": walker.has_async,
        "state_assigns": walker.state_assigns,
        "lifespan_assigns": walker.lifespan_assigns,
        "constants": constants,
        "mutated": sorted(walker.mutated),
        "refs": sorted(walker.refs),
        "dynamic": sorted(walker.dynamic),
    }


def summarize_source(text: str, module: str, is_package: bool, filename: str = "<unknown>"):
    """Summary of one module, or None when Python cannot parse it (FPI001 is reported
    elsewhere). Syntax newer than the running Python (3.12 syntax on 3.11) is summarised from
    its lowered text (`syntax.parse_python`), so the facts do not depend on the interpreter;
    `syntax` lists the uses of syntax from Python 3.10 on (`syntax.NewSyntax.to_list`).

    Raises TooDeep when the file nests too deeply for `ast` or for the summariser (CPython
    refuses 200 nested brackets; its parser and this walk stop at Python's recursion limit):
    such a file is FPI001, not a file without facts."""
    from ..syntax import ast_features, parse_python

    try:
        parsed = parse_python(text, filename=filename)
    except (SyntaxError, RecursionError, MemoryError) as exc:
        reason = depth_reason(exc, text)
        if reason is not None:
            raise TooDeep.at(reason, exc) from None
        if not isinstance(exc, SyntaxError):
            raise
        return None
    except ValueError:  # NUL bytes (decoding reports them first)
        return None
    try:
        # The lowered text is what the tree's offsets point into.
        summary = summarize_tree(parsed.tree, module, is_package, parsed.text)
        features = parsed.features
        if features is None:
            features = ast_features(parsed.tree, text)
    except RecursionError as exc:
        reason = depth_reason(exc, text)
        if reason is None:
            raise
        raise TooDeep(reason) from None
    summary["syntax"] = [feature.to_list() for feature in features]
    return summary
