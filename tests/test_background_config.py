"""FPI4xx settings: the FastAPI version FPI405 assumes, and FPI408's heavy-task patterns."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import run_json

from fastapi_lint.rules.tasks.fastapi_version import describe, overlaps, specifier_range

APP = """\
from fastapi import BackgroundTasks, Depends, FastAPI

app = FastAPI()


def get_db():
    yield object()


def generate_report(db) -> None: ...


@app.post("/a")
def a(background_tasks: BackgroundTasks, db=Depends(get_db)):
    background_tasks.add_task(generate_report, db)


@app.post("/b")
def b(background_tasks: BackgroundTasks, db=Depends(get_db, scope="function")):
    background_tasks.add_task(generate_report, db)
"""


def project(tmp_path: Path, pyproject: str, requirements: str | None = None) -> Path:
    (tmp_path / "pyproject.toml").write_text(pyproject)
    if requirements is not None:
        (tmp_path / "requirements.txt").write_text(requirements)
    (tmp_path / "app.py").write_text(APP)
    return tmp_path


def rows(root: Path, *select: str) -> list[tuple[int, str]]:
    found = run_json("check", str(root), "--no-cache", "--select", *select)
    return sorted((f["location"]["row"], f["code"]) for f in found)


@pytest.mark.parametrize(
    ("pyproject", "requirements", "default_scope_reported"),
    [
        ("[tool.fastapi-lint]\n", None, False),  # unknown: a current FastAPI is assumed
        ('[project]\nname = "x"\ndependencies = ["fastapi>=0.100"]\n', None, True),
        ('[project]\nname = "x"\ndependencies = ["fastapi[standard]>=0.118"]\n', None, False),
        ('[project]\nname = "x"\ndependencies = ["fastapi<0.106"]\n', None, False),
        ('[tool.poetry.dependencies]\nfastapi = "^0.110"\n', None, True),
        ('[tool.poetry.dependencies]\nfastapi = { version = "^0.120" }\n', None, False),
        ("[tool.fastapi-lint]\n", "# pinned\nfastapi==0.115.2\nhttpx\n", True),
        ("[tool.fastapi-lint]\n", "fastapi-slim~=0.121.0 ; python_version >= '3.10'\n", False),
        # The setting wins over the requirement.
        (
            '[project]\nname = "x"\ndependencies = ["fastapi>=0.100"]\n'
            '[tool.fastapi-lint.rules]\nfastapi-version = "0.118.0"\n',
            None,
            False,
        ),
        (
            '[project]\nname = "x"\ndependencies = ["fastapi>=0.120"]\n'
            '[tool.fastapi-lint.rules]\nfastapi-version = "0.110"\n',
            None,
            True,
        ),
    ],
)
def test_request_scoped_resource_follows_the_fastapi_version(
    tmp_path: Path, pyproject: str, requirements: str | None, default_scope_reported: bool
) -> None:
    root = project(tmp_path, pyproject, requirements)
    expected = [(20, "FPI405")]  # scope="function" closes before the task on every version
    if default_scope_reported:
        expected.insert(0, (15, "FPI405"))
    assert rows(root, "FPI405") == expected


def test_heavy_task_patterns_replace_the_defaults(tmp_path: Path) -> None:
    root = project(tmp_path, "[tool.fastapi-lint]\n")
    assert rows(root, "FPI408") == [(15, "FPI408"), (20, "FPI408")]
    (tmp_path / "pyproject.toml").write_text(
        '[tool.fastapi-lint.rules]\nheavy-task-patterns = ["app.get_*"]\n'
    )
    assert rows(root, "FPI408") == []
    (tmp_path / "pyproject.toml").write_text(
        '[tool.fastapi-lint.rules]\nheavy-task-patterns = ["app.generate_*", "*REPORT"]\n'
    )
    assert rows(root, "FPI408") == [(15, "FPI408"), (20, "FPI408")]


def test_heavy_task_rule_is_opt_in(tmp_path: Path) -> None:
    root = project(tmp_path, "[tool.fastapi-lint]\n")
    codes = {code for _, code in rows(root, "ALL")}
    assert "FPI408" in codes
    found = run_json("check", str(root), "--no-cache")
    assert "FPI408" not in {f["code"] for f in found}


@pytest.mark.parametrize(
    ("spec", "affected"),
    [
        (">=0.100", True),
        (">=0.100,<0.106", False),
        ("==0.117.*", True),
        ("==0.118.0", False),
        ("~=0.105.0", False),
        ("~=0.105", True),
        ("^0.106", True),
        (">0.117.9", True),
        (">=0.118.0", False),
        ("<=0.105.9", False),
        ("", True),
    ],
)
def test_specifier_ranges(spec: str, affected: bool) -> None:
    allowed = specifier_range(spec)
    assert overlaps(allowed, (0, 106, 0), (0, 118, 0)) is affected, describe(allowed)


AFTER_YIELD = """\
from fastapi import BackgroundTasks, Depends, FastAPI

app = FastAPI()


def get_thing(background_tasks: BackgroundTasks):
    yield "thing"
    background_tasks.add_task(print, "done")


@app.get("/")
def read(thing: str = Depends(get_thing)):
    return {}
"""


@pytest.mark.parametrize(
    ("version", "reported"),
    [("0.105.0", True), ("0.106.0", False), ("0.117.1", False), ("0.118.0", True), (None, True)],
)
def test_add_task_after_yield_follows_the_fastapi_version(
    tmp_path: Path, version: str | None, reported: bool
) -> None:
    rules = f'[tool.fastapi-lint.rules]\nfastapi-version = "{version}"\n' if version else ""
    (tmp_path / "pyproject.toml").write_text("[tool.fastapi-lint]\n" + rules)
    (tmp_path / "app.py").write_text(AFTER_YIELD)
    assert rows(tmp_path, "FPI406") == ([(8, "FPI406")] if reported else [])


def test_cached_findings_follow_an_edited_requirement(tmp_path: Path) -> None:
    """The cache must not keep FPI405 findings made under a requirement that changed."""
    root = project(tmp_path, '[project]\nname = "x"\ndependencies = ["fastapi>=0.100"]\n')
    assert (15, "FPI405") in rows_cached(root)
    (root / "pyproject.toml").write_text(
        '[project]\nname = "x"\ndependencies = ["fastapi>=0.118"]\n'
    )
    assert (15, "FPI405") not in rows_cached(root)


def rows_cached(root: Path) -> list[tuple[int, str]]:
    found = run_json("check", str(root), "--select", "FPI405")
    return sorted((f["location"]["row"], f["code"]) for f in found)


SCHEDULED = {
    "app.py": """\
from contextlib import asynccontextmanager

from fastapi import BackgroundTasks, FastAPI

from jobs import at_startup, from_route, from_test


@asynccontextmanager
async def lifespan(app):
    tasks = BackgroundTasks()
    tasks.add_task(at_startup)
    await tasks()
    yield


app = FastAPI(lifespan=lifespan)


@app.post("/reports")
async def reports(tasks: BackgroundTasks):
    tasks.add_task(from_route)
""",
    "jobs.py": """\
import time


async def from_route() -> None:
    time.sleep(1)


async def from_test() -> None:
    time.sleep(1)


async def at_startup() -> None:
    time.sleep(1)
""",
    "test_jobs.py": """\
from fastapi import BackgroundTasks

from jobs import from_test


async def test_jobs():
    tasks = BackgroundTasks()
    tasks.add_task(from_test)
    await tasks()
""",
}


@pytest.mark.parametrize(
    ("rules", "reported"),
    [
        ("", {"from_route"}),
        ("report-lifespan-startup = true\n", {"from_route", "at_startup"}),
        ("report-unserved = true\n", {"from_route", "at_startup", "from_test"}),
    ],
)
def test_fpi404_follows_served_reach(tmp_path: Path, rules: str, reported: set[str]) -> None:
    (tmp_path / "pyproject.toml").write_text(f"[tool.fastapi-lint.rules]\n{rules}")
    for name, text in SCHEDULED.items():
        (tmp_path / name).write_text(text)
    found = run_json("check", str(tmp_path), "--no-cache", "--select", "FPI404")
    names = {f["message"].split("`")[1] for f in found}
    assert names == reported
    route = [f["message"] for f in found if "`from_route`" in f["message"]]
    assert route and "(added by POST /reports)" in route[0]
