"""What a path operation's own body writes, by name, for the summaries ("route_writes").

The secret family drops a leaked field that the route itself fills only with a masked value,
the caller's own input or a secret it has just generated (`rules/secrets/routes.py`,
`drop_supplied`). Which names are secret is configuration, so the summary cannot pick the
writes that matter: it records every write of the body in source order (nested defs, classes
and lambdas run elsewhere and are skipped), each with a *form* of the value written, and the
family replays them with the configured names at facts time (`supplied_from_writes`).

Events (each a list, in the order a pre-order walk of the body meets them):

    ["local", name, form]        `name = <value>` (plain or annotated), a local of the route
    ["attr", name, form]         `<x>.name = <value>`
    ["key", name, form]          `<x>["name"] = <value>`, and `"name": <value>` in a dict literal
    ["kw", callee, [[name, form], ...]]   keywords of a call whose callee is a dotted name

Forms (what the family needs to judge a value, nothing more; an `await` is looked through):

    ["m"]                        masked for certain: None, a masking literal (`"****"`, `""`),
                                 a redacting call (`mask_secret(x)`), `get(mask=True)`
    ["o"]                        any other literal
    ["n", name]                  a bare name (a local, a parameter, ...)
    ["d", dotted, names]         a dotted name (`body.token`)
    ["g", callees, names]        anything else: the dotted callees of the calls inside it
    `names` are the identifiers inside the value that the body binds as locals (whether one
    holds a generated secret is known only while replaying).

Only functions with a route decorator (`@<x>.<method>(...)`, any method FastAPI or Starlette
routes by) get the record: the family reads it for path operations only.
"""

from __future__ import annotations

import ast
import re
from typing import Any

from .branches import dotted_name

#: A literal that stands in for a secret: `""`, `"****"`, `"•••"`, `"xxxx"`, `"<redacted>"`.
MASK_LITERAL = re.compile(r"(?i)|[\s*•●#]+|x{3,}|.*\*{3}.*|\W*(?:redacted|masked|hidden|\*+)\W*")
#: Keywords that ask a getter for the masked form (`get_value(mask=True)`).
MASK_KEYWORDS = frozenset({"mask", "masked", "redact", "redacted", "obfuscate", "hide"})
#: A function whose name says it redacts what it is given (`mask_secret`, `redact`).
REDACTING_CALL = re.compile(r"(?i).*(redact|mask|obfuscat|censor|scrub)")
#: The methods of route decorators (also `ProjectIndex.ROUTE_METHODS`).
ROUTE_DECORATOR_METHODS = frozenset(
    {
        "get",
        "post",
        "put",
        "patch",
        "delete",
        "options",
        "head",
        "trace",
        "api_route",
        "websocket",
        "api_websocket_route",
        "websocket_route",
        "route",
    }
)
#: Events kept per function: a bound on what a generated route can add.
MAX_EVENTS = 2000

_SKIPPED = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)


def is_route_decorated(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """A decorator `@<x>.<method>(...)` with a route method: a path operation may be."""
    for decorator in node.decorator_list:
        if not isinstance(decorator, ast.Call):
            continue
        name = dotted_name(decorator.func)
        if name and "." in name and name.rpartition(".")[2] in ROUTE_DECORATOR_METHODS:
            return True
    return False


def route_writes(body: list[ast.stmt]) -> list[list[Any]] | None:
    """The events of a route body (see the module docstring); None past `MAX_EVENTS`."""
    local_names: set[str] = set()
    for stmt in body:
        for node in _walk(stmt):
            if isinstance(node, ast.Assign):
                local_names.update(t.id for t in node.targets if isinstance(t, ast.Name))
            elif (
                isinstance(node, ast.AnnAssign)
                and node.value is not None
                and isinstance(node.target, ast.Name)
            ):
                local_names.add(node.target.id)
    events: list[list[Any]] = []
    for stmt in body:
        for node in _walk(stmt):
            _events(node, local_names, events)
            if len(events) > MAX_EVENTS:
                return None
    return events


def _walk(node: ast.AST):
    """Pre-order, children in source order, not into nested defs, classes or lambdas."""
    stack = [] if isinstance(node, _SKIPPED) else [node]
    while stack:
        current = stack.pop()
        yield current
        children = [c for c in ast.iter_child_nodes(current) if not isinstance(c, _SKIPPED)]
        stack.extend(reversed(children))


def _events(node: ast.AST, local_names: set[str], events: list[list[Any]]) -> None:
    if isinstance(node, ast.Assign):
        for target in node.targets:
            _assign(target, node.value, local_names, events)
    elif isinstance(node, ast.AnnAssign):
        if node.value is not None:
            _assign(node.target, node.value, local_names, events)
    elif isinstance(node, ast.Dict):
        for key, value in zip(node.keys, node.values, strict=False):
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                events.append(["key", key.value, value_form(value, local_names)])
    elif isinstance(node, ast.Call):
        callee = dotted_name(node.func)
        if callee is None:
            return
        keywords = [
            [kw.arg, value_form(kw.value, local_names)]
            for kw in node.keywords
            if kw.arg is not None
        ]
        if keywords:
            events.append(["kw", callee, keywords])


def _assign(
    target: ast.AST, value: ast.AST, local_names: set[str], events: list[list[Any]]
) -> None:
    if isinstance(target, ast.Name):
        events.append(["local", target.id, value_form(value, local_names)])
    elif isinstance(target, ast.Attribute):
        events.append(["attr", target.attr, value_form(value, local_names)])
    elif isinstance(target, ast.Subscript):
        index = target.slice
        if isinstance(index, ast.Constant) and isinstance(index.value, str):
            events.append(["key", index.value, value_form(value, local_names)])


def value_form(node: ast.AST, local_names: set[str]) -> list[Any]:
    """The form of a written value (see the module docstring)."""
    while isinstance(node, ast.Await):
        node = node.value
    if isinstance(node, ast.Constant):
        value = node.value
        if value is None or (isinstance(value, str) and MASK_LITERAL.fullmatch(value)):
            return ["m"]
        if isinstance(value, (str, bytes)):
            return ["o"]
    if isinstance(node, ast.Name):
        return ["n", node.id]
    if isinstance(node, ast.Call):
        callee = dotted_name(node.func) or ""
        if REDACTING_CALL.match(callee.rpartition(".")[2]):
            return ["m"]
        for kw in node.keywords:
            if (
                kw.arg in MASK_KEYWORDS
                and isinstance(kw.value, ast.Constant)
                and kw.value.value is True
            ):
                return ["m"]
    callees: list[str] = []
    names: list[str] = []
    for inner in ast.walk(node):
        if isinstance(inner, ast.Call):
            callee = dotted_name(inner.func)
            if callee is not None and callee not in callees:
                callees.append(callee)
        for name in _identifiers(inner):
            if name in local_names and name not in names:
                names.append(name)
    dotted = dotted_name(node)
    if dotted is not None:
        return ["d", dotted, names]
    return ["g", callees, names]


def _identifiers(node: ast.AST) -> list[str]:
    """The identifiers a node spells itself (a name, an attribute, a keyword, a parameter)."""
    if isinstance(node, ast.Name):
        return [node.id]
    if isinstance(node, ast.Attribute):
        return [node.attr]
    if isinstance(node, ast.keyword) and node.arg is not None:
        return [node.arg]
    if isinstance(node, ast.arg):
        return [node.arg]
    return []
