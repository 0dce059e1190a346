"""Routes whose purpose is to give the caller its own credentials (FPI302).

dstack's CLI calls `POST /api/users/get_my_user` to fetch the SSH key the server generated for
the logged-in user, and `POST /api/repos/get` with `include_creds` to fetch the credentials it
uploaded for a repository; both answer with a model named for carrying them (`UserWithCreds`,
`RepoHeadWithCreds`). Sending a user's own key to that user is what the route is for, not a
leak. The same model returned by an admin route that looks another user up is a leak, so the
name alone is no evidence; it takes the name *and* one of:

- every `return` of the route gives the authenticated caller's own record: the value of a
  `Depends`/`Security` parameter whose dependency authenticates the caller
  (`get_current_user`, `Authenticated()`, `CurrentUser`, ...), as is or through a call that takes
  only it (`to_user_with_creds(user)`, `UserWithCreds.model_validate(user)`, a response class);
- the client asks for the credentials: the route passes a keyword named like `include_creds`,
  `with_secrets`, `show_token` with a value the client sends.

Hash-named fields (`password_hash`, `salt`) are still reported: nobody needs their hash.

`hands_out_secret` recognises the other purpose, handing out a secret the route makes: a POST,
PUT or PATCH named for making or renewing something (`create_realtime_session`,
`rotate_webhook_secret`) whose response model has one field, the secret (zenml's
`WebhookSecretResponse`, "one-time response containing a newly active signing secret";
litellm's realtime session with its ephemeral `client_secret`).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from ...index.shapes import Await, Call, Const, Name, ParamBinding, view, view_binding

if TYPE_CHECKING:
    from ...index.project import ProjectIndex
    from ...index.summary import Shape

#: A response model made to carry credentials: `UserWithCreds`, `RepoHeadWithSecrets`.
PURPOSE_MODEL = re.compile(
    r"(?i).*With(?:Creds|Credentials?|Secrets?|Tokens?|Keys?|ApiKeys?|Passwords?)"
)
#: A dependency (function or class) that gives the authenticated caller.
CALLER_DEPENDENCY = re.compile(
    r"(?i).*(?:current|authenticat|logged_?in|signed_?in|whoami|principal|active_?user"
    r"|verified_?user|session_?user|caller).*|(?:get_)?(?:user_)?me"
)
#: A keyword by which the client asks for the credentials (`include_creds=body.include_creds`).
INCLUDE_FLAG = re.compile(
    r"(?i)(?:include|with|show|reveal|return)_(?:creds|credentials|secrets?|tokens?|keys?"
    r"|api_keys?|passwords?)"
)
MAX_DEPTH = 8
#: A function name or last path segment naming a route that makes or renews something.
MINTING_ROUTE = re.compile(
    r"(?i)(?:create|new|issue|mint|generate|regenerate|rotate|refresh|reset|renew|reissue)"
    r"(?:[_-][a-z0-9_-]*)?"
)
MINTING_METHODS = frozenset({"post", "put", "patch"})
HASH_WORDS = ("hash", "salt", "digest")


def hands_out_secret(index: ProjectIndex, method: str, names: tuple[str, ...], model: str):
    """The one field a route's response `model` has, when it is the route's hand-out: the
    route is a POST/PUT/PATCH whose function name or last path segment (`names`) makes or
    renews something, and the model has no other field; its whole content is the secret the
    route exists to give. A hash-named field is never the hand-out. None otherwise."""
    from .models import model_info

    if method not in MINTING_METHODS or not any(MINTING_ROUTE.fullmatch(n) for n in names if n):
        return None
    info = model_info(index, model)
    if info is None or info.custom_serializer or len(info.fields) != 1:
        return None
    name = info.fields[0].name
    return None if any(word in name.lower() for word in HASH_WORDS) else name


def gives_own_credentials(index: ProjectIndex, module: str, key: str, fact: dict) -> bool:
    """The route returns the caller's own record, or passes the client's request for its
    credentials on (see the module docstring; the response model's name is checked apart)."""
    return _asks_for_credentials(fact) or _returns_caller(index, module, key, fact)


def _asks_for_credentials(fact: dict) -> bool:
    for call in fact.get("calls") or ():
        kwargs = call[4] if len(call) > 4 else {}
        for name, value in (kwargs or {}).items():
            if INCLUDE_FLAG.fullmatch(name) and not isinstance(view(value), Const):
                return True
    return False


def _returns_caller(index: ProjectIndex, module: str, key: str, fact: dict) -> bool:
    values = [v for v in fact.get("returns_values") or () if v != ["const", None]]
    return bool(values) and all(_is_caller(index, module, key, v, 0) for v in values)


def _is_caller(index: ProjectIndex, module: str, scope: str, shape: Shape | None, depth: int):
    if not shape or depth > MAX_DEPTH:
        return False
    typed = view(shape)
    if isinstance(typed, Await):
        return _is_caller(index, module, scope, typed.value, depth + 1)
    if isinstance(typed, Name) and "." not in typed.dotted:
        bound = index.bound_value(module, scope, typed.dotted)
        if bound is not None:
            return bound[1] == scope and _is_caller(index, module, scope, bound[0], depth + 1)
        found = index.lookup_binding(module, scope, typed.dotted)
        binding = view_binding(found[0]) if found and found[1] == scope else None
        return isinstance(binding, ParamBinding) and _is_caller_param(index, module, scope, binding)
    if isinstance(typed, Call):
        # A conversion or a response built from the caller's record alone.
        inputs = [a for a in [*typed.args, *typed.kwargs.values()] if not _constant(a)]
        return len(inputs) == 1 and _is_caller(index, module, scope, inputs[0], depth + 1)
    return False


def _constant(shape: Any) -> bool:
    return isinstance(view(shape), Const) or shape in (["n", "None"], ["n", "True"], ["n", "False"])


def _is_caller_param(index: ProjectIndex, module: str, scope: str, binding) -> bool:
    found = index.dependency_marker(module, scope, binding.default, binding.annotation)
    if found is None:
        return False
    _module, _scope, call, _annotated = found
    marker = view(call)
    if not isinstance(marker, Call):
        return False
    dep = marker.kwargs.get("dependency") or (marker.args[0] if marker.args else None)
    if dep is None:
        return False
    named = view(dep)
    if isinstance(named, Call):  # `Depends(Authenticated())`: a callable instance
        named = view(named.func)
    text = named.dotted if isinstance(named, Name) else None
    return text is not None and bool(CALLER_DEPENDENCY.fullmatch(text.rpartition(".")[2]))
