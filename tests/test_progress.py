"""Progress on stderr: drawn on a terminal (a pseudo-terminal here, from the `pty` module) once
the run has lasted the delay, for both phases (files indexed, files linted), and erased before
the findings; never on a pipe, with --quiet, or with a format a program reads. The delay is set
through FASTAPI_LINT_PROGRESS_DELAY, so no test depends on how fast the machine is."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from test_cli import SLEEPY, make_project

pytestmark = [
    pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX"),
    pytest.mark.slow,
]  # Real subprocesses on pseudo-terminals and pipes.


@pytest.fixture(scope="module")
def proj(tmp_path_factory) -> Path:
    files = {f"pkg/m{i:02d}.py": SLEEPY for i in range(6)}
    return make_project(tmp_path_factory.mktemp("progress") / "p", files)


def run(root: Path, *args: str, delay: str = "0", tty: bool = True) -> tuple[int, str, str]:
    """Runs `check` with stderr on a pseudo-terminal (or a pipe); returns (exit code, stdout,
    what the terminal received)."""
    env = dict(os.environ, NO_COLOR="1", FASTAPI_LINT_PROGRESS_DELAY=delay)
    env.pop("FASTAPI_LINT_CACHE_DIR", None)
    command = [sys.executable, "-m", "fastapi_lint", "check", "--no-cache", *args]
    if not tty:
        proc = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True)
        return proc.returncode, proc.stdout, proc.stderr
    master, slave = pty.openpty()
    received: list[bytes] = []

    def drain() -> None:
        while True:
            try:
                chunk = os.read(master, 4096)
            except OSError:  # EIO: the other side closed
                return
            if not chunk:
                return
            received.append(chunk)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    try:
        proc = subprocess.run(
            command, cwd=root, env=env, stdout=subprocess.PIPE, stderr=slave, text=True
        )
    finally:
        os.close(slave)
    reader.join(timeout=60)
    os.close(master)
    return proc.returncode, proc.stdout, b"".join(received).decode("utf-8", "replace")


def test_progress_on_a_terminal(proj: Path) -> None:
    code, stdout, terminal = run(proj)
    assert code == 1
    assert "fastapi-lint: 6/6 files indexed" in terminal
    assert "fastapi-lint: 6/6 files linted" in terminal
    # Each redraw starts at the line's beginning; the line is erased at the end.
    assert terminal.startswith("\r\x1b[Kfastapi-lint: ")
    assert terminal.endswith("\r\x1b[K")
    # The findings go to stdout untouched.
    assert "\x1b" not in stdout and "Found 6 errors." in stdout


def test_no_progress_before_the_delay(proj: Path) -> None:
    code, _stdout, terminal = run(proj, delay="3600")
    assert code == 1 and terminal == ""


def test_no_progress_when_stderr_is_not_a_terminal(proj: Path) -> None:
    code, _stdout, stderr = run(proj, tty=False)
    assert code == 1 and stderr == ""


def test_no_progress_with_quiet(proj: Path) -> None:
    code, _stdout, terminal = run(proj, "--quiet")
    assert code == 1 and "files" not in terminal


@pytest.mark.parametrize("fmt", ["json", "sarif", "gitlab", "junit", "pylint", "rdjson", "github"])
def test_no_progress_in_machine_formats(proj: Path, fmt: str) -> None:
    code, stdout, terminal = run(proj, "--output-format", fmt)
    assert code == 1 and stdout
    assert "files" not in terminal


def test_full_output_shows_progress_too(proj: Path) -> None:
    _code, _stdout, terminal = run(proj, "--output-format", "full")
    assert "files linted" in terminal
