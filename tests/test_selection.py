"""Selection and suppression as functions: selectors, defaults, opt-in rules, per-file globs,
and `# noqa` parsing."""

from __future__ import annotations

from pathlib import Path

import pytest

from fastapi_lint.config import ConfigError, Settings
from fastapi_lint.engine.registry import RuleInfo
from fastapi_lint.selection import (
    enabled_codes,
    expand_selector,
    per_file_ignored,
    validate_cli_selectors,
    validate_configured_selectors,
)
from fastapi_lint.suppression import is_suppressed, noqa_codes

RULES = [
    RuleInfo("FPI001", "unparsable-file"),
    RuleInfo("FPI002", "internal-error"),
    RuleInfo("FPI003", "syntax-newer-than-target-version"),
    RuleInfo("FPI101", "blocking-sleep-in-async"),
    RuleInfo("FPI102", "blocking-http-call-in-async"),
    RuleInfo("FPI201", "session-created-in-path-operation"),
    RuleInfo("FPI408", "heavy-work-in-background-task", default_enabled=False),
]


def settings(**values) -> Settings:
    return Settings(project_root=Path("/proj"), **values)


def test_defaults_leave_opt_in_rules_off() -> None:
    assert enabled_codes(settings(), RULES) == {
        "FPI001",
        "FPI002",
        "FPI003",
        "FPI101",
        "FPI102",
        "FPI201",
    }


def test_extend_select_turns_an_opt_in_rule_on() -> None:
    assert "FPI408" in enabled_codes(settings(extend_select=("FPI408",)), RULES)
    assert "FPI408" in enabled_codes(
        settings(extend_select=("heavy-work-in-background-task",)), RULES
    )
    assert "FPI408" in enabled_codes(settings(select=("FPI4",)), RULES)


def test_select_replaces_but_engine_codes_stay_on() -> None:
    assert enabled_codes(settings(select=("FPI2",)), RULES) == {
        "FPI001",
        "FPI002",
        "FPI003",
        "FPI201",
    }


def test_ignore_wins_last() -> None:
    codes = enabled_codes(settings(select=("ALL",), ignore=("FPI1", "FPI001", "FPI003")), RULES)
    assert codes == {"FPI002", "FPI201", "FPI408"}


@pytest.mark.parametrize(
    ("selector", "codes"),
    [
        ("ALL", {r.code for r in RULES}),
        ("FPI", {r.code for r in RULES}),
        ("FPI1", {"FPI101", "FPI102"}),
        ("fpi10", {"FPI101", "FPI102"}),
        ("FPI102", {"FPI102"}),
        ("blocking-http-call-in-async", {"FPI102"}),
        (" FPI101 ", {"FPI101"}),
    ],
)
def test_expand_selector(selector: str, codes: set[str]) -> None:
    assert expand_selector(selector, RULES) == codes


@pytest.mark.parametrize("selector", ["FPI9", "FPI1011", "blocking", "E501", "", "  "])
def test_selectors_that_name_nothing(selector: str) -> None:
    with pytest.raises(ConfigError, match=r"unknown rule selector|empty rule selector"):
        expand_selector(selector, RULES)


def test_validation_names_the_source() -> None:
    bad = settings(
        config_file=Path("/proj/pyproject.toml"), per_file_ignores=(("x.py", ("nope",)),)
    )
    with pytest.raises(ConfigError, match=r"/proj/pyproject.toml: `per-file-ignores.x.py`"):
        validate_configured_selectors(bad, RULES)
    with pytest.raises(ConfigError, match="--extend-select"):
        validate_cli_selectors(RULES, extend_select=["FPI7"])


@pytest.mark.parametrize(
    ("pattern", "path", "hit"),
    [
        ("tests/**", "tests/a.py", True),
        ("tests/**", "tests/sub/a.py", True),
        ("tests/**", "pkg/tests/a.py", False),
        ("tests/", "tests/sub/a.py", True),
        ("*.py", "deep/down/a.py", True),
        ("test_*.py", "pkg/test_a.py", True),
        ("test_*.py", "pkg/a_test.py", False),
        ("**/test_*.py", "test_a.py", True),
        ("**/test_*.py", "pkg/sub/test_a.py", True),
        ("./legacy.py", "legacy.py", True),
        ("legacy.py", "pkg/legacy.py", True),
        ("pkg/legacy.py", "legacy.py", False),
        ("migrations/*.py", "migrations/0001.py", True),
    ],
)
def test_per_file_ignore_globs(pattern: str, path: str, hit: bool) -> None:
    s = settings(config_file=Path("/proj/pyproject.toml"), per_file_ignores=((pattern, ("FPI1",)),))
    ignored = per_file_ignored(s, Path("/proj") / path, RULES)
    assert (ignored == {"FPI101", "FPI102"}) is hit


@pytest.mark.parametrize(
    ("line", "codes"),
    [
        ("x = 1", None),
        ("x = 1  # noqa", frozenset()),
        ("x = 1  # NOQA", frozenset()),
        ("x = 1  # noqa: FPI101", frozenset({"FPI101"})),
        ("x = 1  # noqa:FPI101,FPI2", frozenset({"FPI101", "FPI2"})),
        ("x = 1  # noqa: FPI101, FPI202 because reasons", frozenset({"FPI101", "FPI202"})),
        ("x = 1  # noqa: FPI101 FPI202", frozenset({"FPI101", "FPI202"})),
        ("x = 1  # type: ignore  # noqa: E501", frozenset({"E501"})),
    ],
)
def test_noqa_codes(line: str, codes) -> None:
    assert noqa_codes(line) == codes


def test_is_suppressed() -> None:
    assert is_suppressed("FPI101", "call()  # noqa")
    assert is_suppressed("FPI101", "call()  # noqa: FPI1")
    assert is_suppressed("FPI101", "call()  # noqa: E501, FPI101")
    assert not is_suppressed("FPI101", "call()  # noqa: FPI2")
    assert not is_suppressed("FPI101", "call()  # noqa: E501")
    assert not is_suppressed("FPI101", "call()")
