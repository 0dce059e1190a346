"""The project index: module names, exact cross-module resolution, and cache invalidation that
follows the facts a file's rules read."""

from __future__ import annotations

from pathlib import Path

import libcst as cst
import pytest
from test_cli import make_project

from fastapi_lint.config import load_settings
from fastapi_lint.engine import LintOptions, lint_paths
from fastapi_lint.engine import api as engine_api
from fastapi_lint.engine import linting as engine_linting
from fastapi_lint.index import ProjectIndex, Ref, module_name_for, summarize_source
from fastapi_lint.rule import Rule

# -- module names --------------------------------------------------------------------------------


def test_module_names_from_paths(tmp_path: Path) -> None:
    root = tmp_path.resolve()
    roots = [root, root / "src"]
    assert module_name_for(root / "app" / "main.py", roots) == ("app.main", False)
    assert module_name_for(root / "app" / "__init__.py", roots) == ("app", True)
    assert module_name_for(root / "top.py", roots) == ("top", False)
    # src layout: the deepest import root that holds the file wins.
    assert module_name_for(root / "src" / "pkg" / "core.py", roots) == ("pkg.core", False)
    assert module_name_for(root / "src" / "pkg" / "__init__.pyi", roots) == ("pkg", True)
    # Outside every root: just the file's stem.
    assert module_name_for(tmp_path.parent / "elsewhere.py", roots)[0] == "elsewhere"


def test_src_layout_through_settings(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", {"src/shop/api.py": "x = 1\n", "tests/test_api.py": ""})
    settings = load_settings(root)
    roots = engine_api.import_roots(settings)
    assert roots == [root.resolve(), (root / "src").resolve()]
    index = engine_api.project_index(settings, use_cache=False, refresh=True)
    assert {"shop.api", "tests.test_api"} <= set(index.modules)
    assert "src.shop.api" not in index.modules


def test_configured_src_roots(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", {"lib/core/a.py": "x = 1\n"}, 'src = ["lib"]\n')
    index = engine_api.project_index(load_settings(root), use_cache=False, refresh=True)
    assert "core.a" in index.modules


# -- cross-module resolution ---------------------------------------------------------------------

PROJECT = {
    "pkg/__init__.py": "from .utils import fetch as fetch_again\nfrom .models import User\n",
    "pkg/models.py": "class Base:\n    pass\n\n\nclass User(Base):\n    name: str\n",
    "pkg/db.py": "from sqlalchemy.orm import Session\n\n\ndef get_db():\n    yield Session()\n",
    "pkg/utils.py": (
        "import time\n"
        "from typing import Annotated\n\n"
        "import requests\n"
        "from fastapi import Depends\n"
        "from sqlalchemy.orm import Session\n\n"
        "from .db import get_db\n\n"
        "SessionDep = Annotated[Session, Depends(get_db)]\n\n\n"
        "def fetch(url):\n"
        "    time.sleep(1)\n"
        "    return requests.get(url)\n"
    ),
    "pkg/routes.py": (
        "import pkg.utils\n"
        "import pkg.utils as u\n"
        "from pkg.utils import fetch\n"
        "from . import utils\n"
        "from .utils import fetch as f2, SessionDep\n"
        "from pkg import fetch_again, User\n"
        "from .models import User as U2\n\n\n"
        "async def route(db: SessionDep, other: u.SessionDep, maybe: SessionDep | None = None):\n"
        "    client = u.requests.Session()\n"
        "    return fetch('x'), client\n\n\n"
        "async def shadowed():\n"
        "    fetch = len\n"
        "    return fetch('x')\n\n\n"
        "def by_param(fetch, requests):\n"
        "    return fetch(), requests.get('x')\n\n\n"
        "class Holder:\n"
        "    fetch = None\n\n"
        "    def method(self):\n"
        "        return fetch('x')\n"
    ),
    "pkg/sub/__init__.py": "",
    "pkg/sub/deep.py": "from ..utils import fetch\nfrom ...outside import thing\nfrom .. import models\n",
}


@pytest.fixture(scope="module")
def index(tmp_path_factory) -> ProjectIndex:
    root = make_project(tmp_path_factory.mktemp("idx") / "p", PROJECT)
    return engine_api.project_index(load_settings(root), use_cache=False, refresh=True)


FETCH = Ref("function", "pkg.utils.fetch")


@pytest.mark.parametrize(
    "dotted",
    ["fetch", "u.fetch", "utils.fetch", "f2", "fetch_again", "pkg.utils.fetch"],
)
def test_a_function_reached_every_way(index: ProjectIndex, dotted: str) -> None:
    assert index.resolve_name("pkg.routes", "route", dotted) == FETCH


def test_relative_imports_from_a_subpackage(index: ProjectIndex) -> None:
    assert index.resolve_name("pkg.sub.deep", "", "fetch") == FETCH
    assert index.resolve_name("pkg.sub.deep", "", "models.User") == Ref("class", "pkg.models.User")
    # Beyond the top-level package: not a project module, so an external name.
    assert index.resolve_name("pkg.sub.deep", "", "thing") == Ref("external", "outside.thing")


def test_reexported_class(index: ProjectIndex) -> None:
    assert index.resolve_name("pkg.routes", "", "User") == Ref("class", "pkg.models.User")
    assert index.resolve_name("pkg.routes", "", "U2") == Ref("class", "pkg.models.User")
    assert index.class_("pkg.models.User")["bases"] == [["n", "Base"]]


def test_external_names(index: ProjectIndex) -> None:
    assert index.resolve_name("pkg.utils", "fetch", "time.sleep") == Ref("external", "time.sleep")
    assert index.resolve_name("pkg.utils", "fetch", "requests.get") == Ref(
        "external", "requests.get"
    )
    assert index.resolve_name("pkg.routes", "route", "u.requests.get") == Ref(
        "external", "requests.get"
    )
    assert index.resolve_name("pkg.routes", "route", "client") == Ref(
        "instance", "requests.Session"
    )
    assert index.resolve_name("pkg.routes", "route", "len") == Ref("external", "builtins.len")


def test_type_alias_from_another_module(index: ProjectIndex) -> None:
    session = Ref("instance", "sqlalchemy.orm.Session")
    assert index.resolve_name("pkg.routes", "route", "db") == session
    assert index.resolve_name("pkg.routes", "route", "maybe") == session
    assert index.resolve_name("pkg.routes", "route", "db.execute") == Ref(
        "member", "sqlalchemy.orm.Session.execute"
    )


def test_shadowing_by_locals_and_parameters(index: ProjectIndex) -> None:
    assert index.resolve_name("pkg.routes", "shadowed", "fetch") == Ref("external", "builtins.len")
    assert index.resolve_name("pkg.routes", "by_param", "fetch") is None
    # A parameter named like a library is not the library.
    assert index.resolve_name("pkg.routes", "by_param", "requests.get") is None
    # A class attribute does not shadow a module name inside a method (Python skips class scope).
    assert index.resolve_name("pkg.routes", "Holder.method", "fetch") == FETCH


def test_function_facts_cross_modules(index: ProjectIndex) -> None:
    fact = index.function("pkg.utils.fetch")
    assert fact is not None and fact["async"] is False
    callees = [index.ref_of_value("pkg.utils", "fetch", call[0]) for call in fact["calls"]]
    assert Ref("external", "time.sleep") in callees
    assert "pkg.db.get_db" in index.dependency_functions()


def test_unknown_names_resolve_to_none(index: ProjectIndex) -> None:
    assert index.resolve_name("pkg.routes", "route", "nowhere") is None
    assert index.resolve_name("pkg.nomodule", "", "fetch") is None


def test_replace_module_updates_answers() -> None:
    index = ProjectIndex(
        {
            "a": summarize_source("def f():\n    pass\n", "a", False),
            "b": summarize_source("from a import f\n", "b", False),
        }
    )
    assert index.resolve_name("b", "", "f") == Ref("function", "a.f")
    index.replace_module("a", summarize_source("f = 1\n", "a", False), "new")
    assert index.resolve_name("b", "", "f") is None


# -- the cache follows the facts rules read -----------------------------------------------------


class CallsSleepyHelper(Rule):
    """Test-only: flags calls to a project function whose own body calls `time.sleep`. It reads
    the callee's module through the index, so its findings depend on that module."""

    code = "FPI096"
    name = "test-calls-sleepy-helper"
    message = "calls a helper that sleeps"
    summary = "test rule"
    docs = ""
    triggers = ("(",)

    def visit_Call(self, node: cst.Call) -> None:
        ref = self.ctx.resolve(node.func)
        if ref is None or ref.kind != "function":
            return
        index = self.ctx.index
        fact = index.function(ref.qual)
        split = index.split_qualified(ref.qual)
        if fact is None or split is None:
            return
        for call in fact["calls"]:
            if index.ref_of_value(split[0], split[1], call[0]) == Ref("external", "time.sleep"):
                self.report(node)
                return


@pytest.fixture
def with_test_rule(monkeypatch):
    import fastapi_lint.rules.registry as registry

    extended = [*registry.RULES, CallsSleepyHelper]
    for module in (registry, engine_linting):
        monkeypatch.setattr(module, "RULES", extended)


def cached_run(root: Path) -> tuple[dict[str, bool], list[tuple[str, str]]]:
    settings = load_settings(root)
    settings = type(settings)(**{**vars(settings), "select": ("FPI096",)})
    run = lint_paths([root], settings, LintOptions(jobs=1))
    hits = {Path(r.path).name: r.cache_hit for r in run.results}
    findings = [(Path(f.path).name, f.code) for f in run.findings]
    return hits, findings


def test_editing_a_dependency_invalidates_dependents(tmp_path: Path, with_test_rule) -> None:
    root = make_project(
        tmp_path / "p",
        {
            "pkg/__init__.py": "",
            "pkg/utils.py": "import time\n\n\ndef fetch():\n    time.sleep(1)\n",
            "pkg/routes.py": "from pkg.utils import fetch\n\n\nasync def r():\n    fetch()\n",
            "pkg/other.py": "def unrelated():\n    return 1\n",
        },
    )
    hits, findings = cached_run(root)
    assert not any(hits.values())
    assert findings == [("routes.py", "FPI096")]

    hits, findings = cached_run(root)
    assert all(hits.values()), hits
    assert findings == [("routes.py", "FPI096")]

    # An unrelated edit: only the edited file is linted again.
    (root / "pkg/other.py").write_text("def unrelated():\n    return 2\n")
    hits, findings = cached_run(root)
    assert hits == {"__init__.py": True, "other.py": False, "routes.py": True, "utils.py": True}
    assert findings == [("routes.py", "FPI096")]

    # Editing the helper invalidates routes.py, whose finding read the helper's facts.
    (root / "pkg/utils.py").write_text("import time\n\n\ndef fetch():\n    return 1\n")
    hits, findings = cached_run(root)
    assert hits == {"__init__.py": True, "other.py": True, "routes.py": False, "utils.py": False}
    assert findings == []

    # And back: the finding returns.
    (root / "pkg/utils.py").write_text("import time\n\n\ndef fetch():\n    time.sleep(2)\n")
    hits, findings = cached_run(root)
    assert hits["routes.py"] is False
    assert findings == [("routes.py", "FPI096")]


def test_a_new_module_invalidates_a_cached_miss(tmp_path: Path, with_test_rule) -> None:
    root = make_project(
        tmp_path / "p",
        {"routes.py": "from helpers import fetch\n\n\nasync def r():\n    fetch()\n"},
    )
    assert cached_run(root)[1] == []
    (root / "helpers.py").write_text("import time\n\n\ndef fetch():\n    time.sleep(1)\n")
    hits, findings = cached_run(root)
    assert hits["routes.py"] is False
    assert findings == [("routes.py", "FPI096")]


def test_cache_file_records_dependencies(tmp_path: Path, with_test_rule) -> None:
    import json

    root = make_project(
        tmp_path / "p",
        {
            "pkg/__init__.py": "",
            "pkg/utils.py": "import time\n\n\ndef fetch():\n    time.sleep(1)\n",
            "pkg/routes.py": "from pkg.utils import fetch\n\n\nasync def r():\n    fetch()\n",
        },
    )
    cached_run(root)
    (results,) = (root / ".fastapi_lint_cache").rglob("results-*.json")
    data = json.loads(results.read_text())
    deps = data[str(root / "pkg" / "routes.py")]["deps"]
    assert "pkg.utils" in deps and "pkg.routes" in deps


def test_a_subset_run_does_not_vouch_for_files_it_did_not_check(
    tmp_path: Path, with_test_rule
) -> None:
    """pre-commit lints only the changed files: a later full run must still re-check the
    files that depend on them (the warm path trusts only results made under the same project
    content)."""
    root = make_project(
        tmp_path / "p",
        {
            "pkg/__init__.py": "",
            "pkg/utils.py": "import time\n\n\ndef fetch():\n    time.sleep(1)\n",
            "pkg/routes.py": "from pkg.utils import fetch\n\n\nasync def r():\n    fetch()\n",
        },
    )
    assert cached_run(root)[1] == [("routes.py", "FPI096")]
    (root / "pkg/utils.py").write_text("def fetch():\n    return 1\n")
    settings = load_settings(root)
    settings = type(settings)(**{**vars(settings), "select": ("FPI096",)})
    lint_paths([root / "pkg/utils.py"], settings, LintOptions(jobs=1))
    hits, findings = cached_run(root)
    assert hits["routes.py"] is False
    assert findings == []
    hits, findings = cached_run(root)
    assert all(hits.values())


def test_summaries_are_not_loaded_on_a_full_cache_hit(tmp_path: Path, monkeypatch) -> None:
    from fastapi_lint.engine import cache as cache_module

    root = make_project(tmp_path / "p", {"a.py": "x = 1\n", "b.py": "import time\n"})
    lint_paths([root], load_settings(root), LintOptions(jobs=1))
    loaded = []
    real_load = cache_module.Cache._load

    def spy(path):
        loaded.append(Path(path).name)
        return real_load(path)

    monkeypatch.setattr(cache_module.Cache, "_load", staticmethod(spy))
    run = lint_paths([root], load_settings(root), LintOptions(jobs=1))
    assert all(r.cache_hit for r in run.results)
    assert "summaries.marshal" not in loaded
    assert "files.json" in loaded
