"""The pre-commit hooks, through the real `pre-commit try-repo` against this checkout.

pre-commit clones the hook repository, installs it into its own virtualenv (from PyPI, as a user's
machine would) and passes only the changed files: the finding in `app/main.py` is only visible
through `app/clock.py`, which is not passed, so the hook must index the whole project around it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = [
    pytest.mark.skipif(shutil.which("git") is None, reason="needs git"),
    pytest.mark.slow,
]

GIT_ENV = {
    "GIT_AUTHOR_NAME": "test",
    "GIT_AUTHOR_EMAIL": "test@example.invalid",
    "GIT_COMMITTER_NAME": "test",
    "GIT_COMMITTER_EMAIL": "test@example.invalid",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}


def git(*args: str, cwd: Path) -> None:
    subprocess.run(
        ["git", *args], cwd=cwd, check=True, capture_output=True, env={**os.environ, **GIT_ENV}
    )


def hook_repo(dest: Path) -> Path:
    """A git repository holding this checkout's package as it is on disk now (committed or not):
    what pre-commit needs to install it and read `.pre-commit-hooks.yaml`."""
    dest.mkdir()
    for name in ("pyproject.toml", "README.md", ".pre-commit-hooks.yaml"):
        shutil.copy2(ROOT / name, dest / name)
    shutil.copytree(
        ROOT / "src", dest / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info")
    )
    git("init", "-q", cwd=dest)
    git("add", ".", cwd=dest)
    git("commit", "-q", "-m", "hooks under test", cwd=dest)
    return dest


MAIN = textwrap.dedent(
    """\
    from fastapi import FastAPI

    from .clock import clock

    app = FastAPI()


    @app.get("/")
    async def root():
        clock.sleep(1)
        return {"ok": True}
    """
)


def app_repo(dest: Path) -> Path:
    dest.mkdir()
    # The only fix FPI101 has is unsafe; the project opts in, so `check --fix` applies it.
    (dest / "pyproject.toml").write_text(
        '[project]\nname = "demo"\nversion = "0"\n\n[tool.fastapi-lint]\nunsafe-fixes = true\n'
    )
    app = dest / "app"
    app.mkdir()
    (app / "__init__.py").write_text("")
    (app / "clock.py").write_text("import time as clock\n")
    (app / "main.py").write_text(MAIN)
    git("init", "-q", cwd=dest)
    git("add", ".", cwd=dest)
    git("commit", "-q", "-m", "app", cwd=dest)
    return dest


def try_repo(repo: Path, hook: str, files: list[str], cwd: Path, home: Path):
    env = {**os.environ, **GIT_ENV, "PRE_COMMIT_HOME": str(home), "NO_COLOR": "1"}
    env.pop("VIRTUAL_ENV", None)
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(repo), hook, "--files", *files],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
    )


def test_hooks_check_then_fix_changed_files(tmp_path: Path) -> None:
    repo = hook_repo(tmp_path / "hooks")
    app = app_repo(tmp_path / "app")
    home = tmp_path / "pre-commit-home"

    check = try_repo(repo, "fastapi-lint", ["app/main.py"], app, home)
    output = check.stdout + check.stderr
    assert check.returncode == 1, output
    assert "app/main.py:10:5: FPI101" in output, output
    assert "Failed" in output, output
    assert (app / "app" / "main.py").read_text() == MAIN

    fix = try_repo(repo, "fastapi-lint-fix", ["app/main.py"], app, home)
    output = fix.stdout + fix.stderr
    assert fix.returncode == 1, output  # pre-commit fails a hook that modified files
    assert "files were modified by this hook" in output, output
    fixed = (app / "app" / "main.py").read_text()
    assert "await asyncio.sleep(1)" in fixed, fixed
    assert "\nimport asyncio\n" in fixed, fixed
    assert (app / "app" / "clock.py").read_text() == "import time as clock\n"

    again = try_repo(repo, "fastapi-lint", ["app/main.py"], app, home)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "Passed" in again.stdout


def test_hook_definitions() -> None:
    """The hook file's contract, read as data (pre-commit validates the rest when it runs)."""
    text = (ROOT / ".pre-commit-hooks.yaml").read_text()
    hooks = {}
    current = None
    for line in text.splitlines():
        if line.startswith("- id: "):
            current = hooks.setdefault(line[6:].strip(), {})
        elif current is not None and line.startswith("  ") and ":" in line:
            key, _, value = line.strip().partition(":")
            current[key] = value.strip()
    assert set(hooks) == {"fastapi-lint", "fastapi-lint-fix"}
    assert hooks["fastapi-lint"]["entry"] == "fastapi-lint check --force-exclude"
    assert hooks["fastapi-lint-fix"]["entry"] == "fastapi-lint check --fix --force-exclude"
    for hook in hooks.values():
        assert hook["language"] == "python"
        assert hook["types_or"] == "[python, pyi]"
        assert hook["require_serial"] == "true"
