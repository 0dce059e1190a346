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
    target: str  # "package.module.Class"
    description: str
    kwargs: tuple[tuple[str, object], ...] = ()
    # A rewrite over several files may need a second pass to see what the first one generated.
    passes: int = 1


def _rule_codemods() -> list[CodemodInfo]:
    from .fix_rule import fixable_rules

    return [
        CodemodInfo(
            rule.code,
            f"{__name__}.fix_rule.{rule.code}",
            f"{rule.name}: apply its fixes ({rule.fix_availability})",
        )
        for rule in fixable_rules()
    ]


# Codemods that are not one rule's fixes (several files, or no finding behind them).
EXTRA_CODEMODS: list[CodemodInfo] = [
    CodemodInfo(
        "generate-public-model",
        "fastapi_lint.codemods.public_model.GeneratePublicModel",
        "generate `<Model>Public` beside secret-bearing models routes send, point routes at it",
        passes=2,
    ),
]


def available() -> list[CodemodInfo]:
    return [*_rule_codemods(), *EXTRA_CODEMODS]


def find(name: str) -> CodemodInfo | None:
    for info in EXTRA_CODEMODS:
        if info.name == name:
            return info
    from ..rules.registry import lookup

    rule = lookup(name)
    if rule is not None:
        return next((i for i in _rule_codemods() if i.name == rule.code), None)
    return None


def load_command(info: CodemodInfo):
    module_name, _, class_name = info.target.rpartition(".")
    module = importlib.import_module(module_name)
    return getattr(module, class_name)


def _relative(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)


def run_codemod_command(args: argparse.Namespace) -> int:
    """`fastapi-lint codemod NAME PATH ... [--diff]` and `fastapi-lint codemod --list`."""
    from libcst import ParserSyntaxError, parse_module
    from libcst.codemod import (
        CodemodContext,
        TransformFailure,
        TransformSuccess,
        transform_module,
    )

    from ..config import ConfigError, load_settings
    from ..engine import discover, keep_untouched, not_analysable
    from ..limits import depth_reason
    from ..source import SourceError, read_source, split_lines, write_source

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

    originals: dict[Path, tuple[str, object]] = {}
    current: dict[Path, str] = {}
    failed = 0
    warned: set[tuple[Path, str]] = set()
    # Files edited before this run (or by an earlier pass) must not be seen through a stale index.
    command_class.refresh_pending = True
    for _pass in range(info.passes):
        changed_in_pass = []
        for path in files:
            if path not in originals:
                try:
                    data, source = read_source(path)
                except SourceError as exc:
                    print(f"{_relative(path)}: skipped: {exc.message}", file=sys.stderr)
                    continue
                reason = not_analysable(len(data), source.text, settings)
                if reason is not None:
                    # As `check` reports it (FPI001): LibCST must not parse it.
                    print(f"{_relative(path)}: skipped: {reason}", file=sys.stderr)
                    continue
                originals[path] = (source.text, source)
                current[path] = source.text
            text = current[path]
            command = command_class(CodemodContext(filename=str(path)), **dict(info.kwargs))
            result = transform_module(command, text)
            if isinstance(result, TransformFailure) and isinstance(result.error, ParserSyntaxError):
                if _pass == 0:
                    print(f"{_relative(path)}: skipped: it does not parse", file=sys.stderr)
                continue
            deep = (
                depth_reason(result.error, text) if isinstance(result, TransformFailure) else None
            )
            if deep is not None:  # Python's recursion limit, in a deeply nested file
                print(
                    f"{_relative(path)}: skipped: too deeply nested to analyse: {deep}",
                    file=sys.stderr,
                )
                continue
            if isinstance(result, TransformFailure):
                failed += 1
                print(f"{_relative(path)}: failed: {result.error}", file=sys.stderr)
                continue
            for warning in result.warning_messages:
                if (path, warning) not in warned:  # a second pass says it again
                    warned.add((path, warning))
                    print(f"{_relative(path)}: warning: {warning}", file=sys.stderr)
            if not isinstance(result, TransformSuccess) or result.code == text:
                continue
            # LibCST's rendering of the file may differ from its bytes (form feeds, a
            # CR-only file's last \r): only the codemod's changes go into the file.
            new_text = keep_untouched(text, parse_module(text).code, result.code)
            if new_text == text:
                continue
            current[path] = new_text
            changed_in_pass.append(path)
        if not changed_in_pass or failed or _pass + 1 == info.passes:
            break
        for path in changed_in_pass:
            # The next pass sees this pass's output (written or, with --diff, only in memory).
            command_class.remember(path, current[path])
    changed = 0
    for path, (text, source) in originals.items():
        new = current[path]
        if new == text:
            continue
        changed += 1
        if args.diff:
            rel = _relative(path)
            sys.stdout.writelines(
                difflib.unified_diff(
                    split_lines(text, keepends=True),
                    split_lines(new, keepends=True),
                    fromfile=f"a/{rel}",
                    tofile=f"b/{rel}",
                )
            )
        else:
            try:
                write_source(path, source.encode(new))
            except SourceError as exc:
                changed -= 1
                failed += 1
                print(f"{_relative(path)}: {exc.message}", file=sys.stderr)
    verb = "Would change" if args.diff else "Changed"
    print(
        f"{verb} {changed} file{'s' if changed != 1 else ''} ({info.name}, "
        f"{len(files)} checked{f', {failed} failed' if failed else ''}).",
        file=sys.stderr,
    )
    if failed:
        return EXIT_ERROR
    return EXIT_CHANGES if (args.diff and changed) else EXIT_CLEAN
