"""Syntax newer than the running Python, and `target-version` (issue 11, item 3).

On Python 3.10/3.11 a file using 3.12 syntax (`type X = int`, `def f[T]()`, PEP 701 f-strings)
with a `time.sleep` in an `async def` got "All checks passed!" and exit 0: `ast` rejected it, so
the index had no facts from it, and no finding said so. Now LibCST parses it, the lowered text
gives the index its facts, and the syntax itself is FPI003 when `target-version` is older.

Every test here holds on every Python fastapi-lint supports: on 3.12+ the running `ast` parses
the file directly and must give the same findings as the lowering does on 3.10/3.11.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import libcst as cst
import pytest
from conftest import run_cli, run_json
from lsp_client import LSPClient

import fastapi_lint.engine.linting as engine_linting
from fastapi_lint import syntax
from fastapi_lint.config import load_settings, requires_python_target
from fastapi_lint.engine import LintOptions, lint_paths, lint_source
from fastapi_lint.flake8_plugin import FastAPILintPlugin
from fastapi_lint.index.summary import summarize_source
from fastapi_lint.rule import Fix, Rule

PY312 = textwrap.dedent(
    """\
    import time

    type Seconds = float


    async def wait_for[T](value: T, pause: Seconds) -> T:
        time.sleep(pause)
        return value


    def label(row: dict) -> str:
        return f"{row["name"]}: {f'{row['id']!r:>{8}}'}"
    """
)
PY312_FPI003_ROWS = [3, 6, 12, 12]


def make_project(root: Path, files: dict[str, str], config: str = "") -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text(
        f'[project]\nname = "demo"\nversion = "0"\n\n[tool.fastapi-lint]\n{config}'
    )
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def codes_and_rows(items: list[dict]) -> list[tuple[str, int]]:
    return sorted((f["code"], f["location"]["row"]) for f in items)


# -- the syntax module ---------------------------------------------------------------------


LOWERING_CASES = {
    "type statement": "type Alias[K: (int, str) = int] = dict[K, int]  # c\n",
    "multi-line type parameters": "def f[\n    T,  # a comment\n    *Ts,\n](x: T) -> T:\n    return x\n",
    "class type parameters": "class C[T](Base):\n    pass\nclass D[T]:\n    pass\n",
    "PEP 701 quotes": "y = f\"{x[\"k\"]} and {f'{x['a']!r:>{width}}'}\"\n",
    "PEP 701 comment": 'w = f"{x  # why\n}"\n',
    "PEP 701 backslash": 'v = f"{"\\n".join(rows)}"\n',
    "concatenated": 'z = ("a" f"{d["b"]}"\n     "c" f"{e}")\n',
    "except star": "try:\n    pass\nexcept* ValueError:\n    pass\n",
    "star subscript": "x = a[*b]\ny = a[1, *b]\n",
    "star annotation": "def f(*args: *Ts) -> None:\n    pass\n",
}


@pytest.mark.parametrize("name", sorted(LOWERING_CASES))
def test_lowered_text_parses_on_this_python_with_the_same_lines(name: str) -> None:
    text = LOWERING_CASES[name]
    lowered = syntax.lower_source(text)
    assert lowered is not None
    features, new_text = lowered
    assert features, "every case uses syntax from Python 3.11 or 3.12"
    tree = ast.parse(new_text)  # whatever Python runs the test
    assert new_text.count("\n") == text.count("\n")
    # Statements start on the rows they start on in the original.
    original_rows = [s.start.line for s in _cst_statements(text)]
    assert sorted({n.lineno for n in tree.body}) == sorted(set(original_rows))
    # Nothing is lowered that this Python parses as it is.
    if sys.version_info >= (3, 12):
        assert new_text == text


def _cst_statements(text: str):
    from libcst.metadata import MetadataWrapper, PositionProvider

    module = cst.parse_module(text)
    positions = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    return [positions[s] for s in module.body]


def test_lowering_keeps_the_calls_inside_f_strings() -> None:
    text = 'async def f(rows):\n    return f"{fetch(rows["id"])} {other()!r}"\n'
    parsed = syntax.parse_python(text)
    calls = {
        n.func.id
        for n in ast.walk(parsed.tree)
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
    }
    assert calls == {"fetch", "other"}


def test_newer_syntax_is_found_alike_on_every_python() -> None:
    """On 3.11 from LibCST (the text is lowered), on 3.12+ from the running `ast`."""
    found = [(f.row, f.column, f.version, f.what) for f in syntax.syntax_of(PY312)]
    assert found == [
        (3, 1, (3, 12), syntax.TYPE_STATEMENT),
        (6, 20, (3, 12), syntax.TYPE_PARAMETERS),
        (12, 12, (3, 12), syntax.PEP701.format(syntax.PEP701_QUOTE)),
        (12, 30, (3, 12), syntax.PEP701.format(syntax.PEP701_QUOTE)),
    ]
    old = "match x:\n    case 1:\n        pass\ntry:\n    pass\nexcept* E:\n    pass\n"
    assert [(f.row, f.version) for f in syntax.syntax_of(old)] == [(1, (3, 10)), (6, (3, 11))]
    # Old-style f-strings are not PEP 701: other quotes, `#` in a format spec.
    plain = "a = f\"{x['k']:#>10} {y!r}\" f'{z}'\nb = f'''{x[\"k\"]}'''\n"
    assert syntax.syntax_of(plain) == []


@pytest.mark.parametrize(
    "text",
    [
        "x = a[*b]\n",
        "x = a[* b]\n",
        "x = a[1, *b]\n",
        "x = a[f(1), *b]\n",
        "x = a[b[0], *c]\n",
        "x = a[\n    1,\n    *b,  # a comment\n]\n",
        "def f(*args: *Ts) -> None: ...\n",
        "try:\n    pass\nexcept *ValueError:\n    pass\n",
        "try:\n    pass\nexcept \\\n    * ValueError:\n    pass\n",
        "match (x):\n    case _:\n        pass\n",
        "if y:\n    match x:\n        case 1:\n            pass\n",
    ],
)
def test_the_cheap_text_test_never_misses_newer_syntax(text: str) -> None:
    """`ast_features` walks a tree only when the text shows a hint of newer syntax: the hints
    must cover every spelling."""
    assert syntax.syntax_of(text), text


def test_pep701_check_of_a_python_312_ast_segment() -> None:
    """The 3.12+ path (an `ast.JoinedStr` the running Python parsed) on a synthetic node, so it
    runs on 3.11 too."""
    text = 'x = f"{a["k"]}"\ny = f"{a[\'k\']}"\n'
    lines = syntax._Lines(text)
    flagged = ast.JoinedStr(values=[], lineno=1, col_offset=4, end_lineno=1, end_col_offset=15)
    plain = ast.JoinedStr(values=[], lineno=2, col_offset=4, end_lineno=2, end_col_offset=15)
    (found,) = syntax._pep701_in_segment(flagged, lines)
    assert (found.row, found.column, found.version) == (1, 5, (3, 12))
    assert syntax._pep701_in_segment(plain, lines) == []


def test_summary_of_a_312_module_has_its_facts() -> None:
    summary = summarize_source(PY312, "app.timing", False, "timing.py")
    assert summary is not None
    wait_for = summary["functions"]["wait_for"]
    assert wait_for["async"] is True
    assert [c[0] for c in wait_for["calls"]] == [["n", "time.sleep"]]
    assert summary["scopes"][""]["bindings"]["Seconds"][0] == "value"
    assert [row for row, *_ in summary["syntax"]] == PY312_FPI003_ROWS


def test_compiles_judges_312_text_by_312_rules() -> None:
    assert syntax.compiles("type X = int\nasync def f():\n    await g()\n", "m.py")
    # `await` outside an async function: compile() rejects it, lowered or not.
    assert not syntax.compiles("type X = int\ndef f():\n    await g()\n", "m.py")


def test_real_error_in_a_312_file_is_reported_where_it_is() -> None:
    error = syntax.best_syntax_error("type X = int\nx = (1 = 2)\n")
    assert error is not None and error.lineno == 2
    error = syntax.best_syntax_error("type X = int\ndef f(:\n    pass\n")
    assert error is not None and error.lineno >= 2
    assert syntax.best_syntax_error("def broken(:  # c\n    pass\n").lineno == 1


def test_requires_python_gives_the_target_version(tmp_path: Path) -> None:
    cases = {
        ">=3.12": "py312",
        ">=3.11,<4": "py311",
        "~=3.13": "py313",
        ">3.10": "py310",
        "==3.12.*": "py312",
        "<4": None,
    }
    for spec, expected in cases.items():
        (tmp_path / "pyproject.toml").write_text(f'[project]\nrequires-python = "{spec}"\n')
        assert requires_python_target(tmp_path, None) == expected, spec
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nrequires-python = ">=3.12"\n[tool.fastapi-lint]\ntarget-version = "py311"\n'
    )
    assert load_settings(tmp_path).target_version == "py311"  # the configuration wins
    (tmp_path / "pyproject.toml").write_text('[project]\nrequires-python = ">=3.12"\n')
    assert load_settings(tmp_path).target_version == "py312"
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n')
    assert load_settings(tmp_path).target_version == "py310"


# -- the CLI --------------------------------------------------------------------------------


def test_cli_analyses_312_syntax_and_reports_it_against_target(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", {"app/timing.py": PY312})
    proc = run_cli("check", "--no-cache", cwd=root)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "All checks passed" not in proc.stdout
    found = codes_and_rows(run_json("check", "--no-cache", cwd=root))
    assert found == sorted([("FPI101", 7)] + [("FPI003", r) for r in PY312_FPI003_ROWS])
    assert "FPI003 `type` statement needs Python 3.12, newer than target-version `py310`" in (
        proc.stdout
    )


def test_cli_target_version_312_reports_only_the_blocking_call(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", {"app/timing.py": PY312}, 'target-version = "py312"\n')
    assert codes_and_rows(run_json("check", "--no-cache", cwd=root)) == [("FPI101", 7)]
    # requires-python says the same when target-version is not set.
    (root / "pyproject.toml").write_text('[project]\nname = "d"\nrequires-python = ">=3.12"\n')
    assert codes_and_rows(run_json("check", "--no-cache", cwd=root)) == [("FPI101", 7)]


def test_cross_module_facts_from_a_312_module(tmp_path: Path) -> None:
    """The blocking helper lives in a module written with 3.12 syntax: its summary must exist
    for FPI110 in the route that calls it."""
    helper = textwrap.dedent(
        """\
        import time

        type Payload = dict[str, object]


        def fetch_report[T](kind: T) -> Payload:
            time.sleep(1)
            return {"kind": f"{kind!r}", "label": f"{ {"a": 1}["a"] }"}
        """
    )
    routes = textwrap.dedent(
        """\
        from fastapi import FastAPI

        from app.reports import fetch_report

        app = FastAPI()


        @app.get("/report")
        async def report():
            return fetch_report("daily")
        """
    )
    files = {"app/__init__.py": "", "app/reports.py": helper, "app/routes.py": routes}
    root = make_project(tmp_path / "p", files, 'target-version = "py312"\n')
    items = run_json("check", "app/routes.py", "--no-cache", cwd=root)
    assert codes_and_rows(items) == [("FPI110", 10)]


def test_python_rejects_what_libcst_accepts_is_fpi001(tmp_path: Path) -> None:
    """`b"é"` and invalid escapes parse in LibCST but not in Python: the file is not analysed,
    so it must say so (it passed silently when no rule could match it)."""
    files = {
        "bytes.py": 'x = b"é"\n',
        "escape.py": 'y = "\\x4"\n',
        "comp.py": "z = [*a for a in b]\n",
    }
    root = make_project(tmp_path / "p", files)
    items = run_json("check", "--no-cache", cwd=root)
    assert sorted((Path(f["filename"]).name, f["code"], f["location"]["row"]) for f in items) == [
        ("bytes.py", "FPI001", 1),
        ("comp.py", "FPI001", 1),
        ("escape.py", "FPI001", 1),
    ]


def test_syntax_error_in_a_312_file_is_fpi001_at_its_line(tmp_path: Path) -> None:
    text = "type Alias = int\n\n\nasync def f[T](x: T):\n    return (x = 1)\n"
    root = make_project(tmp_path / "p", {"m.py": text}, 'target-version = "py312"\n')
    items = run_json("check", "--no-cache", cwd=root)
    assert [(f["code"], f["location"]["row"]) for f in items] == [("FPI001", 5)]


def test_fix_in_a_312_file_is_applied_and_compiles(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", {"m.py": PY312}, 'target-version = "py312"\n')
    proc = run_cli("check", "--no-cache", "--fix", "--unsafe-fixes", cwd=root)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "dropped" not in proc.stderr
    fixed = (root / "m.py").read_text()
    assert "await asyncio.sleep(pause)" in fixed and "type Seconds = float" in fixed
    assert syntax.compiles(fixed, "m.py")
    # JSON fix edits are validated the same way: the fix shows its edit.
    (root / "m.py").write_text(PY312)
    (item,) = run_json("check", "--no-cache", "--unsafe-fixes", cwd=root)
    assert item["fix"]["edits"], item


def test_stdin_with_312_syntax(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", {}, 'target-version = "py312"\n')
    proc = run_cli(
        "check",
        "-",
        "--stdin-filename",
        "m.py",
        "--no-cache",
        "--output-format",
        "json",
        cwd=root,
        stdin=PY312,
    )
    assert codes_and_rows(json.loads(proc.stdout)) == [("FPI101", 7)]


# -- fixes never write syntax newer than the target -------------------------------------------


class WritesTypeStatement(Rule):
    """Test-only: 'fixes' `Alias = int` into `type Alias = int` (Python 3.12 syntax)."""

    code = "FPI096"
    name = "test-newer-syntax-fix"
    message = "test rule"
    summary = "test rule"
    docs = ""
    fix_availability = "always"
    triggers = ("Alias",)

    def visit_Assign(self, node: cst.Assign) -> None:
        target = node.targets[0].target
        if isinstance(target, cst.Name) and target.value == "Alias":
            alias = cst.TypeAlias(name=target, value=node.value)
            self.report(node, fix=Fix("use a type statement", "safe", {node: alias}))


@pytest.fixture
def inject(monkeypatch):
    import fastapi_lint.rules.registry as registry

    def add(*rules: type[Rule]) -> None:
        extended = [*registry.RULES, *rules]
        for module in (registry, engine_linting):
            monkeypatch.setattr(module, "RULES", extended)

    return add


@pytest.mark.parametrize("target", ["py311", "py312"])
def test_fix_writing_newer_syntax_is_held_back_below_target(
    target: str, tmp_path: Path, inject, capsys
) -> None:
    from fastapi_lint import cli

    inject(WritesTypeStatement)
    root = make_project(tmp_path / "p", {"m.py": "Alias = int\n"}, f'target-version = "{target}"\n')
    run = lint_paths([root], load_settings(root), LintOptions(fix=True, use_cache=False))
    (result,) = run.results
    text = (root / "m.py").read_text()
    if target == "py311":
        assert text == "Alias = int\n"
        assert result.fixes_applied == {}
        (held,) = result.held_back_fixes
        assert "`type` statement, Python 3.12 syntax, newer than target-version `py311`" in held
        assert [f.code for f in result.findings] == ["FPI096"]
        code = cli.main(["check", str(root), "--no-cache", "--fix"])
        assert code == 1
        assert "was not applied (FPI096: use a type statement: it would write" in (
            capsys.readouterr().err
        )
    else:
        assert text == "type Alias = int\n"
        assert result.fixes_applied == {"FPI096": 1}
        assert result.held_back_fixes == [] and result.dropped_fixes == []


# -- flake8 and the language server --------------------------------------------------------


@pytest.mark.slow
def test_flake8_plugin_reports_312_files(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", {"m.py": PY312})
    path = root / "m.py"
    lines = PY312.splitlines(keepends=True)
    # What flake8 runs once it parsed the file (it does on Python 3.12+).
    plugin = FastAPILintPlugin(ast.Module(body=[], type_ignores=[]), str(path), lines)
    got = sorted((row, text.split()[0]) for row, _col, text, _cls in plugin.run())
    assert got == sorted([(7, "FPI101")] + [(r, "FPI003") for r in PY312_FPI003_ROWS])
    proc = subprocess.run(
        [sys.executable, "-m", "flake8", "--isolated", "--select", "FPI,E999", "m.py"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if sys.version_info >= (3, 12):
        assert "FPI101" in proc.stdout and "FPI003" in proc.stdout, proc.stdout + proc.stderr
    else:
        # flake8 parses with this Python first and reports the file itself: not a silent pass.
        assert "E999" in proc.stdout, proc.stdout + proc.stderr


@pytest.mark.slow
def test_flake8_reports_fpi003_for_311_syntax(tmp_path: Path) -> None:
    text = "import time\n\n\nasync def f():\n    try:\n        time.sleep(1)\n    except* OSError:\n        pass\n"
    root = make_project(tmp_path / "p", {"m.py": text})
    proc = subprocess.run(
        [sys.executable, "-m", "flake8", "--isolated", "--select", "FPI", "m.py"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=300,
    )
    rows = sorted(line.split(":")[1] + " " + line.split()[1] for line in proc.stdout.splitlines())
    assert rows == ["6 FPI101", "7 FPI003"], proc.stdout + proc.stderr


@pytest.mark.slow
def test_lsp_publishes_findings_of_a_312_file(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", {"app/timing.py": PY312})
    client = LSPClient()
    try:
        client.initialize(root)
        diagnostics = client.open(root / "app" / "timing.py")
    finally:
        client.close()
    got = sorted((d["code"], d["range"]["start"]["line"] + 1) for d in diagnostics)
    assert got == sorted([("FPI101", 7)] + [("FPI003", r) for r in PY312_FPI003_ROWS])


def test_the_rule_pass_reuses_the_index_summary(tmp_path: Path, monkeypatch) -> None:
    """FPI001/FPI003 come from the summary the index made of the same bytes: linting a file
    must not parse it with `ast` a second time (only a file the index has no summary of, one
    Python rejects, is tried again)."""
    files = {f"m{i}.py": PY312 for i in range(3)}
    root = make_project(tmp_path / "p", {**files, "broken.py": "def f(:\n"})
    calls = []
    real = engine_linting.summarize_source

    def counting(*args, **kwargs):
        calls.append(args[1])
        return real(*args, **kwargs)

    monkeypatch.setattr(engine_linting, "summarize_source", counting)
    run = lint_paths([root], load_settings(root), LintOptions(use_cache=False, jobs=1))
    assert calls == ["broken"]
    codes = sorted({f.code for r in run.results for f in r.findings})
    assert codes == ["FPI001", "FPI003", "FPI101"]


def test_lint_source_of_a_312_buffer(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", {}, 'target-version = "py312"\n')
    result = lint_source(PY312, root / "m.py", load_settings(root))
    assert [(f.code, f.location.row) for f in result.findings] == [("FPI101", 7)]
