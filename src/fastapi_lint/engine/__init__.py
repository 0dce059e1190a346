"""The engine: discovery, parsing, rule dispatch, suppression, fixes, caching and parallelism.

Front ends call `lint_paths`, `lint_source` and `fix_source` and nothing deeper.
"""

from .api import LintOptions, RunResult, fix_source, lint_bytes, lint_paths, lint_source

__all__ = ["LintOptions", "RunResult", "fix_source", "lint_bytes", "lint_paths", "lint_source"]
