"""The semantic model (`index.semantic`): types of values from the `ast` summaries, across
modules, with the negatives that keep it precise (disagreeing bindings are unknown)."""

from __future__ import annotations

import textwrap

import pytest

from fastapi_lint.index import ProjectIndex, Ref, summarize_source

MODELS = """
from pydantic import BaseModel


class User(BaseModel):
    name: str
"""

REPO = """
from abc import ABC, abstractmethod
from contextlib import contextmanager
from pathlib import Path
from typing import ClassVar, Final, Iterator, Optional, Protocol

import boto3
import httpx
from sqlalchemy.orm import Session, sessionmaker

SessionLocal = sessionmaker()
DEFAULT: Final = httpx.Client()


class Base:
    registry: ClassVar[httpx.Client] = httpx.Client()

    def __init__(self, session: Session) -> None:
        self.session = session
        self.cache = None

    def warm(self) -> None:
        self.cache = httpx.Client()

    def get(self, key):
        return self.session.get(dict, key)


class Repo(Base):
    items: list[Path]

    def get(self, key):
        return super().get(key)

    @property
    def root(self) -> Path:
        return Path("/srv")

    @classmethod
    def build(cls):
        return cls(SessionLocal())

    def mixed(self):
        self.thing = httpx.Client()

    def mixed_again(self):
        self.thing = "text"

    def __enter__(self):
        return self


def get_s3():
    return boto3.client("s3")


def unknown_result(flag):
    if flag:
        return boto3.client("s3")
    return httpx.Client()


@contextmanager
def scope():
    session = SessionLocal()
    yield session


def paths() -> Iterator[Path]:
    yield Path("a")


def _clients():
    client = httpx.Client()
    yield client


wrapped_scope = contextmanager(_clients)


def plain_gen():
    yield httpx.Client()


class Store(ABC):
    @abstractmethod
    def put(self, data) -> None: ...


class Disk(Store):
    def put(self, data) -> None:
        Path("x").write_bytes(data)


class Memory(Store):
    def put(self, data) -> None:
        pass


class Sink(Protocol):
    def write(self, data) -> None: ...


class FileSink:
    def write(self, data) -> None:
        Path("y").write_bytes(data)


class StraySink:
    # Has the protocol's method, but nothing in the project uses it as a `Sink`.

    def write(self, data) -> None:
        Path("z").write_bytes(data)


def make_sink() -> Sink:
    return FileSink()
"""

ROUTES = """
import contextlib
from typing import Annotated, Optional

from fastapi import Depends, Request

from app.models import User
from app.repo import (
    DEFAULT, Repo, Sink, Store, get_s3, paths, plain_gen, scope, unknown_result, wrapped_scope,
)
from app import repo as repo_module


def get_repo() -> Repo:
    return Repo(None)


def get_db():
    with scope() as session:
        yield session


async def route(
    raw,
    path: str,
    request: Request,
    store: Store,
    sink: Sink,
    dep=Depends(get_repo),
    cls_dep: Annotated[Repo, Depends()] = None,
    db=Depends(get_db),
    maybe: Optional[Repo] = None,
):
    path = Path(path)
    joined = path / "x" / "y"
    parent = joined.parent.with_suffix(".txt")
    s3 = get_s3()
    unknown = unknown_result(raw)
    with scope() as session:
        pass
    with Repo.build() as entered:
        pass
    with wrapped_scope() as by_hand:
        pass
    with contextlib.contextmanager(repo_module._clients)() as inline:
        pass
    for not_entered in wrapped_scope():
        pass
    for item in paths():
        pass
    for client in plain_gen():
        pass
    for p in dep.items:
        pass
    first = dep.items[0]
    user = User.model_validate(raw)
    copied = user.model_copy()
    if (walrus := get_s3()) is not None:
        pass
    state = request.app.state.http
    local_state = request.state.user
    rebound = get_s3()
    rebound = "nothing"
    return DEFAULT
"""

MAIN = """
import httpx
from fastapi import FastAPI

app = FastAPI()
app.state.http = httpx.Client()


async def middleware(request, call_next):
    request.state.user = "anonymous"
"""


@pytest.fixture(scope="module")
def index() -> ProjectIndex:
    from pathlib import Path  # noqa: F401  (the routes module imports it by name below)

    files = {
        "app": "",
        "app.models": MODELS,
        "app.repo": REPO,
        "app.routes": "from pathlib import Path\n" + ROUTES,
        "app.main": MAIN,
    }
    return ProjectIndex(
        {
            name: summarize_source(textwrap.dedent(text), name, name == "app")
            for name, text in files.items()
        }
    )


def typed(index: ProjectIndex, dotted: str, scope: str = "route") -> Ref | None:
    return index.resolve_name("app.routes", scope, dotted)


@pytest.mark.parametrize(
    ("dotted", "expected"),
    [
        ("path", Ref("instance", "pathlib.Path")),  # a re-bound parameter
        ("joined", Ref("instance", "pathlib.Path")),  # Path / "x"
        ("parent", Ref("instance", "pathlib.Path")),  # .parent, .with_suffix()
        ("s3", Ref("instance", "boto3.client")),  # a factory through the returned value
        ("session", Ref("instance", "sqlalchemy.orm.sessionmaker()")),  # @contextmanager
        ("entered", Ref("instance", "app.repo.Repo")),  # __enter__ returns self; cls(...)
        ("by_hand", Ref("instance", "httpx.Client")),  # get = contextmanager(gen)
        ("inline", Ref("instance", "httpx.Client")),  # contextmanager(gen)() in the `with`
        ("wrapped_scope", Ref("cm_function", "app.repo._clients")),
        ("item", Ref("instance", "pathlib.Path")),  # Iterator[Path] generator
        ("client", Ref("instance", "httpx.Client")),  # a generator's yields
        ("p", Ref("instance", "pathlib.Path")),  # for over an annotated list attribute
        ("first", Ref("instance", "pathlib.Path")),  # a subscript of it
        ("user", Ref("instance", "app.models.User")),  # Model.model_validate(x)
        ("copied", Ref("instance", "app.models.User")),  # .model_copy()
        ("walrus", Ref("instance", "boto3.client")),
        ("state", Ref("instance", "httpx.Client")),  # request.app.state.x
        ("DEFAULT", Ref("instance", "httpx.Client")),  # Final without a type argument
        ("dep", Ref("instance", "app.repo.Repo")),  # unannotated Depends(dep)
        ("cls_dep", Ref("instance", "app.repo.Repo")),  # Annotated[Repo, Depends()]
        ("db", Ref("instance", "sqlalchemy.orm.sessionmaker()")),  # a yielding dependency
        ("maybe", Ref("instance", "app.repo.Repo")),  # Optional[Repo]
        ("dep.session.query", Ref("member", "sqlalchemy.orm.Session.query")),  # inherited self.x
        ("dep.cache", Ref("instance", "httpx.Client")),  # None, then a client elsewhere
        ("dep.registry", Ref("instance", "httpx.Client")),  # ClassVar[...]
        ("dep.root", Ref("instance", "pathlib.Path")),  # a property's return type
        ("dep.get", Ref("function", "app.repo.Repo.get")),
        ("dep.warm", Ref("function", "app.repo.Base.warm")),  # through the MRO
        ("store.put", Ref("function", "app.repo.Store.put")),
    ],
)
def test_types_of_values(index: ProjectIndex, dotted: str, expected: Ref) -> None:
    assert typed(index, dotted) == expected


@pytest.mark.parametrize(
    ("dotted", "opaque"),
    [
        # Returns that disagree: only the opaque "result of unknown_result" (no library type).
        ("unknown", Ref("instance", "app.repo.unknown_result")),
        ("rebound", None),  # a typed value re-bound to something harmless
        ("local_state", Ref("member", "fastapi.Request.state.user")),  # a string: no type
        ("raw", None),  # an unannotated parameter
        ("not_entered", None),  # iterating a context manager is no generator's iteration
        # self.thing: a client in one method, text in another.
        ("dep.thing", Ref("member", "app.repo.Repo.thing")),
    ],
)
def test_unknown_stays_unknown(index: ProjectIndex, dotted: str, opaque: Ref | None) -> None:
    assert typed(index, dotted) == opaque


def test_super_reaches_the_base_method(index: ProjectIndex) -> None:
    assert index.resolve_name("app.repo", "Repo.get", "self") == Ref("instance", "app.repo.Repo")
    assert index.resolve_name("app.repo", "Repo.build", "cls") == Ref("class", "app.repo.Repo")
    shape = ["attr", ["call", ["n", "super"], [], {}], "get"]
    assert index.ref_of_value("app.repo", "Repo.get", shape) == Ref("function", "app.repo.Base.get")


def test_implementations_of_abstract_and_protocol_methods(index: ProjectIndex) -> None:
    assert index.implementations("app.repo.Store.put") == [
        "app.repo.Disk.put",
        "app.repo.Memory.put",
    ]
    # FileSink is what `make_sink() -> Sink` returns; StraySink only has a `write` too.
    assert index.implementations("app.repo.Sink.write") == ["app.repo.FileSink.write"]
    # A method with a body of its own has no "implementations".
    assert index.implementations("app.repo.Disk.put") == []


PROTOCOL_USES = """
from pathlib import Path
from typing import Optional, Protocol


class Sink(Protocol):
    def write(self, data) -> None: ...


class Scope(Protocol):
    def get(self, key, default): ...


class Returned:
    def write(self, data) -> None: ...


class Annotated_:
    def write(self, data) -> None: ...


class Field:
    def write(self, data) -> None: ...


class OnSelf:
    def write(self, data) -> None: ...


class Argument:
    def write(self, data) -> None: ...


class Keyword:
    def write(self, data) -> None: ...


class Constructed:
    def write(self, data) -> None: ...


class Registered:
    def write(self, data) -> None: ...


class Unrelated:
    def write(self, data) -> None: ...

    def get(self, key, default):
        return Path(key).read_text()


def build() -> Optional[Sink]:
    return Returned()


DEFAULT: Sink = Annotated_()


class Holder:
    sink: Sink = Field()

    def __init__(self, sink: Sink) -> None:
        self.other: Sink = OnSelf()

    def use(self, sink: Sink) -> None:
        sink.write(b"")


def send(sink: Sink, data) -> None:
    sink.write(data)


def main(holder: Holder) -> None:
    send(Argument(), b"")
    holder.use(sink=Keyword())
    Holder(Constructed())
    Sink.register(Registered)
    # Not a declaration: an unannotated name, a parameter without the protocol.
    loose = Unrelated()
    print(loose)


@Sink.register
class Decorated:
    def write(self, data) -> None: ...


def scope_fields(scope: Scope) -> Scope:
    return scope
"""


def test_protocol_implementations_are_the_classes_declared_as_one() -> None:
    """A protocol is implemented by the classes the project puts where it is declared, not by
    every class with a method of that name (a protocol over a dict's `get`: litellm's
    ASGIScopeFields fanned out to 146 unrelated `get` methods)."""
    index = ProjectIndex({"p": summarize_source(textwrap.dedent(PROTOCOL_USES), "p", False)})
    assert index.implementations("p.Sink.write") == [
        f"p.{name}.write"
        for name in sorted(
            [
                "Returned",
                "Annotated_",
                "Field",
                "OnSelf",
                "Argument",
                "Keyword",
                "Constructed",
                "Registered",
                "Decorated",
            ]
        )
    ]
    # `Unrelated` has both methods and is used nowhere as a Sink or a Scope.
    assert index.implementations("p.Scope.get") == []


def test_property_getter_is_known(index: ProjectIndex) -> None:
    repo = Ref("instance", "app.repo.Repo")
    assert index.property_function(repo, "root") == "app.repo.Repo.root"
    assert index.property_function(repo, "get") is None


def test_answers_record_the_modules_they_read(index: ProjectIndex) -> None:
    index.start_tracking()
    index._memo.clear()
    assert typed(index, "dep.session.query") is not None
    deps = index.stop_tracking()
    assert {"app.routes", "app.repo"} <= set(deps)


def test_a_long_chain_of_aliases_is_unknown_not_a_crash() -> None:
    lines = ["import httpx", "x0 = httpx.Client()"]
    lines += [f"x{n} = x{n - 1}" for n in range(1, 600)]
    index = ProjectIndex({"gen": summarize_source("\n".join(lines) + "\n", "gen", False)})
    assert index.resolve_name("gen", "", "x599") is None
    assert index.resolve_name("gen", "", "x5") == Ref("instance", "httpx.Client")
    # Self-referencing attributes read as unknown.
    cyclic = "class C:\n    def __init__(self):\n        self.a = self.b\n        self.b = self.a\n"
    index = ProjectIndex({"cyc": summarize_source(cyclic, "cyc", False)})
    assert index.member(Ref("instance", "cyc.C"), "a") == Ref("member", "cyc.C.a")


def test_typed_views_read_the_model_bindings() -> None:
    from fastapi_lint.index.shapes import AmbiguousBinding, ForBinding, WithBinding, view_binding

    source = (
        "async def f(path):\n"
        "    path = Path(path)\n"
        "    async with open_it() as handle:\n"
        "        pass\n"
        "    for item in items:\n"
        "        pass\n"
    )
    bindings = summarize_source(source, "m", False)["scopes"]["f"]["bindings"]
    assert isinstance(view_binding(bindings["path"]), AmbiguousBinding)
    assert len(view_binding(bindings["path"]).candidates) == 2
    assert view_binding(bindings["handle"]) == WithBinding(["call", ["n", "open_it"], [], {}], True)
    assert view_binding(bindings["item"]) == ForBinding(["n", "items"])


def test_bound_value_and_returned_values() -> None:
    source = textwrap.dedent(
        """
        def load(rows, flag):
            data = rows.first()
            limit: int = 3
            if flag:
                data = None
            for row in rows:
                row.api_key = None
            return rows

        def plain(x):
            y = x.dump()
            return y
        """
    )
    index = ProjectIndex({"svc": summarize_source(source, "svc", False)})
    # A name bound twice, a parameter: no single value.
    assert index.bound_value("svc", "load", "data") is None
    assert index.bound_value("svc", "load", "rows") is None
    assert index.bound_value("svc", "load", "limit") == (["const", 3], "load", ["n", "int"])
    assert index.bound_value("svc", "plain", "y") == (
        ["call", ["n", "x.dump"], [], {}],
        "plain",
        None,
    )
    assert index.returned_values("svc.load") == [
        (["n", "rows"], {"rows": [["api_key", ["const", None]]]})
    ]
    assert index.returned_values("svc.plain") == [(["n", "y"], {})]
    assert index.returned_values("svc.missing") == []


OVERRIDES = """
from typing import final


class Runtime:
    def run_action(self, action):
        return getattr(self, action)()

    @final
    def ping(self):
        return "pong"

    def read(self):
        return ""


class Remote(Runtime):
    def run_action(self, action):
        return action

    def ping(self):
        return "remote"


class Local(Runtime):
    pass


@final
class Sealed:
    def read(self):
        return ""


class Holder:
    declared: Runtime

    def __init__(self, runtime: Runtime):
        self.runtime = runtime
        self.built = Runtime()


def helper(runtime: Runtime, holder: Holder, cls_dep=None):
    local: Runtime = runtime
    built = Runtime()
    built_annotated: Runtime = Runtime()
    alias = local
    return runtime, holder, local, built, built_annotated, alias
"""


def test_overrides_of_a_concrete_method_behind_a_declared_type() -> None:
    index = ProjectIndex({"m": summarize_source(textwrap.dedent(OVERRIDES), "m", False)})
    assert index.overrides("m.Runtime.run_action") == [
        "m.Remote.run_action",
        "m.Runtime.run_action",
    ]
    assert index.overrides("m.Runtime.ping") == []  # final
    assert index.overrides("m.Runtime.read") == []  # nothing overrides it
    assert index.overrides("m.Sealed.read") == []
    declared = {
        name: index.declared_receiver("m", "helper", name)
        for name in (
            "runtime",
            "local",
            "alias",
            "holder.runtime",
            "holder.declared",
            "built",
            "built_annotated",
            "holder.built",
            "holder",  # a Holder: declared too (nothing overrides its methods)
            "cls_dep",
        )
    }
    assert declared == {
        "runtime": True,
        "local": True,
        "alias": True,
        "holder.runtime": True,
        "holder.declared": True,
        "built": False,
        "built_annotated": False,
        "holder.built": False,
        "holder": True,
        "cls_dep": False,
    }
    # `self` inside the base is not a declared receiver (the constructed class decides).
    assert not index.declared_receiver("m", "Runtime.run_action", "self")


GAPS = """
import functools
from pathlib import Path
from typing import Annotated

import httpx
from fastapi import Depends, Security


class Settings:
    @functools.cached_property
    def client(self) -> httpx.Client:
        return httpx.Client()


def get_client() -> httpx.Client:
    return httpx.Client()


async def route(
    maybe: httpx.Client | None,
    secured=Security(get_client),
    annotated_secured: Annotated[httpx.Client, Security(get_client)] = None,
    settings: Settings = None,
    raw: str = "",
):
    home = Path(raw).expanduser().resolve()
    cached = settings.client
    return maybe, secured, annotated_secured, home, cached
"""


@pytest.mark.parametrize(
    ("dotted", "expected"),
    [
        ("maybe", Ref("instance", "httpx.Client")),  # `X | None`
        ("secured", Ref("instance", "httpx.Client")),  # Security(dep), unannotated
        ("annotated_secured", Ref("instance", "httpx.Client")),
        ("home", Ref("instance", "pathlib.Path")),  # .expanduser().resolve() keep the path
        ("cached", Ref("instance", "httpx.Client")),  # functools.cached_property
    ],
)
def test_more_kinds_of_values(dotted: str, expected: Ref) -> None:
    index = ProjectIndex({"m": summarize_source(textwrap.dedent(GAPS), "m", False)})
    assert index.resolve_name("m", "route", dotted) == expected
