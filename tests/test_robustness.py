"""No input crashes a run, and no file passes without being checked (issue 11, items 1, 2, 4, 14).

- String constants holding lone surrogates are analysed like any other.
- A file whose name is not UTF-8 is linted, fixed and cached, and every output format prints it.
- Every per-file phase contains its own failure: an exception injected into one file's phase is
  one FPI002 for that file naming the phase, and the other files' findings do not change.
- Code nested too deeply to analyse is one FPI001 saying so (never a pass, never FPI002, never
  a crash of the process) on every path: the CLI, the fixer, codemods, flake8, LSP.
- A file over `max-file-size` is one FPI001 saying so, and is never parsed.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest
from conftest import run_cli, run_cli_process, run_json
from test_cli import SLEEPY, make_project

from fastapi_lint import cli
from fastapi_lint.config import load_settings
from fastapi_lint.engine import LintOptions, fix_source, lint_paths, lint_source
from fastapi_lint.engine import api as engine_api
from fastapi_lint.engine import linting as engine_linting
from fastapi_lint.engine.cache import Cache
from fastapi_lint.index.project import CompactModules
from fastapi_lint.index.summary import summarize_source
from fastapi_lint.limits import MAX_NESTING, SAFE_NESTING, nesting_depth

DEEP = "too deeply nested to analyse"


def by_file(findings) -> dict[str, list[tuple[str, int, int, str]]]:
    table: dict[str, list[tuple[str, int, int, str]]] = {}
    for f in findings:
        name = Path(f.path).name
        table.setdefault(name, []).append((f.code, f.location.row, f.location.column, f.message))
    return table


def run_in_process(root: Path, **options) -> engine_api.RunResult:
    options.setdefault("use_cache", False)
    options.setdefault("jobs", 1)
    return lint_paths([root], load_settings(root), LintOptions(**options))


# -- item 1: lone surrogates in string constants ------------------------------------------------

SURROGATES = (
    "from fastapi import Depends, FastAPI\n"
    "import time\n\n"
    'x = "a \\ud800 b"\n'
    'y: "\\udfff" = "\\udc80"\n'
    "app = FastAPI()\n\n\n"
    'def dep(value="\\ud83d"):\n'
    "    return value\n\n\n"
    '@app.get("/\\ud800")\n'
    'async def route(v: "\\ud800" = Depends(dep)):\n'
    "    time.sleep(1)\n"
    '    return {"\\ud800": v}\n'
)


def test_summary_of_lone_surrogate_constants() -> None:
    summary = summarize_source(SURROGATES, "m", False)
    assert summary is not None
    assert summary["scopes"][""]["bindings"]["x"] == ["value", ["const", "a \ud800 b"]]


def test_lone_surrogate_constants_are_linted_not_a_crash(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", {"strings.py": SURROGATES, "other.py": SLEEPY})
    for extra in ((), ("--exit-zero",)):
        proc = run_cli("check", "--no-cache", *extra, cwd=root)
        assert "Traceback" not in proc.stderr, proc.stderr
        assert proc.returncode == (0 if extra else 1), proc.stdout + proc.stderr
        assert "strings.py:15:5: FPI101" in proc.stdout and "other.py:5:5: FPI101" in proc.stdout
    findings = run_json("check", "--no-cache", cwd=root)
    assert sorted(f["code"] for f in findings) == ["FPI101", "FPI101"]
    result = lint_source(SURROGATES, root / "strings.py", load_settings(root))
    assert [f.code for f in result.findings] == ["FPI101"]


# -- item 2: file names that are not UTF-8 ------------------------------------------------------


@pytest.fixture
def latin1_named(tmp_path: Path) -> tuple[Path, Path]:
    root = make_project(tmp_path / "p", {"ok.py": SLEEPY})
    name = os.fsdecode(b"caf\xe9.py")  # "caf\udce9.py": surrogateescape
    path = root / name
    try:
        with open(os.fsencode(path), "wb") as handle:
            handle.write(SLEEPY.encode())
    except (OSError, UnicodeError):
        pytest.skip("this file system takes only UTF-8 names")
    return root, path


@pytest.mark.parametrize("target", [".", "ok.py"])
def test_a_file_named_in_latin1_does_not_crash_the_run(latin1_named, target: str) -> None:
    root, _ = latin1_named
    proc = run_cli("check", "--no-cache", target, cwd=root)
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode == 1
    assert "ok.py:5:5: FPI101" in proc.stdout
    # The file itself is linted, and shown with its byte escaped.
    assert ("caf\\xe9.py:5:5: FPI101" in proc.stdout) == (target == ".")


@pytest.mark.slow
def test_every_output_format_prints_a_latin1_name(latin1_named) -> None:
    root, _ = latin1_named
    strict = {"PYTHONIOENCODING": "utf-8:strict"}
    from fastapi_lint.output import FORMATS

    for output in FORMATS:
        # A real process: its standard streams are the ones a user's terminal or pipe gets.
        proc = run_cli_process(
            "check", "--no-cache", "--output-format", output, cwd=root, env=strict
        )
        assert proc.returncode == 1 and "Traceback" not in proc.stderr, (output, proc.stderr)
        proc.stdout.encode("utf-8")  # valid UTF-8 throughout
        if output == "json":
            names = [Path(f["filename"]).name for f in json.loads(proc.stdout)]
            assert names == ["caf\\xe9.py", "ok.py"]
        elif output == "json-lines":
            lines = [json.loads(line) for line in proc.stdout.splitlines()]
            assert Path(lines[0]["filename"]).name == "caf\\xe9.py"
        elif output == "sarif":
            results = json.loads(proc.stdout)["runs"][0]["results"]
            uris = [
                r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results
            ]
            assert uris == ["caf%E9.py", "ok.py"]  # the exact bytes, percent-encoded
        elif output in ("gitlab", "rdjson"):
            assert "caf\\\\xe9.py" in proc.stdout, output  # JSON: the backslash escaped
            json.loads(proc.stdout)
        else:
            assert "caf\\xe9.py" in proc.stdout, output
    for flags in (("--show-files",), ("--diff", "--unsafe-fixes"), ("--statistics",)):
        proc = run_cli("check", "--no-cache", *flags, cwd=root, env=strict)
        assert "Traceback" not in proc.stderr and proc.returncode in (0, 1), (flags, proc.stderr)
    assert "caf\\xe9.py" in run_cli("check", "--show-files", cwd=root, env=strict).stdout


def test_a_latin1_named_file_is_fixed_through_its_own_bytes_and_cached(latin1_named) -> None:
    root, path = latin1_named
    first = run_cli("check", cwd=root)
    second = run_cli("check", cwd=root)  # served from the cache written by the first run
    assert first.returncode == second.returncode == 1
    assert first.stdout == second.stdout and "caf\\xe9.py" in first.stdout
    fixed = run_cli("check", "--fix", "--unsafe-fixes", cwd=root)
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    with open(os.fsencode(path), "rb") as handle:
        assert b"await asyncio.sleep(1)" in handle.read()
    assert sorted(os.listdir(os.fsencode(root))) == sorted(
        [b".fastapi_lint_cache", b"caf\xe9.py", b"ok.py", b"pyproject.toml"]
    )


# -- the guard: a failure in any phase of one file stays with that file ----------------------------

TARGET = SLEEPY + "# the target of the injected failure\n"
FILES = {"a.py": SLEEPY, "b.py": TARGET, "c.py": SLEEPY.replace("handler", "other")}


def _raise_for_b(real, select):
    def wrapper(*args, **kwargs):
        if select(*args, **kwargs):
            raise RuntimeError("injected failure")
        return real(*args, **kwargs)

    return wrapper


def _is_b(value) -> bool:
    return Path(str(value)).name == "b.py"


# phase -> (where, attribute, which call fails, run options)
INJECTIONS = {
    "read": (Path, "read_bytes", lambda self: self.name == "b.py", {}),
    "decode": (engine_api, "decode_source", lambda data: b"injected" in data, {}),
    "summary": (engine_api, "summarize_source", lambda text, module, *a: module == "b", {}),
    "index": (CompactModules, "__setitem__", lambda self, name, value: name == "b", {}),
    "rules": (engine_linting, "run_rules", lambda **kw: _is_b(kw["path"]), {}),
    "fix": (
        engine_linting,
        "non_overlapping",
        lambda module, fixes: "injected" in module.code,
        {"fix": True},
    ),
    "write": (engine_api, "write_source", lambda path, data: _is_b(path), {"fix": True}),
    "cache": (Cache, "put_result", lambda self, key, value: _is_b(key), {"use_cache": True}),
}


@pytest.mark.slow
@pytest.mark.parametrize("phase", list(INJECTIONS))
def test_a_failure_in_one_phase_of_one_file_is_one_fpi002(
    tmp_path: Path, monkeypatch, phase: str, capsys
) -> None:
    where, attribute, select, options = INJECTIONS[phase]
    options = {"unsafe_fixes": True, **options}
    baseline_root = make_project(tmp_path / "baseline", FILES)
    baseline = by_file(run_in_process(baseline_root, **options).findings)
    baseline_text = {n: (baseline_root / n).read_text() for n in FILES}

    root = make_project(tmp_path / "p", FILES)
    monkeypatch.setattr(where, attribute, _raise_for_b(getattr(where, attribute), select))
    run = run_in_process(root, **options)
    found = by_file(run.findings)

    # The other files are untouched by b's failure: same findings, same fixes.
    for name in ("a.py", "c.py"):
        assert found.get(name, []) == baseline.get(name, []), name
        assert (root / name).read_text() == baseline_text[name]
    errors = [f for f in found["b.py"] if f[0] == "FPI002"]
    assert len(errors) == 1, found["b.py"]
    message = errors[0][3]
    assert f"internal error in the {phase} phase" in message
    assert "RuntimeError: injected failure" in message
    if phase in ("fix", "write"):
        # Not fixed, so its finding is still there and the file keeps its bytes.
        assert (root / "b.py").read_text() == TARGET
        assert ("FPI101", 5, 5) in [f[:3] for f in found["b.py"]]
    if phase in ("rules", "fix", "write", "cache", "decode"):
        assert not [f for f in found["b.py"] if f[0] == "FPI001"]

    # The CLI reports it like any finding: exit 1, or 0 with --exit-zero; JSON stays JSON.
    flags = ["--no-cache"] if not options.get("use_cache") else []
    if options.get("fix"):
        flags.append("--fix")
    for exit_zero in (False, True):
        fresh = make_project(tmp_path / f"cli-{exit_zero}", FILES)
        capsys.readouterr()
        argv = ["check", str(fresh), *flags, "--unsafe-fixes", "--output-format", "json"]
        code = cli.main([*argv, "--exit-zero"] if exit_zero else argv)
        items = json.loads(capsys.readouterr().out)
        assert code == (0 if exit_zero else 1)
        errors = [i for i in items if i["code"] == "FPI002"]
        assert len(errors) == 1 and errors[0]["filename"].endswith("b.py"), items
        assert f"in the {phase} phase" in errors[0]["message"]


@pytest.mark.slow
def test_a_failure_in_a_pool_worker_stays_with_its_file(tmp_path: Path, monkeypatch) -> None:
    files = {f"m{i:02}.py": SLEEPY for i in range(engine_api.POOL_THRESHOLD + 6)}
    files["b.py"] = TARGET
    root = make_project(tmp_path / "p", files)
    select = INJECTIONS["rules"][2]
    monkeypatch.setattr(engine_linting, "run_rules", _raise_for_b(engine_linting.run_rules, select))
    found = by_file(run_in_process(root, jobs=2).findings)
    assert [f[0] for f in found.pop("b.py")] == ["FPI002"]
    assert {name: [f[:3] for f in rows] for name, rows in found.items()} == {
        name: [("FPI101", 5, 5)] for name in files if name != "b.py"
    }


def test_a_failed_summary_is_not_cached(tmp_path: Path, monkeypatch) -> None:
    """The next run tries again, and a warm run does not hide the failure."""
    root = make_project(tmp_path / "p", FILES)
    select = INJECTIONS["summary"][2]
    real = engine_api.summarize_source
    monkeypatch.setattr(engine_api, "summarize_source", _raise_for_b(real, select))
    for _ in range(2):
        found = by_file(run_in_process(root, use_cache=True).findings)
        assert [f[0] for f in found["b.py"] if f[0] == "FPI002"] == ["FPI002"]
    monkeypatch.setattr(engine_api, "summarize_source", real)
    found = by_file(run_in_process(root, use_cache=True).findings)
    assert [f[0] for f in found["b.py"]] == ["FPI101"]


def test_a_failed_index_join_is_not_served_from_a_warm_cache(tmp_path: Path, monkeypatch) -> None:
    root = make_project(tmp_path / "p", FILES)
    select = INJECTIONS["index"][2]
    monkeypatch.setattr(
        CompactModules, "__setitem__", _raise_for_b(CompactModules.__setitem__, select)
    )
    for _ in range(3):
        found = by_file(run_in_process(root, use_cache=True).findings)
        assert "FPI002" in [f[0] for f in found["b.py"]]


def test_a_malformed_cache_entry_is_linted_again(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", FILES)
    expected = by_file(run_in_process(root, use_cache=True).findings)
    for results in (root / ".fastapi_lint_cache").rglob("results-*.json"):
        data = json.loads(results.read_text())
        for key in data:
            data[key]["f"] = [{"code": "FPI101"}]  # no location, no message
        results.write_text(json.dumps(data))
    assert by_file(run_in_process(root, use_cache=True).findings) == expected


# -- item 4: code nested too deeply -------------------------------------------------------------


def _sum(n: int) -> str:
    return "x = " + " + ".join(["1"] * n) + "\n"


DEEP_FILES = {
    # CPython refuses 200 nested brackets; LibCST parses them.
    "parens_201.py": "x = " + "(" * 201 + "1" + ")" * 201 + "\n",
    "lists_500.py": "x = " + "[" * 500 + "]" * 500 + "\n",
    # CPython's parser gives up; LibCST's native parser overflows the C stack at ~5,000.
    "sum_3000.py": _sum(3000),
    "sum_10000.py": _sum(10000),
    "parens_1500.py": "x = " + "(" * 1500 + "1" + ")" * 1500 + "\n",
    "attributes_10000.py": "x = a" + ".b" * 10000 + "\n",
    "elifs_9000.py": "if a:\n    pass\n" + "elif a:\n    pass\n" * 9000,
    # Deeper than the rule walk reaches (Python's recursion limit), shallower than the parsers'.
    "sum_600.py": _sum(600),
    "lists_150.py": "x = " + "[" * 150 + "]" * 150 + "\n",
}


def deep_project(tmp_path: Path) -> Path:
    # Each deep file also holds what a rule reports: a pass would be a silent one.
    files = {name: SLEEPY + body for name, body in DEEP_FILES.items()}
    files["shallow.py"] = SLEEPY + _sum(100)
    return make_project(tmp_path / "p", files)


@pytest.mark.parametrize(
    "flags",
    [(), ("--fix", "--unsafe-fixes"), ("--diff", "--unsafe-fixes"), ("--output-format", "json")],
)
def test_deep_nesting_is_fpi001_never_a_pass_a_crash_or_fpi002(tmp_path: Path, flags) -> None:
    root = deep_project(tmp_path)
    before = {name: (root / name).read_bytes() for name in DEEP_FILES}
    # A subprocess: a native stack overflow would kill it, not the test run.
    proc = run_cli_process("check", "--no-cache", *flags, cwd=root)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr[-3000:]
    if "--diff" in flags:
        assert "shallow.py" in proc.stdout
        return
    if "--output-format" in flags:
        rows = [
            (Path(f["filename"]).name, f["code"], f["message"]) for f in json.loads(proc.stdout)
        ]
    else:
        check = run_cli("check", "--no-cache", "--output-format", "json", cwd=root)
        rows = [
            (Path(f["filename"]).name, f["code"], f["message"]) for f in json.loads(check.stdout)
        ]
    for name in DEEP_FILES:
        mine = [(code, message) for n, code, message in rows if n == name]
        assert len(mine) == 1 and mine[0][0] == "FPI001" and DEEP in mine[0][1], (name, mine)
        assert (root / name).read_bytes() == before[name]
    shallow = [code for n, code, _ in rows if n == "shallow.py"]
    assert shallow == ([] if "--fix" in flags else ["FPI101"])
    assert run_cli("check", "--no-cache", "--exit-zero", cwd=root).returncode == 0


@pytest.mark.parametrize("name", ["parens_201.py", "sum_600.py", "lists_150.py", "sum_10000.py"])
def test_deep_nesting_through_lint_source_and_fix_source(tmp_path: Path, name: str) -> None:
    """The path flake8, the LSP, stdin and codemods share."""
    root = make_project(tmp_path / "p", {})
    text = SLEEPY + DEEP_FILES[name]
    settings = load_settings(root)
    for result in (
        lint_source(text, root / name, settings),
        fix_source(text, root / name, settings, unsafe_fixes=True),
    ):
        assert [f.code for f in result.findings] == ["FPI001"], result.findings
        assert DEEP in result.findings[0].message
        assert result.fixed_source is None


@pytest.mark.slow
def test_deep_nesting_through_the_flake8_plugin(tmp_path: Path) -> None:
    import ast

    from fastapi_lint.flake8_plugin import FastAPILintPlugin

    root = make_project(tmp_path / "p", {})
    text = SLEEPY + _sum(600)  # `ast` parses it, so flake8 hands it to plugins
    path = root / "deep.py"
    path.write_text(text)
    plugin = FastAPILintPlugin(ast.parse(text), str(path), text.splitlines(keepends=True))
    reports = list(plugin.run())
    assert [r[2].split()[0] for r in reports] == ["FPI001"]
    assert DEEP in reports[0][2]


@pytest.mark.slow
def test_deep_nesting_through_the_lsp(tmp_path: Path) -> None:
    from lsp_client import LSPClient

    root = make_project(tmp_path / "p", {})
    path = root / "deep.py"
    path.write_text(SLEEPY + DEEP_FILES["sum_10000.py"])
    client = LSPClient()
    try:
        client.initialize(root)
        diagnostics = client.open(path)
    finally:
        client.close()
    assert [d["code"] for d in diagnostics] == ["FPI001"]
    assert DEEP in diagnostics[0]["message"]


def test_recursion_in_the_fixer_is_the_files_depth_or_a_bug(tmp_path: Path, monkeypatch) -> None:
    """A RecursionError while fixing a deeply nested file is FPI001; in a shallow file it is a
    bug in that fix, which is dropped."""

    def recurse(*args):
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(engine_linting, "apply_fixes", recurse)
    root = make_project(tmp_path / "p", {})
    settings = load_settings(root)
    deep = SLEEPY + "x = " + "(" * (SAFE_NESTING + 10) + "1" + ")" * (SAFE_NESTING + 10) + "\n"
    result = fix_source(deep, root / "deep.py", settings, unsafe_fixes=True)
    assert [f.code for f in result.findings] == ["FPI001"]
    assert DEEP in result.findings[0].message
    # In a shallow file the fix is dropped, as any fix whose replacement breaks LibCST.
    result = fix_source(SLEEPY, root / "shallow.py", settings, unsafe_fixes=True)
    assert [f.code for f in result.findings] == ["FPI101"]
    assert result.fixed_source is None and result.dropped_fixes


@pytest.mark.slow
def test_a_codemod_skips_a_file_too_deep_to_analyse(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", {"deep.py": SLEEPY + _sum(10000), "ok.py": SLEEPY})
    proc = run_cli_process("codemod", "FPI101", ".", cwd=root)
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
    assert f"deep.py: skipped: {DEEP}" in proc.stderr
    assert (root / "deep.py").read_text() == SLEEPY + _sum(10000)
    assert "await asyncio.sleep(1)" in (root / "ok.py").read_text()


def _cst_depth(text: str) -> int:
    import libcst

    best, stack = 0, [(libcst.parse_module(text), 1)]
    while stack:
        node, depth = stack.pop()
        best = max(best, depth)
        stack.extend((child, depth + 1) for child in node.children)
    return best


NESTINGS = {
    "sum": lambda n: _sum(n),
    "unary": lambda n: "x = " + "-" * n + "1\n",
    "attributes": lambda n: "x = a" + ".b" * n + "\n",
    "calls": lambda n: "x = f" + "(1)" * n + "\n",
    "nested calls": lambda n: "x = " + "f(" * n + "1" + ")" * n + "\n",
    "subscripts": lambda n: "x = a" + "[0]" * n + "\n",
    "parens": lambda n: "x = " + "(" * n + "1" + ")" * n + "\n",
    "lists": lambda n: "x = " + "[" * n + "]" * n + "\n",
    "dicts": lambda n: "x = " + "{1: " * n + "1" + "}" * n + "\n",
    "lambdas": lambda n: "x = " + "lambda: " * n + "1\n",
    "conditionals": lambda n: "x = " + "a if b else " * n + "c\n",
    "strings": lambda n: "x = " + " ".join(["'a'"] * n) + "\n",
    "elifs": lambda n: "if a:\n    pass\n" + "elif a:\n    pass\n" * n,
    "blocks": lambda n: "".join("    " * i + "if x:\n" for i in range(n)) + "    " * n + "pass\n",
    "f-strings": lambda n: "x = f'{" + "(" * n + "1" + ")" * n + "}'\n",
    "comprehensions": lambda n: "x = " + "[a for a in " * n + "b" + "]" * n + "\n",
}


@pytest.mark.parametrize("kind", list(NESTINGS))
def test_nesting_estimate_is_at_least_half_the_libcst_depth(kind: str) -> None:
    """The estimate must not let a tree much deeper than MAX_NESTING reach LibCST's native
    parser (which overflows the stack at about 1,300 nested brackets, 5,000 chained operators)."""
    for n in (10, 40, 90):
        text = NESTINGS[kind](n)
        assert nesting_depth(text) * 2 >= _cst_depth(text) - 4, (kind, n)
        assert nesting_depth(text) >= n, (kind, n)


def test_literal_braces_and_long_fields_of_an_f_string_are_shallow(tmp_path: Path) -> None:
    """A metrics test's expected output, an f-string of 300 lines of `{{label="a-b.c"}}` with a
    few replacement fields, is shallow: the doubled braces are text and each field's operator
    links end with the field (a real test module was FPI001 "too deeply nested" for this)."""
    line = 'metric_total{{project="project-1",user="test-user"}} {value.total - 1.5}\n'
    text = 'value = None\nEXPECTED = f"""\n' + line * 300 + '"""\n'
    assert nesting_depth(text) < SAFE_NESTING
    assert nesting_depth('x = f"{' + "(" * 90 + "1" + ")" * 90 + '}"\n') >= 90
    (tmp_path / "test_metrics.py").write_text(text)
    settings = load_settings(tmp_path)
    findings = lint_paths([tmp_path], settings, LintOptions(use_cache=False, jobs=1)).findings
    assert [f.code for f in findings] == []


def test_real_code_is_far_below_the_nesting_limit() -> None:
    import fastapi_lint

    package = Path(fastapi_lint.__file__).parent
    deepest = max(nesting_depth(p.read_text(encoding="utf-8")) for p in package.rglob("*.py"))
    assert deepest < MAX_NESTING // 4


# -- item 14: max-file-size -----------------------------------------------------------------------

BIG = SLEEPY + "".join(f"value_{i} = {i}\n" for i in range(200))  # ~3 KB


def test_a_file_over_max_file_size_is_fpi001_and_not_parsed(tmp_path: Path, monkeypatch) -> None:
    root = make_project(tmp_path / "p", {"big.py": BIG, "ok.py": SLEEPY}, 'max-file-size = "2KB"\n')
    parsed = []
    real = engine_linting.parse_module
    monkeypatch.setattr(engine_linting, "parse_module", lambda t: parsed.append(t) or real(t))
    summarised = []
    real_summary = engine_api.summarize_source
    monkeypatch.setattr(
        engine_api,
        "summarize_source",
        lambda text, module, *a: summarised.append(module) or real_summary(text, module, *a),
    )
    for use_cache in (True, True, False):  # cold, warm, uncached
        found = by_file(run_in_process(root, use_cache=use_cache).findings)
        (problem,) = found["big.py"]
        size = len(BIG.encode())
        assert problem[0] == "FPI001"
        assert problem[3] == (
            f"too large to analyse: {size / 1024:.1f} KB, limit 2.0 KB (the `max-file-size` "
            "setting)"
        )
        assert [f[0] for f in found["ok.py"]] == ["FPI101"]
    assert BIG not in parsed and "big" not in summarised


def test_max_file_size_on_stdin_and_lint_source(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", {}, "max-file-size = 2048\n")
    proc = run_cli("check", "--stdin-filename", "big.py", "-", cwd=root, stdin=BIG)
    assert proc.returncode == 1 and "FPI001 too large to analyse" in proc.stdout, proc.stdout
    result = lint_source(BIG, root / "big.py", load_settings(root))
    assert [f.code for f in result.findings] == ["FPI001"]
    small = run_cli("check", "--stdin-filename", "ok.py", "-", cwd=root, stdin=SLEEPY)
    assert "FPI101" in small.stdout


def test_max_file_size_zero_is_no_limit(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", {"big.py": BIG}, "max-file-size = 0\n")
    assert [f.code for f in run_in_process(root).findings] == ["FPI101"]


def test_the_default_limit_lets_ordinary_files_through(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", {"big.py": BIG})
    assert load_settings(root).max_file_size >= 2**20
    assert [f.code for f in run_in_process(root).findings] == ["FPI101"]


@pytest.mark.parametrize("value", ['"big"', "-1", "true", '"2 GB"', '"1..5MB"'])
def test_a_bad_max_file_size_exits_2_naming_it(tmp_path: Path, value: str) -> None:
    root = make_project(tmp_path / "p", {"ok.py": SLEEPY}, f"max-file-size = {value}\n")
    proc = run_cli("check", cwd=root)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "max-file-size" in lines[0], proc.stderr


def test_size_units() -> None:
    from fastapi_lint.config import _file_size

    assert _file_size("k", "2MB") == 2 * 2**20
    assert _file_size("k", "512 KB") == 512 * 1024
    assert _file_size("k", "1.5MiB") == int(1.5 * 2**20)
    assert _file_size("k", 1000) == 1000


if sys.platform == "win32":  # pragma: no cover
    pytestmark = pytest.mark.skip("POSIX file names")


def test_fix_edits_are_bounded_per_file(tmp_path: Path, monkeypatch) -> None:
    """Each fix's edits render the whole module: a file with hundreds of fixable findings would
    take an hour in JSON. Past the budget a fix is still reported, without edits."""
    body = SLEEPY + "".join(f"\n\nasync def h{i}():\n    time.sleep({i})\n" for i in range(6))
    root = make_project(tmp_path / "p", {"m.py": body})
    monkeypatch.setattr(engine_linting, "FIX_EDIT_BUDGET", 3 * len(body))
    findings = run_in_process(root, unsafe_fixes=True).findings
    assert [f.code for f in findings] == ["FPI101"] * 7
    assert [bool(f.fix.edits) for f in findings] == [True] * 3 + [False] * 4
