"""`# noqa` comments, with flake8's and ruff's syntax and prefix matching."""

from __future__ import annotations

import io
import re
import tokenize

# A bare noqa; noqa, a colon and codes or prefixes separated by commas and/or spaces (any
# case, a space after the colon or not); text after the codes is a free comment.
NOQA = re.compile(
    r"#\s*noqa(?::[\s]?(?P<codes>[A-Z]+[0-9]+(?:[,\s]+[A-Z]+[0-9]+)*))?", re.IGNORECASE
)


def noqa_codes(line: str) -> frozenset[str] | None:
    """None when the line has no noqa; an empty set for a bare `# noqa` (suppresses all)."""
    if "noqa" not in line.lower():
        return None
    match = NOQA.search(line)
    if match is None:
        return None
    codes = match.group("codes")
    if not codes:
        return frozenset()
    return frozenset(c.upper() for c in re.split(r"[,\s]+", codes) if c)


def is_suppressed(code: str, line: str) -> bool:
    codes = noqa_codes(line)
    if codes is None:
        return False
    return not codes or any(code.startswith(c) for c in codes)


class Suppressions:
    """`# noqa` per row of one file, read from comments only: `x = "# noqa"` suppresses
    nothing. The file is tokenised once, and only when a reported line mentions noqa."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        self._comments: dict[int, str] | None = None

    def suppressed(self, code: str, row: int) -> bool:
        line = self.lines[row - 1] if 0 < row <= len(self.lines) else ""
        if "noqa" not in line.lower():
            return False
        return is_suppressed(code, self._comment_map().get(row, ""))

    def _comment_map(self) -> dict[int, str]:
        if self._comments is None:
            comments: dict[int, str] = {}
            source = "\n".join(self.lines) + "\n"
            try:
                for token in tokenize.generate_tokens(io.StringIO(source).readline):
                    if token.type == tokenize.COMMENT:
                        comments[token.start[0]] = token.string
            except (tokenize.TokenError, SyntaxError):
                # Cannot tokenise (it parsed, so this is rare): fall back to the raw lines.
                comments = dict(enumerate(self.lines, 1))
            self._comments = comments
        return self._comments
