"""No file passes without being analysed (issue 11, the guard for silent passes).

A run says how many files it checked and how many of them it could not analyse in full, and
every file that was not analysed in full has a finding saying why. Each path by which a file
could be skipped without a word is tried here: unreadable files, bytes Python rejects, notebooks
named on the command line, excluded files and folders named on the command line, standard
input, rules that lose a finding, and the language server.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import libcst as cst
import pytest
from conftest import run_cli, run_json
from lsp_client import LSPClient

import fastapi_lint.engine.linting as engine_linting
from fastapi_lint.config import load_settings
from fastapi_lint.engine import LintOptions, lint_paths
from fastapi_lint.rule import Rule

SLEEPY = "import time\n\n\nasync def handler():\n    time.sleep(1)\n"


def make_project(root: Path, files: dict[str, str | bytes], config: str = "") -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text(f'[project]\nname = "d"\n\n[tool.fastapi-lint]\n{config}')
    for name, body in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(body, bytes):
            path.write_bytes(body)
        else:
            path.write_text(body, encoding="utf-8")
    return root


def findings(items: list[dict], root: Path) -> list[tuple[str, str]]:
    return sorted((Path(f["filename"]).relative_to(root).as_posix(), f["code"]) for f in items)


# -- the count ---------------------------------------------------------------------------


def test_verbose_and_statistics_say_how_many_files_were_checked(tmp_path: Path) -> None:
    files = {"ok.py": "x = 1\n", "app.py": SLEEPY, "broken.py": "def f(:\n", "bytes.py": 'b"é"\n'}
    root = make_project(tmp_path / "p", files)
    verbose = run_cli("check", "--no-cache", "--verbose", cwd=root)
    assert "Checked 4 files; 2 not analysed in full (see FPI001/FPI002)." in verbose.stderr
    stats = run_cli("check", "--no-cache", "--statistics", cwd=root)
    assert stats.stderr.splitlines()[-1] == (
        "Checked 4 files; 2 not analysed in full (see FPI001/FPI002)."
    )
    assert "Checked" not in stats.stdout  # the table stays a table
    clean = make_project(tmp_path / "q", {"ok.py": "x = 1\n"})
    assert run_cli("check", "--no-cache", "--statistics", cwd=clean).stderr == "Checked 1 file.\n"
    # The concise output stays ruff's.
    assert run_cli("check", "--no-cache", cwd=clean).stdout == "All checks passed!\n"


# -- every way a file could be skipped ----------------------------------------------------


def test_dangling_symlink_is_a_finding(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", {"app.py": SLEEPY})
    (root / "gone.py").symlink_to(root / "missing.py")
    items = run_json("check", "--no-cache", cwd=root)
    assert findings(items, root) == [("app.py", "FPI101"), ("gone.py", "FPI001")]
    gone = next(f for f in items if f["code"] == "FPI001")
    assert gone["message"].startswith("cannot read the file")


def test_python_rejects_what_libcst_parses(tmp_path: Path) -> None:
    """These used to pass when no rule's trigger occurred in them (LibCST alone decided)."""
    files = {"bytes.py": b'x = b"\xc3\xa9"\n', "escape.py": 'y = "\\x4"\n', "app.py": SLEEPY}
    root = make_project(tmp_path / "p", files)
    items = run_json("check", "--no-cache", cwd=root)
    assert findings(items, root) == [
        ("app.py", "FPI101"),
        ("bytes.py", "FPI001"),
        ("escape.py", "FPI001"),
    ]


def test_notebook_named_on_the_command_line_is_a_finding(tmp_path: Path) -> None:
    notebook = json.dumps({"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5})
    # Its JSON is a valid Python expression: read as Python it "passed".
    compile(notebook, "nb", "exec")
    root = make_project(tmp_path / "p", {"analysis.ipynb": notebook})
    items = run_json("check", "analysis.ipynb", "--no-cache", cwd=root)
    assert [(f["code"], f["message"]) for f in items] == [
        ("FPI001", "Jupyter notebooks are not analysed (fastapi-lint reads Python files)")
    ]


def test_excluded_files_and_folders_named_explicitly(tmp_path: Path) -> None:
    """As in ruff: a path named on the command line is linted even when an exclude covers it
    (only what lies below a named folder is filtered); `--force-exclude` skips it."""
    files = {"legacy/old.py": SLEEPY, "legacy/old_gen.py": SLEEPY, "app.py": SLEEPY}
    root = make_project(tmp_path / "p", files, 'extend-exclude = ["legacy", "*_gen.py"]\n')
    assert findings(run_json("check", "--no-cache", cwd=root), root) == [("app.py", "FPI101")]
    named = run_json("check", "legacy", "--no-cache", cwd=root)
    assert findings(named, root) == [("legacy/old.py", "FPI101")]
    one = run_json("check", "legacy/old_gen.py", "--no-cache", cwd=root)
    assert findings(one, root) == [("legacy/old_gen.py", "FPI101")]
    skipped = run_cli("check", "legacy", "--no-cache", "--force-exclude", cwd=root)
    assert skipped.returncode == 0
    assert "no Python files found under the given paths" in skipped.stderr


def test_stdin_that_python_rejects_is_a_finding(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", {})
    for body in (b'x = b"\xc3\xa9"\n', b"\xff\xfe not utf-8\n", b"x = (\n"):
        proc = run_cli(
            "check",
            "-",
            "--stdin-filename",
            "m.py",
            "--no-cache",
            "--output-format",
            "json",
            cwd=root,
            stdin=body.decode("latin-1"),
        )
        assert [f["code"] for f in json.loads(proc.stdout)] == ["FPI001"], body


class ReportsAForeignNode(Rule):
    """Test-only: reports a node it built itself, which is not in the file's tree."""

    code = "FPI095"
    name = "test-foreign-node"
    message = "test rule"
    summary = "test rule"
    docs = ""
    triggers = ("time",)

    def visit_Module(self, node: cst.Module) -> None:
        self.report(cst.Name("elsewhere"))


def test_a_finding_that_cannot_be_placed_is_fpi002(tmp_path: Path, monkeypatch) -> None:
    import fastapi_lint.rules.registry as registry

    extended = [*registry.RULES, ReportsAForeignNode]
    for module in (registry, engine_linting):
        monkeypatch.setattr(module, "RULES", extended)
    root = make_project(tmp_path / "p", {"app.py": SLEEPY})
    run = lint_paths([root], load_settings(root), LintOptions(use_cache=False))
    (result,) = run.results
    assert sorted(f.code for f in result.findings) == ["FPI002", "FPI101"]
    lost = next(f for f in result.findings if f.code == "FPI002")
    assert "FPI095" in lost.message and "not in this file" in lost.message


@pytest.mark.slow
def test_language_server_reports_what_python_rejects(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", {"app/__init__.py": ""})
    text = textwrap.dedent(
        """\
        import time


        async def handler():
            time.sleep(1)
            return b"é"
        """
    )
    client = LSPClient()
    try:
        client.initialize(root)
        diagnostics = client.open(root / "app" / "main.py", text)
    finally:
        client.close()
    assert [(d["code"], d["range"]["start"]["line"]) for d in diagnostics] == [("FPI001", 5)]


@pytest.mark.parametrize("flags", [(), ("--fix",), ("--diff",)], ids=["check", "fix", "diff"])
def test_every_file_named_has_a_result(flags: tuple[str, ...], tmp_path: Path) -> None:
    files = {"a.py": SLEEPY, "b.py": "x = 1\n", "c.py": "def f(:\n"}
    root = make_project(tmp_path / "p", files)
    proc = run_cli("check", "a.py", "b.py", "c.py", "--no-cache", "--verbose", *flags, cwd=root)
    assert "Checked 3 files; 1 not analysed in full" in proc.stderr, proc.stderr
