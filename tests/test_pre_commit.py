"""The pre-commit hooks, through the real pre-commit against this checkout.

pre-commit clones the hook repository, installs it into its own virtualenv (from PyPI, as a user's
machine would) and passes only the changed files: the finding in `app/main.py` is only visible
through `app/clock.py`, which is not passed, so the hook must index the whole project around it.

The README's two snippets are read from the README itself and run as written (the pinned commit
filled in as the README says), so the README and what works cannot drift apart.
"""

from __future__ import annotations

import os
import re
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


# -- the README's snippets, as written --------------------------------------------------------

README_URL = "https://github.com/fastapi-lint/fastapi-lint"
README_REV = "rev: COMMIT_SHA"


def readme_snippets() -> dict[str, str]:
    """The YAML blocks of the README's pre-commit section: "remote" (pinned) and "local"."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## pre-commit\n", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```yaml\n(.*?)```", section, re.S)
    snippets = {("local" if "repo: local" in b else "remote"): b for b in blocks}
    assert len(blocks) == 2 and set(snippets) == {"remote", "local"}, blocks
    return snippets


def git_output(*args: str, cwd: Path) -> str | None:
    proc = subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, env={**os.environ, **GIT_ENV}
    )
    return proc.stdout.strip() if proc.returncode == 0 else None


def pinned_hook_repo(tmp_path: Path) -> tuple[Path, str]:
    """A repository and a commit SHA in it holding this code: the checkout itself at its HEAD
    when its hook files are committed, else a repository made from the files on disk."""
    top = git_output("rev-parse", "--show-toplevel", cwd=ROOT)
    if top is not None and Path(top).resolve() == ROOT.resolve():
        paths = ["src", "pyproject.toml", "README.md", ".pre-commit-hooks.yaml"]
        if git_output("status", "--porcelain", "--", *paths, cwd=ROOT) == "":
            return ROOT, git_output("rev-parse", "HEAD", cwd=ROOT) or ""
    repo = hook_repo(tmp_path / "hooks")
    return repo, git_output("rev-parse", "HEAD", cwd=repo) or ""


def pre_commit_run(app: Path, home: Path, path_prefix: str = ""):
    env = {**os.environ, **GIT_ENV, "PRE_COMMIT_HOME": str(home), "NO_COLOR": "1"}
    env.pop("VIRTUAL_ENV", None)
    if path_prefix:
        env["PATH"] = path_prefix + os.pathsep + env.get("PATH", "")
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "run", "--all-files"],
        cwd=app,
        capture_output=True,
        text=True,
        timeout=900,
        env=env,
    )


def with_config(app: Path, config: str) -> None:
    (app / ".pre-commit-config.yaml").write_text(config)
    git("add", ".", cwd=app)
    git("commit", "-q", "-m", "pre-commit", cwd=app)


def test_readme_snippet_pinned_to_a_commit(tmp_path: Path) -> None:
    snippet = readme_snippets()["remote"]
    assert snippet.count(README_URL) == 1 and snippet.count(README_REV) == 1, snippet
    repo, sha = pinned_hook_repo(tmp_path)
    assert re.fullmatch(r"[0-9a-f]{40}", sha), sha
    app = app_repo(tmp_path / "app")
    with_config(app, snippet.replace(README_URL, str(repo)).replace(README_REV, f"rev: {sha}"))
    home = tmp_path / "pre-commit-home"

    fix = pre_commit_run(app, home)
    output = fix.stdout + fix.stderr
    assert fix.returncode == 1, output  # the fix hook changed a file
    assert "files were modified by this hook" in output, output
    fixed = (app / "app" / "main.py").read_text()
    assert "await asyncio.sleep(1)" in fixed and "\nimport asyncio\n" in fixed, fixed

    git("add", ".", cwd=app)
    again = pre_commit_run(app, home)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "Passed" in again.stdout


def test_readme_snippet_with_repo_local(tmp_path: Path) -> None:
    """`language: system` runs the fastapi-lint on PATH: this environment's."""
    scripts = Path(sys.executable).parent
    if shutil.which("fastapi-lint", path=str(scripts)) is None:
        pytest.skip("fastapi-lint is not installed as a script beside this interpreter")
    snippet = readme_snippets()["local"]
    app = app_repo(tmp_path / "app")
    with_config(app, snippet)
    home = tmp_path / "pre-commit-home"

    check = pre_commit_run(app, home, path_prefix=str(scripts))
    output = check.stdout + check.stderr
    assert check.returncode == 1, output
    assert "app/main.py:10:5: FPI101" in output, output
    assert (app / "app" / "main.py").read_text() == MAIN

    (app / "app" / "main.py").write_text(MAIN.replace("async def root", "def root"))
    git("add", ".", cwd=app)
    clean = pre_commit_run(app, home, path_prefix=str(scripts))
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "Passed" in clean.stdout


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
