"""FPI3xx fixes on running apps: the fixed fixture apps serve the same routes, and their JSON no
longer contains the secret fields while every public field is still there.

Each fixture app is imported from its `.fixed.py` golden (copied to a temporary folder) and
called through `TestClient`; databases are in-memory SQLite, nothing touches the network.
"""

from __future__ import annotations

import importlib
import importlib.util
import shutil
import sys
from pathlib import Path
from types import ModuleType

import pytest
from conftest import FIXTURES
from fastapi.testclient import TestClient
from sqlmodel import SQLModel

SECRETS = {"hashed_password", "password", "totp_secret"}


@pytest.fixture(autouse=True)
def _fresh_metadata():
    # Several fixture apps declare a `user` table; each gets an empty SQLModel metadata.
    SQLModel.metadata.clear()
    yield
    SQLModel.metadata.clear()


def load(path: Path, tmp_path: Path, name: str) -> ModuleType:
    target = tmp_path / f"{name}.py"
    shutil.copyfile(path, target)
    spec = importlib.util.spec_from_file_location(name, target)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def items(payload):
    return payload if isinstance(payload, list) else [payload]


def assert_public(payload, expected: set[str]) -> None:
    for item in items(payload):
        assert isinstance(item, dict), item
        assert not SECRETS & set(item), item
        assert expected <= set(item), item


def test_returned_unfiltered_fixed(tmp_path: Path) -> None:
    original = load(FIXTURES / "FPI301" / "returned_unfiltered.py", tmp_path, "fpi301_before")
    with TestClient(original.app) as client:
        created = client.post("/users", params={"email": "ann@example.com"}).json()
        assert created["hashed_password"] == "$2b$12$hash"  # the leak the rule reports
    SQLModel.metadata.clear()
    app = load(FIXTURES / "FPI301" / "returned_unfiltered.fixed.py", tmp_path, "fpi301_after").app
    public = {"id", "email", "full_name"}
    with TestClient(app) as client:
        response = client.post("/users", params={"email": "ann@example.com"})
        assert response.status_code == 200
        assert_public(response.json(), public)
        for route in (
            "/users/1",
            "/users",
            "/first-user",
            "/helper/1",
            "/legacy/1",
            "/me",
            "/me-dict",
            "/me-raw",
            "/validated",
            "/unannotated-helper/1",
            "/plain-dependency",
        ):
            response = client.get(route)
            assert response.status_code == 200, route
            assert_public(response.json(), public)
        assert isinstance(client.get("/users").json(), list)


def test_response_model_secret_fixed(tmp_path: Path) -> None:
    app = load(FIXTURES / "FPI302" / "response_model_secret.fixed.py", tmp_path, "fpi302_after").app
    public = {"username", "email"}
    with TestClient(app) as client:
        for route in (
            "/users/me",
            "/users",
            "/users/maybe",
            "/users/union",
            "/users/seq",
            "/users/annotated",
            "/v2/users/pipe",
        ):
            response = client.get(route)
            assert response.status_code == 200, route
            assert_public(response.json(), public)
        page = client.get("/users/page").json()
        assert page["total"] == 1
        assert_public(page["items"], public)
        # Without a public sibling (a nested model) the finding stays and nothing changes.
        assert "hashed_password" in client.get("/teams/a").json()["members"][0]


def test_request_model_echoed_fixed(tmp_path: Path) -> None:
    path = FIXTURES / "FPI303" / "request_model_echoed.fixed.py"
    app = load(path, tmp_path, "fpi303_after").app
    body = {"username": "ann", "password": "hunter2", "email": "ann@example.com", "full_name": "A"}
    public = {"username", "email", "full_name"}
    with TestClient(app) as client:
        for route in ("/user/", "/user/annotated", "/user/bare"):
            response = client.post(route, json=body)
            assert response.status_code == 200, route
            assert_public(response.json(), public)
        response = client.post("/user/embedded", json={"user": body})
        assert response.status_code == 200
        assert_public(response.json(), public)
        response = client.put("/users/batch", json=[body, body])
        assert response.status_code == 200
        assert len(response.json()) == 2
        assert_public(response.json(), public)


def test_filtering_bypassed_fixed(tmp_path: Path) -> None:
    app = load(FIXTURES / "FPI304" / "filtering_bypassed.fixed.py", tmp_path, "fpi304_after").app
    with TestClient(app) as client:
        for route in ("/dump", "/dict", "/vars", "/encoder"):
            response = client.get(route)
            assert response.status_code == 200, route
            assert_public(response.json(), {"username", "email"})
        # A hand-built response has no fix: it still leaks (the finding remains).
        assert "hashed_password" in client.get("/json-response").json()


def test_response_model_exclude_fixed(tmp_path: Path) -> None:
    path = FIXTURES / "FPI305" / "response_model_exclude.fixed.py"
    app = load(path, tmp_path, "fpi305_after").app
    with TestClient(app) as client:
        for route in ("/me", "/me/include", "/me/partial"):
            response = client.get(route)
            assert response.status_code == 200, route
            assert_public(response.json(), {"username", "email"})
        schema = client.get("/openapi.json").json()
        me = schema["paths"]["/me"]["get"]["responses"]["200"]["content"]["application/json"]
        assert me["schema"]["$ref"].endswith("/UserPublic")


def test_cross_module_package_fixed(tmp_path: Path) -> None:
    package = tmp_path / "FPI3xx_shop"
    shutil.copytree(FIXTURES / "FPI3xx_shop", package)
    fixed = package / "routers" / "users.fixed.py"
    fixed.replace(package / "routers" / "users.py")
    sys.path.insert(0, str(tmp_path))
    try:
        for name in [m for m in sys.modules if m.startswith("FPI3xx_shop")]:
            del sys.modules[name]
        main = importlib.import_module("FPI3xx_shop.main")
        public = {"id", "email", "full_name"}
        with TestClient(main.app) as client:
            body = {"email": "ann@example.com", "full_name": "Ann", "password": "hunter2"}
            response = client.post("/users/", json=body)
            assert response.status_code == 200
            assert_public(response.json(), public)
            routes = ("/users/", "/users/1", "/users/by-email/ann@example.com", "/users/ok/1")
            for route in (*routes, "/users/repository/1"):
                response = client.get(route)
                assert response.status_code == 200, route
                assert_public(response.json(), public)
    finally:
        sys.path.remove(str(tmp_path))
        for name in [m for m in sys.modules if m.startswith("FPI3xx_shop")]:
            del sys.modules[name]
