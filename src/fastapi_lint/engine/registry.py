"""What a run needs to know about the rules before it lints anything, without importing them.

The rule modules import LibCST, which costs more than a whole warm (fully cached) run. The
CLI validates selectors and the engine keys its cache with codes, names and defaults only, so
those are kept in a small snapshot in the cache folder, keyed by the code fingerprint (any
change to fastapi-lint's code writes a new one). The rules themselves are imported only when a
file has to be linted, or for output that shows rule documentation (SARIF).
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path

from .. import __version__
from ..config import Settings
from .cache import cache_root, code_fingerprint, ensure_cache_root, write_json


@dataclass(frozen=True)
class RuleInfo:
    """The registry facts selection reads (duck-types a Rule class for `selection`)."""

    code: str
    name: str
    default_enabled: bool = True


def _snapshot_path(settings: Settings) -> Path:
    root = cache_root(settings.project_root, settings.cache_dir)
    return root / __version__ / f"registry-{code_fingerprint()}.json"


def rule_infos(settings: Settings, use_cache: bool = True) -> list[RuleInfo]:
    """Codes, names and defaults of every registered rule, from the snapshot when it exists."""
    path = _snapshot_path(settings)
    if use_cache:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return [RuleInfo(**item) for item in data]
        except (OSError, ValueError, TypeError):
            pass
    from ..rules.registry import RULES

    infos = [RuleInfo(r.code, r.name, r.default_enabled) for r in RULES]
    if use_cache:
        with contextlib.suppress(OSError):
            ensure_cache_root(path.parent.parent)
            path.parent.mkdir(parents=True, exist_ok=True)
            write_json(path, [asdict(info) for info in infos])
    return infos
