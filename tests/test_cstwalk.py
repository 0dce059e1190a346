"""Two shortcuts past LibCST's slow paths, each compared with what LibCST itself gives:
`cstwalk.visit_tree` (a read-only visitor's walk without LibCST's rebuilding `visit`) and the
engine's statement-wise positions (`traverse.positions` with the statements the findings were
reported in: only those statements are rendered with positions, not the whole module)."""

from __future__ import annotations

from pathlib import Path

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider

from fastapi_lint.config import load_settings
from fastapi_lint.cstwalk import child_nodes, visit_tree
from fastapi_lint.engine import LintOptions, lint_paths, traverse

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


TRICKY = (
    "#!/usr/bin/env python\n"
    "# a header comment\n"
    "\n"
    '"""Docstring."""\n'
    "import os; import time  # two statements on a line\n"
    "\n"
    "# a comment of the next statement\n"
    "\n"
    "@decorator(\n"
    "    'argument',\n"
    ")\n"
    "\n"
    "# between decorators\n"
    "@other\n"
    "async def handler(x = (\n"
    "        1)):\n"
    "    time.sleep(1)  # é😀\n"
    "    return {'k': time.sleep(2)}\n"
    "\n"
    "\n"
    "x = (\n"
    "    1,\n"
    "    2,\n"
    ")\n"
    "if x:\n"
    "    y = 1\n"
    "else:\n"
    "    y = \\\n"
    "        2\n"
    "class C(\n"
    "    object):\n"
    "    z = '''a\n"
    "b'''; w = 3\n"
    "\r\n"
    "def last(): time.sleep(3)\n"
    "# trailing comment"
)


def _all_nodes(module: cst.Module) -> dict[int, tuple[cst.CSTNode, int]]:
    """Every node below a top-level statement, with that statement's index."""
    found: dict[int, tuple[cst.CSTNode, int]] = {}
    for position, statement in enumerate(module.body):
        stack = [statement]
        while stack:
            node = stack.pop()
            found[id(node)] = (node, position)
            stack.extend(child_nodes(node))
    return found


@pytest.mark.parametrize(
    "text",
    [TRICKY, TRICKY.replace("\r\n", "\n").replace("\n", "\r\n"), TRICKY + "\n", "x = 1"],
    ids=["mixed", "crlf", "final-newline", "one-line"],
)
def test_statement_positions_equal_the_whole_module_pass(text: str) -> None:
    module = cst.parse_module(text)
    nodes = _all_nodes(module)
    listed = [node for node, _ in nodes.values()]
    statement_of = {key: position for key, (_, position) in nodes.items()}
    table = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    expected = {
        node: (r.start.line, r.start.column, r.end.line, r.end.column)
        for node in listed
        if (r := table.get(node)) is not None
    }
    fast: dict = {}
    rest = traverse._statement_positions(module, listed, statement_of, text, fast)
    assert len(fast) > len(listed) // 2  # the shortcut positioned most of them
    assert {n: fast[n] for n in fast} == {n: expected[n] for n in fast}
    assert traverse.positions(module, listed, statement_of, text) == expected
    # A wrong statement index is noticed: the whole-module pass places the node.
    shifted = {key: (position + 1) % len(module.body) for key, position in statement_of.items()}
    assert traverse.positions(module, listed, shifted, text) == expected
    assert rest is not None


def test_findings_are_the_same_with_the_whole_module_pass(monkeypatch, tmp_path: Path) -> None:
    """Every fixture's findings (and fix edits) with the statement-wise positions equal those
    with LibCST's whole-module pass, and the statement-wise path is the one taken."""
    taken = []
    real = traverse._statement_positions

    def counting(module, nodes, statement_of, source, result):
        rest = real(module, nodes, statement_of, source, result)
        taken.append(len(nodes) - len(rest))
        return rest

    settings = load_settings(FIXTURES)
    options = LintOptions(use_cache=False, fix_edits=True, jobs=1)
    monkeypatch.setattr(traverse, "_statement_positions", counting)
    fast = [f.to_dict() for f in lint_paths([FIXTURES], settings, options).findings]
    monkeypatch.setattr(traverse, "_statement_positions", lambda m, n, s, src, r: list(n))
    whole = [f.to_dict() for f in lint_paths([FIXTURES], settings, options).findings]
    assert fast == whole
    assert sum(taken) > 0.9 * len(fast)


def test_a_format_spec_is_walked_whichever_f_string_field_came_first() -> None:
    """LibCST visits an f-string field's format spec only when it has one: the field table
    learnt from a field without one must still enter the specs of the others."""
    module = cst.parse_module('a = f"{x}"\nb = f"{y:{width}}"\n')
    ours, theirs = _Everything(), _Everything()
    visit_tree(module, ours)
    module.visit(theirs)
    assert ours.events == theirs.events
    names = []

    class Names(cst.CSTVisitor):
        def visit_Name(self, node: cst.Name) -> None:
            names.append(node.value)

    visit_tree(module, Names())
    assert names == ["a", "x", "b", "y", "width"]
