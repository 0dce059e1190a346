"""FPI202/FPI207 in services that a request reaches from another module (issue 13): the
services module holds no route and no dependency, yet the rules read it, and the message says
how a request gets there."""

from __future__ import annotations

from pathlib import Path

from conftest import run_json

DB = """\
from sqlmodel import Session, create_engine

engine = create_engine("sqlite://")


def get_db():
    with Session(engine) as session:
        yield session
"""

SERVICES = """\
from sqlalchemy import create_engine

from app.db import get_db


class UserService:
    def list(self):
        db = next(get_db())
        return db.is_active

    def export(self, url: str):
        engine = create_engine(url)
        with engine.connect() as conn:
            return conn.closed


def only_in_a_script():
    db = next(get_db())
    engine = create_engine("sqlite://")
    return db, engine.url
"""

ROUTES = """\
from fastapi import APIRouter, Depends

from app.db import get_db
from app.services import UserService

router = APIRouter(prefix="/users")


@router.get("/")
def users(db=Depends(get_db)):
    return UserService().list()


@router.post("/export")
def export():
    UserService().export("sqlite://")
"""

SCRIPT = """\
from app.services import only_in_a_script

if __name__ == "__main__":
    only_in_a_script()
"""


def test_services_reached_from_routes_of_another_module(tmp_path: Path) -> None:
    root = tmp_path / "proj"
    (root / "app").mkdir(parents=True)
    (root / "pyproject.toml").write_text('[project]\nname = "proj"\n')
    for name, text in {
        "__init__": "",
        "db": DB,
        "services": SERVICES,
        "routes": ROUTES,
    }.items():
        (root / "app" / f"{name}.py").write_text(text)
    (root / "scripts").mkdir()
    (root / "scripts/report.py").write_text(SCRIPT)
    found = sorted(
        (Path(f["filename"]).name, f["location"]["row"], f["code"], f["message"])
        for f in run_json("check", "--no-cache", "--select", "FPI2", ".", cwd=root)
    )
    assert [(name, row, code) for name, row, code, _ in found] == [
        ("services.py", 8, "FPI207"),
        ("services.py", 12, "FPI202"),
    ]
    assert "(reached from GET /users/ via UserService.list)" in found[0][3]
    assert "(reached from POST /users/export via UserService.export)" in found[1][3]


def test_editing_the_caller_revalidates_the_helper(tmp_path: Path) -> None:
    """Whether services.py's engine is for a database the request names depends on what
    routes.py passes: the cached answer for services.py must follow edits of routes.py."""
    root = tmp_path / "proj"
    (root / "app").mkdir(parents=True)
    (root / "pyproject.toml").write_text('[project]\nname = "proj"\n')
    body_route = ROUTES.replace(
        'def export():\n    UserService().export("sqlite://")',
        "def export(url: str):\n    UserService().export(url)",
    )
    assert body_route != ROUTES
    for name, text in {"__init__": "", "db": DB, "services": SERVICES}.items():
        (root / "app" / f"{name}.py").write_text(text)
    routes = root / "app" / "routes.py"

    def engines() -> list[int]:
        found = run_json("check", "--select", "FPI202", ".", cwd=root)
        return [f["location"]["row"] for f in found if f["filename"].endswith("services.py")]

    routes.write_text(body_route)  # the query parameter names the database: a probe
    assert engines() == []
    routes.write_text(ROUTES)  # a constant URL: the engine could have been shared
    assert engines() == [12]
    routes.write_text(body_route)
    assert engines() == []
