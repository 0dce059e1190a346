"""FPI001 and FPI002: problems the engine reports about a file rather than about FastAPI usage."""

from __future__ import annotations

from ..model import ENGINE_CODE_NAMES, INTERNAL_ERROR, UNPARSABLE_FILE
from ..rule import Rule


class UnparsableFile(Rule):
    code = UNPARSABLE_FILE
    name = ENGINE_CODE_NAMES[UNPARSABLE_FILE]
    message = "the file could not be read, decoded or parsed"
    summary = "File could not be read, decoded or parsed"
    triggers = ()
    docs = """
## What it does
Reports a file that fastapi-lint could not analyse: a syntax error, bytes that are not valid in
the file's encoding (UTF-8 unless a PEP 263 coding cookie says otherwise), a NUL byte, or a file
that cannot be read (for example, no read permission). With `--fix` (or `--add-noqa`), it also
reports a file whose fixes could not be written, for example because the user may not write
it: the file is left unchanged and its other findings are reported as if unfixed (ruff reports
`E902` for the same case).

## Why is this bad?
Nothing in such a file is checked. The run goes on with every other file, but this finding makes
sure the gap is visible instead of silently passing.

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
There is no automatic fix. This rule is always on unless ignored explicitly by its code.
"""


class InternalError(Rule):
    code = INTERNAL_ERROR
    name = ENGINE_CODE_NAMES[INTERNAL_ERROR]
    message = "a rule failed on this file"
    summary = "A rule raised an exception on this file (a bug in fastapi-lint)"
    triggers = ()
    docs = """
## What it does
Reports that a rule raised an unexpected exception while checking this file. The message names
the rule; run with `--verbose` to see the traceback.

## Why is this bad?
The failing rule did not check the file, so problems of that kind may be missed. Every other rule
and every other file is still checked. Please report the traceback: this is a bug in fastapi-lint,
not in your code.

## Example
Any file can trigger it; there is no pattern to avoid.

## Use instead
Upgrade fastapi-lint, or ignore the failing rule for the file with `per-file-ignores` until a fix
is released.

## Fix safety
There is no automatic fix. This rule is always on unless ignored explicitly by its code.
"""
