"""The engine's hooks for rules: function bodies entered and left, and a family's per-file slot."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import libcst as cst

from fastapi_lint.config import load_settings
from fastapi_lint.engine.parse import parse_module
from fastapi_lint.engine.traverse import run_rules
from fastapi_lint.index.project import ProjectIndex
from fastapi_lint.index.summary import summarize_source
from fastapi_lint.rule import FileContext, Frame, Rule

SOURCE = """\
@decorate(lambda: 1)
async def outer(x=default()):
    def inner():
        return 1

    class C:
        def method(self):
            pass

    return inner


def outer():  # the same qualname again
    pass
"""


class Recorder(Rule):
    code = "FPI097"
    name = "test-recorder"
    message = "recorded"
    summary = "test rule"
    docs = ""
    events: ClassVar[list[tuple[str, str | None, bool, int]]] = []

    def enter_function(self, frame: Frame) -> None:
        assert self.ctx.frames[-1] is frame
        self.events.append(("enter", frame.key, frame.is_async, len(self.ctx.frames)))

    def exit_function(self, frame: Frame) -> None:
        assert self.ctx.frames[-1] is frame
        self.events.append(("exit", frame.key, frame.is_async, len(self.ctx.frames)))


class Analysis:
    made = 0

    def __init__(self, ctx: FileContext) -> None:
        type(self).made += 1
        self.path = ctx.path


class FamilyA(Rule):
    code = "FPI098"
    name = "test-family-a"
    message = "a"
    summary = "test rule"
    docs = ""
    seen: ClassVar[list[Analysis]] = []

    def visit_Call(self, node: cst.Call) -> None:
        self.seen.append(self.ctx.shared(Analysis))


class FamilyB(FamilyA):
    code = "FPI099"
    name = "test-family-b"


class BrokenHook(Rule):
    code = "FPI095"
    name = "test-broken-hook"
    message = "broken"
    summary = "test rule"
    docs = ""

    def enter_function(self, frame: Frame) -> None:
        raise RuntimeError("hook failed")


def run(tmp_path: Path, *rules: type[Rule]):
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "t"\n')
    summary = summarize_source(SOURCE, "m", False)
    return run_rules(
        path=str(tmp_path / "m.py"),
        module_name="m",
        source=SOURCE,
        module=parse_module(SOURCE),
        settings=load_settings(tmp_path),
        index=ProjectIndex({"m": summary}),
        rule_classes=list(rules),
    )


def test_hooks_see_each_function_body_with_the_index_key(tmp_path: Path) -> None:
    Recorder.events = []
    run(tmp_path, Recorder)
    assert Recorder.events == [
        ("enter", "outer", True, 1),
        ("enter", "outer.inner", False, 2),
        ("exit", "outer.inner", False, 2),
        ("enter", "outer.C.method", False, 3),
        ("exit", "outer.C.method", False, 3),
        ("exit", "outer", True, 1),
        ("enter", "outer#2", False, 1),
        ("exit", "outer#2", False, 1),
    ]
    # The keys are the summary's: the CST walk and the `ast` summary agree.
    summary = summarize_source(SOURCE, "m", False)
    assert {key for _, key, _, _ in Recorder.events} == set(summary["functions"])


def test_a_failing_hook_is_fpi002_and_the_other_rules_go_on(tmp_path: Path) -> None:
    Recorder.events = []
    result = run(tmp_path, BrokenHook, Recorder)
    assert [f.code for f in result.internal_errors] == ["FPI002"]
    assert "FPI095" in result.internal_errors[0].message
    assert "hook failed" in result.internal_errors[0].message
    assert len(Recorder.events) == 8


def test_a_family_analysis_is_made_once_per_file(tmp_path: Path) -> None:
    FamilyA.seen = []
    Analysis.made = 0
    run(tmp_path, FamilyA, FamilyB)
    assert Analysis.made == 1
    assert len(FamilyA.seen) == 2 * 2  # two rules, two calls each (decorate, default)
    assert all(item is FamilyA.seen[0] for item in FamilyA.seen)
    run(tmp_path, FamilyA, FamilyB)
    assert Analysis.made == 2  # a new file (or round) gets a new analysis


def test_rules_without_hooks_define_none() -> None:
    assert Rule.hooks() == ()
    assert Recorder.hooks() == ("enter_function", "exit_function")
    assert FamilyA.hooks() == ()
