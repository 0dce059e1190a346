"""Linting one file: parse once, walk once with every enabled rule, position only what is reported."""

from __future__ import annotations

import ast
import re
import traceback
from collections.abc import Iterable
from dataclasses import dataclass, field

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from ..config import Settings
from ..cstwalk import CHILD_FIELDS as _CHILD_FIELDS
from ..cstwalk import TOKEN_TYPES as _TOKEN_TYPES
from ..cstwalk import child_fields as _child_fields
from ..cstwalk import child_nodes
from ..index.project import ProjectIndex
from ..index.summary import scope_key
from ..limits import SAFE_NESTING, depth_reason, nesting_depth
from ..model import INTERNAL_ERROR, ChainHop, Finding, FixInfo, Location, engine_finding
from ..rule import FileContext, Frame, NodeHop, PendingFinding, Rule
from ..suppression import Suppressions
from .parse import parse_module, syntax_error_finding
from .problems import PHASES, internal_error

_SCOPE_BODY = "body"
_SCOPE_TYPES = (cst.FunctionDef, cst.ClassDef, cst.Lambda)
_COMPREHENSIONS = (cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp)


class _Dispatcher(cst.CSTVisitor):
    """Calls every rule's visit_/leave_ methods and keeps the scope stack rules read."""

    def __init__(self, ctx: FileContext, rules: list[Rule]) -> None:
        super().__init__()
        self.ctx = ctx
        self.visit_table: dict[str, list] = {}
        self.leave_table: dict[str, list] = {}
        # Engine hooks ("enter_function", "exit_function") of the rules that define them.
        self.hook_table: dict[str, list] = {"enter_function": [], "exit_function": []}
        for rule in rules:
            for attr in dir(type(rule)):
                if attr.startswith("visit_"):
                    self.visit_table.setdefault(attr[6:], []).append(getattr(rule, attr))
                elif attr.startswith("leave_"):
                    self.leave_table.setdefault(attr[6:], []).append(getattr(rule, attr))
            for hook in type(rule).hooks():
                self.hook_table[hook].append(getattr(rule, hook))
        self.seen_keys: dict[str, int] = {}
        self.names: list[str] = []
        self.failures: list[tuple[Rule, BaseException, str]] = []
        # id(reported node) -> index of the top-level statement walked when it was reported.
        self.statement_of: dict[int, int] = {}

    def _key_for(self, name: str) -> str:
        return scope_key(self.seen_keys, self.names, name)

    def _call(self, methods: list, node: cst.CSTNode) -> None:
        for method in methods:
            try:
                method(node)
            except Exception as exc:  # a rule bug must not stop the run
                if isinstance(exc, RecursionError) and depth_reason(exc, self.ctx.source):
                    raise  # the file's depth, not the rule's bug: FPI001 for the file
                self.failures.append((method.__self__, exc, traceback.format_exc()))
                # The same rule would likely fail again on every node: take it out.
                self._remove_rule(method.__self__)

    def _remove_rule(self, rule: Rule) -> None:
        for table in (self.visit_table, self.leave_table, self.hook_table):
            for name, methods in list(table.items()):
                table[name] = [m for m in methods if m.__self__ is not rule]

    def on_visit(self, node: cst.CSTNode) -> bool:
        methods = self.visit_table.get(type(node).__name__)
        if methods:
            self._call(methods, node)
        if isinstance(node, _COMPREHENSIONS):
            self.ctx.frames.append(
                Frame(node, "comprehension", shadowed=frozenset(_comprehension_targets(node)))
            )
        return True

    def on_leave(self, original_node: cst.CSTNode) -> None:
        if isinstance(original_node, _COMPREHENSIONS):
            self.ctx.frames.pop()
        methods = self.leave_table.get(type(original_node).__name__)
        if methods:
            self._call(methods, original_node)

    def walk(self, module: cst.Module) -> None:
        """Visits every node of `module` once, in LibCST's order, without rebuilding nodes.
        Token nodes are skipped unless a rule visits them. Notes which top-level statement
        was being walked when each finding was reported (`statement_of`)."""
        wanted = set(self.visit_table) | set(self.leave_table)
        skip = frozenset(t for t in _TOKEN_TYPES if t.__name__ not in wanted)
        self.on_visit(module)
        fields = _CHILD_FIELDS.get(type(module))
        if fields is None:
            fields = _child_fields(module)
        pending = self.ctx.pending
        for name in fields:
            value = getattr(module, name)
            if type(value) is not tuple and type(value) is not list:
                if value is not None and type(value) not in skip:
                    self._walk(value, skip)
                continue
            for position, child in enumerate(value):
                if type(child) in skip:
                    continue
                before = len(pending)
                self._walk(child, skip)
                if name == "body":
                    for item in pending[before:]:
                        self.statement_of.setdefault(id(item.node), position)
                        for hop in item.chain:
                            if isinstance(hop, NodeHop):
                                self.statement_of.setdefault(id(hop.node), position)
        self.on_leave(module)

    def _walk(self, node: cst.CSTNode, skip: frozenset[type]) -> None:
        self.on_visit(node)
        fields = _CHILD_FIELDS.get(type(node))
        if fields is None:
            fields = _child_fields(node)
        scoped = isinstance(node, _SCOPE_TYPES)
        for name in fields:
            value = getattr(node, name)
            if scoped and name == _SCOPE_BODY:
                self.on_visit_attribute(node, name)
            if type(value) is tuple or type(value) is list:
                for child in value:
                    if type(child) not in skip:
                        self._walk(child, skip)
            elif value is not None and type(value) not in skip and isinstance(value, cst.CSTNode):
                self._walk(value, skip)
            if scoped and name == _SCOPE_BODY:
                self.on_leave_attribute(node, name)
        self.on_leave(node)

    # Function, class and lambda scopes begin at their body: decorators, defaults, annotations
    # and bases are evaluated in the enclosing scope.
    def on_visit_attribute(self, node: cst.CSTNode, attribute: str) -> None:
        if attribute != _SCOPE_BODY:
            return
        if isinstance(node, cst.FunctionDef):
            key = self._key_for(node.name.value)
            self.names.append(node.name.value)
            frame = Frame(node, "function", key=key, is_async=node.asynchronous is not None)
            self.ctx.frames.append(frame)
            hooks = self.hook_table["enter_function"]
            if hooks:
                self._call(hooks, frame)
        elif isinstance(node, cst.ClassDef):
            key = self._key_for(node.name.value)
            self.names.append(node.name.value)
            self.ctx.frames.append(Frame(node, "class", key=key))
        elif isinstance(node, cst.Lambda):
            self.ctx.frames.append(
                Frame(node, "lambda", shadowed=frozenset(_param_names(node.params)))
            )

    def on_leave_attribute(self, original_node: cst.CSTNode, attribute: str) -> None:
        if attribute != _SCOPE_BODY:
            return
        if isinstance(original_node, (cst.FunctionDef, cst.ClassDef)):
            hooks = self.hook_table["exit_function"]
            if hooks and isinstance(original_node, cst.FunctionDef):
                self._call(hooks, self.ctx.frames[-1])
            self.names.pop()
            self.ctx.frames.pop()
        elif isinstance(original_node, cst.Lambda):
            self.ctx.frames.pop()


def _param_names(params: cst.Parameters) -> Iterable[str]:
    for param in (*params.posonly_params, *params.params, *params.kwonly_params):
        yield param.name.value
    if isinstance(params.star_arg, cst.Param):
        yield params.star_arg.name.value
    if params.star_kwarg is not None:
        yield params.star_kwarg.name.value


def _comprehension_targets(node: cst.CSTNode) -> Iterable[str]:
    comp = getattr(node, "for_in", None)
    while comp is not None:
        yield from _target_names(comp.target)
        comp = comp.inner_for_in


def _target_names(target: cst.CSTNode) -> Iterable[str]:
    if isinstance(target, cst.Name):
        yield target.value
    elif isinstance(target, (cst.Tuple, cst.List)):
        for element in target.elements:
            yield from _target_names(element.value)
    elif isinstance(target, cst.StarredElement):
        yield from _target_names(target.value)


@dataclass
class RuleRun:
    ctx: FileContext
    pending: list[PendingFinding]
    internal_errors: list[Finding]
    # Where each reported node probably is: id(node) -> top-level statement (`positions`).
    statement_of: dict[int, int] = field(default_factory=dict)


def run_rules(
    *,
    path: str,
    module_name: str,
    source: str,
    module: cst.Module,
    settings: Settings,
    index: ProjectIndex,
    rule_classes: list[type[Rule]],
) -> RuleRun:
    """One batched traversal of `module` with every rule in `rule_classes`."""
    ctx = FileContext(
        path=path,
        module_name=module_name,
        source=source,
        module=module,
        settings=settings,
        index=index,
    )
    rules = []
    errors: list[Finding] = []
    for cls in rule_classes:
        try:
            rules.append(cls(ctx))
        except Exception as exc:  # a broken rule must not stop the others
            if isinstance(exc, RecursionError) and depth_reason(exc, source):
                raise
            errors.append(internal_error(path, "rules", exc, f"rule {cls.code} ({cls.name})"))
    dispatcher = _Dispatcher(ctx, rules)
    # A RecursionError from the walk itself escapes: lint_text tells the file's depth (FPI001)
    # from a bug (FPI002).
    dispatcher.walk(module)
    for rule, exc, trace in dispatcher.failures:
        errors.append(
            internal_error(path, "rules", exc, f"rule {rule.code} ({rule.name})", detail=trace)
        )
    return RuleRun(ctx, ctx.pending, errors, dispatcher.statement_of)


def positions(
    module: cst.Module,
    nodes: list[cst.CSTNode],
    statement_of: dict[int, int] | None = None,
    source: str | None = None,
) -> dict[cst.CSTNode, tuple]:
    """Code ranges of the reported nodes only (a full position pass costs twice the parse).

    With `statement_of` (id(node) -> the top-level statement it is thought to be in) and the
    `source` the module was parsed from, only those statements are positioned, each on its
    own (`_statement_positions`); a node not found that way is positioned in the whole
    module."""
    if not nodes:
        return {}
    result: dict[cst.CSTNode, tuple] = {}
    rest = nodes
    if statement_of and source is not None:
        rest = _statement_positions(module, nodes, statement_of, source, result)
    if rest:
        wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
        table = wrapper.resolve(PositionProvider)
        for node in rest:
            rng = table.get(node)
            if rng is not None:
                result[node] = (rng.start.line, rng.start.column, rng.end.line, rng.end.column)
    return result


def _statement_positions(
    module: cst.Module,
    nodes: list[cst.CSTNode],
    statement_of: dict[int, int],
    source: str,
    result: dict[cst.CSTNode, tuple],
) -> list[cst.CSTNode]:
    """Positions the nodes of a few top-level statements without rendering the whole module
    with positions (what an editor's re-lint of a long file spent most on). A top-level
    statement starts a line, and LibCST renders it the same alone as inside its module (the
    same indent and newline), so its nodes' positions are those within it, moved down to the
    line it starts on. That line comes from Python's `ast` (the statement's first token, or
    its first decorator's, minus the blank and comment lines LibCST counts as the statement's
    own), and is checked: the statement rendered alone must be the source's text from that
    line on, else its nodes are left to the whole-module pass. Returns the nodes not
    positioned."""
    wanted: dict[int, list[cst.CSTNode]] = {}
    rest = []
    for node in nodes:
        position = statement_of.get(id(node))
        if position is None or position >= len(module.body):
            rest.append(node)
        else:
            wanted.setdefault(position, []).append(node)
    if not wanted:
        return rest
    if nesting_depth(source, SAFE_NESTING) > SAFE_NESTING:
        # A deep file is rendered whole as before: its depth shows (FPI001) where LibCST's
        # rendering reaches the recursion limit, whichever statement holds the findings.
        return nodes
    starts = _statement_lines(module, source, max(wanted))
    if starts is None:
        return [*rest, *(node for group in wanted.values() for node in group)]
    lines = _NEWLINE.split(source)
    ends = _NEWLINE.findall(source)
    for position, group in wanted.items():
        statement = module.body[position]
        alone = cst.Module(
            body=[statement],
            header=(),
            footer=(),
            encoding=module.encoding,
            default_indent=module.default_indent,
            default_newline=module.default_newline,
            has_trailing_newline=True,
        )
        rendered = _rendered_with_positions(alone)
        if rendered is None:
            rest.extend(group)
            continue
        code, table = rendered
        first = starts[position] - 1
        count = len(_NEWLINE.findall(code))
        expected = "".join(
            lines[row] + (ends[row] if row < len(ends) else "")
            for row in range(first, min(first + count, len(lines)))
        )
        if first + count > len(ends):
            # The file's last line has no newline; the statement alone ends with one.
            code = _FINAL_NEWLINE.sub("", code, count=1)
        if first < 0 or code != expected:
            rest.extend(group)
            continue
        for node in group:
            rng = table.get(node)
            if rng is None:
                rest.append(node)
                continue
            result[node] = (
                rng.start.line + first,
                rng.start.column,
                rng.end.line + first,
                rng.end.column,
            )
    return rest


_NEWLINE = re.compile(r"\r\n?|\n")
_FINAL_NEWLINE = re.compile(r"(?:\r\n?|\n)\Z")


def _rendered_with_positions(module: cst.Module) -> tuple[str, dict] | None:
    """The module's code and its nodes' positions from one rendering (what `PositionProvider`
    computes, without the metadata wrapper's extra visit and a second rendering for the
    code); None when this LibCST's internals differ from the ones this was written for."""
    try:
        from libcst.metadata.position_provider import PositionProvidingCodegenState

        provider = PositionProvider()
        state = PositionProvidingCodegenState(
            default_indent=module.default_indent,
            default_newline=module.default_newline,
            provider=provider,
        )
        module._codegen(state)
        return "".join(state.tokens), provider._computed
    except Exception:
        return None


def _statement_lines(module: cst.Module, source: str, last: int) -> list[int] | None:
    """The line each of the module's first `last + 1` top-level statements starts on (its
    leading blank and comment lines included), from Python's `ast`; None when `ast` cannot
    read the source or its statements do not pair with LibCST's."""
    try:
        tree = ast.parse(source)
    except Exception:  # newer syntax than this Python, too deep, ...: the whole-module pass
        return None
    body = tree.body
    starts = []
    k = 0
    for statement in module.body[: last + 1]:
        if k >= len(body):
            return None
        first = body[k]
        row = first.lineno
        decorators = getattr(first, "decorator_list", None)
        if decorators:
            row = min(row, decorators[0].lineno)
        starts.append(row - len(statement.leading_lines))
        k += len(statement.body) if isinstance(statement, cst.SimpleStatementLine) else 1
    return starts


def to_findings(
    run: RuleRun,
    *,
    lines: list[str],
    enabled: frozenset[str],
    unsafe_fixes: bool,
    edits_for=None,
) -> list[Finding]:
    """Pending findings -> Findings with positions, minus suppressed and disabled ones."""
    pending = [p for p in run.pending if p.rule.code in enabled]
    nodes = [p.node for p in pending]
    nodes.extend(hop.node for p in pending for hop in p.chain if isinstance(hop, NodeHop))
    spans = positions(run.ctx.module, nodes, run.statement_of, run.ctx.source)
    findings: list[Finding] = []
    seen: set[tuple[str, int]] = set()
    noqa = Suppressions(lines)
    lost: set[type] = set()
    for item in pending:
        span = spans.get(item.node)
        if span is None:
            # The rule reported a node that is not in the file's tree: a bug in the rule; its
            # finding cannot be placed, and dropping it silently would hide the bug.
            lost.add(item.rule)
            continue
        row, col, end_row, end_col = span
        if noqa.suppressed(item.rule.code, row):
            continue
        # One problem, one finding: the same rule never reports a node twice.
        identity = (item.rule.code, id(item.node))
        if identity in seen:
            continue
        seen.add(identity)
        fix_info = None
        if item.fix is not None:
            edits = edits_for(item) if edits_for is not None else ()
            fix_info = FixInfo(item.fix.applicability, item.fix.message, tuple(edits or ()))
        findings.append(
            Finding(
                code=item.rule.code,
                name=item.rule.name,
                message=item.message,
                path=run.ctx.path,
                location=Location(row, col + 1),
                end_location=Location(end_row, end_col + 1),
                fix=fix_info,
                noqa_row=row,
                chain=_chain(item, spans, run.ctx.path),
                related=item.related,
            )
        )
    findings.extend(run.internal_errors)
    for rule in sorted(lost, key=lambda r: r.code):
        findings.append(
            engine_finding(
                INTERNAL_ERROR,
                run.ctx.path,
                f"internal error in the rules phase ({PHASES['rules']}): rule {rule.code} "
                f"({rule.name}) reported a node that is not in this file; its finding is lost",
            )
        )
    return findings


def _chain(item: PendingFinding, spans: dict, path: str) -> tuple[ChainHop, ...]:
    """The pending chain with the hops at nodes of this file positioned (1-based columns)."""
    hops = []
    for hop in item.chain:
        if isinstance(hop, NodeHop):
            span = spans.get(hop.node)
            if span is None:
                continue
            hops.append(ChainHop(path, span[0], span[1] + 1, hop.call))
        else:
            hops.append(hop)
    return tuple(hops)


__all__ = ["child_nodes", "parse_module", "run_rules", "syntax_error_finding", "to_findings"]
