"""Bounds on what one file may cost: its size and how deeply its code nests.

LibCST's native parser recurses once per level of nesting on the C stack: a few thousand levels
(a 10,000-term sum, a 10,000-link attribute chain) overflow the stack and kill the process
outright, with no exception to catch. Its parse time also grows with the square of the depth
(a 1,000-deep list takes seconds). CPython's own parser refuses 200 nested brackets and gives
up on a few thousand levels of any other nesting; the engine's walks, and LibCST's, reach
Python's recursion limit at a few hundred.

So before LibCST sees a text, `nesting_depth` estimates from the tokens alone how deep its
tree will be; beyond `MAX_NESTING` the file is FPI001 ("too deeply nested to analyse") and
LibCST never parses it. Below that, a RecursionError in any phase of a file that nests more
than `SAFE_NESTING` levels is the same FPI001; in a shallower file it is a bug (FPI002).
"""

from __future__ import annotations

import re

# Deeper than this (as `nesting_depth` counts) LibCST does not parse the file. Real code stays
# far below: the deepest file in the real-world corpora (docs/real-world.md) counts under 60.
MAX_NESTING = 400
# A RecursionError in a file nesting deeper than this is the file's depth, not a bug.
SAFE_NESTING = 60
# Default `max-file-size` (bytes): a generated 1 MB module took 26 s and 775 MB here, 2 MB took
# 59 s and 1.5 GB (docs/performance.md, "Large files").
DEFAULT_MAX_FILE_SIZE = 2**20

_STRING = r"""
    (?P<str>
        (?P<prefix>[rRbBuUfFtT]{0,3})
        (?: '''[^'\\]*(?:(?:\\.|'(?!''))[^'\\]*)*(?:'''|\Z)
          | \"\"\"[^"\\]*(?:(?:\\.|"(?!""))[^"\\]*)*(?:\"\"\"|\Z)
          | '[^'\\\r\n]*(?:\\(?:\r\n|.)[^'\\\r\n]*)*'?
          | "[^"\\\r\n]*(?:\\(?:\r\n|.)[^"\\\r\n]*)*"?
        )
    )
"""
_TOKENS = re.compile(
    _STRING
    + r"""
    | (?P<comment>\#[^\r\n]*)
    | (?P<cont>\\(?:\r\n|\r|\n))
    | (?P<nl>\r\n|\r|\n)
    | (?P<open>[(\[{])
    | (?P<close>[)\]}])
    | (?P<sep>[,;]|=(?!=))
    | (?P<op>\*\*=?|//=?|>>=?|<<=?|->|:=|[-+*/%@&|^~<>!=]=?|\.(?![0-9]))
    | (?P<name>[^\W\d]\w*)
    | (?P<atom>[0-9][\w.]*|\.[0-9][\w]*)
    | (?P<ws>[ \t\f]+)
    """,
    re.VERBOSE | re.DOTALL,
)

# Keywords that nest what follows them (operators, lambdas, conditional expressions, awaits,
# comprehension clauses); a statement keyword counts once, which only errs on the safe side.
_NESTING_WORDS = frozenset(
    [
        "and",
        "or",
        "not",
        "in",
        "is",
        "if",
        "else",
        "lambda",
        "await",
        "yield",
        "for",
        "async",
        "from",
    ]
)
_LINE_START_CHAINS = frozenset(("elif", "else"))
# An indented block costs LibCST two nodes (the statement and its block).
_BLOCK_WEIGHT = 2


def nesting_depth(text: str, limit: int | None = None) -> int:
    """An estimate, from the tokens alone, of how deep LibCST's tree of `text` nests.

    Each open bracket, each link of a chain that LibCST nests (binary and unary operators,
    attribute and call/subscript trailers, adjacent strings, `lambda`, `if`/`else`, `await`),
    each indented block and each `elif` adds a level; a comma, a semicolon or an `=` ends a
    chain (its elements are siblings). It errs on the deep side (a long comparison chain counts
    although LibCST keeps it flat) and never fails. With `limit`, it stops once past it."""
    best = 0
    chains = [0]  # per open bracket level (index 0: the statement), the chain length so far
    depth = 1  # sum over levels of (1 + chain)
    indents = [0]  # indentation columns of the enclosing blocks
    elifs = [0]  # per block level, how many elif/else links the current if statement has
    block = 0  # depth contributed by blocks
    line_start = True
    previous_atom = False  # the last token ends an operand: a bracket after it is a trailer
    for match in _TOKENS.finditer(text):
        kind = match.lastgroup
        if kind == "ws" or kind == "comment" or kind == "cont":
            continue
        if kind == "nl":
            if len(chains) == 1:
                depth -= chains[0]
                chains[0] = 0
                line_start = True
                previous_atom = False
            continue
        if line_start:
            line_start = False
            column = _column(text, match.start())
            while len(indents) > 1 and column < indents[-1]:
                indents.pop()
                elifs.pop()
            if column > indents[-1]:
                indents.append(column)
                elifs.append(0)
            word = match.group() if kind == "name" else ""
            if word in _LINE_START_CHAINS:
                elifs[-1] += 1
            else:
                elifs[-1] = 0
            block = _BLOCK_WEIGHT * (len(indents) - 1) + sum(elifs)
        if kind == "open":
            if previous_atom and match.group() != "{":
                chains[-1] += 1
                depth += 1
            chains.append(0)
            depth += 1
            previous_atom = False
        elif kind == "close":
            if len(chains) > 1:
                depth -= 1 + chains.pop()
            previous_atom = True
        elif kind == "sep":
            depth -= chains[-1]
            chains[-1] = 0
            previous_atom = False
        elif kind == "op":
            chains[-1] += 1
            depth += 1
            previous_atom = False
        elif kind == "name":
            if match.group() in _NESTING_WORDS:
                chains[-1] += 1
                depth += 1
                previous_atom = False
            else:
                previous_atom = True
        elif kind == "str":
            if previous_atom:
                chains[-1] += 1  # implicit concatenation nests
                depth += 1
            if "f" in match.group("prefix").lower() or "t" in match.group("prefix").lower():
                extra = _fstring_depth(match.group())
                if block + depth + extra > best:
                    best = block + depth + extra
            previous_atom = True
        else:  # a number, or a character no token starts with
            previous_atom = True
        if block + depth > best:
            best = block + depth
            if limit is not None and best > limit:
                return best
    return best


def _column(text: str, offset: int) -> int:
    start = max(text.rfind("\n", 0, offset), text.rfind("\r", 0, offset)) + 1
    return len(text[start:offset].expandtabs(8))


def _fstring_depth(token: str) -> int:
    """How deep the replacement fields of an f-string nest: their brackets, and the operator
    links inside each bracket (counted without telling strings apart, which only errs deep).
    `{{` and `}}` outside a field are literal braces; a link chain ends with its bracket or at
    a comma, as in `nesting_depth`."""
    best = 0
    chains: list[int] = []  # per open bracket, the operator links so far
    position, end = 0, len(token)
    while position < end:
        char = token[position]
        if not chains and token.startswith(("{{", "}}"), position):
            position += 2
            continue
        if char in "{([":
            chains.append(0)
        elif char in "})]":
            if chains:
                chains.pop()
        elif chains and char in "+-*/%@&|^~<>.":
            chains[-1] += 1
        elif chains and char == ",":
            chains[-1] = 0
        position += 1
        best = max(best, len(chains) + sum(chains))
    return best


# CPython's parser refuses these for their depth alone (its limits: 200 nested brackets, 100
# indentation levels, 20 nested blocks).
_PYTHON_DEPTH_MESSAGES = (
    "too many nested parentheses",
    "too many levels of indentation",
    "too many statically nested blocks",
    "too complex",
)


def depth_reason(exc: BaseException, text: str | None = None) -> str | None:
    """Why `exc` means the text is nested too deeply to analyse, or None when it does not (a
    RecursionError in a shallow text is a bug, not the text's depth)."""
    if isinstance(exc, SyntaxError):
        message = str(getattr(exc, "msg", "") or "")
        if any(m in message for m in _PYTHON_DEPTH_MESSAGES):
            return f"Python's parser refuses it ({message})"
        return None
    if isinstance(exc, (RecursionError, MemoryError)):
        if text is not None and nesting_depth(text, SAFE_NESTING) <= SAFE_NESTING:
            return None
        if isinstance(exc, MemoryError):
            # CPython's parser raises it, with no message, when its own stack overflows.
            return "Python's parser ran out of stack"
        detail = str(exc) or "maximum recursion depth exceeded"
        return f"Python's recursion limit was reached ({detail})"
    return None


# The last texts checked (a file is checked by each phase that parses it: keep the answer).
_CHECKED: list[tuple[str, str | None]] = []


def check_nesting(text: str) -> str | None:
    """The reason LibCST must not parse `text`, or None when it may."""
    if len(text) <= MAX_NESTING:  # every level takes at least one character
        return None
    for seen, answer in _CHECKED:
        if seen is text:
            return answer
    depth = nesting_depth(text, MAX_NESTING)
    answer = f"more than {MAX_NESTING} levels of nesting" if depth > MAX_NESTING else None
    _CHECKED.insert(0, (text, answer))
    del _CHECKED[4:]
    return answer


class TooDeep(Exception):
    """A text nested too deeply to analyse; becomes FPI001 with `reason` (at `row`/`column`
    when the parser said where)."""

    def __init__(self, reason: str, row: int = 1, column: int = 1) -> None:
        super().__init__(reason)
        self.reason = reason
        self.row = row
        self.column = column

    @classmethod
    def at(cls, reason: str, exc: BaseException) -> TooDeep:
        """Where a SyntaxError points, or the first line."""
        return cls(reason, getattr(exc, "lineno", None) or 1, getattr(exc, "offset", None) or 1)
