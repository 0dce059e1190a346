"""The cheap text prefilter must not hide findings whose trigger is spelled in another module."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import count_parses, run_cli


def _project(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text("[tool.fastapi-lint]\n")
    pkg = tmp_path / "shop"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "clock.py").write_text("from time import sleep as pause\n")
    (pkg / "routes.py").write_text(
        "from fastapi import FastAPI\n"
        "from .clock import pause\n\n"
        "app = FastAPI()\n\n\n"
        "@app.get('/')\n"
        "async def index():\n"
        "    pause(1)\n"
        "    return {}\n"
    )
    return tmp_path


def _codes(tmp_path: Path, *extra: str) -> list[tuple[str, int]]:
    proc = run_cli("check", str(tmp_path), "--output-format", "json", *extra)
    assert proc.returncode in (0, 1), proc.stderr
    return [
        (Path(item["filename"]).name, item["code"], item["location"]["row"])
        for item in json.loads(proc.stdout)
    ]


def test_reexported_alias_still_selects_the_rule(tmp_path: Path) -> None:
    project = _project(tmp_path)
    assert ("routes.py", "FPI101", 9) in _codes(project, "--no-cache")


def test_cached_skip_is_invalidated_when_the_reexport_changes(tmp_path: Path) -> None:
    project = _project(tmp_path)
    clock = project / "shop" / "clock.py"
    clock.write_text("def pause(seconds):\n    return seconds\n")
    assert _codes(project) == []
    clock.write_text("from time import sleep as pause\n")
    assert ("routes.py", "FPI101", 9) in _codes(project)


def test_index_gate_skips_modules_without_routes_or_dependencies(
    tmp_path: Path, monkeypatch
) -> None:
    """`def `/`return` appear in nearly every file; the FPI2xx/FPI3xx rules that only look inside
    path operations and dependencies ask the index first, so a plain helper module is never
    parsed with LibCST, while the routes module still is (and still gets its findings)."""
    from fastapi_lint.config import load_settings
    from fastapi_lint.engine import LintOptions, lint_paths

    (tmp_path / "pyproject.toml").write_text("[tool.fastapi-lint]\n")
    (tmp_path / "helpers.py").write_text("def total(items):\n    return sum(items)\n")
    (tmp_path / "routes.py").write_text(
        "from fastapi import FastAPI\nfrom sqlmodel import Session, create_engine\n\n"
        "app = FastAPI()\n\n\n@app.get('/')\ndef index():\n"
        "    engine = create_engine('sqlite://')\n    with Session(engine) as session:\n"
        "        return {}\n"
    )
    parsed = count_parses(monkeypatch)
    run = lint_paths([tmp_path], load_settings(tmp_path), LintOptions(use_cache=False, jobs=1))
    codes = {(Path(f.path).name, f.code) for f in run.findings}
    assert ("routes.py", "FPI201") in codes and ("routes.py", "FPI202") in codes
    assert not any("def total" in text for text in parsed)
    assert any("def index" in text for text in parsed)
