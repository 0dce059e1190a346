"""Python syntax across versions: what a file needs, and an `ast` whatever Python runs us.

Two jobs, one module:

- **Which syntax newer than some Python a file uses** (`NewSyntax`), from Python 3.10 on:
  `match` (3.10); `except*`, a star in a subscript, `*args: *Ts` (3.11); the `type`
  statement, type parameter lists and PEP 701 f-strings (3.12); type parameter defaults (3.13);
  template strings and `except A, B:` (3.14). Each summary records them (`summary["syntax"]`),
  so `FPI003` (syntax newer than `target-version`) costs no parse of its own, and a fix is
  rejected when it would add any.
- **An `ast` for a file written for a newer Python than the running one** (3.12 syntax on
  3.11). `ast.parse` rejects it, LibCST (which always parses the newest grammar) accepts it;
  `parse_python` then *lowers* the newer constructs into text the running `ast` accepts and
  parses that. The lowering keeps every line where it was and, on each line, every column of
  the code the index reads:

  - a type parameter list `[T: X]` becomes blanks (a line break inside it becomes `\\` and the
    break, an explicit line join), so `def f[T](x: T)` reads `def f   (x: T)`;
  - `type X[T] = V` becomes `X         = V`, an assignment (the summary binds `X` to `V`, as
    Python 3.12's own `ast` does);
  - a PEP 701 f-string (or t-string) becomes an opaque expression holding its interpolated
    expressions, each at its own place: `f"{x["k"]}"` becomes `(-(x["k"]))`, so calls inside
    it are still seen;
  - `except*` becomes `except `, `a[*b]` becomes `a[ b]`, `*args: *Ts` becomes `*args:  Ts`;
  - `except A, B:` becomes `except(A, B):` (one column shifts on that line only).

  What the running `ast` still rejects after lowering is a real syntax error (FPI001), reported
  with CPython's message at the same line.
"""

from __future__ import annotations

import ast
import re
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import libcst as cst

RUNNING: tuple[int, int] = sys.version_info[:2]

# Names of the constructs, as FPI003 messages show them.
MATCH = "`match` statement"
EXCEPT_STAR = "`except*`"
STAR_SUBSCRIPT = "star expression in a subscript (`a[*b]`)"
STAR_ANNOTATION = "star annotation on `*args` (`*args: *Ts`)"
TYPE_STATEMENT = "`type` statement"
TYPE_PARAMETERS = "type parameter list"
PEP701 = "f-string with {} (PEP 701)"
TYPE_PARAMETER_DEFAULT = "type parameter default"
TEMPLATE_STRING = "template string (t-string)"
EXCEPT_TUPLE = "`except` with several exception types and no parentheses"

PEP701_QUOTE = "its own quote inside a replacement field"
PEP701_BACKSLASH = "a backslash inside a replacement field"
PEP701_COMMENT = "a `#` inside a replacement field"
PEP701_NEWLINE = "a line break inside a replacement field of a single-quoted string"


@dataclass(frozen=True, order=True)
class NewSyntax:
    """One use of syntax added in `version`, at 1-based `row` and `column` (code points)."""

    row: int
    column: int
    version: tuple[int, int]
    what: str

    def to_list(self) -> list[Any]:
        return [self.row, self.column, f"{self.version[0]}.{self.version[1]}", self.what]

    @classmethod
    def from_list(cls, item: list[Any]) -> NewSyntax:
        major, minor = (int(part) for part in str(item[2]).split("."))
        return cls(int(item[0]), int(item[1]), (major, minor), str(item[3]))


def _parse_cst(text: str) -> cst.Module:
    """libcst.parse_module, except for a text nested so deeply that LibCST's native parser
    would overflow the stack (raises `limits.TooDeep`, without calling it)."""
    import libcst

    from .limits import TooDeep, check_nesting

    reason = check_nesting(text)
    if reason is not None:
        raise TooDeep(reason)
    return libcst.parse_module(text)


def parse_version(target: str) -> tuple[int, int]:
    """`"py311"` -> (3, 11)."""
    return int(target[2]), int(target[3:])


def newer_than(features: list[NewSyntax], target: tuple[int, int]) -> list[NewSyntax]:
    return [f for f in features if f.version > target]


@dataclass
class ParsedPython:
    tree: ast.Module
    #: The newer syntax LibCST found when the text had to be lowered; None when the running
    #: `ast` parsed the text as it is (then `ast_features` finds it).
    features: list[NewSyntax] | None = None
    #: The text `tree` was parsed from (the lowered text, or the original).
    text: str = ""


def parse_python(text: str, filename: str = "<unknown>") -> ParsedPython:
    """`ast.parse(text)`, or, for syntax newer than the running Python, the `ast` of the lowered
    text. Raises SyntaxError (the original one when LibCST rejects the text too, else the one
    of the lowered text: a real error), ValueError, RecursionError or MemoryError as
    `ast.parse` does."""
    try:
        return ParsedPython(ast.parse(text, filename=filename), None, text)
    except SyntaxError as exc:
        first = exc
    lowered = lower_source(text)
    if lowered is None:
        raise first
    features, new_text = lowered
    if new_text == text:
        raise first  # nothing newer than this Python: the error is real
    return ParsedPython(ast.parse(new_text, filename=filename), features, new_text)


def parse_expression(text: str) -> ast.expr:
    """`ast.parse(text, mode="eval").body`, lowered like `parse_python` when the expression
    uses syntax newer than the running Python (a PEP 701 f-string in a route's return)."""
    try:
        return ast.parse(text, mode="eval").body
    except SyntaxError as exc:
        first = exc
    lowered = lower_source("(" + text + ")\n")
    if lowered is None or lowered[1] == "(" + text + ")\n":
        raise first
    return ast.parse(lowered[1].strip(), mode="eval").body


def best_syntax_error(text: str, filename: str = "<unknown>") -> SyntaxError | None:
    """The syntax error to report for a text Python rejects, or None when it parses.

    CPython's message, at the real error: for a file with newer syntax that is the error the
    lowered text still has. When LibCST rejects the text too and CPython stopped earlier than
    LibCST did, CPython most likely stopped at syntax newer than itself (3.12 syntax on 3.11)
    rather than at the error: LibCST's position is reported then."""
    try:
        parse_python(text, filename)
        return None
    except SyntaxError as exc:
        python_error = exc
    import libcst

    try:
        _parse_cst(text)
        return python_error  # LibCST parses it: the error was found in the lowered text
    except libcst.ParserSyntaxError as exc:
        found = re.search(r"error at (\d+):(\d+): (.*)", exc.message)
        row, column = (int(found[1]), int(found[2])) if found else (exc.raw_line, exc.raw_column)
        message = found[3] if found else exc.message
    except Exception:
        return python_error
    if (python_error.lineno or 0) >= row or not _looks_newer(text, python_error.lineno or 0):
        return python_error
    return SyntaxError(message, (filename, row, column + 1, _line(text, row)))


# Per Python version, text that syntax added in it contains: where CPython stops on such a
# line, it may have stopped at syntax newer than itself rather than at the real error.
_HINTS_BY_VERSION = [
    ((3, 11), r"except[\s\\]*\*|[\[,:]\s*\*(?!\*)"),
    ((3, 12), r"^[ \t\f]*type\b|\b(?:def|class)\s+\w+\s*\[|[fF][rR]?['\"]|[rR][fF]['\"]"),
    ((3, 14), r"\bexcept\b[^:\n(]*,|[tT][rR]?['\"]|[rR][tT]['\"]"),
]


def _line(text: str, row: int) -> str:
    from .source import split_lines

    lines = split_lines(text)
    return lines[row - 1] if 0 < row <= len(lines) else ""


def _looks_newer(text: str, row: int) -> bool:
    line = _line(text, row)
    return any(
        version > RUNNING and re.search(pattern, line) for version, pattern in _HINTS_BY_VERSION
    )


def compiles(text: str, path: str) -> bool:
    """Whether Python would compile the text (`compile()` also rejects what a parse accepts,
    such as `await` outside an async function). Text written for a newer Python than the
    running one is compiled in its lowered form, so a fix in a 3.12 file is judged on 3.11
    by the same rules as on 3.12."""
    import warnings

    def attempt(source: str) -> bool:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(source, path, "exec", dont_inherit=True)
        return True

    try:
        return attempt(text)
    except SyntaxError:
        pass
    except (ValueError, RecursionError, MemoryError):
        return False
    lowered = lower_source(text)
    if lowered is None or lowered[1] == text:
        return False
    try:
        return attempt(lowered[1])
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False


def syntax_of(text: str) -> list[NewSyntax] | None:
    """The newer syntax a text uses, or None when Python cannot parse it at all."""
    try:
        parsed = parse_python(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    if parsed.features is not None:
        return parsed.features
    return ast_features(parsed.tree, text)


# -- newer syntax in an `ast` the running Python parsed ------------------------------------

# Text that every use of the syntax contains (a superset: a false hit only costs a walk).
_HINTS_311 = (
    # `match` starting a statement, not `match = ...` or `match.group()`
    r"^[ \t\f]*match\b(?![ \t]*(?:[=.,)\]:]|[-+*/%&|^@<>]=))"
    r"|except[\s\\]*\*"
    # a star after `[` or `,` whose next bracket closes a `[`: `a[*b]`, `a[i, *b]`
    r"|[\[,]\s*\*(?![*=])[^\[\]]*\]"
    r"|\*\w+\s*:\s*\*"  # `*args: *Ts`
)
_HINTS_312 = r"^[ \t\f]*type\b|\b(?:def|class)\s+\w+\s*\[|[fFtT][rR]?['\"]|[rR][fFtT]['\"]"
_HINTS_314 = r"\bexcept\b[^:\n(]*,"
_HINTS = re.compile(
    "|".join(
        [_HINTS_311]
        + ([_HINTS_312] if RUNNING >= (3, 12) else [])
        + ([_HINTS_314] if RUNNING >= (3, 14) else [])
    ),
    re.M,
)


class _Lines:
    """Byte offsets (what `ast` gives) to code-point columns, one line at a time."""

    def __init__(self, text: str) -> None:
        from .source import split_lines

        self.lines = split_lines(text, keepends=True)

    def column(self, row: int, byte_offset: int) -> int:
        """1-based code-point column of a 0-based UTF-8 byte offset."""
        if not 0 < row <= len(self.lines):
            return byte_offset + 1
        line = self.lines[row - 1]
        if line.isascii():
            return byte_offset + 1
        return (
            len(line.encode("utf-8", "surrogatepass")[:byte_offset].decode("utf-8", "replace")) + 1
        )

    def char_at(self, row: int, byte_offset: int) -> str:
        if not 0 < row <= len(self.lines):
            return ""
        line = self.lines[row - 1]
        col = self.column(row, byte_offset) - 1
        return line[col : col + 1]

    def segment(self, node: ast.AST) -> str:
        start = (node.lineno, self.column(node.lineno, node.col_offset) - 1)  # type: ignore[attr-defined]
        end_row = node.end_lineno or node.lineno  # type: ignore[attr-defined]
        end = (end_row, self.column(end_row, node.end_col_offset or 0) - 1)  # type: ignore[attr-defined]
        if start[0] == end[0]:
            return self.lines[start[0] - 1][start[1] : end[1]]
        parts = [self.lines[start[0] - 1][start[1] :]]
        parts += self.lines[start[0] : end[0] - 1]
        parts.append(self.lines[end[0] - 1][: end[1]])
        return "".join(parts)


def ast_features(tree: ast.Module, text: str) -> list[NewSyntax]:
    """Uses of syntax from Python 3.10 on in a tree the running `ast` parsed from `text`."""
    if not _HINTS.search(text):
        return []
    lines = _Lines(text)
    found: list[NewSyntax] = []

    def add(node: Any, version: tuple[int, int], what: str) -> None:
        found.append(
            NewSyntax(node.lineno, lines.column(node.lineno, node.col_offset), version, what)
        )

    functions = (ast.FunctionDef, ast.AsyncFunctionDef)
    try_star = getattr(ast, "TryStar", None)
    type_alias = getattr(ast, "TypeAlias", None)
    template = getattr(ast, "TemplateStr", None)
    inside_checked: set[int] = set()
    for node in ast.walk(tree):
        kind = type(node)
        if kind is ast.Match:
            add(node, (3, 10), MATCH)
        elif kind is try_star:
            for handler in node.handlers:  # type: ignore[attr-defined]
                add(handler, (3, 11), EXCEPT_STAR)
        elif kind is ast.Subscript:
            index = node.slice  # type: ignore[attr-defined]
            if isinstance(index, ast.Tuple) and not _parenthesized(index, lines):
                for element in index.elts:
                    if isinstance(element, ast.Starred):
                        add(element, (3, 11), STAR_SUBSCRIPT)
        elif kind is ast.JoinedStr:
            if RUNNING >= (3, 12) and id(node) not in inside_checked:
                inside_checked.update(id(inner) for inner in ast.walk(node))
                found.extend(_pep701_in_segment(node, lines))
        elif kind is template:
            add(node, (3, 14), TEMPLATE_STRING)
        elif kind is ast.ExceptHandler:
            caught = node.type  # type: ignore[attr-defined]
            if (
                RUNNING >= (3, 14)
                and isinstance(caught, ast.Tuple)
                and not _parenthesized(caught, lines)
            ):
                add(caught, (3, 14), EXCEPT_TUPLE)
        if kind in functions:
            vararg = node.args.vararg  # type: ignore[attr-defined]
            if vararg is not None and isinstance(vararg.annotation, ast.Starred):
                add(vararg.annotation, (3, 11), STAR_ANNOTATION)
        if kind is type_alias:
            add(node, (3, 12), TYPE_STATEMENT)
        params = getattr(node, "type_params", None)
        if params and (kind in functions or kind is ast.ClassDef):
            add(params[0], (3, 12), TYPE_PARAMETERS)
        for param in params or ():
            default = getattr(param, "default_value", None)
            if default is not None:
                add(default, (3, 13), TYPE_PARAMETER_DEFAULT)
    return sorted(found)


def _parenthesized(node: ast.Tuple, lines: _Lines) -> bool:
    """Whether a tuple is written in parentheses of its own (`(a, *b)`, not `(a), *b`)."""
    if lines.char_at(node.lineno, node.col_offset) != "(":
        return False
    if not node.elts:
        return True
    last = node.elts[-1]
    if (last.end_lineno, last.end_col_offset) == (node.end_lineno, node.end_col_offset):
        return False
    end_row = node.end_lineno or node.lineno
    return lines.char_at(end_row, (node.end_col_offset or 1) - 1) == ")"


def _pep701_in_segment(node: ast.AST, lines: _Lines) -> list[NewSyntax]:
    """PEP 701 uses inside one f-string (or implicitly concatenated strings) that Python 3.12+
    parsed: its text is parsed again with LibCST, which keeps what `ast` loses."""
    segment = lines.segment(node)
    if not _may_use_pep701(segment):
        return []
    from libcst.metadata import MetadataWrapper, PositionProvider

    try:
        module = _parse_cst("(" + segment + ")\n")
        positions = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    except Exception:  # LibCST cannot say: nothing to report
        return []
    row = node.lineno  # type: ignore[attr-defined]
    column = lines.column(row, node.col_offset)  # type: ignore[attr-defined]
    found = []
    for string in _strings_in(module):
        reason = _pep701_reason(string)
        if reason is None:
            continue
        start = positions[string].start
        if start.line == 1:  # the segment's first line, after the added "("
            where = (row, column + start.column - 1)
        else:
            where = (row + start.line - 1, start.column + 1)
        found.append(NewSyntax(*where, (3, 12), PEP701.format(reason)))
    return found


def _may_use_pep701(segment: str) -> bool:
    """Cheap test: an f-string whose body holds no backslash, `#`, line break or quote of its
    own kind uses no PEP 701 syntax (implicitly concatenated strings hold quotes)."""
    body = segment.lstrip("fFrRbBtTuU")
    quote = body[:1]
    inner = body[3:-3] if body[:3] in ('"""', "'''") else body[1:-1]
    return any(ch in inner for ch in ("\\", "#", "\n", "\r", quote))


# -- newer syntax in a LibCST tree, and lowering it -----------------------------------------


def _strings_in(node: cst.CSTNode) -> list[cst.CSTNode]:
    """Every f-string and t-string in `node`, nested ones included, outermost first."""
    import libcst

    found: list[cst.CSTNode] = []

    class Finder(libcst.CSTVisitor):
        def on_visit(self, child: cst.CSTNode) -> bool:
            if isinstance(child, (libcst.FormattedString, libcst.TemplatedString)):
                found.append(child)
            return True

    node.visit(Finder())
    return found


def _code(node: cst.CSTNode | None) -> str:
    import libcst

    if node is None:
        return ""
    return libcst.Module(body=[]).code_for_node(node)


def _pep701_reason(string: cst.CSTNode) -> str | None:
    """Why an f-string (or t-string) needs Python 3.12, or None when 3.11 would parse it.

    Before PEP 701 a replacement field could not hold the string's own quote (the tokenizer
    ended the string there), a backslash, a `#`, or, in a single-quoted string, a line break.
    Nested strings are judged on their own (each is visited)."""
    import libcst

    quote = string.end  # type: ignore[attr-defined]
    single = len(quote) == 1

    def fields(parts) -> list[str]:
        texts = []
        for part in parts:
            if isinstance(
                part, (libcst.FormattedStringExpression, libcst.TemplatedStringExpression)
            ):
                texts.append(
                    _code(part.whitespace_before_expression)
                    + _code(part.expression)
                    + _code(part.whitespace_after_expression)
                    + (_code(part.equal) if part.equal is not None else "")
                )
                if part.format_spec:
                    texts.extend(spec_texts(part.format_spec))
        return texts

    def spec_texts(parts) -> list[str]:
        texts = fields(parts)
        for part in parts:
            if not isinstance(part, (libcst.FormattedStringText, libcst.TemplatedStringText)):
                continue
            if quote in part.value or (single and ("\n" in part.value or "\r" in part.value)):
                texts.append(quote)
        return texts

    for text in fields(string.parts):  # type: ignore[attr-defined]
        if quote in text:
            return PEP701_QUOTE
        if "\\" in text:
            return PEP701_BACKSLASH
        if "#" in text:
            return PEP701_COMMENT
        if single and ("\n" in text or "\r" in text):
            return PEP701_NEWLINE
    return None


@dataclass
class _Span:
    """A piece of the source the lowering rewrites: [start, end) in code points."""

    start: int
    end: int
    kind: str  # "blank", "alias", "string" or "parenthesize"
    node: Any = None


def lower_source(text: str) -> tuple[list[NewSyntax], str] | None:
    """(every use of syntax from Python 3.10 on, text the running `ast` accepts) for a text
    LibCST parses; None when LibCST cannot parse it either."""
    import libcst
    from libcst.metadata import MetadataWrapper, PositionProvider

    try:
        module = _parse_cst(text)
        positions = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    except Exception:  # a syntax error for LibCST too (or too deep for it)
        return None
    starts = _line_starts(text)

    def offset(pos: Any) -> int:
        return starts[pos.line - 1] + pos.column

    features: list[NewSyntax] = []
    spans: list[_Span] = []
    before_311, before_312, before_314 = RUNNING < (3, 11), RUNNING < (3, 12), RUNNING < (3, 14)

    def note(node: cst.CSTNode, version: tuple[int, int], what: str) -> None:
        start = positions[node].start
        features.append(NewSyntax(start.line, start.column + 1, version, what))

    def whole(node: cst.CSTNode, kind: str) -> None:
        rng = positions[node]
        spans.append(_Span(offset(rng.start), offset(rng.end), kind, node))

    def one_char(at: int) -> None:
        spans.append(_Span(at, at + 1, "blank"))

    class Finder(libcst.CSTVisitor):
        def visit_Match(self, node: cst.Match) -> None:
            note(node, (3, 10), MATCH)

        def visit_TryStar(self, node: cst.TryStar) -> None:
            for handler in node.handlers:
                note(handler, (3, 11), EXCEPT_STAR)
                if before_311:
                    star = offset(positions[handler].start) + len("except")
                    one_char(star + len(_code(handler.whitespace_after_except)))

        def visit_Index(self, node: cst.Index) -> None:
            if node.star is not None:
                note(node, (3, 11), STAR_SUBSCRIPT)
                if before_311:
                    one_char(offset(positions[node].start))

        def visit_Param(self, node: cst.Param) -> None:
            annotation = node.annotation
            if annotation is not None and isinstance(annotation.annotation, libcst.StarredElement):
                note(annotation.annotation, (3, 11), STAR_ANNOTATION)
                if before_311:
                    one_char(offset(positions[annotation.annotation].start))

        def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
            self._type_parameters(node.type_parameters)

        def visit_ClassDef(self, node: cst.ClassDef) -> None:
            self._type_parameters(node.type_parameters)

        def visit_TypeAlias(self, node: cst.TypeAlias) -> None:
            note(node, (3, 12), TYPE_STATEMENT)
            self._type_parameters(node.type_parameters, alias=True)
            if before_312:
                start = offset(positions[node].start)
                value = offset(positions[node.value].start)
                # The last `=` before the value is the statement's (defaults come before it).
                equals = start + text[start:value].rindex("=")
                spans.append(_Span(start, equals, "alias", node.name.value))

        def _type_parameters(self, params: cst.TypeParameters | None, alias: bool = False):
            if params is None:
                return
            if not alias and params.params:
                note(params.params[0], (3, 12), TYPE_PARAMETERS)
            if before_312 and not alias:
                whole(params, "blank")
            for param in params.params:
                if param.default is not None:
                    note(param.default, (3, 13), TYPE_PARAMETER_DEFAULT)

        def visit_FormattedString(self, node: cst.FormattedString) -> None:
            reason = _pep701_reason(node)
            if reason is not None:
                note(node, (3, 12), PEP701.format(reason))
                if before_312:
                    whole(node, "string")

        def visit_TemplatedString(self, node: cst.TemplatedString) -> None:
            note(node, (3, 14), TEMPLATE_STRING)
            if before_314:
                whole(node, "string")

        def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
            caught = node.type
            if isinstance(caught, libcst.Tuple) and not caught.lpar:
                note(caught, (3, 14), EXCEPT_TUPLE)
                if before_314:
                    whole(caught, "parenthesize")

        def visit_ConcatenatedString(self, node: cst.ConcatenatedString) -> None:
            # A lowered part cannot stay next to plain string parts (`"a" (x)` is a call):
            # the whole concatenation is lowered as one string.
            for part in _strings_in(node):
                if (before_314 and isinstance(part, libcst.TemplatedString)) or (
                    before_312
                    and isinstance(part, libcst.FormattedString)
                    and _pep701_reason(part) is not None
                ):
                    whole(node, "string")
                    return

    try:
        module.visit(Finder())
    except RecursionError:
        return None
    features.sort()
    return features, _render(text, 0, len(text), spans, positions, offset)


def _line_starts(text: str) -> list[int]:
    from .source import split_lines

    starts = [0]
    for line in split_lines(text, keepends=True):
        starts.append(starts[-1] + len(line))
    return starts


def _render(text: str, lo: int, hi: int, spans: list[_Span], positions, offset) -> str:
    """text[lo:hi] with every outermost span inside it rewritten (a span rewrites what it
    holds itself)."""
    inside = sorted(
        (s for s in spans if lo <= s.start and s.end <= hi), key=lambda s: (s.start, -s.end)
    )
    pieces = []
    cursor = lo
    for item in inside:
        if item.start < cursor:
            continue  # held by the previous span
        pieces.append(text[cursor : item.start])
        pieces.append(_rewrite(text, item, spans, positions, offset))
        cursor = item.end
    pieces.append(text[cursor:hi])
    return "".join(pieces)


def _rewrite(text: str, item: _Span, spans: list[_Span], positions, offset) -> str:
    piece = text[item.start : item.end]
    if item.kind == "blank":
        return _blank(piece)
    if item.kind == "alias":
        name = item.node
        return name + _blank(piece)[len(name) :]
    if item.kind == "parenthesize":
        return "(" + piece + ")"
    # "string": `(-(e1, e2))`, each interpolated expression where it was, so calls inside are
    # seen; the minus keeps the value opaque, as an f-string's is (an index shape of "?", not
    # a tuple). Inside parentheses a line break needs no join.
    chars = list(re.sub(r"[^\r\n]", " ", piece))
    expressions = _expressions_of(item.node)
    if not expressions:  # `t"text"`: an empty tuple
        chars[0], chars[-1] = "(", ")"
        return "".join(chars)
    ends = []
    for expression in expressions:
        rng = positions[expression]
        lo, hi = offset(rng.start), offset(rng.end)
        inner = [s for s in spans if s is not item]
        chars[lo - item.start : hi - item.start] = _render(text, lo, hi, inner, positions, offset)
        ends.append(hi - item.start)
    for end in ends[:-1]:
        chars[end] = ","  # where `}`, `!`, `:` or `=` was, before the next expression
    # `f"{` comes before the first expression, `}"` after the last: room for `(-(` and `))`.
    chars[0], chars[1], chars[2] = "(", "-", "("
    chars[-2], chars[-1] = ")", ")"
    return "".join(chars)


def _blank(piece: str) -> str:
    """Spaces for every character, keeping line breaks, each after a `\\` (an explicit line
    join), so the blanked code spans the same lines outside any brackets."""
    out = []
    for line in re.findall(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$", piece):
        body = line.rstrip("\r\n")
        ending = line[len(body) :]
        out.append(" " * max(len(body) - 1, 0) + "\\" + ending if ending else " " * len(body))
    return "".join(out)


def _expressions_of(node: cst.CSTNode) -> list[cst.CSTNode]:
    """The interpolated expressions of a string (format specs and concatenated parts
    included), in source order, nested strings not entered."""
    import libcst

    found: list[cst.CSTNode] = []

    def from_parts(parts: Any) -> None:
        for part in parts:
            if isinstance(
                part, (libcst.FormattedStringExpression, libcst.TemplatedStringExpression)
            ):
                found.append(part.expression)
                if part.format_spec:
                    from_parts(part.format_spec)

    def walk(string: cst.CSTNode) -> None:
        if isinstance(string, libcst.ConcatenatedString):
            walk(string.left)
            walk(string.right)
        elif isinstance(string, (libcst.FormattedString, libcst.TemplatedString)):
            from_parts(string.parts)

    walk(node)
    return found
