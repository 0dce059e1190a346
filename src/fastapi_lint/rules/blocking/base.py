"""Shared machinery of the FPI1xx rules: calls made in an async context, classified once.

`AsyncCallRule.visit_Call` resolves the callee of every call in the body of an `async def`
(nested `def`, `lambda` and class bodies excluded, comprehensions seen through), notes calls that
are given to an offloader instead of a callable (those belong to FPI109 alone), and hands the rest
to `on_call`. Resolutions are shared by all rules of the family through a per-file cache.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from typing import Any

from ...index import branches
from ...index.project import Ref
from ...index.reach import reach_words
from ...index.summary import copied_attribute
from ...lazycst import cst
from ...rule import FileContext, Rule
from .catalog import (
    PARTIALS,
    REPORT_DEBUG_SWITCHES,
    Blocking,
    Extra,
    Offloader,
    blocks_with,
    call_env,
    caller_environments,
    classify,
    developer_guard,
    enum_members,
    is_memoised,
    is_socket_call,
    nonblocking_sockets,
    offloader,
)
from .gate import may_report

_MISSING = object()
# Builtins that iterate their first argument at once.
ITERATING_BUILTINS = frozenset(
    f"builtins.{name}" for name in ("next", "list", "tuple", "set", "sorted", "dict", "sum")
)


def _file_cache(ctx: FileContext) -> dict[str, Any]:
    cache = getattr(ctx, "_fpi1xx", None)
    if cache is None:
        cache = {"refs": {}, "extra": Extra.from_settings(ctx.settings)}
        ctx._fpi1xx = cache  # type: ignore[attr-defined]
    return cache


def resolve_cached(ctx: FileContext, node: cst.BaseExpression) -> Ref | None:
    refs = _file_cache(ctx)["refs"]
    key = (id(node), ctx.scope_key)
    ref = refs.get(key, _MISSING)
    if ref is _MISSING:
        ref = ctx.resolve(node)
        refs[key] = ref
    return ref  # type: ignore[return-value]


def extra_of(ctx: FileContext) -> Extra:
    return _file_cache(ctx)["extra"]


def positional_args(call: cst.Call) -> list[cst.Arg]:
    """Leading positional arguments (stops at the first keyword or starred argument)."""
    args = []
    for arg in call.args:
        if arg.keyword is not None or arg.star:
            break
        args.append(arg)
    return args


def offloaded_calls(
    ctx: FileContext, call: cst.Call, found: Offloader
) -> Iterator[tuple[cst.Call, cst.Call]]:
    """(call given where a callable belongs, the call whose argument list holds it): the
    offloader's own call, or a `functools.partial(...)` given to it."""
    args = positional_args(call)
    if len(args) <= found.callable_index:
        return
    value = args[found.callable_index].value
    if not isinstance(value, cst.Call):
        return
    ref = resolve_cached(ctx, value.func)
    if ref is not None and ref.kind == "external" and ref.qual in PARTIALS:
        inner = positional_args(value)
        if inner and isinstance(inner[0].value, cst.Call):
            yield inner[0].value, value
        return
    yield value, call


#: Settings (under [tool.fastapi-lint.rules]) that widen what "served" means.
REPORT_UNSERVED = "report-unserved"
REPORT_LIFESPAN_STARTUP = "report-lifespan-startup"
REPORT_LIFESPAN_SHUTDOWN = "report-lifespan-shutdown"
_ASYNC_CLAUSE = "inside `async def`"


def served_verdict(ctx: FileContext, yielded: bool) -> tuple[bool, str]:
    """(report?, words naming the entry point that reaches the enclosing function) from the
    index's reachability fact: serving code is reported with its entry point, code that
    provably serves no request (tests, scripts, coroutines run on their own loop, startup) is
    not, unless a setting asks for it, and code of unknown reach is reported as before."""
    frame = ctx.enclosing_function()
    if frame is None or frame.key is None:
        return True, ""
    settings = ctx.settings
    if not settings.rule_option(REPORT_DEBUG_SWITCHES, False) and developer_guard(
        ctx.index, ctx.module_name, frame.key
    ):
        return False, ""  # `if not blocks.dev_mode: raise ...` first: off by default
    found = ctx.index.reach(ctx.module_name, frame.key)
    if found is None:
        return True, ""
    kind, entry, via = found
    if kind == "lifespan":
        if yielded:
            kind, entry, via = "shutdown", f"lifespan `{frame.key}`", []
        else:
            kind = "startup"
    if kind == "serving":
        return True, reach_words(f"reached from {entry}", via)
    if kind == "startup" and settings.rule_option(REPORT_LIFESPAN_STARTUP, False):
        return True, ""
    if kind == "shutdown" and (
        settings.rule_option(REPORT_LIFESPAN_SHUTDOWN, False)
        or settings.rule_option(REPORT_UNSERVED, False)
    ):
        return True, reach_words(f"run at shutdown by {entry}", via)
    return bool(settings.rule_option(REPORT_UNSERVED, False)), ""


def _unset_expression(test: cst.BaseExpression) -> cst.BaseExpression | None:
    """`X` of `not X` or `X is None`."""
    if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        return test.expression
    if (
        isinstance(test, cst.Comparison)
        and len(test.comparisons) == 1
        and isinstance(test.comparisons[0].operator, cst.Is)
        and isinstance(test.comparisons[0].comparator, cst.Name)
        and test.comparisons[0].comparator.value == "None"
    ):
        return test.left
    return None


def _assigned_attributes(body: cst.BaseSuite) -> set[tuple[str, str]]:
    """The `name.attr` pairs a block assigns (`app.started = True`, `x = self._x = X()`)."""
    found: set[tuple[str, str]] = set()

    def note(target: cst.BaseExpression) -> None:
        if isinstance(target, cst.Attribute) and isinstance(target.value, cst.Name):
            found.add((target.value.value, target.attr.value))

    class Stores(cst.CSTVisitor):  # defined here: LibCST is imported when first used
        def visit_Assign(self, node: cst.Assign) -> None:
            for target in node.targets:
                note(target.target)

        def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
            if node.value is not None:
                note(node.target)

    body.visit(Stores())
    return found


def _test_shape(ctx: FileContext, test: cst.BaseExpression) -> list | None:
    """An `if` test as a condition shape (`branches.cond_shape`), parsed once per file."""
    shapes = _file_cache(ctx).setdefault("tests", {})
    if id(test) not in shapes:
        try:
            parsed = ast.parse(f"({ctx.module.code_for_node(test)})", mode="eval").body
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            parsed = None
        shapes[id(test)] = None if parsed is None else branches.cond_shape(parsed)
    return shapes[id(test)]


def with_reach(message: str, words: str) -> str:
    """`message` naming the entry point: "... inside `async def` reached from POST /users"."""
    if not words:
        return message
    if _ASYNC_CLAUSE in message:
        return message.replace(_ASYNC_CLAUSE, f"{_ASYNC_CLAUSE} ({words})", 1)
    return f"{message} ({words})"


def blocking_message(reason: Blocking, *, hint: str = "") -> str:
    use = f"; use {reason.use}" if reason.use else ""
    return f"`{reason.call}()` blocks the event loop inside `async def`{hint}{use}"


SERVED_DOCS = """
## Served code
Only `async def` code that may run on the event loop serving requests is reported, and the
message names one entry point that reaches it: `(reached from POST /users via
get_current_user)`. Entry points are path operations (on `FastAPI`, `APIRouter`, router
subclasses, routers built by factories or annotated `Final`, `add_api_route`, `APIRoute` in
`routes=[...]`), dependencies, middleware, exception handlers, websocket handlers, background
tasks, `StreamingResponse` bodies and tasks a lifespan starts (a lifespan handed to an app
factory, `create_app(lifespan=lifespan)`, included). Code that provably serves no request is
not reported: test functions and fixtures (`test_*.py`, `*_test.py`, `conftest.py`, anything
in a `tests/` package, `@pytest.fixture` anywhere), coroutines run on a loop of their own
(`asyncio.run(main())` in a script, a typer/click command, a thread; a coroutine handed by
`asyncio.run_coroutine_threadsafe` to a loop the project made with `new_event_loop()`) and the
tasks they start, lifespan and `startup` code before the first `yield` (also a coroutine given
to `asyncio.run` by a function that then starts the server: `asyncio.run(init())`, then
`uvicorn.run(app)`), shutdown code (a lifespan after
its first `yield`, shutdown handlers: the server runs it after it stopped taking requests and
finished the ones in flight), dead code (an undecorated `async def` of a router module the app imports
that nothing in the project names: no call, import, attribute, `__all__` entry or string), and
functions only such code calls. Code whose reach is unknown
(a library's public function, a function kept in a table) is reported as before, without an
entry point. The body of an `async def` memoised by an async cache (`async_lru.alru_cache`,
`aiocache.cached`, `asyncache.cached`) runs once per arguments and is not reported either.
Neither is an `async def` whose body starts by refusing to run unless a developer mode is on:
`if not blocks.vibe_mode: raise HTTPException(403)` (the `if` body one `raise`, no `else`),
where the flag's name has a word like `dev`, `debug`, `mode`, `test`, `demo`, `sandbox`,
`playground`, `reload`, `watch` or a diagnostic word, and the object's class declares it with a
false default (`vibe_mode: bool = False`, `Field(default=False)`) or sets it so in `__init__`
(`self.dev_mode = bool(os.getenv("APP_DEV_MODE", ""))`) and elsewhere only to `True`. A
feature toggle (`enable_signup`), a flag set from configuration, or a guard that returns
instead of raising is reported as before. In an `async def` helper whose every use in the
project is a call we see, a branch that every served call's literal arguments rule out is not
checked: `if force_move: shutil.move(...)` where each call passes `force_move=False`, `if state
== State.CONFIRMED:` where each passes another member of the enum (docs/design.md, "Every
caller's arguments").
See docs/design.md ("Served code").

## Options
Under `[tool.fastapi-lint.rules]`:
- `report-unserved = true`: report blocking calls in code that serves no request too (tests,
  scripts, startup, dead code).
- `report-lifespan-startup = true`: report lifespan and `startup` code before the first `yield`.
- `report-debug-switches = true`: report code behind developer modes (above) and diagnostic
  switches off by default too.
- `report-lifespan-shutdown = true`: report shutdown code (a lifespan after its first `yield`,
  shutdown handlers, what only they call). By default it is not reported: the server runs it
  after it stopped taking requests and finished the ones in flight, so no request waits.
"""


def reported_functions(index, module_name: str, settings) -> tuple[str, ...]:
    """The keys of `module_name`'s `async def`s whose findings `AsyncCallRule.report` keeps:
    not memoised, and serving requests or of unknown reach (or as the settings widen it)."""
    summary = index.module(module_name)
    unserved = settings.rule_option(REPORT_UNSERVED, False)
    startup = settings.rule_option(REPORT_LIFESPAN_STARTUP, False)
    shutdown = settings.rule_option(REPORT_LIFESPAN_SHUTDOWN, False)
    developer = settings.rule_option(REPORT_DEBUG_SWITCHES, False)
    found_keys = []
    for key, fact in (summary["functions"] if summary else {}).items():
        if not fact["async"] or is_memoised(index, module_name, fact):
            continue
        if not developer and developer_guard(index, module_name, key):
            continue
        found = None if unserved else index.reach(module_name, key)
        if (
            found is None
            or found[0] == "serving"
            or (found[0] == "lifespan" and (startup or shutdown))
            or (found[0] == "startup" and startup)
            or (found[0] == "shutdown" and shutdown)
        ):
            found_keys.append(key)
    return tuple(found_keys)


class AsyncCallRule(Rule):
    """Base class: subclasses implement `on_call` (and FPI109 `on_offloader`)."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # Every FPI1xx rule documents which code it checks and the settings that widen it.
        docs = cls.__dict__.get("docs")
        if docs and "## Served code" not in docs:
            cls.docs = docs.rstrip() + "\n" + SERVED_DOCS

    triggers = ("async def",)

    @classmethod
    def could_apply(cls, index, module_name: str, settings=None) -> bool:
        """Every finding of the family is reported through `report`, inside an `async def`
        that may serve requests (`served_verdict`) and is not memoised, at a call, a `for` or
        an attribute read that the family's call-level gate (`gate.may_report`) cannot rule
        out from the summaries: a module without one has none."""
        if index.module(module_name) is None or settings is None:
            return True
        candidates = reported_functions(index, module_name, settings)
        return bool(candidates) and may_report(
            index, module_name, candidates, Extra.from_settings(settings)
        )

    #: Awaited calls are skipped unless a rule knows better (`await file.file.read()`).
    judges_awaited_calls: bool = False
    #: The catalog category whose calls the rule reports: its page lists them.
    catalog_category: str = ""

    @classmethod
    def defaults_doc(cls) -> str:
        return _catalog_doc(cls)

    def __init__(self, ctx: FileContext) -> None:
        super().__init__(ctx)
        # Calls given to an offloader where a callable belongs: reported by FPI109 only.
        self._offloaded: set[int] = set()
        # Expressions directly under `await`, and those used by an attribute, subscript or
        # call (they need parentheses once they become `await ...`).
        self.awaited: set[int] = set()
        self.tight: set[int] = set()
        # Functions (frame nodes) whose first `yield` the walk has passed: a lifespan's
        # startup ends there.
        self._yielded: set[int] = set()
        # Calls whose result is iterated on the spot (`for x in f()`, `next(f())`): a sync
        # generator's body then runs on the loop.
        self.iterated: set[int] = set()
        # Blocks (an `if`'s body, its `else`, an `elif`) that cannot run (`_branch_taken`),
        # and how many of them the walk is in: nothing there is reported.
        self._off_blocks: set[int] = set()
        self._off = 0

    @property
    def extra(self) -> Extra:
        return extra_of(self.ctx)

    def resolve(self, node: cst.BaseExpression) -> Ref | None:
        return resolve_cached(self.ctx, node)

    def env_of(self, node: cst.Call, target: str) -> tuple:
        """The literal arguments this call gives `target` (see `catalog.call_env`)."""
        args, kwargs = call_arguments(node)
        receiver = node.func.value if isinstance(node.func, cst.Attribute) else None
        owner = self.resolve(receiver) if receiver is not None else None
        frame = self.ctx.enclosing_function()
        scope = (self.ctx.module_name, frame.key) if frame is not None and frame.key else None
        return call_env(
            self.ctx.index,
            target,
            args,
            kwargs,
            receiver_is_class=owner is not None and owner.kind == "class",
            scope=scope,
        )

    def visit_Await(self, node: cst.Await) -> None:
        self.awaited.add(id(node.expression))

    def visit_Yield(self, node: cst.Yield) -> None:
        frame = self.ctx.enclosing_function()
        if frame is not None:
            self._yielded.add(id(frame.node))

    def report(self, node: cst.CSTNode, message: str | None = None, fix=None, **kwargs) -> None:
        """Reports only code that may serve requests (see `served_verdict`), naming the entry
        point that reaches it."""
        frame = self.ctx.enclosing_function()
        fact = self.ctx.function_fact(frame)
        if fact is not None and is_memoised(self.ctx.index, self.ctx.module_name, fact):
            return  # `@alru_cache async def`: the body blocks once per arguments, not per request
        if self._off:
            return  # in a branch that cannot run (`_branch_taken`)
        yielded = frame is not None and id(frame.node) in self._yielded
        keep, words = served_verdict(self.ctx, yielded)
        if not keep:
            return
        super().report(node, with_reach(message or self.message, words), fix, **kwargs)

    def visit_For(self, node: cst.For) -> None:
        if node.asynchronous is None:
            self.iterated.add(id(node.iter))

    # -- branches that cannot run -------------------------------------------------------------
    def visit_If(self, node: cst.If) -> None:
        if id(node) in self._off_blocks:
            self._off += 1  # an `elif` of an `else` that cannot run
        if self._off or not self.ctx.in_async_context():
            return
        found = self._branch_taken(node.test)
        if found is True and node.orelse is not None:
            self._off_blocks.add(
                id(node.orelse.body if isinstance(node.orelse, cst.Else) else node.orelse)
            )
        elif found is False or (found is None and self._runs_once(node)):
            self._off_blocks.add(id(node.body))

    def leave_If(self, original_node: cst.If) -> None:
        if id(original_node) in self._off_blocks:
            self._off -= 1

    def visit_IndentedBlock(self, node: cst.IndentedBlock) -> None:
        if id(node) in self._off_blocks:
            self._off += 1

    def leave_IndentedBlock(self, original_node: cst.IndentedBlock) -> None:
        if id(original_node) in self._off_blocks:
            self._off -= 1

    def visit_SimpleStatementSuite(self, node: cst.SimpleStatementSuite) -> None:
        if id(node) in self._off_blocks:
            self._off += 1  # `if force_move: shutil.move(a, b)` on one line

    def leave_SimpleStatementSuite(self, original_node: cst.SimpleStatementSuite) -> None:
        if id(original_node) in self._off_blocks:
            self._off -= 1

    def _branch_taken(self, test: cst.BaseExpression) -> bool | None:
        """The truth of an `if` test of the enclosing `async def` in every call the project
        makes of it, when those calls are all its uses and agree (`caller_environments`):
        `if force_move:` where every served caller passes `force_move=False`, `new_state ==
        State.CONFIRMED` where each passes another member. None when not known."""
        frame = self.ctx.enclosing_function()
        if frame is None or frame.key is None:
            return None
        index, module = self.ctx.index, self.ctx.module_name
        qual = index.qualified_function(module, frame.key)
        envs = caller_environments(index, qual, unserved=self._unserved())
        if not envs:
            return None
        cond = _test_shape(self.ctx, test)
        if cond is None:
            return None
        names = branches.names_in(cond)
        members = enum_members(index, module, frame.key, (["n", n] for n in names if "." in n))
        constants = branches.module_constants(index, module, frame.key)
        found: set[bool | None] = set()
        for env in envs:
            found.add(branches.truth(cond, {**constants, **members, **env}))
            if None in found or len(found) > 1:
                return None
        return found.pop() if found else None

    def _runs_once(self, node: cst.If) -> bool:
        """A first-run block of the `async def` (the summary's lazy initialisers, on the CST):
        `if not app.startup_done:` / `if self._client is None:` whose body assigns the
        attribute it tests, on `self`/`cls` or on an object the function does not bind itself
        (a module global, an enclosing function's `app`), also through a local copy
        (`registry = getattr(self, "_registry", None)`, then `if registry is None: registry =
        self._registry = Registry()`): its body runs once per object, and such objects live
        as long as the process."""
        frame = self.ctx.enclosing_function()
        if frame is None or frame.key is None:
            return False
        target = _unset_expression(node.test)
        index, module = self.ctx.index, self.ctx.module_name
        if isinstance(target, cst.Name):
            found = index.lookup_binding(module, frame.key, target.value)
            if found is None or found[1] != frame.key:
                return False
            options = found[0][1] if found[0] and found[0][0] == "ambiguous" else [found[0]]
            tested = {pair for pair in map(copied_attribute, options) if pair is not None}
        elif isinstance(target, cst.Attribute) and isinstance(target.value, cst.Name):
            owner = target.value.value
            if owner not in ("self", "cls"):
                found = index.lookup_binding(module, frame.key, owner)
                if found is None or found[1] == frame.key:
                    return False  # a parameter or a local: it may be the request's
            tested = {(owner, target.attr.value)}
        else:
            return False
        return bool(tested) and bool(tested & _assigned_attributes(node.body))

    def _unserved(self) -> bool:
        return bool(self.ctx.settings.rule_option(REPORT_UNSERVED, False))

    def visit_Attribute(self, node: cst.Attribute) -> None:
        self.tight.add(id(node.value))

    def visit_Subscript(self, node: cst.Subscript) -> None:
        self.tight.add(id(node.value))

    def visit_Call(self, node: cst.Call) -> None:
        self.tight.add(id(node.func))
        if not self.ctx.in_async_context():
            return
        ref = self.resolve(node.func)
        if ref is not None and ref.qual in ITERATING_BUILTINS and node.args:
            self.iterated.add(id(node.args[0].value))
        found = offloader(ref, self.extra)
        if found is not None:
            if found.offloads:
                for inner, holder in offloaded_calls(self.ctx, node, found):
                    self._offloaded.add(id(inner))
                    self.on_offloader(node, found, inner, holder)
            return
        if id(node) in self._offloaded:
            return
        if (
            id(node) in self.awaited
            and not self.judges_awaited_calls
            and (ref is None or ref.kind != "callback")
        ):
            # `await x.execute(...)`: whatever the annotation says, the call returns an
            # awaitable, so `x` is an async object (a mistyped AsyncSession, an async client).
            # (`await super().get_response(...)` of a library base that calls a project
            # override back on the loop is judged: FPI110.)
            return
        self.on_call(node, ref)

    def on_call(self, node: cst.Call, ref: Ref | None) -> None:
        """A call run on the event loop."""

    def on_offloader(
        self, node: cst.Call, found: Offloader, inner: cst.Call, holder: cst.Call
    ) -> None:
        """`inner` is a call given to the offloader `node` where a callable belongs."""

    def awaitable(self, node: cst.Call, call: cst.BaseExpression) -> cst.Await:
        """`await <call>` in place of `node`, keeping `node`'s parentheses (adding some where
        the result is used by an attribute, subscript or call)."""
        lpar, rpar = node.lpar, node.rpar
        if not lpar and id(node) in self.tight:
            lpar, rpar = [cst.LeftParen()], [cst.RightParen()]
        if isinstance(call, cst.Call):
            call = call.with_changes(lpar=[], rpar=[])
        return cst.Await(expression=call, lpar=lpar, rpar=rpar)


def _literal_shape(node: cst.BaseExpression) -> list[Any]:
    """A summary-style shape of an argument: `["const", v]` for a literal, `["?"]` else."""
    if isinstance(node, cst.Name) and node.value in ("True", "False", "None"):
        return ["const", {"True": True, "False": False, "None": None}[node.value]]
    if isinstance(node, (cst.Integer, cst.Float, cst.SimpleString, cst.ConcatenatedString)):
        try:
            value = node.evaluated_value
        except Exception:
            return ["?"]
        return ["const", value] if isinstance(value, (int, float, str)) else ["?"]
    if (
        isinstance(node, cst.UnaryOperation)
        and isinstance(node.operator, cst.Minus)
        and isinstance(node.expression, (cst.Integer, cst.Float))
    ):
        return ["const", -node.expression.evaluated_value]
    if isinstance(node, cst.Dict) and len(node.elements) <= 16:
        # `metadata={"server_id": str(user.uuid)}`: the keys a dict literal surely sets, and
        # what it holds there when that is a literal or a builtin call (`index.branches`).
        pairs: list[list[Any]] = []
        for element in node.elements:
            if isinstance(element, cst.StarredDictElement):
                pairs.append([None, ["?"]])
                continue
            key = _literal_shape(element.key)
            if key == ["?"]:
                return ["?"]
            pairs.append([key, _entry_shape(element.value)])
        return ["dict", pairs]
    return ["?"]


def _entry_shape(node: cst.BaseExpression) -> list[Any]:
    """A dict literal's value as `index.branches.literal` reads it: a literal, a call of a
    bare name (the index decides whether it is a builtin that never returns None), a
    container literal; `["?"]` else."""
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Name):
        return ["call", ["n", node.func.value], [], {}]
    if isinstance(node, (cst.List, cst.Tuple, cst.Set)):
        return ["list", [["?"]] * len(node.elements)]
    if isinstance(node, cst.Dict):
        return ["list", [["?"]] * len(node.elements)]  # a nested dict: only its truth counts
    return _literal_shape(node)


def call_arguments(call: cst.Call) -> tuple[list[list[Any]] | None, dict[str, list[Any]]]:
    """The call's arguments as summary-style shapes (literals only): positional (None when a
    `*args`/`**kwargs` spread hides where they go) and by keyword."""
    args: list[list[Any]] = []
    kwargs: dict[str, list[Any]] = {}
    for arg in call.args:
        if arg.star:
            return None, {}
        if arg.keyword is not None:
            kwargs[arg.keyword.value] = _literal_shape(arg.value)
        else:
            args.append(_literal_shape(arg.value))
    return args, kwargs


def _dotted(node: cst.BaseExpression) -> str | None:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        base = _dotted(node.value)
        return f"{base}.{node.attr.value}" if base is not None else None
    return None


def nonblocking_socket(ctx: FileContext, node: cst.Call) -> bool:
    """Whether `node` (`sock.recv(...)`) is a method call on a socket that the enclosing
    function sets non-blocking (see `catalog.nonblocking_sockets`; its summary's calls)."""
    if not isinstance(node.func, cst.Attribute):
        return False
    receiver = _dotted(node.func.value)
    fact = ctx.function_fact()
    return (
        receiver is not None
        and fact is not None
        and (receiver in nonblocking_sockets(fact["calls"]))
    )


def _catalog_doc(rule: type) -> str:
    from .catalog_docs import catalog_markdown

    category = getattr(rule, "category", "") or rule.catalog_category
    return catalog_markdown(category) if category else ""


class CategoryRule(AsyncCallRule):
    """Reports direct calls of one catalog category."""

    category: str = ""
    #: Inserted after the main clause of the message.
    hint: str = ""

    def on_call(self, node: cst.Call, ref: Ref | None) -> None:
        reason = classify(ref, self.extra)
        if reason is not None and reason.category == self.category:
            if is_socket_call(reason) and nonblocking_socket(self.ctx, node):
                return
            keywords = [a.keyword.value for a in node.args if a.keyword is not None]
            if blocks_with(reason, len(positional_args(node)), keywords):
                self.report(node, message=blocking_message(reason, hint=self.hint))
