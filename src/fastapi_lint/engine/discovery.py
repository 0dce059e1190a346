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
    # GitIgnoreSpec: .gitignore semantics (pathspec >= 0.10; "gitwildmatch" is deprecated).
    return pathspec.GitIgnoreSpec.from_lines(list(patterns))


class Excluder:
    """Matches paths against the exclude patterns, relative to the configuration's folder.

    Paths are compared as written (absolute, symlinks not followed): a pattern names the place
    a file is found, as in ruff. Folder answers are memoised, because every file below a folder
    asks about the same parents."""

    def __init__(self, settings: Settings, lines: list[str] | None = None) -> None:
        self.settings = settings
        self.base = settings.config_dir.resolve()
        self.base_str = str(self.base)
        self.lines = [*settings.exclude, *settings.extend_exclude] if lines is None else lines
        self.spec = _spec(self.lines)
        self._folders: dict[str, bool] = {}

    def below(self, top: Path) -> Excluder:
        """The excludes that apply inside `top`, a folder named on the command line: a pattern
        that excludes `top` itself or a folder above it is dropped, as ruff never excludes a
        path it was given (`fastapi-lint check build/` lints build/)."""
        rel = self.relative(top)
        if rel in ("", "."):
            return self
        parts = rel.split("/")
        above = ["/".join(parts[: i + 1]) + "/" for i in range(len(parts))]
        kept = [
            line
            for line in self.lines
            if line.lstrip().startswith("!") or not any(_spec([line]).match_file(a) for a in above)
        ]
        return self if len(kept) == len(self.lines) else Excluder(self.settings, kept)

    def relative(self, path: Path) -> str:
        text = os.path.abspath(path)
        if text == self.base_str:
            return ""
        if text.startswith(self.base_str + os.sep):
            return text[len(self.base_str) + 1 :].replace(os.sep, "/")
        try:
            return path.resolve().relative_to(self.base).as_posix()
        except ValueError:
            return path.name

    def excluded(self, path: Path, is_dir: bool = False) -> bool:
        rel = self.relative(path)
        if rel in ("", "."):
            return False
        if not is_dir:
            return self.spec.match_file(rel)
        hit = self._folders.get(rel)
        if hit is None:
            hit = self._folders[rel] = self.spec.match_file(rel + "/")
        return hit

    def folder_excluded(self, folder: Path, top: Path) -> bool:
        """True when `folder` or any folder between it and `top` is excluded."""
        while folder != top and top in folder.parents:
            if self.excluded(folder, is_dir=True):
                return True
            folder = folder.parent
        return False


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


def python_files_under(folder: Path, settings: Settings, explicit: bool = False) -> list[Path]:
    """Python files below `folder`, excludes and .gitignore applied. `explicit`: the folder was
    named on the command line, so neither an exclude nor a .gitignore that covers the folder
    itself applies (only what lies below it is filtered), as in ruff."""
    excluder = Excluder(settings)
    use_git = settings.respect_gitignore and _in_git(folder)
    if explicit:
        excluder = excluder.below(folder)
        use_git = use_git and not _git_ignored(folder)
    listing = _git_listing(folder) if use_git else None
    if listing is None:
        candidates = _walk(folder, excluder)
        pruned = True
    else:
        candidates = [p for p in listing if p.name.endswith(PYTHON_SUFFIXES)]
        pruned = False
    result = []
    for path in candidates:
        if excluder.excluded(path):
            continue
        # A folder that is excluded excludes its files too (git listings are not pruned).
        if not pruned and excluder.folder_excluded(path.parent, folder):
            continue
        if path.is_file() or path.is_symlink():
            result.append(path)
    return result


def _git_ignored(folder: Path) -> bool:
    try:
        proc = subprocess.run(
            ["git", "check-ignore", "-q", "--", str(folder)],
            cwd=folder,
            capture_output=True,
            timeout=60,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return proc.returncode == 0


def _in_git(folder: Path) -> bool:
    return any((candidate / ".git").exists() for candidate in (folder, *folder.parents))


def discover(
    paths: list[Path], settings: Settings, known: dict[Path, list[Path]] | None = None
) -> list[Path]:
    """Files to lint. Explicit file arguments are linted even when excluded (as ruff does)
    unless `force-exclude` is set; folders are walked with the excludes and .gitignore applied
    below them (a folder named explicitly is walked even when it is excluded itself, unless
    `force-exclude` is set). A missing path is a usage error.
    `known` maps folders already listed by `python_files_under` to their files."""
    files: dict[Path, None] = {}
    for path in paths:
        if not path.exists() and not path.is_symlink():
            raise ConfigError(f"no such file or directory: {path}")
        if path.is_dir():
            folder = Path(os.path.abspath(path))
            if settings.force_exclude and _explicitly_excluded(folder, settings, is_dir=True):
                continue
            listed = (known or {}).get(folder)
            if listed is None:
                listed = python_files_under(folder, settings, explicit=True)
            for found in listed:
                files[found] = None
        else:
            file = Path(os.path.abspath(path))
            if settings.force_exclude and _explicitly_excluded(file, settings):
                continue
            files[file] = None
    return sorted(files)


def _explicitly_excluded(path: Path, settings: Settings, is_dir: bool = False) -> bool:
    """With force-exclude, a path named on the command line (as pre-commit does) is skipped when
    it or one of its folders matches the excludes."""
    excluder = Excluder(settings)
    if excluder.excluded(path, is_dir=is_dir):
        return True
    rel = excluder.relative(path)
    parts = rel.split("/")[:-1] if rel else []
    return any(
        excluder.excluded(excluder.base / "/".join(parts[: i + 1]), is_dir=True)
        for i in range(len(parts))
    )
