"""Configuration: `[tool.fastapi-lint]` in pyproject.toml, or `fastapi-lint.toml`, or `--config`.

Keys mirror ruff where they overlap. Every key is validated here; an unknown key or a bad value
raises `ConfigError`, which the CLI turns into exit code 2 with the key and the file named.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from .limits import DEFAULT_MAX_FILE_SIZE

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

CONFIG_FILENAME = "fastapi-lint.toml"
PYPROJECT = "pyproject.toml"

DEFAULT_EXCLUDE = (
    ".bzr",
    ".direnv",
    ".eggs",
    ".git",
    ".git-rewrite",
    ".hg",
    ".ipynb_checkpoints",
    ".mypy_cache",
    ".nox",
    ".pants.d",
    ".pyenv",
    ".pytest_cache",
    ".pytype",
    ".ruff_cache",
    ".fastapi_lint_cache",
    ".svn",
    ".tox",
    ".venv",
    ".vscode",
    "__pypackages__",
    "_build",
    "buck-out",
    "build",
    "dist",
    "node_modules",
    "site-packages",
    "venv",
)

# Folders that hold another project's code copied in (GitHub Linguist's vendored-path names; pip,
# setuptools, Airflow and Gradio use `_vendor`). Their files are indexed, so a project call into
# vendored code is still followed, but no rule reports inside them: the fix belongs upstream, and
# an app copied in (xinference vendors MinerU's own API server) is not the project's to serve.
DEFAULT_VENDORED_DIRS = (
    "_vendor",
    "vendor",
    "vendored",
    "third_party",
    "thirdparty",
    "third-party",
    "3rdparty",
)


class ConfigError(Exception):
    """A configuration or argument problem: exit code 2."""


def _string_list(key: str, value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"`{key}` must be a list of strings, got {value!r}")
    return list(value)


def _folder_names(key: str, value: Any) -> list[str]:
    names = _string_list(key, value)
    for name in names:
        if not name or "/" in name or "\\" in name or name in (".", ".."):
            raise ConfigError(f"`{key}` holds folder names, not paths: got {name!r}")
    return names


def _regex_list(key: str, value: Any) -> list[str]:
    """Regular expressions, compiled here so that a typo is an error instead of a pattern that
    silently never matches."""
    patterns = _string_list(key, value)
    for pattern in patterns:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ConfigError(
                f"`{key}`: {pattern!r} is not a valid regular expression: {exc}"
            ) from None
    return patterns


def _dotted(key: str, value: Any) -> str:
    text = _string(key, value)
    if not all(part.isidentifier() for part in text.split(".")):
        raise ConfigError(
            f'`{key}`: {text!r} is not a dotted name such as "package.module.function"'
        )
    return text


def _dotted_list(key: str, value: Any) -> list[str]:
    """Qualified names, compared as written: `"mylib.fetch()"` would never match anything."""
    return [_dotted(key, item) for item in _string_list(key, value)]


def _bool(key: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"`{key}` must be true or false, got {value!r}")
    return value


def _string(key: str, value: Any) -> str:
    if not isinstance(value, str):
        raise ConfigError(f"`{key}` must be a string, got {value!r}")
    return value


def _per_file_ignores(key: str, value: Any) -> dict[str, list[str]]:
    if not isinstance(value, dict):
        raise ConfigError(f"`{key}` must be a table of glob = [codes], got {value!r}")
    return {pattern: _string_list(f"{key}.{pattern}", codes) for pattern, codes in value.items()}


def _blocking_calls(key: str, value: Any) -> list[dict[str, str]]:
    """Entries are "mod.func" or { call = "mod.func", use = "mod.afunc" }."""
    if not isinstance(value, list):
        raise ConfigError(f"`{key}` must be a list, got {value!r}")
    entries = []
    for item in value:
        if isinstance(item, str):
            entries.append({"call": _dotted(key, item), "use": ""})
        elif isinstance(item, dict):
            unknown = set(item) - {"call", "use"}
            if unknown or "call" not in item:
                raise ConfigError(
                    f"`{key}` entries take `call` and optional `use`, got {sorted(item)}"
                )
            entries.append(
                {
                    "call": _dotted(f"{key}.call", item["call"]),
                    "use": _string(f"{key}.use", item.get("use", "")),
                }
            )
        else:
            raise ConfigError(f"`{key}` entries must be strings or tables, got {item!r}")
    return entries


def _version(key: str, value: Any) -> str:
    text = _string(key, value)
    parts = text.split(".")
    if not parts or not all(p.isdigit() for p in parts):
        raise ConfigError(f'`{key}` must be a version such as "0.115.0", got {value!r}')
    return text


def _target_version(key: str, value: Any) -> str:
    text = _string(key, value)
    if not (text.startswith("py3") and text[3:].isdigit()):
        raise ConfigError(f'`{key}` must look like "py310", got {value!r}')
    return text


_SIZE_UNITS = {"": 1, "B": 1, "KB": 2**10, "KIB": 2**10, "MB": 2**20, "MIB": 2**20}


def _file_size(key: str, value: Any) -> int:
    """Bytes, from a number of bytes or a string such as "2MB" or "512 KB" (0: no limit)."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    if isinstance(value, str):
        number = value.strip().upper()
        unit = number.lstrip("0123456789.").strip()
        digits = number[: len(number) - len(number.lstrip("0123456789."))]
        if unit in _SIZE_UNITS and digits and digits.count(".") <= 1 and digits != ".":
            return int(float(digits) * _SIZE_UNITS[unit])
    raise ConfigError(
        f'`{key}` must be a size such as "2MB", "512KB" or a number of bytes (0: no limit), '
        f"got {value!r}"
    )


Validator = Callable[[str, Any], Any]

TOP_LEVEL_KEYS: dict[str, Validator] = {
    "select": _string_list,
    "extend-select": _string_list,
    "ignore": _string_list,
    "per-file-ignores": _per_file_ignores,
    "extend-per-file-ignores": _per_file_ignores,
    "exclude": _string_list,
    "extend-exclude": _string_list,
    "unsafe-fixes": _bool,
    "src": _string_list,
    "target-version": _target_version,
    "respect-gitignore": _bool,
    "force-exclude": _bool,
    "cache-dir": _string,
    "max-file-size": _file_size,
    "vendored-dirs": _folder_names,
}

# Rule settings, under [tool.fastapi-lint.rules]. Each family documents the keys it reads.
RULE_KEYS: dict[str, Validator] = {
    "blocking-calls": _blocking_calls,
    "offload-calls": _dotted_list,
    "session-factories": _dotted_list,
    "secret-field-patterns": _regex_list,
    "extend-secret-field-patterns": _regex_list,
    "ignore-secret-fields": _dotted_list,
    "allowed-secret-models": _dotted_list,
    "fastapi-version": _version,
    "heavy-task-patterns": _string_list,
    "report-unserved": _bool,
    "report-lifespan-startup": _bool,
    "report-lifespan-shutdown": _bool,
    "report-debug-switches": _bool,
}


@dataclass(frozen=True)
class Settings:
    """Everything that decides what a run reports; hashed into cache keys."""

    project_root: Path
    config_file: Path | None = None
    select: tuple[str, ...] | None = None
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    exclude: tuple[str, ...] = DEFAULT_EXCLUDE
    extend_exclude: tuple[str, ...] = ()
    unsafe_fixes: bool = False
    src: tuple[str, ...] = (".", "src")
    target_version: str = "py310"  # DEFAULT_TARGET_VERSION
    respect_gitignore: bool = True
    force_exclude: bool = False
    cache_dir: str | None = None
    # Files larger than this many bytes are FPI001 instead of being analysed (0: no limit).
    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    vendored_dirs: tuple[str, ...] = DEFAULT_VENDORED_DIRS
    rules: tuple[tuple[str, Any], ...] = ()

    def rule_option(self, key: str, default: Any = None) -> Any:
        for name, value in self.rules:
            if name == key:
                return value
        return default

    @property
    def config_dir(self) -> Path:
        return self.config_file.parent if self.config_file else self.project_root

    def is_vendored(self, path: Path) -> bool:
        """Whether `path` lies in a vendored folder below the project root (`vendored-dirs`)."""
        if not self.vendored_dirs:
            return False
        try:
            folders = path.resolve().relative_to(self.project_root.resolve()).parts[:-1]
        except ValueError:
            folders = path.parts[:-1]
        return any(folder in self.vendored_dirs for folder in folders)

    def fingerprint(self) -> str:
        """A stable hash of everything that changes findings (not paths to the cache)."""
        payload = {
            "select": self.select,
            "extend_select": self.extend_select,
            "ignore": self.ignore,
            "per_file_ignores": self.per_file_ignores,
            "unsafe_fixes": self.unsafe_fixes,
            "src": self.src,
            "target_version": self.target_version,
            "rules": self.rules,
            "max_file_size": self.max_file_size,
            "vendored_dirs": self.vendored_dirs,
            # Rules that follow the FastAPI version read the project's requirement files.
            "requirements": requirement_signature(self.project_root),
        }
        blob = json.dumps(payload, sort_keys=True, default=str).encode()
        return hashlib.blake2b(blob, digest_size=12).hexdigest()


def requirement_files(root: Path) -> list[Path]:
    """Files that state the project's dependencies (and so its FastAPI version)."""
    files = [root / PYPROJECT]
    files += sorted(root.glob("requirements*.txt")) + sorted(root.glob("requirements/*.txt"))
    return [f for f in files if f.is_file()]


def requirement_signature(root: Path) -> str:
    """Changes whenever a requirement file is edited, added or removed."""
    parts = []
    for path in requirement_files(root):
        try:
            st = path.stat()
        except OSError:
            continue
        parts.append(f"{path.name}:{st.st_mtime_ns}:{st.st_size}")
    return "|".join(parts)


def _validate(table: dict[str, Any], source: Path) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key, value in table.items():
        if key == "rules":
            if not isinstance(value, dict):
                raise ConfigError(f"{source}: `rules` must be a table")
            rules = {}
            for rule_key, rule_value in value.items():
                validator = RULE_KEYS.get(rule_key)
                if validator is None:
                    raise ConfigError(
                        f"{source}: unknown key `rules.{rule_key}` in the fastapi-lint "
                        f"configuration (known: {', '.join(sorted(RULE_KEYS))})"
                    )
                try:
                    rules[rule_key] = validator(f"rules.{rule_key}", rule_value)
                except ConfigError as exc:
                    raise ConfigError(f"{source}: {exc}") from None
            values["rules"] = rules
            continue
        validator = TOP_LEVEL_KEYS.get(key)
        if validator is None:
            raise ConfigError(
                f"{source}: unknown key `{key}` in the fastapi-lint configuration "
                f"(known: {', '.join(sorted([*TOP_LEVEL_KEYS, 'rules']))})"
            )
        try:
            values[key] = validator(key, value)
        except ConfigError as exc:
            raise ConfigError(f"{source}: {exc}") from None
    return values


def read_config_file(path: Path) -> dict[str, Any]:
    """Returns the validated table of one config file ({} for a pyproject without our table)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the configuration: {exc.strerror or exc}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    if path.name == PYPROJECT:
        table = data.get("tool", {}).get("fastapi-lint")
        if table is None:
            return {}
        if not isinstance(table, dict):
            raise ConfigError(f"{path}: [tool.fastapi-lint] must be a table")
    else:
        table = data
    return _validate(table, path)


def has_own_table(path: Path) -> bool:
    if path.name != PYPROJECT:
        return True
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
        # A broken pyproject.toml is reported when read for real.
        return True
    return "fastapi-lint" in data.get("tool", {})


def find_config_file(start: Path) -> Path | None:
    """Nearest fastapi-lint.toml, or pyproject.toml with our table, from `start` upward."""
    folder = start if start.is_dir() else start.parent
    for candidate in (folder, *folder.parents):
        own = candidate / CONFIG_FILENAME
        if own.is_file():
            return own
        pyproject = candidate / PYPROJECT
        if pyproject.is_file() and has_own_table(pyproject):
            return pyproject
    return None


def find_project_root(start: Path, config_file: Path | None, cwd: Path | None = None) -> Path:
    """The folder of the nearest pyproject.toml/fastapi-lint.toml, else of the --config file,
    else the git root, else the working directory (see `_unmarked_root`)."""
    folder = start if start.is_dir() else start.parent
    for candidate in (folder, *folder.parents):
        if (candidate / CONFIG_FILENAME).is_file() or (candidate / PYPROJECT).is_file():
            return candidate
    if config_file is not None:
        return config_file.parent
    git_root = _git_root(folder)
    return git_root if git_root is not None else _unmarked_root(folder, cwd)


def _unmarked_root(folder: Path, cwd: Path | None) -> Path:
    """The root of a project without pyproject.toml, fastapi-lint.toml or .git.

    The working directory when the path is inside it (`fastapi-lint check app/` run from the
    project folder indexes the whole project, and `app.*` imports resolve, as ruff's `src = ["."]`
    does), except when it is the file-system root or the home folder, which are not projects;
    otherwise the path's folder. Then, as Python's imports do, the root climbs out of packages:
    a folder holding `__init__.py` is imported from its parent."""
    base = folder
    try:
        here = (cwd or Path.cwd()).resolve()
    except OSError:  # the working directory was removed
        here = None
    if (
        here is not None
        and here != Path(here.anchor)
        and here != _home()
        and (folder == here or here in folder.parents)
    ):
        base = here
    while (base / "__init__.py").is_file() and base.parent != base:
        base = base.parent
    return base


def _home() -> Path | None:
    try:
        return Path.home().resolve()
    except (OSError, RuntimeError):
        return None


def explain_project_root(settings: Settings, cwd: Path | None = None) -> str:
    """Why `settings.project_root` is the root, for --verbose."""
    root = settings.project_root
    for name in (CONFIG_FILENAME, PYPROJECT):
        if (root / name).is_file():
            return f"the folder of {name}"
    if settings.config_file is not None and settings.config_file.parent == root:
        return "the folder of the --config file"
    if (root / ".git").exists():
        return "the git root"
    unmarked = "no pyproject.toml, fastapi-lint.toml or .git at or above the path"
    try:
        here = (cwd or Path.cwd()).resolve()
    except OSError:
        here = None
    if root == here:
        return f"the working directory: {unmarked}"
    if here is not None and root in here.parents:
        return f"the folder the working directory's package is imported from: {unmarked}"
    return f"the path's folder, or the folder its package is imported from: {unmarked}"


def _git_root(folder: Path) -> Path | None:
    for candidate in (folder, *folder.parents):
        if (candidate / ".git").exists():
            return candidate
    return None


DEFAULT_TARGET_VERSION = "py310"
# `>=3.11`, `~=3.11`, `==3.11.*`, `>3.10`: the lowest Python a requirement allows.
_LOWER_BOUND = re.compile(r"(>=|~=|==|>)\s*3\.(\d+)")


def requires_python_target(project_root: Path, config_file: Path | None) -> str | None:
    """`target-version` from `[project] requires-python` of the project's pyproject.toml (the
    configuration file's when it is one), as ruff infers it: the lowest minor version the
    specifier allows (`>=3.11,<4` -> py311). None when nothing states one."""
    candidates = []
    if config_file is not None and config_file.name == PYPROJECT:
        candidates.append(config_file)
    candidates.append(project_root / PYPROJECT)
    for path in candidates:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
            continue
        project = data.get("project")
        spec = project.get("requires-python") if isinstance(project, dict) else None
        if not isinstance(spec, str):
            continue
        # `>3.10` allows 3.10.1: still the 3.10 grammar, so every operator counts alike.
        minors = [int(minor) for _operator, minor in _LOWER_BOUND.findall(spec)]
        if minors:
            return f"py3{max(minors)}"
    return None


def settings_from_table(
    values: dict[str, Any], project_root: Path, config_file: Path | None
) -> Settings:
    pfi = dict(values.get("per-file-ignores", {}))
    pfi.update(values.get("extend-per-file-ignores", {}))
    select = values.get("select")
    return Settings(
        project_root=project_root,
        config_file=config_file,
        select=tuple(select) if select is not None else None,
        extend_select=tuple(values.get("extend-select", ())),
        ignore=tuple(values.get("ignore", ())),
        per_file_ignores=tuple((k, tuple(v)) for k, v in sorted(pfi.items())),
        exclude=tuple(values.get("exclude", DEFAULT_EXCLUDE)),
        extend_exclude=tuple(values.get("extend-exclude", ())),
        unsafe_fixes=values.get("unsafe-fixes", False),
        src=tuple(values.get("src", (".", "src"))),
        target_version=values.get("target-version")
        or requires_python_target(project_root, config_file)
        or DEFAULT_TARGET_VERSION,
        respect_gitignore=values.get("respect-gitignore", True),
        force_exclude=values.get("force-exclude", False),
        cache_dir=values.get("cache-dir"),
        max_file_size=values.get("max-file-size", DEFAULT_MAX_FILE_SIZE),
        vendored_dirs=tuple(values.get("vendored-dirs", DEFAULT_VENDORED_DIRS)),
        rules=tuple(sorted(values.get("rules", {}).items(), key=lambda kv: kv[0])),
    )


def load_settings(
    start: Path, config_path: Path | None = None, cwd: Path | None = None
) -> Settings:
    """Settings for a run whose paths begin at `start` (a file or a folder). `cwd` stands in
    for the working directory when choosing the root of a project without markers (the
    language server passes its workspace folder)."""
    start = start.resolve()
    if config_path is not None:
        config_path = config_path.resolve()
        if config_path.is_dir():
            raise ConfigError(
                f"--config: {config_path} is a folder; give the configuration file in it "
                f"({CONFIG_FILENAME} or {PYPROJECT})"
            )
        if not config_path.is_file():
            raise ConfigError(f"--config: no such file: {config_path}")
        values = read_config_file(config_path)
        root = find_project_root(start, config_path, cwd)
        return settings_from_table(values, root, config_path)
    config_file = find_config_file(start)
    values = read_config_file(config_file) if config_file else {}
    root = find_project_root(start, config_file, cwd)
    return settings_from_table(values, root, config_file)


def with_cli_overrides(
    settings: Settings,
    *,
    select: Iterable[str] | None = None,
    extend_select: Iterable[str] = (),
    ignore: Iterable[str] = (),
    unsafe_fixes: bool | None = None,
    force_exclude: bool | None = None,
) -> Settings:
    """CLI flags: --select replaces, --extend-select and --ignore add (as ruff does)."""
    return replace(
        settings,
        select=tuple(select) if select is not None else settings.select,
        extend_select=settings.extend_select + tuple(extend_select),
        ignore=settings.ignore + tuple(ignore),
        unsafe_fixes=settings.unsafe_fixes if unsafe_fixes is None else unsafe_fixes,
        force_exclude=settings.force_exclude if force_exclude is None else force_exclude,
    )
