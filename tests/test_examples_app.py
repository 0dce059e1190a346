"""The bundled example is a real FastAPI app: it starts, serves its routers, and answers."""

from __future__ import annotations

import importlib
import shutil
import sys
from pathlib import Path

import pytest
from conftest import ROOT

pytest.importorskip("multipart", reason="the example's upload route needs python-multipart")


@pytest.fixture
def example_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    copy = tmp_path / "examples"
    shutil.copytree(ROOT / "examples", copy)
    monkeypatch.chdir(copy)  # the SQLite file is created beside the app, in the copy
    monkeypatch.syspath_prepend(str(copy))
    for name in [m for m in sys.modules if m == "app" or m.startswith("app.")]:
        monkeypatch.delitem(sys.modules, name)
    return importlib.import_module("app.main").app


def test_example_app_serves_every_router(example_app) -> None:
    from fastapi.testclient import TestClient

    with TestClient(example_app) as client:
        paths = client.get("/openapi.json").json()["paths"]
        prefixes = {path.split("/")[1] for path in paths}
        assert {"blocking", "sessions", "users", "orders"} <= prefixes
        response = client.get("/blocking/sleep")
        assert response.status_code == 200
        assert response.json() == {"slept": True}
