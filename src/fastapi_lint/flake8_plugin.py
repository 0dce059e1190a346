"""The flake8 plugin (entry point `FPI` in `flake8.extension`).

flake8 hands each file's lines to the plugin; the plugin lints that text with the engine, under
the `[tool.fastapi-lint]` settings of the file's project, against the project index that the
first file of each flake8 worker builds (or loads from the cache), so cross-module rules answer
as `fastapi-lint check` does. flake8's own `--select`, `--ignore`, `--extend-ignore`,
`--per-file-ignores` and `# noqa` then filter the findings as they filter any plugin's.

flake8 never calls plugins on a file it cannot parse (it reports E999 itself), so FPI001 does not
appear through flake8.
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from . import __version__
from .config import ConfigError

# flake8 turns each reported text's first word into the error code.
Report = tuple[int, int, str, type]


@functools.lru_cache(maxsize=64)
def _settings_for(folder: str) -> Any:
    from .config import load_settings

    return load_settings(Path(folder))


class FastAPILintPlugin:
    name = "fastapi-lint"
    version = __version__

    def __init__(self, tree: ast.AST, filename: str, lines: Sequence[str]) -> None:
        # `tree` is what makes flake8 run this as an AST plugin (it parsed the file already);
        # the engine parses with LibCST itself.
        self.filename = filename
        self.lines = lines

    def _path(self) -> Path:
        if self.filename in ("stdin", "-", ""):
            return Path.cwd() / "stdin.py"
        return Path(self.filename).absolute()

    def run(self) -> Iterator[Report]:
        from .engine import lint_source
        from .positions import flake8_column

        path = self._path()
        try:
            settings = _settings_for(str(path.parent))
        except ConfigError as exc:
            # flake8 prints this as a critical error and exits 1, without a traceback.
            from flake8.exceptions import ExecutionError

            raise ExecutionError(f"fastapi-lint: {exc}") from None
        result = lint_source("".join(self.lines), path, settings, fix_edits=False)
        for finding in sorted(result.findings, key=lambda f: f.sort_key):
            yield (
                finding.location.row,
                flake8_column(finding.location.column),
                f"{finding.code} {finding.message}",
                type(self),
            )
