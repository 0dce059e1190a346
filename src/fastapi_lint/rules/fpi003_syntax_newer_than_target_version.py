"""FPI003: syntax newer than the project's `target-version` (reported by the engine)."""

from __future__ import annotations

from ..model import SYNTAX_NEWER_THAN_TARGET
from ..rule import Rule


class SyntaxNewerThanTargetVersion(Rule):
    code = SYNTAX_NEWER_THAN_TARGET
    name = "syntax-newer-than-target-version"
    message = "syntax newer than target-version"
    summary = "Syntax that the configured `target-version` of Python cannot parse"
    # The engine reports it from the index summary (no visitor, no trigger).
    triggers = ()
    docs = """
## What it does
Reports syntax that needs a newer Python than the project's `target-version`: `match`
(Python 3.10); `except*`, a star in a subscript (`a[*b]`) and `*args: *Ts` (3.11); the `type`
statement, type parameter lists (`def f[T](x: T)`, `class C[T]:`) and f-strings that use
PEP 701 (the string's own quote, a backslash or a comment inside a replacement field, as in
`f"{row["id"]}"`) (3.12); type parameter defaults (3.13); template strings (`t"..."`) and
`except A, B:` without parentheses (3.14).

`target-version` is `py310` unless the configuration sets it or `[project] requires-python`
states a lower bound (`>=3.12` means `py312`), as in ruff.

## Why is this bad?
The project says it runs on `target-version`, and that Python rejects the whole module with a
`SyntaxError` at import. The rest of the file is still fully analysed: fastapi-lint parses
every syntax up to Python 3.14 whatever Python runs it.

## Example
```python
# target-version = "py311"
type UserId = int
```

## Use instead
```python
from typing import TypeAlias

UserId: TypeAlias = int
```
Or raise `target-version` (or `requires-python`) if the project no longer supports the older
Python. A module imported only on newer Pythons can carry `# noqa: FPI003` on the line, or be
listed in `per-file-ignores`.

## Fix safety
There is no automatic fix. This rule is always on unless ignored explicitly by its code. Fixes
of other rules never add syntax newer than `target-version`: such a fix is held back, with a
warning.
"""
