"""Parsing with LibCST and turning failures into FPI001 findings."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..limits import TooDeep, check_nesting, depth_reason
from ..model import UNPARSABLE_FILE, Finding, engine_finding
from ..source import SourceError
from .problems import deep_finding

if TYPE_CHECKING:
    import libcst as cst

# LibCST is imported where it is used: the warm path reports cached FPI001 findings without it.


def parse_module(text: str) -> cst.Module:
    """Parses with the newest grammar LibCST knows, so match, except*, PEP 695 and PEP 701
    f-strings all parse. Raises TooDeep, without calling LibCST, for a text nested so deeply
    that LibCST's native parser would overflow the stack (see `limits`)."""
    import libcst

    reason = check_nesting(text)
    if reason is not None:
        raise TooDeep(reason)
    return libcst.parse_module(text)


def syntax_error_finding(path: str, exc: BaseException) -> Finding:
    if isinstance(exc, TooDeep):
        return deep_finding(path, exc)
    reason = depth_reason(exc)
    if reason is not None:
        return deep_finding(path, TooDeep.at(reason, exc))
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
