"""The on-disk cache: per-file summaries and per-file findings, keyed by content.

Layout (like ruff's): `.fastapi_lint_cache/` with a `.gitignore` of `*`, then one folder per tool
version holding `files.json`, `summaries.marshal`, one `results-<fingerprint>.json` per
selection and one `parts-<fingerprint>.marshal` per configuration (see `Cache`). Files are replaced
atomically, so parallel runs cannot corrupt them; an unreadable cache is ignored and rewritten.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import marshal
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
    """Four kinds of file per tool version:

    - `files.json`: path -> {m: mtime_ns, s: size, d: content digest, mod: module name,
      v: SUMMARY_VERSION}; small, read on every run;
    - `summaries.marshal`: path -> module summary, marshalled (the form the index keeps it
      in, so loading decodes nothing); large, read only when the project index is needed
      (some file changed, or a finding must be recomputed);
    - `parts-<fingerprint>.marshal`: the per-module parts of the project facts with the
      digests of what each read (`ProjectIndex.export_parts`), so a run after an edit
      recomputes only the parts the edit touched;
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
        self._parts: tuple[str, Any] | None = None
        if enabled:
            self.files = self._load(self.folder / "files.json")
            self.results = self._load(self.folder / f"results-{settings_fingerprint}.json")

    @staticmethod
    def _load(path: Path) -> dict[str, Any]:
        try:
            if path.suffix == ".marshal":
                data = marshal.loads(path.read_bytes())
            else:
                with open(path, encoding="utf-8") as handle:
                    data = json.load(handle)
        except (OSError, ValueError, EOFError, TypeError):
            return {}
        return data if isinstance(data, dict) else {}

    @property
    def summaries(self) -> dict[str, Any]:
        if self._summaries is None:
            self._summaries = self._load(self.folder / "summaries.marshal")
        return self._summaries

    def get_parts(self, fingerprint: str) -> dict[Any, Any]:
        """The stored parts of the project facts for this configuration ({} if none)."""
        if not self.enabled:
            return {}
        return self._load(self.folder / f"parts-{fingerprint}.marshal")

    def put_parts(self, fingerprint: str, parts: dict[Any, Any]) -> None:
        if self.enabled:
            self._parts = (fingerprint, parts)

    def get_file(self, key: str) -> Any:
        """The stat record of a file ({m, s, d, mod, v}) or None."""
        return self.files.get(key)

    def has_summary(self, key: str) -> bool:
        return isinstance(self.summaries.get(key), bytes)

    def get_summary(self, key: str) -> bytes | None:
        """The file's summary, marshalled."""
        blob = self.summaries.get(key)
        return blob if isinstance(blob, bytes) else None

    def put_summary(self, key: str, record: dict[str, Any], summary: bytes) -> None:
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
        dirty = self._dirty_summaries or self._dirty_results or self._parts is not None
        if not self.enabled or not dirty:
            return
        try:
            ensure_cache_root(self.root)
            self.folder.mkdir(parents=True, exist_ok=True)
            if self._dirty_summaries:
                # Summaries first: a stat record never points at a summary not yet written.
                write_bytes(self.folder / "summaries.marshal", marshal.dumps(self.summaries))
                self._write(self.folder / "files.json", self.files)
            if self._parts is not None:
                fingerprint, parts = self._parts
                write_bytes(self.folder / f"parts-{fingerprint}.marshal", _marshalled(parts))
                self._prune_pattern("parts-*.marshal", MAX_RESULT_FILES)
                self._parts = None
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
    # json.dumps, not json.dump: dump streams through the pure-Python encoder, ten times
    # slower than the C encoder dumps uses on a large cache.
    write_bytes(path, json.dumps(data, separators=(",", ":")).encode("utf-8"))


def write_bytes(path: Path, data: bytes) -> None:
    """Writes a file atomically (a temporary file, then os.replace)."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _marshalled(parts: dict[Any, Any]) -> bytes:
    """The parts marshalled; a part holding what marshal cannot write is left out (it is
    computed again by the next run)."""
    try:
        return marshal.dumps(parts)
    except ValueError:
        kept = {}
        for key, value in parts.items():
            try:
                marshal.dumps((key, value))
            except ValueError:
                continue
            kept[key] = value
        return marshal.dumps(kept)


def clean(root: Path) -> bool:
    if root.is_dir():
        shutil.rmtree(root)
        return True
    return False
