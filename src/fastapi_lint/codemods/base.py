"""What every fastapi-lint codemod shares: settings per file and a warm project index."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import ClassVar

from libcst.codemod import VisitorBasedCodemodCommand

from ..config import Settings, load_settings
from ..engine import project_index, update_module
from ..index.project import ProjectIndex


class EngineCodemod(VisitorBasedCodemodCommand):
    """A codemod that asks the engine (fixes, project index) instead of matching on its own."""

    #: The rules this codemod runs, whatever the configuration selects or ignores.
    RULE_CODES: ClassVar[tuple[str, ...]] = ()
    #: Set by a runner when files changed on disk since the index was built.
    refresh_pending: ClassVar[bool] = True

    def file_path(self) -> Path:
        filename = self.context.filename
        return Path(filename).absolute() if filename else Path.cwd() / "stdin.py"

    def settings_for(self, path: Path) -> Settings:
        settings = load_settings(path.parent)
        return dataclasses.replace(settings, select=self.rule_codes(), extend_select=(), ignore=())

    def rule_codes(self) -> tuple[str, ...]:
        return self.RULE_CODES

    def index_for(self, settings: Settings) -> ProjectIndex:
        cls = type(self)
        refresh = cls.refresh_pending
        cls.refresh_pending = False
        return project_index(settings, refresh=refresh)

    @classmethod
    def remember(cls, path: Path, text: str, codes: tuple[str, ...] = ()) -> None:
        """Puts a file's new text into the index (for a next pass that did not write it)."""
        probe = cls.__new__(cls)
        probe.RULE_CODES = codes or cls.RULE_CODES
        settings = probe.settings_for(path)
        update_module(text, path, settings)
