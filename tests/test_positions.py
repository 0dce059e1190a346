"""Position conversions for the front ends (engine: 1-based code points; flake8: 0-based
columns; LSP: 0-based lines, columns in UTF-16, UTF-8 or UTF-32 units)."""

from __future__ import annotations

import pytest

from fastapi_lint.positions import (
    UTF8,
    UTF16,
    UTF32,
    code_units,
    flake8_column,
    from_lsp,
    split_lines,
    to_lsp,
)

LINE = 'x = "é😀"; time.sleep(1)'
COLUMN = LINE.index("time") + 1  # 1-based code points


def test_flake8_column() -> None:
    assert flake8_column(1) == 0
    assert flake8_column(COLUMN) == COLUMN - 1


@pytest.mark.parametrize(
    ("encoding", "expected"),
    [(UTF16, COLUMN - 1 + 1), (UTF8, COLUMN - 1 + 1 + 3), (UTF32, COLUMN - 1)],
)
def test_round_trip_through_each_encoding(encoding: str, expected: int) -> None:
    lines = split_lines(f"import time\n{LINE}\n")
    assert to_lsp(lines, 2, COLUMN, encoding) == (1, expected)
    assert from_lsp(lines, 1, expected, encoding) == (2, COLUMN)
    assert code_units("😀", encoding) == {UTF16: 2, UTF8: 4, UTF32: 1}[encoding]


def test_lines_end_only_at_python_line_breaks() -> None:
    # A form feed or U+2028 does not end a line for Python, LibCST or LSP.
    assert split_lines("a\x0cb\r\nc\rd\u2028e\n") == ["a\x0cb", "c", "d\u2028e", ""]


def test_positions_past_the_end() -> None:
    lines = split_lines("ab\n")
    assert to_lsp(lines, 2, 1) == (1, 0)  # start of the empty last line
    assert to_lsp(lines, 9, 1) == (1, 0)  # clamped to the end of the text
    assert from_lsp(lines, 0, 99) == (1, 3)
    assert to_lsp(split_lines("ab"), 1, 3) == (0, 2)


def test_inside_a_surrogate_pair_snaps_to_the_code_point() -> None:
    lines = ["😀x"]
    assert from_lsp(lines, 0, 1) == (1, 2)
    assert from_lsp(lines, 0, 2) == (1, 2)
    assert from_lsp(lines, 0, 3) == (1, 3)
