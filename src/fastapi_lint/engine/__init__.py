"""The engine: discovery, parsing, rule dispatch, suppression, fixes, caching and parallelism.

Front ends (CLI, flake8 plugin, language server, codemods) call what this package exports and
nothing deeper: lint and fix (`lint_paths`, `lint_source`, `lint_bytes`, `fix_source`), the
warm project index of a process (`project_index`, `index_steps`, `update_module`,
`module_name`), and the
helpers the CLI's other commands need.
"""

from .api import (
    LintOptions,
    RunResult,
    add_noqa_comments,
    collection_paused,
    fix_source,
    has_project_index,
    index_steps,
    lint_bytes,
    lint_paths,
    lint_source,
    module_name,
    not_analysable,
    prepare_fixes,
    project_index,
    quick_index,
    update_module,
)
from .cache import ENV_CACHE_DIR, cache_root
from .cache import clean as clean_cache
from .discovery import discover
from .registry import rule_infos
from .untouched import keep_untouched

__all__ = [
    "ENV_CACHE_DIR",
    "LintOptions",
    "RunResult",
    "add_noqa_comments",
    "cache_root",
    "clean_cache",
    "collection_paused",
    "discover",
    "fix_source",
    "has_project_index",
    "index_steps",
    "keep_untouched",
    "lint_bytes",
    "lint_paths",
    "lint_source",
    "module_name",
    "not_analysable",
    "prepare_fixes",
    "project_index",
    "quick_index",
    "rule_infos",
    "update_module",
]
