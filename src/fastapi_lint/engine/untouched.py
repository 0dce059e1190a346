"""Carrying a rewrite's changes over to the original text, so bytes outside them never change.

LibCST renders most files back byte for byte, but not all (see `keep_untouched`); fixes and
codemods are computed on LibCST's rendering and written through this. No LibCST import here:
the engine's facade exports it and the warm path imports the facade.
"""

from __future__ import annotations

import bisect
import difflib

from ..source import split_lines

# Character-level matching inside a block of differing lines costs O(n*m); beyond this many
# characters the block is taken as a whole (no fix rewrites that much in one place).
CHAR_DIFF_LIMIT = 20_000

Opcode = tuple[str, int, int, int, int]


def char_opcodes(a: str, b: str) -> list[Opcode]:
    """difflib opcodes turning `a` into `b`, in character offsets: lines are matched first
    (cheap), then the characters of each block of lines that differs."""
    a_lines = split_lines(a, keepends=True)
    b_lines = split_lines(b, keepends=True)
    a_at = _offsets(a_lines)
    b_at = _offsets(b_lines)
    matcher = difflib.SequenceMatcher(a=a_lines, b=b_lines, autojunk=False)
    out: list[Opcode] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        x1, x2, y1, y2 = a_at[i1], a_at[i2], b_at[j1], b_at[j2]
        if tag == "replace" and (x2 - x1) + (y2 - y1) <= CHAR_DIFF_LIMIT:
            inner = difflib.SequenceMatcher(a=a[x1:x2], b=b[y1:y2], autojunk=False)
            out.extend(
                (t, x1 + p1, x1 + p2, y1 + q1, y1 + q2) for t, p1, p2, q1, q2 in inner.get_opcodes()
            )
        else:
            out.append((tag, x1, x2, y1, y2))
    return out


def _offsets(lines: list[str]) -> list[int]:
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))
    return offsets


def keep_untouched(original: str, rendered: str, fixed: str) -> str:
    """`original` with the changes that turn `rendered` into `fixed`, where `rendered` is how
    LibCST renders `original`: usually identical, but LibCST drops a form feed that starts a
    statement line, a CR-only file's last `\r`, and some blank or comment lines after the last
    statement.

    Every character outside the changed ranges comes from `original`. A change that starts or
    ends inside a run where `rendered` and `original` disagree is widened to the whole run;
    characters that only `original` has at a change's edge stay outside it (an insertion goes
    before them, so a new line lands before a line's leading form feed, not after it).

    A changed text never fuses with its neighbours into a different line ending: LibCST ends an
    added line with the file's first newline, and a `\r` put before an original `\n` (or an
    `\n` after an original `\r`) would make one `\r\n` of two line ends, and a line vanish."""
    if fixed == rendered:
        return original
    if rendered == original:
        if "\r" not in fixed:
            return fixed
        drift = [("equal", 0, len(original), 0, len(original))] if original else []
    else:
        drift = [op for op in char_opcodes(rendered, original) if op[2] > op[1]]
    drift_starts = [op[1] for op in drift]
    runs = [(i1, i2) for tag, i1, i2, _j1, _j2 in drift if tag != "equal" and i2 - i1 > 1]
    run_starts = [i1 for i1, _i2 in runs]

    def widened(a: int, b: int) -> tuple[int, int]:
        for point in {a, b}:
            k = bisect.bisect_right(run_starts, point - 1) - 1
            if k >= 0 and runs[k][0] < point < runs[k][1]:
                a, b = min(a, runs[k][0]), max(b, runs[k][1])
        return a, b

    def after_extras(p: int) -> int:
        """The offset in `original` of rendered offset `p`, past what only `original` has."""
        if p >= len(rendered):
            return len(original)
        tag, i1, _i2, j1, _j2 = drift[bisect.bisect_right(drift_starts, p) - 1]
        return j1 + (p - i1) if tag == "equal" else j1

    def before_extras(p: int) -> int:
        """The offset in `original` of rendered offset `p`, before what only `original` has."""
        if p <= 0:
            return 0
        tag, i1, _i2, j1, j2 = drift[bisect.bisect_right(drift_starts, p - 1) - 1]
        return j1 + (p - i1) if tag == "equal" else j2

    # Changes as [rendered start, rendered end, fixed start, fixed end], widened and merged
    # where they overlap or touch; around a change, rendered and fixed agree.
    changes: list[list[int]] = []
    for tag, a, b, f1, f2 in char_opcodes(rendered, fixed):
        if tag == "equal":
            continue
        wa, wb = widened(a, b)
        if changes and wa <= changes[-1][1]:
            last = changes[-1]
            last[1] = max(wb, last[1])
            last[3] = f2 + (last[1] - b)
        else:
            changes.append([wa, wb, f1 - (a - wa), f2 + (wb - b)])
    pieces = []
    done = 0
    for a, b, f1, f2 in changes:
        if a == b:
            start = end = before_extras(a)
        else:
            start, end = after_extras(a), before_extras(b)
        pieces.append(original[done:start])
        pieces.append(_unfused(original, start, end, fixed[f1:f2]))
        done = end
    pieces.append(original[done:])
    return "".join(pieces)


def _unfused(original: str, start: int, end: int, text: str) -> str:
    """`text`, going in for original[start:end], with its edge newlines changed where they
    would fuse with the original's: to the line ending of the line above the change."""
    if text.endswith("\r") and original.startswith("\n", end):
        above = original[:start]
        ending = "\r\n" if above.endswith("\r\n") or not above.endswith("\n") else "\n"
        text = text[:-1] + ending
    if text.startswith("\n") and original[:start].endswith("\r"):
        text = "\r" + text[1:]
    return text
