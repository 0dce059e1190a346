"""Parsing with LibCST and turning failures into FPI001 findings."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..model import UNPARSABLE_FILE, Finding, engine_finding
from ..source import SourceError

if TYPE_CHECKING:
    import libcst as cst

# LibCST is imported where it is used: the warm path reports cached FPI001 findings without it.


def parse_module(text: str) -> cst.Module:
    """Parses with the newest grammar LibCST knows, so match, except*, PEP 695 and PEP 701
    f-strings all parse."""
    import libcst

    return libcst.parse_module(text)


def syntax_error_finding(path: str, exc: BaseException) -> Finding:
    if type(exc).__name__ == "ParserSyntaxError" and hasattr(exc, "raw_line"):
        row, col = exc.raw_line, exc.raw_column + 1
        message = f"syntax error: {exc.message}"
    elif isinstance(exc, SyntaxError):
        row, col = exc.lineno or 1, (exc.offset or 1)
        message = f"syntax error: {exc.msg}"
    elif isinstance(exc, SourceError):
        row, col = exc.row, exc.column
        message = exc.message
    else:
        row, col = 1, 1
        message = f"cannot parse the file: {type(exc).__name__}: {exc}"
    return engine_finding(UNPARSABLE_FILE, path, message, row, col)
