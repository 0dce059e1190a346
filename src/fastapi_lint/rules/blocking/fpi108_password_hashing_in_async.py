"""FPI108 password-hashing-in-async: CPU-heavy password hashing on the event loop."""

from __future__ import annotations

from ...index.project import Ref
from ...lazycst import cst
from ...rule import Fix, ImportRequest
from .base import AsyncCallRule, blocking_message
from .catalog import HASHING, classify

_RUN_IN_THREADPOOL = frozenset(
    {"fastapi.concurrency.run_in_threadpool", "starlette.concurrency.run_in_threadpool"}
)


class PasswordHashingInAsync(AsyncCallRule):
    code = "FPI108"
    catalog_category = HASHING
    name = "password-hashing-in-async"
    message = "Password hashing is CPU-heavy and blocks the event loop inside `async def`"
    summary = "`bcrypt`, passlib `CryptContext`, `pwdlib`, `argon2`, `hashlib.pbkdf2_hmac`/`scrypt` inside `async def`"
    fix_availability = "sometimes"
    docs = """
## What it does
Checks for password hashing and verification in the body of an `async def`: `bcrypt.hashpw`,
`bcrypt.checkpw`, `bcrypt.kdf`, passlib `CryptContext.hash`/`verify`/`verify_and_update` and
`passlib.hash.<scheme>.hash`/`verify`, `pwdlib.PasswordHash.hash`/`verify`, argon2
`PasswordHasher.hash`/`verify` and `argon2.low_level`, `hashlib.pbkdf2_hmac` and
`hashlib.scrypt`.

## Why is this bad?
Password hashes are slow on purpose: one bcrypt or argon2 call costs tens to hundreds of
milliseconds of CPU. On the event loop that is time during which no other request is served, and
login endpoints are exactly the ones attackers call in bulk.

## Example
```python
from fastapi import FastAPI
from passlib.context import CryptContext

app = FastAPI()
pwd_context = CryptContext(schemes=["bcrypt"])


@app.post("/login")
async def login(password: str, stored_hash: str):
    return {"ok": pwd_context.verify(password, stored_hash)}
```

## Use instead
```python
from fastapi import FastAPI
from fastapi.concurrency import run_in_threadpool
from passlib.context import CryptContext

app = FastAPI()
pwd_context = CryptContext(schemes=["bcrypt"])


@app.post("/login")
async def login(password: str, stored_hash: str):
    return {"ok": await run_in_threadpool(pwd_context.verify, password, stored_hash)}
```

## Fix safety
The fix rewrites `fn(*args, **kwargs)` as `await run_in_threadpool(fn, *args, **kwargs)` and adds
`from fastapi.concurrency import run_in_threadpool`. It is unsafe: the hash now runs in a worker
thread, and other tasks run while it does. No fix is offered where `await` is not allowed, where
the call is already awaited, or where `run_in_threadpool` names something else in the module.
"""

    def on_call(self, node: cst.Call, ref: Ref | None) -> None:
        reason = classify(ref, self.extra)
        if reason is None or reason.category != HASHING:
            return
        self.report(node, message=blocking_message(reason), fix=self._fix(node))

    def _fix(self, node: cst.Call) -> Fix | None:
        if id(node) in self.awaited or not self.ctx.await_allowed():
            return None
        if any(arg.keyword is not None and arg.keyword.value == "func" for arg in node.args):
            return None
        bound = self.ctx.resolve(cst.Name("run_in_threadpool"))
        if bound is not None and bound.qual not in _RUN_IN_THREADPOOL:
            return None
        args = [cst.Arg(value=node.func)]
        if node.args:
            args[0] = args[0].with_changes(
                comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
            )
        args.extend(node.args)
        call = cst.Call(func=cst.Name("run_in_threadpool"), args=args)
        return Fix(
            message="Run it with `await run_in_threadpool(...)`",
            applicability="unsafe",
            replacements={node: self.awaitable(node, call)},
            imports=[ImportRequest("fastapi.concurrency", "run_in_threadpool")],
        )
