"""FPI1xx fixes on runnable fixture apps, and the `[tool.fastapi-lint.rules]` keys of the family.

The apps are the fixed goldens (`*.fixed.py`, which test_fixtures.py proves equal to what the
real CLI writes), imported from a tmp copy and served with TestClient (SQLite in memory, no
network).
"""

from __future__ import annotations

import importlib
import importlib.util
import shutil
import sys
import uuid
from pathlib import Path
from types import ModuleType

import pytest
from conftest import FIXTURES, run_json
from fastapi.testclient import TestClient


def load(path: Path) -> ModuleType:
    name = f"fpi1_app_{uuid.uuid4().hex}"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load_golden(rel: str, tmp_path: Path) -> ModuleType:
    source = FIXTURES / rel
    golden = source.with_name(source.stem + ".fixed.py")
    target = tmp_path / source.name
    shutil.copy(golden, target)
    return load(target)


def test_offloader_given_a_call_fails_before_the_fix() -> None:
    app = load(FIXTURES / "FPI109" / "offload_app.py")
    client = TestClient(app.app)
    with pytest.raises(TypeError, match="not callable"):
        client.get("/exists", params={"path": __file__})


def test_offloader_fix_serves(tmp_path: Path) -> None:
    app = load_golden("FPI109/offload_app.py", tmp_path)
    client = TestClient(app.app)
    assert client.get("/exists", params={"path": __file__}).json() == {"exists": True}
    assert client.get("/exists", params={"path": "/no/such/file"}).json() == {"exists": False}
    assert client.get("/double/21").json() == {"double": 42}


def test_password_hashing_fix_serves(tmp_path: Path) -> None:
    app = load_golden("FPI108/login_app.py", tmp_path)
    client = TestClient(app.app)
    assert client.post("/login", params={"password": "secret"}).json() == {"ok": True}
    assert client.post("/login", params={"password": "wrong"}).json() == {"ok": False}
    assert client.post("/scrypt", params={"password": "secret"}).json() == {"length": 64}


@pytest.fixture
def shop_package(tmp_path: Path):
    """The FPI107 `shop` package with its fixed routes, importable as `shop_<random>`."""
    name = f"shop_{uuid.uuid4().hex[:8]}"
    package = tmp_path / name
    shutil.copytree(FIXTURES / "FPI107" / "shop", package)
    (package / "routes.py").write_bytes((package / "routes.fixed.py").read_bytes())
    sys.path.insert(0, str(tmp_path))
    try:
        yield importlib.import_module(f"{name}.routes")
    finally:
        sys.path.remove(str(tmp_path))
        for module in [m for m in sys.modules if m == name or m.startswith(name + ".")]:
            del sys.modules[module]


def test_sync_session_fix_serves(shop_package: ModuleType) -> None:
    source = Path(shop_package.__file__).read_text()
    assert "\ndef create_gadget(" in source and "\ndef gadget_or_404(" in source
    assert "\nasync def delete_gadget(" in source  # it awaits: left async
    client = TestClient(shop_package.app)
    created = client.post("/gadgets", params={"name": "lamp"})
    assert created.status_code == 200, created.text
    gadget_id = created.json()["id"]
    assert [g["name"] for g in client.get("/gadgets").json()] == ["lamp"]
    assert client.get(f"/gadgets/{gadget_id}").json()["name"] == "lamp"
    assert client.get("/gadgets/999").status_code == 404
    assert client.get("/count").json() == 1
    assert client.delete(f"/gadgets/{gadget_id}").json() == {"ok": True}
    assert client.get("/count").json() == 0


# -- configuration: blocking-calls and offload-calls -------------------------------------------

CONFIG = """
[tool.fastapi-lint.rules]
blocking-calls = [
    "legacy.fetch_invoice",
    { call = "legacy.Client.upload", use = "legacy.AsyncClient.upload" },
    "proj.helpers.render",
]
offload-calls = ["proj.helpers.run_blocking"]
"""

HELPERS = """
import time


def render(name):
    return name.upper()


def run_blocking(fn, *args):
    return fn(*args)


def uses_render(name):
    return render(name)
"""

ROUTES = """
import legacy
from legacy import Client

from proj.helpers import render, run_blocking, uses_render


async def invoice(number, client: Client):
    legacy.fetch_invoice(number)
    client.upload(b"")
    render("x")
    uses_render("x")
    await run_blocking(legacy.fetch_invoice, number)
    await run_blocking(legacy.fetch_invoice(number))


def sync_invoice(number):
    return legacy.fetch_invoice(number)
"""


def test_blocking_calls_and_offload_calls_from_configuration(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(CONFIG)
    (tmp_path / "proj").mkdir()
    (tmp_path / "proj" / "__init__.py").write_text("")
    (tmp_path / "proj" / "helpers.py").write_text(HELPERS)
    (tmp_path / "proj" / "routes.py").write_text(ROUTES)
    items = run_json("check", str(tmp_path), "--no-cache")
    got = sorted((f["location"]["row"], f["code"], f["message"]) for f in items)
    assert [(row, code) for row, code, _ in got] == [
        (9, "FPI111"),
        (10, "FPI111"),
        (11, "FPI111"),
        (12, "FPI110"),
        (14, "FPI109"),
    ]
    messages = {row: message for row, _, message in got}
    assert "`legacy.AsyncClient.upload`" in messages[10]
    assert "uses_render → proj.helpers.render" in messages[12]


def test_configuration_rejects_bad_blocking_call_entries(tmp_path: Path) -> None:
    from conftest import run_cli

    (tmp_path / "pyproject.toml").write_text(
        '[tool.fastapi-lint.rules]\nblocking-calls = [{ name = "x" }]\n'
    )
    (tmp_path / "a.py").write_text("")
    proc = run_cli("check", str(tmp_path), "--no-cache")
    assert proc.returncode == 2
    assert "blocking-calls" in proc.stderr


# -- the transitive rule and the cache ----------------------------------------------------------


def test_editing_a_helper_module_invalidates_cached_transitive_findings(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.fastapi-lint]\n")
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "__init__.py").write_text("")
    helpers = tmp_path / "app" / "helpers.py"
    helpers.write_text("import time\n\n\ndef fetch():\n    time.sleep(1)\n")
    (tmp_path / "app" / "more.py").write_text(
        "from app.helpers import fetch\n\n\ndef indirect():\n    return fetch()\n"
    )
    (tmp_path / "app" / "routes.py").write_text(
        "from app.more import indirect\n\n\nasync def route():\n    return indirect()\n"
    )

    def findings() -> list[tuple[str, int, str]]:
        items = run_json("check", str(tmp_path), "--select", "FPI110", cwd=tmp_path)
        return [(Path(f["filename"]).name, f["location"]["row"], f["message"]) for f in items]

    first = findings()
    assert [(name, row) for name, row, _ in first] == [("routes.py", 5)]
    assert "indirect → fetch → time.sleep" in first[0][2]
    assert (tmp_path / ".fastapi_lint_cache").exists()
    helpers.write_text("def fetch():\n    return 1\n")
    assert findings() == []
    helpers.write_text("import requests\n\n\ndef fetch():\n    return requests.get('x')\n")
    again = findings()
    assert len(again) == 1 and "fetch → requests.get" in again[0][2]


# -- UploadFile: the fixed handler reads the same bytes ------------------------------------------
# (Serving an UploadFile route needs python-multipart, absent here: the handler is called directly.)

UPLOAD_HANDLER = """
from fastapi import UploadFile


async def handler(file: UploadFile):
    file.file.seek(0)
    head = file.file.read(4).hex()
    await file.file.seek(0)
    rest = await file.file.read()
    file.file.close()
    return head, rest
"""


def test_upload_file_fix_reads_the_same_bytes(tmp_path: Path) -> None:
    import asyncio
    import io

    from starlette.datastructures import UploadFile

    from fastapi_lint.config import load_settings
    from fastapi_lint.engine import fix_source

    (tmp_path / "pyproject.toml").write_text("[tool.fastapi-lint]\n")
    path = tmp_path / "handler.py"
    path.write_text(UPLOAD_HANDLER)
    result = fix_source(UPLOAD_HANDLER, path, load_settings(tmp_path))
    fixed = result.fixed_source
    assert fixed is not None and "file.file" not in fixed
    assert "head = (await file.read(4)).hex()" in fixed
    assert "    await file.seek(0)\n    head" in fixed
    path.write_text(fixed)
    handler = load(path).handler
    upload = UploadFile(io.BytesIO(b"\x01\x02\x03\x04rest"), filename="x.bin")
    assert asyncio.run(handler(upload)) == ("01020304", b"\x01\x02\x03\x04rest")


def test_upload_file_fixed_app_serves(tmp_path: Path) -> None:
    """The FPI105 golden (`await file.read()` instead of `file.file.read()`) still serves
    uploads through FastAPI."""
    pytest.importorskip("multipart", reason="FastAPI's form parsing needs python-multipart")
    app = load_golden("FPI105/upload_file.py", tmp_path).app
    payload = {"file": ("data.bin", b"\x01\x02\x03\x04rest", "application/octet-stream")}
    with TestClient(app) as client:
        assert client.post("/size", files=payload).json() == {"size": 8}
        assert client.post("/awaited", files=payload).json() == {"size": 8}
        assert client.post("/annotated", files={"upload": payload["file"]}).json() == {
            "head": "01020304"
        }
