"""Progress on long runs: one line on stderr, redrawn in place, once the run has lasted a while.

A cold run on a large project spends most of its time summarising files for the index and then
linting them; without a sign of life it looks hung. The line appears only after `delay`
seconds (short runs, the common case, never show it), only on a terminal, and is erased when
the run ends, so the findings print on a clean line."""

from __future__ import annotations

import os
import time
from typing import TextIO

#: Seconds before the line appears; FASTAPI_LINT_PROGRESS_DELAY overrides it (tests set 0).
DELAY_SECONDS = 2.0
#: Redraw at most this often (the last file of a phase is always drawn).
INTERVAL_SECONDS = 0.1


class Progress:
    def __init__(self, stream: TextIO, delay: float | None = None) -> None:
        if delay is None:
            try:
                delay = float(os.environ.get("FASTAPI_LINT_PROGRESS_DELAY", DELAY_SECONDS))
            except ValueError:
                delay = DELAY_SECONDS
        self.stream = stream
        self.delay = delay
        self.started = time.monotonic()
        self.last_drawn = float("-inf")
        self.phase = ""
        self.drawn = False

    def __call__(self, phase: str, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self.started < self.delay:
            return
        new_phase = phase != self.phase
        if not (new_phase or done == total or now - self.last_drawn >= INTERVAL_SECONDS):
            return
        self.phase = phase
        self.last_drawn = now
        self.drawn = True
        self.stream.write(f"\r\x1b[Kfastapi-lint: {done}/{total} files {phase}")
        self.stream.flush()

    def finish(self) -> None:
        """Erases the line, if one was drawn."""
        if self.drawn:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self.drawn = False
