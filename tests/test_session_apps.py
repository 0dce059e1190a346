"""FPI2xx fixes on runnable fixture apps, served by TestClient over a real SQLite file.

The goldens (`*.fixed.py`, checked against the CLI's `--fix --unsafe-fixes` output by
test_fixtures.py) are copied into a tmp dir in place of the originals and imported from there.
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
from conftest import FIXTURES
from fastapi.testclient import TestClient

SHOP = "FPI2xx_shop"


def fixed_tree(src: Path, dest: Path) -> Path:
    """A copy of a fixture folder with every `x.fixed.py` golden in place of `x.py`."""
    shutil.copytree(src, dest, ignore=shutil.ignore_patterns("__pycache__"))
    for golden in dest.rglob("*.fixed.py"):
        golden.replace(golden.with_name(golden.name.removesuffix(".fixed.py") + ".py"))
    return dest


def load_file(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"fpi2_app_{uuid.uuid4().hex}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def shop(tmp_path, monkeypatch):
    """The fixed cross-module package, importable as FPI2xx_shop, on a SQLite file in tmp."""
    root = tmp_path / "project"
    root.mkdir()
    package = fixed_tree(FIXTURES / SHOP, root / SHOP)
    assert "finally:" in (package / "deps.py").read_text()
    monkeypatch.setenv("FPI2XX_SHOP_DB", str(tmp_path / "shop.sqlite3"))
    monkeypatch.syspath_prepend(str(root))
    for name in [m for m in sys.modules if m == SHOP or m.startswith(SHOP + ".")]:
        del sys.modules[name]
    try:
        yield importlib.import_module(f"{SHOP}.main")
    finally:
        for name in [m for m in sys.modules if m == SHOP or m.startswith(SHOP + ".")]:
            del sys.modules[name]


def test_fixed_shop_serves_every_route(shop, tmp_path) -> None:
    with TestClient(shop.app) as client:
        assert client.get("/items/1").json() == {"name": "hammer"}
        # FPI206 fixed: Depends(get_db) instead of Depends(get_db()).
        assert client.get("/items/called/1").json() == {"name": "hammer"}
        # FPI203 fixed: the dependency now closes in `finally`.
        assert client.get("/items/unsafe/1").json() == {"name": "hammer"}
        # Reported but not fixed (FPI201, FPI204, FPI207): they still serve.
        assert client.get("/items/by-hand/1").json() == {"name": "hammer"}
        assert client.get("/items/shared/1").json() == {"name": "hammer"}
        assert client.get("/items/next/1").json() == {"name": "hammer"}
        assert client.get("/registered/1").json() == {"id": 1, "open": True}
        assert client.get("/async-items/1").json() == {"name": "hammer"}
        # FPI205 fixed: the commit is awaited, so the rename is stored.
        assert client.post("/async-items/1", params={"name": "saw"}).json() == {"name": "saw"}
        assert client.get("/items/1").json() == {"name": "saw"}
    assert (tmp_path / "shop.sqlite3").exists()


def test_unfixed_shop_loses_the_unawaited_commit(tmp_path, monkeypatch) -> None:
    """The original async route returns success without storing anything (what FPI205 finds)."""
    root = tmp_path / "project"
    root.mkdir()
    shutil.copytree(FIXTURES / SHOP, root / SHOP, ignore=shutil.ignore_patterns("*.fixed.py"))
    # Depends(get_db()) breaks the original app at import; keep the rest as it is.
    items = root / SHOP / "routers" / "items.py"
    items.write_text(items.read_text().replace("Depends(get_db())", "Depends(get_db)"))
    monkeypatch.setenv("FPI2XX_SHOP_DB", str(tmp_path / "shop.sqlite3"))
    monkeypatch.syspath_prepend(str(root))
    for name in [m for m in sys.modules if m == SHOP or m.startswith(SHOP + ".")]:
        del sys.modules[name]
    try:
        main = importlib.import_module(f"{SHOP}.main")
        with (
            pytest.warns(RuntimeWarning, match="never awaited"),
            TestClient(main.app) as client,
        ):
            assert client.post("/async-items/1", params={"name": "saw"}).json() == {"name": "saw"}
            assert client.get("/items/1").json() == {"name": "hammer"}
    finally:
        for name in [m for m in sys.modules if m == SHOP or m.startswith(SHOP + ".")]:
            del sys.modules[name]


def test_fixed_dependencies_close_on_error(tmp_path) -> None:
    """FPI203 golden: every dependency runs, and an error in the route still closes."""
    module = load_file(fixed_tree(FIXTURES / "FPI203", tmp_path / "FPI203") / "leaky_dependency.py")
    closed: list[bool] = []
    original = module.SessionLocal.class_.close

    def tracking_close(self):
        closed.append(True)
        return original(self)

    module.SessionLocal.class_.close = tracking_close
    try:

        @module.app.get("/boom", dependencies=[module.Depends(module.get_db)])
        def boom():
            raise RuntimeError("boom")

        client = TestClient(module.app, raise_server_exceptions=False)
        assert client.get("/c").json() == {"ok": True}
        assert client.get("/b").json() == {"ok": True}
        closed.clear()
        assert client.get("/boom").status_code == 500
        assert closed, "the fixed get_db closes its session when the route raises"
    finally:
        module.SessionLocal.class_.close = original


def test_fixed_called_dependencies_serve(tmp_path) -> None:
    module = load_file(
        fixed_tree(FIXTURES / "FPI206", tmp_path / "FPI206") / "called_dependency.py"
    )
    client = TestClient(module.app)
    assert client.get("/generator").json() == {"ok": True}
    assert client.get("/annotated").json() == {"ok": True}
    assert client.get("/security", headers={"token": "t"}).json() == {"token": "t"}
    assert client.get("/dict").json() == {"debug": True}
    assert client.get("/session").json() == {"ok": True}
    assert client.get("/factories").status_code == 403  # require_role("admin") still applies


def test_fixed_async_session_calls_run(tmp_path) -> None:
    module = load_file(fixed_tree(FIXTURES / "FPI205", tmp_path / "FPI205") / "unawaited.py")
    client = TestClient(module.app)
    assert client.get("/execute").status_code == 200
    assert client.get("/chained").json() == {"rows": [1]}
    assert client.get("/factory").json() == {"ok": True}


def test_fixed_depends_style_routes_serve(tmp_path) -> None:
    """FPI201's fix without an alias copies the module's `db: Session = Depends(get_db)`."""
    folder = fixed_tree(FIXTURES / "FPI2xx_depends_style", tmp_path / "depends_style")
    text = (folder / "main.py").read_text()
    assert "def by_hand(limit: int = 10, db: Session = Depends(get_db)):" in text
    module = load_file(folder / "main.py")
    client = TestClient(module.app)
    assert client.get("/by-hand").json() == {"one": 1, "limit": 10}
    assert client.get("/with-block/3", params={"verbose": True}).json() == {
        "one": 1,
        "item_id": 3,
        "verbose": True,
    }
    assert client.get("/injected").json() == {"one": 1}
