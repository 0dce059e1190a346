"""Applying fixes: node replacements plus scheduled imports, non-overlapping, until stable."""

from __future__ import annotations

import difflib

import libcst as cst
from libcst.codemod import CodemodContext
from libcst.codemod.visitors import AddImportsVisitor

from ..model import Edit, Location
from ..rule import Fix, PendingFinding
from ..source import split_lines
from .untouched import keep_untouched

MAX_FIX_ROUNDS = 10


class _Replacer(cst.CSTTransformer):
    def __init__(self, replacements: dict[cst.CSTNode, cst.CSTNode | cst.RemovalSentinel]):
        super().__init__()
        self.replacements = replacements

    def on_leave(self, original_node, updated_node):
        replacement = self.replacements.get(original_node)
        if replacement is None:
            return updated_node
        return replacement


class _OverlapFinder(cst.CSTVisitor):
    """Marks fixes whose target nodes lie inside another fix's target: they wait a round."""

    def __init__(self, owner: dict[cst.CSTNode, int]) -> None:
        super().__init__()
        self.owner = owner
        self.stack: list[int] = []
        self.rejected: set[int] = set()

    def on_visit(self, node: cst.CSTNode) -> bool:
        fix_id = self.owner.get(node)
        if fix_id is not None:
            if any(other != fix_id for other in self.stack):
                self.rejected.add(fix_id)
            self.stack.append(fix_id)
        return True

    def on_leave(self, original_node: cst.CSTNode) -> None:
        if original_node in self.owner:
            self.stack.pop()


def non_overlapping(module: cst.Module, fixes: list[Fix]) -> list[Fix]:
    if len(fixes) < 2:
        return fixes
    owner: dict[cst.CSTNode, int] = {}
    clashing: set[int] = set()
    for index, fix in enumerate(fixes):
        for node in fix.replacements:
            if node in owner and owner[node] != index:
                clashing.add(index)
            owner.setdefault(node, index)
    finder = _OverlapFinder(owner)
    module.visit(finder)
    rejected = finder.rejected | clashing
    return [fix for index, fix in enumerate(fixes) if index not in rejected]


def apply_fixes(
    module: cst.Module, fixes: list[Fix], source: str | None = None, rendered: str | None = None
) -> str:
    """The module's code with the fixes applied.

    `source` is the text `module` was parsed from: LibCST does not render every file back
    byte for byte (it drops a form feed that starts a line, a CR-only file's last `\r`,
    trailing blanks and comments after the last statement of a file without a final newline),
    so the result is `source` with only the fixes' changes carried over (`keep_untouched`).
    `rendered` is `module.code` when the caller has it already."""
    if module.default_indent.strip(" \t"):
        # A first indented line that starts with a form feed gives a default indent of
        # "\x0c    ", which LibCST then refuses to parse the added imports with. Rendering
        # without it is harmless: keep_untouched puts the original bytes back.
        module = module.with_changes(
            default_indent=module.default_indent.replace("\x0c", "") or "    "
        )
        rendered = None
    replacements: dict[cst.CSTNode, cst.CSTNode | cst.RemovalSentinel] = {}
    imports = []
    for fix in fixes:
        replacements.update(fix.replacements)
        imports.extend(fix.imports)
    new_module = module.visit(_Replacer(replacements)) if replacements else module
    if imports:
        context = CodemodContext()
        for request in imports:
            AddImportsVisitor.add_needed_import(
                context, request.module, request.obj, request.asname
            )
        # transform_module_impl, not transform_module: the latter wraps the tree in a
        # MetadataWrapper, which deep-copies it, and AddImportsVisitor reads no metadata.
        new_module = AddImportsVisitor(context).transform_module_impl(new_module)
    if source is None:
        return new_module.code
    return keep_untouched(source, module.code if rendered is None else rendered, new_module.code)


def compiles(text: str, path: str) -> bool:
    """compile() rejects what a parse accepts but Python does not (await outside async); text
    with syntax newer than the running Python is compiled in its lowered form (`syntax`)."""
    from ..syntax import compiles as python_compiles

    return python_compiles(text, path)


def text_edits(old: str, new: str) -> list[Edit]:
    """Line-granular edits turning `old` into `new` (rows/columns 1-based, end exclusive)."""
    old_lines = split_lines(old, keepends=True)
    new_lines = split_lines(new, keepends=True)
    matcher = difflib.SequenceMatcher(a=old_lines, b=new_lines, autojunk=False)
    edits = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        edits.append(
            Edit(
                content="".join(new_lines[j1:j2]),
                location=Location(i1 + 1, 1),
                end_location=Location(i2 + 1, 1),
            )
        )
    return edits


def fix_signature(item: PendingFinding, module: cst.Module) -> tuple[str, str]:
    return item.rule.code, module.code_for_node(item.node)
