"""What one run hands every file it lints: options, settings, the index, the enabled codes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..config import Settings
from ..index.project import ProjectIndex


@dataclass
class LintOptions:
    fix: bool = False
    diff: bool = False
    unsafe_fixes: bool | None = None
    add_noqa: bool = False
    use_cache: bool = True
    jobs: int | None = None
    #: Called as `progress(phase, done, total)` while files are summarised for the index
    #: (phase "indexed") and while they are linted ("linted"), from the main process.
    progress: Callable[[str, int, int], None] | None = None
    #: Compute each finding's fix edits (`Finding.fix.edits`, shown by the JSON formats).
    #: Rendering a fix costs a LibCST transform per finding, so front ends that never show
    #: edits (concise, full, github, sarif output) turn this off.
    fix_edits: bool = True
    #: Leave the edits out of the findings but give the result an `edit_maker` that computes
    #: one finding's edits on request (the LSP asks only for the code action's findings).
    lazy_edits: bool = False


@dataclass
class WorkerState:
    """Shared by every file of a run (inherited by forked workers)."""

    settings: Settings
    index: ProjectIndex
    enabled: frozenset[str]
    options: LintOptions
    unsafe: bool
