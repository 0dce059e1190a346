"""What a path operation sends to the client, for the FPI3xx rules (one decision per node).

`route_view` reads a route from the index (its decorator's `response_model`, exclude/include,
its return annotation, its parameters) and `output_verdict` / `return_verdict` /
`response_call_verdict` decide which single FPI3xx code, if any, a node gets. Every rule of the
family asks these functions and reports only its own code, so one node never gets two findings.

`SecretRouteRule` is the base of the family's rules: it finds route bodies while the engine
walks the tree and builds the shared fixes (pointing the route at a public sibling model).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from ...index.shapes import (
    AnnotatedBinding,
    Attr,
    Await,
    Call,
    Comp,
    Const,
    DictComp,
    Mapping,
    Name,
    ParamBinding,
    Seq,
    Subscript,
    Unknown,
    dotted,
    is_const,
    name_shape,
    params,
    string,
    view,
    view_binding,
)
from ...index.shapes import view as view_shape
from ...index.summary import MAX_SHAPE_DEPTH, resolve_relative, shape_of
from ...lazycst import cst
from ...model import RelatedLocation
from ...rule import Fix, Frame, ImportRequest, Rule, dotted_name
from ...syntax import parse_expression
from .cleared import cleared_fields, covered, function_cleared
from .echo import stored_echo
from .models import (
    SecretPolicy,
    TypeFacts,
    is_collection,
    is_credential_name,
    is_response_class,
    leaked_fields,
    model_kind,
    policy_for,
    public_sibling,
    type_facts,
)
from .purpose import PURPOSE_MODEL, gives_own_credentials, hands_out_secret

if TYPE_CHECKING:
    from ...index.project import ProjectIndex, Ref
    from ...index.summary import Shape
    from ...rule import FileContext

TOKEN_FORMS = frozenset(
    {
        "fastapi.security.OAuth2PasswordRequestForm",
        "fastapi.security.OAuth2PasswordRequestFormStrict",
        "fastapi.security.oauth2.OAuth2PasswordRequestForm",
        "fastapi.security.oauth2.OAuth2PasswordRequestFormStrict",
    }
)
JSONABLE = frozenset({"fastapi.encoders.jsonable_encoder"})
VALIDATORS = frozenset(
    {
        "model_validate",
        "model_validate_json",
        "model_validate_strings",
        "model_construct",
        "from_orm",
        "parse_obj",
        "parse_raw",
        "construct",
        "validate",
    }
)
DUMPS = frozenset({"model_dump", "dict", "model_dump_json", "json"})
COPIES = frozenset({"model_copy", "copy"})
RESULTS = frozenset(
    {
        "first",
        "one",
        "one_or_none",
        "all",
        "scalar",
        "scalar_one",
        "scalar_one_or_none",
        "fetchall",
        "unique",
        "get",
    }
)
STATEMENT_RUNNERS = frozenset({"exec", "execute", "scalars", "scalar", "scalar_one"})
QUERY_CHAIN = frozenset(
    {
        "where",
        "filter",
        "filter_by",
        "order_by",
        "limit",
        "offset",
        "options",
        "join",
        "outerjoin",
        "distinct",
        "group_by",
        "having",
        "execution_options",
        "scalars",
        "unique",
    }
)
MAX_DEPTH = 10
READ_METHODS = frozenset({"get", "put", "patch", "delete"})


# -- routes ---------------------------------------------------------------------------------


@dataclass
class RouteView:
    module: str
    key: str
    outer: str  # scope where the decorator and annotations are evaluated
    decorator_index: int | None
    path: str | None
    kwargs: dict[str, Any]
    output: str  # "none" (nothing filters), "model" (a model filters), "unknown"
    output_source: str | None  # "response_model" or "annotation"
    output_facts: TypeFacts | None
    token_route: bool
    body_models: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # The models each body parameter *is* (not only a generic argument of: FPI303's subject).
    body_direct: dict[str, tuple[str, ...]] = field(default_factory=dict)
    method: str = ""  # "get", "post"... ("api_route" when the decorator names none)
    # What the route's own code puts into secret-named fields (see `supplied_values`): a field
    # that only ever gets a masked, echoed or (in a POST) freshly generated value is not a leak.
    supplied: dict[str, frozenset[str]] | None = None

    credential_input: bool = False  # the client sends a token (`x_test_token: str = Header()`)
    # Field paths every `return` of the route leaves empty (None, a mask, a default it never
    # fills; see `cleared.py`): they send nothing secret whatever the model's type says.
    cleared: frozenset[str] = frozenset()
    # The route's purpose is the caller's own credentials (see `purpose.py`): every return is
    # the authenticated caller's own record, or the client asks for them (`include_creds`).
    own_credentials: bool = False

    @property
    def credentials(self) -> bool:
        """Stored credentials (`token`, `api_key`) leak from a route that reads or updates
        records; a POST (which issues them), a token route, and a route the client calls with
        a token of its own (looking a record up by it) return them by design."""
        return self.method in READ_METHODS and not self.token_route and not self.credential_input

    @property
    def context(self) -> tuple[bool, bool]:
        """The arguments `leaked_fields` takes after the policy."""
        return self.token_route, self.credentials


@dataclass(frozen=True)
class Verdict:
    code: str
    message: str
    role: str  # where to report: "response_model", "annotation", "exclude", "include", "value"
    model: str | None = None  # the leaking model a fix may replace
    many: bool = False


def route_view(index: ProjectIndex, module: str, key: str) -> RouteView | None:
    return index.memoised(("fpi3-route", module, key), lambda: _route_view(index, module, key))


def _declared_view(index: ProjectIndex, module: str, key: str, fact: dict) -> RouteView | None:
    """The route's view with only what its decorator declares (path, method, output and its
    type facts, whether it is a token route), shared by `route_view` and the gate's view, each
    of which adds its own judgement of the parameters; None for no path operation, a websocket,
    or one registered with `add_api_route` (its arguments are elsewhere)."""
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
        token_route=_is_token_route(index, module, key, fact, path),
        method=route["method"],
    )


def _route_view(index: ProjectIndex, module: str, key: str) -> RouteView | None:
    summary = index.module(module)
    fact = summary["functions"].get(key) if summary else None
    if fact is None:
        return None
    route_view_ = _declared_view(index, module, key, fact)
    if route_view_ is None:
        return None
    outer = route_view_.outer
    route_view_.cleared = function_cleared(index, f"{module}.{key}" if module else key)
    for param in params(fact):
        if _is_dependency(index, module, outer, param.annotation, param.default):
            continue
        if is_credential_name(param.name):
            route_view_.credential_input = True
        if param.annotation is None:
            continue
        param_facts = type_facts(index, module, outer, param.annotation)
        if param_facts.models:
            route_view_.body_models[param.name] = param_facts.models
            route_view_.body_direct[param.name] = param_facts.direct
    route_view_.own_credentials = gives_own_credentials(index, module, key, fact)
    return route_view_


def _output_kind(facts: TypeFacts) -> str:
    if facts.models:
        return "model"
    if facts.response or facts.opaque:
        return "none"
    if facts.unknown:
        return "unknown"
    return "model"


def _refs_in(index: ProjectIndex, module: str, scope: str, shape: Any, depth: int = 0):
    """Every name in a shape, resolved (for spotting Depends() and OAuth2 forms)."""
    if not isinstance(shape, list) or not shape or depth > 6:
        return
    if dotted(shape) is not None:
        ref = index.ref_of_value(module, scope, shape)
        if ref is not None:
            yield ref
        return
    for part in shape[1:]:
        if isinstance(part, list):
            if part and isinstance(part[0], str):
                yield from _refs_in(index, module, scope, part, depth + 1)
            else:
                for item in part:
                    yield from _refs_in(index, module, scope, item, depth + 1)
        elif isinstance(part, dict):
            for item in part.values():
                yield from _refs_in(index, module, scope, item, depth + 1)


def _is_dependency(index, module, scope, annotation, default) -> bool:
    """A `Depends()`/`Security()` parameter, also through a type alias from another module
    (the semantic model's `dependency_marker`)."""
    return index.dependency_marker(module, scope, default, annotation) is not None


def _is_token_route(index, module, key, fact, path) -> bool:
    if isinstance(path, str) and "token" in path.rstrip("/").rpartition("/")[2].lower():
        return True
    for param in params(fact):
        for shape in (param.annotation, param.default):
            for ref in _refs_in(index, module, key, shape):
                if ref.qual in TOKEN_FORMS:
                    return True
    return False


# -- what a value is ------------------------------------------------------------------------


@dataclass(frozen=True)
class Produced:
    """One kind of object an expression may evaluate to."""

    model: str
    form: str  # "object", "dump" (a dict/JSON of it) or "response" (a Response built from it)
    leaks: tuple[str, ...]
    many: bool = False
    param: str | None = None  # the route parameter it came from, unchanged
    filtered: bool = False  # a dump with its own exclude=/include= (a public model may not fit)
    wrapped: bool = False  # inside a list/dict literal


class _Values:
    def __init__(self, index: ProjectIndex, policy: SecretPolicy, view: RouteView) -> None:
        self.index = index
        self.policy = policy
        self.view = view

    def leaks(self, model: str, echo_ok: bool = True) -> tuple[str, ...]:
        found = leaked_fields(self.index, model, self.policy, *self.view.context)
        return drop_supplied(found, self.view, echo_ok, model, self.index)

    def model_class(self, module: str, scope: str, shape: Shape | None) -> str | None:
        if not shape:
            return None
        ref = self.index.ref_of_value(module, scope, shape)
        if ref is not None and ref.kind == "class" and model_kind(self.index, ref.qual):
            return ref.qual
        return None

    def objects(self, models: Sequence[str], many: bool = False, param: str | None = None):
        # The request body returned as is: the echo is FPI303's subject.
        return [Produced(m, "object", self.leaks(m, param is None), many, param) for m in models]

    def produce(self, module: str, scope: str, shape: Shape | None, depth: int = 0):
        if not shape or depth > MAX_DEPTH:
            return []
        typed = view(shape)
        if isinstance(typed, Await):
            return self.produce(module, scope, typed.value, depth + 1)
        if isinstance(typed, Seq | Mapping):
            # Inside a literal: it leaks all the same, but no response model fits the literal.
            parts = typed.items if isinstance(typed, Seq) else [v for _k, v in typed.pairs]
            return [
                replace(p, wrapped=True)
                for s in parts
                for p in self.produce(module, scope, s, depth + 1)
            ]
        if isinstance(typed, Subscript):
            return [
                Produced(p.model, p.form, p.leaks)
                for p in self.produce(module, scope, typed.value, depth + 1)
            ]
        if isinstance(typed, Name) and "." not in typed.dotted:
            return self._name(module, scope, typed.dotted, depth)
        split = _split_attr(shape)
        if isinstance(typed, Name | Attr) and split is not None:
            base, attr = split
            inner = self.produce(module, scope, base, depth + 1)
            if attr == "__dict__":
                return [
                    Produced(p.model, "dump", p.leaks, p.many) for p in inner if p.form == "object"
                ]
            # A field of a returned model; else what the semantic model knows of the
            # attribute (`self.user`, `request.state.user`, `deps.current.user`).
            return self._attribute(inner, attr) if inner else self._typed(module, scope, shape)
        if isinstance(typed, Call):
            return self._call(module, scope, shape, depth)
        return []

    def _name(self, module: str, scope: str, name: str, depth: int):
        bound = self.index.bound_value(module, scope, name)
        if bound is not None:
            # `x = <value>`: its form matters (an object, a dump, a response), not only its type.
            value, bound_in, annotation = bound
            if annotation is not None:
                facts = type_facts(self.index, module, bound_in, annotation)
                if facts.models:
                    return self.objects(facts.models)
            return self.produce(module, bound_in, value, depth + 1)
        found = self.index.lookup_binding(module, scope, name)
        if found is None:
            return []
        raw, bound_in = found
        binding = view_binding(raw)
        if isinstance(binding, ParamBinding | AnnotatedBinding) and binding.annotation is not None:
            # (An annotation may name several models, `User | Admin`: read it whole.)
            facts = type_facts(self.index, module, bound_in, binding.annotation)
            many = is_collection(self.index, module, bound_in, binding.annotation)
            return self.objects(
                facts.models, many, name if isinstance(binding, ParamBinding) else None
            )
        # `user=Depends(get_current_user)` without an annotation (what the dependency returns
        # or yields), `with`/`for` targets, a name bound `None` and then a value, a class
        # dependency: the semantic model's type for it.
        typed = self._typed(module, scope, ["n", name])
        if typed or not isinstance(binding, ParamBinding):
            return typed
        # A dependency whose result the model cannot type (`session.exec(select(User))
        # .first()`): what its `return` statements produce.
        marker = self.index.dependency_marker(module, bound_in, binding.default, None)
        call = view(marker[2]) if marker else None
        if isinstance(call, Call) and call.args:
            dependency = self.index.ref_of_value(marker[0], marker[1], call.args[0])
            if dependency is not None and dependency.kind == "function":
                return self._function_result(dependency, depth)
        return []

    def _typed(self, module: str, scope: str, shape: Shape) -> list[Produced]:
        """The model class (or a container of it) the semantic model gives the value."""
        return self._model_ref(self.index.ref_of_value(module, scope, shape))

    def _model_ref(self, ref: Ref | None) -> list[Produced]:
        if ref is None or ref.kind not in ("instance", "container"):
            return []
        if self.index.class_(ref.qual) is None or not model_kind(self.index, ref.qual):
            return []
        return self.objects([ref.qual], many=ref.kind == "container")

    def _attribute(self, inner: list[Produced], attr: str):
        from .models import model_info

        out = []
        for item in inner:
            if item.form != "object" or item.many:
                continue
            info = model_info(self.index, item.model)
            member = info.field(attr) if info else None
            if member is None or member.hidden is not None:
                continue
            facts = type_facts(self.index, member.module, member.scope, member.annotation)
            out.extend(self.objects(facts.models))
        return out

    def _call(self, module: str, scope: str, shape: Shape, depth: int):
        func, args, kwargs = view(shape)
        ref = self.index.ref_of_value(module, scope, func) if func else None
        first = args[0] if args else None
        if ref is not None:
            if ref.kind == "class" and model_kind(self.index, ref.qual):
                return self.objects([ref.qual])
            if ref.kind == "external":
                if ref.qual in JSONABLE:
                    return self._dump(module, scope, first or kwargs.get("obj"), kwargs, depth)
                if ref.qual in ("builtins.vars", "builtins.dict") and first is not None:
                    return self._dump(module, scope, first, {}, depth)
                if ref.qual in ("builtins.list", "builtins.tuple", "builtins.sorted"):
                    inner = self.produce(module, scope, first, depth + 1)
                    return [Produced(p.model, p.form, p.leaks, True) for p in inner]
                if is_response_class(ref.qual):
                    content = kwargs.get("content", first)
                    inner = self.produce(module, scope, content, depth + 1)
                    return [Produced(p.model, "response", p.leaks, p.many) for p in inner]
            if ref.kind == "function":
                return self._function_result(ref, depth)
        split = _split_attr(func)
        if split is None:
            return []
        base, attr = split
        # (A project method, `repo.get_user(id)` on a typed instance or `UserCRUD.get(db,
        # id)` on its class, is a function Ref of the model: handled above.)
        if attr in VALIDATORS:
            model = self.model_class(module, scope, base)
            if model:
                return self.objects([model])
        if attr in DUMPS:
            return self._dump(module, scope, base, kwargs, depth)
        if attr in COPIES:
            return self.produce(module, scope, base, depth + 1)
        if attr == "get" and first is not None:
            model = self.model_class(module, scope, first)
            if model:
                return self.objects([model])
        if attr in RESULTS:
            model = self.query_model(module, scope, base, depth + 1)
            if model:
                return self.objects([model], many=attr in ("all", "fetchall"))
        if attr in STATEMENT_RUNNERS:
            model = self.query_model(module, scope, shape, depth + 1)
            if model:
                return self.objects([model], many=True)
        return []

    def _dump(self, module, scope, target, kwargs, depth):
        out = []
        for item in self.produce(module, scope, target, depth + 1):
            if item.form != "object":
                continue
            exclude, include = kwargs.get("exclude"), kwargs.get("include")
            leaks = apply_filters(item.leaks, exclude, include)
            filtered = exclude is not None or include is not None
            out.append(Produced(item.model, "dump", leaks, item.many, filtered=filtered))
        return out

    def _function_result(self, ref: Ref, depth: int):
        fact = self.index.function(ref.qual)
        split = self.index.split_qualified(ref.qual)
        if fact is None or split is None:
            return []
        typed = self._model_ref(
            self.index.yields_type(ref.qual)
            if fact.get("generator")
            else self.index.function_result(ref.qual)
        )
        if typed:
            # The semantic model's answer: its return annotation, or the one type its
            # `return` statements agree on, across modules.
            return typed
        if fact.get("returns") is None:
            # No annotation: what its `return` statements give (generators: what they yield).
            values = fact.get("yields_values") if fact.get("generator") else fact["returns_values"]
            key = split[1]
            return [
                replace(p, param=None)
                for shape in values or ()
                for p in self.produce(split[0], key, shape, depth + 2)
                if p.form == "object"
            ]
        scope = fact.get("parent") or fact.get("class") or ""
        facts = type_facts(self.index, split[0], scope, fact["returns"])
        many = is_collection(self.index, split[0], scope, fact["returns"])
        return self.objects(facts.models, many)

    def query_model(self, module: str, scope: str, shape: Shape | None, depth: int) -> str | None:
        if not shape or depth > MAX_DEPTH:
            return None
        typed = view(shape)
        if isinstance(typed, Await):
            return self.query_model(module, scope, typed.value, depth + 1)
        if isinstance(typed, Name) and "." not in typed.dotted:
            bound = self.index.bound_value(module, scope, typed.dotted)
            return self.query_model(module, bound[1], bound[0], depth + 1) if bound else None
        if not isinstance(typed, Call):
            return None
        func, args = typed.func, typed.args
        ref = self.index.ref_of_value(module, scope, func) if func else None
        if (
            ref is not None
            and ref.kind == "external"
            and ref.qual.startswith(("sqlmodel.", "sqlalchemy."))
            and ref.qual.rpartition(".")[2] == "select"
        ):
            return self.model_class(module, scope, args[0]) if len(args) == 1 else None
        split = _split_attr(func)
        if split is None:
            return None
        base, attr = split
        if attr == "query" and len(args) == 1:
            return self.model_class(module, scope, args[0])
        if attr in STATEMENT_RUNNERS and args:
            return self.query_model(module, scope, args[0], depth + 1)
        if attr in QUERY_CHAIN:
            return self.query_model(module, scope, base, depth + 1)
        return None


def _split_attr(shape: Shape | None) -> tuple[Shape, str] | None:
    typed = view(shape)
    if isinstance(typed, Name) and "." in typed.dotted:
        base, _, attr = typed.dotted.rpartition(".")
        return name_shape(base), attr
    if isinstance(typed, Attr):
        return typed.value, typed.attr
    return None


def _literal_names(shape: Shape | None) -> dict[str, Any] | None:
    """{"name": True, "nested": {...}} from a set or dict literal; None when not a literal."""
    typed = view(shape)
    if isinstance(typed, Seq):
        names: dict[str, Any] = {}
        for item in typed.items:
            name = string(item)
            if name is None:
                return None
            names[name] = True
        return names
    if isinstance(typed, Mapping):
        names = {}
        for key, value in typed.pairs:
            name = string(key)
            if name is None:
                return None
            if (
                is_const(value, True)
                or dotted(value) == "Ellipsis"
                or isinstance(view(value), Unknown | Comp | DictComp)
            ):
                names[name] = True
            else:
                inner = _literal_names(value)
                if inner is None:
                    return None
                names[name] = inner
        return names
    return None


def apply_filters(
    leaks: tuple[str, ...], exclude: Shape | None, include: Shape | None
) -> tuple[str, ...]:
    """The leaked paths left after `exclude=`/`include=` (set or dict literals). A filter that
    is not a literal may remove anything: then nothing is reported as leaking."""
    result = list(leaks)
    if exclude is not None:
        names = _literal_names(exclude)
        if names is None:
            return ()
        result = [p for p in result if not _covered(p, names)]
    if include is not None:
        names = _literal_names(include)
        if names is None:
            return ()
        result = [p for p in result if _kept(p, names)]
    return tuple(result)


def _covered(path: str, names: dict[str, Any]) -> bool:
    head, _, rest = path.partition(".")
    sub = names.get(head)
    if sub is True:
        return True
    return isinstance(sub, dict) and bool(rest) and _covered(rest, sub)


def _kept(path: str, names: dict[str, Any]) -> bool:
    head, _, rest = path.partition(".")
    sub = names.get(head)
    if sub is True:
        return True
    return isinstance(sub, dict) and bool(rest) and _kept(rest, sub)


# -- verdicts: which code a node gets -----------------------------------------------------------


def _fields(paths: Sequence[str]) -> str:
    # Each member of a union (`configuration: A | B`) may lead to the same field path: name it once.
    paths = list(dict.fromkeys(paths))
    shown = ", ".join(f"`{p}`" for p in paths[:3])
    more = f" and {len(paths) - 3} more" if len(paths) > 3 else ""
    return ("secret fields " if len(paths) > 1 else "secret field ") + shown + more


def _short(qual: str) -> str:
    return qual.rpartition(".")[2]


def output_verdict(index: ProjectIndex, view: RouteView, policy: SecretPolicy) -> Verdict | None:
    """FPI302/FPI303/FPI305 for the route's declared response model, or None."""
    if view.output != "model" or view.output_facts is None or view.output_source is None:
        return None
    leaky = []
    direct = view.output_facts.direct
    sent = _sent_paths(index, view, policy)
    stored = stored_echo(
        index,
        view.module,
        view.key,
        frozenset(view.body_models),
        lambda param: _sent_paths(index, view, policy, param),
    )
    for model in view.output_facts.models:
        echo_ok = not (
            model in direct and any(model in models for models in view.body_direct.values())
        )
        leaks = leaked_fields(index, model, policy, *view.context)
        leaks = drop_supplied(leaks, view, echo_ok, model, index)
        leaks = tuple(p for p in leaks if not covered(p, view.cleared))
        if echo_ok:
            leaks = tuple(p for p in leaks if not _echoed(p, sent) and not stored(p))
        if view.own_credentials and PURPOSE_MODEL.fullmatch(_short(model)):
            # The caller's own credentials, in a model made to carry them: only a hash is
            # something the caller does not hold and need not get.
            leaks = tuple(p for p in leaks if _hash_named(p.rpartition(".")[2]))
        if leaks:
            leaky.append((model, leaks))
    if not leaky:
        return None
    source = view.output_source
    exclude = view.kwargs.get("response_model_exclude") if source == "response_model" else None
    include = view.kwargs.get("response_model_include") if source == "response_model" else None
    remaining = []
    hidden = []
    for model, leaks in leaky:
        left = apply_filters(leaks, exclude, include)
        remaining.extend((model, p) for p in left)
        hidden.extend(p for p in leaks if p not in left)
    if not remaining:
        if exclude is None and include is None:
            return None
        role = "exclude" if exclude is not None else "include"
        if not hidden:
            return None
        keyword = f"response_model_{role}"
        return Verdict(
            "FPI305",
            f"`{keyword}` hides {_fields(hidden)} of the response model, but the "
            "OpenAPI schema still documents the model in full; use a response model without "
            "the secrets",
            role,
            leaky[0][0] if len(leaky) == 1 else None,
        )
    models = list(dict.fromkeys(m for m, _ in remaining))
    paths = [p for _, p in remaining]
    where = "`response_model`" if source == "response_model" else "The return annotation"
    model = models[0] if len(models) == 1 else None
    for param, param_models in view.body_direct.items():
        reused = [m for m in models if m in param_models and m in direct]
        if reused:
            return Verdict(
                "FPI303",
                f"`{_short(reused[0])}` is both the request body (`{param}`) and the response "
                f"model: the response sends back the client's {_fields(paths)}",
                source,
                model,
            )
    shown = ", ".join(f"`{_short(m)}`" for m in models)
    return Verdict(
        "FPI302",
        f"{where} {shown} exposes {_fields(paths)} to the client; use a public model without it",
        source,
        model,
    )


def _sent_paths(
    index: ProjectIndex, view: RouteView, policy: SecretPolicy, param: str | None = None
) -> frozenset[str]:
    """The secret field paths of the request body models (what the client itself sends), of
    one body parameter with `param`."""
    found: set[str] = set()
    for name, models in view.body_models.items():
        if param is not None and name != param:
            continue
        for model in models:
            found.update(leaked_fields(index, model, policy, *view.context))
    return frozenset(found)


def _echoed(path: str, sent: frozenset[str]) -> bool:
    """A response path the body carries too, under the same nested field
    (`run_spec.configuration.registry_auth.password` of a `Run` built from the body's
    `plan.run_spec`): the route hands back the secret the caller has just sent. A top-level
    field alone (`password`) is no evidence that the value is the caller's."""
    if "." not in path:
        return False
    return any(sent_path == path or sent_path.endswith("." + path) for sent_path in sent)


def return_verdict(
    index: ProjectIndex,
    view: RouteView,
    policy: SecretPolicy,
    shape: Shape,
    writes: dict[str, list[Any]] | None = None,
    bindings: dict[str, Any] | None = None,
) -> Verdict | None:
    """FPI301/FPI303/FPI304 for a value returned where no response model filters it (decided
    once per returned expression, whichever rule of the family asks first). `writes`: the
    attribute assignments in effect at this `return` (`ProjectIndex.returned_values`);
    `bindings`: the values rebound names last got there (`ProjectIndex.returned_bindings`)."""
    if view.output != "none":
        return None
    supplied = sorted((k, sorted(v)) for k, v in (view.supplied or {}).items())
    text = json.dumps([shape, supplied, writes or {}, bindings or {}])
    key = ("fpi3-return", view.module, view.key, policy.key, text)
    return index.memoised(
        key, lambda: _return_verdict(index, view, policy, shape, writes, bindings)
    )


def _without_cleared(produced: list[Produced], cleared: frozenset[str]) -> list[Produced]:
    if not cleared:
        return produced
    out = []
    for item in produced:
        leaks = tuple(p for p in item.leaks if not covered(p, cleared))
        if leaks:
            out.append(replace(item, leaks=leaks))
    return out


def _return_verdict(
    index: ProjectIndex,
    view: RouteView,
    policy: SecretPolicy,
    shape: Shape,
    writes: dict[str, list[Any]] | None,
    bindings: dict[str, Any] | None = None,
) -> Verdict | None:
    values = _Values(index, policy, view)
    produced = [p for p in values.produce(view.module, view.key, shape) if p.leaks]
    cleared = cleared_fields(index, view.module, view.key, shape, writes, bindings)
    produced = _without_cleared(produced, cleared)
    objects = [p for p in produced if p.form == "object"]
    dumps = [p for p in produced if p.form == "dump"]

    def single(items: list[Produced]) -> str | None:
        """The one model a fix may name (none for literals or filtered dumps)."""
        if len({p.model for p in items}) != 1 or any(p.wrapped or p.filtered for p in items):
            return None
        return items[0].model

    if objects:
        item = objects[0]
        if item.param is not None and item.model in view.body_models.get(item.param, ()):
            return Verdict(
                "FPI303",
                f"The request body `{item.param}` (`{_short(item.model)}`) is returned as the "
                f"response: it sends back the client's {_fields(item.leaks)}",
                "value",
                single(objects),
                item.many,
            )
        return Verdict(
            "FPI301",
            f"The returned `{_short(item.model)}` carries {_fields(item.leaks)} and "
            "no response model filters it; declare a public `response_model`",
            "value",
            single(objects),
            item.many,
        )
    if dumps:
        item = dumps[0]
        return Verdict(
            "FPI304",
            f"The returned dump of `{_short(item.model)}` carries "
            f"{_fields(item.leaks)} and no response model filters it",
            "value",
            single(dumps),
            item.many,
        )
    return None


def response_call_verdict(
    index: ProjectIndex, view: RouteView, policy: SecretPolicy, shape: Shape
) -> Verdict | None:
    """FPI304 for a `Response`/`JSONResponse` built from a secret-bearing object."""
    values = _Values(index, policy, view)
    produced = [p for p in values.produce(view.module, view.key, shape) if p.leaks]
    typed = view_shape(shape)
    if isinstance(typed, Call):
        content = typed.kwargs.get("content", typed.args[0] if typed.args else None)
        produced = _without_cleared(produced, cleared_fields(index, view.module, view.key, content))
    responses = [p for p in produced if p.form == "response"]
    if not responses:
        return None
    item = responses[0]
    return Verdict(
        "FPI304",
        f"A response built from `{_short(item.model)}` sends its {_fields(item.leaks)}; "
        "FastAPI does not filter a returned `Response`",
        "value",
    )


def expression_shape(module: cst.Module, node: cst.BaseExpression) -> Shape | None:
    """The index's shape of a CST expression (the same encoding the summaries use)."""
    try:
        # Lowered when it holds syntax newer than the running Python (a PEP 701 f-string).
        tree = parse_expression("(" + module.code_for_node(node) + ")")
    except (SyntaxError, ValueError, RecursionError):
        return None
    # Start below zero: a returned expression may nest deeper than the index's summaries keep
    # (`(await s.execute(select(M))).scalars().first()`).
    return shape_of(tree, depth=-6)


# -- the family's analysis of one file -------------------------------------------------------


class SecretsFile:
    """What the FPI3xx rules decide about one file, made once (`ctx.shared`) and read by every
    rule of the family: each route's view, entered with its body, and each verdict (the output
    of a route, each `return`), so an expression is shaped and judged once whatever the number
    of rules; each rule reports the verdicts of its own code."""

    def __init__(self, ctx: FileContext) -> None:
        self.ctx = ctx
        self.policy = policy_for(ctx.settings)
        self._routes: dict[int, RouteView | None] = {}
        self._outputs: dict[int, Verdict | None] = {}
        self._returns: dict[int, Verdict | None] = {}
        self._return_counts: dict[int, int] = {}

    def enter(self, frame: Frame) -> RouteView | None:
        """The route whose body the walk enters, if `frame` is one the family checks."""
        key = id(frame.node)
        if key not in self._routes:
            self._routes[key] = self._view(frame)
        return self._routes[key]

    def _view(self, frame: Frame) -> RouteView | None:
        funcdef = frame.node
        if frame.key is None or not isinstance(funcdef, cst.FunctionDef):
            return None
        view = route_view(self.ctx.index, self.ctx.module_name, frame.key)
        if view is None:
            return None
        call = decorator_call(view, funcdef)
        if call is None or any(arg.star for arg in call.args):
            return None  # `**options` may hold a response_model we cannot see
        return replace(view, supplied=supplied_values(self.ctx.index, self.policy, view))

    def current_route(self) -> tuple[RouteView, Frame] | None:
        """The route whose own body holds the current node."""
        frame = self.ctx.enclosing_function()
        if frame is None or self.ctx.frames[-1] is not frame:
            return None  # inside a lambda, comprehension or class body: not the route's value
        view = self._routes.get(id(frame.node))
        return (view, frame) if view is not None else None

    def output_verdict(self, view: RouteView) -> Verdict | None:
        key = id(view)
        if key not in self._outputs:
            self._outputs[key] = output_verdict(self.ctx.index, view, self.policy)
        return self._outputs[key]

    def return_verdict(self, view: RouteView, value: cst.BaseExpression) -> Verdict | None:
        key = id(value)
        if key not in self._returns:
            # The route's returns are met in source order, as the summary lists them: the
            # n-th one here is the n-th of `returned_values` (with the writes in effect).
            ordinal = self._return_counts.get(id(view), 0)
            self._return_counts[id(view)] = ordinal + 1
            index = self.ctx.index
            qual = f"{view.module}.{view.key}" if view.module else view.key
            returned = index.returned_values(qual)
            writes = returned[ordinal][1] if ordinal < len(returned) else None
            bound = index.returned_bindings(qual)
            bindings = bound[ordinal] if ordinal < len(bound) else None
            shape = expression_shape(self.ctx.module, value)
            self._returns[key] = (
                None
                if shape is None
                else return_verdict(index, view, self.policy, shape, writes, bindings)
            )
        return self._returns[key]


def decorator_call(view: RouteView, funcdef: cst.FunctionDef) -> cst.Call | None:
    """The route decorator's call in the CST (the one the view was read from)."""
    if view.decorator_index is None or view.decorator_index >= len(funcdef.decorators):
        return None
    call = funcdef.decorators[view.decorator_index].decorator
    return call if isinstance(call, cst.Call) else None


# -- what the route itself puts into secret-named fields --------------------------------------

#: Calls that make a fresh random secret (a new API key, a temporary password).
GENERATORS = frozenset(
    {
        "secrets.token_hex",
        "secrets.token_urlsafe",
        "secrets.token_bytes",
        "secrets.choice",
        "secrets.randbits",
        "uuid.uuid4",
        "os.urandom",
        "shortuuid.uuid",
        "shortuuid.random",
        "shortuuid.ShortUUID.random",
        "cryptography.fernet.Fernet.generate_key",
    }
)
HASH_WORDS = ("hash", "salt", "digest")
#: A model named as the result of creating something: the response of the POST that issues it.
HANDOUT_MODEL = re.compile(r"(?i).*(?:created|create\w*(?:response|result|out)|issued|generated)")
MASKED, ECHOED, GENERATED, OTHER = "masked", "echoed", "generated", "other"


def drop_supplied(
    leaks: tuple[str, ...],
    view: RouteView,
    echo_ok: bool = True,
    model: str | None = None,
    index: ProjectIndex | None = None,
) -> tuple[str, ...]:
    """The leaked paths left once the route's own values are taken into account: a field the
    route only ever fills with a masked value (`mask_secret(x)`, `get_value(mask=True)`, a
    literal such as `"****"`) or with the caller's own input (`body.salt`) leaks nothing of
    anyone else's; in a POST route (or a GET named for generating, `GET /generate-password`),
    a field it fills with a secret it has just generated
    (`secrets.token_urlsafe()`, `uuid4()`) is the secret the route hands out, once. With
    `echo_ok=False` (FPI303, whose subject is the echo) an echoed value still counts.
    A POST whose response `model` is named as a creation result (`ApiKeyCreated`,
    `WebhookCreateResponse`) hands out the new secret its own fields carry, also when the
    secret is made elsewhere (a service, a remote API). With `index`: a POST/PUT/PATCH named
    for making or renewing something whose response `model` has only the secret field hands
    that secret out (`purpose.hands_out_secret`)."""
    if leaks and model is not None and index is not None:
        segment = (view.path or "").rstrip("/").rpartition("/")[2]
        names = (view.key.rpartition(".")[2], segment)
        handed = hands_out_secret(index, view.method, names, model)
        if handed is not None:
            leaks = tuple(p for p in leaks if p != handed)
    if (
        leaks
        and model is not None
        and view.method == "post"
        and HANDOUT_MODEL.fullmatch(model.rpartition(".")[2])
    ):
        leaks = tuple(p for p in leaks if "." in p or _hash_named(p))
    if leaks and _mints(view):
        renewed = _renewed_secret(view)
        if renewed:
            leaks = tuple(
                p
                for p in leaks
                if "." in p or _hash_named(p) or not renewed <= set(p.lower().split("_"))
            )
    if not view.supplied or not leaks:
        return leaks
    benign = {MASKED, ECHOED} if echo_ok else {MASKED}
    kept = []
    for path in leaks:
        name = path.rpartition(".")[2]
        kinds = view.supplied.get(name)
        if kinds and kinds <= benign:
            continue
        if (
            kinds
            and _mints(view)
            and GENERATED in kinds
            and kinds <= benign | {GENERATED}
            and not _hash_named(name)
        ):
            continue
        kept.append(path)
    return tuple(kept)


#: A POST named for renewing one secret (`refresh_ssh_key`, `/regenerate-api-key`,
#: `reset_password`): the field named so is the new secret it hands out once.
RENEWING_ROUTE = re.compile(
    r"(?i)(?:refresh|regenerate|rotate|reset|renew|reissue|issue|generate|new|create)[_-]"
    r"((?:[a-z0-9]+[_-])*?(?:key|token|secret|password|passphrase|credentials?|creds|pin|otp))s?"
)


#: A GET named for generating a value (InvokeAI's `GET /generate-password`): each call makes a
#: fresh one. A GET that refreshes, resets or reads renews nothing.
GENERATING_ROUTE = re.compile(r"(?i)(?:re)?generate(?:[_-][a-z0-9_-]*)?")


def _mints(view: RouteView) -> bool:
    """Whether the route makes the values it hands out: a POST, or a GET named for generating
    (its function name or last path segment)."""
    if view.method == "post":
        return True
    if view.method != "get":
        return False
    segment = (view.path or "").rstrip("/").rpartition("/")[2]
    names = (view.key.rpartition(".")[2], segment)
    return any(GENERATING_ROUTE.fullmatch(name) for name in names if name)


def _renewed_secret(view: RouteView) -> set[str]:
    """The words of the secret a POST's function name or last path segment says it renews
    (`refresh_ssh_key` -> {"ssh", "key"}), or an empty set."""
    segment = (view.path or "").rstrip("/").rpartition("/")[2]
    for name in (view.key.rpartition(".")[2], segment):
        found = RENEWING_ROUTE.fullmatch(name)
        if found:
            return set(re.split(r"[_-]", found.group(1).lower()))
    return set()


def _hash_named(name: str) -> bool:
    return any(word in name.lower() for word in HASH_WORDS)


def supplied_values(
    index: ProjectIndex, policy: SecretPolicy, view: RouteView
) -> dict[str, frozenset[str]]:
    """What the route body puts into each secret-named destination (a keyword argument of a
    model's constructor, a dict key, an attribute or a string subscript assigned): the kinds
    of value, replayed from the summary's writes (`index/route_writes.py`) with the configured
    secret names. A local holds the kinds of what it was last given before each use, a
    parameter the client sends is echoed, a generator call anywhere in a value makes it
    generated."""
    summary = index.module(view.module)
    fact = summary["functions"].get(view.key) if summary else None
    events = fact.get("route_writes") if fact else None
    if not events:
        return {}
    inputs = frozenset(
        param.name
        for param in params(fact)
        if not _is_dependency(index, view.module, view.outer, param.annotation, param.default)
        and param.name not in ("self", "cls")
    )
    local_kinds: dict[str, set[str]] = {}
    found: dict[str, set[str]] = {}
    callees: dict[str, bool] = {}

    def secret_named(name: str) -> bool:
        return policy.is_secret_name(name) or is_credential_name(name)

    def generated(callees_in: Sequence[str], names: Sequence[str]) -> bool:
        if any(GENERATED in local_kinds.get(name, ()) for name in names):
            return True
        for callee in callees_in:
            ref = index.resolve_name(view.module, view.key, callee)
            if ref is not None and ref.qual in GENERATORS:
                return True
        return False

    def kinds(form: list[Any]) -> set[str]:
        tag = form[0]
        if tag == "m":
            return {MASKED}
        if tag == "n":
            if form[1] in local_kinds:
                return set(local_kinds[form[1]])
            return {ECHOED} if form[1] in inputs else {OTHER}
        if tag == "d":
            if form[1].partition(".")[0] in inputs:
                return {ECHOED}
            return {GENERATED} if generated((), form[2]) else {OTHER}
        if tag == "g":
            return {GENERATED} if generated(form[1], form[2]) else {OTHER}
        return {OTHER}

    def builds_model(callee: str) -> bool:
        if callee not in callees:
            ref = index.resolve_name(view.module, view.key, callee)
            callees[callee] = (
                ref is not None and ref.kind == "class" and bool(model_kind(index, ref.qual))
            )
        return callees[callee]

    for event in events:
        tag = event[0]
        if tag == "local":
            local_kinds.setdefault(event[1], set()).update(kinds(event[2]))
        elif tag in ("attr", "key"):
            if secret_named(event[1]):
                found.setdefault(event[1], set()).update(kinds(event[2]))
        elif tag == "kw" and builds_model(event[1]):
            # Keywords count where they build a model (`Connection(password=...)`); a helper's
            # keyword (`send_mail(password=...)`) says nothing about what the response carries.
            for name, form in event[2]:
                if secret_named(name):
                    found.setdefault(name, set()).update(kinds(form))
    return {name: frozenset(k) for name, k in found.items()}


# -- the rules' common base ------------------------------------------------------------------


class SecretRouteRule(Rule):
    """Finds route bodies during the walk; subclasses implement `check_*` for their code."""

    triggers = (
        ".get(",
        ".post(",
        ".put(",
        ".patch(",
        ".delete(",
        ".api_route(",
        ".head(",
        ".options(",
    )

    @classmethod
    def could_apply(cls, index: ProjectIndex, module_name: str, settings=None) -> bool:
        if "route" not in index.module_roles(module_name):
            return False
        return could_report(index, module_name, settings)

    @classmethod
    def defaults_doc(cls) -> str:
        from .defaults_doc import secret_defaults_markdown

        return secret_defaults_markdown()

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        self.file = ctx.shared(SecretsFile)
        self.policy = self.file.policy

    # -- the walk ---------------------------------------------------------------------------
    def enter_function(self, frame: Frame) -> None:
        view = self.file.enter(frame)
        if view is not None:
            assert isinstance(frame.node, cst.FunctionDef)
            self.check_route(view, frame.node)

    def current_route(self) -> tuple[RouteView, Frame] | None:
        return self.file.current_route()

    def visit_Return(self, node: cst.Return) -> None:
        found = self.current_route()
        if found is None or node.value is None:
            return
        verdict = self.file.return_verdict(found[0], node.value)
        if verdict is not None and verdict.code == self.code:
            self.report(
                node.value,
                verdict.message,
                self.add_response_model_fix(found, verdict),
                related=self.related(found[0], verdict),
            )

    def check_route(self, view: RouteView, funcdef: cst.FunctionDef) -> None:
        """Called once per route, when its body starts."""

    # -- nodes of a route ---------------------------------------------------------------------
    def decorator_call(self, view: RouteView, funcdef: cst.FunctionDef) -> cst.Call | None:
        return decorator_call(view, funcdef)

    @staticmethod
    def keyword_arg(call: cst.Call | None, name: str) -> cst.Arg | None:
        if call is None:
            return None
        for arg in call.args:
            if arg.keyword is not None and arg.keyword.value == name:
                return arg
        return None

    def role_node(self, view: RouteView, funcdef: cst.FunctionDef, role: str):
        if role == "annotation":
            return funcdef.returns.annotation if funcdef.returns is not None else None
        arg = self.keyword_arg(
            self.decorator_call(view, funcdef),
            "response_model" if role == "response_model" else f"response_model_{role}",
        )
        return arg.value if arg is not None else None

    def report_output(self, view: RouteView, funcdef: cst.FunctionDef) -> None:
        verdict = self.file.output_verdict(view)
        if verdict is None or verdict.code != self.code:
            return
        node = self.role_node(view, funcdef, verdict.role)
        if node is None:
            return
        self.report(
            node,
            verdict.message,
            self.output_fix(view, funcdef, verdict),
            related=self.related(view, verdict),
        )

    def related(self, view: RouteView, verdict: Verdict) -> tuple[RelatedLocation, ...]:
        """Where the leaking model and its secret field are defined (SARIF, editors)."""
        from .related import secret_related

        model = verdict.model
        return secret_related(
            self.ctx.index,
            model,
            self.policy,
            *view.context,
            reported=lambda leaks: drop_supplied(
                leaks, view, verdict.code != "FPI303", model, self.ctx.index
            ),
        )

    # -- fixes ----------------------------------------------------------------------------------
    def sibling(self, view: RouteView, model: str | None) -> str | None:
        if model is None:
            return None
        return public_sibling(self.ctx.index, model, self.policy, *view.context)

    def _sibling_name(self, view: RouteView, sibling: str) -> tuple[str, list, dict] | None:
        """How the route's module spells `sibling`: (name, import requests, extra replacements)."""
        index = self.ctx.index
        module = self.ctx.module_name
        short = _short(sibling)
        if index.lookup_binding(module, view.outer, short) is not None:
            ref = index.resolve_name(module, view.outer, short)
            if ref is not None and ref.kind == "class" and ref.qual == sibling:
                return short, [], {}
            return None  # the name means something else here
        sibling_module = sibling.rpartition(".")[0]
        merged = self._merge_into_import(sibling_module, short)
        if merged is not None:
            return short, [], merged
        return short, [ImportRequest(sibling_module, short)], {}

    def _merge_into_import(self, target_module: str, name: str) -> dict | None:
        """Appends `name` to an existing `from <target_module> import ...` (keeps its style)."""
        summary = self.ctx.summary
        is_package = bool(summary and summary.get("package"))
        for stmt in self.ctx.module.body:
            if not isinstance(stmt, cst.SimpleStatementLine):
                continue
            for small in stmt.body:
                if not isinstance(small, cst.ImportFrom) or isinstance(small.names, cst.ImportStar):
                    continue
                spelled = dotted_name(small.module) if small.module is not None else None
                absolute = resolve_relative(
                    self.ctx.module_name, is_package, len(small.relative), spelled
                )
                if absolute != target_module:
                    continue
                names = list(small.names)
                last = names[-1]
                if isinstance(last.comma, cst.Comma):
                    if len(names) < 2:
                        continue
                    names[-1] = last.with_changes(comma=names[-2].comma)
                    names.append(cst.ImportAlias(name=cst.Name(name), comma=last.comma))
                else:
                    names[-1] = last.with_changes(
                        comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
                    )
                    names.append(cst.ImportAlias(name=cst.Name(name)))
                return {small: small.with_changes(names=names)}
        return None

    def _swap_references(self, view: RouteView, expr: cst.CSTNode, model: str, sibling: str):
        """Replacements turning each reference to `model` inside `expr` into `sibling`."""
        index = self.ctx.index
        module = self.ctx.module_name
        from .route_visitors import ReferenceFinder  # LibCST visitors: imported when used

        finder = ReferenceFinder()
        expr.visit(finder)
        replacements: dict = {}
        imports: list = []
        for node in finder.nodes:
            dotted = dotted_name(node)
            if dotted is None:
                continue
            ref = index.resolve_name(module, view.outer, dotted)
            if ref is None or ref.kind != "class" or ref.qual != model:
                continue
            if isinstance(node, cst.Attribute):
                base = dotted_name(node.value)
                again = index.resolve_name(module, view.outer, f"{base}.{_short(sibling)}")
                if again is None or again.qual != sibling:
                    return None
                replacements[node] = node.with_changes(attr=cst.Name(_short(sibling)))
                continue
            spelled = self._sibling_name(view, sibling)
            if spelled is None:
                return None
            name, needed, extra = spelled
            replacements[node] = cst.Name(name)
            replacements.update(extra)
            imports.extend(needed)
        if not replacements:
            return None
        return replacements, imports

    def output_fix(self, view: RouteView, funcdef: cst.FunctionDef, verdict: Verdict):
        sibling = self.sibling(view, verdict.model)
        if sibling is None or verdict.model is None:
            return None
        target = self.role_node(
            view,
            funcdef,
            "response_model" if verdict.role in ("exclude", "include") else verdict.role,
        )
        if target is None:
            return None
        swapped = self._swap_references(view, target, verdict.model, sibling)
        if swapped is None:
            return None
        replacements, imports = swapped
        if verdict.role in ("exclude", "include"):
            call = self.decorator_call(view, funcdef)
            arg = self.role_node(view, funcdef, verdict.role)
            if call is None or arg is None:
                return None
            from .route_visitors import Swap

            new_value = target.visit(Swap(replacements))
            args = []
            for item in call.args:
                if item.value is arg:
                    continue
                if item.value is target:
                    item = item.with_changes(value=new_value)
                args.append(item)
            if call.args and call.args[-1].value is arg and args:
                args[-1] = args[-1].with_changes(comma=call.args[-1].comma)
            outer = {k: v for k, v in replacements.items() if not _inside(k, target)}
            outer[call] = call.with_changes(args=args)
            replacements = outer
        return Fix(
            message=f"Use `{_short(sibling)}` as the response model",
            applicability="unsafe",
            replacements=replacements,
            imports=imports,
        )

    def add_response_model_fix(self, found: tuple[RouteView, Frame], verdict: Verdict):
        view, frame = found
        sibling = self.sibling(view, verdict.model)
        funcdef = frame.node
        if sibling is None or not isinstance(funcdef, cst.FunctionDef):
            return None
        call = self.decorator_call(view, funcdef)
        if call is None:
            return None
        spelled = self._sibling_name(view, sibling)
        if spelled is None:
            return None
        name, imports, replacements = spelled
        text = f"list[{name}]" if verdict.many else name
        value = cst.parse_expression(text)
        existing = self.keyword_arg(call, "response_model")
        if existing is not None:
            replacements[existing.value] = value
        else:
            args = list(call.args)
            new_arg = cst.Arg(
                value=value,
                keyword=cst.Name("response_model"),
                equal=cst.AssignEqual(
                    whitespace_before=cst.SimpleWhitespace(""),
                    whitespace_after=cst.SimpleWhitespace(""),
                ),
            )
            if args:
                # One argument per line stays one per line; `f("/x")` becomes `f("/x", k=v)`.
                multiline = "\n" in cst.Module([]).code_for_node(call.whitespace_before_args)
                sep = call.whitespace_before_args if multiline else cst.SimpleWhitespace(" ")
                last = args[-1]
                new_arg = new_arg.with_changes(
                    comma=last.comma, whitespace_after_arg=last.whitespace_after_arg
                )
                args[-1] = last.with_changes(
                    comma=cst.Comma(whitespace_after=sep),
                    whitespace_after_arg=cst.SimpleWhitespace(""),
                )
            args.append(new_arg)
            replacements[call] = call.with_changes(args=args)
        return Fix(
            message=f"Declare `response_model={text}`",
            applicability="unsafe",
            replacements=replacements,
            imports=imports,
        )


def _inside(node: cst.CSTNode, root: cst.CSTNode) -> bool:
    found = []

    class _Find(cst.CSTVisitor):
        def on_visit(self, candidate: cst.CSTNode) -> bool:
            if candidate is node:
                found.append(True)
            return not found

    root.visit(_Find())
    return bool(found)


# -- the family's index gate (`SecretRouteRule.could_apply`) -------------------------------
#
# Whether a module can get any finding of the family. Every FPI3xx finding names a project
# model whose serialised fields leak a secret (`leaked_fields` not empty) and comes from one
# of three places of a route:
#
# - the route's declared output (`response_model=` or the return annotation): `output_verdict`;
# - a `return` of the route's own body, where nothing filters the output: `return_verdict`, on
#   what `_Values.produce` makes of the returned expression;
# - a call in the route's body that builds a `Response` from such a model: `response_call_verdict`,
#   on what `produce` makes of the call.
#
# Each of these is decided from the index alone except for what the route body itself puts
# into secret-named fields (`supplied_values`, replayed from the summary's `route_writes`, whose
# secret names the gate's view leaves out) and the fields every `return`
# leaves empty (`cleared`): both only take leaks away. So the gate asks the same questions of
# the summary: the route's view without `supplied`, the output's models, and `produce` on each
# `return` value the summary records (`returns_values`) and on each call it records (`calls`).
# A module where none of them yields a model with a leak cannot get a finding, and is not
# parsed for the family.
#
# The summary keeps expressions to `MAX_SHAPE_DEPTH` levels, the rules' shapes of the same
# expressions are deeper (`expression_shape`): a recorded shape that reaches that depth may have
# lost what the rule sees, so such a route keeps its module in. A module without a summary
# keeps it too.


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
    """The route's view as `route_view` makes it, with the same context for `leaked_fields`
    (a token route, credentials the client sends) but without what only takes leaks away
    afterwards: nothing cleared, no body models, not the caller's own record (so every
    filter the rules apply to the same leaked paths leaves at least as many here). None
    exactly where `route_view` is None. Cheaper than `route_view`, which the rules make for
    the modules the gate keeps."""
    view = _declared_view(index, module, key, fact)
    if view is None:
        return None
    view.credential_input = any(
        is_credential_name(param.name)
        and not _is_dependency(index, module, view.outer, param.annotation, param.default)
        for param in params(fact)
    )
    return view


def _route_could_report(
    index: ProjectIndex, view: RouteView, fact: dict[str, Any], policy: SecretPolicy
) -> bool:
    if view.output == "model" and view.output_facts is not None:
        for model in view.output_facts.models:
            leaks = leaked_fields(index, model, policy, *view.context)
            if drop_supplied(leaks, view, True, model, index):
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
