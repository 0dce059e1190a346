"""What a value is in database-session terms (the FPI2xx rules and the project fact
"session_dependencies").

`SessionFacts.kind_of_shape` follows an expression through imports and value bindings in every
project module (via the index, so the cache records what was read) and answers with one of the
KINDS below, or None when the value is not known to be a session-related object. Nothing is
matched by spelling: `SessionLocal` is a factory only because its binding is a `sessionmaker(...)`
call, wherever that binding is.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...index.refs import Ref
from ...index.shapes import (
    AmbiguousBinding,
    AnnotatedBinding,
    Attr,
    Await,
    Call,
    ClassBinding,
    DefBinding,
    ForBinding,
    ImportBinding,
    Name,
    ParamBinding,
    Subscript,
    ValueBinding,
    WithBinding,
    decorator_callee,
    view,
    view_binding,
)
from ...index.summary import Shape

if TYPE_CHECKING:
    from ...index.project import ProjectIndex

# Kinds of value:
#   session_class / async_session_class   Session, AsyncSession (calling one opens a session)
#   sessionmaker / async_sessionmaker      the functions that build factories
#   scoped_session_fn / async_scoped_fn    scoped_session(...), async_scoped_session(...)
#   factory / async_factory                what sessionmaker(...) returns (`SessionLocal`)
#   scoped / async_scoped                  a scoped-session registry
#   session / async_session                an open session
#   create_engine / create_async_engine    the engine constructors
#   engine / async_engine                  an engine
#   connection / async_connection          engine.connect() / engine.begin()
SESSION_KINDS = frozenset({"session", "async_session"})
CREATED_KINDS = frozenset({"session", "async_session", "connection", "async_connection"})
ENGINE_KINDS = frozenset({"engine", "async_engine"})
FACTORY_KINDS = frozenset({"factory", "async_factory"})

EXTERNAL_KINDS: dict[str, str] = {
    **dict.fromkeys(
        (
            "sqlmodel.Session",
            "sqlmodel.orm.session.Session",
            "sqlalchemy.orm.Session",
            "sqlalchemy.orm.session.Session",
        ),
        "session_class",
    ),
    **dict.fromkeys(
        (
            "sqlalchemy.ext.asyncio.AsyncSession",
            "sqlalchemy.ext.asyncio.session.AsyncSession",
            "sqlmodel.ext.asyncio.session.AsyncSession",
        ),
        "async_session_class",
    ),
    **dict.fromkeys(
        ("sqlalchemy.orm.sessionmaker", "sqlalchemy.orm.session.sessionmaker"), "sessionmaker"
    ),
    **dict.fromkeys(
        (
            "sqlalchemy.ext.asyncio.async_sessionmaker",
            "sqlalchemy.ext.asyncio.session.async_sessionmaker",
        ),
        "async_sessionmaker",
    ),
    **dict.fromkeys(
        ("sqlalchemy.orm.scoped_session", "sqlalchemy.orm.scoping.scoped_session"),
        "scoped_session_fn",
    ),
    **dict.fromkeys(
        (
            "sqlalchemy.ext.asyncio.async_scoped_session",
            "sqlalchemy.ext.asyncio.scoping.async_scoped_session",
        ),
        "async_scoped_fn",
    ),
    **dict.fromkeys(
        ("sqlalchemy.create_engine", "sqlalchemy.engine.create_engine", "sqlmodel.create_engine"),
        "create_engine",
    ),
    **dict.fromkeys(
        (
            "sqlalchemy.ext.asyncio.create_async_engine",
            "sqlalchemy.ext.asyncio.engine.create_async_engine",
        ),
        "create_async_engine",
    ),
}

# What an annotation names, as the kind of the annotated value.
ANNOTATION_KINDS: dict[str, str] = {
    **{q: "session" for q, k in EXTERNAL_KINDS.items() if k == "session_class"},
    **{q: "async_session" for q, k in EXTERNAL_KINDS.items() if k == "async_session_class"},
    **dict.fromkeys(
        ("sqlalchemy.Engine", "sqlalchemy.engine.Engine", "sqlalchemy.engine.base.Engine"),
        "engine",
    ),
    **dict.fromkeys(
        ("sqlalchemy.ext.asyncio.AsyncEngine", "sqlalchemy.ext.asyncio.engine.AsyncEngine"),
        "async_engine",
    ),
    **{q: "factory" for q, k in EXTERNAL_KINDS.items() if k == "sessionmaker"},
    **{q: "async_factory" for q, k in EXTERNAL_KINDS.items() if k == "async_sessionmaker"},
}

CALL_RESULT: dict[str, str] = {
    "session_class": "session",
    "async_session_class": "async_session",
    "sessionmaker": "factory",
    "async_sessionmaker": "async_factory",
    "scoped_session_fn": "scoped",
    "async_scoped_fn": "async_scoped",
    "factory": "session",
    "async_factory": "async_session",
    "scoped": "session",
    "async_scoped": "async_session",
    "create_engine": "engine",
    "create_async_engine": "async_engine",
}

METHOD_RESULT: dict[tuple[str, str], str] = {
    ("engine", "connect"): "connection",
    ("engine", "begin"): "connection",
    ("async_engine", "connect"): "async_connection",
    ("async_engine", "begin"): "async_connection",
    ("factory", "begin"): "session",
    ("async_factory", "begin"): "async_session",
}

MAX_DEPTH = 14
#: Bindings whose value the semantic model types (parameters, `for` targets, names bound
#: several ways, bare annotations); `SessionFacts` binds the others itself.
MODEL_TYPED = (ParamBinding, ForBinding, AmbiguousBinding, AnnotatedBinding)

CONTEXT_MANAGER_MAKERS = frozenset({"contextlib.contextmanager", "contextlib.asynccontextmanager"})
#: Decorators that make a function return the same object on every call.
MEMOISERS = frozenset(
    {
        "functools.lru_cache",
        "functools.cache",
        "async_lru.alru_cache",
        "cachetools.cached",
        "cachetools.func.lru_cache",
        "cachetools.func.ttl_cache",
    }
)

# A value during resolution: ("kind", K) | ("ext", qual) | ("mod", name) | ("fn", qual) |
# ("cls", qual) | ("method", "K.attr")
Val = tuple[str, str]


class SessionFacts:
    """Session classification over the project index. Cheap to create; answers are memoised in
    the index, keyed by the user's extra factories."""

    def __init__(self, index: ProjectIndex, factories: tuple[str, ...] = ()) -> None:
        self.index = index
        self.factories = frozenset(factories)
        self._key = tuple(sorted(self.factories))

    # -- entry points ------------------------------------------------------------------------
    def kind_of_shape(self, module: str, scope: str, shape: Shape | None) -> str | None:
        val = self._value(module, scope, shape, 0)
        return val[1] if val is not None and val[0] == "kind" else None

    def kind_of_annotation(self, module: str, scope: str, shape: Shape | None) -> str | None:
        ref = self.index.type_of_annotation(module, scope, shape)
        if ref is None or ref.kind != "instance":
            return None
        kind = ANNOTATION_KINDS.get(ref.qual)
        if kind is None and self._subclasses_session(ref.qual, 0):
            kind = "session"
        return kind

    def kind_of_ref(self, ref: Ref | None, depth: int = 0) -> str | None:
        """The kind of a value the semantic model typed: a library callable's result named
        after it (`sqlalchemy.orm.sessionmaker()` is what a factory makes,
        `sqlalchemy.create_engine.connect()` a connection), an annotated type, an instance of
        a project subclass of `Session`."""
        if ref is None or ref.kind != "instance" or depth > 4:
            return None
        qual = ref.qual
        if qual in self.factories:
            return "session"  # an instance named after a configured factory: its result
        kind = ANNOTATION_KINDS.get(qual) or CALL_RESULT.get(EXTERNAL_KINDS.get(qual, ""))
        if kind is not None:
            return kind
        if qual.endswith("()"):
            inner = qual[:-2]
            made = self.kind_of_ref(Ref("instance", inner), depth + 1)
            if made is not None:
                return CALL_RESULT.get(made)
            owner, _, attr = inner.rpartition(".")
            owner_kind = self.kind_of_ref(Ref("instance", owner), depth + 1) if owner else None
            return METHOD_RESULT.get((owner_kind, attr)) if owner_kind else None
        if self.index.class_(qual) is not None and self._subclasses_session(qual, depth + 1):
            return "session"
        return None

    def _typed(self, module: str, scope: str, shape: Shape | None) -> Val | None:
        """The model's answer, as a kind: parameters (annotations, `Depends(dep)` values,
        `self`), `with`/`for` targets, attributes of typed objects (`self.session`)."""
        kind = self.kind_of_ref(self.index.ref_of_value(module, scope, shape))
        return ("kind", kind) if kind is not None else None

    # -- names -------------------------------------------------------------------------------
    def _name(self, module: str, scope: str, dotted: str, depth: int) -> Val | None:
        if depth > MAX_DEPTH:
            return None
        # The memo also breaks cycles (a key being computed reads as None), so the answer is
        # computed from depth 0: a depth cut-off inside a memoised answer would be reused by
        # every later, shallower question.
        return self.index.memoised(
            ("session-facts", self._key, module, scope, dotted),
            lambda: self._compute_name(module, scope, dotted, 0),
        )

    def _compute_name(self, module: str, scope: str, dotted: str, depth: int) -> Val | None:
        head, _, rest = dotted.partition(".")
        found = self.index.lookup_binding(module, scope, head)
        if found is None:
            return None
        binding, bound_in = found
        val = self._binding(module, bound_in, head, binding, depth + 1)
        if val is None and isinstance(view_binding(binding), MODEL_TYPED):
            # The model types what the bindings alone do not say: a parameter (annotated,
            # `Depends(get_db)`, `self`), a `for` target, `self.session` of a repository.
            return self._typed(module, scope, ["n", dotted])
        for attr in rest.split(".") if rest else ():
            if val is None:
                return None
            val = self._member(val, attr, depth + 1)
        return val

    def _binding(
        self, module: str, scope: str, name: str, binding: list[Any], depth: int
    ) -> Val | None:
        if scope == "" and f"{module}.{name}" in self.factories:
            return ("kind", "factory")
        bound = view_binding(binding)
        if isinstance(bound, ImportBinding):
            return self._qualified(bound.target, depth + 1)
        if isinstance(bound, DefBinding):
            return ("fn", bound.qual)
        if isinstance(bound, ClassBinding):
            if self._subclasses_session(bound.qual, depth + 1):
                return ("kind", "session_class")
            return ("cls", bound.qual)
        if isinstance(bound, ValueBinding | WithBinding):
            if isinstance(bound, ValueBinding) and bound.annotation is not None:
                typed = self.kind_of_annotation(module, scope, bound.annotation)
                if typed is not None:
                    return ("kind", typed)
            return self._value(module, scope, bound.value, depth + 1)
        # Parameters, `for` targets and names bound several ways: the model's answer (see
        # `_compute_name`).
        return None

    def _qualified(self, qual: str, depth: int) -> Val | None:
        if qual in self.factories:
            return ("kind", "factory")
        if self.index.module(qual) is not None:
            return ("mod", qual)
        split = self.index.split_qualified(qual)
        if split is None:
            kind = EXTERNAL_KINDS.get(qual)
            return ("kind", kind) if kind else ("ext", qual)
        return self._name(split[0], "", split[1], depth + 1)

    def _member(self, val: Val, attr: str, depth: int) -> Val | None:
        tag, what = val
        if tag in ("ext", "mod"):
            return self._qualified(f"{what}.{attr}", depth + 1)
        if tag == "kind":
            return ("method", f"{what}.{attr}")
        return None

    # -- expressions -------------------------------------------------------------------------
    def _value(self, module: str, scope: str, shape: Shape | None, depth: int) -> Val | None:
        if not shape or depth > MAX_DEPTH:
            return None
        match view(shape):
            case Name(dotted):
                return self._name(module, scope, dotted, depth + 1)
            case Attr(value, attr):
                base = self._value(module, scope, value, depth + 1)
                member = self._member(base, attr, depth + 1) if base else None
                if member is None:
                    # `self.session`, `deps.db`, `repo.session.bind`: what the model types.
                    typed = self._typed(module, scope, shape)
                    if typed is not None:
                        return typed
                return member
            case Call(func, args, kwargs):
                callee = self._value(module, scope, func, depth + 1)
                if (
                    callee is not None
                    and callee[0] == "ext"
                    and callee[1] in CONTEXT_MANAGER_MAKERS
                ):
                    # `get_db = contextmanager(get_session)`: a context-manager function.
                    wrapped = self._value(module, scope, (args or [None])[0], depth + 1)
                    return ("cmfn", wrapped[1]) if wrapped and wrapped[0] == "fn" else None
                return self._call(module, scope, callee, kwargs or {}, depth + 1)
        return None

    def _call(
        self, module: str, scope: str, callee: Val | None, kwargs: dict, depth: int
    ) -> Val | None:
        if callee is None or depth > MAX_DEPTH:
            return None
        tag, what = callee
        if tag == "kind":
            result = CALL_RESULT.get(what)
            if result == "factory" and kwargs.get("class_") is not None:
                cls = self._value(module, scope, kwargs["class_"], depth + 1)
                if cls == ("kind", "async_session_class"):
                    result = "async_factory"
            return ("kind", result) if result else None
        if tag == "method":
            base, _, attr = what.rpartition(".")
            result = METHOD_RESULT.get((base, attr))
            return ("kind", result) if result else None
        if tag in ("ext", "fn") and what in self.factories:
            return ("kind", "session")
        if tag == "cmfn":
            return self._yielded(what)
        if tag == "fn":
            return self._function_result(what, depth + 1)
        if tag == "cls" and self._subclasses_session(what, depth + 1):
            return ("kind", "session")
        return None

    def _memo(self, what: str, qual: str, compute: Any) -> Any:
        """Memoised per function/class: a question that comes back to itself (a recursive
        helper, `def f(): return f()`) reads as None instead of recursing."""
        return self.index.memoised(("session-facts", what, self._key, qual), compute)

    def _yielded(self, qual: str) -> Val | None:
        return self._memo("yielded", qual, lambda: self._compute_yielded(qual))

    def _compute_yielded(self, qual: str) -> Val | None:
        """The session a context-manager generator yields: `with get_db() as db` binds it."""
        fact = self.index.function(qual)
        split = self.index.split_qualified(qual)
        if fact is None or split is None or not fact.get("generator"):
            return None
        kinds = {self.kind_of_shape(split[0], split[1], y) for y in fact.get("yields_values", [])}
        if len(kinds) == 1:
            (kind,) = kinds
            if kind in SESSION_KINDS:
                return ("kind", kind)
        return None

    def _is_context_manager(self, qual: str) -> bool:
        return bool(self._decorator_quals(qual) & CONTEXT_MANAGER_MAKERS)

    def _decorator_quals(self, qual: str) -> set[str]:
        fact = self.index.function(qual)
        split = self.index.split_qualified(qual)
        if fact is None or split is None:
            return set()
        scope = fact.get("parent") or fact.get("class") or ""
        found = set()
        for decorator in fact["decorators"]:
            # `@lru_cache(maxsize=1)`: the decorator is what the call makes.
            ref = self.index.ref_of_value(split[0], scope, decorator_callee(decorator))
            if ref is not None:
                found.add(ref.qual)
        return found

    def _function_result(self, qual: str, depth: int) -> Val | None:
        return self._memo("result", qual, lambda: self._compute_function_result(qual))

    def _compute_function_result(self, qual: str) -> Val | None:
        """What calling a project helper returns: its annotation, else the one kind all its
        `return` values share (`def make(): return SessionLocal()`)."""
        fact = self.index.function(qual)
        split = self.index.split_qualified(qual)
        if fact is not None and fact.get("generator") and self._is_context_manager(qual):
            return self._yielded(qual)
        if fact is None or split is None or fact.get("generator"):
            return None
        if self._decorator_quals(qual) & MEMOISERS:
            return None  # `@lru_cache def get_engine()`: one object for every call
        module, key = split
        if fact.get("returns") is not None:
            typed = self.kind_of_annotation(module, key, fact["returns"])
            if typed is not None and not fact.get("async"):
                return ("kind", typed)
        if fact.get("async"):
            return None
        returns = fact["returns_values"]
        if not returns or not all(self.fresh(module, key, shape) for shape in returns):
            # `return engine` hands out a shared object; only new objects count.
            return None
        kinds = {self.kind_of_shape(module, key, shape) for shape in returns}
        if len(kinds) == 1:
            (kind,) = kinds
            if kind is not None:
                return ("kind", kind)
        return None

    def fresh(self, module: str, scope: str, shape: Shape | None) -> bool:
        """Whether an expression makes a new object: a call, or a name the function itself
        binds to a call (`db = SessionLocal()`; `return db`)."""
        typed = view(shape)
        if isinstance(typed, Call):
            return True
        if isinstance(typed, Await):
            return self.fresh(module, scope, typed.value)
        if not isinstance(typed, Name) or "." in typed.dotted or not scope:
            return False
        found = self.index.lookup_binding(module, scope, typed.dotted)
        if found is None or found[1] != scope:
            return False
        bound = view_binding(found[0])
        return isinstance(bound, ValueBinding) and isinstance(view(bound.value), Call)

    def global_session(self, module: str, scope: str, name: str, depth: int = 0) -> str | None:
        """The qualified name of the module-level session object `name` refers to, if any
        (`db = SessionLocal()` at module level, imported or not). Factories are not sessions."""
        if depth > MAX_DEPTH:
            return None
        found = self.index.lookup_binding(module, scope, name)
        if found is None or found[1] != "":
            return None
        bound = view_binding(found[0])
        if isinstance(bound, ImportBinding):
            split = self.index.split_qualified(bound.target)
            if split is None or "." in split[1]:
                return None
            return self.global_session(split[0], "", split[1], depth + 1)
        if not isinstance(bound, ValueBinding) or not isinstance(view(bound.value), Call):
            return None
        if self.kind_of_shape(module, "", bound.value) in SESSION_KINDS:
            return f"{module}.{name}" if module else name
        return None

    def _subclasses_session(self, qual: str, depth: int) -> bool:
        return bool(self._memo("subclass", qual, lambda: self._compute_subclasses(qual)))

    def _compute_subclasses(self, qual: str) -> bool:
        fact = self.index.class_(qual)
        split = self.index.split_qualified(qual)
        if fact is None or split is None:
            return False
        for base in fact["bases"]:
            val = self._value(split[0], "", base, 1)
            if val == ("kind", "session_class") or val == ("kind", "async_session_class"):
                return True
        return False


# -- the project's own session dependency (for fixes) -----------------------------------------
def _yielded_session_kind(index: ProjectIndex, qual: str) -> str | None:
    """The one session kind a generator dependency yields, if any."""

    def compute() -> str | None:
        fact = index.function(qual)
        split = index.split_qualified(qual)
        if fact is None or split is None or not fact.get("generator"):
            return None
        facts = SessionFacts(index)
        kinds = {facts.kind_of_shape(split[0], split[1], y) for y in fact.get("yields_values", [])}
        kinds &= SESSION_KINDS
        return kinds.pop() if len(kinds) == 1 else None

    return index.memoised(("session-dependency-kind", qual), compute)


def _depends_aliases_in(index: ProjectIndex, mod: str) -> tuple[str, list[tuple[str, str]]]:
    """Module-level `X = Annotated[T, Depends(dep)]` aliases of a module: (module, [(X, dep)])."""
    found: list[tuple[str, str]] = []
    summary = index.module(mod)
    if summary is None:
        return mod, found
    for name, raw in sorted(summary["scopes"][""]["bindings"].items()):
        bound = view_binding(raw)
        alias = view(bound.value) if isinstance(bound, ValueBinding) else None
        if not isinstance(alias, Subscript):
            continue
        base = index.ref_of_value(mod, "", alias.value)
        if base is None or base.qual not in ("typing.Annotated", "typing_extensions.Annotated"):
            continue
        for extra in alias.items[1:]:
            marker_call = view(extra)
            if not isinstance(marker_call, Call) or not marker_call.args:
                continue
            marker = index.ref_of_value(mod, "", marker_call.func)
            if marker is None or marker.qual not in ("fastapi.Depends", "fastapi.params.Depends"):
                continue
            dep = index.ref_of_value(mod, "", marker_call.args[0])
            if dep is not None:
                found.append((name, dep.qual))
    return mod, found


def session_dependencies_fact(index: ProjectIndex) -> list[dict[str, Any]]:
    """Generator dependencies that yield a session, each with the `Annotated` alias that wraps
    it if the project has one: [{"qual", "kind", "alias": [module, name] | None}]."""
    found: dict[str, dict[str, Any]] = {}
    for qual in sorted(index.dependency_functions()):
        kind = _yielded_session_kind(index, qual)
        if kind is not None:
            found[qual] = {"qual": qual, "kind": kind, "alias": None}
    if not found:
        return []
    # The first alias in module order, then name order, wraps the dependency.
    for mod, aliases in sorted(index.per_module(_depends_aliases_in)):
        for name, dep in aliases:
            if dep in found and found[dep]["alias"] is None:
                found[dep]["alias"] = [mod, name]
    return [found[q] for q in sorted(found)]


def session_dependencies(index: ProjectIndex) -> list[dict[str, Any]]:
    return index.project_fact("session_dependencies")
