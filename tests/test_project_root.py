"""Which folder is the project root when nothing marks it (issue 11, item 13).

Without pyproject.toml, fastapi-lint.toml or .git, `fastapi-lint check app/` took `app/` as the
root: modules were named `routers.users` instead of `app.routers.users`, every `from app...`
import went unresolved and the cross-module findings vanished. The root is now the working
directory when the path is inside it (and climbs out of packages, as imports do), and
`--verbose` names it.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import ROOT, run_cli

from fastapi_lint.config import find_project_root, load_settings

EXAMPLE = ROOT / "examples"


def _bare_project(tmp_path: Path) -> Path:
    """The example app with no marker anywhere above it (tmp_path is outside any git tree)."""
    root = tmp_path / "shop"
    root.mkdir()
    shutil.copytree(EXAMPLE / "app", root / "app")
    # The dependencies of examples/pyproject.toml, as a project without one states them.
    (root / "requirements.txt").write_text("fastapi>=0.115\nsqlmodel>=0.0.16\nhttpx>=0.27\n")
    for folder in (root, *root.parents):
        assert not (folder / "pyproject.toml").exists(), folder
        assert not (folder / ".git").exists(), folder
    return root


def _findings(proc, base: Path) -> list[tuple[str, int, int, str]]:
    assert proc.returncode in (0, 1) and "Traceback" not in proc.stderr, proc.stderr
    return sorted(
        (
            Path(f["filename"]).relative_to(base).as_posix(),
            f["location"]["row"],
            f["location"]["column"],
            f["code"],
        )
        for f in json.loads(proc.stdout)
    )


@pytest.fixture(scope="module")
def reference() -> list[tuple[str, int, int, str]]:
    """The example app's findings in its own project (pyproject.toml at its root)."""
    proc = run_cli("check", "--no-cache", "--output-format", "json", cwd=EXAMPLE)
    found = _findings(proc, EXAMPLE)
    # Cross-module rules matter here: FPI110 (a blocking helper in services.py), FPI3xx
    # (models in models.py), FPI2xx (the session factory in database.py).
    assert {"FPI110", "FPI301", "FPI201"} <= {code for *_, code in found}
    return found


@pytest.mark.slow
def test_check_app_folder_from_project_folder(tmp_path: Path, reference) -> None:
    root = _bare_project(tmp_path)
    proc = run_cli("check", "app/", "--no-cache", "--output-format", "json", cwd=root)
    assert _findings(proc, root) == reference


@pytest.mark.slow
def test_check_dot_from_inside_the_package(tmp_path: Path, reference) -> None:
    root = _bare_project(tmp_path)
    proc = run_cli("check", ".", "--no-cache", "--output-format", "json", cwd=root / "app")
    assert _findings(proc, root) == reference


def test_one_file_from_project_folder_sees_the_other_modules(tmp_path: Path, reference) -> None:
    root = _bare_project(tmp_path)
    target = "app/routers/blocking.py"
    proc = run_cli("check", target, "--no-cache", "--output-format", "json", cwd=root)
    expected = [f for f in reference if f[0] == target]
    assert any(code == "FPI110" for *_, code in expected)
    assert _findings(proc, root) == expected


def test_verbose_names_the_root_and_import_roots(tmp_path: Path) -> None:
    root = _bare_project(tmp_path)
    proc = run_cli("check", "app/", "--no-cache", "--verbose", cwd=root)
    line = next(x for x in proc.stderr.splitlines() if "project root:" in x)
    real = str(root.resolve())
    assert f"project root: {real} (the working directory" in line
    assert f"import roots: {real};" in line
    assert "configuration: none" in line


def test_verbose_names_a_marked_root(tmp_path: Path) -> None:
    root = _bare_project(tmp_path)
    (root / "pyproject.toml").write_text('[project]\nname = "shop"\n')
    (root / "src").mkdir()
    proc = run_cli("check", "routers", "--no-cache", "--verbose", cwd=root / "app")
    line = next(x for x in proc.stderr.splitlines() if "project root:" in x)
    real = root.resolve()
    assert f"project root: {real} (the folder of pyproject.toml)" in line
    assert f"import roots: {real}, {real / 'src'};" in line


def test_unmarked_root_rules(tmp_path: Path, monkeypatch) -> None:
    root = _bare_project(tmp_path).resolve()
    app = root / "app"
    routers = app / "routers"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    # The working directory, when the path is inside it.
    assert find_project_root(routers, None, cwd=root) == root
    assert find_project_root(routers / "users.py", None, cwd=root) == root
    # Climbing out of packages: a package is imported from its parent.
    assert find_project_root(routers, None, cwd=app) == root
    assert find_project_root(routers, None, cwd=elsewhere) == root
    # A path outside the working directory keeps its own folder (climbed out of packages).
    loose = tmp_path / "loose"
    loose.mkdir()
    assert find_project_root(loose, None, cwd=elsewhere) == loose
    # The file-system root and the home folder are never a project: indexing them would
    # read every Python file on the machine.
    assert find_project_root(loose, None, cwd=Path("/")) == loose
    assert find_project_root(routers, None, cwd=Path("/")) == root
    monkeypatch.setenv("HOME", str(tmp_path))
    assert find_project_root(loose, None, cwd=tmp_path) == loose
    # Markers still win over the working directory.
    (app / "pyproject.toml").write_text('[project]\nname = "x"\n')
    assert find_project_root(routers, None, cwd=root) == app
    assert load_settings(routers, cwd=root).project_root == app
