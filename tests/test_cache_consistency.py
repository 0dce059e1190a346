"""The cache never changes an answer: after any run, whatever its flags, a plain `check` reports
exactly what `check --no-cache` reports for the same files and settings.

Issue 11, item 5: `check --diff` cached the findings that would remain *after* its fixes, so the
next plain `check` lost every fixable finding. Each case below runs one flag combination on a
fresh copy of the example app (cross-module facts, fixable and unfixable findings in most
families), then compares plain runs, concise and JSON, with and without the cache. The runs are
in-process (`cli.main`) to stay fast; two cases go through real subprocesses.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import ROOT, run_cli

from fastapi_lint.cli import main

EXAMPLE = ROOT / "examples"

# Each combination is what a user or a hook might run before a plain `check`.
READ_ONLY = [
    ("--diff",),
    ("--diff", "--output-format", "json"),
    ("--diff", "--unsafe-fixes"),
    ("--diff", "--statistics"),
    ("--diff", "--show-fixes"),
    ("--diff", "--fix-only"),
    ("--diff", "--fix"),
    ("--diff", "--add-noqa"),
    ("--diff", "--select", "FPI2,FPI4"),
    ("--diff", "--ignore", "FPI105"),
    ("--statistics",),
    ("--show-fixes",),
    ("--output-format", "json"),
    ("--output-format", "sarif"),
    ("--output-format", "full"),
    ("--unsafe-fixes",),
    ("--select", "FPI105,FPI203"),
    ("--ignore", "FPI1"),
    ("--exit-zero",),
]
WRITING = [
    ("--fix",),
    ("--fix", "--unsafe-fixes"),
    ("--fix-only",),
    ("--fix", "--show-fixes"),
    ("--fix", "--output-format", "json"),
    ("--add-noqa",),
]


def _combinations(flag_sets, quick):
    """Every combination runs in CI; the inner loop (`-m "not slow"`) keeps `quick` alone."""
    return [
        pytest.param(flags, marks=() if flags == quick else pytest.mark.slow) for flags in flag_sets
    ]


def _project(folder: Path) -> Path:
    root = folder / "shop"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns(".fastapi_lint_cache"))
    return root


def _run(capsys, *args: str) -> tuple[int, str]:
    capsys.readouterr()
    code = main(["check", *args])
    return code, capsys.readouterr().out


PLAIN = {"concise": (), "json": ("--output-format", "json")}


def _reference(capsys) -> dict[str, tuple[int, str]]:
    return {label: _run(capsys, *extra, "--no-cache") for label, extra in PLAIN.items()}


def _assert_cached_runs_match(capsys, reference: dict[str, tuple[int, str]]) -> None:
    """Plain runs through the cache equal the uncached ones: the first (entries validated
    against the index) and the second (entries trusted by project state) alike."""
    for label, extra in PLAIN.items():
        assert _run(capsys, *extra) == reference[label], f"{label}, first cached run"
    assert _run(capsys) == reference["concise"], "concise, second cached run"


@pytest.fixture
def in_project(tmp_path_factory, monkeypatch):
    def enter(root: Path) -> Path:
        monkeypatch.chdir(root)
        monkeypatch.delenv("FASTAPI_LINT_CACHE_DIR", raising=False)
        monkeypatch.setenv("NO_COLOR", "1")
        return root

    return enter


@pytest.fixture(scope="module")
def shared_shop(tmp_path_factory) -> Path:
    return _project(tmp_path_factory.mktemp("cache-consistency"))


@pytest.fixture(scope="module")
def shop_reference(shared_shop: Path) -> dict[str, tuple[int, str]]:
    """--no-cache output of the unchanged example app (computed once for the read-only runs)."""
    import contextlib
    import io
    import os

    results = {}
    old = os.getcwd()
    os.chdir(shared_shop)
    try:
        for label, extra in PLAIN.items():
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                code = main(["check", *extra, "--no-cache"])
            results[label] = (code, out.getvalue())
    finally:
        os.chdir(old)
    return results


@pytest.mark.parametrize("flags", _combinations(READ_ONLY, ("--diff",)), ids=" ".join)
def test_plain_check_after_read_only_flags_equals_no_cache(
    flags: tuple[str, ...], shared_shop: Path, shop_reference, in_project, capsys
) -> None:
    root = in_project(shared_shop)
    shutil.rmtree(root / ".fastapi_lint_cache", ignore_errors=True)
    before = {p: p.read_bytes() for p in root.rglob("*.py")}
    _run(capsys, *flags)
    assert {p: p.read_bytes() for p in root.rglob("*.py")} == before
    _assert_cached_runs_match(capsys, shop_reference)
    # The comparison means something: the app has fixable findings a --diff run hid.
    code, concise = shop_reference["concise"]
    assert code == 1 and "fixable with --fix" in concise
    findings = json.loads(shop_reference["json"][1])
    assert sum(1 for f in findings if f["fix"] is not None) >= 5


@pytest.mark.parametrize("flags", _combinations(WRITING, ("--fix",)), ids=" ".join)
def test_plain_check_after_writing_flags_equals_no_cache(
    flags: tuple[str, ...], tmp_path: Path, in_project, capsys
) -> None:
    root = in_project(_project(tmp_path))
    before = {p: p.read_bytes() for p in root.rglob("*.py")}
    _run(capsys, *flags)
    assert {p: p.read_bytes() for p in root.rglob("*.py")} != before
    _assert_cached_runs_match(capsys, _reference(capsys))


@pytest.mark.slow
def test_diff_then_plain_check_in_subprocesses(tmp_path: Path) -> None:
    """The issue's own reproduction, as a user runs it."""
    root = _project(tmp_path)
    reference = run_cli("check", "--no-cache", cwd=root)
    assert reference.returncode == 1
    diff = run_cli("check", "--diff", cwd=root)
    assert diff.returncode == 1 and diff.stdout.startswith("--- a/")
    after = run_cli("check", cwd=root)
    assert (after.returncode, after.stdout) == (reference.returncode, reference.stdout)


@pytest.mark.slow
def test_fix_then_plain_check_in_subprocesses(tmp_path: Path) -> None:
    root = _project(tmp_path)
    fixed = run_cli("check", "--fix", "--output-format", "json", cwd=root)
    assert fixed.returncode == 1, fixed.stderr
    after = run_cli("check", "--output-format", "json", cwd=root)
    reference = run_cli("check", "--no-cache", "--output-format", "json", cwd=root)
    assert json.loads(after.stdout) == json.loads(reference.stdout)
    assert json.loads(after.stdout) == json.loads(fixed.stdout)
