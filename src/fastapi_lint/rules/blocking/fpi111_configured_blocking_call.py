"""FPI111 configured-blocking-call-in-async: a call listed in `blocking-calls` inside `async def`."""

from __future__ import annotations

from .base import CategoryRule
from .catalog import CONFIGURED


class ConfiguredBlockingCallInAsync(CategoryRule):
    code = "FPI111"
    name = "configured-blocking-call-in-async"
    category = CONFIGURED
    hint = " (listed in `blocking-calls`)"
    message = "A call listed in `blocking-calls` blocks the event loop inside `async def`"
    summary = "call listed in `[tool.fastapi-lint.rules] blocking-calls` inside `async def`"
    docs = """
## What it does
Checks for calls that your configuration declares blocking, in the body of an `async def`.
List them by their qualified name, optionally with the alternative the message should name:

```toml
[tool.fastapi-lint.rules]
blocking-calls = [
    "legacy_sdk.fetch_invoice",
    { call = "legacy_sdk.Client.upload", use = "legacy_sdk.AsyncClient.upload" },
]
# Calls that run their first argument in a thread, like `asyncio.to_thread`:
offload-calls = ["app.utils.run_blocking"]
```

A name is a module-level callable (`pkg.mod.func`), a method of a class whose instances the
linter can follow (`pkg.mod.Client.method` matches `client = Client(); client.method()` and
parameters annotated `Client`), or a function of your own project (`app.legacy.render`). The
transitive rule (FPI110) uses the same list, so a sync helper that calls a listed function is
reported where an async function calls it. Functions listed in `offload-calls` are treated like
`asyncio.to_thread`: a callable passed to them is not a call on the event loop.

## Why is this bad?
FastAPI runs `async def` path operations on the event loop; a blocking call there stalls every
request served by the process.

## Example
```python
import legacy_sdk
from fastapi import FastAPI

app = FastAPI()


@app.get("/invoices/{number}")
async def invoice(number: str):
    return legacy_sdk.fetch_invoice(number)
```

## Use instead
```python
import legacy_sdk
from fastapi import FastAPI
from fastapi.concurrency import run_in_threadpool

app = FastAPI()


@app.get("/invoices/{number}")
async def invoice(number: str):
    return await run_in_threadpool(legacy_sdk.fetch_invoice, number)
```

## Fix safety
No fix is offered.
"""
