"""FPI110 transitive-blocking-call-in-async: an async function calls a sync project function
that blocks, directly or through further sync calls, in any module of the project."""

from __future__ import annotations

import ast

from ...index import branches
from ...index.project import Ref
from ...lazycst import cst
from ...rule import FileContext, NodeHop, dotted_name
from .base import ITERATING_BUILTINS, AsyncCallRule, call_arguments
from .catalog import (
    blocking_chain,
    call_env,
    classify,
    constructor_function,
    project_function,
    switch_default,
    virtual_call,
    with_receiver,
)


class TransitiveBlockingCallInAsync(AsyncCallRule):
    code = "FPI110"
    name = "transitive-blocking-call-in-async"
    message = "A sync project function that blocks is called inside `async def`"
    summary = "sync project function that blocks (directly or through further calls) called inside `async def`"
    docs = """
## What it does
Checks for calls, in the body of an `async def`, of a sync function of your project that blocks:
it makes a blocking call that the other FPI1xx rules know (`time.sleep`, sync HTTP, subprocess,
filesystem I/O, sync database and network clients, a sync `Session`, password hashing, or a call
listed in `blocking-calls`), directly or through further sync project functions, in the same
module or any other one. The finding sits at the call in the async function and shows the chain:
`get_user → fetch_profile → requests.get`.

Functions are followed through every import form (`from .services import fetch`,
`import app.services as services`, re-exports), and methods through the objects that hold them,
typed by the project's semantic model: `self.repo.get()` where `__init__` assigned
`self.repo = UserRepo(session)`, a parameter annotated with a project class or injected with
`Depends(get_repo)` (what `get_repo` returns or yields), `super().get()`, class methods, and the
class hierarchy across modules. Making an instance of a project class runs its constructor:
`ServiceConnection(project)` is judged by the class's `__init__` (through its bases), or, for a
dataclass or an attrs class without one, by the `__post_init__`/`__attrs_post_init__` its
generated `__init__` calls, with `self` being that class: an inherited `__init__` that calls
`self.postprocess()` runs the constructed class's own `postprocess`, not every override; a class decorated with `functools.cache` makes one instance per
arguments and is not followed. A call on an abstract or protocol type (`storage: Storage`)
reaches the project's implementations; the chain names the one that blocks and says
"one of N implementations" when there are several. The implementations of an abstract class
are its subclasses; those of a `typing.Protocol` are its subclasses and the classes the project
declares to be one: an object of the class assigned to a name, attribute or field annotated
with the protocol, returned by a function annotated to return it, passed to a parameter
annotated with it, or `Proto.register(Cls)`. A class that only has methods of the same names is
not an implementation (a protocol over a dict's `get` is not implemented by every class with a
`get`), and a call on a protocol nothing is declared to implement stays unresolved. A concrete
method that project subclasses override is treated the same way when the receiver's type is
only declared (`runtime: Runtime = request.state.runtime`, an annotated parameter, class field
or `self.x: T`, or a name or attribute bound to one): `runtime.run_action(action)` may run
`Runtime.run_action` or any override of it, and the chain names the override that blocks
("one of N implementations"). A receiver built by calling the class (`Runtime()`), a method or
class decorated `typing.final`, `self` (whose class the constructor chain settles) and a value
from a dependency run only the method the type names. Iterating a sync generator in the
`async def` (`for row in read_rows(path)`, `next(gen)`) runs the generator's body, so it is
judged like a call; reading a `@property` whose getter blocks is reported at the attribute
(assigning it runs the setter and is not). A library method that calls a method of yours back on
the event loop is followed into your override: `await super().get_response(path, scope)` in a
`StaticFiles` subclass runs Starlette's `get_response`, which calls `self.file_response(...)`
on the loop, so an override of `file_response` that reads the file blocks there (Starlette's
`lookup_path` runs in a thread and is not followed). The search is breadth-first and bounded (six calls
deep), so recursion never loops; calls that cannot be resolved are taken as non-blocking. Work
done once per process is not followed: a function decorated with `functools.cache`/`lru_cache`/
`cached_property`, `cachetools.cached`/`cachetools.func.*_cache`, or a project decorator that
applies one (`def memoise(f): return lru_cache(maxsize=None)(f)`), and the body of a lazy
initialiser (`global _client; if _client is None: _client = build()`, the same on a local copy
that the body stores back, `client = _client; if client is None: ...; _client = client`, or
`if key not in _CACHE: _CACHE[key] = load(key)` on a module-level table, a global memo
keyed on a value, `if _PID != pid: _START = load(pid); _PID = pid`, or a memo on the
object, `if self._version is None: self._version = run_git()` or a kept client rebuilt only
when it went stale, `if self._client.is_closed: self._client = build()`, where the body sets the
attribute it tests (also through a local copy, `registry = getattr(self, "_registry", None);
if registry is None: registry = self._registry = Registry()`, and on an object the function
does not bind itself, a module global or an enclosing function's: `if not app.started: ...;
app.started = True`; the same first-run block in the `async def` itself is not checked), or a memo with a dirty flag, `if not self._dirty and self._seen == self.x:
return` and then a refresh, in the method or in a method of the class it calls on `self`, that
sets back an attribute the test reads (a test of `self` attributes only, for truth, identity or
equality; `if self._count < 10: return` is a batch and is followed): such objects, clients and
managers, live as long as the process), and
what follows a cache hit's early return in a cache-aside memo (`hit = cache.get(key); if hit:
return hit`, then a value built, stored under the key with `cache.set(key, new)`,
`_CACHE[key] = new` or `setattr(obj, key, new)`, and returned: built once per key; a miss
that stores nothing, or returns another value than it stored, is followed). Neither are `async
def` functions and generators that are only created (calling them runs nothing yet). A function
handed to a thread or a pool by reference (`Thread(target=write_audit).start()`,
`executor.submit(write_audit)`, `await run_in_threadpool(fetch_profile, user_id)`) is not a
call: the chain stops there. Socket calls in a helper that sets the socket non-blocking
(`sock.setblocking(False)`) do not block (see FPI106).

Literal arguments rule branches out, per call site: `make_token(user, add_hash=False)` is not
reported when the blocking call sits under `if add_hash:` (or after `if not add_hash: return`),
nor `get_secret("API_KEY")` when it blocks only under `if name.startswith("vault/"):`; the same
helper called with `add_hash=True`, with a parameter left to a default that takes the branch,
or with a value that is not a literal is reported. A function behind a decorator is bound only
when the decorator is `staticmethod`/`classmethod`/`abstractmethod`/`override` or a project
decorator that forwards the arguments unchanged (`def noexcept(func): @wraps(func) def
wrapper(*args, **kwargs): return func(*args, **kwargs) ...; return wrapper`). Omitted parameters take their literal
defaults, and a helper's own known parameter passed on by name carries its value down the
chain. Conditions are evaluated only when they are simple: literals, `not`, `and`/`or`,
`is None`, `==`/`!=`, comparisons, `in` a literal tuple or list, `str.startswith`/`endswith`,
and a literal key looked up in a module-level dict, set, list or tuple literal that no module
changes (`if key in PROMPTS: return PROMPTS[key]` before the file read, `PROMPTS.get(key)`);
anything else (an attribute, a call, a parameter the helper rebinds) may be taken, so the chain
is kept. A local the helper first binds to a literal (`module_path = None`, at the top of its
body or in a `with`/`try` body there) and binds again
only under branches the call rules out (`if config_path is not None:` for a call without a
config path) keeps the literal in the conditions that read it. A dict the call passes counts
too: a dict literal with literal keys (`log_event(name, {"server_id": str(user.id)})`), or a
local dict filled by `d.update({...})` / `d["k"] = v` before the call, rules out
`if properties.get("server_id") is None:` and `if "server_id" not in properties:` fallbacks; a
dict that may lack the key or hold None there keeps the chain. See docs/design.md ("Constant
arguments rule branches out").

Diagnostic switches are off by default: a call behind a condition that holds only when an
environment variable named like a diagnostic one (`DEBUG`, `TRACE`, `DUMP`, `PROFIL`,
`DIAGNOS`, `VERBOSE` in its name) is set is not followed (`if is_trace_enabled():
commit_trace()` where `is_trace_enabled` returns `bool(os.getenv("PROMPT_TRACE_DIR"))`, or the
rest of a helper after `if not os.getenv("DEBUG_DUMP_DIR"): return`), nor is such a call in the
`async def` itself. The condition is read where no such variable is set: `os.getenv("X")` and
`os.environ.get("X")` give their default, `"X" in os.environ` is false, `env_bool("X", False)`
gives its default, and a project function whose body is one `return` is evaluated with its
arguments. A switch on any other variable (`REDIS_URL`, a settings object) is followed as
before. `report-debug-switches = true` follows them all.

## Why is this bad?
Moving a blocking call into a helper does not take it off the event loop: the helper runs on the
thread that calls it. The whole chain blocks every request served by the process.

## Example
```python
# services.py
import requests


def fetch_profile(user_id: int) -> dict:
    return requests.get(f"https://profiles.example/{user_id}").json()


# routes.py
from fastapi import FastAPI

from .services import fetch_profile

app = FastAPI()


@app.get("/users/{user_id}")
async def get_user(user_id: int):
    return fetch_profile(user_id)
```

## Use instead
```python
from fastapi import FastAPI
from fastapi.concurrency import run_in_threadpool

from .services import fetch_profile

app = FastAPI()


@app.get("/users/{user_id}")
async def get_user(user_id: int):
    return await run_in_threadpool(fetch_profile, user_id)
```
Or make the helper async all the way down, or declare the path operation with `def`.

## Fix safety
No fix is offered.
"""

    def __init__(self, ctx: FileContext) -> None:
        super().__init__(ctx)
        self._written: set[int] = set()

    def _branch_taken(self, test: cst.BaseExpression) -> bool | None:
        """Also a diagnostic switch off by default (`_switch_default`), for FPI110 only."""
        if not self.extra.debug_switches:
            found = self._switch_default(test)
            if found is not None:
                return found
        return super()._branch_taken(test)

    def _switch_default(self, test: cst.BaseExpression) -> bool | None:
        """The truth of an `if` test where no diagnostic environment variable is set
        (`catalog.switch_default`), for a test that may be such a switch."""
        frame = self.ctx.enclosing_function()
        if frame is None or frame.key is None:
            return None
        try:
            parsed = ast.parse(f"({self.ctx.module.code_for_node(test)})", mode="eval").body
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return None
        shape = branches.switch_shape(parsed)
        if not branches.is_switch(shape):
            return None
        return switch_default(self.ctx.index, self.ctx.module_name, frame.key, shape, {})

    def on_call(self, node: cst.Call, ref: Ref | None) -> None:
        if ref is None or classify(ref, self.extra) is not None:
            return  # a direct blocking call: reported by the rule of its category
        if self._off:
            return  # behind a diagnostic switch that is off by default
        index = self.ctx.index
        if ref.qual in ITERATING_BUILTINS and node.args:
            argument = node.args[0].value
            if not isinstance(argument, cst.Call):
                # `next(gen)` on a generator made earlier runs its body up to a `yield`.
                self._iterate(node, index.generator_function(self.resolve(argument)))
            return
        if ref.kind == "callback":
            self._callback(node, ref)
            return
        target = project_function(index, ref)
        constructed = None
        if target is None and ref.kind == "class":
            # `ServiceConnection(...)` runs the class's `__init__` (or `__post_init__`).
            target = constructor_function(index, ref.qual)
            constructed = ref.qual.rpartition(".")[2]
        if target is None:
            return
        fact = index.function(target)
        iterated = bool(fact and fact.get("generator")) and id(node) in self.iterated
        if constructed is None:
            env = self.env_of(node, target)
        elif target.endswith(".__init__"):
            args, kwargs = call_arguments(node)
            env = with_receiver(call_env(index, target, args, kwargs), ref.qual)  # binds `self`
        else:
            env = with_receiver((), ref.qual)  # the arguments fill the fields, not the hook's
        frame = self.ctx.enclosing_function()
        virtual = (
            constructed is None
            and not iterated
            and frame is not None
            and frame.key is not None
            and virtual_call(index, self.ctx.module_name, frame.key, dotted_name(node.func), target)
        )
        chain = blocking_chain(
            index, target, self.extra, iterated=iterated, env=env, virtual=virtual
        )
        if chain is None:
            return
        name = chain.names[0] if constructed is None else constructed
        spelled = self.ctx.module.code_for_node(node.func)
        if iterated:
            message = (
                f"iterating the sync generator `{name}()` runs its body on the event loop "
                f"inside `async def`, and it blocks: {chain.text()}; iterate it in a thread "
                "(`await run_in_threadpool(list, ...)`) or make it an async generator"
            )
        else:
            message = (
                f"`{name}()` blocks the event loop inside `async def`: {chain.text()}; "
                f"use `await run_in_threadpool({spelled}, ...)` or make it async"
            )
        self.report(node, message=message, chain=self._hops(node, spelled, chain))

    def _callback(self, node: cst.Call, ref: Ref) -> None:
        """`await super().get_response(...)` in a `StaticFiles` subclass: Starlette's method
        calls the project's `file_response` override on the event loop (the semantic model's
        `library_callbacks`); its arguments are Starlette's, so no literal is bound."""
        index = self.ctx.index
        for library, override in index.library_callbacks(ref.qual):
            chain = blocking_chain(index, override, self.extra)
            if chain is None:
                continue
            spelled = self.ctx.module.code_for_node(node.func)
            label = library.rpartition(".")[0].rpartition(".")[2] + "." + library.rpartition(".")[2]
            message = (
                f"`{spelled}()` runs the library's `{label}`, which calls the override "
                f"`{chain.names[0]}` on the event loop, and it blocks: {chain.text()}; do that "
                "work in a thread (`await run_in_threadpool(...)`) before the call"
            )
            self.report(node, message=message, chain=self._hops(node, spelled, chain))
            return

    def _hops(self, node: cst.CSTNode, spelled: str, chain) -> tuple:
        """The finding's chain: this call, then the calls the summaries record."""
        return (NodeHop(node, spelled), *chain.hops) if chain.hops else ()

    def visit_For(self, node: cst.For) -> None:
        super().visit_For(node)
        if node.asynchronous is not None or not self.ctx.in_async_context():
            return
        if isinstance(node.iter, cst.Call):
            return  # the call itself is judged in on_call
        # `gen = rows(); for row in gen:` iterates a generator made earlier.
        self._iterate(node.iter, self.ctx.index.generator_function(self.resolve(node.iter)))

    def _iterate(self, node: cst.CSTNode, target: str | None) -> None:
        if target is None:
            return
        chain = blocking_chain(self.ctx.index, target, self.extra, iterated=True)
        if chain is not None:
            self.report(
                node,
                message=(
                    f"iterating the sync generator `{chain.names[0]}()` runs its body on the "
                    f"event loop inside `async def`, and it blocks: {chain.text()}; iterate it "
                    "in a thread or make it an async generator"
                ),
                chain=self._hops(node, self.ctx.module.code_for_node(node), chain),
            )

    def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
        # `obj.prop = value` runs the setter, not the getter.
        self._written.add(id(node.target))

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._written.add(id(node.target))

    def visit_Attribute(self, node: cst.Attribute) -> None:
        super().visit_Attribute(node)
        if not self.ctx.in_async_context() or id(node) in self._written:
            return
        index = self.ctx.index
        getter = index.property_function(self.resolve(node.value), node.attr.value)
        if getter is None:
            return
        chain = blocking_chain(index, getter, self.extra)
        if chain is None:
            return
        self.report(
            node,
            message=(
                f"reading the property `{chain.names[0]}` runs code that blocks the event loop "
                f"inside `async def`: {chain.text()}; compute it in a thread or make it a "
                "coroutine method"
            ),
            chain=self._hops(node, self.ctx.module.code_for_node(node), chain),
        )
