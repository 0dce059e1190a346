"""`cstwalk.visit_tree` (a read-only visitor's walk without LibCST's rebuilding `visit`) calls
the hooks LibCST's own walk calls, in the same order."""

from __future__ import annotations

from pathlib import Path

import libcst as cst
import pytest

from fastapi_lint.cstwalk import visit_tree

FIXTURES = Path(__file__).parent / "fixtures"


def _fixture_texts() -> list[str]:
    texts = []
    for path in sorted(FIXTURES.rglob("*.py")):
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        try:
            cst.parse_module(text)
        except Exception:
            continue
        texts.append(text)
    return texts


class _Recorder(cst.CSTVisitor):
    """Records the hooks LibCST calls; skips nested functions as the secret rules' walker."""

    def __init__(self) -> None:
        super().__init__()
        self.events: list[tuple[str, int]] = []

    def visit_Call(self, node: cst.Call) -> None:
        self.events.append(("call", id(node)))

    def leave_Call(self, original_node: cst.Call) -> None:
        self.events.append(("/call", id(original_node)))

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        self.events.append(("def", id(node)))
        return False

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self.events.append(("/def", id(original_node)))

    def visit_Comment(self, node: cst.Comment) -> None:
        self.events.append(("comment", id(node)))


class _Everything(cst.CSTVisitor):
    """Overrides the generic hooks: every node, tokens too."""

    def __init__(self) -> None:
        super().__init__()
        self.events: list[tuple[str, int, str]] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        self.events.append(("in", id(node), ""))
        return not isinstance(node, cst.Lambda)

    def on_leave(self, original_node: cst.CSTNode) -> None:
        self.events.append(("out", id(original_node), ""))


class _Attributes(_Everything):
    """Has attribute hooks: handed to LibCST's own walk."""

    def on_visit_attribute(self, node: cst.CSTNode, attribute: str) -> None:
        self.events.append(("attr", id(node), attribute))


@pytest.mark.parametrize("visitor_type", [_Recorder, _Everything, _Attributes])
def test_visit_tree_calls_the_hooks_libcst_calls(visitor_type) -> None:
    compared = 0
    for text in _fixture_texts():
        module = cst.parse_module(text)
        ours, theirs = visitor_type(), visitor_type()
        visit_tree(module, ours)
        # LibCST's visit of an unchanged tree hands back the same nodes (ids stay valid).
        assert module.visit(theirs) is module
        assert ours.events == theirs.events
        compared += bool(ours.events)
    assert compared > 100
