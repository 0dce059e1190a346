"""The index facts the FPI2xx rules read: dependencies, path operations, session kinds."""

from __future__ import annotations

from textwrap import dedent

from fastapi_lint.index.project import ProjectIndex
from fastapi_lint.index.summary import summarize_source
from fastapi_lint.rules.sessions.facts import SessionFacts, session_dependencies_fact


def make_index(modules: dict[str, str]) -> ProjectIndex:
    summaries = {}
    for name, text in modules.items():
        is_package = name.endswith(".__init__")
        module = name.removesuffix(".__init__")
        summaries[module] = summarize_source(dedent(text), module, is_package)
    return ProjectIndex(summaries)


PROJECT = {
    "app.db": """
        from sqlalchemy import create_engine
        from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
        from sqlalchemy.orm import scoped_session, sessionmaker

        engine = create_engine("sqlite://")
        SessionLocal = sessionmaker(bind=engine)
        AsyncByClass = sessionmaker(async_engine, class_=AsyncSession)
        async_engine = create_async_engine("sqlite+aiosqlite://")
        make_async = async_sessionmaker(async_engine)
        Registry = scoped_session(SessionLocal)
        global_db = SessionLocal()

        def fresh():
            db = SessionLocal()
            return db

        def shared():
            return global_db
    """,
    "app.deps": """
        from typing import Annotated
        from fastapi import Depends
        from sqlalchemy.orm import Session
        from app.db import SessionLocal

        def get_db():
            db = SessionLocal()
            try:
                yield db
            finally:
                db.close()

        def get_user(db: Annotated[Session, Depends(get_db)]):
            return db

        DbDep = Annotated[Session, Depends(get_db)]

        def require_role(role):
            def local_dep():
                return role
            def checker(value=Depends(local_dep)):
                return value
            return checker
    """,
    "app.routers.__init__": """
        from fastapi import APIRouter
        router = APIRouter()
    """,
    "app.routers.items": """
        from app import db as database
        from app.db import SessionLocal, engine, fresh, shared
        from app.deps import DbDep
        from app.routers import router

        @router.get("/")
        def index(session: DbDep):
            a = SessionLocal()
            b = database.SessionLocal()
            c = fresh()
            d = shared()
            e = engine.connect()
            f = database.make_async()
            with SessionLocal.begin() as g:
                pass

        def endpoint():
            pass
    """,
    "app.main": """
        from fastapi import FastAPI
        from app.routers.items import endpoint
        app = FastAPI()
        app.add_api_route("/x", endpoint)
    """,
}


def test_module_level_kinds_follow_bindings() -> None:
    facts = SessionFacts(make_index(PROJECT))
    kinds = {
        name: facts.kind_of_shape("app.db", "", ["n", name])
        for name in (
            "engine",
            "SessionLocal",
            "AsyncByClass",
            "async_engine",
            "make_async",
            "Registry",
            "global_db",
        )
    }
    assert kinds == {
        "engine": "engine",
        "SessionLocal": "factory",
        "AsyncByClass": "async_factory",
        "async_engine": "async_engine",
        "make_async": "async_factory",
        "Registry": "scoped",
        "global_db": "session",
    }


def test_kinds_across_modules_and_helpers() -> None:
    facts = SessionFacts(make_index(PROJECT))
    local = {n: facts.kind_of_shape("app.routers.items", "index", ["n", n]) for n in "abcdefg"}
    assert local == {
        "a": "session",
        "b": "session",
        "c": "session",  # a helper returning a new session
        "d": "session",  # the shared global a helper hands out is a session too ...
        "e": "connection",
        "f": "async_session",
        "g": "session",
    }
    assert facts.kind_of_shape("app.routers.items", "index", ["n", "session"]) == "session"
    # ... but calling that helper creates nothing; calling `fresh` does.
    created = {
        name: facts.kind_of_shape("app.routers.items", "index", ["call", ["n", name], [], {}])
        for name in ("fresh", "shared")
    }
    assert created == {"fresh": "session", "shared": None}


def test_global_session_and_user_factories() -> None:
    index = make_index(PROJECT)
    facts = SessionFacts(index)
    assert facts.global_session("app.db", "", "global_db") == "app.db.global_db"
    assert facts.global_session("app.db", "", "SessionLocal") is None
    assert facts.global_session("app.db", "", "Registry") is None
    custom = SessionFacts(index, ("mylib.open_session",))
    assert custom.kind_of_shape("app.db", "", ["call", ["n", "mylib.open_session"], [], {}]) is None
    make_index_with = make_index(
        {"m": "from mylib import open_session\ndef f():\n    s = open_session()\n"}
    )
    custom = SessionFacts(make_index_with, ("mylib.open_session",))
    assert custom.kind_of_shape("m", "f", ["n", "s"]) == "session"


def test_dependencies_from_annotations_and_inner_scopes() -> None:
    deps = make_index(PROJECT).dependency_functions()
    # In a parameter annotation (Annotated[..., Depends(get_db)]) and inside a factory's scope.
    assert "app.deps.get_db" in deps
    assert "app.deps.require_role.local_dep" in deps


def test_path_operations_with_router_from_another_module_and_add_api_route() -> None:
    index = make_index(PROJECT)
    assert index.path_operation("app.routers.items", "index") is not None
    assert index.path_operation("app.routers.items", "endpoint") is not None
    assert index.path_operation("app.deps", "get_db") is None


def test_session_dependency_fact_finds_the_alias() -> None:
    found = session_dependencies_fact(make_index(PROJECT))
    assert found == [{"qual": "app.deps.get_db", "kind": "session", "alias": ["app.deps", "DbDep"]}]


def test_answers_do_not_depend_on_the_order_of_questions() -> None:
    """A deep question first must not leave a depth cut-off in the memo for a shallow one."""
    modules = {
        "a.database": "from sqlmodel import create_engine\nengine = create_engine('sqlite://')\n",
        "a.deps": (
            "from sqlalchemy.orm import sessionmaker\nfrom sqlmodel import Session\n"
            "from a.database import engine\n"
            "SessionLocal = sessionmaker(bind=engine, class_=Session)\n"
        ),
        "a.routes": (
            "from a.deps import SessionLocal\nshared = SessionLocal()\n"
            "def route():\n    return shared.exec(1).all()\n"
        ),
    }
    deep_first = SessionFacts(make_index(modules))
    deep = ["call", ["attr", ["call", ["n", "shared.exec"], [], {}], "all"], [], {}]
    assert deep_first.kind_of_shape("a.routes", "route", deep) is None
    assert deep_first.global_session("a.routes", "route", "shared") == "a.routes.shared"
    assert SessionFacts(make_index(modules)).global_session("a.routes", "route", "shared")


def test_path_operations_on_router_subclasses_and_app_router() -> None:
    index = make_index(
        {
            "r.base": (
                "from fastapi import APIRouter\n"
                "class VersionedRouter(APIRouter):\n    pass\n"
                "class Plain:\n    def get(self, path):\n        return lambda f: f\n"
            ),
            "r.routes": (
                "from fastapi import FastAPI\nfrom r.base import Plain, VersionedRouter\n"
                "router = VersionedRouter()\napp = FastAPI()\nplain = Plain()\n"
                "@router.get('/a')\ndef a():\n    pass\n"
                "@app.router.get('/b')\ndef b():\n    pass\n"
                "@plain.get('/c')\ndef c():\n    pass\n"
            ),
        }
    )
    assert index.path_operation("r.routes", "a")["owner"] == "fastapi.APIRouter"
    assert index.path_operation("r.routes", "b") is not None
    assert index.path_operation("r.routes", "c") is None


def test_cached_findings_follow_edits_of_the_factory_module(tmp_path) -> None:
    """routes.py's FPI204 finding depends on db.py: editing db.py must invalidate it."""
    from conftest import run_json

    (tmp_path / "pyproject.toml").write_text("[tool.fastapi-lint]\n")
    (tmp_path / "db.py").write_text(
        "from sqlalchemy.orm import sessionmaker\nSessionLocal = sessionmaker()\n"
        "shared = SessionLocal()\n"
    )
    (tmp_path / "routes.py").write_text(
        "from fastapi import FastAPI\nfrom db import shared\napp = FastAPI()\n"
        "@app.get('/')\ndef index():\n    return shared.is_active\n"
    )
    first = run_json("check", str(tmp_path), "--select", "FPI2", cwd=tmp_path)
    assert [f["code"] for f in first] == ["FPI204"]
    (tmp_path / "db.py").write_text(
        "from sqlalchemy.orm import sessionmaker\nSessionLocal = sessionmaker()\n"
        "shared = SessionLocal\n"
    )
    assert run_json("check", str(tmp_path), "--select", "FPI2", cwd=tmp_path) == []


def test_context_manager_generators_open_sessions() -> None:
    index = make_index(
        {
            "c.db": (
                "from contextlib import asynccontextmanager, contextmanager\n"
                "from sqlalchemy.ext.asyncio import async_sessionmaker\n"
                "from sqlalchemy.orm import sessionmaker\n"
                "SessionLocal = sessionmaker()\nAsyncLocal = async_sessionmaker()\n"
                "def get_session():\n    db = SessionLocal()\n    try:\n        yield db\n"
                "    finally:\n        db.close()\n"
                "get_db = contextmanager(get_session)\n"
                "@asynccontextmanager\nasync def async_scope():\n"
                "    async with AsyncLocal() as s:\n        yield s\n"
                "def plain_generator():\n    yield SessionLocal()\n"
            ),
        }
    )
    facts = SessionFacts(index)
    call = lambda name: ["call", ["n", name], [], {}]  # noqa: E731
    assert facts.kind_of_shape("c.db", "", call("get_db")) == "session"
    assert facts.kind_of_shape("c.db", "", call("async_scope")) == "async_session"
    # Calling a plain generator gives a generator, not a session.
    assert facts.kind_of_shape("c.db", "", call("plain_generator")) is None
    assert facts.kind_of_shape("c.db", "", call("get_session")) is None


def test_recursive_helpers_and_classes_end() -> None:
    index = make_index(
        {
            "rec.m": (
                "def f():\n    return f()\n"
                "def g():\n    return h()\n"
                "def h():\n    return g()\n"
                "class A(B):\n    pass\n"
                "class B(A):\n    pass\n"
            ),
        }
    )
    facts = SessionFacts(index)
    for name in ("f", "g", "A"):
        assert facts.kind_of_shape("rec.m", "", ["call", ["n", name], [], {}]) is None


def test_import_cycles_end() -> None:
    index = make_index(
        {
            "cyc.a": "from cyc.b import X\ndef f(x: X):\n    return x\n",
            "cyc.b": "from cyc.a import X\n",
        }
    )
    assert index.resolve_name("cyc.a", "f", "x") is None
    assert index.alias_shape("cyc.a", "", "X") is None
