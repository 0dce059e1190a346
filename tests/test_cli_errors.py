"""Bad arguments and bad configuration values: exit 2 with one line that names the problem.

Never a traceback, never exit 1 (which CI reads as "findings"), and never a value silently
dropped or ignored so that the run quietly checks something else than the user asked for.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import run_cli

SLEEPY = "import time\n\n\nasync def handler():\n    time.sleep(1)\n"


def make_project(root: Path, config: str = "") -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text(f'[project]\nname = "demo"\n\n{config}')
    (root / "app.py").write_text(SLEEPY)
    return root


def assert_usage_error(proc, *needles: str) -> None:
    """Exit 2, one `fastapi-lint: error:` line on stderr naming each needle, nothing else."""
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("fastapi-lint: error: ")
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])
    assert proc.stdout == ""


# -- configuration values that used to be dropped silently ------------------------------------


@pytest.mark.parametrize(
    ("key", "value", "needle"),
    [
        # An invalid regex used to be matched as literal text: never a secret, no error.
        ("extend-secret-field-patterns", '["(\\\\w+_)?api_key", "(unclosed"]', "'(unclosed'"),
        ("secret-field-patterns", '["*token"]', "'*token'"),
    ],
)
def test_invalid_secret_pattern_is_an_error(
    tmp_path: Path, key: str, value: str, needle: str
) -> None:
    root = make_project(tmp_path / "p", f"[tool.fastapi-lint.rules]\n{key} = {value}\n")
    proc = run_cli("check", "--no-cache", cwd=root)
    assert_usage_error(
        proc, f"`rules.{key}`", needle, "not a valid regular expression", "pyproject.toml"
    )


def test_valid_secret_patterns_still_load(tmp_path: Path) -> None:
    root = make_project(
        tmp_path / "p",
        '[tool.fastapi-lint.rules]\nextend-secret-field-patterns = ["(\\\\w+_)?api_key"]\n',
    )
    proc = run_cli("check", "--no-cache", "--select", "FPI101", cwd=root)
    assert proc.returncode == 1, proc.stderr


@pytest.mark.parametrize(
    ("config", "key", "needle"),
    [
        # Qualified names are compared as written: these could never match a call.
        ('blocking-calls = ["legacy.fetch()"]', "`rules.blocking-calls`", "'legacy.fetch()'"),
        (
            'blocking-calls = [{ call = "legacy fetch" }]',
            "`rules.blocking-calls.call`",
            "'legacy fetch'",
        ),
        ('offload-calls = ["pool.run("]', "`rules.offload-calls`", "'pool.run('"),
        ('session-factories = ["db.make-session"]', "`rules.session-factories`", "make-session"),
        ('allowed-secret-models = ["schemas:Key"]', "`rules.allowed-secret-models`", "schemas:Key"),
        ('ignore-secret-fields = ["User password"]', "`rules.ignore-secret-fields`", "User pass"),
        # `use` is shown in the message; a number was accepted and printed.
        (
            'blocking-calls = [{ call = "legacy.fetch", use = 3 }]',
            "`rules.blocking-calls.use`",
            "must be a string",
        ),
    ],
)
def test_names_that_cannot_match_are_an_error(
    tmp_path: Path, config: str, key: str, needle: str
) -> None:
    root = make_project(tmp_path / "p", f"[tool.fastapi-lint.rules]\n{config}\n")
    proc = run_cli("check", "--no-cache", cwd=root)
    assert_usage_error(proc, key, needle, "pyproject.toml")


@pytest.mark.parametrize("cache_dir", ["app.py", "app.py/cache"])
def test_cache_dir_that_cannot_be_a_folder(tmp_path: Path, cache_dir: str) -> None:
    """The cache used to be skipped without a word (every run cold, nothing said)."""
    root = make_project(tmp_path / "p", f'[tool.fastapi-lint]\ncache-dir = "{cache_dir}"\n')
    assert_usage_error(run_cli("check", cwd=root), "`cache-dir`", "app.py is a file")
    assert_usage_error(run_cli("clean", cwd=root), "`cache-dir`", "app.py is a file")
    # --no-cache does not use it, so it does not complain about it.
    assert run_cli("check", "--no-cache", "--select", "FPI101", cwd=root).returncode == 1


def test_cache_dir_from_the_environment(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p")
    proc = run_cli("check", cwd=root, env={"FASTAPI_LINT_CACHE_DIR": str(root / "app.py")})
    assert_usage_error(proc, "$FASTAPI_LINT_CACHE_DIR", "app.py is a file")


# -- path arguments ---------------------------------------------------------------------------


def test_output_file_in_a_missing_folder(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p")
    proc = run_cli("check", "--no-cache", "--output-file", "reports/out.txt", cwd=root)
    assert_usage_error(proc, "--output-file", "reports", "does not exist")
    assert not (root / "reports").exists()


def test_output_file_onto_a_folder(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p")
    (root / "reports").mkdir()
    proc = run_cli("check", "--no-cache", "--output-file", "reports", cwd=root)
    assert_usage_error(proc, "--output-file", "reports is a folder")


def test_output_file_below_a_file(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p")
    proc = run_cli("check", "--no-cache", "--output-file", "app.py/out.txt", cwd=root)
    assert_usage_error(proc, "--output-file", "app.py is a file")
    assert (root / "app.py").read_text() == SLEEPY


def test_output_file_error_comes_before_any_fix(tmp_path: Path) -> None:
    """The argument is checked before the run: a bad --output-file does not fix half the job."""
    root = make_project(tmp_path / "p")
    proc = run_cli(
        "check", "--no-cache", "--fix", "--unsafe-fixes", "--output-file", "no/x", cwd=root
    )
    assert_usage_error(proc, "--output-file")
    assert (root / "app.py").read_text() == SLEEPY


def test_config_naming_a_folder(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p")
    (root / "conf").mkdir()
    proc = run_cli("check", "--no-cache", "--config", "conf", cwd=root)
    assert_usage_error(proc, "--config", "conf is a folder")
    assert "no such file" not in proc.stderr
    missing = run_cli("check", "--no-cache", "--config", "none.toml", cwd=root)
    assert_usage_error(missing, "--config", "no such file", "none.toml")


def test_clean_with_a_missing_path(tmp_path: Path) -> None:
    """It used to remove the cache of the working directory's project instead."""
    root = make_project(tmp_path / "p")
    assert run_cli("check", cwd=root).returncode == 1
    assert (root / ".fastapi_lint_cache").is_dir()
    assert_usage_error(run_cli("clean", "nothere", cwd=root), "no such file or directory")
    assert (root / ".fastapi_lint_cache").is_dir()
