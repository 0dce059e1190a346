"""`codemod generate-public-model` keeps what decides a response's validation.

The twin it generates is the route's new response model, so whatever the model's fields say
about a response must survive: defaults (`= []`, `Field(default_factory=list)`), `Field(...)`
constraints and aliases, the model's configuration and the validators of the fields it keeps.
Only what describes a table column (`primary_key`, `index`, `sa_column`, ...) is left out.
The fixture app is served with FastAPI's TestClient before and after the codemod: a route
returning a dict without the defaulted keys used to answer 500 after it.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from fastapi_lint.cli import main

MODELS = textwrap.dedent(
    """\
    from pydantic import BaseModel, ConfigDict, field_validator
    from sqlalchemy import JSON, Column
    from sqlmodel import Field, SQLModel


    class User(SQLModel, table=True):
        id: int | None = Field(default=None, primary_key=True)
        name: str = Field(index=True, max_length=50)
        hashed_password: str
        tags: list[str] = Field(default_factory=list, sa_column=Column(JSON))
        karma: int = Field(default=0, ge=0)


    class Account(BaseModel):
        model_config = ConfigDict(populate_by_name=True)

        id: int
        display_name: str = Field(alias="displayName")
        tags: list[str] = []
        roles: list[str] = Field(default_factory=list)
        bio: str | None = None
        score: int = Field(default=0, ge=0)
        password: str

        @field_validator("display_name")
        @classmethod
        def strip_name(cls, value: str) -> str:
            return value.strip()

        @field_validator("password")
        @classmethod
        def long_enough(cls, value: str) -> str:
            return value
    """
)

MAIN = textwrap.dedent(
    """\
    from fastapi import FastAPI

    from .models import Account, User

    app = FastAPI()


    @app.get("/users/{user_id}", response_model=User)
    def read_user(user_id: int):
        return {"id": user_id, "name": "ada", "hashed_password": "x" * 60}


    @app.get("/negative", response_model=Account)
    def negative():
        return {"id": 3, "display_name": "bob", "password": "x", "score": -1}


    @app.get("/accounts/{account_id}", response_model=Account)
    def read_account(account_id: int):
        return {"id": account_id, "displayName": "  ada  ", "password": "x"}


    @app.get("/pair")
    def pair():
        return [User(id=1, name="a", hashed_password="x"), User(id=2, name="b", hashed_password="y")]
    """
)

SERVE = """\
import json
import sys

sys.path.insert(0, sys.argv[1])
from fastapi.testclient import TestClient

from shopapp.main import app

client = TestClient(app, raise_server_exceptions=False)
out = {}
for url in ("/users/1", "/negative", "/accounts/2", "/pair"):
    response = client.get(url)
    out[url] = [response.status_code, response.json() if response.status_code == 200 else None]
print(json.dumps(out))
"""


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    root = tmp_path / "shop"
    package = root / "shopapp"
    package.mkdir(parents=True)
    (root / "pyproject.toml").write_text('[project]\nname = "shop"\nversion = "0"\n')
    (package / "__init__.py").write_text("")
    (package / "models.py").write_text(MODELS)
    (package / "main.py").write_text(MAIN)
    return root


def serve(root: Path) -> dict:
    """Imports the app in a fresh interpreter and GETs every route (status, JSON body)."""
    proc = subprocess.run(
        [sys.executable, "-c", SERVE, str(root)], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


@pytest.mark.slow
def test_twins_keep_defaults_constraints_aliases_and_validators(shop: Path, capsys) -> None:
    before = serve(shop)
    assert before["/users/1"] == [
        200,
        {"id": 1, "name": "ada", "hashed_password": "x" * 60, "tags": [], "karma": 0},
    ]
    assert before["/negative"] == [500, None]  # score >= 0 is part of the response model
    assert before["/accounts/2"][1]["password"] == "x"

    assert main(["codemod", "generate-public-model", str(shop)]) == 0
    err = capsys.readouterr().err
    models = (shop / "shopapp" / "models.py").read_text()
    # Each twin right after its model.
    user_public = textwrap.dedent(
        """\


        class UserPublic(SQLModel):
            id: int | None = None
            name: str = Field(max_length=50)
            tags: list[str] = Field(default_factory=list)
            karma: int = Field(default=0, ge=0)
        """
    )
    account_public = textwrap.dedent(
        """\


        class AccountPublic(BaseModel):
            model_config = ConfigDict(populate_by_name=True)

            id: int
            display_name: str = Field(alias="displayName")
            tags: list[str] = []
            roles: list[str] = Field(default_factory=list)
            bio: str | None = None
            score: int = Field(default=0, ge=0)

            @field_validator("display_name")
            @classmethod
            def strip_name(cls, value: str) -> str:
                return value.strip()
        """
    )
    head, _, tail = MODELS.partition("\n\nclass Account(BaseModel):")
    assert models == head + user_public + "\n\nclass Account(BaseModel):" + tail + account_public
    routes = (shop / "shopapp" / "main.py").read_text()
    assert '@app.get("/users/{user_id}", response_model=UserPublic)' in routes
    assert '@app.get("/negative", response_model=AccountPublic)' in routes
    assert '@app.get("/accounts/{account_id}", response_model=AccountPublic)' in routes

    # What the twin does not take is said, not dropped in silence.
    assert "`long_enough` is not copied to `AccountPublic`: it handles `password`" in err, err
    assert "route `pair` is left alone (FPI301:" in err, err
    assert "list or dict literal" in err
    assert err.count("route `pair` is left alone") == 1  # not once per pass

    after = serve(shop)
    assert after["/users/1"] == [200, {"id": 1, "name": "ada", "tags": [], "karma": 0}]
    assert after["/negative"] == [500, None]
    assert after["/accounts/2"] == [
        200,
        {"id": 2, "displayName": "ada", "tags": [], "roles": [], "bio": None, "score": 0},
    ]
    assert after["/pair"] == before["/pair"]  # left alone, as the output said

    # What remains for `check` is exactly the route the codemod named.
    assert main(["check", str(shop), "--no-cache", "--output-format", "json"]) == 1
    remaining = json.loads(capsys.readouterr().out)
    assert [(Path(f["filename"]).name, f["code"], f["location"]["row"]) for f in remaining] == [
        ("main.py", "FPI301", 25)
    ]
