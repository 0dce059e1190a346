"""The formats CI systems read, as ruff writes them: `gitlab` (Code Quality report), `junit`,
`pylint` and `rdjson` (reviewdog). Each is checked against its consumer's schema or parser:
GitLab's documented Code Quality fields and reviewdog's Diagnostic Format as JSON schemas (written
here from their documentation), JUnit XML with the `junitparser` package, and pylint's
parseable lines with the pattern its consumers (problem matchers, Jenkins warnings) use."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import run_cli
from test_cli import make_project

APP = (
    "import time\n"
    "\n"
    "\n"
    "async def handler():\n"
    '    label = "héllo"; time.sleep(1)\n'
    "    time.sleep(1)\n"
    "    time.sleep(1)\n"
)
OTHER = "import time\n\n\nasync def other():\n    time.sleep(2)\n"

# GitLab's Code Quality report: an array of issues with these required fields
# (docs.gitlab.com, "Code Quality report format"); `location` needs `lines.begin` or
# `positions.begin.line`.
POSITION = {
    "type": "object",
    "required": ["line"],
    "properties": {"line": {"type": "integer", "minimum": 1}, "column": {"type": "integer"}},
}
GITLAB_SCHEMA = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["description", "check_name", "fingerprint", "severity", "location"],
        "properties": {
            "description": {"type": "string", "minLength": 1},
            "check_name": {"type": "string", "minLength": 1},
            "fingerprint": {"type": "string", "minLength": 1},
            "severity": {"enum": ["info", "minor", "major", "critical", "blocker"]},
            "location": {
                "type": "object",
                "required": ["path"],
                "properties": {
                    "path": {"type": "string", "not": {"pattern": "^/"}},
                    "lines": {
                        "type": "object",
                        "required": ["begin"],
                        "properties": {"begin": {"type": "integer"}, "end": {"type": "integer"}},
                    },
                    "positions": {
                        "type": "object",
                        "required": ["begin"],
                        "properties": {"begin": POSITION, "end": POSITION},
                    },
                },
                "anyOf": [{"required": ["lines"]}, {"required": ["positions"]}],
            },
        },
    },
}

# reviewdog's Diagnostic Format, `DiagnosticResult` message (proto/rdf/reviewdog.proto).
RD_POSITION = {
    "type": "object",
    "properties": {"line": {"type": "integer"}, "column": {"type": "integer"}},
    "additionalProperties": False,
}
RD_RANGE = {
    "type": "object",
    "required": ["start"],
    "properties": {"start": RD_POSITION, "end": RD_POSITION},
    "additionalProperties": False,
}
RD_SEVERITY = {"enum": ["UNKNOWN_SEVERITY", "ERROR", "WARNING", "INFO"]}
RD_SOURCE = {
    "type": "object",
    "required": ["name"],
    "properties": {"name": {"type": "string"}, "url": {"type": "string"}},
    "additionalProperties": False,
}
RDJSON_SCHEMA = {
    "type": "object",
    "properties": {
        "diagnostics": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["message", "location"],
                "properties": {
                    "message": {"type": "string"},
                    "location": {
                        "type": "object",
                        "required": ["path"],
                        "properties": {"path": {"type": "string"}, "range": RD_RANGE},
                        "additionalProperties": False,
                    },
                    "severity": RD_SEVERITY,
                    "source": RD_SOURCE,
                    "code": {
                        "type": "object",
                        "required": ["value"],
                        "properties": {"value": {"type": "string"}, "url": {"type": "string"}},
                        "additionalProperties": False,
                    },
                    "suggestions": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["range", "text"],
                            "properties": {"range": RD_RANGE, "text": {"type": "string"}},
                            "additionalProperties": False,
                        },
                    },
                    "original_output": {"type": "string"},
                },
                "additionalProperties": False,
            },
        },
        "source": RD_SOURCE,
        "severity": RD_SEVERITY,
    },
    "additionalProperties": False,
}


@pytest.fixture(scope="module")
def proj(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("ci") / "proj"
    make_project(root, {"app.py": APP, "sub/other.py": OTHER, "broken.py": "def f(:\n    pass\n"})
    return root


@pytest.fixture(scope="module")
def clean(tmp_path_factory) -> Path:
    return make_project(tmp_path_factory.mktemp("ci-clean") / "p", {"a.py": "x = 1\n"})


def check(root: Path, fmt: str, *args: str, env=None):
    return run_cli(
        "check",
        "--select",
        "FPI101",
        "--no-cache",
        "--output-format",
        fmt,
        *args,
        cwd=root,
        env=env,
    )


def test_gitlab_code_quality_report(proj: Path) -> None:
    import jsonschema

    proc = check(proj, "gitlab")
    assert proc.returncode == 1 and proc.stderr == ""
    issues = json.loads(proc.stdout)
    jsonschema.validate(issues, GITLAB_SCHEMA)
    assert [(i["location"]["path"], i["check_name"]) for i in issues] == [
        ("app.py", "FPI101"),
        ("app.py", "FPI101"),
        ("app.py", "FPI101"),
        ("broken.py", "FPI001"),
        ("sub/other.py", "FPI101"),
    ]
    first = issues[0]
    assert first["description"].startswith("FPI101: `time.sleep()` blocks the event loop")
    assert first["severity"] == "major"
    assert first["location"]["positions"] == {
        "begin": {"line": 5, "column": 22},
        "end": {"line": 5, "column": 35},
    }
    # GitLab merges issues with one fingerprint: identical findings must still differ.
    fingerprints = [i["fingerprint"] for i in issues]
    assert len(set(fingerprints)) == len(fingerprints)


def test_gitlab_fingerprints_survive_lines_moving(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", {"app.py": APP})
    before = [i["fingerprint"] for i in json.loads(check(root, "gitlab").stdout)]
    (root / "app.py").write_text("# a comment above\n\n" + APP, encoding="utf-8")
    after = json.loads(check(root, "gitlab").stdout)
    assert [i["fingerprint"] for i in after] == before
    assert after[0]["location"]["positions"]["begin"]["line"] == 7


def test_gitlab_paths_are_relative_to_the_ci_project_dir(proj: Path) -> None:
    proc = check(proj / "sub", "gitlab", env={"CI_PROJECT_DIR": str(proj.parent)})
    (issue,) = json.loads(proc.stdout)
    assert issue["location"]["path"] == "proj/sub/other.py"


def test_junit_report_parses_and_has_a_case_per_finding(proj: Path) -> None:
    from junitparser import Failure, JUnitXml

    proc = check(proj, "junit")
    assert proc.returncode == 1
    assert proc.stdout.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites')
    xml = JUnitXml.fromstring(proc.stdout)
    assert (xml.name, xml.tests, xml.failures, xml.errors) == ("fastapi-lint", 5, 5, 0)
    suites = list(xml)
    assert [Path(s.name).relative_to(proj).as_posix() for s in suites] == [
        "app.py",
        "broken.py",
        "sub/other.py",
    ]
    assert all(Path(s.name).is_absolute() for s in suites)
    app = suites[0]
    assert (app.tests, app.failures) == (3, 3)
    cases = list(app)
    assert [c.name for c in cases] == ["fastapi-lint.FPI101"] * 3
    assert cases[0].classname == str(proj / "app")
    assert [(c._elem.get("line"), c._elem.get("column")) for c in cases] == [
        ("5", "22"),
        ("6", "5"),
        ("7", "5"),
    ]
    (result,) = cases[0].result
    assert isinstance(result, Failure)
    assert result.message.startswith("`time.sleep()` blocks the event loop")
    assert result.text == f"line 5, col 22, {result.message}"
    assert not any(c.is_passed for s in suites for c in s)


def test_junit_report_without_findings_has_one_passing_case(clean: Path) -> None:
    from junitparser import JUnitXml

    proc = check(clean, "junit")
    assert proc.returncode == 0
    xml = JUnitXml.fromstring(proc.stdout)
    (suite,) = list(xml)
    (case,) = list(suite)
    assert case.name == "No errors found" and case.is_passed
    assert (xml.tests, xml.failures) == (1, 0)


def test_junit_escapes_markup_in_messages(tmp_path: Path) -> None:
    from junitparser import JUnitXml

    from fastapi_lint.model import Finding, Location
    from fastapi_lint.output import format_junit

    finding = Finding(
        "FPI001",
        "unparsable-file",
        'a <b> & "c"',
        str(tmp_path / "x.py"),
        Location(1, 1),
        Location(1, 1),
    )
    xml = JUnitXml.fromstring(format_junit([finding]))
    (case,) = list(next(iter(xml)))
    assert case.result[0].message == 'a <b> & "c"'


PYLINT_LINE = re.compile(
    r"^(?P<path>[^:\n]+):(?P<line>\d+): \[(?P<code>[A-Z]+\d+)\] (?P<message>.+)$"
)


def test_pylint_lines(proj: Path) -> None:
    proc = check(proj, "pylint")
    assert proc.returncode == 1
    lines = proc.stdout.splitlines()
    parsed = [PYLINT_LINE.match(line) for line in lines]
    assert all(parsed), lines
    assert [(m["path"], m["line"], m["code"]) for m in parsed] == [
        ("app.py", "5", "FPI101"),
        ("app.py", "6", "FPI101"),
        ("app.py", "7", "FPI101"),
        ("broken.py", "1", "FPI001"),
        ("sub/other.py", "5", "FPI101"),
    ]
    assert parsed[0]["message"].startswith("`time.sleep()` blocks the event loop")
    assert check(proj / "sub", "pylint").stdout.startswith("other.py:5: [FPI101] ")


def apply_rdjson_suggestions(data: bytes, suggestions: list[dict]) -> bytes:
    """Applies suggestions the way reviewdog reads them: 1-based lines, 1-based UTF-8 byte
    columns, end exclusive."""
    lines = data.splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))

    def offset(position: dict) -> int:
        return starts[position["line"] - 1] + position["column"] - 1

    for item in sorted(suggestions, key=lambda s: offset(s["range"]["start"]), reverse=True):
        start, end = offset(item["range"]["start"]), offset(item["range"]["end"])
        data = data[:start] + item["text"].encode("utf-8") + data[end:]
    return data


def test_rdjson_validates_and_counts_utf8_bytes(proj: Path) -> None:
    import jsonschema

    proc = check(proj, "rdjson")
    assert proc.returncode == 1
    result = json.loads(proc.stdout)
    jsonschema.validate(result, RDJSON_SCHEMA)
    assert result["source"]["name"] == "fastapi-lint" and result["severity"] == "WARNING"
    first = result["diagnostics"][0]
    assert first["code"]["value"] == "FPI101"
    assert first["code"]["url"].endswith("/docs/rules/FPI101.md")
    assert first["location"]["path"] == str(proj / "app.py")
    # `é` is two bytes: the code-point column 22 is byte column 23.
    assert first["location"]["range"] == {
        "start": {"line": 5, "column": 23},
        "end": {"line": 5, "column": 36},
    }
    line = APP.splitlines()[4].encode("utf-8")
    assert line[23 - 1 : 36 - 1] == b"time.sleep(1)"
    # Unsafe fixes are suggestions only when --unsafe-fixes would apply them.
    assert all("suggestions" not in d for d in result["diagnostics"])


def test_rdjson_suggestions_are_the_fix(proj: Path, tmp_path: Path) -> None:
    import jsonschema

    proc = check(proj, "rdjson", "--unsafe-fixes")
    result = json.loads(proc.stdout)
    jsonschema.validate(result, RDJSON_SCHEMA)
    app = [d for d in result["diagnostics"] if d["location"]["path"].endswith("app.py")]
    assert all(d["suggestions"] for d in app)
    data = (proj / "app.py").read_bytes()
    fixed = apply_rdjson_suggestions(data, app[0]["suggestions"]).decode("utf-8")
    assert fixed != APP
    compile(fixed, "app.py", "exec")
    # The suggestion is the fix `--fix --unsafe-fixes` applies to that finding.
    assert 'label = "héllo"; await asyncio.sleep(1)' in fixed
    assert "import asyncio" in fixed


def test_rdjson_without_findings(clean: Path) -> None:
    proc = check(clean, "rdjson")
    assert proc.returncode == 0
    assert json.loads(proc.stdout)["diagnostics"] == []


@pytest.mark.parametrize("fmt", ["gitlab", "junit", "pylint", "rdjson"])
def test_exit_codes_and_output_file_match_the_other_formats(
    fmt: str, proj: Path, clean: Path, tmp_path: Path
) -> None:
    target = tmp_path / f"report.{fmt}"
    proc = check(proj, fmt, "--output-file", str(target))
    assert proc.returncode == 1 and proc.stdout == ""
    assert "FPI101" in target.read_text(encoding="utf-8")
    assert check(proj, fmt, "--exit-zero").returncode == 0
    clean_run = check(clean, fmt)
    assert clean_run.returncode == 0
    # No summary line, nothing on stderr: the output is the report alone.
    assert "Found" not in clean_run.stdout and "All checks passed" not in clean_run.stdout
    assert clean_run.stderr == ""
