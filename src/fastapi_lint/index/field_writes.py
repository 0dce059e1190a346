"""What a function writes to attributes of the objects it returns, for the summaries.

`returned_field_writes(body)` walks one function body (not nested defs) statement by statement
and, at each `return <value>`, records the attribute assignments still in effect on the local
names the returned value reads:

    for provider in rows:              # each element of `rows`
        provider.api_key = None
    return [p.to_pydantic() for p in rows]      -> {"rows": [["api_key", ["const", None]]]}

An assignment is in effect at a return when it runs on every path that reaches it: in the
block before it, in a `with` or `try` body, and, for the loop target of `for x in <name>`, on
each element of `<name>` after the loop. One made in one branch of an `if` is dropped after
the `if`, unless the `if` tests the attribute itself (`if x.secret: x.secret = ""`, also
through a local bound to `x.secret or ...`): when the branch is not taken the attribute is
already empty. Re-binding a name forgets what was written to it; writing another value to the
attribute replaces the earlier one. The values are kept as shapes; what counts as harmless
(None, a mask) is the reader's decision.

A list the function fills takes the writes of what it appends: `out = []`, then in a loop
`copy = x.model_copy(); copy.secret = redact(copy.secret); out.append(copy)`, then `return out`
gives `{"out": [["secret", <redact call>]]}` — each element has the write (a list bound to `[]`
holds no element yet, so whatever the first append brings holds for all; later appends keep
only the writes they agree on). Anything else that may put an element in it (`extend`,
`insert`, a subscript assignment, handing the list to a call, another name for it) forgets
its writes, and a write to an appended name after the append (the element is the same object)
drops that attribute.

The result is aligned with the function's `returns_values`: one dict per `return` with a value,
in source order, or None when no return has a write in effect (the common case: nothing is
stored).

`returned_facts` also gives, per `return`, the value each local name the returned expression
reads was last bound to, when the name is bound more than once in the function (so the
semantic model's `bound_value` cannot answer) and one `name = <value>` reaches the `return` on
every path: `agent = load(id)`, ..., `agent = redact(agent)`, `return agent` gives
`{"agent": <the redact call>}`.
"""

from __future__ import annotations

import ast
from typing import Any

from .branches import dotted_name

Writes = dict[str, dict[str, Any]]  # name -> attr -> value shape
#: Names whose falsiness implies the falsiness of dotted names (`s = x.a or x.b`).
Ors = dict[str, frozenset[str]]

MAX_STATEMENTS = 4000


class _State:
    __slots__ = ("fresh", "into", "lists", "ors", "values", "writes")

    def __init__(
        self,
        writes: Writes | None = None,
        ors: Ors | None = None,
        values: dict[str, Any] | None = None,
        fresh: frozenset[str] = frozenset(),
        lists: frozenset[str] = frozenset(),
        into: dict[str, frozenset[str]] | None = None,
    ) -> None:
        self.writes: Writes = writes or {}
        self.ors: Ors = ors or {}
        self.values: dict[str, Any] = values or {}  # name -> the value it was last bound to
        self.fresh = fresh  # lists bound to `[]` that nothing was put in yet
        self.lists = lists  # names bound to a list literal here (fresh or filled by appends)
        self.into: dict[str, frozenset[str]] = into or {}  # appended name -> lists holding it

    def copy(self) -> _State:
        return _State(
            {k: dict(v) for k, v in self.writes.items()},
            dict(self.ors),
            dict(self.values),
            self.fresh,
            self.lists,
            dict(self.into),
        )

    def forget(self, names: set[str]) -> _State:
        if not names:
            return self
        out = self.copy()
        for name in names:
            out.writes.pop(name, None)
            out.ors.pop(name, None)
            out.values.pop(name, None)
            out.into.pop(name, None)
        out.fresh = out.fresh - names
        out.lists = out.lists - names
        return out


def returned_field_writes(body: list[ast.stmt], shape_of: Any) -> list[dict] | None:
    return returned_facts(body, shape_of)[0]


def returned_facts(
    body: list[ast.stmt], shape_of: Any, params: frozenset[str] = frozenset()
) -> tuple[list[dict] | None, list[dict] | None]:
    """(the writes in effect at each `return`, the values of rebound names at each `return`),
    each aligned with the returns and None when empty (see the module docstring); `params`
    are the function's parameter names (a parameter bound again is bound twice)."""
    walker = _Walker(shape_of, lambda: _rebound(body, params))
    walker.block(body, _State())
    if walker.overflow:
        return None, None
    writes = walker.returns if any(walker.returns) else None
    values = walker.values if any(walker.values) else None
    return writes, values


def _rebound(body: list[ast.stmt], params: frozenset[str]) -> frozenset[str]:
    """Names the body binds more than once (a parameter counts as one binding)."""
    counts: dict[str, int] = dict.fromkeys(params, 1)
    stack: list[ast.AST] = list(body)
    while stack:
        item = stack.pop()
        if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        if isinstance(item, ast.Name) and isinstance(item.ctx, ast.Store):
            counts[item.id] = counts.get(item.id, 0) + 1
        stack.extend(ast.iter_child_nodes(item))
    return frozenset(name for name, count in counts.items() if count > 1)


def _bound_names(node: ast.AST) -> set[str]:
    """Names a statement (or block) binds, nested defs and classes by their name only."""
    found: set[str] = set()
    stack: list[ast.AST] = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            found.add(item.name)
            continue
        if isinstance(item, ast.Lambda):
            continue
        if isinstance(item, ast.Name) and isinstance(item.ctx, (ast.Store, ast.Del)):
            found.add(item.id)
        elif isinstance(item, ast.alias):
            found.add((item.asname or item.name).split(".")[0])
        elif isinstance(item, ast.ExceptHandler) and item.name:
            found.add(item.name)
        stack.extend(ast.iter_child_nodes(item))
    return found


def _meet(states: list[_State]) -> _State:
    """What holds after any of several paths: the writes all of them agree on. A list still
    empty on a path agrees with any write (it has no element that could lack it)."""
    first, *rest = states
    writes: Writes = {}
    for name in {n for state in states for n in state.writes}:
        known = [s.writes.get(name, {}) for s in states if name not in s.fresh]
        if not known:
            continue
        head, *others = known
        kept = {
            attr: value
            for attr, value in head.items()
            if all(other.get(attr, _MISSING) == value for other in others)
        }
        if kept:
            writes[name] = kept
    ors = {k: v for k, v in first.ors.items() if all(o.ors.get(k) == v for o in rest)}
    values = {
        k: v for k, v in first.values.items() if all(o.values.get(k, _MISSING) == v for o in rest)
    }
    fresh = frozenset.intersection(*(s.fresh for s in states))
    lists = frozenset.intersection(*(s.lists for s in states))
    into = {
        k: frozenset.union(*(s.into.get(k, frozenset()) for s in states))
        for k in {n for s in states for n in s.into}
    }
    return _State(writes, ors, values, fresh, lists, into)


_MISSING = object()


def _empty_list(value: ast.expr) -> bool:
    """`[]` or `list()`."""
    if isinstance(value, ast.List):
        return not value.elts
    return (
        isinstance(value, ast.Call)
        and isinstance(value.func, ast.Name)
        and value.func.id == "list"
        and not value.args
        and not value.keywords
    )


#: List methods that put elements in the list other than `append(name)` as a statement.
ADDING = frozenset({"append", "extend", "insert", "__setitem__", "__iadd__"})
#: Builtins that read a list they are handed and keep no reference to it.
READING_BUILTINS = frozenset(
    {"len", "bool", "list", "tuple", "sorted", "any", "all", "sum", "str", "repr", "isinstance",
     "print", "enumerate", "reversed", "iter", "min", "max", "set", "frozenset"}
)  # fmt: skip


class _Walker:
    def __init__(self, shape_of: Any, rebound: Any = frozenset) -> None:
        self.shape_of = shape_of
        self._rebound_names = rebound  # computed on first need (most functions never ask)
        self._rebound: frozenset[str] | None = None
        self.returns: list[dict] = []
        self.values: list[dict] = []
        self.count = 0
        self.overflow = False

    def block(self, stmts: list[ast.stmt], state: _State) -> _State:
        for stmt in stmts:
            self.count += 1
            if self.count > MAX_STATEMENTS:
                self.overflow = True
                return state
            state = self.statement(stmt, state)
        return state

    def statement(self, stmt: ast.stmt, state: _State) -> _State:
        if isinstance(stmt, ast.Return):
            if stmt.value is not None:
                self.returns.append(self._in_effect(stmt.value, state))
                self.values.append(self._values_in_effect(stmt.value, state))
            return state
        appended = self._appended(stmt)
        if appended is not None:
            return self._append(state, *appended)
        if state.writes or state.lists:
            state = state.forget(self._filled(stmt, state))
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            return state.forget({stmt.name})
        if isinstance(stmt, (ast.Assign, ast.AnnAssign)):
            return self._assign(stmt, state)
        if isinstance(stmt, ast.AugAssign):
            target = stmt.target
            if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name):
                return self._write(state, target.value.id, target.attr, ["?"])
            return state.forget(_bound_names(stmt))
        if isinstance(stmt, (ast.For, ast.AsyncFor)):
            return self._loop(stmt, state)
        if isinstance(stmt, ast.While):
            bound = _bound_names(stmt)
            inner = self.block(stmt.body, state.forget(bound))
            after = _meet([state, inner]).forget(bound)
            return _meet([after, self.block(stmt.orelse, after)])
        if isinstance(stmt, ast.If):
            return self._if(stmt, state)
        if isinstance(stmt, (ast.With, ast.AsyncWith)):
            names = {n for item in stmt.items for n in _bound_names(item)}
            return self.block(stmt.body, state.forget(names))
        if isinstance(stmt, ast.Try) or type(stmt).__name__ == "TryStar":
            return self._try(stmt, state)
        if isinstance(stmt, ast.Match):
            paths = [state]
            for case in stmt.cases:
                paths.append(self.block(case.body, state.forget(_bound_names(case.pattern))))
            return _meet(paths).forget(_bound_names(stmt))
        # Expressions and the rest: a walrus or an import binds names.
        return state.forget(_bound_names(stmt))

    def _in_effect(self, value: ast.expr, state: _State) -> dict:
        names = {n.id for n in ast.walk(value) if isinstance(n, ast.Name)}
        return {
            name: [[attr, shape] for attr, shape in sorted(state.writes[name].items())]
            for name in sorted(names)
            if state.writes.get(name)
        }

    def _values_in_effect(self, value: ast.expr, state: _State) -> dict:
        if not state.values:
            return {}
        names = [n.id for n in ast.walk(value) if isinstance(n, ast.Name) and n.id in state.values]
        if not names:
            return {}
        if self._rebound is None:
            self._rebound = self._rebound_names()
        # The assignment's value node is kept until here: its shape is made only when read.
        return {
            name: self.shape_of(state.values[name])
            for name in sorted(set(names))
            if name in self._rebound
        }

    def _write(self, state: _State, name: str, attr: str, value: Any) -> _State:
        out = state.copy()
        out.writes.setdefault(name, {})[attr] = value
        for holder in out.into.get(name, ()):
            # The element appended is this object: what the list's elements hold changes too.
            held = out.writes.get(holder, {})
            if held.get(attr, _MISSING) != value:
                held.pop(attr, None)
        return out

    @staticmethod
    def _appended(stmt: ast.stmt) -> tuple[str, ast.expr] | None:
        """`items.append(x)` as a statement."""
        if not isinstance(stmt, ast.Expr) or not isinstance(stmt.value, ast.Call):
            return None
        call = stmt.value
        func = call.func
        if (
            isinstance(func, ast.Attribute)
            and func.attr == "append"
            and isinstance(func.value, ast.Name)
            and len(call.args) == 1
            and not call.keywords
            and not isinstance(call.args[0], ast.Starred)
        ):
            return func.value.id, call.args[0]
        return None

    def _append(self, state: _State, holder: str, item: ast.expr) -> _State:
        out = state.forget(_bound_names(item)).copy()  # a walrus in the argument
        out = out.forget(self._filled(item, out))  # `out.append(wrap(out))`
        brought = out.writes.get(item.id, {}) if isinstance(item, ast.Name) else {}
        if holder in out.fresh:
            out.writes[holder] = dict(brought)
            out.fresh = out.fresh - {holder}
        elif holder in out.writes:
            held = out.writes[holder]
            kept = {a: v for a, v in held.items() if brought.get(a, _MISSING) == v}
            if kept:
                out.writes[holder] = kept
            else:
                out.writes.pop(holder)
        if isinstance(item, ast.Name) and holder in out.lists:
            out.into[item.id] = out.into.get(item.id, frozenset()) | {holder}
        return out

    @staticmethod
    def _filled(stmt: ast.AST, state: _State) -> set[str]:
        """Names whose elements the statement may change: the receiver of an adding method
        (`extend`, `insert`, an `append` inside an expression); and, for lists bound here, a
        subscript assignment, the list handed to a call or bound to another name."""
        adding: set[str] = set()
        found: set[str] = set()
        stack: list[ast.AST] = [stmt]
        while stack:
            item = stack.pop()
            if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                continue
            if isinstance(item, ast.stmt) and item is not stmt:
                continue  # a statement of a nested block: the walk meets it in its turn
            if isinstance(item, ast.Call):
                func = item.func
                if (
                    isinstance(func, ast.Attribute)
                    and isinstance(func.value, ast.Name)
                    and func.attr in ADDING
                ):
                    adding.add(func.value.id)
                if isinstance(func, ast.Name) and func.id in READING_BUILTINS:
                    stack.extend(item.args)
                    continue
                for arg in [*item.args, *(k.value for k in item.keywords)]:
                    inner = arg.value if isinstance(arg, ast.Starred) else arg
                    if isinstance(inner, ast.Name):
                        found.add(inner.id)
            elif isinstance(item, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
                targets = item.targets if isinstance(item, ast.Assign) else [item.target]
                for target in targets:
                    if isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name):
                        found.add(target.value.id)
                if isinstance(item.value, ast.Name):
                    found.add(item.value.id)  # another name for the same list
            stack.extend(ast.iter_child_nodes(item))
        return adding & set(state.writes) | adding & state.lists | found & state.lists

    def _assign(self, stmt: ast.Assign | ast.AnnAssign, state: _State) -> _State:
        targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
        value = stmt.value
        if value is None:
            return state
        state = state.forget(_bound_names(value))  # a walrus in the value
        for target in targets:
            if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name):
                state = self._write(state, target.value.id, target.attr, self.shape_of(value))
            else:
                state = state.forget(_bound_names(target))
                if isinstance(target, ast.Name):
                    # (`forget` of a non-empty set of names gave a copy: it may be changed.)
                    operands = self._falsy_operands(value)
                    if operands:
                        state.ors[target.id] = operands
                    if len(targets) == 1:
                        state.values[target.id] = value  # the same node on every path meets
                    if _empty_list(value) and len(targets) == 1:
                        state.fresh = state.fresh | {target.id}
                        state.lists = state.lists | {target.id}
        return state

    @staticmethod
    def _falsy_operands(value: ast.expr) -> frozenset[str] | None:
        """`x.a` or `x.a or x.b`: when the result is falsy, so is each dotted operand."""
        parts = (
            value.values
            if isinstance(value, ast.BoolOp) and isinstance(value.op, ast.Or)
            else [value]
        )
        names = [dotted_name(part) for part in parts]
        if all(name is not None and "." in name for name in names):
            return frozenset(n for n in names if n)
        return None

    def _loop(self, stmt: ast.For | ast.AsyncFor, state: _State) -> _State:
        bound = _bound_names(stmt)
        inner = self.block(stmt.body, state.forget(bound))
        # The body may run no time or many: what it writes to other names is not certain.
        after = _meet([state, inner]).forget(bound)
        target, source = stmt.target, stmt.iter
        if isinstance(target, ast.Name) and isinstance(source, ast.Name):
            # `for p in rows: p.secret = None`: written to each element of `rows`.
            for attr, value in inner.writes.get(target.id, {}).items():
                after = self._write(after, source.id, attr, value)
        return _meet([after, self.block(stmt.orelse, after)])

    def _if(self, stmt: ast.If, state: _State) -> _State:
        taken = self.block(stmt.body, state)
        other = self.block(stmt.orelse, state)
        after = _meet([taken, other])
        if not stmt.orelse:
            tested = self._tested(stmt.test, state)
            for name, attrs in taken.writes.items():
                for attr, value in attrs.items():
                    if f"{name}.{attr}" in tested and name not in _bound_names(stmt):
                        after = self._write(after, name, attr, value)
        return after

    @staticmethod
    def _tested(test: ast.expr, state: _State) -> frozenset[str]:
        """Dotted names that are falsy when `test` is: `if x.a:`, `if s:` with `s = x.a or ...`."""
        if isinstance(test, ast.Name):
            return state.ors.get(test.id, frozenset())
        name = dotted_name(test)
        return frozenset({name}) if name and "." in name else frozenset()

    def _try(self, stmt: Any, state: _State) -> _State:
        body = self.block(stmt.body, state)
        rebound = set().union(*(_bound_names(s) for s in stmt.body)) if stmt.body else set()
        # A handler starts anywhere in the body: only what holds before and after it.
        midway = _meet([state, body]).forget(rebound)
        paths = [self.block(stmt.orelse, body)]
        for handler in stmt.handlers:
            start = midway.forget({handler.name} if handler.name else set())
            paths.append(self.block(handler.body, start))
        after = _meet(paths)
        return self.block(stmt.finalbody, after)
