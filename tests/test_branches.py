"""Constant-argument branch pruning (`index.branches`): the conditions the summary records,
the bounded evaluator, and how a call site's arguments bind to the callee's parameters."""

from __future__ import annotations

import ast

import pytest

from fastapi_lint.index import branches
from fastapi_lint.index.summary import summarize_source


def cond(text: str) -> list:
    return branches.cond_shape(ast.parse(text, mode="eval").body)


@pytest.mark.parametrize(
    ("text", "env", "expected"),
    [
        ("flag", {"flag": False}, False),
        ("flag", {"flag": 0}, False),
        ("flag", {"flag": "x"}, True),
        ("flag", {"flag": None}, False),
        ("not flag", {"flag": False}, True),
        ("flag", {}, None),
        ("a and b", {"a": False}, False),
        ("a and b", {"a": True}, None),
        ("a and b", {"a": True, "b": 1}, True),
        ("a or b", {"b": True}, True),
        ("a or b", {"a": False}, None),
        ("a or b", {"a": False, "b": ""}, False),
        ("x is None", {"x": None}, True),
        ("x is not None", {"x": None}, False),
        ("x is None", {"x": "a"}, False),
        ("x is 'a'", {"x": "a"}, None),  # identity of two literals: unknown
        ("x == 'a'", {"x": "a"}, True),
        ("x != 3", {"x": 3}, False),
        ("x in ('a', 'b')", {"x": "b"}, True),
        ("x not in ['a', 'b']", {"x": "c"}, True),
        ("x in 'abc'", {"x": "bc"}, True),
        ("x in 'abc'", {"x": 1}, None),
        ("x in other", {"x": "a"}, None),
        ("0 < x <= 3", {"x": 3}, True),
        ("0 < x <= 3", {"x": 4}, False),
        ("x < 'a'", {"x": 1}, None),
        ("name.startswith('vault/')", {"name": "API_KEY"}, False),
        ("name.startswith(('vault/', 'kv/'))", {"name": "kv/db"}, True),
        ("name.endswith('.json')", {"name": "a.json"}, True),
        ("name.startswith(prefix)", {"name": "a"}, None),
        ("name.upper()", {"name": "a"}, None),
        ("x == -1", {"x": -1}, True),
        ("x.y", {"x": 1}, None),
    ],
)
def test_truth(text: str, env: dict, expected: bool | None) -> None:
    assert branches.truth(cond(text), env) is expected


def test_ruled_out_needs_a_definite_other_branch() -> None:
    guards = [[cond("add_hash"), True]]
    assert branches.ruled_out(guards, {"add_hash": False})
    assert not branches.ruled_out(guards, {"add_hash": True})
    assert not branches.ruled_out(guards, {})
    assert branches.ruled_out([[cond("add_hash"), False]], {"add_hash": True})


PARAMS = [
    ["self", None, None, "pos"],
    ["user", None, None, "pos"],
    ["add_hash", None, ["const", True], "pos"],
    ["mode", None, ["const", "disk"], "kw"],
]


def values(env: branches.Env) -> dict:
    return branches.env_dict(env)


def test_bind_literals_defaults_and_shift() -> None:
    got = values(branches.bind(PARAMS, [["?"], ["const", False]], {}, shift=1))
    assert got == {"add_hash": False, "mode": "disk"}
    got = values(branches.bind(PARAMS, [["?"]], {"mode": ["const", "memory"]}, shift=1))
    assert got == {"add_hash": True, "mode": "memory"}
    # Unbound call (`Cls.method(obj, user, False)`): self is an argument.
    got = values(branches.bind(PARAMS, [["?"], ["?"], ["const", False]], {}, shift=0))
    assert got == {"add_hash": False, "mode": "disk"}


def test_bind_unknowns() -> None:
    # A spread hides where arguments go: nothing is known, not even defaults.
    assert branches.bind(PARAMS, None, {}, shift=1) == ()
    # Positional arguments with an unknown shift bind nothing; keyword-only defaults count.
    got = values(branches.bind(PARAMS, [["?"]], {}, shift=None))
    assert got == {"mode": "disk"}
    # A non-literal argument is unknown, and its default is not used.
    got = values(branches.bind(PARAMS, [["?"], ["n", "flag"]], {}, shift=1))
    assert got == {"mode": "disk"}
    # ... unless it is a parameter of the caller whose value the caller knows.
    got = branches.bind(PARAMS, [["?"], ["n", "flag"]], {}, shift=1, caller_env={"flag": 0})
    assert values(got) == {"add_hash": 0, "mode": "disk"}
    # Too many arguments: not the function we think it is.
    assert branches.bind(PARAMS, [["?"]] * 4, {}, shift=1) == ()


def test_env_keeps_true_and_one_apart() -> None:
    assert branches.env_of({"x": True}) != branches.env_of({"x": 1})


SOURCE = """
def f(a, add_hash=False, name="vault/x", *, mode=None):
    if add_hash:
        g()
    elif name.startswith("vault/"):
        h()
    if not a:
        return
    m() if mode is None else n()
    a and o()
    with ctx:
        if mode == "x":
            raise E
        q()
    r(*xs)
    if other:
        s()
"""


def test_summary_records_guards_early_returns_and_spreads() -> None:
    summary = summarize_source(SOURCE, "m", False)
    fact = summary["functions"]["f"]
    guards = {(line, col): g for line, col, g in fact["guards"]}
    assert guards[(4, 8)] == [[["n", "add_hash"], True]]
    assert guards[(6, 8)] == [
        [["n", "add_hash"], False],
        [["str", "startswith", ["n", "name"], ["const", "vault/"]], True],
    ]
    after_return = [["not", ["n", "a"]], False]
    assert guards[(9, 4)] == [
        after_return,
        [["cmp", ["n", "mode"], [["is", ["const", None]]]], True],
    ]
    assert guards[(10, 10)] == [after_return, [["n", "a"], True]]
    assert guards[(14, 8)] == [
        after_return,
        [["cmp", ["n", "mode"], [["==", ["const", "x"]]]], False],
    ]
    # A condition on no parameter (`other`) is not recorded.
    assert guards[(17, 8)] == [after_return]
    assert fact["spread"] == [[15, 4]]
    # A string default is the string, not an annotation it might spell.
    assert fact["params"][2][2] == ["const", "vault/x"]


LITERAL_LOCALS = """
def f(value, config=None, flag=False):
    path = None
    count = 0
    if flag:
        seen = None
    if config is not None:
        path = config + value
    for count in range(3):
        pass
    if path is not None and exists(path):
        read(path)
    if seen:
        read(seen)
"""


def test_summary_records_literal_locals_and_their_later_bindings() -> None:
    fact = summarize_source(LITERAL_LOCALS, "m", False)["functions"]["f"]
    # Bound first by a statement that always runs; `seen` is bound under a branch.
    assert fact["literals"] == {"path": ["const", None], "count": ["const", 0]}
    rebinds = {name: guards for name, guards in fact["rebinds"]}
    assert rebinds["path"] == [[["cmp", ["n", "config"], [["is not", ["const", None]]]], True]]
    assert rebinds["count"] == []  # the loop binds it whatever the call passes
    guards = {(line, col): g for line, col, g in fact["guards"]}
    # A condition on a literal local is recorded like one on a parameter; `seen` is no
    # literal, so its condition is not.
    assert guards[(12, 8)][0][0] == [
        "and",
        [["cmp", ["n", "path"], [["is not", ["const", None]]]], ["?"]],
    ]
    assert (14, 8) not in guards


# -- module constants (`key in PROMPTS` where PROMPTS is a module-level literal) ---------------
PROMPTS = branches.Collection("dict", frozenset({"a", "b", "none"}), {"b": "text", "none": None})
NAMES = branches.Collection("set", frozenset({"x", 1}), {})


@pytest.mark.parametrize(
    ("text", "env", "expected"),
    [
        ("key in PROMPTS", {"key": "a"}, True),
        ("key in PROMPTS", {"key": "c"}, False),
        ("key not in PROMPTS", {"key": "c"}, True),
        ("key in PROMPTS.keys()", {"key": "b"}, True),
        ("key not in PROMPTS.keys()", {"key": "a"}, False),
        ("key in NAMES", {"key": 1}, True),
        ("key in NAMES", {"key": True}, True),  # True == 1, as Python says
        ("key in NAMES.keys()", {"key": "x"}, None),  # a set has no keys()
        ("PROMPTS.get(key) is None", {"key": "c"}, True),
        ("PROMPTS.get(key) is None", {"key": "none"}, True),
        ("PROMPTS.get(key) is None", {"key": "b"}, False),
        ("PROMPTS.get(key) is None", {"key": "a"}, None),  # a value that is no literal
        ("PROMPTS.get(key, 'd') == 'd'", {"key": "c"}, True),
        ("PROMPTS.get(key)", {"key": "c"}, False),
        ("key in PROMPTS", {}, None),
        ("key in PROMPTS", {"key": "a", "PROMPTS": None}, None),
        ("PROMPTS == {}", {}, None),
        ("PROMPTS is None", {}, False),
        ("key in (PROMPTS, 'a')", {"key": "a"}, None),
        ("PROMPTS", {}, True),
    ],
)
def test_truth_with_module_constants(text: str, env: dict, expected: bool | None) -> None:
    values = {"PROMPTS": PROMPTS, "NAMES": NAMES}
    values.update(env)
    if "PROMPTS" in env and env["PROMPTS"] is None:
        values.pop("PROMPTS")  # not a known constant
    assert branches.truth(cond(text), values) is expected


def test_summary_records_literal_constants_and_mutations() -> None:
    source = (
        "A = {'a': 1, 'b': x}\n"
        "B = frozenset({'p', 'q'})\n"
        "C: dict = {'c': None}\n"
        "D = {**A}\n"
        "E = {'e': 1}\n"
        "E = {}\n"
        "F = {'f': 1}\n"
        "F['g'] = 2\n"
        "G = ['g']\n"
        "def grow(): G.append('h')\n"
        "H = {'h': 1}\n"
        "def rebind():\n"
        "    global H\n"
        "    H = {}\n"
        "I = {k: 1 for k in 'ab'}\n"
        "def local():\n"
        "    J = {}\n"
        "    J['x'] = 1\n"
        "    other.TABLE['k'] = 1\n"
        "    del shared[1]\n"
    )
    summary = summarize_source(source, "m", False)
    assert summary["constants"] == {
        "A": ["dict", [["a", ["const", 1]], ["b", None]]],
        "B": ["set", ["p", "q"]],
        "C": ["dict", [["c", ["const", None]]]],
    }
    assert set(summary["mutated"]) == {"F", "G", "H", "other.TABLE", "shared"}


# -- dicts a call site passes (issue 14, R1) -----------------------------------------------------
def test_truth_with_dicts_and_non_null_values() -> None:
    closed = branches.Collection("dict", frozenset({"k"}), {"k": branches.NonNull()})
    open_ = branches.Collection("dict", frozenset({"k"}), {}, None)
    assert branches.truth(cond("d.get('k') is None"), {"d": closed}) is False
    assert branches.truth(cond("d.get('k') is not None"), {"d": closed}) is True
    # Not None, but it may be empty.
    assert branches.truth(cond("not d.get('k')"), {"d": closed}) is None
    assert branches.truth(cond("'k' not in d"), {"d": closed}) is False
    assert branches.truth(cond("'x' in d"), {"d": closed}) is False
    # A dict that may hold any other key: only the keys it surely holds are known.
    assert branches.truth(cond("'x' in d"), {"d": open_}) is None
    assert branches.truth(cond("d.get('x') is None"), {"d": open_}) is None
    assert branches.truth(cond("d.get('k') is None"), {"d": open_}) is None
    assert branches.truth(cond("'k' in d"), {"d": open_}) is True
    assert branches.truth(cond("d"), {"d": open_}) is True
    empty = branches.Collection("dict", frozenset(), {})
    assert branches.truth(cond("d"), {"d": empty}) is False
    assert (
        branches.truth(cond("d"), {"d": branches.Collection("dict", frozenset(), {}, None)}) is None
    )
    assert branches.truth(cond("x == 'a'"), {"x": branches.NonNull(True)}) is None
    assert branches.truth(cond("x is True"), {"x": branches.NonNull(True)}) is None


def test_literal_reads_dict_arguments() -> None:
    def builtin(name: str) -> bool:
        return name == "str"

    shape = ["dict", [[["const", "a"], ["call", ["n", "str"], [], {}]], [["const", "b"], ["?"]]]]
    found = branches.literal(shape, {}, builtin)
    assert found.keys == {"a", "b"} and found.possible == {"a", "b"}
    assert found.values == {"a": branches.NonNull()}
    # Not the builtin where the call is made: its value is unknown.
    assert branches.literal(shape, {}).values == {}
    spread = ["dict", [[["const", "a"], ["const", 1]], [None, ["n", "extra"]]]]
    found = branches.literal(spread, {})
    assert found.keys == {"a"} and found.possible is None and found.values == {}
    assert branches.literal(["dict", [[["n", "key"], ["const", 1]]]], {}) is branches._UNKNOWN
    # Equal dicts are one environment; different ones are two.
    assert branches.env_of({"d": branches.literal(shape, {}, builtin)}) == branches.env_of(
        {"d": branches.literal(shape, {}, builtin)}
    )
    assert branches.env_of({"d": found}) != branches.env_of({"d": branches.literal(shape, {})})


DICT_LOCALS = """
def f(request, metadata=None, flag=False):
    state = {"id": request, "server": None}
    if metadata:
        state.update(metadata)
    if flag:
        state["extra"] = str(request)
    log(properties=state)
    state.pop("id")
    log(state)

def g(items):
    kept = {"a": 1}
    for item in items:
        kept.update(item)
    log(kept)

def h(properties):
    if properties.get("k") is None:
        properties["k"] = fetch()
    for x in y:
        properties.pop(x)
"""


def test_summary_records_dict_locals_and_changed_parameters() -> None:
    functions = summarize_source(DICT_LOCALS, "m", False)["functions"]
    start, events = functions["f"]["dict_locals"]["state"]
    assert start[0] == "dict"
    assert [event[0] for event in events] == ["update", "set", "use", "use", "use"]
    assert events[0][:4] == ["update", 5, 8, ["n", "metadata"]]
    assert events[0][4] == [[["n", "metadata"], True]]
    # Changed in a loop: not followed.
    assert "dict_locals" not in functions["g"]
    # The first change ends after the call under the guard; one in a loop counts from its start.
    assert functions["h"]["mutates"] == {"properties": [20, 33]}


def test_local_dict_applies_what_runs_before_the_call() -> None:
    record = summarize_source(DICT_LOCALS, "m", False)["functions"]["f"]["dict_locals"]["state"]
    meta = branches.Collection("dict", frozenset({"server"}), {"server": "s1"})
    found = branches.local_dict(record, 8, 4, {"metadata": meta, "flag": True})
    assert found.keys == {"id", "server", "extra"} and found.values["server"] == "s1"
    # Unknown conditions: the dict with and without the change.
    found = branches.local_dict(record, 8, 4, {})
    assert found.keys == {"id", "server"} and found.possible is None
    assert "server" not in found.values
    found = branches.local_dict(record, 8, 4, {"metadata": None, "flag": False})
    assert found.keys == {"id", "server"} and found.values == {"server": None}
    assert found.possible == {"id", "server"}
    # After `state.pop(...)` nothing is known any more.
    assert branches.local_dict(record, 10, 4, {"metadata": meta}) is None


# -- diagnostic switches off by default (issue 14, R4) ----------------------------------------
SWITCHES = """
import os

def f(x, force=False):
    if is_trace_enabled():
        commit(x)
    if force or os.environ.get("APP_DEBUG", "0") == "1":
        commit(x)
    if isinstance(x, str):
        commit(x)
    if not os.getenv("DEBUG_DUMP_DIR"):
        return
    dump(x)

def is_trace_enabled():
    \"\"\"A docstring first.\"\"\"
    return "TRACE_DIR" in os.environ

def plain(x):
    return x + 1
"""


def test_summary_records_switches_and_switch_returns() -> None:
    functions = summarize_source(SWITCHES, "m", False)["functions"]
    switches = {(line, col): s for line, col, s in functions["f"]["switches"]}
    assert switches[(6, 8)] == [[["call", "is_trace_enabled", [], {}], True]]
    env = ["env", "APP_DEBUG", ["const", "0"]]
    assert switches[(8, 8)] == [
        [["or", [["n", "force"], ["cmp", env, [["==", ["const", "1"]]]]]], True]
    ]
    # `isinstance(x, str)` passes a name: no switch.
    assert (10, 8) not in switches
    assert switches[(13, 4)] == [[["not", ["env", "DEBUG_DUMP_DIR", ["const", None]]], False]]
    assert functions["is_trace_enabled"]["switch_return"][0] == "cmp"
    assert "switch_return" not in functions["plain"]


def test_switch_eval_reads_the_environment_unset() -> None:
    def shape(text: str) -> list:
        return branches.switch_shape(ast.parse(text, mode="eval").body)

    def run(text: str, env: dict | None = None) -> tuple:
        evaluator = branches.SwitchEval(env or {}, lambda *_args: branches.UNKNOWN)
        return evaluator.truth(shape(text)), evaluator.names

    assert run("os.getenv('TRACE')") == (False, ["TRACE"])
    assert run("os.environ.get('TRACE', 'on')") == (True, ["TRACE"])
    assert run("not os.getenv('TRACE')") == (True, ["TRACE"])
    assert run("'TRACE' in os.environ") == (False, ["TRACE"])
    assert run("os.getenv('D', 'False').lower() in ('1', 'true')") == (False, ["D"])
    assert run("bool(os.getenv('D'))") == (False, ["D"])
    assert run("os.getenv('D') is not None") == (False, ["D"])
    assert run("flag or os.getenv('D')", {"flag": True}) == (True, [])
    assert run("flag or os.getenv('D')")[0] is None
    assert run("is_on()")[0] is None
    assert run("os.getenv(name)")[0] is None


def test_enum_members_compare_with_members_only() -> None:
    stopped = branches.EnumMember("app.State.STOPPED")
    confirmed = branches.EnumMember("app.State.CONFIRMED")
    members = {"State.STOPPED": stopped, "State.CONFIRMED": confirmed}
    env = {"state": stopped, **members}
    assert branches.truth(cond("state == State.STOPPED"), env) is True
    assert branches.truth(cond("state == State.CONFIRMED"), env) is False
    assert branches.truth(cond("state != State.CONFIRMED"), env) is True
    assert branches.truth(cond("state is State.STOPPED"), env) is True
    assert branches.truth(cond("state in (State.CONFIRMED, State.STOPPED)"), env) is True
    assert branches.truth(cond("state not in (State.CONFIRMED,)"), env) is True
    # A `str` enum's member may equal a string, an `IntEnum` member may be false: unknown.
    assert branches.truth(cond("state == 'stopped'"), env) is None
    assert branches.truth(cond("state"), env) is None
    assert branches.truth(cond("state < State.CONFIRMED"), env) is None
    # A dotted argument the caller resolved to a member binds like a literal.
    params = [["state", None, None, "pos"]]
    bound = branches.bind(params, [["n", "State.STOPPED"]], {}, shift=0, caller_env=members)
    assert branches.env_dict(bound) == {"state": stopped}
    assert branches.bind(params, [["n", "other.STOPPED"]], {}, shift=0, caller_env=members) == ()
