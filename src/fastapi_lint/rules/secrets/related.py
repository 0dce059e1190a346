"""Where an FPI3xx finding's model and secret field are defined: the related locations SARIF
and editors link from the finding (`class User` in models.py, `hashed_password: str`)."""

from __future__ import annotations

from collections.abc import Callable

from ...index.project import ProjectIndex
from ...model import RelatedLocation
from .models import SecretPolicy, leaked_fields, model_info, type_facts


def _class_line(index: ProjectIndex, qual: str) -> tuple[str, int] | None:
    split = index.split_qualified(qual)
    summary = index.module(split[0]) if split else None
    fact = summary["classes"].get(split[1]) if summary and split else None
    path = index.path_of(split[0]) if split else None
    if fact is None or path is None:
        return None
    return path, fact["line"]


def secret_related(
    index: ProjectIndex,
    model: str | None,
    policy: SecretPolicy,
    token_route: bool = False,
    credentials: bool = False,
    reported: Callable[[tuple[str, ...]], tuple[str, ...]] | None = None,
) -> tuple[RelatedLocation, ...]:
    """The model's class and the definition of the first secret field that leaks from it
    (through nested models: `profile.api_token` is the field of the nested model). Rows are
    the definitions' lines; columns are 1 (the summaries keep lines only). `reported` keeps
    the leaks the route really reports (what it puts into the fields drops some)."""
    if model is None:
        return ()
    found = []
    where = _class_line(index, model)
    if where is not None:
        found.append(RelatedLocation(where[0], where[1], 1, f"model `{model.rpartition('.')[2]}`"))
    leaks = leaked_fields(index, model, policy, token_route, credentials)
    if reported is not None:
        leaks = reported(leaks)
    if not leaks:
        return tuple(found)
    owner, parts = model, leaks[0].split(".")
    for depth, name in enumerate(parts):
        info = model_info(index, owner)
        item = info.field(name) if info is not None else None
        if item is None:
            break
        if depth == len(parts) - 1:
            path = index.path_of(item.module)
            if path is not None:
                found.append(RelatedLocation(path, item.line, 1, f"secret field `{leaks[0]}`"))
            break
        nested = [
            m
            for m in type_facts(index, item.module, item.scope, item.annotation).models
            if (inner := model_info(index, m)) is not None and inner.field(parts[depth + 1])
        ]
        if not nested:
            break
        owner = nested[0]
    return tuple(found)
