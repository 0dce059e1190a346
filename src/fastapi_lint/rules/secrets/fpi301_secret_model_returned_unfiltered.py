"""FPI301 secret-model-returned-unfiltered: a route returns a secret-bearing model object and
no response model filters it."""

from __future__ import annotations

from .routes import SecretRouteRule


class SecretModelReturnedUnfiltered(SecretRouteRule):
    code = "FPI301"
    name = "secret-model-returned-unfiltered"
    message = "A secret-bearing model is returned and no response model filters it"
    summary = "Route returns a model with secret fields and declares no response model"
    fix_availability = "sometimes"
    docs = """
## What it does
Checks for path operations that return an object of a Pydantic or SQLModel model with a secret
field (`hashed_password`, `secret_key`, `ssn`, ...) while nothing filters the response: no
`response_model`, no return annotation (or one such as `dict` or `Any`), or
`response_model=None`. Objects are recognised when they come from the model's constructor or
`Model.model_validate(...)`, `session.get(Model, id)`, `session.exec(select(Model)).first()` /
`.all()`, `db.query(Model)....first()`, a project function or method annotated to return the
model (or returning one), or a parameter annotated with it (such as the current user from a
dependency). Through the semantic model (`index/semantic.py`) the value is also followed where
it is typed rather than written: a method of a service the route gets from `Depends(Service)`
or builds itself (`user = await service.get(id); return user`), a name bound `None` and then
such a value, a `for` target over a typed list, an attribute of a project object
(`current.user`, `request.state.user` where the project assigns it). The model and its base
classes may live in other modules.

A secret field is not reported when it is typed `SecretStr`/`SecretBytes`, declared with
`Field(exclude=True)`, excluded by the model's serializer configuration (a `@field_serializer`,
a `@model_serializer`, or a v1 `Config.fields` exclusion). Token fields returned by an OAuth2
token route are intended output. The secret name patterns are configurable (see below).

A secret name is not enough: a field whose type cannot hold a secret (`bool`, dates, enums,
`Literal`, counts) is not one; a field the route fills only with a masked value, with the
caller's own input, or (in a POST) with a secret it has just generated to hand out is not a
leak; and `token`/`api_key` fields are secrets when a stored-record model (`table=True`,
`from_attributes`) carries them and a GET/PUT/PATCH/DELETE route returns them. The full rules:
`docs/secrets.md`.

## Why is this bad?
Without a response model FastAPI serialises the whole object, so every user's password hash (or
secret key, or card number) is published to anyone who can call the route. FastAPI's own
tutorial splits such models into a table model and a public one for exactly this reason.

## Example
```python
from fastapi import FastAPI
from sqlmodel import Session

from app.models import User

app = FastAPI()


@app.get("/users/{user_id}")
def read_user(user_id: int, session: Session):
    return session.get(User, user_id)  # sends hashed_password
```

## Use instead
```python
from app.models import User, UserPublic


@app.get("/users/{user_id}", response_model=UserPublic)
def read_user(user_id: int, session: Session):
    return session.get(User, user_id)
```

## Configuration
Under `[tool.fastapi-lint.rules]` (shared by every FPI3xx rule): `secret-field-patterns`
replaces the default name patterns (regular expressions matched in full, case-insensitively,
against the field name in snake_case), `extend-secret-field-patterns` adds to them,
`ignore-secret-fields` lists fields that are meant to be sent (`"token"`, `"ApiKey.secret"`,
`"app.models.ApiKey.secret"`), and `allowed-secret-models` lists models whose secrets are
intended output (a bare class name or a qualified one).

## Fix safety
When the model's module has a public sibling that leaks nothing and whose fields all exist on
the model (`UserPublic`, `UserOut`, `UserRead`, ... for `User`, `UserInDB` or `UserIn`), the fix
adds `response_model=UserPublic` (or `list[UserPublic]`) to the route decorator and imports it.
It is unsafe: clients stop receiving the fields the public model leaves out.
"""
