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
