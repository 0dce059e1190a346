"""A fix changes the bytes of the edited nodes and nothing else.

LibCST does not render every file back byte for byte (it drops a form feed that starts a line, a
CR-only file's last `\\r`, blanks and comments after the last statement of a file without a final
newline), so the engine carries only the fix's changes over to the original text
(`engine.fixes.keep_untouched`). The property test builds files from decorated lines (every line
ending, mixed; form feeds; a BOM; tabs; trailing blanks; no final newline) around findings with
a known fix, runs the real `--fix` write path, undoes the known edits on the result and asserts
the original bytes come back; a second run changes nothing.
"""

from __future__ import annotations

import re
from pathlib import Path

import libcst as cst
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from fastapi_lint.config import load_settings, with_cli_overrides
from fastapi_lint.engine import LintOptions, keep_untouched, lint_paths, lint_source
from fastapi_lint.source import split_lines

BOM = b"\xef\xbb\xbf"


def fix_file(root: Path, data: bytes, name: str = "app.py") -> tuple[bytes, object]:
    """Writes `data`, runs `check --fix --unsafe-fixes` in process, returns the new bytes."""
    path = root / name
    path.write_bytes(data)
    settings_ = with_cli_overrides(load_settings(root), select=["FPI101", "FPI206"])
    run = lint_paths(
        [path], settings_, LintOptions(fix=True, unsafe_fixes=True, use_cache=False, jobs=1)
    )
    return path.read_bytes(), run


@pytest.fixture
def root(tmp_path: Path) -> Path:
    project = tmp_path / "p"
    project.mkdir()
    (project / "pyproject.toml").write_text('[project]\nname = "demo"\n')
    return project


# -- the reported cases --------------------------------------------------------------------


def test_form_feed_on_an_untouched_line_stays(root: Path) -> None:
    data = b"import time\n\n\x0cx = 1\n\n\nasync def f():\n    time.sleep(1)\n"
    fixed, _ = fix_file(root, data)
    assert fixed == (
        b"import time\nimport asyncio\n\n\x0cx = 1\n\n\nasync def f():\n"
        b"    await asyncio.sleep(1)\n"
    )


def test_cr_only_file_keeps_its_last_cr(root: Path) -> None:
    data = b"import time\r\rasync def f():\r    time.sleep(1)\r"
    fixed, _ = fix_file(root, data)
    assert fixed == b"import time\rimport asyncio\r\rasync def f():\r    await asyncio.sleep(1)\r"


def test_form_feed_before_the_fixed_line_stays_and_the_fix_applies(root: Path) -> None:
    """A first indented line starting with a form feed made LibCST refuse the added import,
    so the fix was dropped; now it applies and the form feed stays."""
    data = b"import time\n\nasync def f():\n\x0c    time.sleep(1)\n"
    fixed, run = fix_file(root, data)
    assert not run.results[0].dropped_fixes
    assert fixed == (
        b"import time\nimport asyncio\n\nasync def f():\n\x0c    await asyncio.sleep(1)\n"
    )


def test_an_added_line_does_not_fuse_with_the_next_line_ending(root: Path) -> None:
    """LibCST ends the new import with the file's first newline (`\r` here); before a blank
    `\n` line that made one `\r\n`, and the blank line vanished."""
    data = b"import time\rfrom os import sep\n\nasync def f():\n    time.sleep(1)\n"
    fixed, _ = fix_file(root, data)
    assert fixed == (
        b"import time\rfrom os import sep\nimport asyncio\n\nasync def f():\n"
        b"    await asyncio.sleep(1)\n"
    )


@pytest.mark.parametrize("tail", [b"  # c\n\x0c\n", b"   \n   ", b"# the end  "])
def test_what_follows_the_last_statement_stays(root: Path, tail: bytes) -> None:
    """LibCST drops an indented comment before a form-feed line at the end of a file, and a
    blank line before trailing blanks without a final newline."""
    data = b"import time\n\nasync def f():\n    time.sleep(1)\n" + tail
    fixed, _ = fix_file(root, data)
    assert (
        fixed
        == b"import time\nimport asyncio\n\nasync def f():\n    await asyncio.sleep(1)\n" + tail
    )


def test_fix_edits_in_json_carry_only_the_change(root: Path) -> None:
    """`fix.edits` are diffed from the carried-over text: applied to the file they give the
    fixed file, with no phantom edit taking a CR-only file's last `\r` away."""
    text = "import time\r\x0c\rasync def f():\r    time.sleep(1)\r"
    settings_ = with_cli_overrides(load_settings(root), select=["FPI101"])
    result = lint_source(text, root / "m.py", settings_, unsafe_fixes=True)
    (finding,) = result.findings
    lines = split_lines(text, keepends=True)
    for edit in sorted(finding.fix.edits, key=lambda e: e.location.row, reverse=True):
        assert edit.location.column == edit.end_location.column == 1
        lines[edit.location.row - 1 : edit.end_location.row - 1] = [edit.content]
    assert "".join(lines) == (
        "import time\rimport asyncio\r\x0c\rasync def f():\r    await asyncio.sleep(1)\r"
    )


def test_codemod_runner_keeps_the_same_bytes(root: Path, capsys) -> None:
    """`fastapi-lint codemod` writes LibCST's result too: the same carry-over applies."""
    from fastapi_lint.cli import main

    data = b"import time\r\x0c\rx = 1\rasync def f():\r    time.sleep(1)\r"
    (root / "app.py").write_bytes(data)
    assert main(["codemod", "FPI101", str(root)]) == 0
    capsys.readouterr()
    assert (root / "app.py").read_bytes() == (
        b"import time\rimport asyncio\r\x0c\rx = 1\rasync def f():\r    await asyncio.sleep(1)\r"
    )


# -- keep_untouched on its own -------------------------------------------------------------


@pytest.mark.parametrize(
    ("original", "new_code"),
    [
        # An inserted line goes before a line's leading form feed.
        ("import a\n\x0cx = 1\n", lambda r: r.replace("import a\n", "import a\nimport b\n")),
        # A change on a line whose leading form feed LibCST dropped keeps the form feed.
        ("if a:\n    pass\n\x0cx = 1\n", lambda r: r.replace("x = 1", "x = 2")),
        # A change at the very end, where the original has more than LibCST renders.
        ("x = 1\r", lambda r: r.replace("x = 1", "x = 22")),
        ("x = 1\ny = 2\n   ", lambda r: r.replace("y = 2", "y = 3")),
    ],
)
def test_keep_untouched_carries_only_the_change(original: str, new_code) -> None:
    rendered = cst.parse_module(original).code
    fixed = new_code(rendered)
    out = keep_untouched(original, rendered, fixed)
    expected = {
        "import a\n\x0cx = 1\n": "import a\nimport b\n\x0cx = 1\n",
        "if a:\n    pass\n\x0cx = 1\n": "if a:\n    pass\n\x0cx = 2\n",
        "x = 1\r": "x = 22\r",
        "x = 1\ny = 2\n   ": "x = 1\ny = 3\n   ",
    }[original]
    assert out == expected


def test_keep_untouched_is_the_identity_where_libcst_round_trips() -> None:
    original = "x = 1\n"
    assert keep_untouched(original, original, "x = 2\n") == "x = 2\n"
    assert keep_untouched("x = 1\r", "x = 1", "x = 1") == "x = 1\r"


# -- the property ---------------------------------------------------------------------------

NEWLINES = ("\n", "\r\n", "\r")
# Statement lines that may stand anywhere; multi-line ones are tuples (continuations take no
# trailing blanks after a backslash).
TOP_FILLER = (
    "x = 1",
    "# a comment",
    "# café ☕",
    "",
    "s = 'a\x0cb'",
    ("t = (1,", "     2)"),
    ("u = 1 + \\", "    2"),
    ('d = """first', "\x0csecond  ", '"""'),
)
BODY_FILLER = ("y = 2", "# inside", "", ("z = [", "    3,", "]"), ("w = 4 + \\", "    5"))
DEPENDS_BLOCK = (
    "app = FastAPI()",
    "",
    "",
    "def get_db():",
    "    yield 1",
    "",
    "",
    '@app.get("/items")',
    "async def items(db=Depends(get_db())):",
    "    return db",
)


@st.composite
def decorated_files(draw) -> bytes:
    uniform = draw(st.sampled_from((*NEWLINES, None)))
    indent = draw(st.sampled_from(("    ", "\t", "  ", "\t    ")))
    out: list[str] = []

    def emit(line: str, *, indented: bool = False, continued: bool = False) -> None:
        lead = draw(st.sampled_from(("", "", "\x0c")))
        trail = "" if continued else draw(st.sampled_from(("", "", " ", "\t", "  \t ")))
        ending = uniform or draw(st.sampled_from(NEWLINES))
        body = (indent if indented and line else "") + line
        if indented and not line:
            body = draw(st.sampled_from(("", indent)))
        out.append(lead + body + trail + ending)

    def emit_filler(item, *, indented: bool = False) -> None:
        lines = item if isinstance(item, tuple) else (item,)
        for line in lines:
            emit(line, indented=indented, continued=line.endswith("\\"))

    emit("import time")
    emit("from fastapi import Depends, FastAPI")
    emit("")
    for item in draw(st.lists(st.sampled_from(TOP_FILLER), max_size=4)):
        emit_filler(item)
    emit("async def handler():")
    for item in draw(st.lists(st.sampled_from(BODY_FILLER), max_size=3)):
        emit_filler(item, indented=True)
    emit("time.sleep(1)" + draw(st.sampled_from(("", "  # pause"))), indented=True)
    for item in draw(st.lists(st.sampled_from(BODY_FILLER), max_size=3)):
        emit_filler(item, indented=True)
    for item in draw(st.lists(st.sampled_from(TOP_FILLER), max_size=3)):
        emit_filler(item)
    if draw(st.booleans()):
        for line in DEPENDS_BLOCK:
            emit(line, indented=False)
    text = "".join(out)
    # What follows the last line: as built, nothing (no final newline), or blanks, a comment
    # or a form feed without a newline, or lines LibCST drops at the end of a file.
    ending = uniform or "\n"
    tail = draw(
        st.sampled_from(
            (None, "", "  ", "# end", "\x0c", f"  # c{ending}\x0c{ending}", f"   {ending}   ")
        )
    )
    last = text.rstrip("\r\n")
    if tail is not None and not last.endswith("\\"):  # a file cannot end in a continuation
        text = last + (ending + tail if tail else "")
    data = text.encode("utf-8")
    return BOM + data if draw(st.booleans()) else data


# At a line start: after \n or \r (a bytes `^` with re.M knows only \n). LibCST adds a blank
# line after the new import when code follows the imports directly.
_NL = rb"(?:\r\n|\r|\n)"
_ADDED_IMPORT = re.compile(rb"(?:(?<=[\r\n])|\A)import asyncio" + _NL)
_ADDED_IMPORT_AND_BLANK = re.compile(rb"(?:(?<=[\r\n])|\A)import asyncio" + _NL + _NL)


def undo_known_fixes(data: bytes) -> set[bytes]:
    """The fixed bytes with the two fixes' own edits reversed (two readings: with and without
    a blank line added after the import)."""
    undone = data.replace(b"await asyncio.sleep(", b"time.sleep(")
    undone = undone.replace(b"Depends(get_db)", b"Depends(get_db())")
    readings = set()
    for pattern in (_ADDED_IMPORT, _ADDED_IMPORT_AND_BLANK):
        reading, count = pattern.subn(b"", undone, count=1)
        if count:
            readings.add(reading)
    assert readings, data
    return readings


@pytest.mark.slow
@settings(
    max_examples=80,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink],
)
@given(data=decorated_files())
def test_fix_changes_only_the_edited_bytes_and_is_idempotent(root: Path, data: bytes) -> None:
    compile(data, "generated.py", "exec")  # the generator makes valid Python only
    fixed, run = fix_file(root, data)
    assert not run.results[0].dropped_fixes, run.results[0].dropped_fixes
    assert b"await asyncio.sleep(1)" in fixed, fixed  # the fix really ran
    if b"Depends(get_db()" in data:
        assert b"Depends(get_db)" in fixed, fixed
    assert data in undo_known_fixes(fixed)
    compile(fixed, "fixed.py", "exec")
    assert fixed.startswith(BOM) == data.startswith(BOM)
    again, second = fix_file(root, fixed)
    assert again == fixed
    assert not second.results[0].findings, second.results[0].findings
