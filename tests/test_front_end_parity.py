"""The CLI, the flake8 plugin and the language server report the same findings on `examples/`.

Compared live (the example app grows with the rules): the files the CLI checks, then the same
files through the real flake8 and through `fastapi-lint server` over stdio. flake8 cannot call
plugins on a file it cannot parse, so files with FPI001 are left out of its side only.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from conftest import ROOT, run_cli, run_json
from lsp_client import LSPClient
from test_flake8_plugin import flake8_findings

from fastapi_lint.positions import from_lsp, split_lines

pytestmark = pytest.mark.slow

EXAMPLES = ROOT / "examples"

Item = tuple[str, int, int, str, str]


def cli_side(examples: Path) -> tuple[list[Path], set[Item]]:
    listing = run_cli("check", ".", "--show-files", cwd=examples)
    assert listing.returncode == 0, listing.stderr
    files = [Path(line) for line in listing.stdout.splitlines() if line.strip()]
    items = run_json("check", ".", "--no-cache", cwd=examples)
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
    return [f if f.is_absolute() else (examples / f).resolve() for f in files], found


def lsp_side(examples: Path, files: list[Path]) -> set[Item]:
    found = set()
    client = LSPClient()
    try:
        client.initialize(examples)
        for path in files:
            text = path.read_text(encoding="utf-8")
            lines = split_lines(text)
            for diagnostic in client.open(path, text):
                start = diagnostic["range"]["start"]
                row, column = from_lsp(lines, start["line"], start["character"])
                found.add((str(path), row, column, diagnostic["code"], diagnostic["message"]))
    finally:
        client.close()
    return found


def test_cli_flake8_and_lsp_agree_on_the_examples(tmp_path: Path) -> None:
    # A snapshot: the example app may change while the three front ends run one after another.
    examples = tmp_path / "examples"
    shutil.copytree(EXAMPLES, examples, ignore=shutil.ignore_patterns(".fastapi_lint_cache"))
    files, cli = cli_side(examples)
    assert files and cli, "the example app should have findings"
    unparsable = {item[0] for item in cli if item[3] == "FPI001"}

    py_files = [f for f in files if f.suffix == ".py"]
    flake8 = flake8_findings(
        "--select", "FPI", *(os.path.relpath(f, examples) for f in py_files), cwd=examples
    )
    expected_flake8 = {i for i in cli if i[0] not in unparsable and i[0].endswith(".py")}
    assert sorted(flake8 ^ expected_flake8) == [], "flake8 and the CLI disagree"

    lsp = lsp_side(examples, files)
    assert sorted(lsp ^ cli) == [], "the language server and the CLI disagree"
