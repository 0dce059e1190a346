"""Which files a run looks at: the ones to lint, and every Python file of the project for the index."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterable
from pathlib import Path

import pathspec

from ..config import ConfigError, Settings

PYTHON_SUFFIXES = (".py", ".pyi")


def _spec(patterns: Iterable[str]) -> pathspec.PathSpec:
    return pathspec.PathSpec.from_lines("gitwildmatch", list(patterns))


class Excluder:
    def __init__(self, settings: Settings) -> None:
        self.base = settings.config_dir.resolve()
        self.spec = _spec([*settings.exclude, *settings.extend_exclude])

    def excluded(self, path: Path, is_dir: bool = False) -> bool:
        try:
            rel = path.resolve().relative_to(self.base).as_posix()
        except ValueError:
            rel = path.name
        if rel in ("", "."):
            return False
        return self.spec.match_file(rel + "/" if is_dir else rel)


def _git_listing(folder: Path) -> list[Path] | None:
    """Non-ignored files under `folder` as git sees them, or None outside a work tree."""
    try:
        proc = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", "."],
            cwd=folder,
            capture_output=True,
            timeout=60,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if proc.returncode != 0:
        return None
    return [folder / p.decode("utf-8", "surrogateescape") for p in proc.stdout.split(b"\0") if p]


def _walk(folder: Path, excluder: Excluder) -> list[Path]:
    found = []
    for dirpath, dirnames, filenames in os.walk(folder):
        here = Path(dirpath)
        dirnames[:] = sorted(d for d in dirnames if not excluder.excluded(here / d, is_dir=True))
        for name in filenames:
            if name.endswith(PYTHON_SUFFIXES):
                found.append(here / name)
    return found


def python_files_under(folder: Path, settings: Settings) -> list[Path]:
    excluder = Excluder(settings)
    listing = _git_listing(folder) if settings.respect_gitignore and _in_git(folder) else None
    if listing is None:
        candidates = _walk(folder, excluder)
    else:
        candidates = [p for p in listing if p.name.endswith(PYTHON_SUFFIXES)]
    result = []
    for path in candidates:
        if not path.name.endswith(PYTHON_SUFFIXES) or excluder.excluded(path):
            continue
        # A folder that is excluded excludes its files too (git listings are not pruned).
        if any(excluder.excluded(parent, is_dir=True) for parent in _parents_within(path, folder)):
            continue
        if path.is_file() or path.is_symlink():
            result.append(path)
    return result


def _parents_within(path: Path, folder: Path) -> Iterable[Path]:
    parent = path.parent
    while parent != folder and folder in parent.parents:
        yield parent
        parent = parent.parent
    if parent == folder and parent != path.parent:
        return


def _in_git(folder: Path) -> bool:
    return any((candidate / ".git").exists() for candidate in (folder, *folder.parents))


def discover(paths: list[Path], settings: Settings) -> list[Path]:
    """Files to lint. Explicit file arguments are always linted (as ruff does); folders are
    walked with the excludes and .gitignore applied. A missing path is a usage error."""
    files: dict[Path, None] = {}
    for path in paths:
        if not path.exists() and not path.is_symlink():
            raise ConfigError(f"no such file or directory: {path}")
        if path.is_dir():
            for found in python_files_under(Path(os.path.abspath(path)), settings):
                files[found] = None
        else:
            files[Path(os.path.abspath(path))] = None
    return sorted(files)
