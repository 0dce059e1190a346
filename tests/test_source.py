"""Source fidelity (fixes keep every byte they do not mean to change) and bad input.

Fixes run through the real CLI where a user would see them; the cases that need a rule that
misbehaves on purpose (a fix that does not compile, a rule that raises) inject a test-only rule
into an in-process run with monkeypatch.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import libcst as cst
import pytest
from conftest import run_cli, run_json
from test_cli import make_project

from fastapi_lint import cli
from fastapi_lint.config import load_settings
from fastapi_lint.engine import LintOptions, lint_paths
from fastapi_lint.engine import api as engine_api
from fastapi_lint.engine import linting as engine_linting
from fastapi_lint.rule import Fix, Rule
from fastapi_lint.source import SourceError, decode_source, write_source

FIX = ("--select", "FPI101", "--no-cache", "--fix", "--unsafe-fixes")


def fix_bytes(tmp_path: Path, data: bytes, name: str = "m.py") -> bytes:
    root = make_project(tmp_path / "p", {})
    (root / name).write_bytes(data)
    proc = run_cli("check", *FIX, cwd=root)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return (root / name).read_bytes()


def test_crlf_is_kept(tmp_path: Path) -> None:
    data = b"import time  # why\r\n\r\n\r\nasync def f():\r\n    time.sleep(1)  # pause\r\n"
    assert fix_bytes(tmp_path, data) == (
        b"import time  # why\r\nimport asyncio\r\n\r\n\r\nasync def f():\r\n"
        b"    await asyncio.sleep(1)  # pause\r\n"
    )


def test_utf8_bom_is_kept(tmp_path: Path) -> None:
    data = (
        b"\xef\xbb\xbfimport time\n\n\nasync def f():\n    time.sleep(1)\n    return '\xc3\xa9'\n"
    )
    fixed = fix_bytes(tmp_path, data)
    assert fixed.startswith(b"\xef\xbb\xbfimport time\n")
    assert fixed.count(b"\xef\xbb\xbf") == 1
    assert b"    await asyncio.sleep(1)\n    return '\xc3\xa9'\n" in fixed


def test_latin1_with_coding_cookie_is_kept(tmp_path: Path) -> None:
    data = (
        b"# -*- coding: latin-1 -*-\nimport time\n\n\nasync def f():\n"
        b"    time.sleep(1)\n    return 'caf\xe9'\n"
    )
    fixed = fix_bytes(tmp_path, data)
    assert fixed.startswith(b"# -*- coding: latin-1 -*-\n")
    assert b"return 'caf\xe9'\n" in fixed  # still one latin-1 byte, not UTF-8
    assert b"await asyncio.sleep(1)" in fixed
    assert compile(fixed, "m.py", "exec")


def test_form_feed_and_unicode_line_separators_do_not_shift_rows(tmp_path: Path) -> None:
    # str.splitlines() would split at \x0c and \u2028; Python does not.
    data = (
        "import time\n\x0c\n# a \u2028 comment\nx = '\u2029'\n\n"
        "async def f():\n    time.sleep(1)  # noqa: FPI101\n    time.sleep(2)\n"
    ).encode()
    root = make_project(tmp_path / "p", {})
    (root / "m.py").write_bytes(data)
    items = run_json("check", "--select", "FPI101", "--no-cache", cwd=root)
    assert [(i["code"], i["location"]["row"]) for i in items] == [("FPI101", 8)]


def test_file_mode_is_kept(tmp_path: Path) -> None:
    root = make_project(
        tmp_path / "p", {"m.py": "import time\n\n\nasync def f():\n    time.sleep(1)\n"}
    )
    os.chmod(root / "m.py", 0o755)
    assert run_cli("check", *FIX, cwd=root).returncode == 0
    assert stat.S_IMODE((root / "m.py").stat().st_mode) == 0o755
    assert "await asyncio.sleep(1)" in (root / "m.py").read_text()


def test_symlink_target_is_rewritten_and_link_stays(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", {})
    target_dir = tmp_path / "outside"
    target_dir.mkdir()
    target = target_dir / "real.py"
    target.write_text("import time\n\n\nasync def f():\n    time.sleep(1)\n")
    link = root / "link.py"
    link.symlink_to(target)
    proc = run_cli("check", *FIX, "link.py", cwd=root)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert "await asyncio.sleep(1)" in target.read_text()
    assert [p.name for p in target_dir.iterdir()] == ["real.py"]  # no temp file left


def test_comments_and_untouched_code_are_byte_for_byte(tmp_path: Path) -> None:
    data = (
        b"#!/usr/bin/env python\n"
        b'"""Doc."""\n'
        b"import time   # the clock\n"
        b"from fastapi import FastAPI  # noqa: F401\n\n"
        b"x = {  'a' :1,}   # odd spacing stays\n\n\n"
        b"async def f( a ,b ):  # keep\n"
        b"    # before\n"
        b"    time.sleep( 1 )  # after\n"
        b"    return (a+b)\n"
    )
    fixed = fix_bytes(tmp_path, data)
    assert fixed == (
        b"#!/usr/bin/env python\n"
        b'"""Doc."""\n'
        b"import time   # the clock\n"
        b"from fastapi import FastAPI  # noqa: F401\n"
        b"import asyncio\n\n"
        b"x = {  'a' :1,}   # odd spacing stays\n\n\n"
        b"async def f( a ,b ):  # keep\n"
        b"    # before\n"
        b"    await asyncio.sleep( 1 )  # after\n"
        b"    return (a+b)\n"
    )


def test_write_source_leaves_the_file_intact_on_failure(tmp_path: Path, monkeypatch) -> None:
    target = tmp_path / "m.py"
    target.write_bytes(b"old\n")

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(SourceError, match="cannot write the fixes: disk full"):
        write_source(target, b"new\n")
    assert target.read_bytes() == b"old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["m.py"]


def test_write_source_replaces_via_a_temp_file_in_the_same_folder(
    tmp_path: Path, monkeypatch
) -> None:
    target = tmp_path / "m.py"
    target.write_bytes(b"old\n")
    os.chmod(target, 0o640)
    seen = []
    real_replace = os.replace

    def spy(src, dst):
        seen.append((Path(src), Path(dst)))
        assert Path(src).read_bytes() == b"new\n"
        assert stat.S_IMODE(Path(src).stat().st_mode) == 0o640
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", spy)
    write_source(target, b"new\n")
    assert len(seen) == 1 and seen[0][0].parent == tmp_path and seen[0][1] == target
    assert target.read_bytes() == b"new\n"


# -- decoding --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message", "row", "column"),
    [
        (b"x = 1\ny = '\xff'\n", "cannot decode as utf-8: byte 0xff", 2, 6),
        (b"x = 1\n  y\x00 = 2\n", "NUL byte", 2, 4),
        (b"# coding: klingon\nx = 1\n", "unknown encoding 'klingon'", 1, 1),
        (b"\xef\xbb\xbf# coding: latin-1\nx = 1\n", "conflicts with the UTF-8 BOM", 1, 1),
    ],
)
def test_decode_errors_carry_a_position(data: bytes, message: str, row: int, column: int) -> None:
    with pytest.raises(SourceError) as info:
        decode_source(data)
    assert message in info.value.message
    assert (info.value.row, info.value.column) == (row, column)


def test_cookie_on_second_line_and_not_third() -> None:
    assert (
        decode_source(b"#!/usr/bin/python\n# coding: latin-1\nx='\xe9'\n").encoding == "iso8859-1"
    )
    assert decode_source(b"\n\n# coding: latin-1\nx = 1\n").encoding == "utf-8"
    assert decode_source(b"x = 1  # coding: latin-1\n").encoding == "utf-8"


# -- bad input: FPI001, and the run goes on ---------------------------------------------------


SLEEPY = "import time\n\n\nasync def handler():\n    time.sleep(1)\n"


def bad_input_project(tmp_path: Path) -> Path:
    root = make_project(tmp_path / "p", {"good.py": SLEEPY, "syntax.py": "def f(:\n    pass\n"})
    (root / "utf8.py").write_bytes(b"x = 1\ns = 'caf\xe9'\n")
    (root / "nul.py").write_bytes(b"x = 1\x00\n")
    (root / "zz_good.py").write_text(SLEEPY)
    return root


def test_bad_files_each_give_one_fpi001_and_the_run_goes_on(tmp_path: Path) -> None:
    root = bad_input_project(tmp_path)
    items = run_json("check", "--no-cache", "--select", "FPI101", cwd=root)
    got = sorted((Path(i["filename"]).name, i["code"], i["location"]["row"]) for i in items)
    assert got == [
        ("good.py", "FPI101", 5),
        ("nul.py", "FPI001", 1),
        ("syntax.py", "FPI001", 1),
        ("utf8.py", "FPI001", 2),
        ("zz_good.py", "FPI101", 5),
    ]
    messages = {Path(i["filename"]).name: i["message"] for i in items if i["code"] == "FPI001"}
    assert messages["nul.py"] == "source contains a NUL byte"
    assert messages["syntax.py"].startswith("syntax error:")
    assert messages["utf8.py"].startswith("cannot decode as utf-8")


def test_bad_files_with_fix_are_left_alone(tmp_path: Path) -> None:
    root = bad_input_project(tmp_path)
    before = {p.name: p.read_bytes() for p in root.glob("*.py")}
    proc = run_cli("check", *FIX, cwd=root)
    assert proc.returncode == 1  # the FPI001 findings remain
    for name in ("syntax.py", "utf8.py", "nul.py"):
        assert (root / name).read_bytes() == before[name]
    assert "await asyncio.sleep(1)" in (root / "good.py").read_text()


def test_fpi001_is_on_even_when_not_selected_and_can_be_ignored(tmp_path: Path) -> None:
    root = bad_input_project(tmp_path)
    items = run_json("check", "--no-cache", "--select", "blocking-sleep-in-async", cwd=root)
    assert sum(i["code"] == "FPI001" for i in items) == 3
    items = run_json("check", "--no-cache", "--ignore", "FPI001", cwd=root)
    assert not any(i["code"] == "FPI001" for i in items)


def test_newer_syntax_parses(tmp_path: Path) -> None:
    body = (
        "type Pair[T] = tuple[T, T]\n\n"
        "def first[T](p: Pair[T]) -> T:\n    return p[0]\n\n"
        "match first((1, 2)):\n    case 1:\n        pass\n\n"
        "try:\n    pass\nexcept* ValueError:\n    pass\n\n"
        "name = 'x'\nmsg = f\"{f'{name!r}'}\"\n"
    )
    # Syntax up to Python 3.12 is clean for a 3.12 target; older targets get FPI003 for it
    # (tests/test_newer_syntax.py).
    root = make_project(tmp_path / "p", {"new.py": body}, 'target-version = "py312"\n')
    items = run_json("check", "--no-cache", cwd=root)
    assert items == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_unreadable_file_by_mode(tmp_path: Path) -> None:
    root = bad_input_project(tmp_path)
    secret = root / "secret.py"
    secret.write_text(SLEEPY)
    os.chmod(secret, 0)
    try:
        items = run_json("check", "--no-cache", "--select", "FPI101", cwd=root)
    finally:
        os.chmod(secret, 0o644)
    mine = [i for i in items if Path(i["filename"]).name == "secret.py"]
    assert [(i["code"], i["message"]) for i in mine] == [
        ("FPI001", "permission denied: the file cannot be read")
    ]


def in_process(root: Path, **options) -> engine_api.RunResult:
    settings = load_settings(root)
    return lint_paths([root], settings, LintOptions(use_cache=False, jobs=1, **options))


def test_unreadable_file_by_monkeypatched_read(tmp_path: Path, monkeypatch) -> None:
    """What chmod 000 does for a normal user, whoever runs the tests (CI runs as root)."""
    root = bad_input_project(tmp_path)
    secret = root / "secret.py"
    secret.write_text(SLEEPY)
    real_read = Path.read_bytes

    def read_bytes(self: Path) -> bytes:
        if self.name == "secret.py":
            raise PermissionError(13, "Permission denied", str(self))
        return real_read(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    run = in_process(root)
    by_file = {}
    for finding in run.findings:
        by_file.setdefault(Path(finding.path).name, []).append((finding.code, finding.message))
    assert by_file["secret.py"] == [("FPI001", "permission denied: the file cannot be read")]
    assert by_file["good.py"][0][0] == "FPI101"
    assert by_file["zz_good.py"][0][0] == "FPI101"


# -- misbehaving rules, injected -----------------------------------------------------------------


class AwaitOutsideAsync(Rule):
    """Test-only: 'fixes' print(...) into `await print(...)`, which parses but does not compile
    outside an async function."""

    code = "FPI098"
    name = "test-bad-fix"
    message = "test rule"
    summary = "test rule"
    docs = ""
    fix_availability = "always"
    triggers = ("print",)

    def visit_Call(self, node: cst.Call) -> None:
        if isinstance(node.func, cst.Name) and node.func.value == "print":
            self.report(node, fix=Fix("await it", "safe", {node: cst.Await(expression=node)}))


class Exploding(Rule):
    """Test-only: raises on every call it sees."""

    code = "FPI097"
    name = "test-exploding-rule"
    message = "test rule"
    summary = "test rule"
    docs = ""
    triggers = ("(",)

    def visit_Call(self, node: cst.Call) -> None:
        raise ZeroDivisionError("boom in a rule")


@pytest.fixture
def inject(monkeypatch):
    import fastapi_lint.rules.registry as registry

    def add(*rules: type[Rule]) -> None:
        extended = [*registry.RULES, *rules]
        for module in (registry, engine_linting):
            monkeypatch.setattr(module, "RULES", extended)

    return add


def test_fix_that_does_not_compile_is_dropped_and_reported(tmp_path: Path, inject, capsys) -> None:
    inject(AwaitOutsideAsync)
    body = "import time\n\nprint('x')\n\n\nasync def f():\n    time.sleep(1)\n"
    root = make_project(tmp_path / "p", {"m.py": body})
    run = in_process(root, fix=True, unsafe_fixes=True)
    (result,) = run.results
    assert result.dropped_fixes == ["FPI098: await it"]
    text = (root / "m.py").read_text()
    assert "await print" not in text
    assert "await asyncio.sleep(1)" in text  # the good fix in the same file still applies
    compile(text, "m.py", "exec")
    assert [f.code for f in result.findings] == ["FPI098"]
    # Without a usable fix the finding offers no edits.
    assert result.findings[0].fix is not None and result.findings[0].fix.edits == ()
    # The CLI says so on stderr and exits 1 (the finding remains).
    (root / "m.py").write_text("print('x')\n")
    code = cli.main(["check", str(root), "--no-cache", "--fix"])
    captured = capsys.readouterr()
    assert code == 1
    assert "was dropped because the result did not compile (FPI098: await it)" in captured.err
    assert (root / "m.py").read_text() == "print('x')\n"


def test_diff_never_shows_a_dropped_fix(tmp_path: Path, inject, capsys) -> None:
    inject(AwaitOutsideAsync)
    root = make_project(tmp_path / "p", {"m.py": "print('x')\n"})
    code = cli.main(["check", str(root), "--no-cache", "--diff"])
    captured = capsys.readouterr()
    assert code == 0
    assert "await" not in captured.out


def test_exception_in_a_rule_is_one_fpi002(tmp_path: Path, inject, capsys) -> None:
    inject(Exploding)
    body = "import time\n\n\nasync def f():\n    print(1)\n    print(2)\n    time.sleep(1)\n"
    root = make_project(tmp_path / "p", {"m.py": body, "n.py": "len([])\n"})
    run = in_process(root)
    codes = [(Path(f.path).name, f.code) for f in run.findings]
    assert codes == [("m.py", "FPI002"), ("m.py", "FPI101"), ("n.py", "FPI002")]
    error = run.findings[0]
    assert "FPI097 (test-exploding-rule)" in error.message
    assert "ZeroDivisionError: boom in a rule" in error.message
    assert "Traceback" in (error.detail or "")
    # The traceback is shown with --verbose only.
    cli.main(["check", str(root), "--no-cache", "--select", "FPI1,FPI097"])
    quiet = capsys.readouterr()
    assert "FPI002" in quiet.out and "Traceback" not in quiet.err
    cli.main(["check", str(root), "--no-cache", "--select", "FPI1,FPI097", "--verbose"])
    loud = capsys.readouterr()
    assert "Traceback" in loud.err and "boom in a rule" in loud.err


def test_fpi002_can_be_ignored(tmp_path: Path, inject) -> None:
    inject(Exploding)
    root = make_project(tmp_path / "p", {"n.py": "len([])\n"}, 'ignore = ["FPI002"]\n')
    assert in_process(root).findings == []


class BrokenReplacement(Rule):
    """Test-only: a fix whose replacement is not a valid node where it goes."""

    code = "FPI095"
    name = "test-broken-replacement"
    message = "test rule"
    summary = "test rule"
    docs = ""
    fix_availability = "always"
    triggers = ("print",)

    def visit_Call(self, node: cst.Call) -> None:
        if isinstance(node.func, cst.Name) and node.func.value == "print":
            self.report(node.func, fix=Fix("break it", "safe", {node.func: cst.Pass()}))


class FailsToStart(Rule):
    """Test-only: raises while being created."""

    code = "FPI094"
    name = "test-fails-to-start"
    message = "test rule"
    summary = "test rule"
    docs = ""
    triggers = ("(",)

    def __init__(self, ctx, metadata=None) -> None:
        raise RuntimeError("cannot start")

    def visit_Call(self, node: cst.Call) -> None:
        """Never reached."""


def test_a_fix_that_breaks_libcst_is_dropped_not_a_crash(tmp_path: Path, inject) -> None:
    inject(BrokenReplacement)
    body = "import time\n\nprint('x')\n\n\nasync def f():\n    time.sleep(1)\n"
    root = make_project(tmp_path / "p", {"m.py": body})
    run = in_process(root, fix=True, unsafe_fixes=True)
    (result,) = run.results
    assert result.dropped_fixes == ["FPI095: break it"]
    assert [f.code for f in result.findings] == ["FPI095"]
    text = (root / "m.py").read_text()
    assert "print('x')" in text and "await asyncio.sleep(1)" in text


def test_a_rule_that_fails_to_start_is_one_fpi002(tmp_path: Path, inject) -> None:
    inject(FailsToStart)
    root = make_project(tmp_path / "p", {"m.py": SLEEPY})
    findings = in_process(root).findings
    assert [f.code for f in findings] == ["FPI002", "FPI101"]
    assert "FPI094 (test-fails-to-start)" in findings[0].message


def test_an_unexpected_engine_failure_is_one_fpi002_per_file(tmp_path: Path, monkeypatch) -> None:
    root = make_project(tmp_path / "p", {"a.py": SLEEPY, "b.py": SLEEPY})
    real = engine_linting.lint_text

    def flaky(state, path, *args, **kwargs):
        if path.name == "a.py":
            raise MemoryError("pretend")
        return real(state, path, *args, **kwargs)

    monkeypatch.setattr(engine_linting, "lint_text", flaky)
    findings = in_process(root).findings
    assert [(Path(f.path).name, f.code) for f in findings] == [
        ("a.py", "FPI002"),
        ("b.py", "FPI101"),
    ]
    assert "MemoryError: pretend" in findings[0].message


# -- standard input ------------------------------------------------------------------------------


@pytest.mark.slow
def test_stdin_invalid_utf8_is_fpi001_and_fix_echoes_the_bytes(tmp_path: Path) -> None:
    import subprocess
    import sys

    root = make_project(tmp_path / "p", {})
    data = b"import time\n\n\nasync def f():\n    x = '\xff'\n    time.sleep(1)\n"
    env = dict(os.environ, NO_COLOR="1")
    proc = subprocess.run(
        [sys.executable, "-m", "fastapi_lint", "check", "-", "--stdin-filename", "s.py"],
        input=data,
        capture_output=True,
        cwd=root,
        env=env,
        check=False,
    )
    assert proc.returncode == 1
    assert b"s.py:5:10: FPI001 cannot decode as utf-8" in proc.stdout
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "fastapi_lint",
            "check",
            "--stdin-filename",
            "s.py",
            "--fix",
            "--unsafe-fixes",
        ],
        input=data,
        capture_output=True,
        cwd=root,
        env=env,
        check=False,
    )
    assert proc.stdout == data
    assert b"FPI001" in proc.stderr


@pytest.mark.slow
def test_stdin_fix_keeps_the_encoding(tmp_path: Path) -> None:
    import subprocess
    import sys

    root = make_project(tmp_path / "p", {})
    data = (
        b"# coding: latin-1\nimport time\n\n\nasync def f():\n    x = '\xe9'\n    time.sleep(1)\n"
    )
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "fastapi_lint",
            "check",
            "--stdin-filename",
            "s.py",
            "--select",
            "FPI101",
            "--fix",
            "--unsafe-fixes",
        ],
        input=data,
        capture_output=True,
        cwd=root,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == (
        b"# coding: latin-1\nimport time\nimport asyncio\n\n\nasync def f():\n"
        b"    x = '\xe9'\n    await asyncio.sleep(1)\n"
    )
