"""FPI4xx fixes on runnable fixture apps: the task misbehaves before the fix and runs after it.

Each app records what its task did in a module-level `outbox` list; the test imports the original
file and the file fixed by the real CLI (in a tmp dir) and calls both through TestClient.
"""

from __future__ import annotations

import importlib.util
import shutil
import uuid
from pathlib import Path
from types import ModuleType
from typing import Annotated

import pytest
from conftest import FIXTURES, run_cli
from fastapi import BackgroundTasks, Depends, FastAPI
from fastapi.testclient import TestClient


def load(path: Path) -> ModuleType:
    name = f"fpi4_app_{uuid.uuid4().hex}"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def fixed_copy(rel: str, code: str, tmp_path: Path) -> Path:
    """The fixture copied to a tmp project and fixed with `--fix --unsafe-fixes --select CODE`."""
    (tmp_path / "pyproject.toml").write_text("[tool.fastapi-lint]\n")
    target = tmp_path / Path(rel).name
    shutil.copy(FIXTURES / rel, target)
    proc = run_cli("check", str(target), "--no-cache", "--fix", "--unsafe-fixes", "--select", code)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert target.read_text() != (FIXTURES / rel).read_text()
    return target


def test_task_called_instead_of_passed_runs_inline_before_the_fix() -> None:
    app = load(FIXTURES / "FPI401" / "app_inline.py")
    # The "task" runs inside the request; add_task gets its result (None), and running that
    # after the response raises.
    with pytest.raises(TypeError, match="callable"):
        TestClient(app.app).post("/signup", params={"email": "a@example.com"})
    assert app.outbox == ["a@example.com"]

    app.outbox.clear()
    client = TestClient(app.app, raise_server_exceptions=False)
    response = client.post("/signup", params={"email": "b@example.com"})
    assert response.json() == {"sent_during_request": 1}
    assert app.outbox == ["b@example.com"]


def test_task_called_instead_of_passed_runs_after_the_response_once_fixed(tmp_path) -> None:
    fixed = fixed_copy("FPI401/app_inline.py", "FPI401", tmp_path)
    assert "add_task(send_email, email)" in fixed.read_text()
    app = load(fixed)
    response = TestClient(app.app).post("/signup", params={"email": "a@example.com"})
    assert response.json() == {"sent_during_request": 0}
    assert app.outbox == ["a@example.com"]


def test_background_tasks_never_attached_never_run_before_the_fix() -> None:
    app = load(FIXTURES / "FPI402" / "app_never_run.py")
    response = TestClient(app.app).post("/signup", params={"email": "a@example.com", "limit": 2})
    assert response.status_code == 200
    assert app.outbox == []


def test_background_tasks_never_attached_run_once_fixed(tmp_path) -> None:
    fixed = fixed_copy("FPI402/app_never_run.py", "FPI402", tmp_path)
    assert "tasks: BackgroundTasks" in fixed.read_text()
    app = load(fixed)
    response = TestClient(app.app).post("/signup", params={"email": "a@example.com", "limit": 2})
    assert response.json() == {"sent_during_request": 0}
    assert app.outbox == ["a@example.com", "a@example.com"]


# What FPI405 warns about, on the installed FastAPI (module level: this file's annotations are
# strings, which FastAPI resolves in the module's globals).
class Resource:
    closed = False


seen_closed: list[bool] = []


def get_resource():
    resource = Resource()
    yield resource
    resource.closed = True


def use_resource(resource: Resource) -> None:
    seen_closed.append(resource.closed)


scoped_app = FastAPI()


@scoped_app.post("/function-scope")
def function_scope(
    background_tasks: BackgroundTasks,
    resource: Annotated[Resource, Depends(get_resource, scope="function")],
):
    background_tasks.add_task(use_resource, resource)


@scoped_app.post("/request-scope")
def request_scope(
    background_tasks: BackgroundTasks, resource: Annotated[Resource, Depends(get_resource)]
):
    background_tasks.add_task(use_resource, resource)


def test_function_scoped_resource_is_closed_before_the_task_runs() -> None:
    client = TestClient(scoped_app)
    assert client.post("/function-scope").status_code == 200
    assert client.post("/request-scope").status_code == 200
    assert seen_closed == [True, False]
