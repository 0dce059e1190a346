"""Shared test helpers: run the CLI (in this process, or in a real subprocess), and the
--update-goldens switch."""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
# Fixture files are data for the linter (some are named like tests): never collect them.
collect_ignore = ["fixtures"]


def count_parses(patch: pytest.MonkeyPatch) -> list[str]:
    """Makes the engine record every text it parses with LibCST; returns that list."""
    from fastapi_lint.engine import linting

    parsed: list[str] = []
    real_parse = linting.parse_module

    def counting_parse(text: str):
        parsed.append(text)
        return real_parse(text)

    patch.setattr(linting, "parse_module", counting_parse)
    return parsed


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


def _cli_environment(env: dict[str, str] | None) -> dict[str, str]:
    environment = dict(os.environ)
    environment.pop("FASTAPI_LINT_CACHE_DIR", None)
    environment["NO_COLOR"] = "1"
    if env:
        environment.update(env)
    return environment


def run_cli_process(*args: str, cwd: Path | None = None, stdin: str | None = None, env=None):
    """Runs `python -m fastapi_lint ...` in a real subprocess, as a user would; returns the
    CompletedProcess. For the end-to-end tests: interpreter start-up, pipes, exit status."""
    return subprocess.run(
        [sys.executable, "-m", "fastapi_lint", *args],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
        env=_cli_environment(env),
    )


def _as_text(data: bytes) -> str:
    # What `subprocess.run(text=True)` gives: decoded, universal newlines.
    return io.TextIOWrapper(io.BytesIO(data), encoding="utf-8", newline=None).read()


def run_cli(*args: str, cwd: Path | None = None, stdin: str | None = None, env=None):
    """`fastapi-lint ARGS` run in this process (`cli.main`), with the working directory,
    environment, standard streams and exit status a subprocess would have; returns a
    CompletedProcess like `run_cli_process`. A crash is an exception here, so it fails the
    test with its traceback. Starting ~100 interpreters was most of the suite's time."""
    from fastapi_lint import cli
    from fastapi_lint.engine import api
    from fastapi_lint.index import summary

    # A process serves one command: nothing is kept from an earlier one.
    api._PROJECTS.clear()
    summary._real_folder.cache_clear()
    stdout, stderr = io.BytesIO(), io.BytesIO()
    streams = (
        io.TextIOWrapper(io.BytesIO((stdin or "").encode("utf-8")), encoding="utf-8"),
        io.TextIOWrapper(stdout, encoding="utf-8", write_through=True),
        io.TextIOWrapper(stderr, encoding="utf-8", write_through=True),
    )
    saved_env, saved_cwd = dict(os.environ), os.getcwd()
    saved_streams = (sys.stdin, sys.stdout, sys.stderr)
    try:
        os.environ.clear()
        os.environ.update(_cli_environment(env))
        if cwd is not None:
            os.chdir(cwd)
        sys.stdin, sys.stdout, sys.stderr = streams
        try:
            code = cli.main(list(args))
        except SystemExit as exc:  # argparse's usage errors, --version, --help
            if isinstance(exc.code, str):
                print(exc.code, file=sys.stderr)
            code = 1 if isinstance(exc.code, str) else exc.code or 0
        for stream in streams[1:]:
            with contextlib.suppress(ValueError):
                stream.flush()
    finally:
        sys.stdin, sys.stdout, sys.stderr = saved_streams
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)
    return subprocess.CompletedProcess(
        ["fastapi-lint", *args], code, _as_text(stdout.getvalue()), _as_text(stderr.getvalue())
    )


def run_json(*args: str, cwd: Path | None = None) -> list[dict]:
    proc = run_cli(*args, "--output-format", "json", cwd=cwd)
    # A crash also exits 1: tell it apart from "findings" before parsing the output.
    assert proc.returncode in (0, 1) and "Traceback" not in proc.stderr, proc.stderr
    return json.loads(proc.stdout)
