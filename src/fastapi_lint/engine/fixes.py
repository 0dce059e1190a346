"""Applying fixes: node replacements plus scheduled imports, non-overlapping, until stable."""

from __future__ import annotations

import difflib
import functools

import libcst as cst

from ..model import Edit, Location
from ..rule import Fix, PendingFinding
from ..source import split_lines
from .untouched import keep_untouched

MAX_FIX_ROUNDS = 10


class _Replacer(cst.CSTTransformer):
    """Swaps nodes by identity. With `path` (the replaced nodes and their ancestors) it enters
    only those nodes: every other subtree is left as it is without being rebuilt, which is
    what a full transform would give back for it too."""

    def __init__(
        self,
        replacements: dict[cst.CSTNode, cst.CSTNode | cst.RemovalSentinel],
        path: set[int] | None = None,
    ):
        super().__init__()
        self.replacements = replacements
        self.path = path

    def on_visit(self, node: cst.CSTNode) -> bool:
        return self.path is None or id(node) in self.path

    def on_leave(self, original_node, updated_node):
        replacement = self.replacements.get(original_node)
        if replacement is None:
            return updated_node
        return replacement


def _is_import_line(statement: cst.CSTNode) -> bool:
    return (
        isinstance(statement, cst.SimpleStatementLine)
        and len(statement.body) == 1
        and isinstance(statement.body[0], (cst.Import, cst.ImportFrom))
    )


#: Visitor classes whose matcher scans may be skipped once one found nothing, and (per scan
#: function) the classes whose scan found nothing (`_skip_matcher_scans`).
SCAN_FREE_CANDIDATES: set[type] = set()
SCANNED_EMPTY: dict[str, set[type]] = {}


def _skip_matcher_scans(classes: tuple[type, ...]) -> None:
    """LibCST's matcher-decoratable visitors look up every attribute of each new instance
    for `@m.visit`-style decorators (about 10 ms an instance, three instances per fix). The
    import visitors have none: for instances of exactly `classes`, once the scan found
    nothing on the first one, later ones skip it. Left alone when LibCST's internals are not
    what this expects."""
    from libcst.matchers import _visitors

    names = ("_gather_constructed_visit_funcs", "_gather_constructed_leave_funcs")
    if not all(callable(getattr(_visitors, name, None)) for name in (*names, "_gather_matchers")):
        return
    SCAN_FREE_CANDIDATES.update(classes)

    def caching(real, empty: set[type]):
        def scan(obj):
            if type(obj) in empty:
                return {}
            found = real(obj)
            if not found and type(obj) in SCAN_FREE_CANDIDATES:
                empty.add(type(obj))
            return found

        scan.fastapi_lint_cached = True  # type: ignore[attr-defined]
        return scan

    for name in (*names, "_gather_matchers"):
        real = getattr(_visitors, name)
        if not getattr(real, "fastapi_lint_cached", False):
            setattr(_visitors, name, caching(real, SCANNED_EMPTY.setdefault(name, set())))


@functools.cache
def _top_imports_adder() -> type:
    """The class below, made on first use: importing `libcst.codemod` costs more than half a
    second here, paid by every run and pool worker, most of which apply no fix."""
    from libcst.codemod.visitors import AddImportsVisitor, GatherImportsVisitor

    class TopImportsAdder(AddImportsVisitor):
        """LibCST's AddImportsVisitor without its two walks of the whole tree. It reads and edits
        only the module's first block of imports (after a docstring): its gatherer looks at
        nothing past the first statement that is not an import, and its transform changes only
        the `from` imports of that block and the module's body. So the gatherer is given the
        module cut after that statement, and the transform enters only the module and its
        top-level simple statements: the same result, at the cost of the import block."""

        def visit_Module(self, node: cst.Module) -> None:
            prefix = []
            for position, statement in enumerate(node.body):
                prefix.append(statement)
                if position > 0 and not _is_import_line(statement):
                    break
            super().visit_Module(node.with_changes(body=prefix))

        def on_visit(self, node: cst.CSTNode) -> bool:
            entered = super().on_visit(node)
            return entered and isinstance(node, (cst.Module, cst.SimpleStatementLine))

    from libcst.codemod.visitors import _add_imports

    # AddImportsVisitor makes a gatherer of its own for every module it edits (LibCST 1.9:
    # `_GatherTopImportsBeforeStatements`), two scans each time when not skipped.
    gatherers = tuple(
        cls
        for cls in (getattr(_add_imports, "_GatherTopImportsBeforeStatements", None),)
        if isinstance(cls, type)
    )
    _skip_matcher_scans((TopImportsAdder, GatherImportsVisitor, *gatherers))
    return TopImportsAdder


def replacement_path(
    module: cst.Module, targets: list[cst.CSTNode], parents: dict[int, cst.CSTNode] | None = None
) -> set[int] | None:
    """The ids of `targets` and of every node above them (None when one is not in `module`:
    the caller then transforms the whole tree). `parents` is `parent_map(module)`, made once
    for the fixes of one tree."""
    if parents is None:
        parents = parent_map(module)
    path: set[int] = set()
    for node in targets:
        if id(node) not in parents and node is not module:
            return None
        while node is not None and id(node) not in path:
            path.add(id(node))
            node = parents.get(id(node))
    return path


def parent_map(module: cst.Module) -> dict[int, cst.CSTNode]:
    """id(child) -> parent for every node of the tree (the engine's walk, not LibCST's
    rebuilding visit). The tree must stay alive while the map is used."""
    from .traverse import child_nodes

    parents: dict[int, cst.CSTNode] = {}
    stack: list[cst.CSTNode] = [module]
    while stack:
        node = stack.pop()
        for child in child_nodes(node):
            parents[id(child)] = node
            stack.append(child)
    return parents


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


class PreparedTree:
    """What applying several fixes to one tree computes once: its rendering, its parent map,
    and the code of each top-level statement. A fixed tree shares every statement the fixes
    did not touch with the original, so its code is the original statements' code with only
    the new statements rendered (Module renders as its header, statements and footer in
    turn; with a final newline nothing more is added)."""

    def __init__(self, module: cst.Module, rendered: str | None = None) -> None:
        self.module = module
        self._code = rendered
        self._parents: dict[int, cst.CSTNode] | None = None
        self._pieces: dict[int, str] | None = None
        self._ends = ("", "")

    @property
    def code(self) -> str:
        if self._code is None:
            self._code = self.module.code
        return self._code

    @property
    def parents(self) -> dict[int, cst.CSTNode]:
        if self._parents is None:
            self._parents = parent_map(self.module)
        return self._parents

    def render(self, new: cst.Module) -> str:
        """`new.code`, for a tree made from this one by replacing nodes."""
        module = self.module
        same_frame = (
            new.header is module.header
            and new.footer is module.footer
            and new.has_trailing_newline
            and module.has_trailing_newline
            and new.default_indent == module.default_indent
            and new.default_newline == module.default_newline
            and new.body
        )
        if not same_frame:
            return new.code
        if self._pieces is None:
            code_of = module.code_for_node
            self._pieces = {id(stmt): code_of(stmt) for stmt in module.body}
            head = "".join(code_of(line) for line in module.header)
            tail = "".join(code_of(line) for line in module.footer)
            self._ends = (head, tail)
            joined = head + "".join(self._pieces[id(stmt)] for stmt in module.body) + tail
            if self._code is None and module.body:
                # With a final newline and a statement, a module renders as exactly its
                # header, statements and footer: no second rendering of the whole tree.
                self._code = joined
            elif joined != self.code:
                self._pieces = {}  # not this tree's code: render the whole of each new tree
        if not self._pieces:
            return new.code
        pieces, code_of = self._pieces, new.code_for_node
        # The original statements are alive (held by self.module): an id found is the same
        # statement.
        body = "".join(pieces.get(id(stmt)) or code_of(stmt) for stmt in new.body)
        return self._ends[0] + body + self._ends[1]


def apply_fixes(
    module: cst.Module,
    fixes: list[Fix],
    source: str | None = None,
    rendered: str | None = None,
    prepared: PreparedTree | None = None,
    trees: list[cst.Module] | None = None,
    statement: int | None = None,
) -> str:
    """The module's code with the fixes applied.

    `source` is the text `module` was parsed from: LibCST does not render every file back
    byte for byte (it drops a form feed that starts a line, a CR-only file's last `\r`,
    trailing blanks and comments after the last statement of a file without a final newline),
    so the result is `source` with only the fixes' changes carried over (`keep_untouched`).
    `rendered` is `module.code` when the caller has it already; `prepared`, the module's
    `PreparedTree`, when the caller applies several fixes to the same tree. `trees`, when
    given, receives the new tree if it is one a parse of the result could stand for (see
    `reusable_tree`), so the caller need not parse the fixed text again. `statement`: the
    position in `module.body` of the top-level statement the fixes are thought to lie in
    (`_apply_in_statement`)."""
    given = module
    if statement is not None and trees is None and source is not None:
        quick = _apply_in_statement(module, fixes, source, statement)
        if quick is not None:
            return quick
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
    if prepared is None or prepared.module is not module or module is not given:
        prepared = PreparedTree(module, rendered)
    if replacements:
        path = None
        if statement is not None and trees is None and 0 <= statement < len(module.body):
            # The parents of that statement's nodes only, not of the whole tree.
            path = replacement_path(
                module, list(replacements), _statement_parents(module, statement)
            )
        if path is None:
            path = replacement_path(module, list(replacements), prepared.parents)
        new_module = module.visit(_Replacer(replacements, path))
    else:
        new_module = module
    if imports:
        from libcst.codemod import CodemodContext
        from libcst.codemod.visitors import AddImportsVisitor

        context = CodemodContext()
        for request in imports:
            AddImportsVisitor.add_needed_import(
                context, request.module, request.obj, request.asname
            )
        # transform_module_impl, not transform_module: the latter wraps the tree in a
        # MetadataWrapper, which deep-copies it, and AddImportsVisitor reads no metadata.
        new_module = _top_imports_adder()(context).transform_module_impl(new_module)
    new_code = prepared.render(new_module)
    result = new_code if source is None else keep_untouched(source, prepared.code, new_code)
    if (
        trees is not None
        and module is given
        and result == new_code
        and (not replacements or reusable_tree(prepared.parents, replacements))
    ):
        trees.append(new_module)
    return result


def _statement_parents(module: cst.Module, position: int) -> dict[int, cst.CSTNode]:
    """`parent_map` of one top-level statement, with the module as its parent."""
    statement = module.body[position]
    parents = parent_map(statement)
    parents[id(statement)] = module
    return parents


def _apply_in_statement(
    module: cst.Module, fixes: list[Fix], source: str, position: int
) -> str | None:
    """`apply_fixes` for fixes that replace nodes of one top-level statement only and add no
    import (one quick fix for an editor), without a parent map of the whole tree or a
    rendering of every statement: the statement's parents are mapped, it alone is transformed
    and rendered, and its text in `source` is replaced by the new rendering. A statement
    renders the same alone as in its module (see `PreparedTree`), so when its rendering occurs
    exactly once in `source`, that is where it stands, and the rest of `source` is what
    `apply_fixes` keeps of it (`keep_untouched`). None when any of that does not hold: the
    caller then takes the general way."""
    if any(fix.imports for fix in fixes) or not 0 <= position < len(module.body):
        return None
    if module.default_indent.strip(" \t"):
        return None  # a form feed in the indent: the general way renders without it
    replacements: dict[cst.CSTNode, cst.CSTNode | cst.RemovalSentinel] = {}
    for fix in fixes:
        replacements.update(fix.replacements)
    if not replacements:
        return None
    old = module.body[position]
    path = replacement_path(module, list(replacements), _statement_parents(module, position))
    if path is None:
        return None
    new_module = module.visit(_Replacer(replacements, path))
    if (
        len(new_module.body) != len(module.body)
        or new_module.header is not module.header
        or new_module.footer is not module.footer
        or any(
            a is not b
            for i, (a, b) in enumerate(zip(module.body, new_module.body, strict=True))
            if i != position
        )
    ):
        return None
    old_code = module.code_for_node(old)
    start = source.find(old_code)
    if start < 0 or source.find(old_code, start + 1) >= 0:
        return None
    new_code = new_module.code_for_node(new_module.body[position])
    return source[:start] + new_code + source[start + len(old_code) :]


def reusable_tree(
    parents: dict[int, cst.CSTNode],
    replacements: dict[cst.CSTNode, cst.CSTNode | cst.RemovalSentinel],
) -> bool:
    """Whether the tree the replacements make holds each node once, as a parsed tree does: a
    replacement may reuse the nodes under the node it replaces (`node.with_changes(...)`),
    but a node taken from elsewhere in the tree would then stand in two places (the engine
    keys what it knows of a node by its identity). `parents` is the old tree's parent map."""
    replaced: set[int] = set()
    for original in replacements:
        replaced.update(_subtree_ids(original))
    for new in replacements.values():
        if isinstance(new, cst.CSTNode):
            for node_id in _subtree_ids(new):
                if node_id in parents and node_id not in replaced:
                    return False
    return True


def _subtree_ids(node: cst.CSTNode) -> set[int]:
    found: set[int] = set()
    stack = [node]
    while stack:
        current = stack.pop()
        if id(current) in found:
            continue
        found.add(id(current))
        stack.extend(current.children)
    return found


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
