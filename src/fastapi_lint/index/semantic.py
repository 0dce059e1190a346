"""The semantic model: what a *value* is, statically, across modules.

`ProjectIndex` resolves names through imports; this mixin gives it types. Every question is
answered from the per-module `ast` summaries (never by importing or running the linted code)
and memoised in the index, so the cache records which modules an answer read.

What it infers (each answer is a `Ref`, or None when unsure):

* local names: plain and annotated assignments (`Final`, `ClassVar`, `Optional`, `X | None`
  unwrapped), a parameter re-bound (`path = Path(path)`) or a name bound `None` then a value
  (all bindings must agree on one type), walrus, `with ... as x` (what `__enter__`/`__aenter__`
  or a `@contextmanager` generator yields), `for x in <container or sync generator>`, and
  a comprehension's `for x in ...` when no other binding of the name is visible in the
  function and every comprehension there that binds it iterates the same thing;
* call results: classes, library constructors and factories (opaque instances named after the
  callable, as the catalogs expect), project functions through their return annotation or,
  without one, the one type all their `return` values agree on, across modules;
  `Model.model_validate(x)` -> `Model`; `cls(...)`; type-keeping `Path` operations;
* parameters: annotations, `self`/`cls` in methods, `Depends(dep)`/`Security(dep)`/
  `Annotated[..., Depends(dep)]` -> what `dep` returns or yields (a class dependency -> the
  class);
* attributes of project-class instances through the class hierarchy (MRO, across modules):
  class-level annotations and assignments, `self.x = ...` in any method, methods (as the
  defining function), `@property`/`cached_property` (their return type);
  `request.state.x`/`request.app.state.x` where the project assigns them;
* mappings (`dict[str, Client]`, `{e.id: e for e in exts}`): `.get(k)`, `.pop(k)`, `m[k]`,
  `.values()`; a list extended by `+=` with elements of its own type;
* `super().method()`; abstract and protocol methods -> the project's implementations
  (`implementations`); a library base's method that calls a project override back on the
  loop (`LIBRARY_CALLBACKS`, `library_callbacks`);
* what a function returns, each `return` with the attribute writes still in effect on the
  names it reads (`returned_values`; `for p in rows: p.key = None` then `return rows`), and
  the expression a local name is bound to (`bound_value`), for families that read forms the
  types do not keep (a dump, a query's rows).

What it deliberately does not do: no flow sensitivity (a name has one type per scope, or none),
no narrowing by `isinstance`, no generics beyond container element and mapping value types, no
inference through library code (beyond the `LIBRARY_CALLBACKS` table) (a library call gives an opaque instance named after the call), no guessing: two
bindings that disagree give None.
"""

from __future__ import annotations

from typing import Any

from .refs import Ref
from .shapes import name_shape
from .summary import Shape

PATH_TYPES = frozenset(
    {
        "pathlib.Path",
        "pathlib.PosixPath",
        "pathlib.WindowsPath",
        "pathlib.PurePath",
        "pathlib.PurePosixPath",
        "pathlib.PureWindowsPath",
        "anyio.Path",
    }
)
# Members of a path that give a path of the same type, without I/O.
PATH_KEEPING_ATTRS = frozenset({"parent"})
PATH_KEEPING_METHODS = frozenset(
    {
        "with_name",
        "with_suffix",
        "with_stem",
        "joinpath",
        "absolute",
        "resolve",
        "expanduser",
        "relative_to",
        "cwd",
        "home",
    }
)
# Class methods of models that construct an instance of the class they are called on.
CONSTRUCTORS = frozenset(
    {
        "model_validate",
        "model_validate_json",
        "model_validate_strings",
        "model_construct",
        "parse_obj",
        "parse_raw",
        "parse_file",
        "from_orm",
        "construct",
    }
)
# Instance methods that give a copy of the same type.
COPIES = frozenset({"model_copy", "copy"})
CONTAINERS = frozenset(
    {
        "builtins.list",
        "builtins.set",
        "builtins.frozenset",
        "builtins.tuple",
        "typing.List",
        "typing.Set",
        "typing.FrozenSet",
        "typing.Tuple",
        "typing.Sequence",
        "typing.MutableSequence",
        "typing.Iterable",
        "typing.Iterator",
        "typing.Collection",
        "typing.AbstractSet",
        "collections.abc.Sequence",
        "collections.abc.MutableSequence",
        "collections.abc.Iterable",
        "collections.abc.Iterator",
        "collections.abc.Collection",
        "collections.abc.Set",
        "collections.deque",
        "typing.Deque",
    }
)
#: Mappings whose value type an annotation names (`dict[str, Client]`): `.get(k)`, `.pop(k)`,
#: `m[k]` give a value, `.values()` a container of them.
MAPPINGS = frozenset(
    {
        "builtins.dict",
        "typing.Dict",
        "typing.Mapping",
        "typing.MutableMapping",
        "typing.DefaultDict",
        "typing.OrderedDict",
        "collections.abc.Mapping",
        "collections.abc.MutableMapping",
        "collections.defaultdict",
        "collections.OrderedDict",
    }
)
#: Library methods that call, on the event loop, a method a project subclass may override:
#: (library class, method) -> the methods it calls so. Starlette's `StaticFiles.get_response`
#: looks the path up in a thread (`lookup_path`) but builds the response on the loop with
#: `self.file_response(...)`; without a project override that call does no I/O.
LIBRARY_CALLBACKS = {
    ("starlette.staticfiles.StaticFiles", "get_response"): ("file_response",),
    ("fastapi.staticfiles.StaticFiles", "get_response"): ("file_response",),
}
#: Methods of a mapping that give one of its values (or the default, see `value_of`).
MAPPING_VALUE_METHODS = frozenset({"get", "pop"})
GENERATOR_TYPES = frozenset(
    {
        "typing.Generator",
        "typing.Iterator",
        "typing.Iterable",
        "typing.AsyncGenerator",
        "typing.AsyncIterator",
        "typing.AsyncIterable",
        "collections.abc.Generator",
        "collections.abc.Iterator",
        "collections.abc.Iterable",
        "collections.abc.AsyncGenerator",
        "collections.abc.AsyncIterator",
        "collections.abc.AsyncIterable",
    }
)
WRAPPERS = frozenset(
    {
        "typing.Annotated",
        "typing_extensions.Annotated",
        "typing.Optional",
        "typing_extensions.Optional",
        "typing.Final",
        "typing_extensions.Final",
        "typing.ClassVar",
        "typing_extensions.ClassVar",
        "typing.Awaitable",
        "typing.Coroutine",
        "collections.abc.Awaitable",
        "collections.abc.Coroutine",
    }
)
DEPENDS_MARKERS = frozenset(
    {
        "fastapi.Depends",
        "fastapi.Security",
        "fastapi.params.Depends",
        "fastapi.params.Security",
        "fastapi.param_functions.Depends",
        "fastapi.param_functions.Security",
    }
)
PROPERTIES = frozenset({"builtins.property", "functools.cached_property"})
CONTEXT_MANAGER_MAKERS = frozenset({"contextlib.contextmanager", "contextlib.asynccontextmanager"})
STATIC_METHOD = "builtins.staticmethod"
CLASS_METHOD = "builtins.classmethod"
ABSTRACT_METHODS = frozenset({"abc.abstractmethod"})
FINAL = frozenset({"typing.final", "typing_extensions.final"})
PROTOCOLS = frozenset({"typing.Protocol", "typing_extensions.Protocol"})
REQUEST_TYPES = frozenset(
    {
        "fastapi.Request",
        "fastapi.requests.Request",
        "starlette.requests.Request",
        "fastapi.WebSocket",
        "fastapi.websockets.WebSocket",
        "starlette.websockets.WebSocket",
        "starlette.requests.HTTPConnection",
    }
)
APP_TYPES = frozenset(
    {"fastapi.FastAPI", "fastapi.applications.FastAPI", "starlette.applications.Starlette"}
)
#: Attributes of a `Request` that hold what the client sent (`request.app` does not).
REQUEST_DATA = frozenset(
    {"query_params", "path_params", "headers", "cookies", "url", "json", "form", "body"}
)
ITERATING_CALLS = frozenset({"builtins.next"})
DECLARATIVE_BASES = frozenset(
    {
        "sqlalchemy.orm.DeclarativeBase",
        "sqlalchemy.orm.decl_api.DeclarativeBase",
        "sqlmodel.SQLModel",
        "sqlmodel.main.SQLModel",
    }
)
SESSIONMAKERS = frozenset({"sqlalchemy.orm.sessionmaker", "sqlalchemy.orm.session.sessionmaker"})
ASYNC_SESSIONMAKER = "sqlalchemy.ext.asyncio.async_sessionmaker"
ASYNC_SESSION_CLASSES = frozenset(
    {
        "sqlalchemy.ext.asyncio.AsyncSession",
        "sqlalchemy.ext.asyncio.session.AsyncSession",
        "sqlmodel.ext.asyncio.session.AsyncSession",
    }
)
# Library methods that give back their receiver (`session.begin()` aside, which the session
# catalog names on its own): `x.__enter__()` of most clients is the client.
MAX_MRO = 24
#: How many hops (names, attributes, calls of a helper) a value's provenance is followed.
MAX_PROVENANCE = 24


def _ref(kind: str, qual: str) -> Ref:
    return Ref(kind, qual)


class SemanticModel:
    """Type inference over the summaries; mixed into `ProjectIndex` (which provides
    `module`, `function`, `class_`, `split_qualified`, `lookup_binding`, `memoised`,
    `ref_of_value`, `type_of_annotation`, `resolve_qualified`, `project_fact`)."""

    # -- bindings ----------------------------------------------------------------------------
    def binding_type(
        self, module: str, scope: str, name: str | None, binding: list[Any], depth: int
    ) -> Ref | None:
        """The value a `param`, `with`, `for` or `ambiguous` binding holds."""
        kind = binding[0]
        if kind == "param":
            return self.param_type(module, scope, name, binding, depth)
        if kind == "with":
            is_async = len(binding) > 2 and bool(binding[2])
            return self.entered_type(module, scope, binding[1], is_async, depth)
        if kind == "for":
            return self.iterated_type(module, scope, binding[1], depth)
        if kind == "item" and len(binding) > 2:
            return self.item_type(module, scope, binding[1], binding[2], depth)
        if kind == "ambiguous" and len(binding) > 1:
            return self._agreed(module, scope, name, binding[1], depth)
        return None

    def item_type(
        self, module: str, scope: str, value: Shape | None, position: int, depth: int
    ) -> Ref | None:
        """The type of item `position` of a value unpacked by `a, b = value`: of a tuple
        literal, or of what a project function returns when every `return` it makes is a
        tuple whose items there agree on one type (`return args, Controller(...)`). Anything
        else (a library call, an annotation, a starred item) is not followed."""
        if value is None or depth > MAX_PROVENANCE:
            return None
        if value[0] == "await":
            value = value[1]
        if value and value[0] == "list":
            items = value[1]
            return (
                self.ref_of_value(module, scope, items[position], depth + 1)  # type: ignore[attr-defined]
                if position < len(items)
                else None
            )
        if not value or value[0] != "call":
            return None
        callee = self.ref_of_value(module, scope, value[1], depth + 1)  # type: ignore[attr-defined]
        if callee is None or callee.kind != "function":
            return None
        fact = self.function(callee.qual)  # type: ignore[attr-defined]
        split = self.split_qualified(callee.qual)  # type: ignore[attr-defined]
        if fact is None or split is None or fact.get("generator"):
            return None
        returns = fact.get("returns_values") or []
        found: Ref | None = None
        for returned in returns:
            if not returned or returned[0] != "list" or position >= len(returned[1]):
                return None
            ref = self.ref_of_value(split[0], split[1], returned[1][position], depth + 1)  # type: ignore[attr-defined]
            if ref is None or (found is not None and ref != found):
                return None
            found = ref
        return found

    def _agreed(
        self, module: str, scope: str, name: str | None, candidates: list, depth: int
    ) -> Ref | None:
        """One type all bindings of a name agree on. `None` and the parameter a body re-binds
        (`path = Path(path)`) do not disagree; anything unknown does."""
        found: Ref | None = None
        rebinds = any(c[0] not in ("param", "augadd") for c in candidates)
        if all(c[0] == "augadd" or c == ["value", ["const", None]] for c in candidates):
            return None  # extended but never bound to a value here
        for candidate in candidates:
            if candidate[0] == "value" and candidate[1] == ["const", None]:
                continue
            if candidate[0] == "param" and rebinds:
                # `path = Path(path)`: a parameter re-bound in the body is converted there
                # (what it was before matters less than what the body works with).
                continue
            if candidate[0] == "augadd":
                # `exts += [e for e in more]`: a list extended by elements of its own type
                # keeps it (the other bindings must still give the name that type).
                ref = self.ref_of_value(module, scope, candidate[1], depth + 1)  # type: ignore[attr-defined]
                if ref is None or ref.kind != "container":
                    return None
            else:
                ref = self._ref_of_binding(module, scope, candidate, depth + 1, name)  # type: ignore[attr-defined]
            if ref is None:
                return None
            if found is not None and ref != found:
                return None
            found = ref
        return found

    def bound_value(self, module: str, scope: str, name: str) -> tuple[Shape, str, Shape] | None:
        """The expression a bare name is bound to, seen from `scope`: `(value, binding scope,
        annotation or None)` for `x = <value>` / `x: T = <value>`; None for a parameter, an
        import, a def, a `with`/`for` target or a name bound more than once."""
        found = self.lookup_binding(module, scope, name)  # type: ignore[attr-defined]
        if found is None:
            return None
        binding, bound_in = found
        if not binding or binding[0] != "value":
            return None
        return binding[1], bound_in, binding[2] if len(binding) > 2 else None

    # -- parameters --------------------------------------------------------------------------
    def param_type(
        self, module: str, scope: str, name: str | None, binding: list[Any], depth: int
    ) -> Ref | None:
        summary = self.module(module)  # type: ignore[attr-defined]
        fact = summary["functions"].get(scope) if summary else None
        if fact is not None and name is not None:
            receiver = self._receiver(module, fact, name)
            if receiver is not None:
                return receiver
        annotation, default = binding[1], binding[2] if len(binding) > 2 else None
        if annotation is not None:
            typed = self.type_of_annotation(module, scope, annotation, depth + 1)  # type: ignore[attr-defined]
            if typed is not None:
                return typed
        dep = self._dependency_of(module, scope, default, annotation, depth)
        if dep is not None:
            return self.dependency_result(module, scope, dep, depth + 1)
        return None

    def _receiver(self, module: str, fact: dict[str, Any], name: str) -> Ref | None:
        """`self` (an instance of the class) or `cls` (the class) of a method."""
        cls_key = fact.get("class")
        params = fact.get("params") or []
        if not cls_key or not params or params[0][0] != name or params[0][3] != "pos":
            return None
        cls_qual = f"{module}.{cls_key}" if module else cls_key
        decorators = {self._decorator_qual(module, fact, d) for d in fact["decorators"]}
        if STATIC_METHOD in decorators:
            return None
        if CLASS_METHOD in decorators or fact["name"] in ("__new__", "__init_subclass__"):
            return _ref("class", cls_qual)
        return _ref("instance", cls_qual)

    def _decorator_qual(self, module: str, fact: dict[str, Any], decorator: Shape) -> str:
        shape = decorator[1] if decorator and decorator[0] == "call" else decorator
        scope = fact.get("parent") or fact.get("class") or ""
        ref = self.ref_of_value(module, scope, shape)  # type: ignore[attr-defined]
        return ref.qual if ref is not None else ""

    def _dependency_of(
        self, module: str, scope: str, default: Shape | None, annotation: Shape | None, depth: int
    ) -> Shape | None:
        """The `dep` of `= Depends(dep)` or of `Annotated[..., Depends(dep)]` (through aliases)."""
        found = self.dependency_marker(module, scope, default, annotation)
        if found is None:
            return None
        marker_module, marker_scope, call, annotated = found
        args, kwargs = call[2] or [], call[3] or {}
        dep = kwargs.get("dependency") or (args[0] if args else None)
        if dep is None:
            return annotated  # `Depends()`: the annotation is the class dependency
        return ["@in", marker_module, marker_scope, dep]

    def dependency_marker(
        self, module: str, scope: str, default: Shape | None, annotation: Shape | None
    ) -> tuple[str, str, Shape, Shape | None] | None:
        """The `Depends(...)`/`Security(...)` call that declares a parameter's value: the
        default, else the metadata of its `Annotated` annotation (through type aliases defined
        anywhere in the project), as (module, scope, call shape, the annotated type) — the
        module and scope the call is written in."""
        expanded = self.expand_annotation(module, scope, annotation) if annotation else None  # type: ignore[attr-defined]
        if expanded is not None:
            ann_module, shape = expanded
            ann_scope = scope if ann_module == module and shape is annotation else ""
            if shape and shape[0] == "sub":
                base = self.ref_of_value(ann_module, ann_scope, shape[1])  # type: ignore[attr-defined]
                if base is not None and base.qual in WRAPPERS:
                    for extra in shape[2][1:]:
                        if self._is_marker(ann_module, ann_scope, extra):
                            return ann_module, ann_scope, extra, shape[2][0]
        if self._is_marker(module, scope, default):
            return module, scope, default, annotation  # type: ignore[return-value]
        return None

    def _is_marker(self, module: str, scope: str, call: Shape | None) -> bool:
        if not call or call[0] != "call":
            return False
        callee = self.ref_of_value(module, scope, call[1])  # type: ignore[attr-defined]
        return callee is not None and callee.qual in DEPENDS_MARKERS

    def dependency_result(self, module: str, scope: str, dep: Shape, depth: int) -> Ref | None:
        """What FastAPI injects for `Depends(dep)`: a class -> its instance; a function -> what
        it returns, or yields when it is a generator."""
        if dep and dep[0] == "@in":
            module, scope, dep = dep[1], dep[2], dep[3]
        ref = self.ref_of_value(module, scope, dep, depth + 1)  # type: ignore[attr-defined]
        if ref is None:
            return None
        if ref.kind == "class":
            return _ref("instance", ref.qual)
        if ref.kind != "function":
            return None
        fact = self.function(ref.qual)  # type: ignore[attr-defined]
        if fact is None:
            return None
        if fact.get("generator"):
            return self.yields_type(ref.qual)
        return self.function_result(ref.qual)

    # -- functions ---------------------------------------------------------------------------
    def function_result(self, qual: str) -> Ref | None:
        """What calling (and awaiting) a non-generator project function gives: its return
        annotation, else the one type every `return` agrees on."""
        return self.memoised(("sem-result", qual), lambda: self._compute_result(qual))  # type: ignore[attr-defined]

    def _compute_result(self, qual: str) -> Ref | None:
        fact = self.function(qual)  # type: ignore[attr-defined]
        split = self.split_qualified(qual)  # type: ignore[attr-defined]
        if fact is None or split is None or fact.get("generator"):
            return None
        module, key = split
        if fact.get("returns") is not None:
            typed = self.type_of_annotation(module, key, fact["returns"])  # type: ignore[attr-defined]
            if typed is not None:
                return typed
        found: Ref | None = None
        for shape in fact.get("returns_values") or []:
            if shape == ["const", None]:
                continue
            ref = self.ref_of_value(module, key, shape)  # type: ignore[attr-defined]
            if ref is None or ref.kind not in ("instance", "container", "class"):
                return None
            if ref.kind == "instance" and self.function(ref.qual) is not None:  # type: ignore[attr-defined]
                return None  # an opaque result of another function: unknown
            if found is not None and ref != found:
                return None
            found = ref
        return found

    def returned_values(self, qual: str) -> list[tuple[Shape, dict[str, list[Any]]]]:
        """Each value a project function returns (`return <value>`, in source order), with
        the attribute writes still in effect there on the names the value reads
        (`index.field_writes`): `for p in rows: p.key = None` then `return rows` gives
        `(["n", "rows"], {"rows": [["key", ["const", None]]]})`."""
        fact = self.function(qual)  # type: ignore[attr-defined]
        if fact is None:
            return []
        values = fact.get("returns_values") or []
        writes = fact.get("returned_writes") or [{} for _ in values]
        return list(zip(values, writes, strict=False))

    def returned_bindings(self, qual: str) -> list[dict[str, Any]]:
        """Aligned with `returned_values`: per `return`, the value each name the returned
        expression reads was last bound to, for names bound more than once in the function
        (which `bound_value` leaves unanswered) where one `name = <value>` reaches the return
        on every path (`index.field_writes`)."""
        fact = self.function(qual)  # type: ignore[attr-defined]
        if fact is None:
            return []
        values = fact.get("returns_values") or []
        return list(fact.get("returned_bindings") or [{} for _ in values])

    def yields_type(self, qual: str) -> Ref | None:
        """What a generator function yields: its `Iterator[T]`/`Generator[T, ...]` annotation,
        else the one type every `yield` agrees on."""
        return self.memoised(("sem-yields", qual), lambda: self._compute_yields(qual))  # type: ignore[attr-defined]

    def _compute_yields(self, qual: str) -> Ref | None:
        fact = self.function(qual)  # type: ignore[attr-defined]
        split = self.split_qualified(qual)  # type: ignore[attr-defined]
        if fact is None or split is None or not fact.get("generator"):
            return None
        module, key = split
        returns = fact.get("returns")
        if returns and returns[0] == "sub":
            base = self.ref_of_value(module, key, returns[1])  # type: ignore[attr-defined]
            if base is not None and base.qual in GENERATOR_TYPES and returns[2]:
                typed = self.type_of_annotation(module, key, returns[2][0])  # type: ignore[attr-defined]
                if typed is not None:
                    return typed
        found: Ref | None = None
        for shape in fact.get("yields_values") or []:
            ref = self.ref_of_value(module, key, shape)  # type: ignore[attr-defined]
            if ref is None or ref.kind not in ("instance", "container"):
                return None
            if ref.kind == "instance" and self.function(ref.qual) is not None:  # type: ignore[attr-defined]
                return None
            if found is not None and ref != found:
                return None
            found = ref
        return found

    def is_context_manager(self, qual: str) -> bool:
        fact = self.function(qual)  # type: ignore[attr-defined]
        split = self.split_qualified(qual)  # type: ignore[attr-defined]
        if fact is None or split is None or not fact.get("generator"):
            return False
        return any(
            self._decorator_qual(split[0], fact, d) in CONTEXT_MANAGER_MAKERS
            for d in fact["decorators"]
        )

    def is_property(self, qual: str) -> bool:
        fact = self.function(qual)  # type: ignore[attr-defined]
        split = self.split_qualified(qual)  # type: ignore[attr-defined]
        if fact is None or split is None:
            return False
        return any(
            self._decorator_qual(split[0], fact, d) in PROPERTIES for d in fact["decorators"]
        )

    # -- with / for targets ------------------------------------------------------------------
    def entered_type(
        self, module: str, scope: str, shape: Shape | None, is_async: bool, depth: int
    ) -> Ref | None:
        ref = self.ref_of_value(module, scope, shape, depth + 1)  # type: ignore[attr-defined]
        return self.entered(ref, is_async)

    def entered(self, ref: Ref | None, is_async: bool) -> Ref | None:
        """What `with <ref> as x` binds."""
        if ref is not None and ref.kind == "cm":
            return self.yields_type(ref.qual)  # `with contextmanager(gen)() as x`
        if ref is None or ref.kind != "instance":
            return ref if ref is not None and ref.kind == "member" else None
        fact = self.function(ref.qual)  # type: ignore[attr-defined]
        if fact is not None:
            # A project function's result we know nothing else about: a context-manager
            # generator gives what it yields; anything else is unknown.
            return self.yields_type(ref.qual) if self.is_context_manager(ref.qual) else None
        if self.class_(ref.qual) is not None:  # type: ignore[attr-defined]
            method = self.find_method(ref.qual, "__aenter__" if is_async else "__enter__")
            if method is None:
                return ref
            enter = self.function(method)  # type: ignore[attr-defined]
            params = enter.get("params") if enter else None
            returned = enter.get("returns_values") if enter else None
            if params and returned and all(r == ["n", params[0][0]] for r in returned):
                return ref  # `return self`: keep the subclass
            return self.function_result(method)
        return ref  # a library object: its `__enter__` gives itself (clients, sessions, files)

    def iterated_type(self, module: str, scope: str, shape: Shape | None, depth: int) -> Ref | None:
        ref = self.ref_of_value(module, scope, shape, depth + 1)  # type: ignore[attr-defined]
        return self.element(ref)

    def element(self, ref: Ref | None) -> Ref | None:
        """What iterating `ref` gives: a container's element, a sync generator's yield."""
        if ref is None:
            return None
        if ref.kind == "container":
            return _ref("instance", ref.qual)
        if ref.kind == "instance":
            fact = self.function(ref.qual)  # type: ignore[attr-defined]
            if fact is not None and fact.get("generator") and not self.is_context_manager(ref.qual):
                return self.yields_type(ref.qual)
        return None

    def generator_function(self, ref: Ref | None) -> str | None:
        """The project generator function whose generator `ref` is (the result of calling it)."""
        if ref is None or ref.kind != "instance":
            return None
        fact = self.function(ref.qual)  # type: ignore[attr-defined]
        if fact is None or not fact.get("generator") or fact.get("async"):
            return None
        return None if self.is_context_manager(ref.qual) else ref.qual

    # -- classes -----------------------------------------------------------------------------
    def class_bases(self, qual: str) -> list[Ref]:
        """The resolved bases of a project class (project classes and library names)."""
        return self.memoised(("sem-bases", qual), lambda: self._compute_bases(qual)) or []  # type: ignore[attr-defined]

    def _compute_bases(self, qual: str) -> list[Ref]:
        fact = self.class_(qual)  # type: ignore[attr-defined]
        split = self.split_qualified(qual)  # type: ignore[attr-defined]
        if fact is None or split is None:
            return []
        bases = []
        for shape in fact["bases"]:
            if shape and shape[0] == "sub":
                shape = shape[1]  # Generic[T], BaseRepo[User]
            ref = self.ref_of_value(split[0], fact.get("parent") or "", shape)  # type: ignore[attr-defined]
            if ref is not None and ref.kind in ("class", "external"):
                bases.append(ref)
        return bases

    def mro(self, qual: str) -> list[str]:
        """Project classes in lookup order (depth-first, left to right, duplicates dropped
        — C3 agrees on every hierarchy that is not a diamond)."""

        def compute() -> list[str]:
            order: list[str] = []
            stack = [qual]
            while stack and len(order) < MAX_MRO:
                current = stack.pop(0)
                if current in order or self.class_(current) is None:  # type: ignore[attr-defined]
                    continue
                order.append(current)
                bases = [b.qual for b in self.class_bases(current) if b.kind == "class"]
                stack = bases + stack
            return order

        return self.memoised(("sem-mro", qual), compute) or [qual]  # type: ignore[attr-defined]

    def external_bases(self, qual: str) -> set[str]:
        out: set[str] = set()
        for cls in self.mro(qual):
            out.update(b.qual for b in self.class_bases(cls) if b.kind == "external")
        return out

    def find_method(self, class_qual: str, attr: str, after: str | None = None) -> str | None:
        """The qualified function `attr` names on the class, through the MRO (`after`: start
        past that class, for `super()`)."""
        order = self.mro(class_qual)
        if after is not None:
            order = order[order.index(after) + 1 :] if after in order else []
        for cls in order:
            split = self.split_qualified(cls)  # type: ignore[attr-defined]
            summary = self.module(split[0]) if split else None  # type: ignore[attr-defined]
            if split and summary and f"{split[1]}.{attr}" in summary["functions"]:
                return f"{cls}.{attr}"
        return None

    def attribute_type(self, class_qual: str, attr: str) -> Ref | None:
        """The type of an attribute of instances of a project class (not a method)."""
        return self.memoised(  # type: ignore[attr-defined]
            ("sem-attr", class_qual, attr), lambda: self._compute_attribute(class_qual, attr)
        )

    def _compute_attribute(self, class_qual: str, attr: str) -> Ref | None:
        for cls in self.mro(class_qual):
            found, ref = self._own_attribute(cls, attr)
            if found:
                return ref
        return None

    def _own_attribute(self, cls: str, attr: str) -> tuple[bool, Ref | None]:
        """(whether the class itself declares `attr`, its type)."""
        split = self.split_qualified(cls)  # type: ignore[attr-defined]
        summary = self.module(split[0]) if split else None  # type: ignore[attr-defined]
        if split is None or summary is None:
            return False, None
        module, key = split
        fact = summary["classes"].get(key)
        if fact is None:
            return False, None
        declared = False
        for name, annotation, value, _line in fact["fields"]:
            if name != attr:
                continue
            declared = True
            typed = self.type_of_annotation(module, key, annotation)  # type: ignore[attr-defined]
            if typed is not None:
                return True, typed
            if value is not None:
                return True, self.ref_of_value(module, key, value)  # type: ignore[attr-defined]
        candidates: list[Ref | None] = []
        for method in fact["methods"]:
            mfact = summary["functions"].get(f"{key}.{method}")
            if mfact is None:
                continue
            for name, value, annotation in mfact.get("self_assigns") or []:
                if name != attr:
                    continue
                declared = True
                mkey = f"{key}.{method}"
                typed = None
                if annotation is not None:
                    typed = self.type_of_annotation(module, mkey, annotation)  # type: ignore[attr-defined]
                if typed is None and value != ["const", None]:
                    typed = self.ref_of_value(module, mkey, value)  # type: ignore[attr-defined]
                    if typed is None:
                        return True, None
                if typed is not None:
                    candidates.append(typed)
        if candidates:
            first = candidates[0]
            return True, first if all(c == first for c in candidates) else None
        binding = summary["scopes"].get(key, {}).get("bindings", {}).get(attr)
        if binding is not None and binding[0] not in ("def", "class"):
            return True, self._ref_of_binding(module, key, binding, 1, attr)  # type: ignore[attr-defined]
        return declared, None

    def instance_member(self, class_qual: str, attr: str) -> Ref | None:
        """`obj.attr` for `obj` an instance of a project class: a method (the defining
        function), a property (its value), an attribute (its type); None when unknown."""
        method = self.find_method(class_qual, attr)
        if method is not None:
            if self.is_property(method):
                return self.function_result(method)
            return _ref("function", method)
        typed = self.attribute_type(class_qual, attr)
        if typed is not None:
            return typed
        if attr in COPIES and self._is_model_like(class_qual):
            return _ref("constructor", class_qual)
        return None

    def property_function(self, base: Ref | None, attr: str) -> str | None:
        """The property getter `base.attr` runs, when `base` is a project-class instance."""
        if base is None or base.kind != "instance" or self.class_(base.qual) is None:  # type: ignore[attr-defined]
            return None
        method = self.find_method(base.qual, attr)
        return method if method is not None and self.is_property(method) else None

    def class_member(self, class_qual: str, attr: str) -> Ref | None:
        """`Cls.attr`: a method or nested class through the MRO, a constructor classmethod
        of a model (`User.model_validate`), a class attribute's type."""
        for cls in self.mro(class_qual):
            split = self.split_qualified(cls)  # type: ignore[attr-defined]
            summary = self.module(split[0]) if split else None  # type: ignore[attr-defined]
            if split is None or summary is None:
                continue
            key = f"{split[1]}.{attr}"
            if key in summary["functions"]:
                return _ref("function", f"{cls}.{attr}")
            if key in summary["classes"]:
                return _ref("class", f"{cls}.{attr}")
        if attr in CONSTRUCTORS:
            return _ref("constructor", class_qual)
        typed = self.attribute_type(class_qual, attr)
        if typed is None and attr == "metadata":
            # `Base.metadata` of a declarative model base: the library's MetaData.
            for base in sorted(self.external_bases(class_qual)):
                if base in DECLARATIVE_BASES:
                    return _ref("member", f"{base}.metadata")
        return typed

    def is_async_session_class(self, ref: Ref) -> bool:
        """`AsyncSession` or a project subclass of it (a `sessionmaker(class_=...)`)."""
        if ref.kind == "external":
            return ref.qual in ASYNC_SESSION_CLASSES
        return ref.kind == "class" and bool(self.external_bases(ref.qual) & ASYNC_SESSION_CLASSES)

    def _is_model_like(self, class_qual: str) -> bool:
        return any(
            q.startswith(("pydantic.", "sqlmodel.", "dataclasses."))
            for q in self.external_bases(class_qual)
        )

    def super_member(self, class_qual: str, attr: str) -> Ref | None:
        method = self.find_method(class_qual, attr, after=class_qual)
        if method is not None:
            return _ref("function", method)
        if self.library_callbacks(f"{class_qual}.{attr}"):
            return _ref("callback", f"{class_qual}.{attr}")
        return None

    def library_callbacks(self, qual: str) -> list[tuple[str, str]]:
        """For `super().attr` in the project class of `qual` (`Cls.attr`), where no project
        class defines `attr` and a library base's `attr` calls back into methods the project
        overrides (`LIBRARY_CALLBACKS`): `(library method, project override)` pairs, e.g.
        `("starlette.staticfiles.StaticFiles.get_response", "app.Guarded.file_response")`."""
        class_qual, _, attr = qual.rpartition(".")
        found: list[tuple[str, str]] = []
        for base in sorted(self.external_bases(class_qual)):
            for called in LIBRARY_CALLBACKS.get((base, attr), ()):
                override = self.find_method(class_qual, called)
                if override is not None:
                    found.append((f"{base}.{attr}", override))
        return found

    # -- implementations of abstract and protocol methods ------------------------------------
    def is_abstract(self, qual: str, *, declared_only: bool = False) -> bool:
        """A method decorated `@abstractmethod`, or (unless `declared_only`) one whose body
        does nothing (`...`, `pass`, `raise NotImplementedError`: a protocol member)."""
        fact = self.function(qual)  # type: ignore[attr-defined]
        split = self.split_qualified(qual)  # type: ignore[attr-defined]
        if fact is None or split is None or not fact.get("class"):
            return False
        if fact.get("stub") and not declared_only:
            return True
        return any(
            self._decorator_qual(split[0], fact, d) in ABSTRACT_METHODS for d in fact["decorators"]
        )

    def implementations(self, qual: str) -> list[str]:
        """The project methods that implement the abstract or protocol method `qual`:
        overrides in subclasses, and for a `Protocol` the same method of every class that has
        all the protocol's methods. Empty when `qual` has a body of its own."""
        if not self.is_abstract(qual):
            return []
        owner, _, attr = qual.rpartition(".")
        hierarchy = self.project_fact("class_hierarchy")  # type: ignore[attr-defined]
        candidates: list[str | None] = [
            self.find_method(cls, attr) for cls in hierarchy.get("subclasses", {}).get(owner, [])
        ]
        candidates += [
            f"{cls}.{attr}"
            for cls in hierarchy.get("protocols", {}).get(owner, [])
            if self.function(f"{cls}.{attr}") is not None  # type: ignore[attr-defined]
        ]
        # A subclass's own empty override still counts: it is a (harmless) implementation.
        found = {
            method
            for method in candidates
            if method is not None
            and method != qual
            and not self.is_abstract(method, declared_only=True)
        }
        return sorted(found)

    # -- overrides of concrete methods behind a declared type ---------------------------------
    def overrides(self, qual: str) -> list[str]:
        """For a concrete method `qual` of a project class, the methods a call on a receiver
        *declared* as that class may run: `qual` itself and every project subclass's own
        override (sorted). Empty when no subclass overrides it, when `qual` is abstract (see
        `implementations`), and when the method or its class is decorated `typing.final`."""
        return self.memoised(("sem-overrides", qual), lambda: self._overrides(qual))  # type: ignore[attr-defined]

    def _overrides(self, qual: str) -> list[str]:
        fact = self.function(qual)  # type: ignore[attr-defined]
        split = self.split_qualified(qual)  # type: ignore[attr-defined]
        if fact is None or split is None or not fact.get("class") or self.is_abstract(qual):
            return []
        module = split[0]
        owner, _, attr = qual.rpartition(".")
        if attr.startswith("__") or any(
            self._decorator_qual(module, fact, d) in FINAL for d in fact["decorators"]
        ):
            return []  # dunders run by the language on the object's own class; final
        summary = self.module(module)  # type: ignore[attr-defined]
        cls_fact = summary["classes"].get(fact["class"]) if summary else None
        if cls_fact is None or any(
            self._decorator_qual(module, {"parent": None, "class": None}, d) in FINAL
            for d in cls_fact.get("decorators") or ()
        ):
            return []
        hierarchy = self.project_fact("class_hierarchy")  # type: ignore[attr-defined]
        found = {qual}
        for cls in hierarchy.get("subclasses", {}).get(owner, []):
            method = self.find_method(cls, attr)
            if method is not None and not self.is_abstract(method, declared_only=True):
                found.add(method)
        return sorted(found) if len(found) > 1 else []

    def declared_receiver(self, module: str, scope: str, dotted: str, depth: int = 0) -> bool:
        """Whether the value `dotted` names in `scope` has its type from a *declaration* (an
        annotated parameter, local, class field or `self.x: T`, a property's return
        annotation, or a name or attribute bound to such a value), so it may be an instance of
        a subclass. A value built by calling the class (`Runtime(...)`), `self`, `cls`, a
        dependency, a `with`/`for` target or anything unknown is not."""
        if depth > MAX_PROVENANCE:
            return False
        head, _, rest = dotted.rpartition(".")
        if not head:
            found = self.lookup_binding(module, scope, dotted)  # type: ignore[attr-defined]
            if found is None:
                return False
            binding, bound_in = found
            return self._declared_binding(module, bound_in, dotted, binding, depth)
        base = self.ref_of_value(module, scope, name_shape(head))  # type: ignore[attr-defined]
        if base is None or base.kind != "instance" or self.class_(base.qual) is None:  # type: ignore[attr-defined]
            return False
        return self._declared_attribute(base.qual, rest, depth)

    def _declared_binding(
        self, module: str, scope: str, name: str, binding: list[Any], depth: int
    ) -> bool:
        kind = binding[0]
        if kind == "annotated":
            return True
        if kind == "param":
            summary = self.module(module)  # type: ignore[attr-defined]
            fact = summary["functions"].get(scope) if summary else None
            if fact is not None and self._receiver(module, fact, name) is not None:
                return False  # self / cls: the constructed class is settled elsewhere
            if binding[1] is None:
                return False
            return self._dependency_of(module, scope, binding[2], binding[1], depth) is None
        if kind == "value":
            value, annotation = binding[1], binding[2] if len(binding) > 2 else None
            if annotation is not None:
                return not self._constructed(module, scope, value)
            spelled = _shape_dotted(value)
            return spelled is not None and self.declared_receiver(module, scope, spelled, depth + 1)
        return False

    def _declared_attribute(self, class_qual: str, attr: str, depth: int) -> bool:
        method = self.find_method(class_qual, attr)
        if method is not None:
            fact = self.function(method)  # type: ignore[attr-defined]
            return bool(self.is_property(method) and fact and fact.get("returns"))
        for cls in self.mro(class_qual):
            split = self.split_qualified(cls)  # type: ignore[attr-defined]
            summary = self.module(split[0]) if split else None  # type: ignore[attr-defined]
            fact = summary["classes"].get(split[1]) if summary and split else None
            if fact is None:
                continue
            module, key = split
            own = False
            for name, annotation, value, _line in fact["fields"]:
                if name == attr:
                    own = True
                    if annotation is not None and not self._constructed(module, key, value):
                        return True
            for method_name in fact["methods"]:
                mkey = f"{key}.{method_name}"
                mfact = summary["functions"].get(mkey)
                for name, value, annotation in (mfact or {}).get("self_assigns") or []:
                    if name != attr:
                        continue
                    own = True
                    if annotation is not None and not self._constructed(module, mkey, value):
                        return True
                    spelled = _shape_dotted(value)
                    if spelled is not None and self.declared_receiver(
                        module, mkey, spelled, depth + 1
                    ):
                        return True  # `self.runtime = runtime` with `runtime: Runtime`
            if own:
                return False
        return False

    def _constructed(self, module: str, scope: str, value: Shape | None) -> bool:
        """`Runtime(...)`: a call of the class itself (not `cls(...)`, which may be a
        subclass)."""
        if not value or value[0] != "call" or value[1] in (["n", "cls"], ["n", "self"]):
            return False
        callee = self.ref_of_value(module, scope, value[1])  # type: ignore[attr-defined]
        return callee is not None and callee.kind == "class"

    # -- request.state / app.state -----------------------------------------------------------
    def state_member(self, base: Ref, attr: str) -> Ref | None:
        """`request.state.x`, `request.app.state.x`, `app.state.x`: the type the project
        assigns to that attribute, when every assignment agrees."""
        namespace = _state_namespace(base)
        if namespace is None:
            return None

        def compute() -> Ref | None:
            found: Ref | None = None
            for owner_shape, name, value, module, scope in self.project_fact("state_assigns"):  # type: ignore[attr-defined]
                if name != attr:
                    continue
                owner = self.ref_of_value(module, scope, owner_shape)  # type: ignore[attr-defined]
                if owner is None or _owner_namespace(owner) != namespace:
                    continue
                ref = self.ref_of_value(module, scope, value)  # type: ignore[attr-defined]
                if ref is None or (found is not None and ref != found):
                    return None
                found = ref
            return found

        return self.memoised(("sem-state", namespace, attr), compute)  # type: ignore[attr-defined]

    # -- where a value comes from ------------------------------------------------------------
    def from_request(self, module: str, scope: str, shape: Shape | None, depth: int = 0) -> bool:
        """Whether a value is request data: a parameter FastAPI fills from the request (one
        of a path operation or dependency without `Depends`/`Security`, the `Request`
        included), or an attribute, item or method result of one, followed through the local
        names it is bound to and, for a helper's parameter, through every call of the helper
        that runs per request (`generate_db(body.url)` -> the helper's `url`). Anything else
        is not: settings, module constants and imports, literals, the environment, a value
        built by an expression the summaries do not keep (an f-string), a parameter of a
        helper that no served call passes request data to."""
        if not shape or depth > MAX_PROVENANCE:
            return False
        tag = shape[0]
        if tag == "n":
            head = shape[1].partition(".")[0]
            found = self.lookup_binding(module, scope, head)  # type: ignore[attr-defined]
            if found is None or found[1] == "":
                return False  # a module-level name: a constant, settings, an import
            binding, bound_in = found
            if binding[0] == "param":
                if not self._param_from_request(module, bound_in, head, depth + 1):
                    return False
                typed = self.type_of_annotation(module, bound_in, binding[1])  # type: ignore[attr-defined]
                if typed is not None and typed.qual in REQUEST_TYPES:
                    # `request.headers`, `request.json()` are the request's data;
                    # `request.app.state.database_url` is the application's.
                    parts = shape[1].split(".")
                    return len(parts) > 1 and parts[1] in REQUEST_DATA
                return True
            if binding[0] == "value":
                return self.from_request(module, bound_in, binding[1], depth + 1)
            return False
        if tag in ("attr", "sub", "await"):
            return self.from_request(module, scope, shape[1], depth + 1)
        if tag == "call":
            func = shape[1]
            # A method of request data: `body.url.render_as_string()`, `request.headers.get()`.
            if func and func[0] == "attr" and self.from_request(module, scope, func[1], depth + 1):
                return True
            dotted_method = bool(func) and func[0] == "n" and "." in func[1]
            if dotted_method and self.from_request(module, scope, func, depth + 1):
                return True
            values = [a for a in [*shape[2], *shape[3].values()] if a and a[0] != "const"]
            # `str(body.url)`, `make_url(body.url, drivername=...)`: made of request data.
            return bool(values) and all(
                self.from_request(module, scope, a, depth + 1) for a in values
            )
        return False

    def _param_from_request(self, module: str, key: str, name: str, depth: int) -> bool:
        qual = self.qualified_function(module, key)  # type: ignore[attr-defined]

        def compute() -> bool:
            fact = self.function(qual)  # type: ignore[attr-defined]
            if fact is None:
                return False
            param = next((p for p in fact["params"] if p[0] == name), None)
            if param is None or param[3] in ("*", "**"):
                return False
            if self.path_operation(module, key) is not None or self.is_dependency(module, key):  # type: ignore[attr-defined]
                injected = self.dependency_marker(module, key, param[2], param[1])
                return injected is None and self._receiver(module, fact, name) is None
            sites = self.project_fact("call_sites").get(qual, [])  # type: ignore[attr-defined]
            served = [site for site in sites if self._served(site[0], site[1])]
            if not served:
                return False
            for caller_module, caller_key, at in served:
                argument = self._argument(qual, fact, name, caller_module, caller_key, at)
                if argument is None or not self.from_request(
                    caller_module, caller_key, argument, depth + 1
                ):
                    return False
            return True

        return bool(self.memoised(("sem-from-request", qual, name), compute))  # type: ignore[attr-defined]

    def _served(self, module: str, key: str) -> bool:
        found = self.reach(module, key)  # type: ignore[attr-defined]
        return bool(found) and found[0] == "serving"

    def _argument(
        self, qual: str, fact: dict[str, Any], name: str, module: str, key: str, at: int
    ) -> Shape | None:
        """The argument call number `at` of the caller passes for the callee's parameter
        `name`: by keyword, else by position (past `self`/`cls` of a method)."""
        caller = self.function(self.qualified_function(module, key))  # type: ignore[attr-defined]
        if caller is None or at >= len(caller["calls"]):
            return None
        _func, _line, _col, args, kwargs = caller["calls"][at]
        if name in kwargs:
            return kwargs[name]
        positional = [p[0] for p in fact["params"] if p[3] == "pos"]
        split = self.split_qualified(qual)  # type: ignore[attr-defined]
        if positional and split and self._receiver(split[0], fact, positional[0]) is not None:
            positional = positional[1:]
        if name in positional and positional.index(name) < len(args):
            return args[positional.index(name)]
        return None


def _shape_dotted(shape: Shape | None) -> str | None:
    """`a.b.c` for the shape of a dotted name; None for anything else."""
    parts: list[str] = []
    while shape and shape[0] == "attr":
        parts.append(shape[2])
        shape = shape[1]
    if not shape or shape[0] != "n":
        return None
    return ".".join([shape[1], *reversed(parts)])


def _state_namespace(base: Ref) -> str | None:
    """ "request" for `request.state`, "app" for `app.state`/`request.app.state`."""
    if base.kind != "member" or not base.qual.endswith(".state"):
        return None
    owner = base.qual.removesuffix(".state")
    if owner in REQUEST_TYPES:
        return "request"
    if owner in APP_TYPES or owner.removesuffix(".app") in REQUEST_TYPES:
        return "app"
    return None


def _owner_namespace(owner: Ref) -> str | None:
    if owner.kind == "instance" and owner.qual in REQUEST_TYPES:
        return "request"
    if owner.kind == "instance" and owner.qual in APP_TYPES:
        return "app"
    if owner.kind == "member" and owner.qual.removesuffix(".app") in REQUEST_TYPES:
        return "app"
    return None


# -- project facts ------------------------------------------------------------------------------
def class_hierarchy_fact(index: Any) -> dict[str, dict[str, list[str]]]:
    """{"subclasses": {class: [every project subclass, transitively]}, "protocols":
    {protocol: [project classes with all its methods]}} (abstract-receiver calls)."""
    direct: dict[str, set[str]] = {}
    protocols: dict[str, set[str]] = {}
    methods: dict[str, set[str]] = {}
    for part in index.per_module(_hierarchy_part):
        for qual, own, bases, is_protocol in part:
            methods[qual] = set(own)
            for base in bases:
                direct.setdefault(base, set()).add(qual)
            if is_protocol:
                protocols[qual] = set()
    subclasses: dict[str, list[str]] = {}
    for cls in sorted(direct):
        seen: list[str] = []
        stack = sorted(direct[cls])
        while stack and len(seen) < 200:
            current = stack.pop(0)
            if current in seen:
                continue
            seen.append(current)
            stack.extend(sorted(direct.get(current, ())))
        subclasses[cls] = seen
    # A protocol is implemented by the classes the project puts where it is declared: not by
    # every class that happens to have methods of the same names (a protocol over a dict's
    # `get` would otherwise be "implemented" by every class with a `get`).
    declared: dict[str, set[str]] = {}
    # Only a project protocol is ever noted (`_is_protocol`): a project without one has no
    # declared implementers, and its calls need not be resolved for them.
    for part in index.per_module(_protocol_uses_part) if protocols else ():
        for proto, cls in part:
            if proto in protocols and cls != proto:
                declared.setdefault(proto, set()).add(cls)
    implementers: dict[str, list[str]] = {}
    for proto in sorted(protocols):
        wanted = methods.get(proto, set())
        if not wanted:
            continue
        implementers[proto] = sorted(
            qual
            for qual in declared.get(proto, ())
            if qual in methods and qual not in subclasses.get(proto, ())
        )
    return {"subclasses": subclasses, "protocols": implementers}


def _protocol_uses_part(index: Any, mod: str) -> list[list[str]]:
    """[protocol, class] for each place in `mod` that declares an object of a project class
    to be of a project protocol (a part of `class_hierarchy_fact`): `x: Proto = Impl()`
    (also `self.x`, a class field), a function annotated `-> Proto` that returns an `Impl`,
    an `Impl` passed to a project function's parameter annotated `Proto`, and
    `Proto.register(Impl)` (a call or a class decorator)."""
    summary = index.module(mod)
    if summary is None:
        return []
    found: set[tuple[str, str]] = set()

    def instance_of(scope: str, value: Shape | None) -> str | None:
        ref = index.ref_of_value(mod, scope, value) if value and value[0] != "?" else None
        if ref is None or ref.kind != "instance" or index.class_(ref.qual) is None:
            return None
        return ref.qual

    def note(proto: str | None, cls: str | None) -> None:
        if proto is not None and cls is not None and proto != cls:
            found.add((proto, cls))

    for key, record in summary["scopes"].items():
        for binding in record["bindings"].values():
            options = binding[1] if binding and binding[0] == "ambiguous" else [binding]
            for option in options:
                if option and option[0] == "value" and len(option) > 2 and option[2]:
                    note(
                        _annotated_protocol(index, mod, key, option[2]), instance_of(key, option[1])
                    )
    for key, cls in summary["classes"].items():
        for field in cls["fields"]:
            note(_annotated_protocol(index, mod, key, field[1]), instance_of(key, field[2]))
        qual = f"{mod}.{key}" if mod else key
        for decorator in cls["decorators"]:
            note(_registering_protocol(index, mod, cls.get("parent") or "", decorator), qual)
    calls: list[tuple[str, list]] = [("", summary["module_calls"])]
    for key, fact in summary["functions"].items():
        calls.append((key, fact["calls"]))
        for _attr, value, annotation in fact.get("self_assigns") or ():
            note(_annotated_protocol(index, mod, key, annotation), instance_of(key, value))
        promised = _annotated_protocol(index, mod, key, fact.get("returns"))
        if promised is not None:
            for value in fact.get("returns_values") or ():
                note(promised, instance_of(key, value))
    for key, records in calls:
        for func, _line, _col, args, kwargs in records:
            proto = _registering_protocol(index, mod, key, func)
            if proto is not None and args:
                registered = index.ref_of_value(mod, key, args[0])
                if registered is not None and registered.kind == "class":
                    note(proto, registered.qual)
                continue
            for proto, value in _protocol_arguments(index, mod, key, func, args, kwargs):
                note(proto, instance_of(key, value))
    return sorted([proto, cls] for proto, cls in found)


def _is_protocol(index: Any, qual: str) -> bool:
    """A project class with `typing.Protocol` among its bases."""
    return index.class_(qual) is not None and any(
        base.qual in PROTOCOLS for base in index.class_bases(qual)
    )


def _annotated_protocol(index: Any, mod: str, scope: str, annotation: Shape | None) -> str | None:
    """The project protocol an annotation names (through `Optional`, `Annotated`, aliases)."""
    if not annotation:
        return None
    typed = index.type_of_annotation(mod, scope, annotation)
    if typed is None or typed.kind != "instance" or not _is_protocol(index, typed.qual):
        return None
    return typed.qual


def _registering_protocol(index: Any, mod: str, scope: str, func: Shape | None) -> str | None:
    """The project protocol that `func` (a call's function or a decorator) registers a class
    with: `Proto.register`."""
    if not func or func[0] != "n" or not func[1].endswith(".register"):
        return None
    owner = index.ref_of_value(mod, scope, ["n", func[1].rpartition(".")[0]])
    if owner is None or owner.kind != "class" or not _is_protocol(index, owner.qual):
        return None
    return owner.qual


def _protocol_arguments(
    index: Any, mod: str, scope: str, func: Shape, args: list, kwargs: dict
) -> list[tuple[str, Shape]]:
    """(protocol, argument) for each argument of a call of a project function (a class: its
    `__init__`) that goes to a parameter annotated with a project protocol."""
    ref = index.ref_of_value(mod, scope, func)
    if ref is None or ref.kind not in ("class", "function", "member"):
        return []
    target = index.find_method(ref.qual, "__init__") if ref.kind == "class" else ref.qual
    fact = index.function(target) if target is not None else None
    split = index.split_qualified(target) if target is not None else None
    if fact is None or split is None:
        return []
    params = fact["params"]
    positional = [p for p in params if p[3] == "pos"]
    if ref.kind != "function" and positional and positional[0][0] in ("self", "cls"):
        positional = positional[1:]  # bound: `Impl(x)`, `service.use(x)`
    pairs = list(zip(positional, args, strict=False))
    pairs += [(p, kwargs[p[0]]) for p in params if p[3] in ("pos", "kw") and p[0] in kwargs]
    out: list[tuple[str, Shape]] = []
    for param, value in pairs:
        proto = _annotated_protocol(index, split[0], split[1], param[1])
        if proto is not None and value is not None:
            out.append((proto, value))
    return out


def _hierarchy_part(index: Any, mod: str) -> list[list[Any]]:
    """[class, its own public methods, its project base classes, whether a base is a
    protocol] for each class of `mod` (a part of `class_hierarchy_fact`)."""
    summary = index.module(mod)
    out: list[list[Any]] = []
    for key, fact in (summary["classes"] if summary else {}).items():
        qual = f"{mod}.{key}" if mod else key
        own = sorted(m for m in fact["methods"] if not m.startswith("__"))
        bases, is_protocol = [], False
        for base in index.class_bases(qual):
            if base.kind == "class":
                bases.append(base.qual)
            elif base.qual in PROTOCOLS:
                is_protocol = True
        out.append([qual, own, bases, is_protocol])
    return out


def state_assigns_fact(index: Any) -> list[list[Any]]:
    """Every `<x>.state.attr = value` in the project: [owner shape, attr, value, module,
    scope]."""
    out = [row for part in index.per_module(_state_assigns_part) for row in part]
    return sorted(out, key=lambda item: (item[3], item[4], item[1]))


def _state_assigns_part(index: Any, mod: str) -> list[list[Any]]:
    summary = index.module(mod)
    return [
        [owner[0] if owner else None, attr, value, mod, scope]
        for attr, value, scope, *owner in (summary or {}).get("state_assigns") or []
    ]


def call_sites_fact(index: Any) -> dict[str, list[list[Any]]]:
    """{project function: [[caller module, caller function key, index of the call in the
    caller's calls], ...]} for every call from a project function (argument provenance)."""
    out: dict[str, list[list[Any]]] = {}
    for part in index.per_module(_call_sites_in):
        for callee, site in part:
            out.setdefault(callee, []).append(site)
    return {callee: sorted(sites) for callee, sites in sorted(out.items())}


def _call_sites_in(index: Any, mod: str) -> list[list[Any]]:
    from .reach import project_callable

    summary = index.module(mod)
    found: list[list[Any]] = []
    if summary is None:
        return found
    for key, fact in summary["functions"].items():
        for at, record in enumerate(fact["calls"]):
            ref = index.ref_of_value(mod, key, record[0])
            for callee in project_callable(index, ref):
                found.append([callee, [mod, key, at]])
    return found
