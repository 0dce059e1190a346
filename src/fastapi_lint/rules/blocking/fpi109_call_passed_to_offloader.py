"""FPI109 blocking-call-passed-to-offloader: `to_thread(requests.get(url))` runs the call on
the loop and offloads its result."""

from __future__ import annotations

from ...lazycst import cst
from ...rule import Fix, NodeHop
from .base import AsyncCallRule, positional_args
from .catalog import (
    FILESYSTEM,
    HASHING,
    HTTP,
    SLEEP,
    SUBPROCESS,
    Offloader,
    blocking_chain,
    classify,
    project_function,
)

# Categories whose calls do not care which thread runs them: moving them is safe.
_THREAD_AGNOSTIC = frozenset({SLEEP, HTTP, SUBPROCESS, FILESYSTEM, HASHING})


class BlockingCallPassedToOffloader(AsyncCallRule):
    code = "FPI109"
    name = "blocking-call-passed-to-offloader"
    message = (
        "The call runs on the event loop; pass the function and its arguments to the offloader"
    )
    summary = "`await asyncio.to_thread(fn(x))`: a blocking call given to an offloader instead of a callable"
    fix_availability = "sometimes"
    docs = """
## What it does
Checks for a blocking call written where an offloader expects a callable:
`await asyncio.to_thread(requests.get(url))`, `loop.run_in_executor(None, open(path))`,
`anyio.to_thread.run_sync(...)`, `run_in_threadpool(...)` (Starlette's or FastAPI's), and the
same through `functools.partial(...)`. Functions listed in `offload-calls` count as offloaders.
The call is reported when it is known to block: a catalogued blocking call (the other FPI1xx
rules) or a project function that blocks (FPI110).

## Why is this bad?
The arguments of the offloader are evaluated first, on the event loop: the blocking call runs
right there, and the offloader receives its result, usually not callable, so it fails with
`TypeError` after the damage is done.

## Example
```python
import asyncio

import requests


async def fetch(url: str):
    return await asyncio.to_thread(requests.get(url))
```

## Use instead
```python
import asyncio

import requests


async def fetch(url: str):
    return await asyncio.to_thread(requests.get, url)
```

## Fix safety
The fix passes the function and its arguments separately: `to_thread(requests.get, url)`. It is
safe for calls that do not care which thread runs them (HTTP, subprocess, filesystem, sleep and
hashing calls) and unsafe otherwise (database clients and sessions are often bound to the thread
that created them; project functions may rely on thread-local state). Keyword arguments are kept
only for offloaders that forward them (`asyncio.to_thread`, `run_in_threadpool`); otherwise no fix
is offered.
"""

    @classmethod
    def defaults_doc(cls) -> str:
        from .catalog_docs import offloaders_markdown

        return offloaders_markdown()

    def on_offloader(
        self, node: cst.Call, found: Offloader, inner: cst.Call, holder: cst.Call
    ) -> None:
        ref = self.resolve(inner.func)
        reason = classify(ref, self.extra)
        hops: tuple = ()
        if reason is not None:
            name, via, safe = reason.call, "", reason.category in _THREAD_AGNOSTIC
        else:
            target = project_function(self.ctx.index, ref)
            chain = None
            if target is not None:
                env = self.env_of(inner, target)
                chain = blocking_chain(self.ctx.index, target, self.extra, env=env)
            if chain is None:
                return
            name, via, safe = chain.names[0], f" (it blocks: {chain.text()})", False
            if chain.hops:
                spelled = self.ctx.module.code_for_node(inner.func)
                hops = (NodeHop(inner, spelled), *chain.hops)
        offloader_name = found.qual.rpartition(".")[2]
        message = (
            f"`{name}()` runs on the event loop before `{offloader_name}()` gets its "
            f"result{via}; pass the function and its arguments instead"
        )
        forwards = found.forwards_kwargs if holder is node else True
        self.report(
            inner, message=message, fix=self._fix(inner, holder, forwards, safe), chain=hops
        )

    @staticmethod
    def _fix(inner: cst.Call, holder: cst.Call, forwards: bool, safe: bool) -> Fix | None:
        keywords = [arg for arg in inner.args if arg.keyword is not None or arg.star == "**"]
        if keywords and not forwards:
            return None
        if any(arg.keyword is not None and arg.keyword.value == "func" for arg in inner.args):
            return None
        position = next(i for i, arg in enumerate(holder.args) if arg.value is inner)
        later = holder.args[position + 1 :]
        if keywords and any(arg.keyword is None and arg.star != "**" for arg in later):
            return None
        if len(positional_args(holder)) <= position:
            return None
        original = holder.args[position]
        pieces = [cst.Arg(value=inner.func)]
        pieces.extend(inner.args)
        comma = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
        for i, piece in enumerate(pieces[:-1]):
            if not isinstance(piece.comma, cst.Comma):
                pieces[i] = piece.with_changes(comma=comma)
        pieces[-1] = pieces[-1].with_changes(comma=original.comma)
        args = [*holder.args[:position], *pieces, *later]
        return Fix(
            message="Pass the function and its arguments to the offloader",
            applicability="safe" if safe else "unsafe",
            replacements={holder: holder.with_changes(args=args)},
        )
