"""The index gate of the FPI3xx family: whether a module can get any finding of it.

Every FPI3xx finding names a project model whose serialised fields leak a secret
(`leaked_fields` not empty) and comes from one of three places of a route (`routes.py`):

- the route's declared output (`response_model=` or the return annotation): `output_verdict`;
- a `return` of the route's own body, where nothing filters the output: `return_verdict`, on
  what `_Values.produce` makes of the returned expression;
- a call in the route's body that builds a `Response` from such a model: `response_call_verdict`,
  on what `produce` makes of the call.

Each of these is decided from the index alone except for what the route body itself puts
into secret-named fields (`supplied_values`, from the CST) and the fields every `return`
leaves empty (`cleared`): both only take leaks away. So the gate asks the same questions of
the summary: the route's view without `supplied`, the output's models, and `produce` on each
`return` value the summary records (`returns_values`) and on each call it records (`calls`).
A module where none of them yields a model with a leak cannot get a finding, and is not
parsed for the family.

The summary keeps expressions to `MAX_SHAPE_DEPTH` levels, the rules' shapes of the same
expressions are deeper (`expression_shape`): a recorded shape that reaches that depth may have
lost what the rule sees, so such a route keeps its module in. A module without a summary
keeps it too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...index.shapes import Call, Const, is_const
from ...index.shapes import view as view_shape
from ...index.summary import MAX_SHAPE_DEPTH
from .models import is_response_class, leaked_fields, policy_for, type_facts
from .routes import RouteView, _output_kind, _Values, drop_supplied

if TYPE_CHECKING:
    from ...index.project import ProjectIndex
    from .models import SecretPolicy


def could_report(index: ProjectIndex, module: str, settings=None) -> bool:
    """Whether some route of `module` can get an FPI3xx finding under the settings' policy
    (False only when that is certain)."""
    policy = policy_for(settings)
    return index.memoised(
        ("fpi3-gate", module, policy.key), lambda: _could_report(index, module, policy)
    )


def _could_report(index: ProjectIndex, module: str, policy: SecretPolicy) -> bool:
    summary = index.module(module)
    if summary is None:
        return True
    for key, fact in summary["functions"].items():
        view = _open_view(index, module, key, fact)
        if view is not None and _route_could_report(index, view, fact, policy):
            return True
    return False


def _open_view(index: ProjectIndex, module: str, key: str, fact: dict) -> RouteView | None:
    """The route's view as `route_view` makes it, without what only takes leaks away: no
    token route, no credentials sent by the client, nothing cleared, not the caller's own
    record (so `leaked_fields` and `drop_supplied` answer with at least the paths the rules'
    view gets). None exactly where `route_view` is None. Cheaper than `route_view`, which
    the rules make for the modules the gate keeps."""
    route = index.path_operation(module, key)
    if route is None or "websocket" in route["method"] or route["method"] == "route":
        return None
    call = view_shape(route["call"])
    if not isinstance(call, Call) or route["call"] not in fact["decorators"]:
        return None
    outer = fact.get("parent") or fact.get("class") or ""
    kwargs = call.kwargs
    first = view_shape(call.args[0]) if call.args else None
    path = first.value if isinstance(first, Const) else None
    given = view_shape(kwargs.get("path"))
    if isinstance(given, Const):
        path = given.value
    output, source, facts = "none", None, None
    if "response_model" in kwargs:
        source = "response_model"
        shape = kwargs["response_model"]
        if not is_const(shape, None):
            facts = type_facts(index, module, outer, shape)
            output = _output_kind(facts)
    elif fact["returns"] is not None and not is_const(fact["returns"], None):
        source = "annotation"
        facts = type_facts(index, module, outer, fact["returns"])
        output = _output_kind(facts)
    return RouteView(
        module=module,
        key=key,
        outer=outer,
        decorator_index=fact["decorators"].index(route["call"]),
        path=path if isinstance(path, str) else None,
        kwargs=kwargs,
        output=output,
        output_source=source,
        output_facts=facts,
        token_route=False,
        method=route["method"],
    )


def _route_could_report(
    index: ProjectIndex, view: RouteView, fact: dict[str, Any], policy: SecretPolicy
) -> bool:
    if view.output == "model" and view.output_facts is not None:
        for model in view.output_facts.models:
            if drop_supplied(leaked_fields(index, model, policy, *view.context), view, True, model):
                return True
    values = _Values(index, policy, view)
    if view.output == "none":
        for shape in fact.get("returns_values") or ():
            if _may_be_cut(shape, 0):
                return True
            if any(p.leaks for p in values.produce(view.module, view.key, shape)):
                return True
    for func, _line, _col, args, kwargs in fact.get("calls") or ():
        # FPI304 judges a call whose callee resolves to a response class (`ctx.resolve`:
        # a dotted callee by its name in the route's scope, another form as `ref_of_value`
        # follows it, unless the summary cut it).
        if not _may_be_cut(func, 0):
            ref = index.ref_of_value(view.module, view.key, func)
            if ref is None or ref.kind != "external" or not is_response_class(ref.qual):
                continue
        call = ["call", func, args, kwargs]
        if _may_be_cut(call, 0):
            return True
        if any(
            p.leaks and p.form == "response" for p in values.produce(view.module, view.key, call)
        ):
            return True
    return False


def _may_be_cut(shape: Any, depth: int) -> bool:
    """Whether a recorded shape has a part at the depth where the summary stops (what is
    below it, or a string read as an expression by a deeper shape, may differ)."""
    if not isinstance(shape, list) or not shape:
        return False
    if isinstance(shape[0], str):
        if depth >= MAX_SHAPE_DEPTH:
            return True
        parts, depth = shape[1:], depth + 1
    else:
        parts = shape  # a list of shapes (arguments, items, key/value pairs)
    for part in parts:
        if isinstance(part, dict):
            if any(_may_be_cut(item, depth) for item in part.values()):
                return True
        elif isinstance(part, list) and _may_be_cut(part, depth):
            return True
    return False
