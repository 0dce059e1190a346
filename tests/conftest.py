"""Shared test helpers: run the real CLI in a subprocess, and the --update-goldens switch."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-goldens",
        action="store_true",
        default=False,
        help="rewrite tests/fixtures/**/*.fixed.py from the current fixes",
    )


@pytest.fixture(scope="session")
def update_goldens(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-goldens"))


def run_cli(*args: str, cwd: Path | None = None, stdin: str | None = None, env=None):
    """Runs `python -m fastapi_lint ...` as a user would; returns the CompletedProcess."""
    environment = dict(os.environ)
    environment.pop("FASTAPI_LINT_CACHE_DIR", None)
    environment["NO_COLOR"] = "1"
    if env:
        environment.update(env)
    return subprocess.run(
        [sys.executable, "-m", "fastapi_lint", *args],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
        env=environment,
    )


def run_json(*args: str, cwd: Path | None = None) -> list[dict]:
    proc = run_cli(*args, "--output-format", "json", cwd=cwd)
    # A crash also exits 1: tell it apart from "findings" before parsing the output.
    assert proc.returncode in (0, 1) and "Traceback" not in proc.stderr, proc.stderr
    return json.loads(proc.stdout)
