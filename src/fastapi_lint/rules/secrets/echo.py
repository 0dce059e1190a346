"""A response that carries back, through storage, the secret the caller has just sent (FPI302).

skyvern's `POST /credentials/azure_credential/create` stores the body's credential and returns
the stored record:

    auth_token = await db.create_org_auth_token(org_id, token=request.credential)
    return AzureClientSecretCredentialResponse(token=auth_token)

The response's `token.credential.client_secret` is the body's `credential.client_secret`: the
caller gets back what it sent, nobody else's secret. Its GET sibling returns the record read
from storage (`get_valid_org_auth_token(org_id)`) and stays reported.

A response path `head.rest` is such an echo when every `return` of the route builds a model
with `head=<local>`, the local is bound (once, in the route) to the result of a call (awaited
or not) that is handed a body parameter or an attribute of it (`request.credential`), and
`rest` ends with a secret path of the body under that attribute (`credential.client_secret`).
A top-level field alone is no evidence and is not taken, nor a record built from anything
else.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from ...index.shapes import Await, Call, Name, view

if TYPE_CHECKING:
    from ...index.project import ProjectIndex
    from ...index.summary import Shape

MAX_AWAITS = 4


def stored_echo(
    index: ProjectIndex,
    module: str,
    key: str,
    body_params: frozenset[str],
    sent: Callable[[str], frozenset[str]],
) -> Callable[[str], bool]:
    """A test for response paths that echo the body through storage (see the module
    docstring). `sent(param)` gives the secret paths of a body parameter's models."""
    summary = index.module(module)
    fact = summary["functions"].get(key) if summary else None
    returns = [v for v in (fact or {}).get("returns_values") or () if v != ["const", None]]
    if not returns or not body_params:
        return lambda _path: False
    per_return = [_stored_fields(index, module, key, shape, body_params) for shape in returns]

    def echoed(path: str) -> bool:
        head, _, rest = path.partition(".")
        if not rest:
            return False
        for fields in per_return:
            sources = fields.get(head)
            if not sources:
                return False
            if not any(_ends_with_sent(rest, attr, sent(param)) for param, attr in sources):
                return False
        return True

    return echoed


def _stored_fields(
    index: ProjectIndex, module: str, key: str, shape: Shape, body_params: frozenset[str]
) -> dict[str, list[tuple[str, str]]]:
    """For a returned `Model(field=<local>, ...)`: each field filled with the result of a call
    handed body values, with the (parameter, attribute path) of those values."""
    call = _unawait(shape)
    if not isinstance(call, Call):
        return {}
    ref = index.ref_of_value(module, key, call.func)
    if ref is None or ref.kind != "class":
        return {}
    found: dict[str, list[tuple[str, str]]] = {}
    for field, value in call.kwargs.items():
        local = view(value)
        if not isinstance(local, Name) or "." in local.dotted:
            continue
        bound = index.bound_value(module, key, local.dotted)
        if bound is None or bound[1] != key:
            continue
        made = _unawait(bound[0])
        if not isinstance(made, Call):
            continue
        sources = []
        for arg in [*made.args, *made.kwargs.values()]:
            named = view(arg)
            if not isinstance(named, Name):
                continue
            param, _, attr = named.dotted.partition(".")
            if param in body_params:
                sources.append((param, attr))
        if sources:
            found[field] = sources
    return found


def _unawait(shape: Shape | None):
    typed = view(shape)
    for _ in range(MAX_AWAITS):
        if not isinstance(typed, Await):
            break
        typed = view(typed.value)
    return typed


def _ends_with_sent(rest: str, attr: str, sent: frozenset[str]) -> bool:
    """`credential.client_secret` (the response path below the stored record) ends with a
    secret path the body has under `attr` (`credential.client_secret`, all of them for the
    whole body)."""
    for path in sent:
        if attr and path != attr and not path.startswith(attr + "."):
            continue
        if rest == path or rest.endswith("." + path):
            return True
    return False
