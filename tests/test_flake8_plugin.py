"""The flake8 plugin, through the real `flake8` in a subprocess.

Parity: on every fixture, flake8 (`--select FPI`) reports exactly what `fastapi-lint check` reports,
at the same rows and columns with the same messages. flake8 parses each file itself and reports
its own E999 instead of calling plugins when that fails, and only checks `*.py`, so files with an
FPI001 finding, files with syntax newer than the running Python (fastapi-lint analyses them, flake8
cannot) and `.pyi` stubs are left out of the comparison.
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
import textwrap
from collections import defaultdict
from pathlib import Path

import pytest
from conftest import FIXTURES, run_json

pytestmark = pytest.mark.slow

FLAKE8_LINE = re.compile(
    r"^(?P<path>.+?):(?P<row>\d+):(?P<col>\d+): (?P<code>FPI\d{3}) (?P<msg>.*)$"
)


def run_flake8(*args: str, cwd: Path, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, NO_COLOR="1")
    return subprocess.run(
        [sys.executable, "-m", "flake8", "--isolated", *args],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )


def flake8_findings(*args: str, cwd: Path) -> set[tuple[str, int, int, str, str]]:
    proc = run_flake8(*args, cwd=cwd)
    assert proc.returncode in (0, 1), proc.stderr
    found = set()
    for line in proc.stdout.splitlines():
        match = FLAKE8_LINE.match(line)
        assert match, f"unexpected flake8 output line: {line!r}\n{proc.stderr}"
        path = str((cwd / match["path"]).resolve())
        found.add((path, int(match["row"]), int(match["col"]), match["code"], match["msg"]))
    return found


def cli_findings(target: Path) -> tuple[set[tuple[str, int, int, str, str]], set[str]]:
    """The CLI's findings as flake8 would print them, and the files flake8 cannot check."""
    items = run_json("check", str(target), "--no-cache")
    unparsable = {str(Path(i["filename"]).resolve()) for i in items if i["code"] == "FPI001"}
    # flake8 parses with the running Python: 3.12 syntax is its own E999 on 3.11.
    unparsable |= {
        str(Path(i["filename"]).resolve()) for i in items if not _python_parses(i["filename"])
    }
    found = {
        (
            str(Path(i["filename"]).resolve()),
            i["location"]["row"],
            i["location"]["column"],
            i["code"],
            i["message"],
        )
        for i in items
    }
    return found, unparsable


def _python_parses(path: str) -> bool:
    try:
        ast.parse(Path(path).read_bytes())
    except (SyntaxError, ValueError):
        return False
    return True


def _comparable(items, unparsable):
    return {i for i in items if i[0] not in unparsable and not i[0].endswith(".pyi")}


def snapshot(tree: Path, tmp_path: Path) -> Path:
    """A copy to compare on: the tree may change while the two tools run one after the other."""
    copy = tmp_path / tree.name
    shutil.copytree(tree, copy, ignore=shutil.ignore_patterns(".fastapi_lint_cache"))
    return copy


def test_flake8_matches_cli_on_every_fixture(tmp_path: Path) -> None:
    fixtures = snapshot(FIXTURES, tmp_path)
    expected, unparsable = cli_findings(fixtures)
    # The fixture project excludes its goldens from discovery; flake8 has its own exclude list.
    got = flake8_findings("--select", "FPI", "--extend-exclude", "*.fixed.py", ".", cwd=fixtures)
    expected, got = _comparable(expected, unparsable), _comparable(got, unparsable)
    assert expected, "the fixtures produced no findings at all"
    assert_same(expected, got, fixtures)


def assert_same(expected: set, got: set, root: Path) -> None:
    by_file: dict[str, list] = defaultdict(list)
    for item in sorted(expected ^ got):
        side = "cli only" if item in expected else "flake8 only"
        by_file[os.path.relpath(item[0], root)].append((side, *item[1:]))
    assert not by_file, "flake8 and the CLI disagree:\n" + "\n".join(
        f"{path}: {rows}" for path, rows in sorted(by_file.items())
    )


def test_flake8_matches_cli_on_the_example_app(tmp_path: Path) -> None:
    examples = snapshot(FIXTURES.parent.parent / "examples", tmp_path)
    expected, unparsable = cli_findings(examples)
    got = flake8_findings("--select", "FPI", ".", cwd=examples)
    assert_same(_comparable(expected, unparsable), _comparable(got, unparsable), examples)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A small app whose finding in main.py is only visible through clock.py."""
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "demo"\nversion = "0"\n')
    app = tmp_path / "app"
    app.mkdir()
    (app / "__init__.py").write_text("")
    (app / "clock.py").write_text("import time as clock\n")
    (app / "main.py").write_text(
        textwrap.dedent(
            """\
            from fastapi import FastAPI

            from .clock import clock

            app = FastAPI()


            @app.get("/")
            async def root():
                clock.sleep(1)
                return {"ok": True}


            @app.get("/quiet")
            async def quiet():
                clock.sleep(1)  # noqa: FPI101
                return {"ok": True}
            """
        )
    )
    return tmp_path


def _codes(found) -> list[tuple[int, str]]:
    return sorted((row, code) for _, row, _, code, _ in found)


def test_cross_module_finding_and_noqa(project: Path) -> None:
    found = flake8_findings("--select", "FPI", "app/main.py", cwd=project)
    assert _codes(found) == [(10, "FPI101")]
    assert {col for _, _, col, _, _ in found} == {5}


def test_flake8_select_and_ignore(project: Path) -> None:
    assert _codes(flake8_findings("--select", "FPI101", "app", cwd=project)) == [(10, "FPI101")]
    assert not flake8_findings("--select", "FPI", "--ignore", "FPI1", "app", cwd=project)
    assert not flake8_findings("--select", "E,W", "app", cwd=project)
    assert not flake8_findings("--select", "FPI", "--extend-ignore", "FPI101", "app", cwd=project)
    assert not flake8_findings(
        "--select", "FPI", "--per-file-ignores", "app/main.py:FPI", ".", cwd=project
    )


def test_flake8_default_selection_includes_fpi(project: Path) -> None:
    proc = run_flake8("app/main.py", cwd=project)
    assert "FPI101" in proc.stdout, proc.stdout + proc.stderr


def test_flake8_reads_the_fastapi_lint_configuration(project: Path) -> None:
    pyproject = project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + '\n[tool.fastapi-lint]\nignore = ["FPI101"]\n')
    assert not flake8_findings("--select", "FPI", "app", cwd=project)


def test_flake8_noqa_syntaxes(project: Path) -> None:
    main = project / "app" / "main.py"
    text = main.read_text()
    for comment in ("# noqa", "# noqa:FPI101", "# NOQA: FPI1", "# noqa: E501,FPI101"):
        main.write_text(
            text.replace("clock.sleep(1)\n    return", f"clock.sleep(1)  {comment}\n    return", 1)
        )
        assert not flake8_findings("--select", "FPI", "app", cwd=project), comment


def test_flake8_columns_count_code_points(project: Path) -> None:
    main = project / "app" / "main.py"
    main.write_text(
        main.read_text().replace(
            "clock.sleep(1)\n    return", 'x = "é😀"; clock.sleep(1)\n    return', 1
        )
    )
    found = flake8_findings("--select", "FPI", "app", cwd=project)
    cli = {(row, col) for _, row, col, _, _ in cli_findings(project)[0]}
    assert {(row, col) for _, row, col, _, _ in found} == cli == {(10, 15)}


def test_flake8_reports_a_configuration_error_without_a_traceback(project: Path) -> None:
    pyproject = project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + "\n[tool.fastapi-lint]\nbogus = 1\n")
    for jobs in ("1", "2"):
        proc = run_flake8("--select", "FPI", "-j", jobs, "app", cwd=project)
        assert proc.returncode == 1
        assert "fastapi-lint:" in proc.stdout and "unknown key `bogus`" in proc.stdout
        assert "Traceback" not in proc.stdout + proc.stderr


def test_flake8_on_standard_input_with_a_display_name(project: Path) -> None:
    """Editors pipe the buffer and name the file: the cross-module finding is still found."""
    text = (project / "app" / "main.py").read_text()
    proc = run_flake8(
        "--select", "FPI", "--stdin-display-name", "app/main.py", "-", cwd=project, stdin=text
    )
    assert proc.stdout.startswith("app/main.py:10:5: FPI101 "), proc.stdout + proc.stderr
    assert proc.stdout.count("FPI101") == 1
