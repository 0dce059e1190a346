"""FPI001 and FPI002: problems the engine reports about a file rather than about FastAPI usage."""

from __future__ import annotations

from ..model import ENGINE_CODE_NAMES, INTERNAL_ERROR, UNPARSABLE_FILE
from ..rule import Rule


class UnparsableFile(Rule):
    code = UNPARSABLE_FILE
    name = ENGINE_CODE_NAMES[UNPARSABLE_FILE]
    message = "the file could not be analysed"
    summary = "File could not be read, decoded, parsed or fully analysed"
    triggers = ()
    docs = """
## What it does
Reports a file that fastapi-lint did not (fully) analyse, with the reason in the message:

- it cannot be read (for example, no read permission);
- its bytes are not valid in its encoding (UTF-8 unless a PEP 263 coding cookie says otherwise),
  or it holds a NUL byte;
- it has a syntax error;
- `too deeply nested to analyse: ...`: its code nests deeper than the parsers or the analysis
  can follow (CPython itself refuses 200 nested brackets and gives up on a few thousand chained
  operators; fastapi-lint stops at 400 levels, before LibCST's parser would overflow the stack,
  and wherever Python's recursion limit is reached on the way);
- `too large to analyse: N MB, limit M MB`: the file is larger than the `max-file-size` setting
  (default 1 MB); it is not read further, so it costs neither time nor memory;
- with `--fix` (or `--add-noqa`), its fixes could not be written, for example because the user
  may not write it: the file is left unchanged and its other findings are reported as if unfixed
  (ruff reports `E902` for the same case).

The line and column point at the problem where it is known, else at the start of the file.

## Why is this bad?
Nothing in such a file is checked, and the project index lacks its facts (a blocking helper or
a secret model defined there is not seen from other files). The run goes on with every other
file; this finding makes the gap visible instead of a silent pass.

## Example
```python
def handler(:
    pass
```

## Use instead
```python
def handler():
    pass
```

## Fix safety
There is no automatic fix. This rule is always on unless ignored explicitly by its code (do that
for generated files, or raise `max-file-size`, rather than let a file pass unseen).
"""


class InternalError(Rule):
    code = INTERNAL_ERROR
    name = ENGINE_CODE_NAMES[INTERNAL_ERROR]
    message = "fastapi-lint failed on this file"
    summary = "fastapi-lint raised an exception on this file (a bug in fastapi-lint)"
    triggers = ()
    docs = """
## What it does
Reports an unexpected exception inside fastapi-lint while it handled this file. The message
names the phase it happened in and the exception, for example
`internal error in the rules phase (running the rules): rule FPI101 (blocking-sleep-in-async)
raised KeyError: 'x'`. The phases of a file are `read`, `decode`, `summary` (its facts for the
project index), `index` (joining them), `rules`, `fix`, `write` and `cache`. Run with `--verbose`
to see the traceback.

## Why is this bad?
What failed did not finish: a failing rule did not check the file (the other rules did); a
failing summary or index join leaves the project index without the file's facts; a failing fix or
write leaves the file as it was, reported unfixed. Every other file is still checked exactly as
it would be otherwise, and the result is never cached, so the next run tries again. Please report
the traceback: FPI002 is a bug in fastapi-lint, not in your code.

## Example
Any file can trigger it; there is no pattern to avoid.

## Use instead
Upgrade fastapi-lint, or ignore the finding for the file with `per-file-ignores` until a fix
is released.

## Fix safety
There is no automatic fix. This rule is always on unless ignored explicitly by its code.
"""
