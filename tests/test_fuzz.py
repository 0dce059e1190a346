"""Fuzzing the whole pipeline: discovery, the index, the rules, fixes, the cache and the CLI.

Two sources of input, each run as a project through `lint_paths` (index included) and through
the real CLI in a subprocess (a native crash would fail the test, not kill the run):

- a hostile corpus generated here: lone surrogates, odd bytes and encodings, BOMs, NULs,
  CR-only and mixed newlines, form feeds, deep nesting, huge literals, Python 3.12 syntax and
  odd file names (not UTF-8, spaces, newlines, non-ASCII, dots). Every file also holds a
  blocking call in an `async def`, so each must end with that finding or with an FPI001 that
  says why it was not analysed; a clean result would be a silent pass.
- hypothesmith's generated programs, with reported blocks spliced in so fixes really run.

Asserted: no exception escapes; every file ends with findings or FPI001; no FPI002 at all
(FPI002 is a bug in fastapi-lint); a fixed file still compiles and re-lints without FPI002.
`FASTAPI_LINT_FUZZ_EXAMPLES=N` runs the larger hypothesmith variant (marked slow) with N inputs.
"""

from __future__ import annotations

import codecs
import json
import os
import shutil
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path

import hypothesmith
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from fastapi_lint.config import load_settings
from fastapi_lint.engine import LintOptions, lint_paths
from fastapi_lint.source import SourceError, decode_source

# Many generated and hostile inputs through the whole pipeline: CI runs them, the inner loop does not.
pytestmark = pytest.mark.slow

TRIGGER = "\n\nimport time\n\n\nasync def handler():\n    time.sleep(1)\n"
TRIGGER_B = TRIGGER.encode()


def _sum(n: int) -> str:
    return "x = " + " + ".join(["1"] * n) + "\n"


def hostile_corpus() -> dict[bytes, bytes]:
    """File name (bytes) -> content (bytes). Each holds the trigger unless it cannot (bytes
    that do not decode make the whole file FPI001 anyway)."""
    text: dict[str, str] = {
        # Lone surrogates and other values no source text can hold, in every place a
        # string is read as an expression or a name.
        "surrogates.py": (
            'x = "\\ud800"\ny: "\\udfff" = "\\udc80\\ud83d"\nz = b"\\xff\\x00"\n'
            'def f(a: "\\ud800" = "\\0", *b: "list[\\udc00]") -> "\\ud800": ...\n'
            'class C:\n    field: "\\ud800"\n    other: "Optional[\\ud800]" = None\n'
            'from fastapi import Depends\ndef g(d=Depends("\\ud800")): ...\n'
            "s = '\\N{SNOWMAN} \\U0010ffff \\x00'\n"
        ),
        "unicode names.py": "café = 1\nΣ = café\n\U0001d518nicode = Σ\n",  # NFKC: Unicode
        # Newlines and whitespace.
        "cr_only.py": "x = 1\r\ry = 2\r",
        "mixed_newlines.py": "x = 1\r\ny = 2\nz = 3\r\n\rw = 4",
        "form_feeds.py": "\x0cx = 1\n\x0c\ndef f():\n\x0c    return 1\n",
        "tabs.py": "if True:\n\tx = 1\n\tif x:\n\t\ty = 2\n",
        "no_final_newline.py": "x = 1",
        "continuation.py": "x = 1 + \\\n    2\ny = (\n3)\n",
        "empty.py": "",
        "only_comments.py": "# nothing here\n# at all\n",
        # Deep nesting: beyond CPython's and LibCST's limits, and at Python's recursion limit.
        "parens_201.py": "x = " + "(" * 201 + "1" + ")" * 201 + "\n",
        "parens_1500.py": "x = " + "(" * 1500 + "1" + ")" * 1500 + "\n",
        "lists_500.py": "x = " + "[" * 500 + "]" * 500 + "\n",
        "sum_300.py": _sum(300),
        "sum_3000.py": _sum(3000),
        "sum_20000.py": _sum(20000),
        "attributes.py": "x = a" + ".b" * 8000 + "\n",
        "calls.py": "x = f" + "()" * 6000 + "\n",
        "unary.py": "x = " + "-" * 9000 + "1\n",
        "elifs.py": "if a:\n    pass\n" + "elif a:\n    pass\n" * 9000,
        "lambdas.py": "x = " + "lambda: " * 3000 + "1\n",
        "strings_concat.py": "x = " + " ".join(["'a'"] * 5000) + "\n",
        "indent_120.py": "".join(" " * i + "if x:\n" for i in range(120)) + " " * 120 + "pass\n",
        "fstring_nesting.py": "x = f'{" + "(" * 150 + "1" + ")" * 150 + "}'\n",
        # Huge literals.
        "huge_string.py": "x = '" + "a" * 100_000 + "'\n",
        "huge_list.py": "x = [" + ", ".join(str(i) for i in range(10_000)) + "]\n",
        "huge_int.py": "x = " + "9" * 5000 + "\n",  # past int's string conversion limit
        "long_line.py": "x = " + " + ".join(f"v{i}" for i in range(200)) + "  # " + "c" * 50_000,
        "many_statements.py": "".join(f"v{i} = {i}\n" for i in range(5_000)),
        # Newer syntax than this interpreter may know.
        "py312.py": (
            "type Alias = list[int]\n"
            "def first[T](items: list[T]) -> T:\n    return items[0]\n"
            "class Box[T]:\n    value: T\n"
            "x = f'{'nested'}' f\"{x!r:>{10}}\"\n"
        ),
        "match.py": "match x:\n    case [1, *rest]:\n        pass\n    case {'k': v}:\n        pass\n",
        # Syntax errors of several kinds.
        "syntax_error.py": "def handler(:\n    pass\n",
        "unterminated.py": "x = '''never closed\n",
        "bad_indent.py": "if x:\npass\n",
        "await_outside.py": "await something()\n",
    }
    corpus = {name.encode(): (body + TRIGGER).encode("utf-8") for name, body in text.items()}
    corpus.update(
        {
            # Odd bytes and encodings.
            b"invalid_utf8.py": b"x = '\xff\xfe'\n" + TRIGGER_B,
            b"nul_byte.py": b"x = 1\x00\n" + TRIGGER_B,
            b"latin1_cookie.py": b"# -*- coding: latin-1 -*-\nx = 'caf\xe9'\n" + TRIGGER_B,
            b"unknown_cookie.py": b"# coding: no-such-codec\n" + TRIGGER_B,
            b"bom.py": codecs.BOM_UTF8 + b"x = 1\n" + TRIGGER_B,
            b"bom_conflict.py": codecs.BOM_UTF8 + b"# coding: latin-1\n" + TRIGGER_B,
            b"utf16.py": codecs.BOM_UTF16_LE + ("x = 1\n" + TRIGGER).encode("utf-16-le"),
            b"encoded_surrogate.py": b"x = '\xed\xa0\x80'\n" + TRIGGER_B,  # CESU-style
            b"overlong.py": b"x = '\xc0\xaf'\n" + TRIGGER_B,
            b"cp1252_cookie.py": b"# coding: cp1252\nx = '\x80\x93'\n" + TRIGGER_B,
            # Odd file names.
            b"caf\xe9.py": TRIGGER_B,
            b"with space.py": TRIGGER_B,
            b"new\nline.py": TRIGGER_B,
            b"-dash.py": TRIGGER_B,
            b".hidden.py": TRIGGER_B,
            b"caf\xc3\xa9.py": TRIGGER_B,
            b"pkg/__init__.py": TRIGGER_B,
            b"pkg/sub/m\xff.py": b"from .. import handler\n" + TRIGGER_B,
            b"stubs.pyi": TRIGGER_B,
            b"n" * 200 + b".py": TRIGGER_B,
        }
    )
    return corpus


def write_project(root: Path, corpus: dict[bytes, bytes]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text("[project]\nname = 'fuzz'\n")
    broot = os.fsencode(root)
    written = {}
    for name, data in corpus.items():
        target = os.path.join(broot, name)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        try:
            with open(target, "wb") as handle:
                handle.write(data)
        except OSError:
            continue  # a file system that refuses the name
        written[os.fsdecode(target)] = data
    return root


def compiles(data: bytes) -> bool:
    try:
        text = decode_source(data).text
    except SourceError:
        return False
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(text, "<fuzz>", "exec", dont_inherit=True)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


def check_project(root: Path, expect_trigger: bool = True) -> dict[str, list[str]]:
    """Lints, then fixes, the project in this process; returns codes per file."""
    settings_ = load_settings(root)
    files = sorted(
        p for p in root.rglob("*") if p.suffix in (".py", ".pyi") and ".fastapi_lint" not in str(p)
    )
    before = {p: p.read_bytes() for p in files}
    run = lint_paths([root], settings_, LintOptions(use_cache=True, jobs=1))
    codes: dict[str, list[str]] = {str(p): [] for p in files}
    for finding in run.findings:
        codes.setdefault(finding.path, []).append(finding.code)
    errors = [f"{f.path}: {f.message}" for f in run.findings if f.code == "FPI002"]
    assert not errors, errors
    for path, found in codes.items():
        # Every file holds the trigger: either it is reported, or the file was not analysed
        # and FPI001 says so. Nothing passes unseen. A stub never runs: no rule applies to it.
        if path.endswith(".pyi"):
            assert "FPI101" not in found, (path, found)
        elif expect_trigger:
            assert "FPI101" in found or "FPI001" in found, (path, found)

    fixed = lint_paths([root], settings_, LintOptions(fix=True, unsafe_fixes=True, jobs=1))
    errors = [f"{f.path}: {f.message}" for f in fixed.findings if f.code == "FPI002"]
    assert not errors, errors
    for path in files:
        after = path.read_bytes()
        if after != before[path] and compiles(before[path]):
            assert compiles(after), (path, after[:2000])
    # A second run (warm cache, fixed files) is as sound as the first.
    again = lint_paths([root], settings_, LintOptions(use_cache=True, jobs=1))
    assert not [f for f in again.findings if f.code == "FPI002"]
    return codes


def run_cli_subprocess(root: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "FASTAPI_LINT_CACHE_DIR"}
    env.update({"NO_COLOR": "1", "PYTHONIOENCODING": "utf-8:strict"})
    return subprocess.run(
        [sys.executable, "-m", "fastapi_lint", "check", *args],
        cwd=root,
        capture_output=True,
        timeout=600,
        env=env,
    )


def test_hostile_corpus_through_the_whole_pipeline(tmp_path: Path) -> None:
    corpus = hostile_corpus()
    root = write_project(tmp_path / "hostile", corpus)
    # The CLI first, in a subprocess and on the pool (the corpus is larger than the pool's
    # threshold): a native crash or a worker dying shows here as a failure.
    proc = run_cli_subprocess(root, "--output-format", "json", "--jobs", "2")
    assert proc.returncode == 1, proc.stderr.decode(errors="replace")[-3000:]
    assert b"Traceback" not in proc.stderr
    findings = json.loads(proc.stdout)
    assert not [f for f in findings if f["code"] == "FPI002"], [
        (f["filename"], f["message"]) for f in findings if f["code"] == "FPI002"
    ]
    reported = {Path(f["filename"]).name for f in findings}
    assert "caf\\xe9.py" in reported and "new\nline.py" in reported
    for output in ("concise", "full", "sarif", "github", "junit", "rdjson", "gitlab"):
        shown = run_cli_subprocess(root, "--output-format", output)  # from the cache
        assert shown.returncode == 1 and b"Traceback" not in shown.stderr, output
        shown.stdout.decode("utf-8")
    codes = check_project(root)
    # The deep files are FPI001 for their depth, the odd names are linted as usual.
    by_name = {Path(path).name: found for path, found in codes.items()}
    for name in ("parens_1500.py", "sum_20000.py", "elifs.py", "attributes.py", "calls.py"):
        assert by_name[name] == ["FPI001"], (name, by_name[name])
    assert by_name["caf\udce9.py"] == ["FPI101"]
    assert by_name["surrogates.py"].count("FPI101") == 1
    fixed = run_cli_subprocess(root, "--no-cache", "--fix", "--unsafe-fixes", "--jobs", "2")
    assert fixed.returncode in (0, 1) and b"Traceback" not in fixed.stderr


# -- hypothesmith ------------------------------------------------------------------------------

PATTERNS = [
    "import time\n\nasync def blocking_sleep():\n    time.sleep(1)\n",
    "import requests\n\nasync def blocking_get(u):\n    return requests.get(u).json()\n",
    "from fastapi import Depends, FastAPI\n\napp = FastAPI()\n\n\ndef get_db():\n"
    "    yield 1\n\n\n@app.get('/items')\nasync def items(db=Depends(get_db())):\n"
    "    return db\n",
    "from .helpers import pause\n\nasync def uses_helper():\n    pause()\n",
]
HELPERS = "import time\n\n\ndef pause():\n    time.sleep(1)\n"

SOURCE = st.one_of(hypothesmith.from_grammar(), hypothesmith.from_node())


@st.composite
def programs(draw) -> tuple[str, str]:
    generated = draw(SOURCE)
    patterns = draw(st.lists(st.sampled_from(PATTERNS), min_size=1, max_size=2))
    pieces = [generated if generated.endswith("\n") else generated + "\n", *patterns]
    order = draw(st.permutations(range(len(pieces))))
    # The generated code is both a module of its own and the neighbour of another one.
    return "\n".join(pieces[i] for i in order), generated


def fuzz_one(program: tuple[str, str]) -> None:
    spliced, generated = program
    root = Path(tempfile.mkdtemp(prefix="fastapi-lint-fuzz-"))
    try:
        (root / "pyproject.toml").write_text("[project]\nname = 'fuzz'\n")
        (root / "app").mkdir()
        (root / "app" / "__init__.py").write_text("")
        (root / "app" / "helpers.py").write_text(HELPERS)
        (root / "app" / "main.py").write_text(spliced, encoding="utf-8")
        (root / "app" / "generated.py").write_text(generated, encoding="utf-8")
        check_project(root, expect_trigger=False)
    finally:
        shutil.rmtree(root, ignore_errors=True)


FUZZ_SETTINGS = dict(
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=True,
    # Bounded for CI: a failure prints its example; shrinking odd generated code takes long.
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
)


@settings(max_examples=30, **FUZZ_SETTINGS)
@given(program=programs())
def test_generated_programs_through_the_whole_pipeline(program) -> None:
    fuzz_one(program)


LONG_EXAMPLES = int(os.environ.get("FASTAPI_LINT_FUZZ_EXAMPLES", "0"))


@pytest.mark.slow
@pytest.mark.skipif(not LONG_EXAMPLES, reason="set FASTAPI_LINT_FUZZ_EXAMPLES=N to run N inputs")
@settings(max_examples=max(LONG_EXAMPLES, 1), **{**FUZZ_SETTINGS, "derandomize": False})
@given(program=programs())
def test_generated_programs_through_the_whole_pipeline_long(program) -> None:
    fuzz_one(program)
