"""Which functions run on the event loop that serves requests: the project fact "serving_reach".

Every project function is a node; an edge goes from a function (or a module body) to each
project function it calls, hands to a call by reference (`add_task(f)`, `Depends(f)`), or
declares as a dependency. Then:

- serving: reached from an entry point (a path operation, a dependency, middleware, an
  exception handler, a task a lifespan starts) through edges; the first entry point found
  (path operations first) and the functions on the way are kept for the message;
- shutdown: reached only from shutdown code (a shutdown handler, the part of a lifespan after
  its first `yield`): it runs on the serving loop, but after the server stopped taking
  requests and drained the ones in flight, so no request waits on it;
- not serving: not reached from an entry point, and either a root that provably runs elsewhere
  (a test function or any function of a test module, a coroutine run on its own loop by
  `asyncio.run(...)` or handed by `run_coroutine_threadsafe` to a loop the project made with
  `new_event_loop()`, startup code) or a function whose every known use comes from such code;
- dead code ("unused"): an undecorated `async def` of a module with routes that another module
  imports, at module level or in a class of the project's own, that nothing in the project refers to (no name, attribute,
  import or short string spells its name) in a module nobody looks names up in dynamically;
  and then, like the kinds above, what only such code calls;
- unknown: the rest (no known caller, or a caller we cannot see through). Not in the fact.

The fact maps a qualified function name to `[kind, entry, via]`: kind "serving" (entry: a label
such as "POST /users", via: the function names from the entry to the function), "test",
"script", "startup", "shutdown" (entry and via name the shutdown entry point), "unused", or
"lifespan" (a lifespan function: its calls before the first `yield` are startup, the rest
shutdown). Read it through `ProjectIndex.reach`.
"""

from __future__ import annotations

import re
from collections import deque
from typing import Any

from .shapes import Param, dotted
from .summary import Shape

# A `ProjectIndex` and its `Ref`: the index imports this module to register the fact, so this
# module does not import it back (not even for type checking: that is still a cycle).
ProjectIndex = Any
Ref = Any

SERVING = "serving"
TEST = "test"
SCRIPT = "script"
STARTUP = "startup"
LIFESPAN = "lifespan"
UNUSED = "unused"
#: A shutdown handler, and what only shutdown code reaches (see the module docstring).
SHUTDOWN = "shutdown"
NOT_SERVING = frozenset({TEST, SCRIPT, STARTUP, UNUSED})
#: Bases that leave a class's methods to the project (no library calls them by name).
PLAIN_BASES = frozenset(
    {"builtins.object", "abc.ABC", "typing.Generic", "typing_extensions.Generic"}
)

_TEST_MODULE = re.compile(r"(test_.*|.*_test|conftest|tests?)$")

#: Calls that run a coroutine on an event loop of their own (a script, a thread's own loop).
OWN_LOOP_RUNNERS = frozenset(
    {"asyncio.run", "asyncio.runners.run", "anyio.run", "trio.run", "uvloop.run"}
)
#: Method names that run a coroutine to completion on a loop created for it.
OWN_LOOP_METHODS = frozenset({"run_until_complete"})
#: Calls that hand a coroutine to another thread's loop: `run_coroutine_threadsafe(coro, loop)`.
THREADSAFE_SUBMITTERS = frozenset(
    {"asyncio.run_coroutine_threadsafe", "asyncio.tasks.run_coroutine_threadsafe"}
)
#: What makes a new event loop: one the project runs itself (in a thread, for a worker), never
#: the loop the server runs on, which the ASGI server makes.
LOOP_MAKERS = frozenset(
    {"asyncio.new_event_loop", "asyncio.events.new_event_loop", "uvloop.new_event_loop"}
)
#: Calls that start a coroutine as a task on the running loop (from startup: it serves).
SPAWNERS = frozenset({"create_task", "ensure_future", "start_soon", "spawn"})
#: Loop methods that start a coroutine as a task on that loop (`loop.create_task(coro)`).
LOOP_SPAWNERS = frozenset({"create_task"})
DEPENDS = frozenset({"Depends", "Security"})
BASE_HTTP_MIDDLEWARE = frozenset(
    {
        "starlette.middleware.base.BaseHTTPMiddleware",
        "fastapi.middleware.base.BaseHTTPMiddleware",
    }
)
MIDDLEWARE_WRAPPERS = frozenset(
    {"starlette.middleware.Middleware", "fastapi.middleware.Middleware"}
)

#: Edge kinds: "call" (runs where its caller runs), "ref" (handed over by reference: runs
#: where its caller runs, except from startup code, which may start it on the serving loop),
#: "startup" (called by a lifespan before its first yield), "spawn" (started as a task).
Edge = tuple[str, str, str]  # (caller or "" + module for a module body, callee, kind)


def _onto_made_loop(
    index: ProjectIndex, mod: str, key: str, args: list, kwargs: dict[str, Any]
) -> bool:
    """Whether the loop argument of a `run_coroutine_threadsafe` call is one the project made
    with `new_event_loop()` (`self.loop = asyncio.new_event_loop()`, a module-level loop). Any
    other loop (kept from `get_running_loop()`, a parameter) may be the serving one."""
    loop = args[1] if len(args) > 1 else kwargs.get("loop")
    if not loop:
        return False
    made = index.ref_of_value(mod, key, loop)
    if made is not None and made.kind == "instance" and made.qual in LOOP_MAKERS:
        return True
    # `loop: asyncio.AbstractEventLoop` declared on the class gives the declared type; what
    # the methods assign tells where the loop comes from.
    if loop[0] != "n" or "." not in loop[1]:
        return False
    owner_path, _, attr = loop[1].rpartition(".")
    owner = index.ref_of_value(mod, key, ["n", owner_path])
    if owner is None or owner.kind != "instance" or index.class_(owner.qual) is None:
        return False
    values = _assigned_values(index, owner.qual, attr)
    return bool(values) and all(
        made is not None and made.kind == "instance" and made.qual in LOOP_MAKERS for made in values
    )


def _assigned_values(index: ProjectIndex, class_qual: str, attr: str) -> list[Any]:
    """What the methods of a project class (and its bases) assign to `self.attr`, resolved;
    assignments of None are left out (`self.loop = None` before the loop is made)."""
    found: list[Any] = []
    for cls in index.mro(class_qual):
        split = index.split_qualified(cls)
        summary = index.module(split[0]) if split else None
        fact = summary["classes"].get(split[1]) if summary else None
        if fact is None:
            continue
        for method in fact["methods"]:
            method_key = f"{split[1]}.{method}"
            method_fact = summary["functions"].get(method_key)
            for name, value, _annotation in (method_fact or {}).get("self_assigns") or []:
                if name == attr and value != ["const", None]:
                    found.append(index.ref_of_value(split[0], method_key, value))
    return found


def _handed_coroutine(
    index: ProjectIndex, mod: str, key: str, args: list, kwargs: dict[str, Any]
) -> Shape | None:
    """The callee whose coroutine `run_coroutine_threadsafe` is given: `f(...)` written in
    the call, or a local name bound once to such a call (`coro = self._start(...)`)."""
    coro = args[0] if args else kwargs.get("coro")
    if coro and coro[0] == "call":
        return coro[1]
    if coro and coro[0] == "n" and "." not in coro[1]:
        found = index.lookup_binding(mod, key, coro[1])
        if found is not None and found[1] == key:
            binding = found[0]
            if binding[0] == "value" and binding[1] and binding[1][0] == "call":
                return binding[1][1]
    return None


def _coroutines_built_for_made_loops(
    index: ProjectIndex, mod: str, key: str, calls: list
) -> list[tuple[Shape, int]]:
    """The call records (callee, line) of coroutines a scope builds into a local name and then
    hands to a loop of its own (`coro = self._start(...)`, then
    `run_coroutine_threadsafe(coro, self.loop)`): the last such call before the hand-over."""
    found: list[tuple[Shape, int]] = []
    for func, line, _col, args, kwargs in calls:
        coro = args[0] if args else kwargs.get("coro")
        if not (coro and coro[0] == "n") or not func or func[0] != "n":
            continue
        if not func[1].endswith("run_coroutine_threadsafe"):
            continue  # (resolve only what may be the submitter)
        ref = index.ref_of_value(mod, key, func)
        if ref is None or ref.qual not in THREADSAFE_SUBMITTERS:
            continue
        if not _onto_made_loop(index, mod, key, args, kwargs):
            continue
        target = _handed_coroutine(index, mod, key, args, kwargs)
        built = [record[1] for record in calls if record[0] == target and record[1] <= line]
        if target is not None and built:
            found.append((target, built[-1]))
    return found


#: Calls that load a module by a name known only when they run.
MODULE_LOADERS = frozenset({"importlib.import_module", "builtins.__import__"})
MAX_DYNAMIC_NAMES = 8


def _dynamic_function_names(index: ProjectIndex, mod: str, key: str, func: Shape) -> list[str]:
    """The names a call looks a function up by in a module it loads by name:
    `getattr(importlib.import_module(path), "get_impl")(...)`, also through locals bound once
    in the scope (`module = importlib.import_module(path)`, `fn = getattr(module, method)`,
    `method` bound only to string literals, on any branch). [] for any other call."""
    shape = _local_value(index, mod, key, func)
    if not shape or shape[0] != "call" or len(shape[2]) != 2 or shape[3]:
        return []
    getter = index.ref_of_value(mod, key, shape[1])
    if getter is None or getter.qual != "builtins.getattr":
        return []
    loaded = _local_value(index, mod, key, shape[2][0])
    if not loaded or loaded[0] != "call":
        return []
    loader = index.ref_of_value(mod, key, loaded[1])
    if loader is None or loader.qual not in MODULE_LOADERS:
        return []
    name = shape[2][1]
    if name and name[0] == "const":
        options = [["value", name]]
    elif name and name[0] == "n" and "." not in name[1]:
        found = index.lookup_binding(mod, key, name[1])
        if found is None or found[1] != key:
            return []
        binding = found[0]
        options = binding[1] if binding and binding[0] == "ambiguous" else [binding]
    else:
        return []
    names: list[str] = []
    for option in options[:MAX_DYNAMIC_NAMES]:
        value = option[1] if option and option[0] == "value" else None
        if value and value[0] == "const" and isinstance(value[1], str):
            text = value[1]
        elif value and value[0] == "n" and "." not in value[1]:
            # A string literal bound to a name reads as the name it spells (the summary takes
            # a top-level string for an annotation): one nothing binds is the literal.
            if index.lookup_binding(mod, key, value[1]) is not None:
                return []
            text = value[1]
        else:
            return []
        if not text.isidentifier():
            return []
        names.append(text)
    return names if len(options) <= MAX_DYNAMIC_NAMES else []


def _local_value(index: ProjectIndex, mod: str, key: str, shape: Shape | None) -> Shape | None:
    """`shape`, or the value a bare local name of the scope is bound to once."""
    if shape and shape[0] == "n" and "." not in shape[1]:
        found = index.lookup_binding(mod, key, shape[1])
        if found is None or found[1] != key or not found[0] or found[0][0] != "value":
            return None
        return found[0][1]
    return shape


#: Calls that start an ASGI server in the calling thread and return when it stops.
SERVER_RUNNERS = frozenset(
    {
        "uvicorn.run",
        "uvicorn.main.run",
        "uvicorn.Server.run",
        "uvicorn.server.Server.run",
        "hypercorn.run.run",
    }
)


def _serves_after(index: ProjectIndex, mod: str, key: str, calls: list, line: int) -> bool:
    """Whether the scope starts a server after `line`: `uvicorn.run(app)`,
    `uvicorn.Server(config).run()`, or `app.run(...)` on an application object."""
    for func, at, _col, _args, _kwargs in calls:
        if at <= line or not func:
            continue
        ref = index.ref_of_value(mod, key, func)
        if ref is not None and ref.qual in SERVER_RUNNERS:
            return True
        if func[0] == "n" and func[1].endswith(".run") and func[1].count(".") == 1:
            owner = index.resolve_name(mod, key, func[1].partition(".")[0])
            if index.app_type(owner) is not None:
                return True
    return False


def is_test_module(module: str) -> bool:
    """A pytest module by its file name: `test_*.py`, `*_test.py`, `conftest.py`."""
    return bool(_TEST_MODULE.fullmatch(module.rpartition(".")[2]))


def _dependency_refs(shape: Shape | None, found: list[Shape], depth: int = 0) -> None:
    """The shapes given to Depends()/Security() anywhere inside `shape`."""
    if not shape or depth > 8:
        return
    tag = shape[0]
    if tag == "call":
        func = shape[1]
        if func and func[0] == "n" and func[1].rsplit(".", 1)[-1] in DEPENDS:
            args, kwargs = shape[2], shape[3]
            target = kwargs.get("dependency") or (args[0] if args else None)
            if target is not None:
                found.append(target)
            return
        for arg in [*shape[2], *shape[3].values()]:
            _dependency_refs(arg, found, depth + 1)
    elif tag in ("sub", "list"):
        for item in shape[2] if tag == "sub" else shape[1]:
            _dependency_refs(item, found, depth + 1)
    elif tag == "union":
        for item in shape[1]:
            _dependency_refs(item, found, depth + 1)


def _names_in(shape: Shape | None, found: list[Shape], depth: int = 0) -> None:
    """Bare and dotted names used inside `shape` (not called: call records cover those)."""
    if not shape or depth > 8:
        return
    tag = shape[0]
    if tag == "n":
        found.append(shape)
    elif tag == "call":
        for arg in [*shape[2], *shape[3].values()]:
            _names_in(arg, found, depth + 1)
    elif tag == "list":
        for item in shape[1]:
            _names_in(item, found, depth + 1)
    elif tag == "dict":
        for _key, value in shape[1]:
            _names_in(value, found, depth + 1)


def project_callable(index: ProjectIndex, ref: Ref | None) -> list[str]:
    """The project functions that run when `ref` is called: a function, a method reached
    through an instance (`Service().run`), an instance's `__call__`, a class's `__init__` and
    `__call__` (a class dependency)."""
    if ref is None:
        return []
    if ref.kind == "function":
        return [ref.qual]
    if ref.kind == "member":
        owner = ref.qual.rpartition(".")[0]
        if index.class_(owner) is not None and index.function(ref.qual) is not None:
            return [ref.qual]
        return []
    if ref.kind == "class":
        return [q for q in (f"{ref.qual}.__init__",) if index.function(q) is not None]
    if ref.kind == "instance" and index.class_(ref.qual) is not None:
        return [q for q in (f"{ref.qual}.__call__",) if index.function(q) is not None]
    return []


def _router_prefix(index: ProjectIndex, mod: str, scope: str, route: dict[str, Any]) -> str:
    """The `prefix` given where the decorator's router is created
    (`router = APIRouter(prefix="/users")`); "" when there is none or it is not a literal."""
    call = route.get("call") or []
    func = call[1] if len(call) > 1 and call[0] == "call" else None
    if not func or func[0] != "n" or "." not in func[1]:
        return ""
    found = index.lookup_binding(mod, scope, func[1].rpartition(".")[0])
    if found is None or found[0][0] != "value":
        return ""
    value = found[0][1]
    if not value or value[0] != "call":
        return ""
    prefix = value[3].get("prefix")
    return prefix[1] if prefix and prefix[0] == "const" and isinstance(prefix[1], str) else ""


def _route_label(route: dict[str, Any], prefix: str = "") -> str:
    """ "POST /users" for a route decorator or an add_api_route registration."""
    method = route.get("method", "")
    call = route.get("call") or []
    path = route.get("path")
    methods = route.get("methods")
    if len(call) > 3 and call[0] == "call":
        args, kwargs = call[2], call[3]
        first = args[0] if args else kwargs.get("path")
        if first and first[0] == "const":
            path = first[1]
        listed = kwargs.get("methods")
        if listed and listed[0] == "list":
            methods = [m[1] for m in listed[1] if m and m[0] == "const"]
    if method in ("websocket", "api_websocket_route", "websocket_route"):
        verb = "WEBSOCKET"
    elif method in ("api_route", "route"):
        names = [m for m in methods or () if isinstance(m, str)]
        verb = ",".join(n.upper() for n in names) if names else "ROUTE"
    else:
        verb = method.upper()
    if not isinstance(path, str):
        return f"{verb} route"
    return f"{verb} {prefix + path or '/'}"


def _reach_part(index: ProjectIndex, mod: str) -> dict[str, Any]:
    """What module `mod` contributes: roots of each kind, edges and functions used as values
    in ways we cannot follow ("opaque")."""
    summary = index.module(mod)
    part: dict[str, Any] = {
        "routes": [],
        "roots": [],
        "edges": [],
        "opaque": [],
        "methods": [],
        "attr_calls": [],
        "decorated": [],
        "runners": [],
        # [caller, class, edge kind] for each `Cls(...)` of a project class ("startup": before
        # the caller's first `yield`), and the project classes used as values
        # (`Depends(Cls)`, `factory = Cls`): who can hold an instance.
        "instances": [],
        "class_refs": [],
        "imports": [],
        "dynamic": [],
        "unreferenced": [],
        # [caller, name, edge kind]: a function looked up by name in a module loaded by name;
        # [qual, name]: the module's own module-level functions, the targets of such lookups.
        "dynamic_calls": [],
        "toplevel": [],
        # [callee, module, caller scope key, line, col] of each ordinary call edge
        # (`known_callers`).
        "call_sites": [],
    }
    if summary is None:
        return part
    test_module = is_test_module(mod)
    test_package = any(p in ("tests", "test") for p in mod.split(".")[:-1])
    roots, edges, opaque = part["roots"], part["edges"], part["opaque"]
    body = f"<module>{mod}"

    def qual(key: str) -> str:
        return index.qualified_function(mod, key)

    # Roots from the functions themselves.
    for key, fact in summary["functions"].items():
        name = qual(key)
        if not fact.get("class") and not fact.get("parent"):
            part["toplevel"].append([name, fact["name"]])
        scope = fact.get("parent") or fact.get("class") or ""
        route = index.path_operation(mod, key)
        if route is not None:
            prefix = _router_prefix(index, mod, scope, route)
            part["routes"].append([name, _route_label(route, prefix)])
        if test_module or test_package or _is_fixture(index, mod, scope, fact):
            # A test module, any function of a tests/ package (helpers, fixtures, modules
            # named otherwise: `integration_test_x.py`), a pytest fixture anywhere.
            roots.append([name, TEST, ""])
        if fact.get("class"):
            part["methods"].append([name, fact["name"]])
        if not test_module:
            part["decorated"].append([name, _decorator_quals(index, mod, scope, fact)])
        for decorator in fact["decorators"]:
            if not decorator or decorator[0] != "call":
                continue
            func = decorator[1]
            if not func or func[0] != "n" or "." not in func[1]:
                continue
            owner, _, method = func[1].rpartition(".")
            if method not in ("middleware", "exception_handler", "on_event"):
                continue
            if index.app_type(index.resolve_name(mod, scope, owner)) is None:
                continue
            if method == "on_event":
                args = decorator[2]
                event = args[0][1] if args and args[0] and args[0][0] == "const" else None
                if event == "startup":
                    roots.append([name, STARTUP, ""])
                elif event == "shutdown":
                    roots.append([name, SHUTDOWN, f"shutdown handler `{fact['name']}`"])
            else:
                label = "middleware" if method == "middleware" else "exception handler"
                roots.append([name, SERVING, f"{label} `{fact['name']}`"])
        # Dependencies declared in the signature run before the function, where it runs.
        found: list[Shape] = []
        for param in fact["params"]:
            expanded = index.expand_annotation(mod, scope, param[1])
            _dependency_refs(expanded[1] if expanded else param[1], found)
            _dependency_refs(param[2], found)
        if route is not None:
            _dependency_refs(route.get("call"), found)
        for shape in found:
            for callee in project_callable(index, index.ref_of_value(mod, scope, shape)):
                edges.append([name, callee, "call"])

    # Classes: BaseHTTPMiddleware subclasses serve through `dispatch`.
    for key, cls in summary["classes"].items():
        scope = cls.get("parent") or ""
        for base_shape in cls["bases"]:
            base = index.ref_of_value(mod, scope, base_shape)
            if base is not None and base.qual in BASE_HTTP_MIDDLEWARE:
                name = qual(f"{key}.dispatch")
                if index.function(name) is not None:
                    roots.append([name, SERVING, f"middleware `{cls['name']}`"])

    # Calls, per scope.
    scopes: list[tuple[str, str, list, dict | None]] = [("", body, summary["module_calls"], None)]
    scopes += [(k, qual(k), f["calls"], f) for k, f in summary["functions"].items()]
    lifespans: set[str] = set()
    spreads = {
        (where, line, col): shape for where, line, col, shape in summary.get("keyword_spreads", ())
    }
    for key, caller, calls, fact in scopes:
        own_loop: list[Shape] = []
        spawned: list[Shape] = []
        built_for_loop = _coroutines_built_for_made_loops(index, mod, key, calls)
        first_yield = fact.get("first_yield") if fact else None
        for record in calls:
            func, line, _col, args, kwargs = record
            ref = index.ref_of_value(mod, key, func)
            qual_name = ref.qual if ref is not None else ""
            method = func[1].rsplit(".", 1)[-1] if func and func[0] == "n" else ""
            if (func, line) in built_for_loop:
                # `coro = self._start(...)` later handed to a loop of the project's own.
                built_for_loop.remove((func, line))
                continue
            if qual_name in THREADSAFE_SUBMITTERS and _onto_made_loop(
                index, mod, key, args, kwargs
            ):
                # `asyncio.run_coroutine_threadsafe(agent.step(), self.loop)` where the loop is
                # one the project made with `new_event_loop()` (a thread runs it): the
                # coroutine runs there, not on the serving loop.
                target = _handed_coroutine(index, mod, key, args, kwargs)
                if target is not None:
                    if args and args[0] and args[0][0] == "call":
                        own_loop.append(target)
                    for callee in project_callable(index, index.ref_of_value(mod, key, target)):
                        roots.append([callee, SCRIPT, ""])
                continue
            if qual_name in OWN_LOOP_RUNNERS or method in OWN_LOOP_METHODS:
                target = args[0] if args else None
                if target and target[0] == "call":
                    own_loop.append(target[1])
                    target = target[1]
                    if fact is not None and target and target[0] == "n":
                        # `def typer_async(f): def wrapper(*a): return asyncio.run(f(*a))`:
                        # whatever the decorator wraps runs on a loop of its own.
                        owner = _param_owner(summary, key, target[1])
                        if owner is not None:
                            part["runners"].append(qual(owner))
                # Run before the same function starts the server (`asyncio.run(init())`, then
                # `uvicorn.run(app)`): startup of the serving process, whose objects live on.
                run_kind = STARTUP if _serves_after(index, mod, key, calls, line) else SCRIPT
                for callee in project_callable(index, index.ref_of_value(mod, key, target)):
                    roots.append([callee, run_kind, ""])
                continue
            if method in LOOP_SPAWNERS and args and args[0] and args[0][0] == "call":
                receiver = ["n", func[1].rpartition(".")[0]] if "." in func[1] else None
                if receiver is not None and _onto_made_loop(index, mod, key, [None, receiver], {}):
                    # `background.create_task(daemon())` on a loop the project made with
                    # `new_event_loop()` (a thread runs it, skypilot's global daemons): the
                    # coroutine runs there, not on the serving loop.
                    own_loop.append(args[0][1])
                    target = index.ref_of_value(mod, key, args[0][1])
                    for callee in project_callable(index, target):
                        roots.append([callee, SCRIPT, ""])
                    continue
            if method in SPAWNERS and args and args[0] and args[0][0] == "call":
                spawned.append(args[0][1])
            if method in STACK_ENTERS and args:
                # `await stack.enter_async_context(server)`: entered here, exited when the
                # stack closes (for a lifespan's stack, at shutdown).
                enter_kind = "startup" if first_yield is not None and line < first_yield else "call"
                is_async = method == "enter_async_context"
                _entered_edges(
                    index, mod, key, caller, args[0], is_async, enter_kind, "call", edges
                )
            if method in ("add_middleware",) or qual_name in MIDDLEWARE_WRAPPERS:
                target = index.ref_of_value(mod, key, args[0] if args else None)
                if target is not None and target.kind == "class":
                    for attr in ("__call__", "dispatch"):
                        name = f"{target.qual}.{attr}"
                        if index.function(name) is not None:
                            label = f"middleware `{target.qual.rpartition('.')[2]}`"
                            roots.append([name, SERVING, label])
            if method == "add_exception_handler" and len(args) > 1:
                for callee in project_callable(index, index.ref_of_value(mod, key, args[1])):
                    roots.append([callee, SERVING, f"exception handler `{args[1][1]}`"])
            if ref is not None and ref.kind in ("external", "class"):
                if index.app_type(index.call_result(ref)) is not None:
                    spread = spreads.get((key, line, _col))
                    keywords = {**kwargs, "**": spread} if spread is not None else kwargs
                    _app_arguments(index, mod, key, keywords, roots, lifespans)
                elif _is_route_class(index, ref):
                    endpoint = kwargs.get("endpoint") or (args[1] if len(args) > 1 else None)
                    path = args[0] if args else kwargs.get("path")
                    label = f"ROUTE {path[1]}" if path and path[0] == "const" else "ROUTE route"
                    for callee in project_callable(index, index.ref_of_value(mod, key, endpoint)):
                        part["routes"].append([callee, label])
            # An ordinary call: callee runs where the caller runs.
            kind = "call"
            if first_yield is not None and fact is not None and line < first_yield:
                kind = "startup"
            if func in own_loop:
                # The coroutine built for that runner (the next record of that callee, nested
                # calls follow the call they are arguments of); a later call of the same
                # callee is an ordinary one.
                own_loop.remove(func)
                continue
            if func in spawned:
                kind = "spawn"
            if ref is not None and ref.kind == "class" and index.class_(ref.qual) is not None:
                part["instances"].append([caller, ref.qual, kind])
            callees_found = project_callable(index, ref)
            for callee in callees_found:
                edges.append([caller, callee, kind])
                part["call_sites"].append([callee, mod, key, line, _col])
                # `app = create_app(lifespan=lifespan)` where the factory builds
                # `FastAPI(lifespan=lifespan)` from its parameter: the function passed in is
                # the app's lifespan.
                for position, name in _forwarded_lifespan_params(index, callee):
                    value = kwargs.get(name) or (
                        args[position] if position is not None and position < len(args) else None
                    )
                    lifespans.update(_lifespan_functions(index, mod, key, value))
            if not callees_found and fact is not None and func:
                # `fn = getattr(importlib.import_module(path), "get_impl"); await fn(...)`:
                # any module-level function so named (joined in `serving_reach`).
                for name in _dynamic_function_names(index, mod, key, func):
                    part["dynamic_calls"].append([caller, name, kind])
            if not callees_found and not test_module and func and func[0] == "n" and "." in func[1]:
                # `self.service.run()`: an unresolved method call may reach any method so named.
                part["attr_calls"].append(method)
            # Functions handed over by reference (`add_task(f)`, `Thread(target=f)`).
            values: list[Shape] = []
            for arg in [*args, *kwargs.values()]:
                _names_in(arg, values)
            for shape in values:
                value_ref = index.ref_of_value(mod, key, shape)
                if value_ref is not None and value_ref.kind == "class":
                    part["class_refs"].append(value_ref.qual)
                handed = project_callable(index, value_ref)
                for callee in handed:
                    ref_kind = "ref" if kind != "startup" else "startup-ref"
                    edges.append([caller, callee, ref_kind])
                if not handed and not test_module and "." in shape[1]:
                    part["attr_calls"].append(shape[1].rsplit(".", 1)[-1])
        for line, end, shape, is_async in fact.get("entered", ()) if fact else ():
            # `async with Server():` runs `Server.__aenter__` where the statement starts and
            # `__aexit__` where it ends: before a lifespan's first `yield`, that is startup.
            before = first_yield is not None
            enter_kind = "startup" if before and line < first_yield else "call"
            exit_kind = "startup" if before and end < first_yield else "call"
            _entered_edges(
                index, mod, key, caller, shape, bool(is_async), enter_kind, exit_kind, edges
            )
    # `app.router.lifespan_context = lifespan_wrapper`: the function assigned is a lifespan.
    for value, key in summary.get("lifespan_assigns") or ():
        lifespans.update(_lifespan_functions(index, mod, key, value))
    for name in sorted(lifespans):
        roots.append([name, LIFESPAN, ""])

    # Functions bound to names or stored in containers: used in ways we do not follow.
    if not test_module:
        for key, record in summary["scopes"].items():
            for binding in record["bindings"].values():
                if binding and binding[0] in ("value", "with"):
                    values = []
                    _names_in(binding[1], values)
                    for shape in values:
                        ref = index.ref_of_value(mod, key, shape)
                        if ref is not None and ref.kind == "function":
                            opaque.append(ref.qual)
                        elif ref is not None and ref.kind == "class":
                            part["class_refs"].append(ref.qual)
    part["opaque"] = sorted(set(opaque))
    part["class_refs"] = sorted(set(part["class_refs"]))
    part["attr_calls"] = sorted(set(part["attr_calls"]))
    _references_part(index, mod, summary, part)
    return part


def _own_class(index: ProjectIndex, qual: str) -> bool:
    """A project class whose bases are all project classes of the same kind (or `object`,
    `ABC`, `Generic`), without a metaclass: nothing outside the project calls its methods."""
    for cls in index.mro(qual):
        fact = index.class_(cls)
        split = index.split_qualified(cls)
        if fact is None or split is None or fact.get("keywords"):
            return False
        for base_shape in fact["bases"]:
            base = index.ref_of_value(split[0], fact.get("parent") or "", base_shape)
            if base is None or (base.kind != "class" and base.qual not in PLAIN_BASES):
                return False
    return True


def _references_part(
    index: ProjectIndex, mod: str, summary: dict[str, Any], part: dict[str, Any]
) -> None:
    """What code nobody calls needs (see `serving_reach`): the modules the module imports,
    the modules whose names it looks up dynamically, and, in a module with routes, the
    `async def` functions that could be dead code: undecorated, not dunder methods, at module
    level or in a class of the project's own (no library base, so no library calls them by
    name)."""
    imported: set[str] = set()
    for record in summary["scopes"].values():
        for binding in record["bindings"].values():
            options = binding[1] if binding and binding[0] == "ambiguous" else [binding]
            for option in options:
                if option and option[0] == "import":
                    target = index.canonical(option[1])
                    split = index.split_qualified(target)
                    found = target if index.module(target) is not None else None
                    found = found or (split[0] if split else None)
                    if found is not None and found != mod:
                        imported.add(found)
    part["imports"] = sorted(imported)
    for receiver in summary.get("dynamic") or ():
        if receiver == "?" or receiver.partition(".")[0] in ("self", "cls"):
            part["dynamic"].append(mod)
            continue
        ref = index.resolve_name(mod, "", receiver)
        if ref is None:
            continue  # a local (a module `import_module` gave): strings are what protects
        if ref.kind == "module":
            part["dynamic"].append(ref.qual)
        elif ref.kind == "class":
            split = index.split_qualified(ref.qual)
            if split is not None:
                part["dynamic"].append(split[0])
    part["dynamic"] = sorted(set(part["dynamic"]))
    if not part["routes"] or is_test_module(mod):
        return
    for key, fact in summary["functions"].items():
        if not fact["async"] or fact["decorators"] or fact.get("parent"):
            continue
        name = fact["name"]
        if name.startswith("__") and name.endswith("__"):
            continue
        owner = fact.get("class")
        if owner:
            cls = summary["classes"].get(owner)
            if cls is None or cls["decorators"] or cls.get("parent"):
                continue
            if not _own_class(index, index.qualified_function(mod, owner)):
                continue
        part["unreferenced"].append([index.qualified_function(mod, key), name])


#: Decorators that register nothing: the function is used only where it is called.
TRANSPARENT_DECORATORS = frozenset(
    {
        "builtins.staticmethod",
        "builtins.classmethod",
        "builtins.property",
        "functools.wraps",
        "functools.cache",
        "functools.lru_cache",
        "functools.cached_property",
        "contextlib.contextmanager",
        "contextlib.asynccontextmanager",
        "typing.overload",
        "typing.override",
        "typing_extensions.override",
        "abc.abstractmethod",
    }
)


#: Command-line frameworks: a function their decorators register runs in a script.
CLI_PREFIXES = ("typer.", "click.", "asyncclick.", "cyclopts.")


def _decorator_quals(index: ProjectIndex, mod: str, scope: str, fact: dict[str, Any]) -> list:
    """What each decorator of a function is ("" when it does not resolve), the app's own
    registrations (routes, middleware, handlers, events: modelled) left out."""
    found = []
    for decorator in fact["decorators"]:
        shape = decorator[1] if decorator and decorator[0] == "call" else decorator
        if shape and shape[0] == "n" and "." in shape[1]:
            owner = index.resolve_name(mod, scope, shape[1].rpartition(".")[0])
            if index.app_type(owner) is not None:
                continue
        ref = index.ref_of_value(mod, scope, shape)
        found.append(ref.qual if ref is not None else "")
    return found


#: Decorators that make a function a pytest fixture (run by pytest only).
FIXTURE_DECORATORS = frozenset(
    {"pytest.fixture", "_pytest.fixtures.fixture", "pytest_asyncio.fixture"}
)


def _is_fixture(index: ProjectIndex, mod: str, scope: str, fact: dict[str, Any]) -> bool:
    for decorator in fact["decorators"]:
        shape = decorator[1] if decorator and decorator[0] == "call" else decorator
        ref = index.ref_of_value(mod, scope, shape)
        if ref is not None and ref.qual in FIXTURE_DECORATORS:
            return True
    return False


def _param_owner(summary: dict[str, Any], key: str, name: str) -> str | None:
    """The function (`key` or one enclosing it) of which `name` is a parameter."""
    seen = 0
    current: str | None = key
    while current and seen < 8:
        fact = summary["functions"].get(current)
        if fact is None:
            return None
        if any(param[0] == name for param in fact["params"]):
            return current
        current = fact.get("parent")
        seen += 1
    return None


ROUTE_CLASSES = frozenset(
    {
        "fastapi.routing.APIRoute",
        "fastapi.routing.APIWebSocketRoute",
        "starlette.routing.Route",
        "starlette.routing.WebSocketRoute",
    }
)


def _is_route_class(index: ProjectIndex, ref: Ref, depth: int = 0) -> bool:
    """`APIRoute`, `Route` or a project subclass of one (`class PaginationRoute(APIRoute)`)."""
    if ref.qual in ROUTE_CLASSES:
        return True
    if ref.kind != "class" or depth > 6:
        return False
    fact = index.class_(ref.qual)
    split = index.split_qualified(ref.qual)
    if fact is None or split is None:
        return False
    for base_shape in fact["bases"]:
        base = index.ref_of_value(split[0], fact.get("parent") or "", base_shape)
        if base is not None and _is_route_class(index, base, depth + 1):
            return True
    return False


#: `contextlib.(Async)ExitStack` methods that enter a context manager.
STACK_ENTERS = frozenset({"enter_async_context", "enter_context"})


def _entered_edges(
    index: ProjectIndex,
    mod: str,
    scope: str,
    caller: str,
    shape: Shape,
    is_async: bool,
    enter_kind: str,
    exit_kind: str,
    edges: list,
) -> None:
    """Edges from `caller` to the enter and exit methods of the project object `shape` is:
    `__aenter__`/`__aexit__` for `async with` (and `enter_async_context`), `__enter__`/
    `__exit__` for `with` (and `enter_context`); a class with both runs only the pair the
    statement uses."""
    ref = index.ref_of_value(mod, scope, shape)
    if ref is None or ref.kind != "instance" or index.class_(ref.qual) is None:
        return
    enter, exit_ = ("__aenter__", "__aexit__") if is_async else ("__enter__", "__exit__")
    for attr, kind in ((enter, enter_kind), (exit_, exit_kind)):
        method = index.find_method(ref.qual, attr)
        if method is not None and index.function(method) is not None:
            edges.append([caller, method, kind])


def _app_arguments(
    index: ProjectIndex,
    mod: str,
    key: str,
    kwargs: dict[str, Shape],
    roots: list,
    lifespans: set[str],
) -> None:
    """`FastAPI(lifespan=..., on_startup=[...], on_shutdown=[...], exception_handlers={...})`,
    also spelled through a dict of keywords (`FastAPI(**params)`)."""
    kwargs = {**_spread_keywords(index, mod, key, kwargs.get("**")), **kwargs}
    lifespans.update(_lifespan_functions(index, mod, key, kwargs.get("lifespan")))
    for kw, kind in (("on_startup", STARTUP), ("on_shutdown", SHUTDOWN)):
        value = kwargs.get(kw)
        if value and value[0] == "list":
            for item in value[1]:
                for callee in project_callable(index, index.ref_of_value(mod, key, item)):
                    label = "" if kind == STARTUP else f"shutdown handler `{item[1]}`"
                    roots.append([callee, kind, label])
    handlers = kwargs.get("exception_handlers")
    if handlers and handlers[0] == "dict":
        for _k, value in handlers[1]:
            for callee in project_callable(index, index.ref_of_value(mod, key, value)):
                label = f"exception handler `{callee.rpartition('.')[2]}`"
                roots.append([callee, SERVING, label])


def _spread_keywords(
    index: ProjectIndex, mod: str, key: str, spread: Shape | None
) -> dict[str, Shape]:
    """The keywords `f(**params)` passes when `params` is a dict literal written there or
    bound once in the same scope (`params = {"lifespan": lifespan, "title": ...}`; a key set
    later, `params["root_path"] = x`, adds keywords the app does not read here)."""
    if spread and spread[0] == "n" and "." not in spread[1]:
        found = index.lookup_binding(mod, key, spread[1])
        if found is None or found[1] != key or found[0][0] != "value":
            return {}
        spread = found[0][1]
    if not spread or spread[0] != "dict":
        return {}
    return {
        k[1]: v
        for k, v in spread[1]
        if k is not None and k[0] == "const" and isinstance(k[1], str) and k[1].isidentifier()
    }


def _lifespan_functions(index: ProjectIndex, mod: str, scope: str, shape: Shape | None) -> list:
    """The project functions that `lifespan=<shape>` makes the app's lifespan: the function
    named, or what a project factory called there returns (`lifespan=make_lifespan(db=db)`
    where `make_lifespan` defines the lifespan inside and returns it)."""
    if shape is None:
        return []
    if shape[0] != "call":
        return project_callable(index, index.ref_of_value(mod, scope, shape))
    found = []
    factory = index.ref_of_value(mod, scope, shape[1])
    if factory is not None and factory.kind == "function":
        fact = index.function(factory.qual)
        split = index.split_qualified(factory.qual)
        if fact is not None and split is not None:
            for returned in fact.get("returns_values") or ():
                ref = index.ref_of_value(split[0], split[1], returned)
                if ref is not None and ref.kind == "function":
                    found.append(ref.qual)
    return found


def _forwarded_lifespan_params(index: ProjectIndex, qual: str) -> list[tuple[int | None, str]]:
    """(position or None, name) of each parameter of the project function `qual` that it passes
    on as `FastAPI(lifespan=<parameter>)`: an app factory that takes the lifespan. Asked for
    every call of `qual`, so answered once per function."""
    return index.memoised(("reach-lifespan-params", qual), lambda: _lifespan_params(index, qual))


def _lifespan_params(index: ProjectIndex, qual: str) -> list[tuple[int | None, str]]:
    fact = index.function(qual)
    split = index.split_qualified(qual)
    if fact is None or split is None:
        return []
    params = [Param.of(raw) for raw in fact.get("params") or ()]
    found: list[tuple[int | None, str]] = []
    for func, _line, _col, _args, kwargs in fact["calls"]:
        lifespan = dotted(kwargs.get("lifespan"))
        if lifespan is None:
            continue
        ref = index.ref_of_value(split[0], split[1], func)
        if ref is None or ref.kind not in ("external", "class"):
            continue
        if index.app_type(index.call_result(ref)) is None:
            continue
        positional = [p.name for p in params if p.kind == "pos"]
        for param in params:
            if param.name == lifespan and param.kind in ("pos", "kw"):
                position = positional.index(param.name) if param.kind == "pos" else None
                found.append((position, param.name))
    return found


def _confined_classes(
    index: ProjectIndex,
    instances: list[list[str]],
    class_refs: set[str],
    result: dict[str, list],
    lifespans: set[str],
) -> dict[str, str]:
    """Project classes whose every object is made by a script, a test or startup code (a
    lifespan before its first `yield`, a startup handler, a module body at import time):
    class -> "startup", "script" or
    "test" (the first that applies). An object of a subclass is an object of each class in its
    MRO; a class used as a value anywhere (a dependency, a factory argument, a name bound to
    it) may be instantiated where we cannot see, and so may its bases."""
    makers: dict[str, list[str | None]] = {}
    for caller, cls, *how in instances:
        if how and how[0] == "startup" and caller in lifespans:
            kind = STARTUP
        elif caller.startswith("<module>"):
            # A module body runs once, at import, before anything is served: like startup.
            kind = TEST if is_test_module(caller.removeprefix("<module>")) else STARTUP
        else:
            kind = result.get(caller, [None])[0]
        for owner in index.mro(cls) or [cls]:
            makers.setdefault(owner, []).append(kind)
    escaped: set[str] = set()
    for cls in class_refs:
        escaped.update(index.mro(cls) or [cls])
    confined: dict[str, str] = {}
    for cls, kinds in makers.items():
        if cls in escaped or not set(kinds) <= {STARTUP, SCRIPT, TEST}:
            continue
        confined[cls] = next(kind for kind in (STARTUP, SCRIPT, TEST) if kind in kinds)
    return confined


def _started(
    qual: str, callers: dict[str, list[tuple[str, str]]], lifespans: set[str], result: dict
) -> bool:
    """Whether startup code runs the method `qual` itself (a lifespan enters the object
    before its `yield`, a startup handler calls the method)."""
    for caller, kind in callers.get(qual, ()):
        if caller in lifespans and kind == "startup":
            return True
        if result.get(caller, [None])[0] == STARTUP and kind == "call":
            return True
    return False


def _in_tests(qual: str) -> bool:
    mod = qual.removeprefix("<module>")
    parts = mod.split(".")
    return any(is_test_module(".".join(parts[: n + 1])) for n in range(len(parts)))


def reach_words(lead: str, via: list[str] | tuple[str, ...]) -> str:
    """How a message names a reach: `lead` ("reached from POST /users") and the functions on
    the way, the middle elided past three ("via a → … → d")."""
    if not via:
        return lead
    names = list(via) if len(via) <= 3 else [via[0], "…", via[-1]]
    return f"{lead} via " + " → ".join(names)


def _short(qual: str, index: ProjectIndex) -> str:
    split = index.split_qualified(qual)
    return split[1] if split else qual.rpartition(".")[2]


def _refs_part(index: ProjectIndex, mod: str) -> list[str]:
    summary = index.module(mod)
    return (summary.get("refs") or []) if summary is not None else []


def referenced_dead_code_names(index: ProjectIndex) -> list[str]:
    """The fact: the names of the dead-code candidates of `serving_reach` (the `async def`s
    its parts list as "unreferenced") that some module refers to (its "refs"). A fact of its
    own, so that an edit that only changes which other names a module refers to (a fix that
    imports `asyncio`) leaves `serving_reach` as it is (`ProjectIndex.replace_module`)."""
    names = {
        short for part in index.per_module(_reach_part) for _qual, short in part["unreferenced"]
    }
    if not names:
        return []
    found: set[str] = set()
    for refs in index.per_module(_refs_part):
        found.update(names.intersection(refs))
    return sorted(found)


#: More call sites than this: the function's branches are not pruned by them.
MAX_KNOWN_CALLERS = 32


def known_callers(index: ProjectIndex) -> dict[str, list[list[Any]]]:
    """The fact: project function -> [[caller module, caller scope key, line, col], ...] for
    the functions whose every use in the project is an ordinary call we see (so the literal
    arguments of those calls are all the values its parameters take there): not an entry
    point or a root of any kind, not stored or handed on as a value, not decorated by a
    decorator that may register it, not looked up by name, not a method an untyped call of its
    name may reach, not an override a call typed as a base may reach, and no edge into it
    other than those calls (a dependency, an `async with`)."""
    parts = index.per_module(_reach_part)
    excluded: set[str] = set()
    looked_up: set[str] = set()  # names of module-level functions looked up by name
    attr_calls: set[str] = set()
    methods: list[list[str]] = []
    edges: dict[str, int] = {}
    sites: dict[str, list[list[Any]]] = {}
    for part in parts:
        excluded.update(part["opaque"])
        excluded.update(name for name, _label in part["routes"])
        excluded.update(root[0] for root in part["roots"])
        looked_up.update(short for _caller, short, _kind in part["dynamic_calls"])
        attr_calls.update(part["attr_calls"])
        methods += part["methods"]
        for name, quals in part["decorated"]:
            if any(q not in TRANSPARENT_DECORATORS for q in quals):
                excluded.add(name)
        for _caller, callee, _kind in part["edges"]:
            edges[callee] = edges.get(callee, 0) + 1
        for callee, mod, key, line, col in part["call_sites"]:
            sites.setdefault(callee, []).append([mod, key, line, col])
    excluded.update(qual for qual, name in methods if name in attr_calls)
    excluded.update(index.dependency_functions())
    found: dict[str, list[list[Any]]] = {}
    for callee, where in sites.items():
        if callee in excluded or len(where) != edges.get(callee) or len(where) > MAX_KNOWN_CALLERS:
            continue
        split = index.split_qualified(callee)
        fact = index.function(callee)
        if split is None or fact is None:
            continue
        if not fact.get("class") and not fact.get("parent") and fact["name"] in looked_up:
            continue
        if fact.get("class") and not _plain_method(index, callee):
            continue
        found[callee] = sorted(where)
    return found


def _plain_method(index: ProjectIndex, qual: str) -> bool:
    """A method of a class of the project's own (no library base calls it) that overrides no
    method of a base: a call typed as a base class cannot reach it unseen."""
    owner, _, name = qual.rpartition(".")
    if index.class_(owner) is None or not _own_class(index, owner):
        return False
    return not any(index.function(f"{cls}.{name}") is not None for cls in index.mro(owner)[1:])


def serving_reach(index: ProjectIndex) -> dict[str, list]:
    """The fact: qualified function -> [kind, entry label, via names] (see the module doc)."""
    parts = index.per_module(_reach_part)
    routes: list[list[str]] = []
    roots: list[list[str]] = []
    callees: dict[str, list[tuple[str, str]]] = {}
    callers: dict[str, list[tuple[str, str]]] = {}
    opaque: set[str] = set()
    attr_calls: set[str] = set()
    methods: list[list[str]] = []
    decorated: list[list] = []
    runners: set[str] = set()
    instances: list[list[str]] = []
    class_refs: set[str] = set()
    imported: set[str] = set()
    dynamic: set[str] = set()
    unreferenced: list[list[str]] = []
    toplevel: dict[str, list[str]] = {}
    for part in parts:
        for name, short in part["toplevel"]:
            toplevel.setdefault(short, []).append(name)
    for part in parts:
        instances += part["instances"]
        class_refs.update(part["class_refs"])
        imported.update(part["imports"])
        dynamic.update(part["dynamic"])
        unreferenced += part["unreferenced"]
        routes += part["routes"]
        roots += part["roots"]
        opaque.update(part["opaque"])
        attr_calls.update(part["attr_calls"])
        methods += part["methods"]
        decorated += part["decorated"]
        runners.update(part["runners"])
        dynamic_edges = [
            [caller, callee, kind]
            for caller, short, kind in part["dynamic_calls"]
            for callee in toplevel.get(short, ())
        ]
        for caller, callee, kind in [*part["edges"], *dynamic_edges]:
            callees.setdefault(caller, []).append((callee, kind))
            callers.setdefault(callee, []).append((caller, kind))
    for name, quals in decorated:
        if any(q in runners or q.startswith(CLI_PREFIXES) for q in quals):
            roots.append([name, SCRIPT, ""])  # a command of a script, on a loop of its own
        elif any(q not in TRANSPARENT_DECORATORS for q in quals):
            opaque.add(name)  # a decorator may register it (a task queue, a scheduler, ...)
    # A method some unresolved call may reach (`self.repo.get(...)`) has unknown reach, unless
    # the objects it can run on are all made in scripts or tests (settled below).
    by_name = {qual for qual, name in methods if name in attr_calls}
    opaque_other = set(opaque)
    opaque.update(by_name)
    for qual in index.dependency_functions():
        roots.append([qual, SERVING, f"dependency `{_short(qual, index)}`"])

    result: dict[str, list] = {}
    lifespans = {name for name, kind, _ in roots if kind == LIFESPAN}

    # Entry points that serve no request (the part of a lifespan after its `yield`, shutdown
    # handlers): what they reach serves (it runs on the serving loop), but when a request or
    # a task reaches the same function, the message names that entry point instead.
    shutdown_labels: set[str] = set()

    def spread(seeds: list[tuple[str, str]], relabel: bool = False) -> None:
        """Marks what `seeds` reach as serving, labelled by the seed. `relabel`: also takes
        over functions so far labelled only by a shutdown entry point."""
        queue: deque[tuple[str, str, tuple[str, ...]]] = deque()
        taken: set[str] = set()

        def take(name: str, label: str, path: tuple[str, ...]) -> None:
            current = result.get(name)
            if current is not None and not (
                relabel
                and name not in taken
                and current[0] == SERVING
                and current[1] in shutdown_labels
            ):
                return
            result[name] = [SERVING, label, list(path)]
            taken.add(name)
            queue.append((name, label, path))

        for name, label in seeds:
            take(name, label, ())
        while queue:
            name, label, via = queue.popleft()
            for callee, kind in callees.get(name, ()):
                if kind not in ("startup", "startup-ref"):
                    take(callee, label, (*via, _short(callee, index)))

    def spawned(callers: set[str] | None) -> list[tuple[str, str]]:
        """Tasks started by `callers` (None: by any function), labelled by their starter."""
        found = []
        for caller, edges in callees.items():
            if (callers is None or caller in callers) and not _in_tests(caller):
                for callee, kind in edges:
                    if kind == "spawn":
                        found.append((callee, f"a task started by `{_short(caller, index)}`"))
        return found

    spread([(name, label) for name, label in routes])
    later = [(name, label) for name, kind, label in roots if kind == SERVING]
    # A lifespan serves after its first yield, and so do the tasks its startup starts.
    later += spawned(lifespans)
    spread(later)
    shutdown = [(name, label) for name, kind, label in roots if kind == SHUTDOWN]
    for name in sorted(lifespans):
        label = f"lifespan `{_short(name, index)}`"
        for callee, kind in callees.get(name, ()):
            if kind in ("call", "ref", "spawn"):
                shutdown.append((callee, label))
    shutdown_labels.update(label for _name, label in shutdown)
    spread(shutdown)

    for name in sorted(lifespans):
        result.setdefault(name, [LIFESPAN, "", []])
    for name, kind, _label in roots:
        if kind in (SCRIPT, STARTUP) and name in opaque:
            continue  # also used in a way we do not follow: its reach is unknown
        if kind in NOT_SERVING and name not in result:
            result[name] = [kind, "", []]
    # Dead code: an `async def` of a module with routes that the project's other modules
    # import (a part of the app, not a file of its own that tools outside may load), that
    # nothing in the project refers to by name, attribute or string, in a module nobody looks
    # names up in dynamically.
    refs = set(index.project_fact("referenced_dead_code_names")) if unreferenced else set()
    for name, short in unreferenced:
        if name in result or name in opaque or short in refs:
            continue
        split = index.split_qualified(name)
        if split is not None and split[0] in imported and split[0] not in dynamic:
            result[name] = [UNUSED, "", []]
    # Whatever only not-serving code uses does not serve either.
    not_serving = {name for name, entry in result.items() if entry[0] in NOT_SERVING}

    def settle() -> None:
        changed = True
        rounds = 0
        while changed and rounds < 32:
            changed = False
            rounds += 1
            for callee, incoming in callers.items():
                if callee in result or callee in opaque:
                    continue
                kinds = []
                for caller, kind in incoming:
                    if caller.startswith("<module>"):
                        mod = caller.removeprefix("<module>")
                        kinds.append(TEST if is_test_module(mod) else None)
                    elif caller in lifespans and kind == "startup":
                        kinds.append(STARTUP)
                    elif caller in not_serving and not (
                        kind == "startup-ref"
                        or (result[caller][0] == STARTUP and kind in ("ref", "spawn"))
                    ):
                        kinds.append(result[caller][0])
                    else:
                        kinds.append(None)
                if kinds and None not in kinds:
                    result[callee] = [kinds[0], "", []]
                    not_serving.add(callee)
                    changed = True

    def settle_cycles() -> None:
        """`settle` takes a function once all its callers are settled, so functions that call
        each other (`_step` → `_delegate_step` → `delegate._step()`) wait for each other for
        ever. Here a group of such functions is taken together: every caller of each one is
        either settled not-serving or in the group (by a plain call), and the group is entered
        from settled code. The kind is that of the settled code that enters it."""

        def incoming_kind(caller: str, kind: str, group: set[str]) -> str | None:
            if caller.startswith("<module>"):
                return TEST if is_test_module(caller.removeprefix("<module>")) else None
            if caller in lifespans and kind == "startup":
                return STARTUP
            if caller in not_serving and not (
                kind == "startup-ref" or (result[caller][0] == STARTUP and kind in ("ref", "spawn"))
            ):
                return result[caller][0]
            if caller in group and kind == "call":
                return "group"
            return None

        group = {name for name in callers if name not in result and name not in opaque}
        # Leaving the group can only make the callees' callers worse: a worklist of those.
        pending = deque(sorted(group))
        while pending:
            callee = pending.popleft()
            if callee not in group:
                continue
            if any(incoming_kind(c, k, group) is None for c, k in callers[callee]):
                group.discard(callee)
                pending.extend(c for c, _kind in callees.get(callee, ()) if c in group)
        queue: deque[str] = deque()
        for callee in sorted(group):
            for caller, kind in callers[callee]:
                entered = incoming_kind(caller, kind, group)
                if entered not in (None, "group"):
                    result[callee] = [entered, "", []]
                    not_serving.add(callee)
                    queue.append(callee)
                    break
        while queue:
            name = queue.popleft()
            for callee, kind in callees.get(name, ()):
                if callee in group and callee not in result and kind == "call":
                    result[callee] = [result[name][0], "", []]
                    not_serving.add(callee)
                    queue.append(callee)

    settle()
    settle_cycles()
    # `server.start()` on a receiver we cannot type made every method named `start` of unknown
    # reach. Where every object of the method's class (and of its subclasses) is made in scripts
    # or tests, and the class is never handed on as a value, the method runs only there. Objects
    # startup code makes live on in the serving process, where a request could still reach one
    # through an untyped call: of those, only the methods startup runs itself (a server's
    # `__aenter__` that the lifespan enters) are released, as startup.
    confined = _confined_classes(index, instances, class_refs, result, lifespans)
    released = False
    for qual in sorted(by_name):
        owner = qual.rpartition(".")[0]
        if qual in result or owner not in confined or qual in opaque_other:
            continue
        if confined[owner] == STARTUP and not _started(qual, callers, lifespans, result):
            continue
        opaque.discard(qual)
        result[qual] = [confined[owner], "", []]
        not_serving.add(qual)
        released = True
    if released:
        settle()
        settle_cycles()
    # A task runs where the code that started it runs: a task a script or a test starts is
    # theirs (settled above); one started by startup code or by code of unknown reach may run
    # on the serving loop, so it is an entry point of its own.
    starters = {name for name in callees if result.get(name, [STARTUP])[0] == STARTUP}
    spread(spawned(starters), relabel=True)
    # What only shutdown code reaches (still labelled by a shutdown entry point) runs after
    # the last request: its own kind, reported only when a setting asks for it. A method an
    # unresolved call of its name may also reach (`s.__aexit__()` on an untyped receiver)
    # may run anywhere: its reach is unknown.
    for name, entry in list(result.items()):
        if entry[0] == SERVING and entry[1] in shutdown_labels:
            if name in by_name and name in opaque:
                del result[name]
            else:
                entry[0] = SHUTDOWN
    return result
