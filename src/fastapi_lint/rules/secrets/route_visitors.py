"""The LibCST visitors of the family's fixes (imported when a fix is made: the rule modules
name LibCST only through `lazycst`, so the index gates run without it)."""

from __future__ import annotations

import libcst as cst

from ...rule import dotted_name


class ReferenceFinder(cst.CSTVisitor):
    """Outermost names and dotted names of an expression (`models.User`, not `models`)."""

    def __init__(self) -> None:
        super().__init__()
        self.nodes: list[cst.CSTNode] = []

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        if dotted_name(node) is not None:
            self.nodes.append(node)
            return False
        return True

    def visit_Name(self, node: cst.Name) -> None:
        self.nodes.append(node)

    def visit_Arg(self, node: cst.Arg) -> bool:
        # `keyword=` names are not references.
        if node.keyword is not None:
            node.value.visit(self)
            return False
        return True


class Swap(cst.CSTTransformer):
    def __init__(self, replacements: dict) -> None:
        super().__init__()
        self.replacements = replacements

    def on_leave(self, original_node, updated_node):
        return self.replacements.get(original_node, updated_node)
