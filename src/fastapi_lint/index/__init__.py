"""Project-wide facts that cross files: summaries per module, joined and resolved."""

from .project import ProjectIndex, Ref
from .summary import module_name_for, summarize_source

__all__ = ["ProjectIndex", "Ref", "module_name_for", "summarize_source"]
