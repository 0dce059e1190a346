"""The engine's own findings: why a file was not analysed, and failures by phase.

Both are built with `model.engine_finding`, the one constructor of FPI001/FPI002 findings.

- `FPI001` (`unparsable-file`): a file that was not fully analysed, with the reason (it cannot be
  read or decoded, it does not parse, it nests too deeply, it is too large).
- `FPI002` (`internal-error`): an unexpected exception in one phase of one file. The message
  names the phase and the exception; `detail` holds the traceback (shown with `--verbose`).

Every per-file phase contains its own failures: an exception in one file's phase becomes one
FPI002 for that file and the run goes on with the others (the project index simply lacks the
facts of a file whose summary failed).

No LibCST here: the warm path reports cached findings without importing it.
"""

from __future__ import annotations

import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from ..limits import TooDeep
from ..model import ENGINE_CODES, INTERNAL_ERROR, UNPARSABLE_FILE, Finding, engine_finding

__all__ = ["ENGINE_CODES", "Failure", "PhaseError", "internal_error", "phase", "unanalysed"]

# The per-file phases, in the order a file goes through them, with what each one does.
PHASES = {
    "read": "reading the file",
    "decode": "decoding the file",
    "summary": "summarising the file for the project index",
    "index": "joining the file's summary into the project index",
    "rules": "running the rules",
    "fix": "fixing the file",
    "write": "writing the fixed file",
    "cache": "caching the file's results",
}


def unanalysed(path: str, message: str, row: int = 1, column: int = 1) -> Finding:
    """FPI001: the file was not (fully) analysed, and `message` says why."""
    return engine_finding(UNPARSABLE_FILE, path, message, row, column)


def too_deep_message(reason: str) -> str:
    return f"too deeply nested to analyse: {reason}"


def too_large_message(size: int, limit: int) -> str:
    return (
        f"too large to analyse: {human_size(size)}, limit {human_size(limit)} "
        "(the `max-file-size` setting)"
    )


def human_size(size: int) -> str:
    """2.0 MB, 512.0 KB: one decimal, in the unit that keeps the number readable."""
    if size >= 2**20:
        return f"{size / 2**20:.1f} MB"
    return f"{size / 2**10:.1f} KB"


def too_deep(path: str, reason: str, row: int = 1, column: int = 1) -> Finding:
    return unanalysed(path, too_deep_message(reason), row, column)


def deep_finding(path: str, exc: TooDeep) -> Finding:
    return too_deep(path, exc.reason, exc.row, exc.column)


def too_large(path: str, size: int, limit: int) -> Finding:
    return unanalysed(path, too_large_message(size, limit))


@dataclass(frozen=True)
class Failure:
    """An unexpected exception in one phase of one file (plain data: it crosses processes)."""

    phase: str
    error: str  # "KeyError: 'x'"
    detail: str  # the traceback
    what: str = ""  # who failed inside the phase, e.g. "rule FPI101 (blocking-sleep-in-async)"

    @classmethod
    def of(cls, phase: str, exc: BaseException, what: str = "", detail: str | None = None):
        text = str(exc)
        error = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
        return cls(phase, error, detail if detail is not None else traceback.format_exc(), what)

    def finding(self, path: str) -> Finding:
        who = f"{self.what} raised " if self.what else ""
        message = (
            f"internal error in the {self.phase} phase ({PHASES[self.phase]}): {who}{self.error}"
        )
        return engine_finding(INTERNAL_ERROR, path, message, detail=self.detail)


def internal_error(
    path: str, phase: str, exc: BaseException, what: str = "", detail: str | None = None
) -> Finding:
    """FPI002 for an exception caught in `phase` (call it inside the `except` block)."""
    return Failure.of(phase, exc, what, detail).finding(path)


class PhaseError(Exception):
    """An unexpected exception, tagged with the phase it escaped from."""

    def __init__(self, failure: Failure, original: BaseException) -> None:
        super().__init__(failure.error)
        self.failure = failure
        self.original = original


@contextmanager
def phase(name: str) -> Iterator[None]:
    """Tags an unexpected exception escaping the block with the phase `name` (once: an inner
    phase's tag wins). TooDeep is no failure: it passes untagged, to become FPI001."""
    try:
        yield
    except (PhaseError, TooDeep):
        raise
    except Exception as exc:
        raise PhaseError(Failure.of(name, exc), exc) from exc
