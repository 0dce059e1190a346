"""Fixture-driven rule tests.

Every `tests/fixtures/<CODE>/**/*.py` file (goldens `*.fixed.py` aside) marks the lines that must
be flagged with `# error: CODE` (several codes comma-separated; `CODE:COL` pins the 1-based column).
Every finding must be expected and every expectation found. Where fixes apply, the fixed file must
equal the `.fixed.py` golden beside it, compile, and stay unchanged by a second `--fix`.
"""

from __future__ import annotations

import re
import shutil
from collections import defaultdict
from pathlib import Path
from typing import NamedTuple

import pytest
from conftest import FIXTURES, run_cli, run_json

from fastapi_lint.syntax import compiles

EXPECT = re.compile(r"#\s*error:\s*(?P<items>FPI\d{3}(?::\d+)?(?:\s*,\s*FPI\d{3}(?::\d+)?)*)")


def fixture_files() -> list[Path]:
    return sorted(p for p in FIXTURES.rglob("*.py") if not p.name.endswith(".fixed.py"))


def expectations(path: Path) -> set[tuple[int, str, int | None]]:
    expected = set()
    text = path.read_bytes().decode("utf-8", "replace")
    for row, line in enumerate(text.splitlines(), 1):
        match = EXPECT.search(line)
        if not match:
            continue
        for item in re.split(r"\s*,\s*", match.group("items")):
            code, _, col = item.partition(":")
            expected.add((row, code, int(col) if col else None))
    return expected


@pytest.fixture(scope="session")
def findings_by_file() -> dict[str, list[dict]]:
    """One real CLI run over the whole fixture tree (all rules, opt-in ones included)."""
    items = run_json("check", str(FIXTURES), "--no-cache", "--extend-select", "ALL")
    by_file: dict[str, list[dict]] = defaultdict(list)
    for item in items:
        by_file[str(Path(item["filename"]).resolve())].append(item)
    return by_file


@pytest.mark.parametrize("path", fixture_files(), ids=lambda p: p.relative_to(FIXTURES).as_posix())
def test_fixture_findings(path: Path, findings_by_file) -> None:
    expected = expectations(path)
    got = findings_by_file.get(str(path.resolve()), [])
    got_rows = {(f["location"]["row"], f["code"]) for f in got}
    want_rows = {(row, code) for row, code, _ in expected}
    missing = sorted(want_rows - got_rows)
    unexpected = sorted(
        (f["location"]["row"], f["code"], f["message"])
        for f in got
        if (f["location"]["row"], f["code"]) not in want_rows
    )
    assert not missing and not unexpected, (
        f"\nmissing (row, code): {missing}\nunexpected (row, code, message): {unexpected}"
    )
    for row, code, col in expected:
        if col is not None:
            cols = {
                f["location"]["column"]
                for f in got
                if (f["location"]["row"], f["code"]) == (row, code)
            }
            assert col in cols, f"{code} at row {row}: expected column {col}, got {sorted(cols)}"


def test_every_fixture_names_its_family(findings_by_file) -> None:
    """No node gets two findings of the same family (one problem, one finding)."""
    for path, items in findings_by_file.items():
        seen: dict[tuple, str] = {}
        for f in items:
            key = (
                f["location"]["row"],
                f["location"]["column"],
                f["end_location"]["row"],
                f["end_location"]["column"],
                f["code"][:4],
            )
            assert key not in seen, f"{path}: {f['code']} and {seen[key]} report the same node"
            seen[key] = f["code"]


FIX_ALL = ("--no-cache", "--fix", "--unsafe-fixes", "--extend-select", "ALL")
SUMMARY = re.compile(
    r"^Found (?P<total>\d+) errors? \((?P<fixed>\d+) fixed, (?P<left>\d+) remaining\)\.$"
)


class FixedTree(NamedTuple):
    root: Path
    remaining: int  # findings left after the fixes (the fixture tree keeps unfixable ones)


def assert_clean_run(proc) -> None:
    """Exit 1 (findings remain), no crash, no FPI002, no fix dropped for not compiling."""
    assert proc.returncode == 1, (proc.returncode, proc.stderr)
    assert "Traceback" not in proc.stderr, proc.stderr
    assert "was dropped" not in proc.stderr, proc.stderr
    assert " FPI002 " not in proc.stdout, proc.stdout


@pytest.fixture(scope="session")
def fixed_tree(tmp_path_factory) -> FixedTree:
    """The fixture tree after `--fix --unsafe-fixes` (run once for every golden test)."""
    target = tmp_path_factory.mktemp("fixed") / "fixtures"
    shutil.copytree(FIXTURES, target)
    proc = run_cli("check", str(target), *FIX_ALL)
    assert_clean_run(proc)
    summary = SUMMARY.match(proc.stdout.splitlines()[-1])
    assert summary is not None, proc.stdout.splitlines()[-1]
    assert int(summary["fixed"]) > 0
    return FixedTree(target, int(summary["left"]))


@pytest.mark.parametrize("path", fixture_files(), ids=lambda p: p.relative_to(FIXTURES).as_posix())
def test_fix_golden(path: Path, fixed_tree: FixedTree, update_goldens: bool) -> None:
    rel = path.relative_to(FIXTURES)
    fixed = (fixed_tree.root / rel).read_bytes()
    golden = path.with_name(path.stem + ".fixed.py")
    original = path.read_bytes()
    if update_goldens:
        if fixed != original:
            golden.write_bytes(fixed)
        elif golden.exists():
            golden.unlink()
    if fixed == original:
        assert not golden.exists(), f"{golden.name} exists but no fix applies to {rel}"
        return
    assert golden.exists(), f"fixes change {rel}; run pytest --update-goldens to record them"
    assert fixed == golden.read_bytes(), f"fixed {rel} differs from {golden.name}"
    # compile() as the engine validates fixes: a fixture written in Python 3.12 syntax is
    # compiled in its lowered form on an older Python.
    assert compiles(fixed.decode("utf-8"), str(rel)), f"fixed {rel} does not compile"


def test_fixes_are_idempotent(fixed_tree: FixedTree) -> None:
    root = fixed_tree.root
    before = {p: p.read_bytes() for p in root.rglob("*.py")}
    proc = run_cli("check", str(root), *FIX_ALL)
    assert_clean_run(proc)
    # Nothing left to fix, and the same findings remain.
    assert proc.stdout.splitlines()[-1] == f"Found {fixed_tree.remaining} errors.", proc.stdout
    changed = [str(p.relative_to(root)) for p, b in before.items() if p.read_bytes() != b]
    assert not changed, f"a second --fix changed {changed}"
