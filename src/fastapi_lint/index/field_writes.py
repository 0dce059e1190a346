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

The result is aligned with the function's `returns_values`: one dict per `return` with a value,
in source order, or None when no return has a write in effect (the common case: nothing is
stored).
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
    __slots__ = ("ors", "writes")

    def __init__(self, writes: Writes | None = None, ors: Ors | None = None) -> None:
        self.writes: Writes = writes or {}
        self.ors: Ors = ors or {}

    def copy(self) -> _State:
        return _State({k: dict(v) for k, v in self.writes.items()}, dict(self.ors))

    def forget(self, names: set[str]) -> _State:
        if not names:
            return self
        out = self.copy()
        for name in names:
            out.writes.pop(name, None)
            out.ors.pop(name, None)
        return out


def returned_field_writes(body: list[ast.stmt], shape_of: Any) -> list[dict] | None:
    walker = _Walker(shape_of)
    walker.block(body, _State())
    if walker.overflow or not any(walker.returns):
        return None
    return walker.returns


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
    """What holds after any of several paths: the writes all of them agree on."""
    first, *rest = states
    writes: Writes = {}
    for name, attrs in first.writes.items():
        kept = {
            attr: value
            for attr, value in attrs.items()
            if all(other.writes.get(name, {}).get(attr, _MISSING) == value for other in rest)
        }
        if kept:
            writes[name] = kept
    ors = {k: v for k, v in first.ors.items() if all(o.ors.get(k) == v for o in rest)}
    return _State(writes, ors)


_MISSING = object()


class _Walker:
    def __init__(self, shape_of: Any) -> None:
        self.shape_of = shape_of
        self.returns: list[dict] = []
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
            return state
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

    def _write(self, state: _State, name: str, attr: str, value: Any) -> _State:
        out = state.copy()
        out.writes.setdefault(name, {})[attr] = value
        return out

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
                    operands = self._falsy_operands(value)
                    if operands:
                        state = state.copy()
                        state.ors[target.id] = operands
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
