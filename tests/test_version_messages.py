"""The version-aware messages (FPI405, FPI406) are one plain sentence: what goes wrong and from
which FastAPI version, then what to do. Why those versions, and how the project's are read,
is on the rule's page."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import run_json
from test_background_config import APP

DEPENDENCY = """\
from fastapi import BackgroundTasks, FastAPI

app = FastAPI()


def report_pool_usage() -> None: ...


def get_db(background_tasks: BackgroundTasks):
    yield object()
    background_tasks.add_task(report_pool_usage)
"""


def messages(tmp_path: Path, pyproject: str, code: str) -> list[str]:
    (tmp_path / "pyproject.toml").write_text(pyproject)
    (tmp_path / "app.py").write_text(APP)
    (tmp_path / "deps.py").write_text(DEPENDENCY)
    return [f["message"] for f in run_json("check", "--no-cache", "--select", code, cwd=tmp_path)]


def plain(message: str) -> bool:
    """One sentence, no reasoning about ranges: a single `;` before the advice, no colon
    clause, none of the words the old messages reasoned with."""
    return (
        message.count("; ") == 1
        and ": " not in message
        and not any(word in message for word in ("includes", "which", ">=", "(as does"))
    )


def test_fpi405_messages(tmp_path: Path) -> None:
    found = messages(
        tmp_path, '[project]\nname = "x"\ndependencies = ["fastapi>=0.110,<0.112"]\n', "FPI405"
    )
    assert found == [
        "`db` from the yield dependency `get_db` is closed before this background task runs "
        "on FastAPI 0.106 to 0.117; create it inside the task",
        '`db` from the yield dependency `get_db` (`scope="function"`) is closed before this '
        "background task runs; create it inside the task",
    ]
    assert all(plain(m) for m in found)


@pytest.mark.parametrize(
    ("requirement", "versions"),
    [
        ('dependencies = ["fastapi>=0.120"]', "from 0.118"),
        ('dependencies = ["fastapi<0.100"]', "before 0.106"),
        ("", "before 0.106 or from 0.118"),  # no requirement: every version is possible
    ],
)
def test_fpi406_names_only_the_versions_the_project_allows(
    tmp_path: Path, requirement: str, versions: str
) -> None:
    found = messages(tmp_path, f'[project]\nname = "x"\n{requirement}\n', "FPI406")
    assert found == [
        "This task is added after the dependency's `yield` and never runs on FastAPI "
        f"{versions}; add it before the `yield`"
    ]
    assert plain(found[0])


def test_fpi406_quiet_when_every_allowed_version_runs_the_task(tmp_path: Path) -> None:
    pyproject = '[project]\nname = "x"\ndependencies = ["fastapi>=0.106,<0.118"]\n'
    assert messages(tmp_path, pyproject, "FPI406") == []
