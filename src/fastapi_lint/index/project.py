"""The project index: module summaries joined, and exact name resolution across modules.

Resolution never guesses. A name is resolved only through an import, a def/class, or a single
unambiguous assignment; anything else (a name bound twice to different things, a loop variable,
an unknown call result) resolves to None, and rules treat None as "not the library".
"""

from __future__ import annotations

import hashlib
import json
import marshal
import os
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from ..model import ChainHop
from .branches import mutated_globals
from .reach import known_callers, referenced_dead_code_names, serving_reach
from .refs import Ref
from .route_writes import ROUTE_DECORATOR_METHODS
from .semantic import (
    ASYNC_SESSIONMAKER,
    CONTAINERS,
    CONTEXT_MANAGER_MAKERS,
    ITERATING_CALLS,
    MAPPING_VALUE_METHODS,
    MAPPINGS,
    PATH_KEEPING_ATTRS,
    PATH_KEEPING_METHODS,
    PATH_TYPES,
    SESSIONMAKERS,
    WRAPPERS,
    SemanticModel,
    call_sites_fact,
    class_hierarchy_fact,
    state_assigns_fact,
)
from .summary import BUILTIN_NAMES, Shape, shape_text

MAX_RESOLVE_DEPTH = 12
#: Annotations that qualify a binding without saying its type (`x: Final = APIRouter()`).
QUALIFIERS = frozenset(
    {"typing.Final", "typing_extensions.Final", "typing.ClassVar", "typing_extensions.ClassVar"}
)
#: `type[X]`: the class X itself.
CLASS_OF = frozenset({"builtins.type", "typing.Type", "typing_extensions.Type"})
# Names resolved inside the resolution of other names (each one memoised, so depth restarts).
MAX_NAME_NESTING = 40

#: A fact computed over every module of the project (read with `ProjectIndex.project_fact`).
ProjectFact = Callable[["ProjectIndex"], Any]


class CompactModules(dict):
    """Module summaries kept marshalled (about a seventh of their size as Python objects) and
    decoded when read. Decoded, the summaries of a 1,900-file project took ~190 MB in every
    process and set the peak memory of a run. Decoded summaries are kept up to BUDGET bytes of
    marshalled data (most recently read first): a small or medium project stays decoded
    entirely; a scan over every module (project facts) keeps what fits without evicting, so
    it does not flush the modules the current file reads."""

    BUDGET = 12 * 2**20

    def __init__(self, summaries: dict[str, Any] | None = None) -> None:
        super().__init__()
        self._recent: dict[str, Any] = {}
        self._recent_bytes = 0
        for name, summary in (summaries or {}).items():
            self[name] = summary

    def _forget(self, name: str) -> None:
        if self._recent.pop(name, None) is not None:
            self._recent_bytes -= len(dict.__getitem__(self, name))

    def _decode(self, name: str, blob: bytes, scanning: bool = False) -> Any:
        recent = self._recent
        value = recent.pop(name, None)
        if value is not None:
            recent[name] = value  # the most recently read last
            return value
        value = marshal.loads(blob)
        size = len(blob)
        if scanning and self._recent_bytes + size > self.BUDGET:
            return value
        recent[name] = value
        self._recent_bytes += size
        while self._recent_bytes > self.BUDGET and len(recent) > 1:
            oldest = next(iter(recent))
            del recent[oldest]
            self._recent_bytes -= len(dict.__getitem__(self, oldest))
        return value

    def __setitem__(self, name: str, summary: Any) -> None:
        if dict.__contains__(self, name):
            self._forget(name)
        blob = summary if isinstance(summary, bytes) else marshal.dumps(summary)
        dict.__setitem__(self, name, blob)

    def __getitem__(self, name: str) -> Any:
        return self._decode(name, dict.__getitem__(self, name))

    def get(self, name: str, default: Any = None) -> Any:
        blob = dict.get(self, name)
        return default if blob is None else self._decode(name, blob)

    def pop(self, name: str, *default: Any) -> Any:
        if dict.__contains__(self, name):
            self._forget(name)
        blob = dict.pop(self, name, None)
        if blob is None:
            if default:
                return default[0]
            raise KeyError(name)
        return marshal.loads(blob)

    def items(self) -> Iterator[tuple[str, Any]]:  # type: ignore[override]
        for name, blob in list(dict.items(self)):
            yield name, self._decode(name, blob, scanning=True)

    def values(self) -> Iterator[Any]:  # type: ignore[override]
        for _name, value in self.items():
            yield value


_MISSING = object()

# Memoised answers beyond this many are dropped between files (project facts are kept): they
# are cheap to recompute, and kept they grew with the number of files linted by a process.
MEMO_LIMIT = 10_000


class ProjectIndex(SemanticModel):
    """Summaries of every module of a project, keyed by dotted module name. Values are typed
    by the semantic model (`index.semantic`)."""

    def __init__(
        self,
        summaries: dict[str, dict[str, Any]],
        digests: dict[str, str] | None = None,
        paths: dict[str, str] | None = None,
        facts: Mapping[str, ProjectFact] | None = None,
        package_prefixes: tuple[tuple[str, str], ...] = (),
    ):
        self.modules = (
            summaries if isinstance(summaries, CompactModules) else CompactModules(summaries)
        )
        # Module -> content digest of its summary; rules' reads are fingerprinted with these.
        # The engine folds each module's file path into its digest, so a cached chain that
        # names a file is redone when the module moves to another file.
        self.digests = digests or {}
        # Project-wide facts by name: the index's own, plus those the rule families hand in
        # (`rules.registry.FACTS`); the index knows no family.
        self.facts: dict[str, ProjectFact] = {**PROJECT_FACTS, **(facts or {})}
        # Module -> absolute path of its file (for chains and related locations).
        self.paths = paths or {}
        # Where an import root sits inside another as a package (`src` of the roots `.` and
        # `src`), its modules are importable both ways: `from src.core import x` names the
        # module the index knows as `core` (see `summary.package_prefixes`).
        self.package_prefixes = package_prefixes
        # A stack of dependency sets: memoised answers remember what they read, so a second
        # file asking the same question records the same dependencies.
        self._tracking: list[set[str]] = []
        self._memo: dict[Any, Any] = {}
        self._memo_kept = 0
        self._nesting = 0
        # Per-module parts of project facts kept by an earlier run (`load_parts`): key ->
        # (value, {what it read: digest then}); one is used while everything it read is as
        # it was, so a run after a one-file edit computes the parts of that file only.
        self._stored_parts: dict[Any, Any] = {}
        self._stored_values: dict[Any, Any] = {}
        # Parts put into the memo from the stored ones: key -> the stored (value, digests).
        self._restored: dict[Any, Any] = {}
        # Whole facts stored by an earlier run: name -> (value, digests of what it read,
        # its part keys, the module order digest); see `_restore_fact`.
        self._stored_facts: dict[str, Any] = {}
        self.parts_computed = 0
        # What each project fact was computed from, besides the reads its memo entry records
        # (modules and facts it read itself, and the facts its parts read): the keys of its
        # per-module parts. After a module changes, a fact none of whose inputs changed keeps
        # its value (`replace_module`). The part functions, by name, to compute a part again.
        self._fact_parts: dict[str, frozenset[Any]] = {}
        self._collecting: list[set[Any]] = []
        self._part_functions: dict[str, Callable[..., Any]] = {}

    # -- bookkeeping for the cache: which modules did a file's rules read? ----------------
    def start_tracking(self) -> None:
        self._tracking = [set()]
        if len(self._memo) > self._memo_kept + MEMO_LIMIT:
            # Project facts and their per-module parts are kept: they are what costs. (Counted
            # apart: the parts of a large project alone pass the limit, and trimming at every
            # file then cost a pass over the memo per file.)
            self._memo = {k: v for k, v in self._memo.items() if _is_fact_key(k)}
            self._memo_kept = len(self._memo)

    def stop_tracking(self) -> dict[str, str]:
        consulted = self._tracking[0] if self._tracking else set()
        self._tracking = []
        deps = {}
        for name in sorted(consulted):
            if name.startswith("@"):
                deps[name] = self.fact_digest(name[1:])
            else:
                deps[name] = self.digests.get(name, "")
        return deps

    def _note(self, name: str) -> None:
        if self._tracking:
            self._tracking[-1].add(name)

    def memoised(self, key: Any, compute: Any) -> Any:
        """compute() once per key; its reads are replayed into the tracker on every hit."""
        hit = self._memo.get(key)
        if hit is not None:
            result, reads = hit
            if self._tracking:
                self._tracking[-1].update(reads)
            return result
        self._memo[key] = (None, frozenset())  # a cycle reads as "unknown"
        self._tracking.append(set())
        try:
            result = compute()
        finally:
            reads = self._tracking.pop()
        self._memo[key] = (result, frozenset(reads))
        if self._tracking:
            self._tracking[-1].update(reads)
        return result

    def module(self, name: str) -> dict[str, Any] | None:
        # Misses are recorded too: a module that appears later must invalidate a cached answer.
        self._note(name)
        return self.modules.get(name)

    # -- project-wide facts ------------------------------------------------------------------
    def project_fact(self, name: str) -> Any:
        """A fact computed over every module (e.g. which functions are dependencies). Files
        that read it depend on the fact's value, not on every module, so editing an unrelated
        file does not invalidate their cached findings."""
        self._note("@" + name)
        key = ("@fact", name)
        hit = self._memo.get(key)
        if hit is not None:
            return hit[0]
        # Computed with its own tracker: the entry records what the fact read itself (its
        # parts' module reads stay with the parts, see `per_module`).
        saved, self._tracking = self._tracking, [set()]
        self._collecting.append(set())
        try:
            stored = self._stored_facts.pop(name, None)
            restored = self._restore_fact(stored) if stored is not None else None
            if restored is not None:
                value, reads, parts = restored
            else:
                value = self.facts[name](self)
                reads = frozenset(self._tracking[0])
                parts = frozenset(self._collecting[-1])
        finally:
            self._tracking = saved
            self._collecting.pop()
        self._memo[key] = (value, reads)
        self._fact_parts[name] = parts
        return value

    def _restore_fact(self, stored: Any) -> tuple[Any, frozenset[str], frozenset[Any]] | None:
        """A fact stored by an earlier run (`export_parts`), when everything it was made
        from is as it was then: the modules and facts it read (by digest), the project's
        modules in the same order, and each of its parts (restored, or computed again and
        equal to the stored one). Its value, reads and parts, else None."""
        try:
            value, digests, parts, order = stored
        except (TypeError, ValueError):
            return None
        if order != self._module_order():
            return None
        for read, digest in digests.items():
            if read[:1] == "@":
                if read[1:] not in self.facts or self.fact_digest(read[1:]) != digest:
                    return None
            elif self.digests.get(read, "") != digest:
                return None
        for key in parts:
            if key in self._memo or self._restore_part(key):
                if self._memo[key][0] != self._stored_values.get(key, _MISSING):
                    return None
                continue
            part = self._part_function(key[1])
            if part is None or key[3] not in dict.keys(self.modules):
                return None
            self.parts_computed += 1
            _tag, _name, args, mod = key
            new = self._fact_part(key, lambda p=part, m=mod, a=args: p(self, m, *a))
            if new != self._stored_values.get(key, _MISSING) or any(
                read[:1] == "@" and read not in digests for read in self._memo[key][1]
            ):
                return None
        return value, frozenset(digests), frozenset(parts)

    def _part_function(self, name: str) -> Callable[..., Any] | None:
        found = self._part_functions.get(name)
        if found is None:
            import importlib

            module, _, attr = name.rpartition(".")
            try:
                found = getattr(importlib.import_module(module), attr)
            except (ImportError, AttributeError, ValueError):
                return None
        return found

    def _module_order(self) -> str:
        """A digest of the project's module names in the index's order (a fact's parts are
        made in that order)."""
        names = "\n".join(dict.keys(self.modules)).encode("utf-8", "surrogatepass")
        return hashlib.blake2b(names, digest_size=12).hexdigest()

    def per_module(self, part: Callable[..., Any], *args: Any) -> list[Any]:
        """`part(index, module, *args)` for every module, in the index's order: a project
        fact's contribution of each module. Each part is memoised with what it read (its own
        module at least, through `index.module`), so after a change only the parts that read
        the changed module are computed again, and a fact built from parts stays cheap to
        rebuild. `args` must be hashable."""
        name = f"{part.__module__}.{part.__qualname__}"
        self._part_functions[name] = part
        collect = self._collecting[-1] if self._collecting else None
        out = []
        for mod in list(dict.keys(self.modules)):
            key = ("@part", name, args, mod)
            if key not in self._memo and not self._restore_part(key):
                self.parts_computed += 1
            if collect is None:
                out.append(self.memoised(key, lambda mod=mod: part(self, mod, *args)))
            else:
                out.append(self._fact_part(key, lambda mod=mod: part(self, mod, *args)))
                collect.add(key)
        return out

    def _fact_part(self, key: tuple, compute: Callable[[], Any]) -> Any:
        """A part of the fact being computed: its module reads are recorded in its own entry
        only; the facts it read are reads of the fact too."""
        saved, self._tracking = self._tracking, []
        try:
            value = self.memoised(key, compute)
        finally:
            self._tracking = saved
        if saved:
            saved[-1].update(r for r in self._memo[key][1] if r[:1] == "@")
        return value

    def _changed_parts(self, old: dict[Any, Any]) -> set[Any]:
        """The parts among `old` (key -> memo entry before a module changed) whose value is
        not the same now, or that now read a fact they did not read (the facts a part reads
        are reads of the facts made from it)."""
        saved, self._tracking = self._tracking, []
        try:
            return self._changed_parts_untracked(old)
        finally:
            self._tracking = saved

    def _changed_parts_untracked(self, old: dict[Any, Any]) -> set[Any]:
        changed = set()
        for key, (value, reads) in old.items():
            part = self._part_functions.get(key[1])
            if part is None:
                changed.add(key)
                continue
            _tag, _name, args, mod = key
            if not dict.__contains__(self.modules, mod):
                changed.add(key)
                continue
            new = self._fact_part(key, lambda p=part, m=mod, a=args: p(self, m, *a))
            if new != value or any(
                read[:1] == "@" and read not in reads for read in self._memo[key][1]
            ):
                changed.add(key)
        return changed

    def _restore_part(self, key: tuple) -> bool:
        """Puts a stored part into the memo when everything it read is unchanged."""
        stored = self._stored_parts.pop(key, None)
        if stored is None:
            return False
        value, reads = stored
        for name, digest in reads.items():
            if name.startswith("@"):
                if name[1:] not in self.facts or self.fact_digest(name[1:]) != digest:
                    return False
            elif self.digests.get(name, "") != digest:
                return False
        self._memo[key] = (value, frozenset(reads))
        self._restored[key] = (value, reads)
        return True

    def load_parts(self, parts: dict[Any, Any]) -> None:
        """Per-module parts of project facts, and the facts made from them, from an earlier
        run (`export_parts`)."""
        self._stored_parts = {}
        self._stored_facts = {}
        for key, entry in parts.items():
            if isinstance(key, tuple) and key[:1] == ("@fact",) and len(key) == 2:
                self._stored_facts[key[1]] = entry
            else:
                self._stored_parts[key] = entry
        # The stored value of each part, to compare a part computed again with.
        self._stored_values = {
            key: entry[0] for key, entry in self._stored_parts.items() if isinstance(entry, tuple)
        }

    def export_parts(self) -> dict[Any, Any]:
        """Every per-module part computed or restored so far, with the digests of what it
        read, for `load_parts` in a later run."""
        out = {}
        for key, (value, reads) in list(self._memo.items()):
            if not (isinstance(key, tuple) and key[:1] == ("@part",)):
                continue
            restored = self._restored.get(key)
            if restored is not None and restored[0] is value:
                # Restored and not made again since: what it read is as it was then.
                out[key] = restored
                continue
            digests = self._read_digests(reads)
            if digests is not None:
                out[key] = (value, digests)
        order = self._module_order()
        for key, (value, reads) in list(self._memo.items()):
            if not (isinstance(key, tuple) and key[:1] == ("@fact",)):
                continue
            parts = self._fact_parts.get(key[1])
            if parts is None or not all(part in out for part in parts):
                continue
            digests = self._read_digests(reads)
            if digests is not None:
                out[key] = (value, digests, tuple(parts), order)
        return out

    def _read_digests(self, reads: Any) -> dict[str, str] | None:
        """The digest of each module and fact (`@name`) an answer read, as they are now;
        None when it read a fact this index does not have."""
        digests = {}
        for name in reads:
            if name.startswith("@"):
                if name[1:] not in self.facts:
                    return None
                digests[name] = self.fact_digest(name[1:])
            else:
                digests[name] = self.digests.get(name, "")
        return digests

    def prime_facts(self) -> None:
        """Computes every project fact now (before worker processes fork, so they inherit
        the answers instead of each computing them again)."""
        for name in list(self.facts):
            self.project_fact(name)

    def fact_digest(self, name: str) -> str:
        saved, self._tracking = self._tracking, []
        try:
            value = self.project_fact(name)
        finally:
            self._tracking = saved
        cached = self._memo.get(("@digest", name))
        if cached is not None and cached[0][1] is value:
            return cached[0][0]
        blob = json.dumps(value, sort_keys=True, default=sorted).encode()
        digest = hashlib.blake2b(blob, digest_size=12).hexdigest()
        # Kept with the value it renders: a fact made again (even to an equal value) gets
        # its digest made again.
        self._memo[("@digest", name)] = ((digest, value), frozenset({"@" + name}))
        return digest

    def dependencies_valid(self, deps: dict[str, str]) -> bool:
        for name, digest in deps.items():
            if name.startswith("@"):
                if name[1:] not in self.facts or self.fact_digest(name[1:]) != digest:
                    return False
            elif self.digests.get(name, "") != digest:
                return False
        return True

    def replace_module(
        self, name: str, summary: dict[str, Any] | None, digest: str, path: str | None = None
    ) -> None:
        """A module's new content (unsaved text in an editor, stdin, a fixed file; None: it
        cannot be summarised). Invalidates only what the change affects: nothing when the
        digest (and path) are the ones the index has, else the memoised answers that read the
        module, the project facts (rebuilt from their per-module parts on the next read) and
        the answers that read a fact."""
        present = dict.__contains__(self.modules, name)
        if (
            self.digests.get(name) == digest
            and present == (summary is not None)
            and (path is None or self.paths.get(name) == path)
        ):
            return
        # The values of the facts in use, before the change: answers that read a fact stay
        # valid while the fact's value stays the same (`_settle_facts`). Compared as values,
        # not digests: a digest is a JSON rendering of the whole fact, made after every fix.
        # Modules added or removed change every fact's list of parts: all are made again.
        # Else a fact is made again when it read the module itself or one of its parts
        # changed; the others keep their values (and so do the answers that read them).
        # (One pass over the memo: it holds every part of every fact.)
        every = present != (summary is not None)
        before: dict[str, Any] = {}
        old_parts: dict[Any, Any] = {}
        kept: dict[Any, Any] = {}
        for key, entry in self._memo.items():
            tag = key[0] if type(key) is tuple and key else None
            if tag == "@fact":
                before[key[1]] = entry[0]
            if name in entry[1]:
                if tag == "@part":
                    old_parts[key] = entry
                continue
            if every and tag in ("@fact", "@digest"):
                continue
            kept[key] = entry
        self._memo = kept
        if summary is None:
            self.modules.pop(name, None)
        else:
            self.modules[name] = summary
        self.digests[name] = digest
        if path is not None:
            self.paths[name] = path
        if not every:
            changed = self._changed_parts(old_parts)
            for fact in before:
                if fact not in self._fact_parts or changed & self._fact_parts[fact]:
                    kept.pop(("@fact", fact), None)
                    kept.pop(("@digest", fact), None)
        self._settle_facts(before)

    def _fact_value(self, name: str) -> Any:
        """The fact's value, not recorded as a read of it."""
        saved, self._tracking = self._tracking, []
        try:
            return self.project_fact(name)
        finally:
            self._tracking = saved

    def _settle_facts(self, before: dict[str, Any]) -> None:
        """After a module changed: recomputes the facts that were in use (from their parts,
        of which only those that read the module were dropped) and keeps the answers that read
        a fact whose value did not change. An answer that read a changed fact is dropped, and
        so is every fact computed from such answers; that repeats until no fact changes (a
        fixpoint: every answer kept read the values the facts now have), else everything that
        read a fact is dropped."""
        previous = before
        for _round in range(len(previous) + 1):
            now = {name: self._fact_value(name) for name in previous if name in self.facts}
            changed = {
                "@" + name
                for name, value in now.items()
                if previous.get(name) is not value and previous.get(name) != value
            }
            if not changed:
                return
            previous = now
            # A fact's entry records the facts it (or one of its parts) read, and a digest
            # records its fact: both go with a changed fact.
            self._memo = {
                key: entry for key, entry in self._memo.items() if not (changed & entry[1])
            }
        self._memo = {
            key: entry
            for key, entry in self._memo.items()
            if not (_is_whole_fact_key(key) or any(read.startswith("@") for read in entry[1]))
        }

    # -- where things are -------------------------------------------------------------------
    def path_of(self, module: str) -> str | None:
        """The absolute path of a project module's file (recorded as a read of the module)."""
        self._note(module)
        return self.paths.get(module)

    def call_hop(self, module: str, line: int, col: int, func: Shape | None) -> ChainHop | None:
        """A chain hop at a call the summary of `module` records (`line`, 0-based `col`, the
        callee's shape); None when the module has no known file."""
        path = self.path_of(module)
        if path is None:
            return None
        return ChainHop(path, line, col + 1, shape_text(func))

    # -- splitting qualified names ---------------------------------------------------------
    def canonical(self, qual: str) -> str:
        """The name the index knows a project name by: `src.core.x` is `core.x` when `src` is
        an import root inside another (`package_prefixes`), `src.core` is no module of its
        own and the module `core` is a file under that folder. Any other name is returned
        as it is."""
        for prefix, folder in self.package_prefixes:
            if not qual.startswith(prefix + "."):
                continue
            if self.module(qual) is not None or self._split(qual) is not None:
                return qual
            stripped = qual[len(prefix) + 1 :]
            mod = stripped if self.module(stripped) is not None else None
            if mod is None:
                split = self._split(stripped)
                mod = split[0] if split else None
            path = self.paths.get(mod) if mod is not None else None
            # Only the module of a file under that folder: a `core` at the project's top
            # level is another module, which `src.core` does not name.
            if mod is not None and (path is None or path.startswith(folder + os.sep)):
                return stripped
        return qual

    def split_qualified(self, qual: str) -> tuple[str, str] | None:
        """("app.utils", "fetch") for "app.utils.fetch" when app.utils is a project module."""
        found = self._split(qual)
        if found is None and self.package_prefixes:
            canonical = self.canonical(qual)
            if canonical != qual:
                return self._split(canonical)
        return found

    def has_module(self, name: str) -> bool:
        """Whether `name` is a project module (a read of it, like `module`), without decoding
        its summary."""
        self._note(name)
        return dict.__contains__(self.modules, name)

    def _split(self, qual: str) -> tuple[str, str] | None:
        parts = qual.split(".")
        for cut in range(len(parts) - 1, 0, -1):
            mod = ".".join(parts[:cut])
            if self.has_module(mod):
                return mod, ".".join(parts[cut:])
        return None

    def function(self, qual: str) -> dict[str, Any] | None:
        split = self.split_qualified(qual)
        if split is None:
            return None
        summary = self.module(split[0])
        return summary["functions"].get(split[1]) if summary else None

    def class_(self, qual: str) -> dict[str, Any] | None:
        split = self.split_qualified(qual)
        if split is None:
            return None
        summary = self.module(split[0])
        return summary["classes"].get(split[1]) if summary else None

    def iter_classes(self) -> Iterator[tuple[str, str, dict[str, Any]]]:
        for mod, summary in self.modules.items():
            for key, fact in summary["classes"].items():
                yield mod, key, fact

    # -- scopes ----------------------------------------------------------------------------
    def scope_chain(self, module: str, scope_key: str) -> list[str]:
        """Scope keys searched for a name used in `scope_key`: itself, enclosing functions
        (class bodies are skipped, as Python does), then the module scope."""
        summary = self.module(module)
        if summary is None:
            return [""]
        chain: list[str] = []
        key: str | None = scope_key
        first = True
        while key:
            record = summary["scopes"].get(key)
            if record is None:
                break
            if record["kind"] == "function" or first:
                chain.append(key)
            first = False
            fact = summary["functions"].get(key) or summary["classes"].get(key)
            if fact is None:
                break
            key = fact.get("class") or fact.get("parent")
            if fact.get("class") and key:
                # A method's enclosing class body is not searched; continue past it.
                cls = summary["classes"].get(key)
                key = cls.get("parent") if cls else None
        chain.append("")
        return chain

    def lookup_binding(
        self, module: str, scope_key: str, name: str
    ) -> tuple[list[Any], str] | None:
        """The binding of a bare name seen from a scope, with the scope that binds it."""
        summary = self.module(module)
        if summary is None:
            return None
        scopes = summary["scopes"]
        for key in self.scope_chain(module, scope_key):
            record = scopes.get(key)
            if record is None:
                continue
            if name in record["global"]:
                binding = scopes[""]["bindings"].get(name)
                return (binding, "") if binding is not None else None
            binding = record["bindings"].get(name)
            if binding is not None:
                return binding, key
        return None

    # -- resolution ------------------------------------------------------------------------
    def resolve_name(self, module: str, scope_key: str, dotted: str) -> Ref | None:
        """Resolves a dotted name as written in `module` at `scope_key`."""
        key = ("name", module, scope_key, dotted)
        if self._nesting > MAX_NAME_NESTING and key not in self._memo:
            # A chain of aliases hundreds long (generated code): unknown, not a RecursionError.
            return None
        self._nesting += 1
        try:
            return self.memoised(key, lambda: self._resolve_name(module, scope_key, dotted, 0))
        finally:
            self._nesting -= 1

    def _resolve_name(self, module: str, scope_key: str, dotted: str, depth: int) -> Ref | None:
        if depth > MAX_RESOLVE_DEPTH:
            return None
        head, _, rest = dotted.partition(".")
        found = self.lookup_binding(module, scope_key, head)
        if found is None:
            if head in BUILTIN_NAMES and self.module(module) is not None:
                base: Ref | None = Ref("external", f"builtins.{head}")
            else:
                return None
        else:
            binding, binding_scope = found
            base = self._ref_of_binding(module, binding_scope, binding, depth + 1, head)
        if base is None:
            return None
        for attr in rest.split(".") if rest else ():
            base = self.member(base, attr, depth + 1)
            if base is None:
                return None
        return base

    def member(self, base: Ref, attr: str, depth: int = 0) -> Ref | None:
        if base.kind == "class":
            # (Not through resolve_qualified, which would look the class up again and again.)
            return self.class_member(base.qual, attr)
        if base.kind in ("module", "external"):
            return self.resolve_qualified(f"{base.qual}.{attr}", depth + 1)
        if base.kind == "instance":
            if base.qual in PATH_TYPES and attr in PATH_KEEPING_ATTRS:
                return base
            if self.class_(base.qual) is not None:
                typed = self.instance_member(base.qual, attr)
                if typed is not None:
                    return typed
            return Ref("member", f"{base.qual}.{attr}")
        if base.kind == "member":
            state = self.state_member(base, attr)
            if state is not None:
                return state
            return Ref("member", f"{base.qual}.{attr}")
        if base.kind == "super":
            return self.super_member(base.qual, attr)
        if base.kind == "mapping":
            # `clients.get(key)`, `clients.values()` (called in `ref_of_value`/`call_result`).
            if attr in MAPPING_VALUE_METHODS:
                return Ref("value_of", base.qual)
            if attr == "values":
                return Ref("values_of", base.qual)
        return None

    def _ref_of_binding(
        self, module: str, scope_key: str, binding: list[Any], depth: int, name: str | None = None
    ) -> Ref | None:
        kind = binding[0]
        if kind == "import":
            return self.resolve_qualified(binding[1], depth + 1)
        if kind == "def":
            return Ref("function", binding[1])
        if kind == "class":
            return Ref("class", binding[1])
        if kind == "value":
            shape = binding[1]
            annotation = binding[2] if len(binding) > 2 else None
            if annotation is not None:
                typed = self.type_of_annotation(module, scope_key, annotation, depth + 1)
                if typed is not None:
                    return typed
            return self.ref_of_value(module, scope_key, shape, depth + 1)
        if kind in ("param", "with", "for", "item", "ambiguous"):
            return self.binding_type(module, scope_key, name, binding, depth + 1)
        if kind == "annotated":
            return self.type_of_annotation(module, scope_key, binding[1], depth + 1)
        return None

    def ref_of_value(
        self, module: str, scope_key: str, shape: Shape | None, depth: int = 0
    ) -> Ref | None:
        """What the value of an expression refers to (an alias, or an instance for a call)."""
        if shape is None or depth > MAX_RESOLVE_DEPTH:
            return None
        tag = shape[0]
        if tag == "n":
            # Memoised per name (cycles read as None), so depth counts within one expression.
            return self.resolve_name(module, scope_key, shape[1])
        if tag == "call":
            callee = self.ref_of_value(module, scope_key, shape[1], depth + 1)
            if callee is not None and callee.kind == "external":
                if callee.qual == "builtins.super":
                    return self.super_of(module, scope_key)
                if callee.qual in ITERATING_CALLS and shape[2]:
                    return self.element(self.ref_of_value(module, scope_key, shape[2][0]))
                if callee.qual in CONTEXT_MANAGER_MAKERS and shape[2]:
                    # `get_db = contextmanager(get_session)`: the decorator applied by hand.
                    wrapped = self.ref_of_value(module, scope_key, shape[2][0], depth + 1)
                    fact = self.function(wrapped.qual) if wrapped is not None else None
                    if wrapped is not None and wrapped.kind == "function" and fact is not None:
                        return Ref("cm_function", wrapped.qual) if fact.get("generator") else None
                if callee.qual in SESSIONMAKERS and (shape[3] or {}).get("class_"):
                    made = self.ref_of_value(module, scope_key, shape[3]["class_"], depth + 1)
                    if made is not None and self.is_async_session_class(made):
                        # `sessionmaker(class_=AsyncSession)` makes async sessions.
                        return Ref("instance", ASYNC_SESSIONMAKER)
            if callee is not None and callee.kind == "value_of":
                args = shape[2]
                if (len(args) > 1 and args[1] != ["const", None]) or shape[3]:
                    return None  # `clients.get(key, fallback)`: the fallback may be anything
            return self.call_result(callee, depth + 1)
        if tag == "attr":
            base = self.ref_of_value(module, scope_key, shape[1], depth + 1)
            return self.member(base, shape[2], depth + 1) if base else None
        if tag == "await":
            inner = self.ref_of_value(module, scope_key, shape[1], depth + 1)
            return inner
        if tag == "div":
            return self.div_result(self.ref_of_value(module, scope_key, shape[1], depth + 1))
        if tag == "sub":
            base = self.ref_of_value(module, scope_key, shape[1], depth + 1)
            if base is not None and base.kind in ("container", "mapping"):
                return Ref("instance", base.qual)
            return None
        if tag in ("comp", "dictcomp"):
            # `[e for e in exts if ...]`, `{e.id: e for e in exts}`: the elements themselves,
            # typed inside the comprehension by what it iterates (nothing else binds the
            # target there).
            element, target, iterable = shape[-3], shape[-2], shape[-1]
            if element != ["n", target]:
                return None
            item = self.element(self.ref_of_value(module, scope_key, iterable, depth + 1))
            if item is None or item.kind != "instance":
                return None
            return Ref("container" if tag == "comp" else "mapping", item.qual)
        return None

    def div_result(self, left: Ref | None) -> Ref | None:
        """`path / "x"` is a path of the same type; any other division is unknown."""
        if left is not None and left.kind == "instance" and left.qual in PATH_TYPES:
            return left
        return None

    def super_of(self, module: str, scope_key: str) -> Ref | None:
        """`super()` in a method (or a function nested in one) of a project class."""
        summary = self.module(module)
        fact = summary["functions"].get(scope_key) if summary else None
        while fact is not None and not fact.get("class") and fact.get("parent"):
            fact = summary["functions"].get(fact["parent"]) if summary else None
        if fact is None or not fact.get("class"):
            return None
        return Ref("super", f"{module}.{fact['class']}" if module else fact["class"])

    def call_result(self, callee: Ref | None, depth: int = 0) -> Ref | None:
        """The result of calling `callee`: an instance of a class, or of a project function's
        declared return type, or an opaque instance named after the external callable."""
        if callee is None or depth > MAX_RESOLVE_DEPTH:
            return None
        if callee.kind == "external":
            owner, _, attr = callee.qual.rpartition(".")
            if owner in PATH_TYPES and attr in PATH_KEEPING_METHODS:
                return Ref("instance", owner)  # Path.cwd(), Path.home()
            return Ref("instance", callee.qual)
        if callee.kind == "class":
            return Ref("instance", callee.qual)
        if callee.kind == "constructor":
            return Ref("instance", callee.qual)
        if callee.kind == "cm_function":
            return Ref("cm", callee.qual)
        if callee.kind == "value_of":
            return Ref("instance", callee.qual)
        if callee.kind == "values_of":
            return Ref("container", callee.qual)
        if callee.kind == "function":
            fact = self.function(callee.qual)
            if fact is not None and not fact.get("generator"):
                typed = self.function_result(callee.qual)
                if typed is not None:
                    return typed
            return Ref("instance", callee.qual)
        if callee.kind == "member":
            owner, _, attr = callee.qual.rpartition(".")
            if owner in PATH_TYPES and attr in PATH_KEEPING_METHODS:
                return Ref("instance", owner)
        if callee.kind in ("instance", "member"):
            # Calling an object or a method: `SessionLocal()` where SessionLocal is an instance
            # of sessionmaker gives "sqlalchemy.orm.sessionmaker()", so the factory and what it
            # makes stay distinct; `engine.connect()` gives "sqlalchemy.create_engine.connect()".
            return Ref("instance", callee.qual + "()")
        return None

    def type_of_annotation(
        self, module: str, scope_key: str, shape: Shape | None, depth: int = 0
    ) -> Ref | None:
        """The type an annotation promises, seen through Annotated, Optional, `X | None` and
        type aliases defined anywhere in the project."""
        if shape is None or depth > MAX_RESOLVE_DEPTH:
            return None
        tag = shape[0]
        if tag == "n":
            alias = self.alias_shape(module, scope_key, shape[1])
            if alias is not None:
                return self.type_of_annotation(alias[0], "", alias[1], depth + 1)
            ref = self._resolve_name(module, scope_key, shape[1], depth + 1)
            if ref is not None and (
                ref.qual in QUALIFIERS or (ref.kind == "external" and _says_nothing(ref.qual))
            ):
                return None  # `x: Final = Client()`, `x: Any = ...`: the value decides
            if ref is not None and ref.kind in ("class", "external"):
                return Ref("instance", ref.qual)
            return None
        if tag == "sub":
            base = self.ref_of_value(module, scope_key, shape[1], depth + 1)
            base_name = base.qual if base else ""
            args = shape[2]
            if base_name in QUALIFIERS and args:
                return self.type_of_annotation(module, scope_key, args[0], depth + 1)
            if base_name in CLASS_OF and len(args) == 1:
                # `type[APIRouter]`: the class itself (a router class built by a factory)
                # (A fresh, memoised resolution: a factory's annotation sits deep in a chain
                # of imports and calls, past the depth limit of the chain that reached it.)
                arg = args[0]
                cls = self.resolve_name(module, scope_key, arg[1]) if arg[0] == "n" else None
                return cls if cls is not None and cls.kind in ("class", "external") else None
            if base_name in WRAPPERS and args:
                # Annotated, Optional, Final, ClassVar, Awaitable: the first argument.
                return self.type_of_annotation(module, scope_key, args[0], depth + 1)
            if base_name in ("typing.Union", "typing_extensions.Union"):
                return self._single_non_none(module, scope_key, args, depth)
            if base_name in CONTAINERS and args and (len(args) == 1 or args[-1] == ["?"]):
                # list[User], Sequence[User], tuple[User, ...] (`...` is not a shape: "?").
                element = self.type_of_annotation(module, scope_key, args[0], depth + 1)
                if element is not None and element.kind == "instance":
                    return Ref("container", element.qual)
            if base_name in MAPPINGS and len(args) == 2:
                # dict[str, Client]: what `.get(key)` and `[key]` give.
                value = self.type_of_annotation(module, scope_key, args[1], depth + 1)
                if value is not None and value.kind == "instance":
                    return Ref("mapping", value.qual)
            return None
        if tag == "union":
            return self._single_non_none(module, scope_key, shape[1], depth)
        return None

    def _single_non_none(
        self, module: str, scope_key: str, options: list[Shape], depth: int
    ) -> Ref | None:
        real = [o for o in options if o not in (["const", None], ["n", "None"])]
        if len(real) != 1:
            return None
        return self.type_of_annotation(module, scope_key, real[0], depth + 1)

    def resolve_qualified(self, qual: str, depth: int = 0) -> Ref | None:
        """A fully qualified name (from an import) as a Ref, following project re-exports."""
        if depth > MAX_RESOLVE_DEPTH:
            return None
        if self.package_prefixes:
            qual = self.canonical(qual)
        if self.module(qual) is not None:
            return Ref("module", qual)
        split = self.split_qualified(qual)
        if split is None:
            return Ref("external", qual)
        mod, rest = split
        summary = self.module(mod)
        assert summary is not None
        head, _, tail = rest.partition(".")
        binding = summary["scopes"][""]["bindings"].get(head)
        if binding is None:
            # A submodule imported elsewhere, or a name we cannot see (star import): unknown.
            return None
        base = self._ref_of_binding(mod, "", binding, depth + 1)
        if base is None:
            return None
        for attr in tail.split(".") if tail else ():
            base = self.member(base, attr, depth + 1)
            if base is None:
                return None
        return base

    # -- type aliases (SessionDep = Annotated[Session, Depends(get_session)]) --------------
    def alias_shape(
        self, module: str, scope_key: str, dotted: str, depth: int = 0
    ) -> tuple[str, Shape] | None:
        """For a name bound to a subscript value (a type alias), its module and shape."""
        if depth > MAX_RESOLVE_DEPTH:
            return None  # an import cycle (`a` imports X from `b`, `b` from `a`)
        found = self.lookup_binding(module, scope_key, dotted.split(".")[0])
        if found is None or "." in dotted:
            return None
        binding, _ = found
        if binding[0] == "import":
            split = self.split_qualified(binding[1])
            if split is None or "." in split[1]:
                return None
            return self.alias_shape(split[0], "", split[1], depth + 1)
        if binding[0] == "value" and binding[1] and binding[1][0] == "sub":
            return module, binding[1]
        return None

    def expand_annotation(
        self, module: str, scope_key: str, shape: Shape | None, depth: int = 0
    ) -> tuple[str, Shape] | None:
        """Replaces a type alias name by the subscript it stands for (once per level)."""
        if shape is None or depth > MAX_RESOLVE_DEPTH:
            return None
        if shape[0] == "n":
            alias = self.alias_shape(module, scope_key, shape[1])
            if alias is not None:
                return self.expand_annotation(alias[0], "", alias[1], depth + 1)
        return module, shape

    # -- FastAPI structure ------------------------------------------------------------------
    ROUTE_METHODS = ROUTE_DECORATOR_METHODS
    APP_TYPES = frozenset(
        {
            "fastapi.FastAPI",
            "fastapi.APIRouter",
            "fastapi.routing.APIRouter",
            "fastapi.applications.FastAPI",
            "starlette.applications.Starlette",
            "starlette.routing.Router",
        }
    )

    def route_decorator(self, module: str, scope_key: str, decorator: Shape) -> dict | None:
        """{"method": "get", "owner": "fastapi.APIRouter", "call": shape} for a route decorator."""
        if not decorator or decorator[0] != "call":
            return None
        func = decorator[1]
        if not func or func[0] != "n" or "." not in func[1]:
            return None
        owner_name, _, method = func[1].rpartition(".")
        if method not in self.ROUTE_METHODS:
            return None
        owner = self.resolve_name(module, scope_key, owner_name)
        app_type = self.app_type(owner)
        if app_type is None:
            return None
        return {"method": method, "owner": app_type, "call": decorator}

    def app_type(self, ref: Ref | None, depth: int = 0) -> str | None:
        """The FastAPI/Starlette app or router type an object is: an instance of one of
        APP_TYPES, of a project subclass of one (`class VersionedRouter(APIRouter)`), or the
        `.router` of a FastAPI app (`@app.router.get(...)`)."""
        if ref is None or depth > MAX_RESOLVE_DEPTH:
            return None
        if ref.kind == "member" and ref.qual.endswith(".router"):
            base = ref.qual.removesuffix(".router")
            if base in self.APP_TYPES and not base.endswith(("Router", "APIRouter")):
                return "fastapi.APIRouter"
            return None
        if ref.kind != "instance":
            return None
        if ref.qual in self.APP_TYPES:
            return ref.qual
        fact = self.class_(ref.qual)
        split = self.split_qualified(ref.qual)
        if fact is None or split is None:
            return None
        for base_shape in fact["bases"]:
            base = self.ref_of_value(split[0], fact.get("parent") or "", base_shape)
            if base is not None and base.kind in ("class", "external"):
                found = self.app_type(Ref("instance", base.qual), depth + 1)
                if found is not None:
                    return found
        return None

    def path_operation(self, module: str, function_key: str) -> dict | None:
        """The route decorator of a function, or the add_api_route call that registers it."""
        summary = self.module(module)
        if summary is None:
            return None
        fact = summary["functions"].get(function_key)
        if fact is None:
            return None
        scope = fact.get("parent") or fact.get("class") or ""
        for decorator in fact["decorators"]:
            route = self.route_decorator(module, scope, decorator)
            if route is not None:
                return route
        return self.registered_routes().get(f"{module}.{function_key}" if module else function_key)

    def registered_routes(self) -> dict[str, dict]:
        """Functions registered with `router.add_api_route(path, endpoint)` anywhere."""
        return self.project_fact("registered_routes")

    WEBSOCKET_METHODS = frozenset({"websocket", "api_websocket_route", "websocket_route"})

    def dependency_functions(self) -> set[str]:
        """Qualified names of project functions used in Depends()/Security() anywhere."""
        return set(self.project_fact("dependency_functions"))

    def is_dependency(self, module: str, key: str) -> bool:
        """Whether the function `key` of `module` is used in Depends()/Security() anywhere."""
        found = self.memoised(
            ("dependency-set",), lambda: frozenset(self.project_fact("dependency_functions"))
        )
        return self.qualified_function(module, key) in found

    def module_roles(self, module: str) -> frozenset[str]:
        """ "route" when a function of the module is a path operation, "dependency" when one is
        used in Depends()/Security() anywhere. Rules that only look inside such functions use it
        to skip other modules without parsing them (`Rule.could_apply`)."""

        def compute() -> frozenset[str]:
            summary = self.module(module)
            if summary is None:
                return frozenset({"route", "dependency"})  # unknown: let the rules look
            roles = set()
            for key in summary["functions"]:
                if self.is_dependency(module, key):
                    roles.add("dependency")
                if self.path_operation(module, key) is not None:
                    roles.add("route")
            return frozenset(roles)

        return self.memoised(("module-roles", module), compute)

    def qualified_function(self, module: str, key: str) -> str:
        return f"{module}.{key}" if module else key

    def reach(self, module: str, key: str) -> list | None:
        """Whether the function `key` of `module` runs on the serving event loop:
        `[kind, entry, via]` (see `index.reach`), or None when that is unknown."""
        found = self.project_fact("serving_reach")
        return found.get(self.qualified_function(module, key))


def _says_nothing(qual: str) -> bool:
    """Annotations that do not name a type of their own (bare `Final`, `Any`, `object`)."""
    return qual in WRAPPERS or qual in (
        "typing.Any",
        "typing_extensions.Any",
        "builtins.object",
        "typing.TypeAlias",
        "typing_extensions.TypeAlias",
    )


def _is_fact_key(key: Any) -> bool:
    return isinstance(key, tuple) and key[:1] in (("@fact",), ("@part",), ("@digest",))


def _is_whole_fact_key(key: Any) -> bool:
    """A fact's value or digest: computed from every module (parts are invalidated by reads)."""
    return isinstance(key, tuple) and key[:1] in (("@fact",), ("@digest",))


def _registered_routes_in(index: ProjectIndex, mod: str) -> dict[str, dict]:
    routes: dict[str, dict] = {}
    summary = index.module(mod)
    if summary is None:
        return routes
    scopes = [("", summary["module_calls"])]
    scopes += [(k, f["calls"]) for k, f in summary["functions"].items()]
    for key, calls in scopes:
        for func, _line, _col, args, kwargs in calls:
            if not func or func[0] != "n" or not func[1].endswith(".add_api_route"):
                continue
            endpoint = kwargs.get("endpoint") or (args[1] if len(args) > 1 else None)
            ref = index.ref_of_value(mod, key, endpoint)
            if ref is not None and ref.kind == "function":
                path = kwargs.get("path") or (args[0] if args else None)
                route = {"method": "api_route", "owner": "", "call": func}
                if path and path[0] == "const" and isinstance(path[1], str):
                    route["path"] = path[1]
                methods = kwargs.get("methods")
                if methods and methods[0] == "list":
                    names = [m[1] for m in methods[1] if m and m[0] == "const"]
                    if names and all(isinstance(n, str) for n in names):
                        route["methods"] = names
                routes[ref.qual] = route
    return routes


def _registered_routes(index: ProjectIndex) -> dict[str, dict]:
    routes: dict[str, dict] = {}
    for part in index.per_module(_registered_routes_in):
        routes.update(part)
    return routes


def _dependency_functions_in(index: ProjectIndex, mod: str) -> list[str]:
    found: set[str] = set()
    summary = index.module(mod)
    if summary is None:
        return []
    scopes = summary.get("depends_scopes") or []
    for number, shape in enumerate(summary["depends"]):
        scope = scopes[number] if number < len(scopes) else ""
        ref = index.ref_of_value(mod, scope, shape)
        if ref is not None and ref.kind == "function":
            found.add(ref.qual)
    return sorted(found)


def module_names(index: ProjectIndex) -> list[str]:
    """Every module of the project, sorted (a module added or removed changes it, and with it
    which submodules an `import pkg` reaches: `index.closure`)."""
    return sorted(dict.keys(index.modules))


def _dependency_functions(index: ProjectIndex) -> list[str]:
    return sorted({qual for part in index.per_module(_dependency_functions_in) for qual in part})


# The index's own project-wide facts (FastAPI structure), by name; rule families hand theirs to
# the constructor. A fact is named so the cache can recompute it to check whether a cached
# finding that read it still holds.


def property_getters_fact(index: ProjectIndex) -> dict[str, list[str]]:
    """Every project property getter by the attribute name it answers (`is_property`: a
    method decorated `property` or `functools.cached_property`): {attr: [qualified getter]}.
    An attribute read `x.attr` can run a getter only if `attr` is a key here."""
    out: dict[str, list[str]] = {}
    for part in index.per_module(_property_getters_part):
        for attr, qual in part:
            out.setdefault(attr, []).append(qual)
    return out


def _property_getters_part(index: ProjectIndex, mod: str) -> list[list[str]]:
    summary = index.module(mod)
    out: list[list[str]] = []
    for key, fact in (summary["functions"] if summary else {}).items():
        if not fact.get("class") or not fact["decorators"]:
            continue
        qual = f"{mod}.{key}" if mod else key
        if index.is_property(qual):
            out.append([fact["name"], qual])
    return out


PROJECT_FACTS: dict[str, ProjectFact] = {
    "registered_routes": _registered_routes,
    "dependency_functions": _dependency_functions,
    "serving_reach": serving_reach,
    "known_callers": known_callers,
    "referenced_dead_code_names": referenced_dead_code_names,
    "class_hierarchy": class_hierarchy_fact,
    "state_assigns": state_assigns_fact,
    "mutated_globals": mutated_globals,
    "module_names": module_names,
    "call_sites": call_sites_fact,
    "property_getters": property_getters_fact,
}
