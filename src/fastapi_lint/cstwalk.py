"""Walking LibCST trees without rebuilding them.

LibCST's own `node.visit(visitor)` rebuilds and re-validates every node it passes, even for a
read-only visitor: on real code that costs more than the parse. The engine walks the tree
itself instead, in LibCST's order, and calls the same hooks; rules that walk a subtree with a
visitor of their own do the same with `visit_tree`.
"""

from __future__ import annotations

import libcst as cst

CHILD_FIELDS: dict[type, tuple[str, ...]] = {}


class _FieldRecorder(cst.CSTVisitor):
    """Learns a node type's child fields, in visiting order, by letting LibCST visit one
    instance without descending into its children."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: list[str] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        return False

    def on_visit_attribute(self, node: cst.CSTNode, attribute: str) -> None:
        self.fields.append(attribute)


def child_fields(node: cst.CSTNode) -> tuple[str, ...]:
    """The node type's child fields in LibCST's visiting order (learnt from the first one)."""
    fields = CHILD_FIELDS.get(type(node))
    if fields is None:
        recorder = _FieldRecorder()
        node._visit_and_replace_children(recorder)
        fields = tuple(recorder.fields)
        if hasattr(node, "format_spec") and "format_spec" not in fields:
            # LibCST visits an f-string field's format spec, last, only when there is one: a
            # type learnt from a field without one would never enter the others' specs.
            fields = (*fields, "format_spec")
        CHILD_FIELDS[type(node)] = fields
    return fields


def child_nodes(node: cst.CSTNode) -> list[cst.CSTNode]:
    """The node's children in LibCST's visiting order (tokens included), read from its fields
    rather than through LibCST's rebuilding `children`."""
    found: list[cst.CSTNode] = []
    for name in child_fields(node):
        value = getattr(node, name)
        if type(value) is tuple or type(value) is list:
            found.extend(child for child in value if isinstance(child, cst.CSTNode))
        elif isinstance(value, cst.CSTNode):
            found.append(value)
    return found


def _token_types() -> frozenset[type]:
    """Whitespace, comments and operator tokens: they hold nothing but more of the same."""
    from libcst._nodes import op, whitespace

    return frozenset(
        value
        for module in (op, whitespace)
        for value in vars(module).values()
        if isinstance(value, type) and issubclass(value, cst.CSTNode)
    )


TOKEN_TYPES = _token_types()

_PLAIN = cst.CSTVisitor


def visit_tree(node: cst.CSTNode, visitor: cst.CSTVisitor) -> None:
    """`node.visit(visitor)` for a read-only visitor, without LibCST's rebuilding: the same
    hooks in the same order (`on_visit`, whose False skips the children, then `on_leave`).
    Tokens (whitespace, comments, operators) are not entered unless the visitor has a method
    for one of them or overrides `on_visit`/`on_leave` itself. A visitor with attribute hooks
    is handed to LibCST's own walk (it calls them in ways a node's fields do not tell)."""
    plan = _PLANS.get(type(visitor))
    if plan is None:
        plan = _PLANS[type(visitor)] = _plan(type(visitor))
    if plan is _BY_LIBCST:
        node.visit(visitor)
    else:
        _visit(node, visitor, plan)


# Per visitor class: the node types not entered (or _BY_LIBCST).
_PLANS: dict[type, frozenset[type]] = {}
_BY_LIBCST: frozenset[type] = frozenset({cst.CSTNode})


def _plan(cls: type) -> frozenset[type]:
    # LibCST's base classes define a stub for every node and attribute: only the visitor's own
    # classes say what it looks at.
    base = set(_PLAIN.__mro__)
    names = [
        name
        for klass in cls.__mro__
        if klass not in base
        for name in vars(klass)
        if name.startswith(("visit_", "leave_"))
    ]
    if (
        cls.on_visit_attribute is not _PLAIN.on_visit_attribute
        or cls.on_leave_attribute is not _PLAIN.on_leave_attribute
        or any(name.count("_") > 1 for name in names)
    ):
        return _BY_LIBCST
    generic = cls.on_visit is not _PLAIN.on_visit or cls.on_leave is not _PLAIN.on_leave
    wanted = {name.partition("_")[2] for name in names}
    # Tokens hold tokens (a comment sits in an empty line): all are entered if one is wanted.
    if generic or any(t.__name__ in wanted for t in TOKEN_TYPES):
        return frozenset()
    return TOKEN_TYPES


def _visit(node: cst.CSTNode, visitor: cst.CSTVisitor, skip: frozenset[type]) -> None:
    if visitor.on_visit(node):
        for name in child_fields(node):
            value = getattr(node, name)
            if type(value) is tuple or type(value) is list:
                for child in value:
                    if type(child) not in skip and isinstance(child, cst.CSTNode):
                        _visit(child, visitor, skip)
            elif value is not None and type(value) not in skip and isinstance(value, cst.CSTNode):
                _visit(value, visitor, skip)
    visitor.on_leave(node)
