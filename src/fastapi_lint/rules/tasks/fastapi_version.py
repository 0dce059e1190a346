"""Which FastAPI versions a project runs on: the `fastapi-version` setting, else the `fastapi`
requirement read statically from the project's pyproject.toml or requirements files.

A version range is `(low, high)`: `low` inclusive, `high` exclusive, both 3-tuples; `high` is
None when unbounded. Files are read once per process and project root.
"""

from __future__ import annotations

import functools
import re
import sys
from pathlib import Path
from typing import Any

from ...config import requirement_signature

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

Version = tuple[int, int, int]
Range = tuple[Version, "Version | None"]

_NAMES = ("fastapi", "fastapi-slim")
_REQUIREMENT = re.compile(
    r"^\s*(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*(?P<spec>[^;#]*)"
)
_CLAUSE = re.compile(r"^\s*(?P<op>===|==|~=|!=|<=|>=|<|>|\^|~)?\s*(?P<version>[0-9*][0-9.*]*)")


def parse_version(text: str) -> Version | None:
    parts = []
    for piece in text.strip().split(".")[:3]:
        if not piece.isdigit():
            break
        parts.append(int(piece))
    if not parts:
        return None
    while len(parts) < 3:
        parts.append(0)
    return (parts[0], parts[1], parts[2])


def _bump(version: Version, position: int) -> Version:
    """The first version after every `version` that shares its first `position` parts."""
    parts = list(version)
    parts[position] += 1
    for i in range(position + 1, 3):
        parts[i] = 0
    return (parts[0], parts[1], parts[2])


def specifier_range(spec: str) -> Range:
    """The versions a specifier such as ">=0.100,<0.120", "==0.110.*", "~=0.115.0" or a Poetry
    constraint "^0.110" allows, as one (low, high) range (`!=` clauses are ignored)."""
    low: Version = (0, 0, 0)
    high: Version | None = None

    def cap(limit: Version) -> None:
        nonlocal high
        high = limit if high is None else min(high, limit)

    for clause in re.split(r"[,\s]+(?=[<>=!~^0-9])|,", spec):
        match = _CLAUSE.match(clause)
        if not match or match.group("version") in ("*", ""):
            continue
        raw, op = match.group("version"), match.group("op") or "=="
        version = parse_version(raw.replace("*", ""))
        if version is None:
            continue
        given = len([p for p in raw.split(".") if p and p != "*"])
        if op in ("==", "===") and "*" in raw:
            low = max(low, version)
            cap(_bump(version, max(given - 1, 0)))
        elif op in ("==", "==="):
            low = max(low, version)
            cap(_bump(version, 2))
        elif op == ">=":
            low = max(low, version)
        elif op == ">":
            low = max(low, _bump(version, 2))
        elif op == "<":
            cap(version)
        elif op == "<=":
            cap(_bump(version, 2))
        elif op == "~=":
            low = max(low, version)
            cap(_bump(version, max(given - 2, 0)))
        elif op == "^":
            low = max(low, version)
            first = next((i for i, p in enumerate(version) if p), min(given, 3) - 1)
            cap(_bump(version, first))
        elif op == "~":
            low = max(low, version)
            cap(_bump(version, 1 if given >= 2 else 0))
    return low, high


def _requirement_spec(line: str) -> str | None:
    match = _REQUIREMENT.match(line)
    if match is None:
        return None
    name = match.group("name").lower().replace("_", "-")
    return match.group("spec").strip() if name in _NAMES else None


def _from_pyproject(path: Path) -> str | None:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
    project = data.get("project", {})
    lists: list[Any] = [project.get("dependencies", [])]
    lists += list(project.get("optional-dependencies", {}).values())
    lists += list(data.get("dependency-groups", {}).values())
    for requirements in lists:
        for item in requirements if isinstance(requirements, list) else ():
            spec = _requirement_spec(item) if isinstance(item, str) else None
            if spec is not None:
                return spec
    poetry = data.get("tool", {}).get("poetry", {})
    tables = [poetry.get("dependencies", {})]
    tables += [g.get("dependencies", {}) for g in poetry.get("group", {}).values()]
    for table in tables:
        for name, value in table.items() if isinstance(table, dict) else ():
            if name.lower() not in _NAMES:
                continue
            if isinstance(value, dict):
                value = value.get("version", "*")
            return value if isinstance(value, str) else "*"
    return None


def _from_requirements(root: Path) -> str | None:
    files = sorted(root.glob("requirements*.txt")) + sorted(root.glob("requirements/*.txt"))
    for path in files:
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError):
            continue
        for line in lines:
            if line.lstrip().startswith(("#", "-")):
                continue
            spec = _requirement_spec(line)
            if spec is not None:
                return spec
    return None


@functools.lru_cache(maxsize=16)
def requirement_range(root: str, signature: str = "") -> Range | None:
    """The FastAPI versions the project at `root` requires, or None if it does not say.
    `signature` (the requirement files' stat) keys the cache, so a long-running server sees
    an edited requirement."""
    folder = Path(root)
    spec = _from_pyproject(folder / "pyproject.toml")
    if spec is None:
        spec = _from_requirements(folder)
    return None if spec is None else specifier_range(spec)


def fastapi_range(settings: Any) -> Range | None:
    """`fastapi-version` from the configuration, else the project's requirement, else None."""
    configured = settings.rule_option("fastapi-version")
    if configured:
        version = parse_version(configured)
        if version is not None:
            return version, _bump(version, 2)
    root = settings.project_root
    return requirement_range(str(root), requirement_signature(root))


def overlaps(allowed: Range | None, low: Version, high: Version) -> bool:
    """Whether the allowed range includes any version in [low, high) (True when unknown)."""
    if allowed is None:
        return True
    allowed_low, allowed_high = allowed
    return allowed_low < high and (allowed_high is None or allowed_high > low)


def describe(allowed: Range | None) -> str:
    if allowed is None:
        return "an unknown FastAPI version"
    low, high = allowed
    text = ".".join(map(str, low))
    if high is not None and high == _bump(low, 2):
        return f"FastAPI {text}"
    if high is None:
        return f"FastAPI >= {text}"
    return f"FastAPI >= {text}, < {'.'.join(map(str, high))}"
