"""Writing fixes: only where the user may write, and keeping what the file is.

A file the user may not write is reported (`FPI001`, exit 1, its findings unfixed) and left
alone, as ruff reports `E902 Permission denied` for it; a file with several hard links is fixed
through all its names (written in place, same inode); owner, group and mode are kept; a
symlink is followed (the target changes, the link stays a link).

The machine that runs these tests may run them as root, who may write any file: the cases that
need an ordinary user run the CLI in a subprocess that drops to another uid (`os.setuid`) after
importing what it needs, since the interpreter itself may live where that user cannot read.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from conftest import run_cli

SLEEPY = "import time\n\n\nasync def handler():\n    time.sleep(1)\n"
FIXED = "import time\nimport asyncio\n\n\nasync def handler():\n    await asyncio.sleep(1)\n"
FIX = ("check", "--select", "FPI101", "--no-cache", "--fix", "--unsafe-fixes")

IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
needs_root = pytest.mark.skipif(not IS_ROOT, reason="needs root to own files as another user")
# Two uids that need no account: the file's owner and the user who runs the fix.
OWNER_UID, RUNNER_UID = 65533, 65534

# Runs `fastapi-lint ARGS...` as uid RUNNER in folder CWD: first a warm-up run as root on a copy
# of the project (imports every module the real run needs), then setuid, then the real run.
AS_USER = """
import contextlib, io, os, shutil, sys, tempfile
from fastapi_lint.cli import main

uid, cwd, args = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
warm = tempfile.mkdtemp()
shutil.copytree(cwd, warm, dirs_exist_ok=True)
os.chdir(warm)
with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
    main(args)
os.chdir(cwd)
shutil.rmtree(warm, ignore_errors=True)
os.setgroups([])
os.setgid(uid)
os.setuid(uid)
sys.exit(main(args))
"""


def run_as(uid: int, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "NO_COLOR": "1"}
    env.pop("FASTAPI_LINT_CACHE_DIR", None)
    return subprocess.run(
        [sys.executable, "-c", AS_USER, str(uid), str(cwd), *args],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )


def run_as_a_user(cwd: Path, *args: str, owned: tuple[Path, ...] = ()):
    """Runs the CLI as an ordinary user: as RUNNER_UID, owning `owned`, when the tests run as
    root; else as the user running the tests (who owns what they created)."""
    if not IS_ROOT:
        return run_cli(*args, cwd=cwd)
    for path in owned:
        os.chown(path, RUNNER_UID, RUNNER_UID)
    return run_as(RUNNER_UID, cwd, *args)


@pytest.fixture
def shared(tmp_path: Path):
    """A project folder anyone may enter and write (pytest's tmp_path is private to root)."""
    folder = Path(tempfile.mkdtemp(prefix="fastapi-lint-writes-"))
    os.chmod(folder, 0o777)
    (folder / "pyproject.toml").write_text('[project]\nname = "demo"\n')
    os.chmod(folder / "pyproject.toml", 0o644)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def make_project(root: Path, files: dict[str, str]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text('[project]\nname = "demo"\n')
    for name, text in files.items():
        (root / name).write_text(text)
    return root


def assert_not_written(proc, path: Path) -> None:
    """Exit 1, an FPI001 naming the write, the unfixed finding still reported."""
    assert proc.returncode == 1, (proc.returncode, proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr, proc.stderr
    assert f"{path.name}:1:1: FPI001 cannot write the fixes: permission denied" in proc.stdout
    assert f"{path.name}:5:5: FPI101" in proc.stdout, proc.stdout


# -- files the user may not write -----------------------------------------------------------


@pytest.mark.slow
@needs_root
def test_read_only_file_of_another_user_is_reported_and_left_alone(shared: Path) -> None:
    """The reported bug: replaced via a temp file and rename in a writable folder, the file
    changed and now belonged to the user who ran the fix."""
    path = shared / "theirs.py"
    path.write_text(SLEEPY)
    os.chown(path, OWNER_UID, OWNER_UID)
    os.chmod(path, 0o444)
    inode = path.stat().st_ino
    proc = run_as(RUNNER_UID, shared, *FIX)
    assert_not_written(proc, path)
    st = path.stat()
    assert path.read_text() == SLEEPY
    assert (st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode), st.st_ino) == (
        OWNER_UID,
        OWNER_UID,
        0o444,
        inode,
    )
    assert sorted(p.name for p in shared.iterdir()) == ["pyproject.toml", "theirs.py"]


@pytest.mark.slow
def test_read_only_file_of_its_own_user_is_reported_and_left_alone(shared: Path) -> None:
    """What ruff does as that user: `E902 Permission denied`, exit 1, file unchanged."""
    path = shared / "mine.py"
    path.write_text(SLEEPY)
    os.chmod(path, 0o444)
    proc = run_as_a_user(shared, *FIX, owned=(path,))
    assert_not_written(proc, path)
    assert "fixed" not in proc.stdout  # nothing counted as fixed
    assert path.read_text() == SLEEPY
    assert stat.S_IMODE(path.stat().st_mode) == 0o444


@pytest.mark.slow
def test_other_files_are_still_fixed(shared: Path) -> None:
    locked = shared / "locked.py"
    locked.write_text(SLEEPY)
    os.chmod(locked, 0o444)
    free = shared / "free.py"
    free.write_text(SLEEPY)
    os.chmod(free, 0o666)
    proc = run_as_a_user(shared, *FIX, owned=(locked, free))
    assert_not_written(proc, locked)
    assert free.read_text() == FIXED
    assert "free.py" not in proc.stdout
    assert "(1 fixed, 2 remaining)." in proc.stdout, proc.stdout


@needs_root
def test_root_fixes_a_read_only_file_and_keeps_its_owner_and_mode(tmp_path: Path) -> None:
    """As root, ruff writes a 0444 file (root may write any file); so do we, and the file still
    belongs to its owner with its mode."""
    root = make_project(tmp_path / "p", {"theirs.py": SLEEPY})
    path = root / "theirs.py"
    os.chown(path, OWNER_UID, OWNER_UID)
    os.chmod(path, 0o444)
    proc = run_cli(*FIX, cwd=root)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    st = path.stat()
    assert path.read_text() == FIXED
    assert (st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode)) == (OWNER_UID, OWNER_UID, 0o444)


@pytest.mark.slow
@needs_root
def test_writable_file_of_another_user_keeps_its_owner(shared: Path) -> None:
    """A file the runner may write but not own (0666 here, a shared group in real life) is
    written in place: a replacement would belong to the runner."""
    path = shared / "theirs.py"
    path.write_text(SLEEPY)
    os.chown(path, OWNER_UID, OWNER_UID)
    os.chmod(path, 0o666)
    proc = run_as(RUNNER_UID, shared, *FIX)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    st = path.stat()
    assert path.read_text() == FIXED
    assert (st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode)) == (OWNER_UID, OWNER_UID, 0o666)


@pytest.mark.slow
def test_writable_file_in_a_read_only_folder_is_fixed_in_place(shared: Path) -> None:
    """No temp file can be made beside it: the file is rewritten in place, as ruff does."""
    folder = shared / "frozen"
    folder.mkdir()
    path = folder / "m.py"
    path.write_text(SLEEPY)
    os.chmod(path, 0o666)
    os.chmod(folder, 0o555)
    try:
        proc = run_as_a_user(shared, *FIX)
    finally:
        os.chmod(folder, 0o755)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert path.read_text() == FIXED
    assert [p.name for p in folder.iterdir()] == ["m.py"]


# -- hard links, symlinks, mode ---------------------------------------------------------------


def test_hard_linked_file_is_fixed_through_all_its_names(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", {"a.py": SLEEPY})
    other = tmp_path / "elsewhere.py"
    os.link(root / "a.py", other)
    proc = run_cli(*FIX, "a.py", cwd=root)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (root / "a.py").read_text() == FIXED
    assert other.read_text() == FIXED
    assert os.path.samefile(root / "a.py", other)
    assert (root / "a.py").stat().st_nlink == 2


def test_symlink_is_followed_and_stays_a_link(tmp_path: Path) -> None:
    """The decision: like ruff, the link's target is fixed; the link is never replaced by a
    regular file (which would silently fork the code)."""
    root = make_project(tmp_path / "p", {"real.py": SLEEPY})
    (root / "alias.py").symlink_to("real.py")
    proc = run_cli(*FIX, "alias.py", cwd=root)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (root / "alias.py").is_symlink() and os.readlink(root / "alias.py") == "real.py"
    assert (root / "real.py").read_text() == FIXED
    assert sorted(p.name for p in root.iterdir()) == ["alias.py", "pyproject.toml", "real.py"]


def test_symlink_to_a_hard_linked_file(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", {"real.py": SLEEPY})
    os.link(root / "real.py", tmp_path / "twin.py")
    (root / "alias.py").symlink_to(root / "real.py")
    assert run_cli(*FIX, "alias.py", cwd=root).returncode == 0
    assert (root / "alias.py").is_symlink()
    assert (tmp_path / "twin.py").read_text() == FIXED


@pytest.mark.parametrize("mode", [0o600, 0o640, 0o755, 0o2775])
def test_mode_bits_are_kept(tmp_path: Path, mode: int) -> None:
    root = make_project(tmp_path / "p", {"m.py": SLEEPY})
    os.chmod(root / "m.py", mode)
    assert run_cli(*FIX, cwd=root).returncode == 0
    assert stat.S_IMODE((root / "m.py").stat().st_mode) == mode
    assert (root / "m.py").read_text() == FIXED


@pytest.mark.slow
def test_codemod_reports_a_file_it_cannot_write(shared: Path) -> None:
    path = shared / "mine.py"
    path.write_text(SLEEPY)
    os.chmod(path, 0o444)
    args = ("codemod", "FPI101", ".")
    proc = run_as_a_user(shared, *args, owned=(path,))
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "mine.py: cannot write the fixes: permission denied" in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr
    assert path.read_text() == SLEEPY
