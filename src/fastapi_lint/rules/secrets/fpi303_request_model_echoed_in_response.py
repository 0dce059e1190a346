"""FPI303 request-model-echoed-in-response: the same secret-bearing model is the request body
and the response (FastAPI's `UserIn` anti-pattern)."""

from __future__ import annotations

from ...lazycst import cst
from .routes import RouteView, SecretRouteRule


class RequestModelEchoedInResponse(SecretRouteRule):
    code = "FPI303"
    name = "request-model-echoed-in-response"
    message = "The request body model is also the response model and echoes its secret fields"
    summary = "Same secret-bearing model used for the request body and the response"
    fix_availability = "sometimes"
    docs = """
## What it does
Checks for path operations that take a model with a secret field as the request body (a
parameter that is not a dependency) and declare the same model as the response model or return
annotation, or return the body itself with no response model.

## Why is this bad?
This is the anti-pattern FastAPI's documentation warns about with `UserIn`: the password the
client sent is sent back in the response, and any log, proxy or browser history that keeps
responses now keeps the password too.

## Example
```python
class UserIn(BaseModel):
    username: str
    password: str


@app.post("/users/")
async def create_user(user: UserIn) -> UserIn:
    return user
```

## Use instead
```python
class UserOut(BaseModel):
    username: str


@app.post("/users/")
async def create_user(user: UserIn) -> UserOut:
    return user
```

## Fix safety
When the model's module defines a public sibling (`UserOut`, `UserPublic`, `UserRead`, ... for
`UserIn`) that leaks nothing and whose fields all exist on the body model, the fix points the
response model (or the return annotation) at it, or adds `response_model=` when there was none.
It is unsafe: clients stop receiving the left-out fields.
"""

    def check_route(self, view: RouteView, funcdef: cst.FunctionDef) -> None:
        self.report_output(view, funcdef)
