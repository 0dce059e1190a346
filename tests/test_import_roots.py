"""Import roots both ways (issue 13): a project whose `src` folder is an import root *and* a
package of the project root (`src/__init__.py`) is imported both as `from core.utils import x`
and as `from src.core.utils import x`. The index names the module `core.utils` (deepest root);
`src.core.utils` must resolve to the same module, for names (FPI110's chain) and for the
semantic model's values (a factory's result, a class's `self` attribute)."""

from __future__ import annotations

from pathlib import Path

from conftest import run_json

from fastapi_lint.index.summary import package_prefixes

UTILS = """\
import httpx
import requests


def fetch(url: str) -> str:
    return requests.get(url).text


def get_client() -> httpx.Client:
    return httpx.Client()


class Repo:
    def __init__(self) -> None:
        self.client = httpx.Client()

    def load(self) -> str:
        return self.client.get("https://example.org").text
"""

ROUTES = """\
from fastapi import APIRouter

from {package}.utils import Repo, fetch, get_client

router = APIRouter()


@router.get("/a")
async def a() -> str:
    return fetch("https://example.org")


@router.get("/b")
async def b() -> str:
    client = get_client()
    return client.get("https://example.org").text


@router.get("/c")
async def c() -> str:
    return Repo().load()
"""

HARMLESS = """\
def fetch(url: str) -> str:
    return url.upper()
"""


def _project(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    for folder in ("src/core", "src/api"):
        (root / folder).mkdir(parents=True)
    (root / "pyproject.toml").write_text('[project]\nname = "proj"\n')
    for init in ("src/__init__.py", "src/core/__init__.py", "src/api/__init__.py"):
        (root / init).write_text("")
    (root / "src/core/utils.py").write_text(UTILS)
    return root


def _found(root: Path) -> list[tuple[str, int, str]]:
    items = run_json("check", "--no-cache", ".", cwd=root)
    return sorted(
        (Path(f["filename"]).relative_to(root).as_posix(), f["location"]["row"], f["code"])
        for f in items
    )


def test_both_spellings_of_a_module_give_the_same_findings(tmp_path: Path) -> None:
    root = _project(tmp_path)
    (root / "src/api/short.py").write_text(ROUTES.format(package="core"))
    (root / "src/api/long.py").write_text(ROUTES.format(package="src.core"))
    found = _found(root)
    expected = [(10, "FPI110"), (16, "FPI102"), (21, "FPI110")]
    assert [(row, code) for path, row, code in found if path == "src/api/short.py"] == expected
    # Before: `src.core.utils` was no module, so nothing in long.py was found.
    assert [(row, code) for path, row, code in found if path == "src/api/long.py"] == expected


def test_a_top_level_module_of_the_same_name_is_not_the_src_one(tmp_path: Path) -> None:
    """`core/utils.py` at the top level (module `core.utils`, it blocks) and a harmless
    `src/core/utils.py`: `src.core.utils` names the harmless file, never the top-level one."""
    root = _project(tmp_path)
    (root / "src/core/utils.py").write_text(HARMLESS)
    (root / "core").mkdir()
    (root / "core/__init__.py").write_text("")
    (root / "core/utils.py").write_text(UTILS)
    routes = """\
from fastapi import APIRouter

from src.core.utils import fetch

router = APIRouter()


@router.get("/a")
async def a() -> str:
    return fetch("https://example.org")
"""
    (root / "src/api/routes.py").write_text(routes)
    assert [f for f in _found(root) if f[0] == "src/api/routes.py"] == []


def test_an_unknown_src_module_stays_unknown(tmp_path: Path) -> None:
    root = _project(tmp_path)
    routes = """\
from fastapi import APIRouter

from src.missing import fetch
from src import fetch as other

router = APIRouter()


@router.get("/a")
async def a() -> str:
    return fetch("https://example.org") + other("x")
"""
    (root / "src/api/routes.py").write_text(routes)
    assert [f for f in _found(root) if f[0] == "src/api/routes.py"] == []


def test_package_prefixes(tmp_path: Path) -> None:
    outer, inner, deeper = tmp_path, tmp_path / "src", tmp_path / "src" / "lib"
    assert package_prefixes([outer]) == ()
    assert package_prefixes([outer, inner]) == (("src", str(inner)),)
    assert package_prefixes([outer, inner, deeper]) == (
        ("src.lib", str(deeper)),
        ("lib", str(deeper)),
        ("src", str(inner)),
    )
    # A folder whose name is no identifier cannot be imported as a package.
    assert package_prefixes([outer, tmp_path / "my-src"]) == ()
