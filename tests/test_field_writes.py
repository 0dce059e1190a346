"""The summary's record of attribute writes in effect at each `return` (index.field_writes)."""

from __future__ import annotations

import textwrap

from fastapi_lint.index.summary import summarize_source


def writes(source: str, name: str = "f"):
    summary = summarize_source(textwrap.dedent(source), "m", False)
    return summary["functions"][name].get("returned_writes")


def test_each_element_of_a_loop_then_a_comprehension() -> None:
    found = writes(
        """
        def f(rows):
            for row in rows:
                row.api_key = None
            return [row.to_pydantic() for row in rows]
        """
    )
    assert found == [{"rows": [["api_key", ["const", None]]]}]


def test_a_write_in_one_branch_is_not_in_effect_after_it() -> None:
    found = writes(
        """
        def f(x, flag):
            if flag:
                x.secret = None
            return x
        """
    )
    assert found is None


def test_a_branch_that_tests_the_field_itself_counts() -> None:
    found = writes(
        """
        def f(x):
            values = x.secrets or x.env
            if values:
                x.secrets = {k: "" for k in values}
            return x
        """
    )
    assert found == [
        {"x": [["secrets", ["dictcomp", ["n", "k"], ["const", ""], "k", ["n", "values"]]]]}
    ]


def test_rebinding_forgets_and_a_later_write_replaces() -> None:
    found = writes(
        """
        def f(load):
            x = load()
            x.secret = None
            x = load()
            y = load()
            y.secret = None
            y.secret = load()
            return x, y
        """
    )
    assert found == [{"y": [["secret", ["call", ["n", "load"], [], {}]]]}]


def test_writes_in_a_loop_body_on_other_names_are_not_certain() -> None:
    found = writes(
        """
        def f(x, rows):
            for row in rows:
                x.secret = None
            return x
        """
    )
    assert found is None


def test_a_handler_sees_only_what_holds_before_and_after_the_body() -> None:
    found = writes(
        """
        def f(x, load):
            x.secret = None
            try:
                x.secret = load()
            except ValueError:
                return x
            return None
        """
    )
    assert found is None


def test_returns_stay_aligned_with_returns_values() -> None:
    summary = summarize_source(
        textwrap.dedent(
            """
            def f(x, flag):
                x.token = "****"
                if flag:
                    return None
                def inner():
                    return x
                return x
            """
        ),
        "m",
        False,
    )
    fact = summary["functions"]["f"]
    assert len(fact["returned_writes"]) == len(fact["returns_values"]) == 2
    assert fact["returned_writes"][1] == {"x": [["token", ["const", "****"]]]}


def test_a_spread_keyword_is_kept_in_call_shapes() -> None:
    summary = summarize_source("def f(d):\n    return Model(a=1, **d)\n", "m", False)
    call = summary["functions"]["f"]["returns_values"][0]
    assert call[3] == {"a": ["const", 1], "**": ["n", "d"]}


def bindings(source: str, name: str = "f"):
    summary = summarize_source(textwrap.dedent(source), "m", False)
    return summary["functions"][name].get("returned_bindings")


def test_a_list_filled_by_appends_takes_the_writes_of_what_it_appends() -> None:
    found = writes(
        """
        def f(agents):
            out = []
            for agent in agents:
                copy = agent.model_copy(deep=True)
                copy.secret = redact(copy.secret)
                out.append(copy)
            return out
        """
    )
    secret = ["call", ["n", "redact"], [["n", "copy.secret"]], {}]
    assert found == [{"out": [["secret", secret]]}]


def test_appends_keep_only_the_writes_they_agree_on() -> None:
    found = writes(
        """
        def f(agents, extra, flag):
            out: list = []
            for agent in agents:
                copy = agent.model_copy()
                copy.secret = None
                copy.name = ""
                if flag:
                    copy.name = "x"
                out.append(copy)
            extra.secret = None
            out.append(extra)
            return out
        """
    )
    assert found == [{"out": [["secret", ["const", None]]]}]


def test_what_else_may_fill_the_list_forgets_its_writes() -> None:
    for filling in (
        "out.extend(more)",
        "out.insert(0, more)",
        "out[0] = more",
        "fill(out)",
        "alias = out",
        "log(items=out)",
        "out.append(load())",
    ):
        found = writes(
            f"""
            def f(agents, more):
                out = []
                for agent in agents:
                    copy = agent.model_copy()
                    copy.secret = None
                    out.append(copy)
                {filling}
                return out
            """
        )
        assert found is None, filling
    # Reading it with a builtin keeps them.
    found = writes(
        """
        def f(agents):
            out = []
            for agent in agents:
                agent.secret = None
                out.append(agent)
            count = len(out)
            return out
        """
    )
    assert found == [{"out": [["secret", ["const", None]]]}]


def test_a_write_after_the_append_reaches_the_element() -> None:
    found = writes(
        """
        def f(agents, load):
            out = []
            for agent in agents:
                copy = agent.model_copy()
                copy.secret = None
                out.append(copy)
                copy.secret = load()
            return out
        """
    )
    assert found is None


def test_an_empty_list_or_one_filled_elsewhere_has_no_writes() -> None:
    assert (
        writes(
            """
            def f(rows):
                out = []
                return out
            """
        )
        is None
    )
    # Not a list bound here: an append keeps only what the element brings in common.
    found = writes(
        """
        def f(rows, extra):
            for row in rows:
                row.secret = None
                row.name = ""
            extra.secret = None
            rows.append(extra)
            return rows
        """
    )
    assert found == [{"rows": [["secret", ["const", None]]]}]
    found = writes(
        """
        def f(rows, more):
            for row in rows:
                row.secret = None
            rows.extend(more)
            return rows
        """
    )
    assert found is None


def test_the_value_a_rebound_name_last_got() -> None:
    found = bindings(
        """
        def f(agent_id, load, redact):
            agent = load(agent_id)
            if agent is None:
                agent = load("default")
            agent = redact([agent])[0]
            return agent
        """
    )
    assert found == [
        {
            "agent": [
                "sub",
                ["call", ["n", "redact"], [["list", [["n", "agent"]]]], {}],
                [["const", 0]],
            ]
        }
    ]


def test_no_value_when_paths_disagree_or_the_name_is_bound_once() -> None:
    assert (
        bindings(
            """
            def f(flag, load):
                agent = load(1)
                if flag:
                    agent = load(2)
                return agent
            """
        )
        is None
    )
    assert bindings("def f(load):\n    agent = load(1)\n    return agent\n") is None
    # A parameter bound again is bound twice.
    assert bindings("def f(agent, redact):\n    agent = redact(agent)\n    return agent\n") == [
        {"agent": ["call", ["n", "redact"], [["n", "agent"]], {}]}
    ]
