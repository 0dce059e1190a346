"""FPI304 response-filtering-bypassed: a secret-bearing object is serialised by hand (a
`Response`, `model_dump()`, `jsonable_encoder`, `__dict__`) where nothing filters it."""

from __future__ import annotations

from ...lazycst import cst
from .models import is_response_class
from .routes import SecretRouteRule, expression_shape, response_call_verdict


class ResponseFilteringBypassed(SecretRouteRule):
    code = "FPI304"
    name = "response-filtering-bypassed"
    message = "A secret-bearing object is serialised where no response model filters it"
    summary = "`Response`/`model_dump()`/`jsonable_encoder` of a model with secret fields"
    fix_availability = "sometimes"
    docs = """
## What it does
Checks path operations for two ways around response-model filtering:

- a `Response`, `JSONResponse` (or another response class) built from a secret-bearing model
  object or its dump: FastAPI sends a returned response as it is, whatever the response model;
- `obj.model_dump()`, `.dict()`, `.model_dump_json()`, `obj.__dict__`, `vars(obj)`, `dict(obj)`
  or `jsonable_encoder(obj)` of a secret-bearing object returned where no response model filters
  it (no `response_model`, a `dict`/`Any` return annotation, or `response_model=None`).

A dump whose `exclude=`/`include=` leaves out every secret field is not reported. With a public
`response_model` or return annotation, a returned dict is filtered and nothing leaks.

## Why is this bad?
Dumping the model by hand copies every field, the secrets included, into the response; a
response model would have dropped them, but none applies here.

## Example
```python
@app.get("/me")
def read_me(user: CurrentUser):
    return JSONResponse(content=jsonable_encoder(user))
```

## Use instead
```python
@app.get("/me", response_model=UserPublic)
def read_me(user: CurrentUser):
    return user
```

## Fix safety
For a returned dump, when the model's module defines a public sibling (`UserPublic`, `UserOut`,
...) the fix adds `response_model=UserPublic` to the decorator so FastAPI filters the dict. It
is unsafe: clients stop receiving the left-out fields. A hand-built `Response` has no fix.
"""

    def visit_Call(self, node: cst.Call) -> None:
        found = self.current_route()
        if found is None:
            return
        ref = self.ctx.resolve(node.func)
        if ref is None or ref.kind != "external" or not is_response_class(ref.qual):
            return
        shape = expression_shape(self.ctx.module, node)
        if shape is None:
            return
        verdict = response_call_verdict(self.ctx.index, found[0], self.policy, shape)
        if verdict is not None:
            self.report(node, verdict.message)
