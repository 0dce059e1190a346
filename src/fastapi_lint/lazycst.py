"""`libcst`, imported when a name of it is first used (`from .lazycst import cst`).

Importing LibCST costs about 0.2 s of CPU (it builds some 250 node dataclasses). A one-file
pre-commit run, or an editor's re-lint, often ends at the index gates (`Rule.could_apply`):
no rule can report anything in the file, so it is never parsed. The rule modules and the
engine's lint step therefore name LibCST through this stand-in instead of importing it: their
module bodies never touch it, and the first attribute read (`cst.Name`, at a parse or a walk)
imports LibCST and remembers the answer, so later reads cost what a module attribute costs.
"""

from __future__ import annotations

import sys
import types
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import libcst as cst
else:

    class _LazyLibCST(types.ModuleType):
        def __getattr__(self, name: str):
            import libcst

            value = getattr(libcst, name)
            # Later reads find it in the module's dict and skip this method.
            setattr(self, name, value)
            return value

    cst = _LazyLibCST("fastapi_lint.lazycst.cst", "libcst, imported on first use")


def cst_loaded() -> bool:
    """Whether LibCST has been imported in this process."""
    return "libcst" in sys.modules


__all__ = ["cst", "cst_loaded"]
