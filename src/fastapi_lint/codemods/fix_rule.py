"""Every rule's fixes as a LibCST codemod command.

    python -m libcst.tool codemod -x --no-format fastapi_lint.codemods.fix_rule.FixRule --code FPI206 app/
    python -m libcst.tool codemod -x --no-format fastapi_lint.codemods.fix_rule.FPI206 app/
    fastapi-lint codemod FPI206 app/          (or the rule's name: dependency-called-in-depends)

The command does not re-implement anything: it asks the engine for the file's fixes with only the
chosen rule selected (`fix_source`), so it applies exactly the edits that `fastapi-lint check
--fix` would apply for that rule, with the same imports, the same `# noqa` handling and the same
compile check, against the project index of the file's project (cross-module facts included).
Unsafe fixes are applied too unless `--safe-only` is given: a codemod is a reviewed rewrite.
"""

from __future__ import annotations

import argparse
from typing import Any

import libcst as cst
from libcst.codemod import CodemodContext, SkipFile

from ..engine import fix_source
from ..rule import Rule
from ..rules.registry import RULES, lookup
from .base import EngineCodemod


def fixable_rules() -> list[type[Rule]]:
    return [r for r in RULES if r.fix_availability != "none"]


def resolve_rule(code_or_name: str) -> type[Rule]:
    rule = lookup(code_or_name) or next((r for r in RULES if r.__name__ == code_or_name), None)
    if rule is None:
        raise ValueError(f"unknown rule `{code_or_name}` (see `fastapi-lint rule --all`)")
    if rule.fix_availability == "none":
        raise ValueError(f"{rule.code} ({rule.name}) has no fix to run as a codemod")
    return rule


class FixRule(EngineCodemod):
    DESCRIPTION = "Applies fastapi-lint's fixes for one rule (--code CODE|NAME) to each file."

    #: Set on the per-rule subclasses (`fix_rule.FPI206`); FixRule itself takes `--code`.
    RULE_CODE: str | None = None

    @classmethod
    def add_args(cls, arg_parser: argparse.ArgumentParser) -> None:
        if cls.RULE_CODE is None:
            arg_parser.add_argument(
                "--code",
                dest="code",
                required=True,
                help="the rule whose fixes to apply (a code such as FPI206, or its name)",
            )
        arg_parser.add_argument(
            "--safe-only",
            dest="safe_only",
            action="store_true",
            help="apply only the fixes that cannot change behaviour",
        )

    def __init__(
        self, context: CodemodContext, code: str | None = None, safe_only: bool = False
    ) -> None:
        super().__init__(context)
        self.rule = resolve_rule(code or self.RULE_CODE or "")
        self.safe_only = safe_only

    def rule_codes(self) -> tuple[str, ...]:
        # Asking for one rule by name runs it even where the configuration deselects it.
        return (self.rule.code,)

    def transform_module_impl(self, tree: cst.Module) -> cst.Module:
        path = self.file_path()
        settings = self.settings_for(path)
        index = self.index_for(settings)
        result = fix_source(tree.code, path, settings, unsafe_fixes=not self.safe_only, index=index)
        for dropped in result.dropped_fixes:
            self.warn(f"dropped a fix whose result did not compile: {dropped}")
        if result.fixed_source is None or result.fixed_source == tree.code:
            raise SkipFile(f"no {self.rule.code} fix applies")
        fixed = cst.parse_module(result.fixed_source)
        return fixed.with_changes(encoding=tree.encoding)


_PER_RULE: dict[str, type[FixRule]] = {}


def command_for(rule: type[Rule]) -> type[FixRule]:
    """`FixRule` bound to one rule; cached so pickling by name finds the same class."""
    command = _PER_RULE.get(rule.code)
    if command is None:
        command = type(
            rule.code,
            (FixRule,),
            {
                "RULE_CODE": rule.code,
                "DESCRIPTION": f"Applies the fixes of {rule.code} ({rule.name}): {rule.summary}.",
                "__module__": __name__,
                "__qualname__": rule.code,
            },
        )
        _PER_RULE[rule.code] = command
    return command


def __getattr__(name: str) -> Any:
    """`fix_rule.FPI206` (or the rule's name or class name) is that rule's codemod command."""
    try:
        return command_for(resolve_rule(name))
    except ValueError:
        raise AttributeError(name) from None
