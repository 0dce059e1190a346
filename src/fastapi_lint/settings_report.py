"""`check --show-settings`: the settings a run would use, rule settings included, each with its
effective value (configured, or the default the rules apply) and where it comes from."""

from __future__ import annotations

from typing import Any

from .config import RULE_KEYS, Settings


def rule_defaults(settings: Settings) -> dict[str, tuple[Any, str]]:
    """Rule setting -> (the default the rules use when it is not configured, what it is)."""
    from .rules.secrets.models import DEFAULT_SECRET_PATTERNS
    from .rules.tasks.fastapi_version import describe, requirement_range, requirement_signature
    from .rules.tasks.fpi408_heavy_background_task import DEFAULT_PATTERNS

    root = settings.project_root
    required = requirement_range(str(root), requirement_signature(root))
    if required is None:
        version: tuple[Any, str] = (None, "the project states none: rules assume a current FastAPI")
    else:
        lowest = ".".join(map(str, required[0]))
        version = (lowest, f"the lowest the project's requirement allows ({describe(required)})")
    return {
        "blocking-calls": ([], "none beyond the catalog (`fastapi-lint rule FPI102` ...)"),
        "offload-calls": ([], "none beyond the known offloaders (`fastapi-lint rule FPI109`)"),
        "session-factories": ([], "none beyond SQLAlchemy's and SQLModel's"),
        "secret-field-patterns": (
            list(DEFAULT_SECRET_PATTERNS),
            "the default patterns, explained by `fastapi-lint rule FPI302`",
        ),
        "extend-secret-field-patterns": ([], "none"),
        "ignore-secret-fields": ([], "none"),
        "allowed-secret-models": ([], "none"),
        "fastapi-version": version,
        "heavy-task-patterns": (list(DEFAULT_PATTERNS), "the default patterns (FPI408)"),
    }


def _show(value: Any) -> str:
    if isinstance(value, tuple):
        value = list(value)
    if isinstance(value, list):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_show(v)}" for k, v in value.items()) + " }"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if value is None:
        return "(unset)"
    return repr(value)


def settings_report(settings: Settings) -> str:
    """`key = value` lines: the general settings, the enabled rules, then every rule setting
    with `# configured` or `# default: ...`."""
    from .rules.registry import RULES
    from .selection import enabled_codes

    lines = [f"# fastapi-lint settings for {settings.project_root}"]
    lines.append(f"# configuration file: {settings.config_file or 'none (defaults)'}")
    for key, value in sorted(vars(settings).items()):
        if key == "rules":
            continue
        lines.append(f"{key} = {value!r}")
    enabled = enabled_codes(settings, RULES)
    lines.append(f"enabled = {_show(sorted(enabled))}")
    configured = dict(settings.rules)
    defaults = rule_defaults(settings)
    for key in sorted(RULE_KEYS):
        if key in configured:
            lines.append(f"rules.{key} = {_show(configured[key])}  # configured")
        else:
            value, why = defaults.get(key, (None, "default"))
            lines.append(f"rules.{key} = {_show(value)}  # default: {why}")
    return "\n".join(lines) + "\n"
