"""What a value is in database-session terms (the FPI2xx rules and the project fact
"session_dependencies").

The semantic model (`index/semantic.py`) says what a value is; `SessionFacts` maps its types to
the KINDS below and decides what is about *creation* (which calls open a new session or
engine), answering None when a value is not known to be a session-related object. Nothing is
matched by spelling: `SessionLocal` is a factory only because the model types its binding as a
`sessionmaker(...)` result, wherever that binding is.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...index.refs import Ref
from ...index.shapes import (
    Await,
    Call,
    ImportBinding,
    Name,
    Subscript,
    ValueBinding,
    decorator_callee,
    is_none,
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

SYNC_SESSION_CLASSES = frozenset(q for q, k in EXTERNAL_KINDS.items() if k == "session_class")
ASYNC_SESSION_CLASSES = frozenset(
    q for q, k in EXTERNAL_KINDS.items() if k == "async_session_class"
)

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
#: Library callables that hand out a value they did not make (`next(get_db())`: the generator's
#: session, which FPI207 reports).
_CALLABLE_KINDS = frozenset(CALL_RESULT)


class SessionFacts:
    """Session classification over the semantic model. What a value *is* comes from the
    model (`ProjectIndex.ref_of_value`); this class adds what is about *creation*: which calls
    make a new session, engine or connection (a library constructor or factory, a project
    subclass of `Session`, a helper that returns a new one each call, a context-manager
    generator that yields one, a configured `session-factories` entry), and maps the model's
    types to the KINDS above. Cheap to create; answers are memoised in the index, keyed by the
    user's extra factories."""

    def __init__(self, index: ProjectIndex, factories: tuple[str, ...] = ()) -> None:
        self.index = index
        self.factories = frozenset(factories)
        self._key = tuple(sorted(self.factories))

    # -- entry points ------------------------------------------------------------------------
    def kind_of_shape(self, module: str, scope: str, shape: Shape | None) -> str | None:
        """The kind of an expression: for a call, what it *creates* (`created_kind`); for
        anything else, the kind of the value the model types (a parameter, a name, `self.db`,
        a `with`/`for` target)."""
        typed = view(shape)
        if typed is None:
            return None
        if isinstance(typed, Call):
            return self.created_kind(module, scope, shape)
        if isinstance(typed, Name) and self._configured(module, scope, typed.dotted):
            return "factory"
        return self.kind_of_ref(self.index.ref_of_value(module, scope, shape))

    def kind_of_annotation(self, module: str, scope: str, shape: Shape | None) -> str | None:
        return self.kind_of_ref(self.index.type_of_annotation(module, scope, shape))

    def kind_of_ref(self, ref: Ref | None, depth: int = 0) -> str | None:
        """The kind of a value the semantic model typed: a library callable's result named
        after it (`sqlalchemy.orm.sessionmaker()` is what a factory makes,
        `sqlalchemy.create_engine.connect()` a connection), an annotated type, an instance of
        a project subclass of `Session`; a library callable or a project subclass itself."""
        if ref is None or depth > 4:
            return None
        if ref.kind == "external":
            return EXTERNAL_KINDS.get(ref.qual)
        if ref.kind == "class":
            made = self._session_subclass(ref.qual)
            return f"{made}_class" if made is not None else None
        if ref.kind != "instance":
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
        return self._session_subclass(qual)

    # -- creation ----------------------------------------------------------------------------
    def created_kind(self, module: str, scope: str, shape: Shape | None) -> str | None:
        """What a call makes anew: `Session(engine)`, `SessionLocal()`, `engine.connect()`,
        `create_engine(...)`, `sessionmaker(...)`, a project helper that returns a new
        session on each call, a `@contextmanager` generator that yields one. None for a call
        that hands out an existing object (a helper returning a global, a memoised helper,
        `next(get_db())`)."""
        typed = view(shape)
        if not isinstance(typed, Call):
            return None
        if self._configured(module, scope, _dotted(typed.func)):
            return "session"
        callee = self.index.ref_of_value(module, scope, typed.func)
        if callee is None:
            return None
        if callee.qual in self.factories and callee.kind in ("external", "function"):
            return "session"
        if callee.kind == "function":
            return self._function_result(callee.qual)
        if callee.kind == "cm_function":
            return self._yielded(callee.qual)
        if callee.kind == "class":
            made = self._session_subclass(callee.qual)
            return CALL_RESULT.get(f"{made}_class") if made is not None else None
        if callee.kind == "external" and self.kind_of_ref(callee) not in _CALLABLE_KINDS:
            return None
        if callee.kind not in ("external", "instance", "member"):
            return None
        return self.kind_of_ref(self.index.ref_of_value(module, scope, shape))

    def _configured(self, module: str, scope: str, dotted: str | None) -> bool:
        """Whether a dotted name is a configured `session-factories` entry, by the qualified
        name it is bound or imported as (the entry may be a value whose type the model cannot
        say: `SessionLocal = build_factory()`)."""
        if not self.factories or not dotted:
            return False
        head, _, rest = dotted.partition(".")
        found = self.index.lookup_binding(module, scope, head)
        if found is None:
            return False
        bound, bound_in = view_binding(found[0]), found[1]
        if isinstance(bound, ImportBinding):
            qual = bound.target
        elif bound_in == "":
            qual = f"{module}.{head}" if module else head
        else:
            return False
        return (f"{qual}.{rest}" if rest else qual) in self.factories

    def _memo(self, what: str, qual: str, compute: Any) -> Any:
        """Memoised per function/class: a question that comes back to itself (a recursive
        helper, `def f(): return f()`) reads as None instead of recursing."""
        return self.index.memoised(("session-facts", what, self._key, qual), compute)

    def _yielded(self, qual: str) -> str | None:
        """The session a context-manager generator yields: `with get_db() as db` binds it."""

        def compute() -> str | None:
            kind = self.kind_of_ref(self.index.yields_type(qual))
            return kind if kind in SESSION_KINDS else None

        return self._memo("yielded", qual, compute)

    def _function_result(self, qual: str) -> str | None:
        return self._memo("result", qual, lambda: self._compute_function_result(qual))

    def _compute_function_result(self, qual: str) -> str | None:
        """What calling a project helper makes: its annotation, else the one kind all its
        `return` values share when each is a new object (`def make(): return SessionLocal()`;
        `return engine` hands out a shared one)."""
        fact = self.index.function(qual)
        split = self.index.split_qualified(qual)
        if fact is None or split is None:
            return None
        if fact.get("generator"):
            return self._yielded(qual) if self.index.is_context_manager(qual) else None
        if self._memoised(qual, fact, split[0]):
            return None  # `@lru_cache def get_engine()`: one object for every call
        if fact.get("async"):
            return None  # calling it gives a coroutine
        module, key = split
        returns = fact["returns_values"]
        if fact.get("returns") is not None:
            typed = self.kind_of_annotation(module, key, fact["returns"])
            if typed is not None:
                # The annotation says what the helper returns, its body whether it is new: a
                # getter `-> Engine` that returns `self._engine` or a cache entry on some path
                # hands out a kept object (skypilot's double-checked `DatabaseManager`).
                kept = [
                    s for s in returns if s and not is_none(s) and not self.fresh(module, key, s)
                ]
                return None if kept else typed
        made = [self.fresh_call(module, key, shape) for shape in returns]
        if not made or any(call is None for call in made):
            return None
        kinds = {self.created_kind(module, key, call) for call in made}
        if len(kinds) == 1:
            (kind,) = kinds
            return kind
        return None

    def _memoised(self, qual: str, fact: dict[str, Any], module: str) -> bool:
        scope = fact.get("parent") or fact.get("class") or ""
        for decorator in fact["decorators"]:
            # `@lru_cache(maxsize=1)`: the decorator is what the call makes.
            ref = self.index.ref_of_value(module, scope, decorator_callee(decorator))
            if ref is not None and ref.qual in MEMOISERS:
                return True
        return False

    def fresh_call(self, module: str, scope: str, shape: Shape | None) -> Shape | None:
        """The call that makes the object an expression gives, when it makes a new one: the
        expression itself, or the call a name of this function is bound to (`db =
        SessionLocal()`; `return db`)."""
        typed = view(shape)
        if isinstance(typed, Call):
            return shape
        if isinstance(typed, Await):
            return self.fresh_call(module, scope, typed.value)
        if not isinstance(typed, Name) or "." in typed.dotted or not scope:
            return None
        found = self.index.lookup_binding(module, scope, typed.dotted)
        if found is None or found[1] != scope:
            return None
        bound = view_binding(found[0])
        if isinstance(bound, ValueBinding) and isinstance(view(bound.value), Call):
            return bound.value
        return None

    def fresh(self, module: str, scope: str, shape: Shape | None) -> bool:
        """Whether an expression makes a new object (see `fresh_call`)."""
        return self.fresh_call(module, scope, shape) is not None

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
        if self.created_kind(module, "", bound.value) in SESSION_KINDS:
            return f"{module}.{name}" if module else name
        return None

    def _session_subclass(self, qual: str) -> str | None:
        """ "session" or "async_session" for a project subclass of `Session`/`AsyncSession`
        (through the class hierarchy, across modules)."""
        if self.index.class_(qual) is None:
            return None
        bases = self.index.external_bases(qual)
        if bases & ASYNC_SESSION_CLASSES:
            return "async_session"
        if bases & SYNC_SESSION_CLASSES:
            return "session"
        return None


def _dotted(raw: Shape | None) -> str | None:
    typed = view(raw)
    return typed.dotted if isinstance(typed, Name) else None


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
    """Module-level `X = Annotated[T, Depends(dep)]` aliases of a module: (module, [(X, dep)]).
    The model reads the marker (`dependency_marker`, through aliases of aliases)."""
    found: list[tuple[str, str]] = []
    summary = index.module(mod)
    if summary is None:
        return mod, found
    for name, raw in sorted(summary["scopes"][""]["bindings"].items()):
        bound = view_binding(raw)
        if not isinstance(bound, ValueBinding) or not isinstance(view(bound.value), Subscript):
            continue
        marker = index.dependency_marker(mod, "", None, ["n", name])
        if marker is None:
            continue
        marker_module, marker_scope, call, _annotated = marker
        args, kwargs = call[2] or [], call[3] or {}
        dep = index.ref_of_value(
            marker_module, marker_scope, kwargs.get("dependency") or (args[0] if args else None)
        )
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
