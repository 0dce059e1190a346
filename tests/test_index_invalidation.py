"""`ProjectIndex.replace_module` invalidates only what the change affects.

An editor buffer or a fixed file replaces one module: memoised answers that never read it stay,
an unchanged digest changes nothing, and project facts are rebuilt from their per-module parts
(only the changed module's part is computed again), with the new value.
"""

from __future__ import annotations

from textwrap import dedent

from fastapi_lint.index.project import ProjectIndex, Ref
from fastapi_lint.index.summary import summarize_source
from fastapi_lint.rules.registry import FACTS

MODULES = {
    "app.deps": """
        def get_db():
            yield 1
    """,
    "app.routes": """
        from fastapi import Depends
        from app.deps import get_db

        def read(db=Depends(get_db)):
            return db
    """,
    "app.util": """
        import time

        def pause():
            time.sleep(1)
    """,
}


def summary(name: str, text: str) -> dict:
    return summarize_source(dedent(text), name, False)


def make_index() -> ProjectIndex:
    summaries = {name: summary(name, text) for name, text in MODULES.items()}
    digests = {name: f"d-{name}" for name in MODULES}
    return ProjectIndex(summaries, digests, facts=FACTS)


class Counting:
    """Counts how often the index computes a memoised answer for each key."""

    def __init__(self, index: ProjectIndex) -> None:
        self.calls: list = []
        original = index.memoised

        def memoised(key, compute):
            def counted():
                self.calls.append(key)
                return compute()

            return original(key, counted)

        index.memoised = memoised  # type: ignore[method-assign]

    def parts(self, module: str) -> list:
        return [key for key in self.calls if key[0] == "@part" and key[-1] == module]


def test_an_unchanged_digest_invalidates_nothing() -> None:
    index = make_index()
    assert index.dependency_functions() == {"app.deps.get_db"}
    assert index.resolve_name("app.util", "pause", "time.sleep") == Ref("external", "time.sleep")
    memo = dict(index._memo)
    index.replace_module("app.routes", summary("app.routes", MODULES["app.routes"]), "d-app.routes")
    assert index._memo == memo


def test_answers_that_did_not_read_the_module_survive() -> None:
    index = make_index()
    assert index.resolve_name("app.util", "pause", "time.sleep") == Ref("external", "time.sleep")
    assert index.resolve_name("app.routes", "read", "get_db") == Ref("function", "app.deps.get_db")
    index.replace_module("app.routes", summary("app.routes", "from app.util import pause\n"), "new")
    counting = Counting(index)
    # Read only app.util: kept.
    assert index.resolve_name("app.util", "pause", "time.sleep") == Ref("external", "time.sleep")
    assert counting.calls == []
    # Read app.routes: computed again, with the new content.
    assert index.resolve_name("app.routes", "", "pause") == Ref("function", "app.util.pause")
    assert counting.calls


def test_a_fact_is_rebuilt_from_the_changed_module_part_only() -> None:
    index = make_index()
    assert index.dependency_functions() == {"app.deps.get_db"}
    assert index.project_fact("session_dependencies") == []
    new_util = """
        from fastapi import Depends
        import time

        def pause():
            time.sleep(1)

        def also(x=Depends(pause)):
            return x
    """
    counting = Counting(index)
    index.replace_module("app.util", summary("app.util", new_util), "new")
    assert index.dependency_functions() == {"app.deps.get_db", "app.util.pause"}
    # The facts in use are settled by replace_module itself (`_settle_facts`): each part of
    # this fact is computed again only for the changed module.
    recomputed = [
        key[-1]
        for key in counting.calls
        if key[0] == "@part" and key[1].endswith("._dependency_functions_in")
    ]
    assert recomputed == ["app.util"]
    # The new value reaches what reads the fact, and the fact's digest follows it.
    assert index.module_roles("app.util") == frozenset({"dependency"})
    assert index.is_dependency("app.util", "pause")


def test_answers_that_read_an_unchanged_fact_survive_an_edit() -> None:
    """An edit that leaves every fact's value as it was (a body edited, no dependency added)
    keeps the answers that read a fact: nothing of another module is computed again."""
    index = make_index()
    assert index.module_roles("app.routes") is not None
    assert index.dependency_functions() == {"app.deps.get_db"}
    kept = {k for k, e in index._memo.items() if any(r.startswith("@") for r in e[1])}
    assert kept
    edited = dedent(MODULES["app.util"]) + "\n\ndef more():\n    return 2\n"
    index.replace_module("app.util", summary("app.util", edited), "new")
    assert index.module("app.util") is not None
    survived = {k for k, e in index._memo.items() if any(r.startswith("@") for r in e[1])}
    assert {k for k in kept if not (isinstance(k, tuple) and k[-1] == "app.util")} <= survived
    counting = Counting(index)
    assert index.dependency_functions() == {"app.deps.get_db"}
    assert index.module_roles("app.routes") is not None
    assert counting.calls == []


def test_an_edit_that_changes_a_fact_drops_its_readers() -> None:
    """Answers that read a fact whose value changed are computed again with the new value."""
    index = make_index()
    roles_before = index.module_roles("app.util")
    assert "dependency" not in roles_before
    # ("dependency-set",) read the fact, not app.util: it must not survive the change.
    assert index.is_dependency("app.deps", "get_db") and not index.is_dependency("app.util", "d")
    new_util = (
        dedent(MODULES["app.util"])
        + "\n\nfrom fastapi import Depends\n\n\ndef d(x=Depends(pause)):\n    return x\n"
    )
    index.replace_module("app.util", summary("app.util", new_util), "new")
    assert index.module("app.util") is not None
    assert index.module_roles("app.util") == frozenset({"dependency"})


def test_removing_and_adding_a_module() -> None:
    index = make_index()
    assert index.dependency_functions() == {"app.deps.get_db"}
    index.replace_module("app.routes", None, "gone")
    assert index.dependency_functions() == set()
    assert index.resolve_name("app.routes", "", "get_db") is None
    index.replace_module("app.routes", summary("app.routes", MODULES["app.routes"]), "back")
    assert index.dependency_functions() == {"app.deps.get_db"}
    assert index.resolve_name("app.routes", "", "get_db") == Ref("function", "app.deps.get_db")


def test_fact_digests_follow_the_fact() -> None:
    index = make_index()
    before = index.fact_digest("dependency_functions")
    assert index.fact_digest("dependency_functions") == before
    index.replace_module("app.routes", summary("app.routes", "x = 1\n"), "new")
    assert index.fact_digest("dependency_functions") != before
    assert index.dependencies_valid({"@dependency_functions": before}) is False


def test_an_unchanged_buffer_through_the_facade_invalidates_nothing(tmp_path) -> None:
    from fastapi_lint.config import load_settings
    from fastapi_lint.engine import project_index, update_module

    (tmp_path / "pyproject.toml").write_text('[project]\nname = "t"\n')
    for name, text in MODULES.items():
        path = tmp_path / (name.replace(".", "/") + ".py")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(dedent(text))
    (tmp_path / "app" / "__init__.py").write_text("")
    settings = load_settings(tmp_path)
    index = project_index(settings, use_cache=False, refresh=True)
    assert index.dependency_functions() == {"app.deps.get_db"}
    memo = dict(index._memo)
    routes = tmp_path / "app" / "routes.py"
    assert update_module(routes.read_text(), routes, settings, index=index) is index
    assert index._memo.keys() == memo.keys()
    assert all(index._memo[key] is memo[key] for key in memo)
    update_module(routes.read_text() + "\nx = 1\n", routes, settings, index=index)
    # The edited module's part of the fact is computed again (to the same value: `x = 1`
    # adds no dependency), so the fact and what read it stay.
    part = ("@part", "fastapi_lint.index.project._dependency_functions_in", (), "app.routes")
    assert index._memo[part] is not memo[part]
    assert index._memo[part][0] == memo[part][0]
    assert index.dependency_functions() == {"app.deps.get_db"}


def test_a_fact_whose_inputs_did_not_change_is_not_computed_again() -> None:
    """An edit that changes none of a fact's parts (a new name referred to, as a fix that
    imports `asyncio` makes) keeps the fact itself: `serving_reach` is not computed again,
    only its parts for the edited module (compared with the old ones), and its digest stays;
    the small fact of the names dead-code candidates are referred by is made again."""
    index = make_index()
    reach = index.project_fact("serving_reach")
    digest = index.fact_digest("serving_reach")
    edited = "import asyncio\n" + dedent(MODULES["app.util"])
    counting = Counting(index)
    index.replace_module("app.util", summary("app.util", edited), "new")
    assert ("@fact", "serving_reach") in index._memo
    assert index.project_fact("serving_reach") is reach
    assert index.fact_digest("serving_reach") == digest
    parts = [key for key in counting.calls if key[0] == "@part"]
    assert parts and all(key[-1] == "app.util" for key in parts)


def test_a_fact_whose_part_changed_is_computed_again() -> None:
    """A new call in the edited module changes its reach part: the fact is computed again,
    with the new edge, and its digest follows."""
    index = make_index()
    before = index.project_fact("serving_reach")
    digest = index.fact_digest("serving_reach")
    assert "app.util.pause" not in before
    routes = (
        dedent(MODULES["app.routes"]).replace(
            "from app.deps import get_db\n",
            "from app.deps import get_db\nfrom app.util import pause\n\n"
            "from fastapi import APIRouter\n\nrouter = APIRouter()\n",
        )
        + "\n\n@router.get('/')\nasync def index():\n    pause()\n"
    )
    index.replace_module("app.routes", summary("app.routes", routes), "new")
    after = index.project_fact("serving_reach")
    assert after is not before
    assert after["app.util.pause"][0] == "serving"
    assert index.fact_digest("serving_reach") != digest
