"""FPI102 blocking-http-call-in-async: a sync HTTP client used inside `async def`."""

from __future__ import annotations

from .base import CategoryRule
from .catalog import HTTP


class BlockingHttpCallInAsync(CategoryRule):
    code = "FPI102"
    name = "blocking-http-call-in-async"
    category = HTTP
    message = (
        "A sync HTTP request blocks the event loop inside `async def`; use `httpx.AsyncClient`"
    )
    summary = "sync HTTP request (`requests`, `httpx.Client`, `urllib`, `urllib3`, `http.client`) inside `async def`"
    docs = """
## What it does
Checks for requests made with a synchronous HTTP client in the body of an `async def`:
`requests` functions and `Session` methods, `httpx` module functions and `httpx.Client` methods,
`urllib.request.urlopen`/`urlretrieve`, `urllib3` pool managers and connection pools, and
`http.client` connections. Names are resolved through imports and simple local flow
(`client = httpx.Client()`, `with requests.Session() as s`, parameters annotated with the class),
so a local variable named `requests` or a project function named `get` is never matched, and
`httpx.AsyncClient` is not a sync client.

## Why is this bad?
FastAPI runs `async def` path operations and dependencies on the event loop. A sync request holds
the loop for the whole round trip, so every other request served by the process waits for the
remote server too.

## Example
```python
import requests
from fastapi import FastAPI

app = FastAPI()


@app.get("/weather")
async def weather(city: str):
    return requests.get("https://weather.example", params={"city": city}).json()
```

## Use instead
```python
import httpx
from fastapi import FastAPI

app = FastAPI()


@app.get("/weather")
async def weather(city: str):
    async with httpx.AsyncClient() as client:
        response = await client.get("https://weather.example", params={"city": city})
    return response.json()
```
Or declare the path operation with plain `def`, which FastAPI runs in a threadpool.

## Fix safety
No fix is offered: the async client has a different API and lifetime.
"""
