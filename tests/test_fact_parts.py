"""The per-module parts of the project facts are kept in the cache: a run after an edit
computes again only the parts that read the edited module, and finds what a cold run finds."""

from __future__ import annotations

import functools
from pathlib import Path

from test_cli import make_project

from fastapi_lint.config import load_settings
from fastapi_lint.engine import LintOptions, lint_paths
from fastapi_lint.index import reach

FILES = {
    "app/__init__.py": "",
    "app/main.py": (
        "from fastapi import FastAPI\n\nfrom .routes import router\n\n"
        "app = FastAPI()\napp.include_router(router)\n"
    ),
    "app/routes.py": (
        "from fastapi import APIRouter\n\nfrom .helpers import load\n\n"
        "router = APIRouter()\n\n\n"
        "@router.get('/items')\nasync def items():\n    return load()\n"
    ),
    "app/helpers.py": "def load():\n    return []\n",
    "app/other.py": "def unrelated():\n    return 1\n",
}


def _run(root: Path, monkeypatch, **options) -> tuple[set, list[str]]:
    """((file, code, row) findings, the modules whose reach part was computed)."""
    computed: list[str] = []
    real = reach._reach_part

    @functools.wraps(real)
    def counting(index, mod, *args):
        computed.append(mod)
        return real(index, mod, *args)

    with monkeypatch.context() as patch:
        patch.setattr(reach, "_reach_part", counting)
        run = lint_paths([root], load_settings(root), LintOptions(jobs=1, **options))
    found = {(Path(f.path).name, f.code, f.location.row) for f in run.findings}
    return found, computed


def test_an_edit_recomputes_only_the_parts_that_read_it(tmp_path: Path, monkeypatch) -> None:
    root = make_project(tmp_path / "p", FILES)
    first, computed = _run(root, monkeypatch)
    assert first == set()
    assert {"app.routes", "app.helpers", "app.other"} <= set(computed)
    # The helper starts blocking: the route's finding appears; the parts of modules that did
    # not read the helper come from the cache.
    (root / "app/helpers.py").write_text("import time\n\n\ndef load():\n    time.sleep(1)\n")
    second, computed = _run(root, monkeypatch)
    assert ("routes.py", "FPI110", 10) in second
    assert "app.helpers" in computed
    assert "app.other" not in computed and "app.main" not in computed
    cold, _ = _run(root, monkeypatch, use_cache=False)
    assert second == cold


def test_stored_parts_are_not_used_without_the_cache(tmp_path: Path, monkeypatch) -> None:
    root = make_project(tmp_path / "p", FILES)
    _run(root, monkeypatch)
    (root / "app/other.py").write_text("def unrelated():\n    return 2\n")
    _found, computed = _run(root, monkeypatch, use_cache=False)
    assert {"app.routes", "app.helpers", "app.other", "app.main"} <= set(computed)


def _facts_run(root: Path, monkeypatch, **options) -> tuple[set, int, int]:
    """((file, code, row) findings, how often `serving_reach` was computed, how many stored
    facts were restored)."""
    from fastapi_lint.index import project

    calls = [0]
    restored = [0]
    real = project.PROJECT_FACTS["serving_reach"]
    real_restore = project.ProjectIndex._restore_fact

    def counting(index):
        calls[0] += 1
        return real(index)

    def restore(index, stored):
        found = real_restore(index, stored)
        restored[0] += found is not None
        return found

    with monkeypatch.context() as patch:
        patch.setitem(project.PROJECT_FACTS, "serving_reach", counting)
        patch.setattr(project.ProjectIndex, "_restore_fact", restore)
        run = lint_paths([root], load_settings(root), LintOptions(jobs=1, **options))
    found = {(Path(f.path).name, f.code, f.location.row) for f in run.findings}
    return found, calls[0], restored[0]


def test_a_stored_fact_is_used_while_what_it_was_made_from_is_unchanged(
    tmp_path: Path, monkeypatch
) -> None:
    """The facts are stored with their parts: an edit that changes none of a fact's parts
    (a function body that calls nothing new) restores the fact instead of walking the
    project's call graph again; an edit that changes a part makes it again. Each run finds
    what a cold run finds."""
    # An `async def` in the module edited below: its lint asks for its reach.
    root = make_project(
        tmp_path / "p", {**FILES, "app/other.py": "async def unrelated():\n    return 1\n"}
    )
    first, computed, _ = _facts_run(root, monkeypatch)
    assert computed == 1
    (root / "app/other.py").write_text("async def unrelated():\n    return 2\n")
    second, computed, restored = _facts_run(root, monkeypatch)
    assert (computed, restored > 0) == (0, True)
    assert second == first == _facts_run(root, monkeypatch, use_cache=False)[0]
    (root / "app/helpers.py").write_text("import time\n\n\ndef load():\n    time.sleep(1)\n")
    third, computed, _ = _facts_run(root, monkeypatch)
    assert computed == 1
    assert ("routes.py", "FPI110", 10) in third
    assert third == _facts_run(root, monkeypatch, use_cache=False)[0]


def test_protocol_uses_are_looked_for_only_where_a_project_protocol_exists(
    tmp_path: Path, monkeypatch
) -> None:
    """`class_hierarchy`'s protocol part resolves every call of the project; without a
    project `Protocol` nothing could be noted, so it is not computed at all."""
    from fastapi_lint.engine.api import project_index
    from fastapi_lint.index import semantic

    computed: list[str] = []
    real = semantic._protocol_uses_part

    @functools.wraps(real)
    def counting(index, mod, *args):
        computed.append(mod)
        return real(index, mod, *args)

    monkeypatch.setattr(semantic, "_protocol_uses_part", counting)
    plain = make_project(tmp_path / "plain", FILES)
    hierarchy = project_index(load_settings(plain)).project_fact("class_hierarchy")
    assert computed == [] and hierarchy["protocols"] == {}

    with_protocol = dict(FILES)
    with_protocol["app/ports.py"] = (
        "from typing import Protocol\n\n\n"
        "class Store(Protocol):\n    def get(self): ...\n\n\n"
        "class Memory:\n    def get(self):\n        return 1\n\n\n"
        "def use(store: Store):\n    return store.get()\n\n\n"
        "use(Memory())\n"
    )
    root = make_project(tmp_path / "protocol", with_protocol)
    hierarchy = project_index(load_settings(root)).project_fact("class_hierarchy")
    assert "app.ports" in computed
    assert hierarchy["protocols"] == {"app.ports.Store": ["app.ports.Memory"]}
