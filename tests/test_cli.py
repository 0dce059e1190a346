"""The `fastapi-lint` command line, run as a user runs it, in a temporary project: in this process
(`conftest.run_cli`), and end to end in a real subprocess where that is what is tested (exit
status, pipes, the console script, the process pool).

Most cases use `--select FPI101` so that rules other families add later cannot change the counts;
the file contents trigger FPI101 (`time.sleep` in `async def`) and nothing else on purpose.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import run_cli, run_cli_process

SLEEPY = "import time\n\n\nasync def handler():\n    time.sleep(1)\n"
CLEAN = "import time\n\n\ndef handler():\n    time.sleep(1)\n"
FIXED = "import time\nimport asyncio\n\n\nasync def handler():\n    await asyncio.sleep(1)\n"
ONLY = ("--select", "FPI101")


def make_project(root: Path, files: dict[str, str], config: str = "") -> Path:
    """A project folder: pyproject.toml with [tool.fastapi-lint] (+ `config`) and the files."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text(
        f'[project]\nname = "demo"\n\n[tool.fastapi-lint]\n{config}'
    )
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def concise_rows(stdout: str) -> list[str]:
    """`path:row:col: CODE` heads of concise output lines."""
    return [m.group(0) for m in re.finditer(r"^\S+:\d+:\d+: FPI\d{3}", stdout, re.M)]


def reported_files(stdout: str) -> set[str]:
    return {row.split(":")[0] for row in concise_rows(stdout)}


@pytest.fixture
def proj(tmp_path: Path) -> Path:
    return make_project(tmp_path / "proj", {"app.py": SLEEPY, "ok.py": CLEAN})


# -- exit codes and the summary line ---------------------------------------------------------


@pytest.mark.slow
def test_findings_exit_1_and_summary(proj: Path) -> None:
    proc = run_cli_process("check", *ONLY, "--no-cache", cwd=proj)
    assert proc.returncode == 1, proc.stderr
    assert concise_rows(proc.stdout) == ["app.py:5:5: FPI101"]
    assert proc.stdout.splitlines()[1] == "Found 1 error."
    assert "1 hidden fix can be enabled with the `--unsafe-fixes` option" in proc.stdout


def test_summary_counts_fixable_with_unsafe_fixes(proj: Path) -> None:
    (proj / "b.py").write_text(SLEEPY)
    proc = run_cli("check", *ONLY, "--no-cache", "--unsafe-fixes", cwd=proj)
    assert proc.returncode == 1
    assert proc.stdout.endswith("Found 2 errors (2 fixable with --fix).\n")
    assert "[*]" in proc.stdout


def test_clean_exit_0(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", {"ok.py": CLEAN})
    proc = run_cli("check", "--no-cache", cwd=root)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout == "All checks passed!\n"


def test_missing_path_exit_2(proj: Path) -> None:
    proc = run_cli_process("check", "nope.py", "--no-cache", cwd=proj)
    assert proc.returncode == 2
    assert "nope.py" in proc.stderr


def test_exit_zero(proj: Path) -> None:
    proc = run_cli("check", *ONLY, "--no-cache", "--exit-zero", cwd=proj)
    assert proc.returncode == 0
    assert "FPI101" in proc.stdout


def test_quiet_drops_summary(proj: Path) -> None:
    proc = run_cli("check", *ONLY, "--no-cache", "--quiet", cwd=proj)
    assert proc.returncode == 1
    assert "Found" not in proc.stdout
    assert concise_rows(proc.stdout) == ["app.py:5:5: FPI101"]


def test_verbose_reports_files_and_cache_hits(proj: Path) -> None:
    first = run_cli("check", *ONLY, "--verbose", cwd=proj)
    assert re.search(r"2 files in [\d.]+s \(0 from cache\)", first.stderr), first.stderr
    second = run_cli("check", *ONLY, "--verbose", cwd=proj)
    assert re.search(r"2 files in [\d.]+s \(2 from cache\)", second.stderr), second.stderr
    assert first.stdout == second.stdout


# -- selection --------------------------------------------------------------------------------


@pytest.mark.parametrize("selector", ["FPI101", "FPI1", "FPI", "blocking-sleep-in-async", "ALL"])
def test_select_by_code_prefix_and_name(proj: Path, selector: str) -> None:
    proc = run_cli("check", "--no-cache", "--select", selector, cwd=proj)
    assert "app.py:5:5: FPI101" in concise_rows(proc.stdout)


@pytest.mark.parametrize("selector", ["FPI101", "FPI1", "blocking-sleep-in-async"])
def test_ignore_by_code_prefix_and_name(proj: Path, selector: str) -> None:
    proc = run_cli("check", "--no-cache", *ONLY, "--ignore", selector, cwd=proj)
    assert proc.returncode == 0, proc.stdout
    assert "All checks passed!" in proc.stdout


def test_select_replaces_and_extend_select_adds(proj: Path) -> None:
    # Selecting only the engine's codes drops FPI101; extend-select brings it back.
    proc = run_cli("check", "--no-cache", "--select", "FPI0", cwd=proj)
    assert proc.returncode == 0, proc.stdout
    proc = run_cli("check", "--no-cache", "--select", "FPI0", "--extend-select", "FPI101", cwd=proj)
    assert concise_rows(proc.stdout) == ["app.py:5:5: FPI101"]


def test_config_select_and_cli_ignore(tmp_path: Path) -> None:
    root = make_project(
        tmp_path / "p", {"app.py": SLEEPY}, 'select = ["blocking-sleep-in-async"]\n'
    )
    assert run_cli("check", "--no-cache", cwd=root).returncode == 1
    proc = run_cli("check", "--no-cache", "--ignore", "FPI1", cwd=root)
    assert proc.returncode == 0, proc.stdout


def test_comma_separated_selectors(proj: Path) -> None:
    proc = run_cli("check", "--no-cache", "--select", "FPI001,FPI101", cwd=proj)
    assert concise_rows(proc.stdout) == ["app.py:5:5: FPI101"]


def test_noqa_suppresses_by_code_and_prefix(tmp_path: Path) -> None:
    body = (
        "import time\n\n\nasync def a():\n"
        "    time.sleep(1)  # noqa: FPI101\n"
        "    time.sleep(2)  # noqa: FPI1\n"
        "    time.sleep(3)  # noqa\n"
        "    time.sleep(4)  # noqa: FPI2\n"
        "    time.sleep(5)  # NOQA:FPI101,FPI202 explained\n"
    )
    root = make_project(tmp_path / "p", {"n.py": body})
    proc = run_cli("check", *ONLY, "--no-cache", cwd=root)
    assert concise_rows(proc.stdout) == ["n.py:8:5: FPI101"]


def test_per_file_ignores(tmp_path: Path) -> None:
    root = make_project(
        tmp_path / "p",
        {
            "app.py": SLEEPY,
            "legacy.py": SLEEPY,
            # (Not in a tests/ package: FPI1xx skips test code, it serves no request.)
            "generated/helpers_x.py": SLEEPY,
            "pkg/generated/helpers_y.py": SLEEPY,
        },
        '[tool.fastapi-lint.per-file-ignores]\n"legacy.py" = ["blocking-sleep-in-async"]\n'
        '"generated/**" = ["FPI1"]\n',
    )
    proc = run_cli("check", *ONLY, "--no-cache", cwd=root)
    # Globs are relative to the configuration's folder: pkg/generated is not generated/.
    assert reported_files(proc.stdout) == {"app.py", "pkg/generated/helpers_y.py"}


# -- discovery ----------------------------------------------------------------------------------


def test_default_excludes(tmp_path: Path) -> None:
    files = {"app.py": SLEEPY}
    for folder in (".venv", "venv", "build", "dist", "node_modules", ".tox", "__pypackages__"):
        files[f"{folder}/lib.py"] = SLEEPY
    root = make_project(tmp_path / "p", files)
    proc = run_cli("check", *ONLY, "--no-cache", cwd=root)
    assert reported_files(proc.stdout) == {"app.py"}
    shown = run_cli("check", "--show-files", cwd=root)
    assert shown.stdout.splitlines() == [str(root / "app.py")]


def test_exclude_replaces_defaults_and_extend_exclude_adds(tmp_path: Path) -> None:
    files = {
        "app.py": SLEEPY,
        ".venv/lib.py": SLEEPY,
        "gen/out.py": SLEEPY,
        "migrations/m.py": SLEEPY,
    }
    root = make_project(
        tmp_path / "p", files, 'exclude = ["gen"]\nextend-exclude = ["migrations/"]\n'
    )
    proc = run_cli("check", *ONLY, "--no-cache", cwd=root)
    assert reported_files(proc.stdout) == {"app.py", ".venv/lib.py"}


def test_extend_exclude_keeps_defaults(tmp_path: Path) -> None:
    files = {"app.py": SLEEPY, ".venv/lib.py": SLEEPY, "gen/out.py": SLEEPY}
    root = make_project(tmp_path / "p", files, 'extend-exclude = ["gen"]\n')
    proc = run_cli("check", *ONLY, "--no-cache", cwd=root)
    assert reported_files(proc.stdout) == {"app.py"}


def test_explicit_file_is_linted_even_if_excluded(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", {"gen/out.py": SLEEPY}, 'extend-exclude = ["gen"]\n')
    proc = run_cli("check", *ONLY, "--no-cache", "gen/out.py", cwd=root)
    assert reported_files(proc.stdout) == {"gen/out.py"}


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_gitignore_respected_in_a_git_repo(tmp_path: Path) -> None:
    files = {"app.py": SLEEPY, "ignored.py": SLEEPY, "gen/out.py": SLEEPY, "new.py": SLEEPY}
    root = make_project(tmp_path / "p", files)
    (root / ".gitignore").write_text("ignored.py\ngen/\n")
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    subprocess.run(["git", "add", "app.py", ".gitignore"], cwd=root, check=True)
    proc = run_cli("check", *ONLY, "--no-cache", cwd=root)
    # Tracked and untracked-but-not-ignored files are linted; ignored ones are not.
    assert reported_files(proc.stdout) == {"app.py", "new.py"}
    config = root / "pyproject.toml"
    config.write_text(config.read_text() + "respect-gitignore = false\n")
    proc = run_cli("check", *ONLY, "--no-cache", cwd=root)
    assert reported_files(proc.stdout) == {"app.py", "new.py", "ignored.py", "gen/out.py"}


def test_pyi_files_and_nested_folders(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", {"a/b/c.py": SLEEPY, "stubs/s.pyi": CLEAN, "x.txt": SLEEPY})
    shown = run_cli("check", "--show-files", cwd=root)
    assert shown.stdout.splitlines() == [str(root / "a/b/c.py"), str(root / "stubs/s.pyi")]


def test_stubs_get_no_rule_findings(tmp_path: Path) -> None:
    # A stub never runs: an `async def` with a blocking body in a `.pyi` (generated stubs with
    # bodies) is not reported, next to a module of its own or alone; its module still is.
    files = {"pkg/video.py": SLEEPY, "pkg/video.pyi": SLEEPY, "stubs/alone.pyi": SLEEPY}
    root = make_project(tmp_path / "p", files)
    proc = run_cli("check", *ONLY, "--no-cache", "--output-format", "concise", cwd=root)
    assert reported_files(proc.stdout) == {"pkg/video.py"}
    # A stub Python cannot parse is still not analysed, and says so.
    (root / "stubs" / "broken.pyi").write_text("async def handler(:\n")
    proc = run_cli("check", "--no-cache", "--output-format", "concise", cwd=root)
    assert "broken.pyi:1:" in proc.stdout and "FPI001" in proc.stdout


VENDORED_API = """\
from fastapi import FastAPI

app = FastAPI()


@app.post("/file_parse")
async def parse(name: str):
    with open(name) as f:
        return f.read()
"""

VENDORED_HELPER = "import time\n\n\ndef settle():\n    time.sleep(1)\n"

PROJECT_ROUTE = """\
from fastapi import FastAPI

from pkg.thirdparty.lib.helpers import settle

app = FastAPI()


@app.get("/")
async def index():
    settle()
"""


def test_vendored_folders_are_indexed_but_not_reported(tmp_path: Path) -> None:
    # xinference vendors MinerU's own API server under `thirdparty/`: nothing starts it, and its
    # code is upstream's. The project's own call into vendored code is still followed.
    files = {
        "pkg/__init__.py": "",
        "pkg/thirdparty/__init__.py": "",
        "pkg/thirdparty/lib/__init__.py": "",
        "pkg/thirdparty/lib/api.py": VENDORED_API,
        "pkg/thirdparty/lib/helpers.py": VENDORED_HELPER,
        "pkg/_vendor/sleepy.py": SLEEPY,
        # Named like a vendored folder but a module, and a folder that only starts alike.
        "pkg/vendor.py": SLEEPY,
        "pkg/vendors/sleepy.py": SLEEPY,
        "pkg/main.py": PROJECT_ROUTE,
    }
    root = make_project(tmp_path / "p", files)
    select = ("--select", "FPI101,FPI104,FPI110")
    proc = run_cli("check", *select, "--no-cache", "--output-format", "concise", cwd=root)
    assert reported_files(proc.stdout) == {"pkg/main.py", "pkg/vendor.py", "pkg/vendors/sleepy.py"}
    assert "pkg/main.py:10:5: FPI110 `settle()` blocks" in proc.stdout
    # An unparsable vendored file was still not analysed: FPI001 says so.
    (root / "pkg" / "_vendor" / "broken.py").write_text("def broken(:\n")
    proc = run_cli("check", *select, "--no-cache", "--output-format", "concise", cwd=root)
    assert any(row.startswith("pkg/_vendor/broken.py:1:") for row in concise_rows(proc.stdout))
    assert "FPI001" in proc.stdout
    # `vendored-dirs = []` reports vendored code like the project's own.
    (root / "pkg" / "_vendor" / "broken.py").unlink()
    (root / "pyproject.toml").write_text(
        '[project]\nname = "demo"\n\n[tool.fastapi-lint]\nvendored-dirs = []\n'
    )
    proc = run_cli("check", *select, "--no-cache", "--output-format", "concise", cwd=root)
    assert {"pkg/thirdparty/lib/api.py", "pkg/_vendor/sleepy.py"} <= reported_files(proc.stdout)


def test_vendored_dirs_takes_folder_names(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", {"app.py": SLEEPY}, 'vendored-dirs = ["pkg/_vendor"]\n')
    proc = run_cli("check", "--no-cache", cwd=root)
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0 and "vendored-dirs" in proc.stderr


# -- fixes --------------------------------------------------------------------------------------


def test_fix_applies_only_safe_fixes(proj: Path) -> None:
    proc = run_cli("check", *ONLY, "--no-cache", "--fix", cwd=proj)
    assert proc.returncode == 1  # FPI101's fix is unsafe: nothing changed
    assert (proj / "app.py").read_text() == SLEEPY


def test_fix_with_unsafe_fixes(proj: Path) -> None:
    proc = run_cli("check", *ONLY, "--no-cache", "--fix", "--unsafe-fixes", cwd=proj)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.endswith("Found 1 error (1 fixed, 0 remaining).\n")
    assert (proj / "app.py").read_text() == FIXED
    again = run_cli("check", *ONLY, "--no-cache", "--fix", "--unsafe-fixes", cwd=proj)
    assert again.returncode == 0
    assert (proj / "app.py").read_text() == FIXED


def test_unsafe_fixes_from_config(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", {"app.py": SLEEPY}, "unsafe-fixes = true\n")
    run_cli("check", *ONLY, "--no-cache", "--fix", cwd=root)
    assert (root / "app.py").read_text() == FIXED
    root2 = make_project(tmp_path / "q", {"app.py": SLEEPY}, "unsafe-fixes = true\n")
    run_cli("check", *ONLY, "--no-cache", "--fix", "--no-unsafe-fixes", cwd=root2)
    assert (root2 / "app.py").read_text() == SLEEPY


def test_diff_writes_nothing_and_exits_1(proj: Path) -> None:
    before = (proj / "app.py").stat().st_mtime_ns
    proc = run_cli("check", *ONLY, "--no-cache", "--diff", "--unsafe-fixes", cwd=proj)
    assert proc.returncode == 1
    assert "--- a/app.py\n+++ b/app.py\n" in proc.stdout
    assert "-    time.sleep(1)\n+    await asyncio.sleep(1)\n" in proc.stdout
    assert "Would fix 1 error in 1 file." in proc.stderr
    assert (proj / "app.py").read_text() == SLEEPY
    assert (proj / "app.py").stat().st_mtime_ns == before


def test_diff_without_changes_exits_0(proj: Path) -> None:
    proc = run_cli("check", *ONLY, "--no-cache", "--diff", cwd=proj)  # only an unsafe fix
    assert proc.returncode == 0
    assert proc.stdout == ""


def test_fix_only_reports_nothing_and_exits_0(proj: Path) -> None:
    proc = run_cli("check", *ONLY, "--no-cache", "--fix-only", cwd=proj)
    assert proc.returncode == 0
    assert "FPI101" not in proc.stdout
    proc = run_cli("check", *ONLY, "--no-cache", "--fix-only", "--unsafe-fixes", cwd=proj)
    assert proc.returncode == 0
    assert "Fixed 1 error." in proc.stderr
    assert (proj / "app.py").read_text() == FIXED


def test_exit_non_zero_on_fix(proj: Path) -> None:
    proc = run_cli(
        "check", *ONLY, "--no-cache", "--fix", "--unsafe-fixes", "--exit-non-zero-on-fix", cwd=proj
    )
    assert proc.returncode == 1
    assert (proj / "app.py").read_text() == FIXED
    # Nothing left to fix: back to 0.
    proc = run_cli(
        "check", *ONLY, "--no-cache", "--fix", "--unsafe-fixes", "--exit-non-zero-on-fix", cwd=proj
    )
    assert proc.returncode == 0


def test_show_fixes(proj: Path) -> None:
    proc = run_cli(
        "check", *ONLY, "--no-cache", "--fix", "--unsafe-fixes", "--show-fixes", cwd=proj
    )
    assert "Fixed:" in proc.stderr
    assert "app.py: 1 x FPI101" in proc.stderr


def test_add_noqa_then_clean_and_idempotent(tmp_path: Path) -> None:
    body = (
        "import time\n\n\nasync def a():\n"
        "    time.sleep(1)\n"
        "    time.sleep(2)  # noqa: FPI202\n"
        "    time.sleep(\n        3\n    )\n"
        '    text = """\n    time.sleep(4)\n    """\n'
    )
    root = make_project(tmp_path / "p", {"n.py": body})
    proc = run_cli("check", *ONLY, "--no-cache", "--add-noqa", cwd=root)
    assert proc.returncode == 0, proc.stderr
    assert "Added 3 noqa directives." in proc.stderr
    text = (root / "n.py").read_text()
    assert "    time.sleep(1)  # noqa: FPI101\n" in text
    assert "    time.sleep(2)  # noqa: FPI101, FPI202\n" in text
    assert "    time.sleep(  # noqa: FPI101\n" in text
    assert run_cli("check", *ONLY, "--no-cache", cwd=root).returncode == 0
    again = run_cli("check", *ONLY, "--no-cache", "--add-noqa", cwd=root)
    assert "Added 0 noqa directives." in again.stderr
    assert (root / "n.py").read_text() == text


# -- reporting options ---------------------------------------------------------------------------


def test_statistics(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", {"a.py": SLEEPY, "b.py": SLEEPY})
    proc = run_cli("check", *ONLY, "--no-cache", "--statistics", cwd=root)
    assert proc.returncode == 1
    assert proc.stdout.splitlines() == ["2\tFPI101\t    blocking-sleep-in-async"]
    proc = run_cli("check", *ONLY, "--no-cache", "--statistics", "--unsafe-fixes", cwd=root)
    assert proc.stdout.splitlines() == ["2\tFPI101\t[*] blocking-sleep-in-async"]


def test_output_file(proj: Path, tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    proc = run_cli(
        "check",
        *ONLY,
        "--no-cache",
        "--output-format",
        "json",
        "--output-file",
        str(target),
        cwd=proj,
    )
    assert proc.returncode == 1
    assert proc.stdout == ""
    assert [item["code"] for item in json.loads(target.read_text())] == ["FPI101"]


def test_show_settings(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", {"a.py": CLEAN}, 'extend-select = ["FPI1"]\n')
    proc = run_cli("check", "--show-settings", "--ignore", "FPI101", cwd=root)
    assert proc.returncode == 0
    assert f"config_file = PosixPath('{root / 'pyproject.toml'}')" in proc.stdout
    assert "extend_select = ('FPI1',)" in proc.stdout
    assert "ignore = ('FPI101',)" in proc.stdout


def test_jobs_gives_the_same_output(tmp_path: Path) -> None:
    files = {f"pkg/m{i:02d}.py": SLEEPY if i % 3 == 0 else CLEAN for i in range(40)}
    root = make_project(tmp_path / "p", files)
    one = run_cli("check", *ONLY, "--no-cache", "--jobs", "1", cwd=root)
    two = run_cli("check", *ONLY, "--no-cache", "--jobs", "2", cwd=root)
    assert one.returncode == two.returncode == 1
    assert one.stdout == two.stdout
    assert len(concise_rows(one.stdout)) == 14
    bad = run_cli("check", "--jobs", "0", cwd=root)
    assert bad.returncode == 2


# -- standard input ---------------------------------------------------------------------------


def test_stdin_with_filename(proj: Path) -> None:
    proc = run_cli("check", *ONLY, "-", "--stdin-filename", "sub/web.py", cwd=proj, stdin=SLEEPY)
    assert proc.returncode == 1
    assert concise_rows(proc.stdout) == ["sub/web.py:5:5: FPI101"]
    proc = run_cli("check", *ONLY, "-", "--stdin-filename", "web.py", cwd=proj, stdin=CLEAN)
    assert proc.returncode == 0


@pytest.mark.slow
def test_stdin_fix_prints_the_fixed_source(proj: Path) -> None:
    proc = run_cli_process(
        "check",
        *ONLY,
        "-",
        "--stdin-filename",
        "web.py",
        "--fix",
        "--unsafe-fixes",
        cwd=proj,
        stdin=SLEEPY,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == FIXED
    assert "1 fixed" in proc.stderr
    assert not (proj / "web.py").exists()
    # Nothing to fix: the source comes back unchanged.
    proc = run_cli_process(
        "check", *ONLY, "-", "--stdin-filename", "web.py", "--fix", cwd=proj, stdin=SLEEPY
    )
    assert proc.stdout == SLEEPY
    assert proc.returncode == 1


def test_stdin_uses_the_project_config(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", {"a.py": CLEAN}, 'ignore = ["FPI101"]\n')
    proc = run_cli("check", "-", "--stdin-filename", "a.py", cwd=root, stdin=SLEEPY)
    assert proc.returncode == 0, proc.stdout


# -- configuration ------------------------------------------------------------------------------


def test_unknown_key_names_key_and_file(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", {"a.py": CLEAN}, 'selectt = ["FPI1"]\n')
    proc = run_cli("check", "--no-cache", cwd=root)
    assert proc.returncode == 2
    assert "selectt" in proc.stderr and str(root / "pyproject.toml") in proc.stderr


def test_unknown_rules_key(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", {"a.py": CLEAN}, "[tool.fastapi-lint.rules]\nnope = 1\n")
    proc = run_cli("check", "--no-cache", cwd=root)
    assert proc.returncode == 2
    assert "rules.nope" in proc.stderr and "pyproject.toml" in proc.stderr


@pytest.mark.parametrize(
    ("config", "key"),
    [
        ('select = "FPI1"\n', "select"),
        ("unsafe-fixes = 1\n", "unsafe-fixes"),
        ('target-version = "3.10"\n', "target-version"),
        ("per-file-ignores = 3\n", "per-file-ignores"),
        ('[tool.fastapi-lint.rules]\nfastapi-version = "new"\n', "rules.fastapi-version"),
        ('[tool.fastapi-lint.rules]\nblocking-calls = [{ cal = "x" }]\n', "rules.blocking-calls"),
    ],
)
def test_bad_value_names_key_and_file(tmp_path: Path, config: str, key: str) -> None:
    root = make_project(tmp_path / "p", {"a.py": CLEAN}, config)
    proc = run_cli("check", "--no-cache", cwd=root)
    assert proc.returncode == 2, proc.stdout
    assert f"`{key}`" in proc.stderr and "pyproject.toml" in proc.stderr


def test_bad_selector_in_config_and_flag(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", {"a.py": CLEAN}, 'ignore = ["FPI9"]\n')
    proc = run_cli("check", "--no-cache", cwd=root)
    assert proc.returncode == 2
    assert "`ignore`" in proc.stderr and "FPI9" in proc.stderr and "pyproject.toml" in proc.stderr
    root = make_project(
        tmp_path / "q", {"a.py": CLEAN}, '[tool.fastapi-lint.per-file-ignores]\n"x.py" = ["nope"]\n'
    )
    proc = run_cli("check", "--no-cache", cwd=root)
    assert proc.returncode == 2 and "per-file-ignores.x.py" in proc.stderr
    proc = run_cli("check", "--no-cache", "--extend-select", "blocking-sleep", cwd=root)
    assert proc.returncode == 2


def test_bad_selector_on_command_line(proj: Path) -> None:
    proc = run_cli("check", "--no-cache", "--select", "sleepy", cwd=proj)
    assert proc.returncode == 2
    assert "--select" in proc.stderr and "sleepy" in proc.stderr


def test_invalid_toml(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", {"a.py": CLEAN}, "select = [\n")
    proc = run_cli("check", "--no-cache", cwd=root)
    assert proc.returncode == 2 and "invalid TOML" in proc.stderr


def test_fastapi_lint_toml_wins_over_pyproject(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", {"app.py": SLEEPY}, 'select = ["FPI101"]\n')
    (root / "fastapi-lint.toml").write_text('ignore = ["FPI101"]\n')
    proc = run_cli("check", "--no-cache", cwd=root)
    assert proc.returncode == 0, proc.stdout
    shown = run_cli("check", "--show-settings", cwd=root)
    assert f"config_file = PosixPath('{root / 'fastapi-lint.toml'}')" in shown.stdout


def test_nearest_config_upward_and_explicit_config(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", {"sub/app.py": SLEEPY}, 'ignore = ["FPI101"]\n')
    assert run_cli("check", "--no-cache", "sub", cwd=root).returncode == 0
    assert run_cli("check", "--no-cache", ".", cwd=root / "sub").returncode == 0
    other = tmp_path / "other.toml"
    other.write_text('select = ["FPI101"]\n')
    proc = run_cli("check", "--no-cache", "--config", str(other), cwd=root)
    assert proc.returncode == 1
    missing = run_cli("check", "--config", str(tmp_path / "none.toml"), cwd=root)
    assert missing.returncode == 2


def test_pyproject_without_our_table_is_skipped(tmp_path: Path) -> None:
    outer = make_project(tmp_path / "outer", {}, 'ignore = ["FPI101"]\n')
    inner = outer / "inner"
    inner.mkdir()
    (inner / "pyproject.toml").write_text('[project]\nname = "inner"\n')
    (inner / "app.py").write_text(SLEEPY)
    proc = run_cli("check", "--no-cache", ".", cwd=inner)
    assert proc.returncode == 0, proc.stdout


# -- rule, clean ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["FPI101", "fpi101", "blocking-sleep-in-async"])
def test_rule_by_code_or_name(name: str) -> None:
    proc = run_cli("rule", name)
    assert proc.returncode == 0
    assert proc.stdout.startswith("# blocking-sleep-in-async (FPI101)\n")
    assert "## Fix safety" in proc.stdout


def test_rule_all_and_unknown() -> None:
    proc = run_cli("rule", "--all")
    assert proc.returncode == 0
    for code in ("FPI001", "FPI002", "FPI101"):
        assert f"({code})" in proc.stdout
    assert run_cli("rule", "FPI999").returncode == 2
    assert run_cli("rule").returncode == 2


def test_clean_removes_the_cache(proj: Path) -> None:
    run_cli("check", *ONLY, cwd=proj)
    cache = proj / ".fastapi_lint_cache"
    assert (cache / ".gitignore").read_text().strip().endswith("*")
    proc = run_cli("clean", cwd=proj)
    assert proc.returncode == 0
    assert not cache.exists()
    assert "No cache" in run_cli("clean", cwd=proj).stdout


def test_cache_dir_from_environment(proj: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "cachehere"
    run_cli("check", *ONLY, cwd=proj, env={"FASTAPI_LINT_CACHE_DIR": str(elsewhere)})
    assert elsewhere.is_dir()
    assert not (proj / ".fastapi_lint_cache").exists()


def test_no_cache_writes_no_cache(proj: Path) -> None:
    run_cli("check", *ONLY, "--no-cache", cwd=proj)
    assert not (proj / ".fastapi_lint_cache").exists()


def test_corrupt_cache_is_ignored_and_rewritten(proj: Path) -> None:
    first = run_cli("check", *ONLY, cwd=proj)
    for path in (proj / ".fastapi_lint_cache").rglob("*.json"):
        path.write_text("{not json")
    second = run_cli("check", *ONLY, "--verbose", cwd=proj)
    assert second.stdout == first.stdout
    assert "(0 from cache)" in second.stderr
    third = run_cli("check", *ONLY, "--verbose", cwd=proj)
    assert "(2 from cache)" in third.stderr


def test_cached_findings_follow_edits(proj: Path) -> None:
    assert run_cli("check", *ONLY, cwd=proj).returncode == 1
    (proj / "app.py").write_text(CLEAN + "\n")
    assert run_cli("check", *ONLY, cwd=proj).returncode == 0
    (proj / "app.py").write_text(SLEEPY)
    assert run_cli("check", *ONLY, cwd=proj).returncode == 1


def test_version_and_help() -> None:
    proc = run_cli_process("--version")
    assert proc.returncode == 0 and proc.stdout.startswith("fastapi-lint 0.1.0")
    assert run_cli_process().returncode == 2


@pytest.mark.slow
def test_python_dash_m_and_console_script_agree(proj: Path) -> None:
    script = Path(sys.executable).parent / "fastapi-lint"
    if not script.exists():
        pytest.skip("console script not installed next to this interpreter")
    env = dict(os.environ, NO_COLOR="1")
    direct = subprocess.run(
        [str(script), "check", *ONLY, "--no-cache"],
        cwd=proj,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    module = run_cli_process("check", *ONLY, "--no-cache", cwd=proj)
    assert (direct.returncode, direct.stdout) == (module.returncode, module.stdout)


def test_no_python_files_warns_and_exits_0(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", {"notes.txt": "hello\n"})
    proc = run_cli("check", "--no-cache", cwd=root)
    assert proc.returncode == 0
    assert "no Python files found" in proc.stderr


def test_warm_run_imports_no_libcst(proj: Path) -> None:
    """DESIGN.md: the warm path (every file a cache hit) imports no LibCST."""
    assert run_cli("check", *ONLY, cwd=proj).returncode == 1  # fills the cache
    code = (
        "import sys\n"
        "from fastapi_lint.cli import main\n"
        "rc = main(['check', '--select', 'FPI101', '--verbose'])\n"
        "print(rc, 'libcst' in sys.modules)\n"
    )
    env = dict(os.environ, NO_COLOR="1")
    env.pop("FASTAPI_LINT_CACHE_DIR", None)
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=proj, capture_output=True, text=True, env=env, check=False
    )
    assert "(2 from cache)" in proc.stderr, proc.stderr
    assert proc.stdout.splitlines()[-1] == "1 False"
    assert "app.py:5:5: FPI101" in proc.stdout


@pytest.mark.slow
def test_fix_in_the_process_pool(tmp_path: Path) -> None:
    files = {f"pkg/m{i:02d}.py": SLEEPY for i in range(30)}
    root = make_project(tmp_path / "p", files)
    proc = run_cli_process(
        "check", *ONLY, "--no-cache", "--fix", "--unsafe-fixes", "--jobs", "2", cwd=root
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.endswith("Found 30 errors (30 fixed, 0 remaining).\n")
    assert all((root / name).read_text() == FIXED for name in files)


def test_add_noqa_with_diff_shows_and_writes_nothing(proj: Path) -> None:
    proc = run_cli("check", *ONLY, "--no-cache", "--add-noqa", "--diff", cwd=proj)
    assert proc.returncode == 1
    assert "+    time.sleep(1)  # noqa: FPI101\n" in proc.stdout
    assert (proj / "app.py").read_text() == SLEEPY


def test_noqa_inside_a_string_suppresses_nothing(tmp_path: Path) -> None:
    body = (
        "import time\n\n\nasync def a():\n"
        '    time.sleep(1); note = "# noqa: FPI101"\n'
        '    time.sleep(2); note = "x"  # noqa: FPI101\n'
    )
    root = make_project(tmp_path / "p", {"n.py": body})
    proc = run_cli("check", *ONLY, "--no-cache", cwd=root)
    assert concise_rows(proc.stdout) == ["n.py:5:5: FPI101"]


def test_force_exclude_skips_excluded_files_named_explicitly(tmp_path: Path) -> None:
    """pre-commit names files one by one; --force-exclude (set by our hooks) still honours the
    excludes, while a plain run lints an explicit file even when excluded (as ruff does)."""
    (tmp_path / "pyproject.toml").write_text('[tool.fastapi-lint]\nextend-exclude = ["legacy"]\n')
    legacy = tmp_path / "legacy"
    legacy.mkdir()
    target = legacy / "old.py"
    target.write_text("import time\n\n\nasync def f():\n    time.sleep(1)\n")
    plain = run_cli("check", str(target), "--no-cache")
    assert plain.returncode == 1 and "FPI101" in plain.stdout
    forced = run_cli("check", str(target), "--no-cache", "--force-exclude")
    assert forced.returncode == 0, forced.stdout + forced.stderr
    assert "FPI101" not in forced.stdout


@pytest.mark.slow
def test_closed_pipe_is_not_a_traceback() -> None:
    """`fastapi-lint rule --all | head`: the reader is gone before the output is written."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "fastapi_lint", "rule", "--all"],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
        )
    finally:
        os.close(write_end)
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode == 1
