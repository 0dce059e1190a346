"""Codemods: LibCST codemod commands, runnable with LibCST's runner or `fastapi-lint codemod`.

    fastapi-lint codemod --list
    fastapi-lint codemod FPI206 app/            # one rule's fixes (code or name), unsafe included
    fastapi-lint codemod FPI206 app/ --diff     # print the diff, write nothing
    python -m libcst.tool codemod -x --no-format fastapi_lint.codemods.fix_rule.FPI206 app/

Each command is a `libcst.codemod.VisitorBasedCodemodCommand`; `fastapi-lint codemod` runs it
file by file with `libcst.codemod.transform_module`, writes results atomically in the file's own
encoding, and exits 0 (done), 1 (`--diff` found changes) or 2 (bad name, path or a failure).
"""

from __future__ import annotations

import argparse
import difflib
import importlib
import os
import sys
from dataclasses import dataclass
from pathlib import Path

EXIT_CLEAN, EXIT_CHANGES, EXIT_ERROR = 0, 1, 2


@dataclass(frozen=True)
class CodemodInfo:
    name: str
    target: str  # "module.Class" under fastapi_lint.codemods
    description: str
    kwargs: tuple[tuple[str, object], ...] = ()


def _rule_codemods() -> list[CodemodInfo]:
    from .fix_rule import fixable_rules

    return [
        CodemodInfo(
            rule.code,
            f"fix_rule.{rule.code}",
            f"{rule.name}: apply its fixes ({rule.fix_availability})",
        )
        for rule in fixable_rules()
    ]


# Codemods that are not one rule's fixes (several files, or no finding behind them).
EXTRA_CODEMODS: list[CodemodInfo] = []


def available() -> list[CodemodInfo]:
    return [*_rule_codemods(), *EXTRA_CODEMODS]


def find(name: str) -> CodemodInfo | None:
    for info in EXTRA_CODEMODS:
        if info.name == name:
            return info
    from ..rules import lookup

    rule = lookup(name)
    if rule is not None:
        return next((i for i in _rule_codemods() if i.name == rule.code), None)
    return None


def load_command(info: CodemodInfo):
    module_name, _, class_name = info.target.rpartition(".")
    module = importlib.import_module(f"{__name__}.{module_name}")
    return getattr(module, class_name)


def _relative(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)


def run_codemod_command(args: argparse.Namespace) -> int:
    """`fastapi-lint codemod NAME PATH ... [--diff]` and `fastapi-lint codemod --list`."""
    from libcst.codemod import (
        CodemodContext,
        TransformFailure,
        TransformSkip,
        TransformSuccess,
        transform_module,
    )

    from ..config import ConfigError, load_settings
    from ..engine.discovery import discover
    from ..source import SourceError, read_source, write_atomic

    if args.list or not args.name:
        width = max(len(i.name) for i in available())
        for info in available():
            print(f"{info.name:<{width}}  {info.description}")
        return EXIT_CLEAN if args.list else EXIT_ERROR
    info = find(args.name)
    if info is None:
        raise ConfigError(
            f"unknown codemod `{args.name}` (see `fastapi-lint codemod --list`; rules without "
            "a fix have no codemod)"
        )
    paths = [Path(p) for p in (args.paths or ["."])]
    for path in paths:
        if not path.exists():
            raise ConfigError(f"no such file or directory: {path}")
    settings = load_settings(paths[0].absolute())
    files = [p for p in discover(paths, settings) if p.suffix == ".py"]
    command_class = load_command(info)

    changed = failed = 0
    for path in files:
        try:
            _, source = read_source(path)
        except SourceError as exc:
            print(f"{_relative(path)}: skipped: {exc.message}", file=sys.stderr)
            continue
        command = command_class(CodemodContext(filename=str(path)), **dict(info.kwargs))
        result = transform_module(command, source.text)
        if isinstance(result, TransformFailure):
            failed += 1
            print(f"{_relative(path)}: failed: {result.error}", file=sys.stderr)
            continue
        for warning in result.warning_messages:
            print(f"{_relative(path)}: warning: {warning}", file=sys.stderr)
        if isinstance(result, TransformSkip) or not isinstance(result, TransformSuccess):
            continue
        if result.code == source.text:
            continue
        changed += 1
        if args.diff:
            rel = _relative(path)
            sys.stdout.writelines(
                difflib.unified_diff(
                    source.text.splitlines(keepends=True),
                    result.code.splitlines(keepends=True),
                    fromfile=f"a/{rel}",
                    tofile=f"b/{rel}",
                )
            )
        else:
            write_atomic(path, source.encode(result.code))
    verb = "Would change" if args.diff else "Changed"
    print(
        f"{verb} {changed} file{'s' if changed != 1 else ''} ({info.name}, "
        f"{len(files)} checked{f', {failed} failed' if failed else ''}).",
        file=sys.stderr,
    )
    if failed:
        return EXIT_ERROR
    return EXIT_CHANGES if (args.diff and changed) else EXIT_CLEAN
