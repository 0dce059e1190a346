"""Turning select/ignore selectors (codes, prefixes, kebab-case names) into a set of rules."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from .config import ConfigError, Settings
from .model import ENGINE_CODES, SYNTAX_NEWER_THAN_TARGET

if TYPE_CHECKING:
    # Only codes, names and defaults are read (engine.registry.RuleInfo has them too), so
    # selection works without importing the rules and LibCST.
    from .rule import Rule

ALWAYS_ON = tuple(sorted(ENGINE_CODES | {SYNTAX_NEWER_THAN_TARGET}))


def expand_selector(selector: str, rules: Iterable[type[Rule]]) -> set[str]:
    """Codes a selector names; raises ConfigError for a selector that names nothing."""
    selector = selector.strip()
    if not selector:
        # An empty string is a prefix of every code: it would select (or ignore) everything.
        raise ConfigError("empty rule selector")
    codes = set()
    for rule in rules:
        if selector == "ALL" or rule.code.startswith(selector.upper()) or rule.name == selector:
            codes.add(rule.code)
    if not codes:
        raise ConfigError(
            f"unknown rule selector `{selector}` (use a code, a prefix such as FPI1, "
            "or a rule name; see `fastapi-lint rule --all`)"
        )
    return codes


def enabled_codes(settings: Settings, rules: Iterable[type[Rule]]) -> frozenset[str]:
    rules = list(rules)
    if settings.select is None:
        enabled = {r.code for r in rules if r.default_enabled}
    else:
        enabled = set()
        for selector in settings.select:
            enabled |= expand_selector(selector, rules)
    for selector in settings.extend_select:
        enabled |= expand_selector(selector, rules)
    enabled |= set(ALWAYS_ON)
    for selector in settings.ignore:
        enabled -= expand_selector(selector, rules)
    return frozenset(enabled)


def validate_configured_selectors(settings: Settings, rules: Iterable[type[Rule]]) -> None:
    """Raises ConfigError naming the configuration file and the key of a selector that names
    no rule."""
    rules = list(rules)
    source = settings.config_file or "configuration"
    keyed: list[tuple[str, tuple[str, ...]]] = [
        ("select", settings.select or ()),
        ("extend-select", settings.extend_select),
        ("ignore", settings.ignore),
    ]
    keyed += [(f"per-file-ignores.{glob}", codes) for glob, codes in settings.per_file_ignores]
    for key, selectors in keyed:
        for selector in selectors:
            try:
                expand_selector(selector, rules)
            except ConfigError as exc:
                raise ConfigError(f"{source}: `{key}`: {exc}") from None


def validate_cli_selectors(rules: Iterable[type[Rule]], **flags: Iterable[str]) -> None:
    """Raises ConfigError naming the command-line flag of a selector that names no rule."""
    rules = list(rules)
    for flag, selectors in flags.items():
        for selector in selectors:
            try:
                expand_selector(selector, rules)
            except ConfigError as exc:
                raise ConfigError(f"--{flag.replace('_', '-')}: {exc}") from None


def per_file_ignored(settings: Settings, path: Path, rules: Iterable[type[Rule]]) -> frozenset[str]:
    """Codes ignored for one file by per-file-ignores (globs relative to the config's folder)."""
    if not settings.per_file_ignores:
        return frozenset()
    try:
        rel = path.resolve().relative_to(settings.config_dir.resolve()).as_posix()
    except ValueError:
        rel = path.as_posix()
    ignored: set[str] = set()
    rules = list(rules)
    for pattern, selectors in settings.per_file_ignores:
        if _glob_match(rel, pattern):
            for selector in selectors:
                ignored |= expand_selector(selector, rules)
    return frozenset(ignored)


def _glob_match(rel: str, pattern: str) -> bool:
    pattern = pattern.removeprefix("./")
    if pattern.startswith("**/"):
        # "**/" also matches no folder at all: "**/test_*.py" matches "test_a.py".
        return _glob_match(rel, pattern[3:]) or fnmatch.fnmatchcase(rel, pattern)
    if "/" not in pattern:
        return fnmatch.fnmatchcase(rel.rsplit("/", 1)[-1], pattern) or fnmatch.fnmatchcase(
            rel, pattern
        )
    if fnmatch.fnmatchcase(rel, pattern):
        return True
    # "tests/" or "tests/**" style: a folder prefix.
    stripped = pattern.rstrip("/*")
    return rel == stripped or rel.startswith(stripped + "/")
