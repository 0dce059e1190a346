"""FPI104 blocking-file-io-in-async: filesystem I/O inside `async def`."""

from __future__ import annotations

from .base import CategoryRule
from .catalog import FILESYSTEM


class BlockingFileIoInAsync(CategoryRule):
    code = "FPI104"
    name = "blocking-file-io-in-async"
    category = FILESYSTEM
    message = "Sync filesystem I/O blocks the event loop inside `async def`"
    summary = (
        "`open()`, `pathlib.Path` I/O, `os`/`shutil`/`glob` filesystem calls inside `async def`"
    )
    docs = """
## What it does
Checks for filesystem I/O in the body of an `async def`: `open()`, `io.open()`, `codecs.open()`,
`pathlib.Path` methods that touch the disk (`read_text`, `write_bytes`, `open`, `exists`,
`is_file`, `stat`, `iterdir`, `glob`, `mkdir`, `unlink`, ...), `os` filesystem calls (`listdir`,
`scandir`, `walk`, `stat`, `remove`, `rename`, `makedirs`, ...), `os.path` queries that stat the
disk (`exists`, `isfile`, `isdir`, `getsize`, `getmtime`, ...), `shutil` copies and removals,
`glob.glob`, `tempfile` file and folder creation (`NamedTemporaryFile`, `TemporaryDirectory`,
`mkstemp`, `mkdtemp`), advisory file locks (`fcntl.flock`, `fcntl.lockf`) and archive
members extracted to or added from disk (`ZipFile.extract`/`extractall`/`write`,
`TarFile.extract`/`extractall`/`add`, also for an archive held in memory; reading members of
an in-memory archive is not file I/O).

Stat-like calls count as I/O: on a network filesystem or a busy disk a `stat()` can take as long
as a read. Pure path work never does: `os.path.join`, `Path(...)`, `/`, `.name`, `.suffix`,
`.parent`, `PurePath`, `.resolve()` and `.absolute()` are not reported.

A file object returned by `open()` is reported once, at `open()`: its `read()`/`write()` calls are
the same problem and are not reported again.

## Why is this bad?
Disk access blocks the thread that performs it. In an `async def` that thread runs the event
loop, so every other request waits for the disk.

## Example
```python
from pathlib import Path

from fastapi import FastAPI

app = FastAPI()
REPORTS = Path("reports")


@app.get("/reports/{name}")
async def report(name: str):
    with open(REPORTS / name) as handle:
        return {"text": handle.read()}
```

## Use instead
```python
import anyio
from fastapi import FastAPI

app = FastAPI()
REPORTS = anyio.Path("reports")


@app.get("/reports/{name}")
async def report(name: str):
    return {"text": await (REPORTS / name).read_text()}
```
Or use `aiofiles`, `await asyncio.to_thread(...)`, or declare the path operation with `def`.

## Fix safety
No fix is offered.
"""
