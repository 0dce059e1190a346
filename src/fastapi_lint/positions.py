"""Position conventions of the front ends, converted in one place.

The engine reports rows and columns 1-based, columns counted in code points (`model.Location`).
flake8 wants 0-based columns (in code points, as its own checks count them). The Language Server
Protocol counts 0-based lines and columns in the code units of the negotiated position encoding:
UTF-16 unless the client and server agreed on "utf-8" or "utf-32".
"""

from __future__ import annotations

import re
from collections.abc import Sequence

# Python, LibCST and LSP end lines at \n, \r\n and \r only; str.splitlines() also splits at
# form feeds, \x1c-\x1e, \x85 and \u2028/\u2029, which would shift every later row.
_LINE_END = re.compile(r"\r\n|\r|\n")

UTF8, UTF16, UTF32 = "utf-8", "utf-16", "utf-32"


def flake8_column(column: int) -> int:
    """A 1-based engine column as flake8's 0-based one."""
    return max(column - 1, 0)


def _units(char: str, encoding: str) -> int:
    point = ord(char)
    if encoding == UTF16:
        return 2 if point > 0xFFFF else 1
    if encoding == UTF8:
        if point < 0x80:
            return 1
        if point < 0x800:
            return 2
        return 3 if point < 0x10000 else 4
    return 1


def code_units(text: str, encoding: str = UTF16) -> int:
    """The length of `text` in code units of `encoding`."""
    if encoding == UTF32 or text.isascii():
        return len(text)
    return sum(_units(c, encoding) for c in text)


def split_lines(text: str) -> list[str]:
    """Lines as an editor counts them (\\n, \\r\\n or \\r end a line), without their endings.

    Text ending with a line break has one more, empty, line: LSP can address its start.
    """
    return _LINE_END.split(text)


def _line(lines: Sequence[str], index: int) -> str:
    return lines[index] if 0 <= index < len(lines) else ""


def to_lsp(lines: Sequence[str], row: int, column: int, encoding: str = UTF16) -> tuple[int, int]:
    """Engine (1-based row, 1-based code-point column) -> LSP (line, character)."""
    line_index = max(row - 1, 0)
    if line_index >= len(lines):
        # Past the last line (a finding at end of file): the end of the text.
        if not lines:
            return 0, 0
        return len(lines) - 1, code_units(lines[-1], encoding)
    text = _line(lines, line_index)
    prefix = text[: max(column - 1, 0)]
    return line_index, code_units(prefix, encoding)


def from_lsp(
    lines: Sequence[str], line: int, character: int, encoding: str = UTF16
) -> tuple[int, int]:
    """LSP (line, character) -> engine (1-based row, 1-based code-point column).

    A character in the middle of a surrogate pair or a UTF-8 sequence snaps to the code point.
    """
    text = _line(lines, line)
    if encoding == UTF32 or text.isascii():
        return line + 1, min(character, len(text)) + 1
    units = 0
    for index, char in enumerate(text):
        if units >= character:
            return line + 1, index + 1
        units += _units(char, encoding)
    return line + 1, len(text) + 1


def lsp_range(
    lines: Sequence[str],
    start: tuple[int, int],
    end: tuple[int, int],
    encoding: str = UTF16,
) -> tuple[tuple[int, int], tuple[int, int]]:
    """Engine (row, column) start and end -> LSP ((line, char), (line, char))."""
    return to_lsp(lines, *start, encoding), to_lsp(lines, *end, encoding)


__all__ = [
    "UTF8",
    "UTF16",
    "UTF32",
    "code_units",
    "flake8_column",
    "from_lsp",
    "lsp_range",
    "split_lines",
    "to_lsp",
]
