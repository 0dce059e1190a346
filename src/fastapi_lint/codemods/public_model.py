"""generate-public-model under the name LibCST's runner is given:

    python -m libcst.tool codemod -x --no-format \
        fastapi_lint.codemods.public_model.GeneratePublicModel app/      (run it twice)

The rewrite belongs to the secret-field family and lives beside it
(`rules/secrets/public_model.py`); this module only gives it its stable command path.
"""

from __future__ import annotations

from ..rules.secrets.public_model import GeneratePublicModel

__all__ = ["GeneratePublicModel"]
