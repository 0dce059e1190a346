"""FPI105 sync-upload-file-io-in-async: `file.file.read()` on an `UploadFile` in `async def`."""

from __future__ import annotations

from ...index.project import Ref
from ...lazycst import cst
from ...rule import Fix
from .base import AsyncCallRule
from .catalog import UPLOAD, UPLOAD_ASYNC_METHODS, classify


class SyncUploadFileIoInAsync(AsyncCallRule):
    code = "FPI105"
    catalog_category = UPLOAD
    name = "sync-upload-file-io-in-async"
    message = (
        "`UploadFile.file` is a sync file; use the `UploadFile` coroutine (`await file.read()`)"
    )
    summary = "sync `UploadFile.file.read()`/`write()`/`seek()` inside `async def`"
    fix_availability = "sometimes"
    judges_awaited_calls = True
    docs = """
## What it does
Checks for I/O on the underlying file of an `UploadFile` (`file.file.read()`, `.write()`,
`.seek()`, `.readline()`, ...) in the body of an `async def`, where the parameter is annotated
`UploadFile` (directly, through `Annotated[...]` or a type alias).

## Why is this bad?
`UploadFile.file` is a `SpooledTemporaryFile`: large uploads live on disk, so reading it blocks
the event loop. `UploadFile` offers `read()`, `write()`, `seek()` and `close()` as coroutines that
run the I/O in a threadpool when the file is on disk. `await file.file.read()` is worse still: it
awaits the returned bytes and raises `TypeError`.

## Example
```python
from fastapi import FastAPI, UploadFile

app = FastAPI()


@app.post("/upload")
async def upload(file: UploadFile):
    data = file.file.read()
    return {"size": len(data)}
```

## Use instead
```python
from fastapi import FastAPI, UploadFile

app = FastAPI()


@app.post("/upload")
async def upload(file: UploadFile):
    data = await file.read()
    return {"size": len(data)}
```

## Fix safety
The fix rewrites `file.file.read(...)` as `await file.read(...)` (and `await file.file.read()` as
`await file.read()`) for `read`, `write`, `seek` (one argument) and `close`, with the same
arguments. It is safe: the coroutine performs the same operation on the same file object. No fix
is offered where `await` is not allowed or for other methods.
"""

    def on_call(self, node: cst.Call, ref: Ref | None) -> None:
        reason = classify(ref, self.extra)
        if reason is None or reason.category != UPLOAD:
            return
        self.report(node, message=self._message(reason.call), fix=self._fix(node))

    @staticmethod
    def _message(call: str) -> str:
        method = call.rpartition(".")[2]
        if method in UPLOAD_ASYNC_METHODS:
            return (
                f"`{call}()` is sync file I/O inside `async def`; use `await file.{method}()` "
                "of the `UploadFile`"
            )
        return f"`{call}()` is sync file I/O inside `async def`; use the `UploadFile` coroutines"

    def _fix(self, node: cst.Call) -> Fix | None:
        func = node.func
        if not (isinstance(func, cst.Attribute) and isinstance(func.value, cst.Attribute)):
            return None
        method = func.attr.value
        if method not in UPLOAD_ASYNC_METHODS:
            return None
        if any(arg.keyword is not None or arg.star for arg in node.args):
            return None
        if len(node.args) > (0 if method == "close" else 1):
            return None
        upload = func.value.value
        call = node.with_changes(func=func.with_changes(value=upload))
        if id(node) in self.awaited:
            replacement: cst.BaseExpression = call
        elif self.ctx.await_allowed():
            replacement = self.awaitable(node, call)
        else:
            return None
        return Fix(
            message=f"Use `await <upload>.{method}(...)`",
            applicability="safe",
            replacements={node: replacement},
        )
