"""Output formats: concise, full, json, json-lines, sarif, github, and the CI formats gitlab,
junit, pylint and rdjson. Pure functions of findings (and, for byte columns, the sources)."""

from __future__ import annotations

import codecs
import hashlib
import json
import os
import re
import urllib.parse
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from . import __version__
from .model import Finding
from .source import split_lines

TAB_WIDTH = 4
FORMATS = (
    "concise",
    "full",
    "json",
    "json-lines",
    "sarif",
    "github",
    "gitlab",
    "junit",
    "pylint",
    "rdjson",
)
#: Formats a program reads: no progress on stderr, no summary line.
MACHINE_FORMATS = frozenset(FORMATS) - {"concise", "full"}
DOCS_BASE = "https://github.com/fastapi-lint/fastapi-lint/blob/main/docs/rules"


def rule_url(code: str) -> str:
    return f"{DOCS_BASE}/{code}.md"


_SURROGATE = re.compile("[\ud800-\udfff]")


def _escape_surrogate(match: re.Match[str]) -> str:
    code = ord(match.group())
    # U+DC80..U+DCFF: a byte that was not UTF-8, kept by surrogateescape (a file name).
    return f"\\x{code - 0xDC00:02x}" if 0xDC80 <= code <= 0xDCFF else f"\\u{code:04x}"


def printable(text: str) -> str:
    """Text every output can carry: a lone surrogate (the byte of a file name that is not
    UTF-8, as os and pathlib decode it with surrogateescape, or a string constant's value
    quoted in a message) is shown as a backslash escape, `caf\\xe9.py`. Such text cannot be
    encoded as UTF-8, so printing it or putting it in JSON would fail or be invalid."""
    return _SURROGATE.sub(_escape_surrogate, text) if _SURROGATE.search(text) else text


def printable_data(data: Any) -> Any:
    """`data` (JSON-shaped) with `printable` applied to every string in it."""
    if isinstance(data, str):
        return printable(data)
    if isinstance(data, list):
        return [printable_data(item) for item in data]
    if isinstance(data, dict):
        return {printable_data(k): printable_data(v) for k, v in data.items()}
    return data


DISPLAY_ERRORS = "fastapi-lint-printable"


def _display_errors(exc: UnicodeError) -> tuple[str, int]:
    """The codec error handler of every stream fastapi-lint writes text to: a lone surrogate
    becomes what `printable` shows, any other character the stream's encoding lacks a
    backslash escape. So a file name that is not UTF-8 reads the same in every output."""
    if not isinstance(exc, UnicodeEncodeError):
        raise exc
    chunk = exc.object[exc.start : exc.end]
    if _SURROGATE.fullmatch(chunk[:1]):
        return printable(chunk[:1]), exc.start + 1
    return codecs.backslashreplace_errors(exc)


codecs.register_error(DISPLAY_ERRORS, _display_errors)


def display_path(path: str, cwd: Path | None = None) -> str:
    cwd = cwd or Path.cwd()
    try:
        shown = os.path.relpath(path, cwd) if Path(path).is_absolute() else path
    except ValueError:
        shown = path
    return printable(shown)


def uri_path(path: str) -> str:
    """A path as the path of a URI: its exact bytes, percent-encoded where RFC 3986 wants."""
    return urllib.parse.quote(os.fsencode(path), safe="/")


class Style:
    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def _wrap(self, code: str, text: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if self.enabled else text

    def bold(self, text: str) -> str:
        return self._wrap("1", text)

    def red(self, text: str) -> str:
        return self._wrap("31", text)

    def cyan(self, text: str) -> str:
        return self._wrap("36", text)

    def dim(self, text: str) -> str:
        return self._wrap("2", text)

    def blue(self, text: str) -> str:
        return self._wrap("34", text)


def use_colour(stream: Any) -> bool:
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return bool(getattr(stream, "isatty", lambda: False)())


def fixable_marker(finding: Finding, unsafe: bool) -> str:
    if finding.fix is None:
        return ""
    if finding.fix.applicability == "safe" or unsafe:
        return "[*] "
    return ""


def format_concise(findings: Sequence[Finding], style: Style, unsafe: bool) -> str:
    lines = []
    for f in findings:
        location = f"{display_path(f.path)}:{f.location.row}:{f.location.column}:"
        lines.append(
            f"{style.bold(location)} {style.red(f.code)} {fixable_marker(f, unsafe)}"
            f"{printable(f.message)}"
        )
    return "\n".join(lines) + ("\n" if lines else "")


def format_full(
    findings: Sequence[Finding], style: Style, unsafe: bool, sources: dict[str, str]
) -> str:
    chunks = []
    for f in findings:
        head = (
            f"{style.bold(display_path(f.path))}:{f.location.row}:{f.location.column}: "
            f"{style.red(f.code)} {fixable_marker(f, unsafe)}{printable(f.message)}"
        )
        body = [head]
        text = sources.get(f.path)
        if text is not None:
            lines = split_lines(text)
            row = f.location.row
            first = max(1, row - 2)
            last = min(len(lines), max(row, f.end_location.row) + 2)
            width = len(str(last))
            for number in range(first, last + 1):
                gutter = style.blue(f"{number:>{width}} |")
                line = lines[number - 1]
                # Tabs are shown as spaces, so the carets line up under the code.
                body.append(f"{gutter} {line.expandtabs(TAB_WIDTH)}".rstrip())
                if number == row:
                    start_col = f.location.column - 1
                    end_col = f.end_location.column - 1 if f.end_location.row == row else len(line)
                    start = len(line[:start_col].expandtabs(TAB_WIDTH))
                    end = len(line[:end_col].expandtabs(TAB_WIDTH))
                    carets = "^" * max(1, end - start)
                    body.append(
                        f"{style.blue(' ' * width + ' |')} {' ' * start}{style.red(carets)} "
                        f"{style.red(f.code)}"
                    )
        body.extend(_chain_lines(f, style))
        if f.fix is not None:
            label = "Safe fix" if f.fix.applicability == "safe" else "Unsafe fix"
            body.append(f"{style.cyan('help:')} {printable(f.fix.message)} ({label})")
        chunks.append("\n".join(body))
    return "\n\n".join(chunks) + ("\n" if chunks else "")


def _chain_lines(f: Finding, style: Style) -> list[str]:
    """The call chain of a transitive finding and the definitions it refers to, one per line,
    each with its own location so a terminal or editor can jump to it."""
    lines = []
    if f.chain:
        lines.append(style.cyan("chain:"))
        for number, hop in enumerate(f.chain, 1):
            where = f"{display_path(hop.filename)}:{hop.row}:{hop.column}:"
            lines.append(f"  {number}. {style.bold(where)} calls `{hop.call}`")
    if f.related:
        lines.append(style.cyan("see:"))
        for item in f.related:
            where = f"{display_path(item.filename)}:{item.row}:{item.column}:"
            lines.append(f"  {style.bold(where)} {item.message}")
    return lines


def json_item(f: Finding) -> dict[str, Any]:
    fix = None
    if f.fix is not None:
        fix = {
            "applicability": f.fix.applicability,
            "message": printable(f.fix.message),
            "edits": [
                {
                    "content": printable(e.content),
                    "location": {"row": e.location.row, "column": e.location.column},
                    "end_location": {"row": e.end_location.row, "column": e.end_location.column},
                }
                for e in f.fix.edits
            ],
        }
    return {
        "cell": None,
        # Our addition to ruff's shape: the calls of a transitive finding, from the reported
        # one to the one that does harm (empty for a finding about one node).
        "chain": [
            {
                "filename": printable(str(Path(hop.filename).absolute())),
                "row": hop.row,
                "column": hop.column,
                "call": hop.call,
            }
            for hop in f.chain
        ],
        "code": f.code,
        "end_location": {"row": f.end_location.row, "column": f.end_location.column},
        "filename": printable(str(Path(f.path).absolute())),
        "fix": fix,
        "location": {"row": f.location.row, "column": f.location.column},
        "message": printable(f.message),
        "noqa_row": f.noqa_row,
        "url": rule_url(f.code),
    }


def format_json(findings: Sequence[Finding]) -> str:
    return json.dumps([json_item(f) for f in findings], indent=2) + "\n"


def format_json_lines(findings: Sequence[Finding]) -> str:
    return "".join(json.dumps(json_item(f)) + "\n" for f in findings)


def _github_escape(text: str, property_value: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if property_value:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


def format_github(findings: Sequence[Finding]) -> str:
    lines = []
    for f in findings:
        props = (
            f"title={_github_escape('fastapi-lint (' + f.code + ')', True)},"
            f"file={_github_escape(display_path(f.path), True)},"
            f"line={f.location.row},col={f.location.column},"
            f"endLine={f.end_location.row},endColumn={f.end_location.column}"
        )
        message = _github_escape(
            f"{display_path(f.path)}:{f.location.row}:{f.location.column}: {f.code} "
            f"{printable(f.message)}"
        )
        lines.append(f"::error {props}::{message}")
    return "\n".join(lines) + ("\n" if lines else "")


def format_sarif(findings: Sequence[Finding], rules: Sequence[Any], root: Path) -> str:
    """SARIF 2.1.0: one run, rules with helpUri, URIs relative to %SRCROOT%."""
    used = {f.code for f in findings}
    rule_list = [r for r in rules if r.code in used] or []
    rule_index = {r.code: i for i, r in enumerate(rule_list)}
    base = root.resolve()
    results = []
    for f in findings:
        message = printable(f.message)
        result: dict[str, Any] = {
            "ruleId": f.code,
            "level": "error",
            "message": {"text": message},
            "locations": [
                _sarif_location(
                    f.path,
                    base,
                    {
                        "startLine": f.location.row,
                        "startColumn": f.location.column,
                        "endLine": f.end_location.row,
                        "endColumn": f.end_location.column,
                    },
                )
            ],
        }
        if f.code in rule_index:
            result["ruleIndex"] = rule_index[f.code]
        if f.chain:
            # One thread flow, one location per call: code scanning draws it as the path.
            result["codeFlows"] = [
                {
                    "message": {"text": " → ".join(hop.call for hop in f.chain)},
                    "threadFlows": [
                        {
                            "locations": [
                                {
                                    "location": {
                                        **_sarif_location(
                                            hop.filename,
                                            base,
                                            {"startLine": hop.row, "startColumn": hop.column},
                                        ),
                                        "message": {"text": f"calls `{hop.call}`"},
                                    },
                                    "executionOrder": number,
                                }
                                for number, hop in enumerate(f.chain, 1)
                            ]
                        }
                    ],
                }
            ]
        if f.related:
            result["relatedLocations"] = [
                {
                    "id": number,
                    **_sarif_location(
                        item.filename, base, {"startLine": item.row, "startColumn": item.column}
                    ),
                    "message": {"text": item.message},
                }
                for number, item in enumerate(f.related, 1)
            ]
            # Code scanning links a related location where the message embeds it: `[text](id)`.
            links = ", ".join(
                f"[{_sarif_link_text(item.message)}]({number})"
                for number, item in enumerate(f.related, 1)
            )
            result["message"]["text"] = f"{message} (see {links})"
        results.append(result)
    sarif = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "fastapi-lint",
                        "version": __version__,
                        "informationUri": "https://github.com/fastapi-lint/fastapi-lint",
                        "rules": [
                            {
                                "id": r.code,
                                "name": r.name,
                                "shortDescription": {"text": r.summary},
                                "fullDescription": {"text": r.docs.strip()},
                                "helpUri": rule_url(r.code),
                                "help": {"text": r.docs.strip(), "markdown": r.docs.strip()},
                            }
                            for r in rule_list
                        ],
                    }
                },
                "originalUriBaseIds": {"%SRCROOT%": {"uri": root.resolve().as_uri() + "/"}},
                # Our columns count code points, as Python does (SARIF's default is UTF-16).
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }
    return json.dumps(printable_data(sarif), indent=2) + "\n"


def _sarif_location(path: str, base: Path, region: dict[str, int]) -> dict[str, Any]:
    """A SARIF location: a URI relative to %SRCROOT% where the file is under the project root,
    else an absolute file URI."""
    resolved = Path(path).resolve()
    try:
        artifact: dict[str, Any] = {
            "uri": uri_path(resolved.relative_to(base).as_posix()),
            "uriBaseId": "%SRCROOT%",
        }
    except ValueError:
        artifact = {"uri": resolved.as_uri()}
    return {"physicalLocation": {"artifactLocation": artifact, "region": region}}


def _sarif_link_text(text: str) -> str:
    """Text inside an embedded link cannot hold brackets (SARIF 3.11.6)."""
    return text.replace("[", "(").replace("]", ")")


def format_statistics(findings: Sequence[Finding], unsafe: bool) -> str:
    counts = Counter(f.code for f in findings)
    names = {f.code: f.name for f in findings}
    fixable = Counter(
        f.code for f in findings if f.fix is not None and (unsafe or f.fix.applicability == "safe")
    )
    width = max((len(str(n)) for n in counts.values()), default=1)
    lines = []
    for code, count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        marker = "[*]" if fixable[code] else "   "
        lines.append(f"{count:>{width}}\t{code}\t{marker} {names[code]}")
    return "\n".join(lines) + ("\n" if lines else "")


def summary_line(findings: Sequence[Finding], unsafe: bool, fixed: int = 0) -> str:
    """`Found N errors (M fixable with --fix).` plus a hint about hidden unsafe fixes."""
    total = len(findings)
    if total == 0 and fixed == 0:
        return "All checks passed!\n"
    safe = sum(1 for f in findings if f.fix is not None and f.fix.applicability == "safe")
    hidden = sum(1 for f in findings if f.fix is not None and f.fix.applicability == "unsafe")
    fixable = safe + (hidden if unsafe else 0)
    errors = "error" if total + fixed == 1 else "errors"
    if fixed:
        line = f"Found {total + fixed} {errors} ({fixed} fixed, {total} remaining)."
    elif fixable:
        line = f"Found {total} {errors} ({fixable} fixable with --fix)."
    else:
        line = f"Found {total} {errors}."
    lines = [line]
    if hidden and not unsafe:
        fixes = "fix" if hidden == 1 else "fixes"
        lines.append(
            f"No fixes available ({hidden} hidden {fixes} can be enabled with the "
            "`--unsafe-fixes` option)."
            if not fixable
            else f"{hidden} hidden {fixes} can be enabled with the `--unsafe-fixes` option."
        )
    return "\n".join(lines) + "\n"


# -- CI formats: GitLab Code Quality, JUnit XML, pylint, reviewdog (rdjson) ----------------------


def _ci_path(path: str) -> str:
    """A path relative to the CI project folder (GitLab's CI_PROJECT_DIR) or the working one."""
    base = os.environ.get("CI_PROJECT_DIR")
    shown = display_path(path, Path(base) if base else None)
    return Path(shown).as_posix()


def _fingerprints(findings: Sequence[Finding], path_of) -> list[str]:
    """One stable id per finding: its code, file and message, plus how many identical ones came
    before it in the file. Lines are left out, so an edit above a finding keeps its id and
    GitLab does not show it as fixed and new again."""
    seen: Counter = Counter()
    prints = []
    for f in findings:
        key = (f.code, path_of(f.path), f.message)
        nth = seen[key]
        seen[key] += 1
        blob = "\0".join([*key, str(nth)]).encode("utf-8", "surrogatepass")
        prints.append(hashlib.blake2b(blob, digest_size=8).hexdigest())
    return prints


def format_gitlab(findings: Sequence[Finding]) -> str:
    """GitLab Code Quality: an array of issues (a subset of the Code Climate spec)."""
    issues = []
    for f, fingerprint in zip(findings, _fingerprints(findings, _ci_path), strict=True):
        issues.append(
            {
                "check_name": f.code,
                "description": f"{f.code}: {f.message}",
                "severity": "major",
                "fingerprint": fingerprint,
                "location": {
                    "path": _ci_path(f.path),
                    "positions": {
                        "begin": {"line": f.location.row, "column": f.location.column},
                        "end": {"line": f.end_location.row, "column": f.end_location.column},
                    },
                },
            }
        )
    return json.dumps(printable_data(issues), indent=2) + "\n"


def format_pylint(findings: Sequence[Finding]) -> str:
    """pylint's parseable format, as ruff writes it: `path:row: [CODE] message`."""
    return "".join(
        f"{Path(display_path(f.path)).as_posix()}:{f.location.row}: [{f.code}] {f.message}\n"
        for f in findings
    )


def format_junit(findings: Sequence[Finding]) -> str:
    """JUnit XML: a test suite per file, a failing test case per finding (ruff's shape)."""
    from xml.etree import ElementTree as ET

    by_file: dict[str, list[Finding]] = {}
    for f in findings:
        by_file.setdefault(str(Path(f.path).absolute()), []).append(f)
    root = ET.Element(
        "testsuites",
        name="fastapi-lint",
        tests=str(max(len(findings), 1)),
        skipped="0",
        failures=str(len(findings)),
        errors="0",
    )
    if not findings:
        suite = ET.SubElement(
            root,
            "testsuite",
            name="fastapi-lint",
            tests="1",
            skipped="0",
            errors="0",
            failures="0",
            package="fastapi-lint",
        )
        ET.SubElement(suite, "testcase", name="No errors found", classname="fastapi-lint")
    for path, items in by_file.items():
        suite = ET.SubElement(
            root,
            "testsuite",
            name=path,
            tests=str(len(items)),
            skipped="0",
            errors="0",
            failures=str(len(items)),
            package="fastapi-lint",
        )
        classname = path.removesuffix(".pyi").removesuffix(".py")
        for f in items:
            case = ET.SubElement(
                suite,
                "testcase",
                name=f"fastapi-lint.{f.code}",
                classname=classname,
                line=str(f.location.row),
                column=str(f.location.column),
            )
            properties = ET.SubElement(case, "properties")
            ET.SubElement(properties, "property", name="severity", value="error")
            failure = ET.SubElement(case, "failure", message=f.message)
            failure.text = f"line {f.location.row}, col {f.location.column}, {f.message}"
    ET.indent(root, space="    ")
    body = ET.tostring(root, encoding="unicode")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{body}\n'


def _byte_column(lines: list[str] | None, row: int, column: int) -> int:
    """A 1-based code point column as reviewdog counts it: 1-based UTF-8 bytes."""
    if lines is None or not 0 < row <= len(lines):
        return column
    line = lines[row - 1]
    if line.isascii():
        return column
    return len(line[: column - 1].encode("utf-8", "surrogatepass")) + 1


def format_rdjson(findings: Sequence[Finding], sources: dict[str, str], unsafe: bool) -> str:
    """reviewdog's Diagnostic Format (rdjson). Columns count UTF-8 bytes, as the format says;
    the fixes a run would apply (safe ones, and unsafe ones with --unsafe-fixes) become
    suggestions, which reviewdog posts as suggested changes."""
    lines_of: dict[str, list[str] | None] = {}

    def position(path: str, row: int, column: int) -> dict[str, int]:
        if path not in lines_of:
            text = sources.get(path)
            lines_of[path] = split_lines(text) if text is not None else None
        return {"line": row, "column": _byte_column(lines_of[path], row, column)}

    diagnostics = []
    for f in findings:
        item: dict[str, Any] = {
            "code": {"url": rule_url(f.code), "value": f.code},
            "location": {
                "path": str(Path(f.path).absolute()),
                "range": {
                    "start": position(f.path, f.location.row, f.location.column),
                    "end": position(f.path, f.end_location.row, f.end_location.column),
                },
            },
            "message": f.message,
        }
        if f.fix is not None and f.fix.edits and (unsafe or f.fix.applicability == "safe"):
            item["suggestions"] = [
                {
                    "range": {
                        "start": position(f.path, e.location.row, e.location.column),
                        "end": position(f.path, e.end_location.row, e.end_location.column),
                    },
                    "text": e.content,
                }
                for e in f.fix.edits
            ]
        diagnostics.append(item)
    result = {
        "diagnostics": diagnostics,
        "severity": "WARNING",
        "source": {"name": "fastapi-lint", "url": "https://github.com/fastapi-lint/fastapi-lint"},
    }
    return json.dumps(printable_data(result), indent=2) + "\n"
