"""FPI305 secret-hidden-by-response-model-exclude: `response_model_exclude`/`_include` is what
keeps a secret field out of the response."""

from __future__ import annotations

from ...lazycst import cst
from .routes import RouteView, SecretRouteRule


class SecretHiddenByResponseModelExclude(SecretRouteRule):
    code = "FPI305"
    name = "secret-hidden-by-response-model-exclude"
    message = "`response_model_exclude` hides a secret field the schema still documents"
    summary = "Secret field hidden with `response_model_exclude`/`response_model_include`"
    fix_availability = "sometimes"
    docs = """
## What it does
Checks for path operations whose response model has secret fields that are kept out of the
response only by `response_model_exclude={...}` or `response_model_include={...}`. (When the
exclusion misses a secret field, FPI302 reports the leak instead.)

## Why is this bad?
The exclusion is applied when the response is serialised, but the OpenAPI schema still
documents the secret field, generated clients expect it, and every other route that uses the
model must remember the same exclusion. FastAPI's documentation recommends separate models.

## Example
```python
@app.get("/users/{user_id}", response_model=User, response_model_exclude={"hashed_password"})
def read_user(user_id: int, session: SessionDep):
    return session.get(User, user_id)
```

## Use instead
```python
@app.get("/users/{user_id}", response_model=UserPublic)
def read_user(user_id: int, session: SessionDep):
    return session.get(User, user_id)
```

## Fix safety
When the model's module defines a public sibling (`UserPublic`, `UserOut`, ...) that leaks
nothing and whose fields all exist on the model, the fix points `response_model` at it and
removes the exclusion. It is unsafe: the response and the schema change.
"""

    def check_route(self, view: RouteView, funcdef: cst.FunctionDef) -> None:
        self.report_output(view, funcdef)
