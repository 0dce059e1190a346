"""Codemods through both runners: LibCST's own (`python -m libcst.tool codemod -x ...`) and
`fastapi-lint codemod`. A rule's codemod applies exactly the fixes `check --select CODE --fix
--unsafe-fixes` applies, because both ask the engine for them."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import FIXTURES

from fastapi_lint.cli import main
from fastapi_lint.codemods.fix_rule import fixable_rules

SAMPLE = (
    b"# -*- coding: latin-1 -*-\n"
    b"from fastapi import Depends, FastAPI\n"
    b"\n"
    b"app = FastAPI()\n"
    b"\n"
    b"\n"
    b"def get_settings():\n"
    b'    return {"name": "caf\xe9"}\n'
    b"\n"
    b"\n"
    b'@app.get("/")\n'
    b"def read(settings: dict = Depends(get_settings())):\n"
    b"    return settings\n"
)
FIXED = SAMPLE.replace(b"Depends(get_settings())", b"Depends(get_settings)")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "demo"\nversion = "0"\n')
    (tmp_path / "app.py").write_bytes(SAMPLE)
    (tmp_path / "clean.py").write_text("x = 1\n")
    return tmp_path


def libcst_tool(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "libcst.tool", "codemod", "-x", "--no-format", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.slow
@pytest.mark.parametrize(
    "command",
    [
        ["fastapi_lint.codemods.fix_rule.FPI206"],
        ["fastapi_lint.codemods.fix_rule.FixRule", "--code", "FPI206"],
        ["fastapi_lint.codemods.fix_rule.FixRule", "--code", "dependency-called-in-depends"],
    ],
    ids=["per-rule-class", "code-argument", "name-argument"],
)
def test_libcst_runner(project: Path, command: list[str]) -> None:
    proc = libcst_tool(*command, ".", cwd=project)
    assert proc.returncode == 0, proc.stderr
    assert (project / "app.py").read_bytes() == FIXED  # latin-1 kept
    assert (project / "clean.py").read_text() == "x = 1\n"
    assert "Transformed 1 files successfully" in proc.stderr


@pytest.mark.slow
def test_libcst_runner_in_parallel_and_safe_only(project: Path) -> None:
    (project / "sleepy.py").write_text(
        "import time\n\n\nasync def nap():\n    time.sleep(1)\n", encoding="utf-8"
    )
    proc = libcst_tool(
        "fastapi_lint.codemods.fix_rule.FPI101", "--safe-only", "-j", "2", ".", cwd=project
    )
    assert proc.returncode == 0, proc.stderr
    assert "time.sleep(1)" in (project / "sleepy.py").read_text()  # its only fix is unsafe
    proc = libcst_tool("fastapi_lint.codemods.fix_rule.FPI101", "-j", "2", ".", cwd=project)
    assert proc.returncode == 0, proc.stderr
    assert "await asyncio.sleep(1)" in (project / "sleepy.py").read_text()
    assert (project / "app.py").read_bytes() == SAMPLE  # another rule's finding stays


def test_fastapi_lint_codemod_runner(project: Path, capsys) -> None:
    assert main(["codemod", "FPI206", str(project), "--diff"]) == 1
    diff = capsys.readouterr().out
    assert "-def read(settings: dict = Depends(get_settings())):" in diff
    assert "+def read(settings: dict = Depends(get_settings)):" in diff
    assert (project / "app.py").read_bytes() == SAMPLE

    assert main(["codemod", "dependency-called-in-depends", str(project)]) == 0
    assert (project / "app.py").read_bytes() == FIXED
    assert "Changed 1 file" in capsys.readouterr().err
    # Nothing left to change.
    assert main(["codemod", "FPI206", str(project), "--diff"]) == 0


def test_unparsable_files_are_skipped(project: Path, capsys) -> None:
    (project / "broken.py").write_text("def broken(:\n")
    assert main(["codemod", "FPI206", str(project)]) == 0
    assert "broken.py: skipped: it does not parse" in capsys.readouterr().err
    assert (project / "app.py").read_bytes() == FIXED


def test_codemod_list_and_errors(project: Path, capsys) -> None:
    assert main(["codemod", "--list"]) == 0
    listed = capsys.readouterr().out
    for rule in fixable_rules():
        assert rule.code in listed and rule.name in listed
    assert main(["codemod", "no-such-codemod", str(project)]) == 2
    assert "unknown codemod" in capsys.readouterr().err
    assert main(["codemod", "FPI001", str(project)]) == 2  # a rule without a fix
    assert main(["codemod", "FPI206", str(project / "missing")]) == 2


@pytest.mark.slow
def test_rule_codemods_equal_check_fix_for_that_rule(tmp_path: Path, capsys) -> None:
    """For each fixable rule with fixtures: the codemod over its fixture folder gives the files
    that `check --select CODE --fix --unsafe-fixes` writes."""
    compared = 0
    for rule in fixable_rules():
        if not (FIXTURES / rule.code).is_dir():
            continue
        trees = []
        for runner in ("codemod", "check"):
            root = tmp_path / runner / rule.code
            shutil.copytree(
                FIXTURES / rule.code,
                root / rule.code,
                ignore=shutil.ignore_patterns(".fastapi_lint_cache", "*.fixed.py"),
            )
            shutil.copy2(FIXTURES / "pyproject.toml", root / "pyproject.toml")
            trees.append(root / rule.code)
        assert main(["codemod", rule.code, str(trees[0])]) == 0
        check = ["check", str(trees[1]), "--select", rule.code, "--fix", "--unsafe-fixes"]
        assert main([*check, "--no-cache", "--quiet"]) in (0, 1)
        for path in sorted(trees[1].rglob("*.py")):
            other = trees[0] / path.relative_to(trees[1])
            assert other.read_bytes() == path.read_bytes(), f"{rule.code}: {path.name} differs"
            compared += 1
    capsys.readouterr()
    assert compared > 0


# -- generate-public-model: several files ---------------------------------------------------

SHOP_MODELS = """\
from sqlmodel import Field, SQLModel


class UserBase(SQLModel):
    name: str
    email: str


class User(UserBase, table=True):
    id: int | None = Field(default=None, primary_key=True)
    hashed_password: str
    age: int = 0
"""

SHOP_MAIN = """\
from collections.abc import Iterator
from pathlib import Path

from fastapi import Depends, FastAPI
from sqlmodel import Session, SQLModel, create_engine, select

from .models import User

engine = create_engine(f"sqlite:///{Path(__file__).parent / 'shop.db'}")
SQLModel.metadata.create_all(engine)
app = FastAPI()


def get_session() -> Iterator[Session]:
    with Session(engine) as session:
        yield session


@app.post("/users/")
def create_user(name: str, session: Session = Depends(get_session)) -> dict:
    user = User(name=name, email=f"{name}@example.invalid", hashed_password="x" * 60)
    session.add(user)
    session.commit()
    return {"ok": True}


@app.get("/users/", response_model=list[User])
def read_users(session: Session = Depends(get_session)):
    return session.exec(select(User)).all()


@app.get("/users/{user_id}")
def read_user(user_id: int, session: Session = Depends(get_session)):
    return session.get(User, user_id)
"""

SERVE = """\
import json
import sys

sys.path.insert(0, sys.argv[1])
from fastapi.testclient import TestClient

from shopapp.main import app

client = TestClient(app)
assert client.post("/users/", params={"name": "ada"}).status_code == 200
print(json.dumps([client.get("/users/").json(), client.get("/users/1").json()]))
"""


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    root = tmp_path / "shop"
    package = root / "shopapp"
    package.mkdir(parents=True)
    (root / "pyproject.toml").write_text('[project]\nname = "shop"\nversion = "0"\n')
    (package / "__init__.py").write_text("")
    (package / "models.py").write_text(SHOP_MODELS)
    (package / "main.py").write_text(SHOP_MAIN)
    return root


def serve(root: Path) -> list:
    import json

    proc = subprocess.run(
        [sys.executable, "-c", SERVE, str(root)], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


@pytest.mark.slow
def test_generate_public_model_over_two_files(shop: Path, capsys) -> None:
    before = serve(shop)
    assert "hashed_password" in before[0][0] and "hashed_password" in before[1]
    (shop / "shopapp" / "shop.db").unlink()

    assert main(["codemod", "generate-public-model", str(shop)]) == 0
    capsys.readouterr()
    models = (shop / "shopapp" / "models.py").read_text()
    assert models == SHOP_MODELS + (
        "\n\nclass UserPublic(UserBase):\n    id: int | None = None\n    age: int = 0\n"
    )
    routes = (shop / "shopapp" / "main.py").read_text()
    assert "from .models import User, UserPublic\n" in routes
    assert '@app.get("/users/", response_model=list[UserPublic])' in routes
    assert '@app.get("/users/{user_id}", response_model=UserPublic)' in routes
    assert main(["check", str(shop), "--no-cache", "--quiet"]) == 0
    capsys.readouterr()

    after = serve(shop)
    assert after[0] == [{"name": "ada", "email": "ada@example.invalid", "id": 1, "age": 0}]
    assert after[1] == after[0][0]


@pytest.mark.slow
def test_generate_public_model_with_the_libcst_runner(shop: Path) -> None:
    command = "fastapi_lint.codemods.public_model.GeneratePublicModel"
    first = libcst_tool(command, ".", cwd=shop)
    assert first.returncode == 0, first.stderr
    assert "class UserPublic(UserBase):" in (shop / "shopapp" / "models.py").read_text()
    second = libcst_tool(command, ".", cwd=shop)
    assert second.returncode == 0, second.stderr
    routes = (shop / "shopapp" / "main.py").read_text()
    assert '@app.get("/users/{user_id}", response_model=UserPublic)' in routes
    assert '@app.get("/users/", response_model=list[UserPublic])' in routes
