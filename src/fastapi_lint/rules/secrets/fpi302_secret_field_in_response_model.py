"""FPI302 secret-field-in-response-model: `response_model=` or the return annotation names a
model with secret fields."""

from __future__ import annotations

from ...lazycst import cst
from .routes import RouteView, SecretRouteRule


class SecretFieldInResponseModel(SecretRouteRule):
    code = "FPI302"
    name = "secret-field-in-response-model"
    message = "The response model exposes a secret field to the client"
    summary = "`response_model` or return annotation is a model with secret fields"
    fix_availability = "sometimes"
    docs = """
## What it does
Checks for path operations whose `response_model=` (or, without one, whose return annotation)
is a Pydantic or SQLModel model with a secret field, directly or inside `list[...]`,
`Optional[...]`, `Union[...]`, `X | None`, `Sequence[...]`, `Annotated[...]` or a generic page
model such as `Page[User]`. Fields of nested models count too (`owner: User` leaks
`owner.hashed_password`). Fields inherited from base classes in other modules are included.

Secret fields typed `SecretStr`/`SecretBytes`, declared with `Field(exclude=True)` or excluded
by the model's serializer configuration are not reported, nor are the token fields of an OAuth2
token route. A `response_model=` wins over the return annotation, as in FastAPI.

Neither are fields whose type cannot hold a secret (`password_configured: bool`,
`password_changed: datetime`, an enum, a `Literal`, `token_count: int`), fields whose type says
they refer to secrets kept elsewhere (a string or a UUID, alone or in a list:
`secrets: list[str | UUID]`, the names or IDs of stored secrets) or configure something that
handles them (a mapping whose name ends in `_config`, `_settings`, `_options` or `_params`:
`detect_secrets_config: dict | None`), nor fields the route
fills only with a masked value (`mask_password(...)`, `get_value(mask=True)`, `"****"`), with
the caller's own input (`salt=query.salt`), or, in a POST, with a secret generated there
(`secrets.token_urlsafe()`, `uuid4()`) that the route hands out once, nor the top-level
secrets of a POST's response model named as a creation result (`ApiKeyCreated`), nor the one
field of a response model that has only that field when a POST/PUT/PATCH is named for making
or renewing something (`rotate_webhook_secret` → `WebhookSecretResponse{secret}`), nor a
secret the caller sent that comes back in the record the route stored from it
(`stored = create(token=body.credential)`, then `Response(token=stored)`). `token`/`api_key` fields
of a stored-record model (`table=True`, `from_attributes=True`) are reported when a GET, PUT,
PATCH or DELETE route returns them (user listings that carry API tokens). See
`docs/secrets.md`.

## Why is this bad?
The response model is the filter: FastAPI sends every field it declares. Declaring the table
model (`User` with `hashed_password`) as the response model sends the secret to every client
and documents it in the OpenAPI schema.

## Example
```python
@app.get("/users/", response_model=list[User])
def read_users(session: SessionDep):
    return session.exec(select(User)).all()
```

## Use instead
```python
@app.get("/users/", response_model=list[UserPublic])
def read_users(session: SessionDep):
    return session.exec(select(User)).all()
```

## Fix safety
When the model's module defines a public sibling (`UserPublic`, `UserOut`, `UserRead`, ...) that
leaks nothing and whose fields all exist on the model, the fix points the response model or the
return annotation at it and imports it. It is unsafe: clients stop receiving the left-out
fields. Secret name patterns are configured as described for FPI301.
"""

    def check_route(self, view: RouteView, funcdef: cst.FunctionDef) -> None:
        self.report_output(view, funcdef)
