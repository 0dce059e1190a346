"""The `fastapi-lint` command line, shaped like ruff's: check, rule, server, clean, codemod."""

from __future__ import annotations

import argparse
import contextlib
import difflib
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from . import __version__
from .config import ConfigError, load_settings, with_cli_overrides
from .model import ENGINE_CODES

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


def _csv(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def _jobs(value: str) -> int:
    try:
        jobs = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--jobs takes a whole number, got {value!r}") from None
    if jobs < 1:
        raise argparse.ArgumentTypeError(f"--jobs must be at least 1, got {jobs}")
    return jobs


def build_parser() -> argparse.ArgumentParser:
    from .output import FORMATS

    parser = argparse.ArgumentParser(
        prog="fastapi-lint",
        description="Checks FastAPI applications against FastAPI's documented practices.",
    )
    parser.add_argument("--version", action="version", version=f"fastapi-lint {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    check = commands.add_parser("check", help="lint files and folders (default: .)")
    check.add_argument("paths", nargs="*", default=[], metavar="PATH")
    check.add_argument("--fix", action="store_true", help="apply safe fixes")
    check.add_argument(
        "--unsafe-fixes",
        dest="unsafe_fixes",
        action="store_true",
        default=None,
        help="also apply and show fixes that may change behaviour",
    )
    check.add_argument("--no-unsafe-fixes", dest="unsafe_fixes", action="store_false")
    check.add_argument(
        "--diff", action="store_true", help="print the fixes as a unified diff and write nothing"
    )
    check.add_argument(
        "--fix-only", action="store_true", help="apply fixes and do not report what remains"
    )
    check.add_argument("--show-fixes", action="store_true", help="list the fixes applied")
    check.add_argument(
        "--exit-non-zero-on-fix",
        action="store_true",
        help="exit 1 when any fix was applied, even if nothing remains",
    )
    check.add_argument(
        "--add-noqa", action="store_true", help="add `# noqa: CODE` to every line with a finding"
    )
    check.add_argument(
        "--select",
        type=_csv,
        default=None,
        metavar="CODES",
        help="comma-separated codes, prefixes or names to enable (replaces)",
    )
    check.add_argument(
        "--extend-select",
        type=_csv,
        default=[],
        action="append",
        metavar="CODES",
        help="enable these in addition",
    )
    check.add_argument(
        "--ignore", type=_csv, default=[], action="append", metavar="CODES", help="disable these"
    )
    check.add_argument("--output-format", choices=FORMATS, default=None)
    check.add_argument("--output-file", "-o", type=Path, default=None)
    check.add_argument("--statistics", action="store_true", help="count findings per rule")
    check.add_argument("--exit-zero", action="store_true", help="exit 0 even with findings")
    check.add_argument("--no-cache", action="store_true", help="neither read nor write the cache")
    check.add_argument("--config", type=Path, default=None, metavar="FILE")
    check.add_argument(
        "--stdin-filename",
        default=None,
        metavar="NAME",
        help="the name of the file read from stdin when PATH is -",
    )
    check.add_argument("--jobs", "-j", type=_jobs, default=None, metavar="N")
    check.add_argument("--verbose", "-v", action="store_true")
    check.add_argument("--quiet", "-q", action="store_true")
    check.add_argument("--show-settings", action="store_true")
    check.add_argument("--show-files", action="store_true")
    check.add_argument(
        "--force-exclude",
        dest="force_exclude",
        action="store_true",
        default=None,
        help="apply the excludes to files named on the command line too (for pre-commit)",
    )
    check.add_argument("--no-force-exclude", dest="force_exclude", action="store_false")

    rule = commands.add_parser("rule", help="print a rule's documentation")
    rule.add_argument("rule", nargs="?", metavar="CODE|NAME")
    rule.add_argument("--all", action="store_true", help="print every rule")

    commands.add_parser("server", help="run the language server over stdio")
    clean = commands.add_parser("clean", help="remove the cache")
    clean.add_argument("path", nargs="?", default=".")

    codemod = commands.add_parser("codemod", help="run a codemod over files (see --list)")
    codemod.add_argument("name", nargs="?", metavar="NAME")
    codemod.add_argument("paths", nargs="*", metavar="PATH")
    codemod.add_argument("--list", action="store_true", help="list the codemods")
    codemod.add_argument("--diff", action="store_true", help="print a diff, write nothing")
    return parser


def _printable_streams() -> None:
    """Nothing fastapi-lint prints may fail to encode (a file name that is not UTF-8 holds
    lone surrogates): such characters are shown as backslash escapes instead."""
    from .output import DISPLAY_ERRORS

    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            with contextlib.suppress(Exception):
                reconfigure(errors=DISPLAY_ERRORS)


def main(argv: Sequence[str] | None = None) -> int:
    _printable_streams()
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "check":
            return run_check(args)
        if args.command == "rule":
            return run_rule(args)
        if args.command == "server":
            return run_server()
        if args.command == "clean":
            return run_clean(args)
        if args.command == "codemod":
            return run_codemod(args)
    except ConfigError as exc:
        print(f"fastapi-lint: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `fastapi-lint rule --all | head`: the reader left; say nothing more.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_FINDINGS
    parser.print_help()
    return EXIT_ERROR


def _flatten(groups: list[list[str]]) -> list[str]:
    return [item for group in groups for item in group]


def run_check(args: argparse.Namespace) -> int:
    from .engine import LintOptions, lint_bytes, lint_paths, rule_infos
    from .output import (
        MACHINE_FORMATS,
        Style,
        format_concise,
        format_full,
        format_github,
        format_gitlab,
        format_json,
        format_json_lines,
        format_junit,
        format_pylint,
        format_rdjson,
        format_sarif,
        format_statistics,
        summary_line,
        use_colour,
    )
    from .progress import Progress
    from .selection import validate_cli_selectors, validate_configured_selectors

    # As in ruff: `-` reads standard input, and so does --stdin-filename without a path.
    if not args.paths:
        args.paths = ["-"] if args.stdin_filename else ["."]
    stdin_mode = args.paths == ["-"]
    if stdin_mode:
        anchor = Path(args.stdin_filename or "-").absolute()
        anchor_dir = anchor.parent if anchor.parent.exists() else Path.cwd()
    else:
        anchor_dir = Path(args.paths[0]).absolute()
        if not anchor_dir.exists():
            raise ConfigError(f"no such file or directory: {args.paths[0]}")
    settings = load_settings(anchor_dir, args.config)
    # Codes and names only: the rules (and LibCST) are imported when a file must be linted.
    rules = rule_infos(settings, use_cache=not args.no_cache)
    # Name the file and the key of a bad selector in the configuration, then the flag.
    validate_configured_selectors(settings, rules)
    validate_cli_selectors(
        rules,
        select=args.select or (),
        extend_select=_flatten(args.extend_select),
        ignore=_flatten(args.ignore),
    )
    settings = with_cli_overrides(
        settings,
        select=args.select,
        extend_select=_flatten(args.extend_select),
        ignore=_flatten(args.ignore),
        unsafe_fixes=args.unsafe_fixes,
        force_exclude=args.force_exclude,
    )
    unsafe = settings.unsafe_fixes
    fix = args.fix or args.fix_only
    if args.verbose:
        from .config import explain_project_root
        from .engine.api import import_roots

        roots = ", ".join(str(r) for r in import_roots(settings))
        print(
            f"fastapi-lint: project root: {settings.project_root} "
            f"({explain_project_root(settings)}); import roots: {roots}; "
            f"configuration: {settings.config_file or 'none (defaults)'}",
            file=sys.stderr,
        )

    if args.show_settings:
        from .settings_report import settings_report

        sys.stdout.write(settings_report(settings))
        return EXIT_CLEAN
    if args.show_files:
        from .engine import discover

        for path in discover([Path(p) for p in args.paths], settings):
            print(path)
        return EXIT_CLEAN

    if not args.no_cache:
        check_cache_dir(settings)
    out = open_output_file(args.output_file) if args.output_file else sys.stdout
    try:
        started = time.perf_counter()
        if stdin_mode:
            data = sys.stdin.buffer.read()
            name = Path(args.stdin_filename or "-").absolute()
            result, source = lint_bytes(
                data, name, settings, unsafe_fixes=unsafe, fix=fix or args.diff
            )
            results = [result]
            if fix and not args.diff:
                # The fixed source goes to stdout in the input's own encoding (BOM, cookie);
                # undecodable input comes back untouched.
                fixed = result.fixed_source if result.fixed_source is not None else None
                sys.stdout.flush()
                sys.stdout.buffer.write(
                    source.encode(fixed) if source is not None and fixed is not None else data
                )
                sys.stdout.buffer.flush()
                if args.fix_only:
                    return EXIT_CLEAN
                if out is sys.stdout:
                    out = sys.stderr
            sources = {result.path: source.text} if source is not None else {}
        else:
            progress = (
                Progress(sys.stderr)
                if sys.stderr.isatty()
                and not args.quiet
                and (args.output_format or "concise") not in MACHINE_FORMATS
                else None
            )
            run = lint_paths(
                [Path(p) for p in args.paths],
                settings,
                LintOptions(
                    fix=fix,
                    diff=args.diff,
                    unsafe_fixes=unsafe,
                    add_noqa=args.add_noqa,
                    use_cache=not args.no_cache,
                    jobs=args.jobs,
                    progress=progress,
                    fix_edits=args.output_format in ("json", "json-lines", "rdjson"),
                ),
            )
            if progress is not None:
                progress.finish()
            results = run.results
            if run.files_checked == 0 and not args.quiet:
                print(
                    "fastapi-lint: warning: no Python files found under the given paths",
                    file=sys.stderr,
                )
            sources = {}
        findings = sorted((f for r in results for f in r.findings), key=lambda f: f.sort_key)
        fixed = sum(sum(r.fixes_applied.values()) for r in results)

        if args.verbose:
            elapsed = time.perf_counter() - started
            hits = sum(1 for r in results if r.cache_hit)
            print(
                f"fastapi-lint {__version__}: {len(results)} files in {elapsed:.2f}s "
                f"({hits} from cache)",
                file=sys.stderr,
            )
            print(checked_line(results), file=sys.stderr)
            for f in findings:
                if f.detail:
                    print(f"{f.path}: {f.message}\n{f.detail}", file=sys.stderr)
        for r in results:
            for dropped in r.dropped_fixes:
                print(
                    f"fastapi-lint: warning: a fix in {r.path} was dropped because the result "
                    f"did not compile ({dropped})",
                    file=sys.stderr,
                )
            for held in r.held_back_fixes:
                print(
                    f"fastapi-lint: warning: a fix in {r.path} was not applied ({held})",
                    file=sys.stderr,
                )

        if args.add_noqa and not args.diff:  # with --diff, the directives are shown, not added
            added = sum(r.noqa_added for r in results)
            if not args.quiet:
                print(f"Added {added} noqa directive{'s' if added != 1 else ''}.", file=sys.stderr)
            return EXIT_CLEAN

        if args.diff:
            from .source import split_lines

            changed = 0
            for r in results:
                if r.fixed_source is not None and r.original_source is not None:
                    changed += 1
                    rel = os.path.relpath(r.path) if not stdin_mode else r.path
                    out.writelines(
                        difflib.unified_diff(
                            split_lines(r.original_source, keepends=True),
                            split_lines(r.fixed_source, keepends=True),
                            fromfile=f"a/{rel}",
                            tofile=f"b/{rel}",
                        )
                    )
            if not args.quiet:
                fixes = sum(sum(r.fixes_applied.values()) for r in results)
                print(
                    f"Would fix {fixes} error{'s' if fixes != 1 else ''} in {changed} "
                    f"file{'s' if changed != 1 else ''}."
                    if fixes
                    else "No errors would be fixed.",
                    file=sys.stderr,
                )
            return EXIT_FINDINGS if changed and not args.exit_zero else EXIT_CLEAN

        if args.show_fixes and fixed:
            print("Fixed:", file=sys.stderr)
            for r in results:
                for code, count in sorted(r.fixes_applied.items()):
                    print(f"  {os.path.relpath(r.path)}: {count} x {code}", file=sys.stderr)

        if args.fix_only:
            if not args.quiet:
                print(f"Fixed {fixed} error{'s' if fixed != 1 else ''}.", file=sys.stderr)
            return EXIT_FINDINGS if (args.exit_non_zero_on_fix and fixed) else EXIT_CLEAN

        output_format = args.output_format or "concise"
        style = Style(use_colour(out) and output_format in ("concise", "full"))
        if args.statistics:
            out.write(format_statistics(findings, unsafe))
            if not args.quiet and not args.verbose:
                # On stderr: the table stays machine-readable.
                print(checked_line(results), file=sys.stderr)
        elif output_format == "concise":
            out.write(format_concise(findings, style, unsafe))
        elif output_format == "full":
            if not sources:
                sources = _read_sources(findings)
            out.write(format_full(findings, style, unsafe, sources))
        elif output_format == "json":
            out.write(format_json(findings))
        elif output_format == "json-lines":
            out.write(format_json_lines(findings))
        elif output_format == "sarif":
            from .rules.registry import RULES

            out.write(format_sarif(findings, RULES, settings.project_root))
        elif output_format == "github":
            out.write(format_github(findings))
        elif output_format == "gitlab":
            out.write(format_gitlab(findings))
        elif output_format == "junit":
            out.write(format_junit(findings))
        elif output_format == "pylint":
            out.write(format_pylint(findings))
        elif output_format == "rdjson":
            if not sources:
                sources = _read_sources(findings)
            out.write(format_rdjson(findings, sources, unsafe))
        if output_format in ("concise", "full") and not args.quiet and not args.statistics:
            out.write(summary_line(findings, unsafe, fixed))
        if args.exit_zero:
            return EXIT_CLEAN
        if findings or (args.exit_non_zero_on_fix and fixed):
            return EXIT_FINDINGS
        return EXIT_CLEAN
    finally:
        if out not in (sys.stdout, sys.stderr):
            out.close()


def open_output_file(path: Path):
    """The --output-file, opened for writing; a folder, a missing folder or a file that cannot
    be written is a usage error (exit 2), found before any file is linted."""
    from .output import DISPLAY_ERRORS

    if path.is_dir():
        raise ConfigError(f"--output-file: {path} is a folder, not a file")
    parent = path.parent
    for folder in (parent, *parent.parents):
        if folder.exists():
            if not folder.is_dir():
                raise ConfigError(f"--output-file: {folder} is a file, not a folder")
            break
    if not parent.is_dir():
        raise ConfigError(f"--output-file: the folder {parent} does not exist")
    try:
        return open(path, "w", encoding="utf-8", errors=DISPLAY_ERRORS)
    except OSError as exc:
        raise ConfigError(f"--output-file: cannot write {path}: {exc.strerror or exc}") from None


def check_cache_dir(settings) -> None:
    """A cache folder that cannot exist (it, or a folder above it, is a file) is a configuration
    error, not a cache silently never written."""
    from .engine import ENV_CACHE_DIR, cache_root

    root = cache_root(settings.project_root, settings.cache_dir)
    for folder in (root, *root.parents):
        if not folder.exists():
            continue
        if folder.is_dir():
            return
        if os.environ.get(ENV_CACHE_DIR):
            source = f"${ENV_CACHE_DIR}"
        elif settings.cache_dir:
            source = f"{settings.config_file}: `cache-dir`"
        else:
            source = "the cache folder"
        raise ConfigError(f"{source}: the cache folder {root} cannot be made: {folder} is a file")


def checked_line(results) -> str:
    """How many files the run checked, and how many of them it could not analyse in full (each
    of those has an FPI001 or FPI002 finding saying why): `--verbose` and `--statistics` end
    with it, as ruff's verbose log ends with the count of files it checked."""
    total = len(results)
    partial = sum(1 for r in results if any(f.code in ENGINE_CODES for f in r.findings))
    line = f"Checked {total} file{'s' if total != 1 else ''}"
    if partial:
        line += f"; {partial} not analysed in full (see FPI001/FPI002)"
    return line + "."


def _read_sources(findings) -> dict[str, str]:
    from .source import SourceError, read_source

    sources = {}
    for f in findings:
        if f.path in sources:
            continue
        try:
            sources[f.path] = read_source(Path(f.path))[1].text
        except SourceError:
            continue
    return sources


def run_rule(args: argparse.Namespace) -> int:
    from .docs import render_rule
    from .rules.registry import RULES, lookup

    if args.all:
        print("\n\n".join(render_rule(r) for r in RULES))
        return EXIT_CLEAN
    if not args.rule:
        raise ConfigError("`rule` takes a code or a name, or --all")
    rule = lookup(args.rule)
    if rule is None:
        raise ConfigError(f"unknown rule `{args.rule}` (see `fastapi-lint rule --all`)")
    print(render_rule(rule))
    return EXIT_CLEAN


def run_server() -> int:
    try:
        import pygls  # noqa: F401
    except ImportError:
        raise ConfigError(
            "the language server needs the `lsp` extra: pip install 'fastapi-lint[lsp]'"
        ) from None
    from .lsp import serve

    serve()
    return EXIT_CLEAN


def run_clean(args: argparse.Namespace) -> int:
    from .engine import cache_root, clean_cache

    if not Path(args.path).exists():
        raise ConfigError(f"no such file or directory: {args.path}")
    settings = load_settings(Path(args.path).absolute())
    check_cache_dir(settings)
    root = cache_root(settings.project_root, settings.cache_dir)
    removed = clean_cache(root)
    print(f"Removed {root}" if removed else f"No cache at {root}")
    return EXIT_CLEAN


def run_codemod(args: argparse.Namespace) -> int:
    try:
        from .codemods import run_codemod_command
    except ImportError:
        raise ConfigError("no codemods are available in this version") from None
    return run_codemod_command(args)
