"""The on-disk cache: per-file summaries and per-file findings, keyed by content.

Layout (like ruff's): `.fastapi_lint_cache/` with a `.gitignore` of `*`, then one folder per tool
version holding `files.json`, `summaries.json` and one `results-<fingerprint>.json` per
selection (see `Cache`). Files are replaced
atomically, so parallel runs cannot corrupt them; an unreadable cache is ignored and rewritten.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from .. import __version__

CACHE_DIRNAME = ".fastapi_lint_cache"
ENV_CACHE_DIR = "FASTAPI_LINT_CACHE_DIR"
# Results files kept per tool version (one per selection, unsafe-fixes and code fingerprint).
MAX_RESULT_FILES = 8


@functools.cache
def code_fingerprint() -> str:
    """Size and mtime of every module of fastapi-lint itself: cached findings made by other
    code (an upgrade, an edited rule in a development checkout) are never reused. A few dozen
    stat calls; the version alone would miss edits made without a version bump."""
    package = Path(__file__).resolve().parent.parent
    parts = []
    for folder, dirs, files in sorted(os.walk(package)):
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        for name in sorted(files):
            if name.endswith(".py"):
                with contextlib.suppress(OSError):
                    st = os.stat(os.path.join(folder, name))
                    parts.append(f"{folder}/{name}:{st.st_size}:{st.st_mtime_ns}")
    blob = "\n".join([__version__, *parts]).encode("utf-8", "surrogateescape")
    return hashlib.blake2b(blob, digest_size=8).hexdigest()


def cache_root(project_root: Path, configured: str | None = None) -> Path:
    env = os.environ.get(ENV_CACHE_DIR)
    if env:
        return Path(env)
    if configured:
        path = Path(configured)
        return path if path.is_absolute() else project_root / path
    return project_root / CACHE_DIRNAME


class Cache:
    """Three files per tool version:

    - `files.json`: path -> {m: mtime_ns, s: size, d: content digest, mod: module name,
      v: SUMMARY_VERSION}; small, read on every run;
    - `summaries.json`: path -> module summary; large, read only when the project index is
      needed (some file changed, or a finding must be recomputed);
    - `results-<fingerprint>.json`: path -> {d, deps, f: findings, st: project state}; `st`
      is the fingerprint of every project file's content when the entry was last computed or
      validated, so an unchanged project trusts it without building the index.
    """

    def __init__(self, root: Path, settings_fingerprint: str, enabled: bool = True) -> None:
        self.root = root
        self.folder = root / __version__
        self.enabled = enabled
        self.fingerprint = settings_fingerprint
        self.files: dict[str, Any] = {}
        self._summaries: dict[str, Any] | None = None if enabled else {}
        self.results: dict[str, Any] = {}
        self._dirty_summaries = False
        self._dirty_results = False
        if enabled:
            self.files = self._load(self.folder / "files.json")
            self.results = self._load(self.folder / f"results-{settings_fingerprint}.json")

    @staticmethod
    def _load(path: Path) -> dict[str, Any]:
        try:
            with open(path, encoding="utf-8") as handle:
                data = json.load(handle)
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    @property
    def summaries(self) -> dict[str, Any]:
        if self._summaries is None:
            self._summaries = self._load(self.folder / "summaries.json")
        return self._summaries

    def get_file(self, key: str) -> Any:
        """The stat record of a file ({m, s, d, mod, v}) or None."""
        return self.files.get(key)

    def has_summary(self, key: str) -> bool:
        return key in self.summaries

    def get_summary(self, key: str) -> Any:
        return self.summaries.get(key)

    def put_summary(self, key: str, record: dict[str, Any], summary: Any) -> None:
        if self.enabled:
            self.files[key] = record
            self.summaries[key] = summary
            self._dirty_summaries = True

    def get_result(self, key: str) -> Any:
        return self.results.get(key)

    def put_result(self, key: str, value: Any) -> None:
        if self.enabled:
            self.results[key] = value
            self._dirty_results = True

    def drop_result(self, key: str) -> None:
        if self.results.pop(key, None) is not None:
            self._dirty_results = True

    def save(self) -> None:
        if not self.enabled or not (self._dirty_summaries or self._dirty_results):
            return
        try:
            ensure_cache_root(self.root)
            self.folder.mkdir(parents=True, exist_ok=True)
            if self._dirty_summaries:
                # Summaries first: a stat record never points at a summary not yet written.
                self._write(self.folder / "summaries.json", self.summaries)
                self._write(self.folder / "files.json", self.files)
            if self._dirty_results:
                self._write(self.folder / f"results-{self.fingerprint}.json", self.results)
                self._prune()
        except OSError:
            # A read-only checkout still lints; it only runs cold every time.
            return

    def _prune(self, keep: int = MAX_RESULT_FILES) -> None:
        """Drops the oldest results and registry files: each selection or code change starts
        new ones."""
        for pattern in ("results-*.json", "registry-*.json"):
            self._prune_pattern(pattern, keep)

    def _prune_pattern(self, pattern: str, keep: int) -> None:
        files = []
        for path in self.folder.glob(pattern):
            with contextlib.suppress(OSError):
                files.append((path.stat().st_mtime_ns, path))
        for _mtime, path in sorted(files, reverse=True)[keep:]:
            with contextlib.suppress(OSError):
                path.unlink()

    @staticmethod
    def _write(path: Path, data: dict[str, Any]) -> None:
        write_json(path, data)


def ensure_cache_root(root: Path) -> None:
    """Creates the cache folder with a `.gitignore` of `*`, as ruff does."""
    root.mkdir(parents=True, exist_ok=True)
    ignore = root / ".gitignore"
    if not ignore.exists():
        ignore.write_text("# Automatically created by fastapi-lint.\n*\n")


def write_json(path: Path, data: Any) -> None:
    """Writes JSON atomically (a temporary file, then os.replace)."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        # json.dumps, not json.dump: dump streams through the pure-Python encoder, ten
        # times slower than the C encoder dumps uses on a large cache.
        text = json.dumps(data, separators=(",", ":"))
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def clean(root: Path) -> bool:
    if root.is_dir():
        shutil.rmtree(root)
        return True
    return False
