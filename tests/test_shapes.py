"""The typed views of summary records (`index/shapes.py`) read what `index/summary.py` writes."""

from __future__ import annotations

from fastapi_lint.index.shapes import (
    AnnotatedBinding,
    Attr,
    Call,
    CallSite,
    Const,
    ImportBinding,
    LocalBinding,
    Mapping,
    Name,
    Other,
    Param,
    ParamBinding,
    Seq,
    Subscript,
    Union,
    ValueBinding,
    calls,
    fields,
    is_const,
    is_none,
    params,
    string,
    view,
    view_binding,
)
from fastapi_lint.index.summary import summarize_source

SOURCE = """\
from typing import Annotated
import requests
from fastapi import Depends

LIMIT: int = 10
x: str


class User:
    age: int = 3


def handler(user: Annotated[User, Depends(get_user)], *, limit: int | None = None):
    requests.get("https://x", timeout=LIMIT)
    return {"a": [1, 2.0]}, f().attr
"""


def test_views_follow_the_summary() -> None:
    summary = summarize_source(SOURCE, "app", False)
    fact = summary["functions"]["handler"]
    user, limit = params(fact)
    assert user == Param("user", user.annotation, None, "pos")
    assert limit.kind == "kw" and is_const(limit.default, None)
    annotation = view(user.annotation)
    assert isinstance(annotation, Subscript) and view(annotation.value) == Name("Annotated")
    assert isinstance(view(annotation.items[1]), Call)
    assert isinstance(view(limit.annotation), Union)
    assert [is_none(o) for o in view(limit.annotation).options] == [False, True]
    call, other = calls(fact)
    assert view(other.func) == Name("f")
    assert isinstance(call, CallSite) and call.line == 14
    assert view(call.func) == Name("requests.get")
    assert string(call.args[0]) == "https://x" and view(call.kwargs["timeout"]) == Name("LIMIT")
    returned = view(fact["returns_values"][0])
    assert isinstance(returned, Seq)
    mapping, attr = (view(item) for item in returned.items)
    assert isinstance(mapping, Mapping) and string(mapping.pairs[0][0]) == "a"
    assert isinstance(attr, Attr) and attr.attr == "attr"
    (field,) = fields(summary["classes"]["User"])
    assert (field.name, field.line) == ("age", 10) and is_const(field.default, 3)


def test_binding_views() -> None:
    scopes = summarize_source(SOURCE, "app", False)["scopes"]
    bindings = scopes[""]["bindings"]
    assert view_binding(bindings["requests"]) == ImportBinding("requests")
    limit = view_binding(bindings["LIMIT"])
    assert isinstance(limit, ValueBinding) and view(limit.annotation) == Name("int")
    assert isinstance(view_binding(bindings["x"]), AnnotatedBinding)
    assert isinstance(view_binding(scopes["handler"]["bindings"]["user"]), ParamBinding)
    assert view_binding(["local"]) == LocalBinding()
    assert view_binding(None) is None


def test_const_compares_by_kind_not_by_fields() -> None:
    # NamedTuples of different kinds with equal fields are equal tuples: is_const is not fooled.
    assert Const("Ellipsis") == Name("Ellipsis")
    assert not is_const(["n", "True"], "True")
    assert is_const(["const", True], True) and is_const(["const", 1], True)
    assert view(["new-tag", 1]) == Other("new-tag", [1])
    assert view(None) is None


def test_a_list_that_is_not_a_shape_views_as_other() -> None:
    # A dict literal's pairs are lists of shapes, not shapes: a walker may meet them.
    pair = [["const", "a"], ["const", 1]]
    assert isinstance(view(pair), Other)
