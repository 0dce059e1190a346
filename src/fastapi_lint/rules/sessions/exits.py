"""FPI202's walk of a function's exits (a LibCST visitor, imported when a walk needs it:
the rule module itself names LibCST only through `lazycst`)."""

from __future__ import annotations

import libcst as cst


class Exits(cst.CSTVisitor):
    """How values leave a function: the calls it returns directly, and the names it returns,
    declares `global`/`nonlocal` or disposes of (nested functions and classes are not its own
    body)."""

    def __init__(self, root: cst.FunctionDef) -> None:
        self.root = root
        self.returned_calls: set[int] = set()
        self.kept_names: set[str] = set()

    @classmethod
    def of(cls, func: cst.FunctionDef) -> Exits:
        exits = cls(func)
        func.body.visit(exits)
        return exits

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return False

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        return False

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return False

    def visit_Return(self, node: cst.Return) -> None:
        value = node.value
        if isinstance(value, cst.Await):
            value = value.expression
        if isinstance(value, cst.Call):
            self.returned_calls.add(id(value))
        elif isinstance(value, cst.Name):
            self.kept_names.add(value.value)
        elif isinstance(value, cst.Tuple):
            for element in value.elements:
                if isinstance(element.value, cst.Name):
                    self.kept_names.add(element.value.value)
                elif isinstance(element.value, cst.Call):
                    self.returned_calls.add(id(element.value))

    def visit_Call(self, node: cst.Call) -> None:
        # `engine.dispose()`: a one-off engine the function tears down itself.
        func = node.func
        if (
            isinstance(func, cst.Attribute)
            and func.attr.value == "dispose"
            and isinstance(func.value, cst.Name)
        ):
            self.kept_names.add(func.value.value)

    def visit_Global(self, node: cst.Global) -> None:
        self.kept_names.update(item.name.value for item in node.names)

    def visit_Nonlocal(self, node: cst.Nonlocal) -> None:
        self.kept_names.update(item.name.value for item in node.names)
