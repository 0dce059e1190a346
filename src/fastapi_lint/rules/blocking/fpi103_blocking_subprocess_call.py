"""FPI103 blocking-subprocess-call-in-async: `subprocess`/`os.system` inside `async def`."""

from __future__ import annotations

from .base import CategoryRule
from .catalog import SUBPROCESS


class BlockingSubprocessCallInAsync(CategoryRule):
    code = "FPI103"
    name = "blocking-subprocess-call-in-async"
    category = SUBPROCESS
    message = "A sync subprocess call blocks the event loop inside `async def`"
    summary = (
        "`subprocess.*`, `os.system`, `os.popen`, `os.spawn*` or `os.wait*` inside `async def`"
    )
    docs = """
## What it does
Checks for process creation and waiting with blocking APIs in the body of an `async def`:
`subprocess.run`, `call`, `check_call`, `check_output`, `getoutput`, `getstatusoutput`, `Popen`
(and `Popen.communicate()`/`wait()`), `os.system`, `os.popen`, `os.spawn*`, `os.posix_spawn*`,
`os.wait*`, `os.fork`/`forkpty` and `os.exec*`, and GitPython (`git.Repo.clone_from`/`init`
and the operations of a `git.Repo`, `repo.git.<command>()` included: each one runs `git`).

## Why is this bad?
These calls wait for the child process (or at least fork and exec it) on the event loop thread,
so every request served by the process stalls until the command finishes.

## Example
```python
import subprocess

from fastapi import FastAPI

app = FastAPI()


@app.post("/thumbnails")
async def thumbnail(name: str):
    subprocess.run(["convert", name, "-resize", "64x64", f"thumb-{name}"], check=True)
    return {"ok": True}
```

## Use instead
```python
import asyncio

from fastapi import FastAPI

app = FastAPI()


@app.post("/thumbnails")
async def thumbnail(name: str):
    process = await asyncio.create_subprocess_exec(
        "convert", name, "-resize", "64x64", f"thumb-{name}"
    )
    await process.wait()
    return {"ok": True}
```

## Fix safety
No fix is offered: the asyncio subprocess API differs (streams, return codes, `check=`).
"""
