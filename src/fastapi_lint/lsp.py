"""The language server (`fastapi-lint server`): pygls 2 over stdio.

Diagnostics are published when a document opens, as soon as it changes, and on save: a change
is linted at once when the engine is idle; changes that arrive while it lints are coalesced, and
only the newest version is linted next (a queued lint of an older version is skipped). Each
carries the rule code, a link to the rule's page, the rule name (in `data`) and a range in the
negotiated position encoding (UTF-16 unless the client offered another). Code actions: one quick
fix per fixable finding (unsafe ones say so), "Disable FPIxxx for this line" (`# noqa: FPIxxx`),
and `source.fixAll.fastapi-lint`, which applies the safe fixes exactly as `fastapi-lint check
--fix` does. A quick fix's edits are computed from the tree the diagnostics came from and kept
for that document version: those of the first MAX_PREFETCHED_FIXES fixable findings in the
background once the diagnostics are out (a newer version stops it), the others when a code
action asks for them; "fix all" is computed once per version, and only when asked
(`codeAction/resolve` where the client supports it).

Settings come from the `[tool.fastapi-lint]` table of the nearest `pyproject.toml` (or
`fastapi-lint.toml`) above each document, read again on every lint so edits to it apply at once.
The project index is built once per project and kept warm: linting a buffer replaces its module
in the index, so the other open documents of the project are linted again against it. In a
large project the first document is linted against a provisional index of the modules it
imports (`engine.quick_index`) and published, then the whole index is built, in steps of a few
dozen files or one project fact (`engine.index_steps`) so that an edit made meanwhile is linted
between two steps rather than after the whole build, and every document linted against the
provisional one is linted and published again. The index's objects are
frozen out of the garbage collector once built (a full collection rescanned them on every
edit). All engine work runs on one worker thread (the index is not thread-safe), except the edits
of quick fixes, which read only the tree and fixes of a linted version and are made on a
second one, so a code action never waits behind a lint or a step of the index build; the
event loop stays responsive.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from . import __version__
from .config import ConfigError, Settings, load_settings
from .engine import (
    add_noqa_comments,
    collection_paused,
    fix_source,
    has_project_index,
    index_steps,
    lint_source,
    prepare_fixes,
    project_index,
    quick_index,
    update_module,
)
from .model import ENGINE_CODES, Edit, Finding
from .output import rule_url
from .positions import UTF16, from_lsp, split_lines, to_lsp

logger = logging.getLogger(__name__)

FIX_ALL_KIND = "source.fixAll.fastapi-lint"
FIX_ALL_TITLE = "fastapi-lint: Fix all safely fixable problems"
# Files changed on disk behind the editor's back are linted again after this pause.
DEBOUNCE_SECONDS = 0.3
SOURCE = "fastapi-lint"
# Other open documents are linted again after one changes (cross-module facts may have moved),
# once typing has paused for this long, so they never queue ahead of the edited document.
MAX_DEPENDENT_RELINTS = 20
DEPENDENT_DELAY_SECONDS = 1.0
# The quick fixes whose edits are computed ahead of a code action, per document version (each
# costs a transform and a rendering of the file; the others are computed when asked for).
MAX_PREFETCHED_FIXES = 8


@dataclass
class LintedDocument:
    """The findings of one version of a document, and what they were computed against."""

    uri: str
    version: int | None
    text: str
    lines: list[str]
    path: Path
    settings: Settings
    findings: list[Finding]
    # Computes one finding's fix edits from the tree the findings came from (fix thread).
    edit_maker: Callable[[Finding], tuple[Edit, ...]] | None = None
    # Edits computed so far for this version, by finding; "fix all"'s text once computed.
    edits: dict[int, tuple[Edit, ...]] = field(default_factory=dict)
    fix_all: str | bool | None = False
    # Linted against a provisional index (the modules the document imports, `quick_index`):
    # linted again once the project's whole index is built.
    provisional: bool = False


# The engine's thread gets a main thread's stack: LibCST parses on it, and a thread's default
# stack is smaller on some platforms than the depth `limits.MAX_NESTING` was measured with.
ENGINE_STACK_SIZE = 16 * 2**20


def _engine_executor(name: str = "fastapi-lint") -> ThreadPoolExecutor:
    import threading

    executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)
    previous = threading.stack_size()
    try:
        threading.stack_size(ENGINE_STACK_SIZE)
    except (ValueError, RuntimeError):  # pragma: no cover - a platform that refuses it
        return executor
    try:
        # The one worker thread starts now, with that stack; later threads get the default.
        executor.submit(lambda: None).result()
    finally:
        threading.stack_size(previous)
    return executor


class FastAPILintServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("fastapi-lint", __version__)
        self.engine_thread = _engine_executor()
        # Quick fixes' edits are made on a thread of their own: they read the tree a lint
        # made and its fixes, never the index, so a code action does not wait behind a lint
        # or a step of the index build on the engine thread.
        self.fix_thread = _engine_executor("fastapi-lint-fixes")
        self.linted: dict[str, LintedDocument] = {}
        self.pending: dict[str, asyncio.Task] = {}
        # Per document: the task computing its quick fixes' edits ahead of a code action.
        self.prefetching: dict[str, asyncio.Task] = {}
        self.stale_roots: set[Path] = set()
        # The indexes whose objects are frozen out of the garbage collector (`_settle_heap`).
        self.settled: set[int] = set()
        # Per project root: the provisional index of its first documents (`quick_index`) and
        # the task building its whole index.
        self.provisional: dict[Path, Any] = {}
        self.indexing: dict[Path, asyncio.Task] = {}
        # The newest version of each open document (set on the event loop): a lint queued on
        # the engine thread for an older version is skipped.
        self.newest: dict[str, int | None] = {}
        self.preparing_fixes: asyncio.Future | None = None

    # -- engine work (on the worker thread) --------------------------------------------------

    def document_path(self, uri: str) -> Path:
        path = to_fs_path(uri) if uri.startswith("file:") else None
        if path:
            return Path(path)
        root = self.workspace.root_path or os.getcwd()
        return Path(root) / "untitled.py"

    def settings_for(self, path: Path) -> Settings:
        """The document's settings. The workspace folder stands in for the working directory
        in a project without pyproject.toml or .git, as the folder a user runs the CLI from."""
        folders = [
            Path(p)
            for p in (to_fs_path(f.uri) for f in (self.workspace.folders or {}).values())
            if p
        ]
        if self.workspace.root_path:
            folders.append(Path(self.workspace.root_path))
        inside = [f for f in folders if f == path.parent or f in path.parents]
        cwd = max(inside, key=lambda f: len(f.parts)) if inside else None
        return load_settings(path.parent, cwd=cwd)

    def _lint(self, uri: str, version: int | None, text: str) -> LintedDocument | None:
        if uri in self.newest and self.newest[uri] != version:
            return None  # a newer version came in while this lint waited for the engine
        path = self.document_path(uri)
        settings = self.settings_for(path)
        refresh = settings.project_root in self.stale_roots
        self.stale_roots.discard(settings.project_root)
        index = None
        if not refresh and not has_project_index(settings):
            # The project's first document: linted at once against the modules it imports,
            # then again once the whole project is indexed (`complete_index`).
            index = self.provisional.get(settings.project_root)
            if index is None:
                index = quick_index(text, path, settings)
                if index is not None:
                    self.provisional[settings.project_root] = index
        provisional = index is not None
        if index is None:
            index = project_index(settings, refresh=refresh)
            self._settle_heap(index, refresh)
        result = lint_source(text, path, settings, index=index, fix_edits="lazy")
        findings = sorted(result.findings, key=lambda f: f.sort_key)
        return LintedDocument(
            uri,
            version,
            text,
            split_lines(text),
            path,
            settings,
            findings,
            result.edit_maker,
            provisional=provisional,
        )

    def _settle_project(self, settings: Settings) -> None:
        """After the project's whole index is built (engine thread)."""
        index = project_index(settings)
        self.provisional.pop(settings.project_root, None)  # collected before the freeze
        self._settle_heap(index, False)
        prepare_fixes()  # while the editor waits for this anyway, not in the first quick fix

    def _settle_heap(self, index: object, rebuilt: bool) -> None:
        """Once per project index: its objects leave the garbage collector's care. The index
        of a large project is most of the heap and lives as long as the server; a full
        collection scanned it again and again while an edit was linted (0.3-0.4 s each, in a
        1,000-module project). What an edit makes is collected as usual."""
        if id(index) in self.settled and not rebuilt:
            return
        if rebuilt:
            gc.unfreeze()  # the old index may hold cycles: collectable again
        gc.collect()
        gc.freeze()
        self.settled.add(id(index))

    def _edits(self, doc: LintedDocument, findings: list[Finding]) -> None:
        """Fills doc.edits for the findings (fix thread: the tree and fixes of one version,
        no index)."""
        for finding in findings:
            if id(finding) not in doc.edits:
                maker = doc.edit_maker
                with collection_paused():
                    doc.edits[id(finding)] = maker(finding) if maker is not None else ()

    def _fix_all(self, doc: LintedDocument) -> str | None:
        index = project_index(doc.settings)
        result = fix_source(doc.text, doc.path, doc.settings, unsafe_fixes=False, index=index)
        return result.fixed_source

    def _forget_buffer(self, doc: LintedDocument) -> None:
        """A closed document's module goes back to what is on disk (if the buffer differed)."""
        with contextlib.suppress(OSError, UnicodeDecodeError, ConfigError):
            text = doc.path.read_text(encoding="utf-8")
            if text != doc.text:
                update_module(text, doc.path, doc.settings)

    async def run_engine(self, function, *args):
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.engine_thread, function, *args)

    async def run_fixes(self, function, *args):
        """Runs work that reads a linted document's tree only (`_edits`) on the fix thread."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.fix_thread, function, *args)

    # -- scheduling -------------------------------------------------------------------------

    def is_python(self, uri: str) -> bool:
        document = self.workspace.text_documents.get(uri)
        language = document.language_id if document is not None else None
        return language == "python" or uri.endswith((".py", ".pyi"))

    def schedule(self, uri: str, delay: float, dependents: bool = False) -> None:
        if not self.is_python(uri):
            return  # a client may sync other files too (pyproject.toml, notebooks)
        previous = self.pending.pop(uri, None)
        if previous is not None:
            previous.cancel()
        self.pending[uri] = asyncio.ensure_future(self._lint_later(uri, delay, dependents))

    async def _lint_later(self, uri: str, delay: float, dependents: bool) -> None:
        try:
            if delay:
                await asyncio.sleep(delay)
            doc = await self.lint_now(uri)
            if doc is not None and dependents:
                self._relint_others(doc)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a crash here must not take the server down
            logger.exception("linting %s failed", uri)
            self.window_log_message(
                types.LogMessageParams(types.MessageType.Error, f"fastapi-lint: {exc}")
            )
        finally:
            if self.pending.get(uri) is asyncio.current_task():
                del self.pending[uri]

    async def lint_now(self, uri: str) -> LintedDocument | None:
        document = self.workspace.get_text_document(uri)
        version, text = document.version, document.source
        try:
            doc = await self.run_engine(self._lint, uri, version, text)
        except ConfigError as exc:
            self.window_show_message(
                types.ShowMessageParams(types.MessageType.Error, f"fastapi-lint: {exc}")
            )
            return None
        if doc is None:
            return None  # skipped: a newer version is on its way
        current = self.workspace.text_documents.get(uri)
        if current is None:
            return None  # closed meanwhile
        if current.version != version:
            return doc  # a newer lint is on its way; do not publish ranges of old text
        self.linted[uri] = doc
        self.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(
                uri=uri, version=version, diagnostics=self.diagnostics(doc)
            )
        )
        if self.preparing_fixes is None:
            # What applying a fix imports (`libcst.codemod`, about half a second), on the fix
            # thread while the first diagnostics are read, not in the first quick fix.
            self.preparing_fixes = asyncio.ensure_future(self.run_fixes(prepare_fixes))
        if doc.provisional:
            root = doc.settings.project_root
            if root not in self.indexing:
                self.indexing[root] = asyncio.ensure_future(self.complete_index(doc.settings))
            return doc  # no quick fixes computed ahead: the engine builds the index first
        previous = self.prefetching.pop(uri, None)
        if previous is not None:
            previous.cancel()
        if any(f.fix is not None for f in doc.findings):
            self.prefetching[uri] = asyncio.ensure_future(self._prefetch_edits(doc))
        return doc

    async def complete_index(self, settings: Settings) -> None:
        """Builds the project's whole index after a provisional lint, then lints every open
        document of the project that was linted provisionally again."""
        root = settings.project_root
        try:
            # In steps (`index_steps`): an edit that comes in meanwhile is linted between two
            # of them, against the provisional index, instead of waiting for the whole build.
            steps = index_steps(settings)
            while not await self.run_engine(_advance, steps):
                pass
            await self.run_engine(self._settle_project, settings)
        except Exception as exc:  # the next lint of a document reports what is wrong
            logger.exception("indexing %s failed", root)
            self.window_log_message(
                types.LogMessageParams(types.MessageType.Error, f"fastapi-lint: {exc}")
            )
        finally:
            del self.indexing[root]
        for uri, doc in list(self.linted.items()):
            # A document with a lint on its way (an edit) gets the whole index with it.
            if doc.provisional and doc.settings.project_root == root and uri not in self.pending:
                self.schedule(uri, 0)

    async def _prefetch_edits(self, doc: LintedDocument) -> None:
        """Once a version's diagnostics are out, its quick fixes' edits are computed one by one,
        top to bottom, while no newer version of the document waits: a code action then finds
        its edits ready. A new version stops it (its lint goes first)."""
        fixable = [f for f in doc.findings if f.fix is not None][:MAX_PREFETCHED_FIXES]
        try:
            for finding in fixable:
                if self.linted.get(doc.uri) is not doc or doc.uri in self.pending:
                    return  # closed, or a newer version is to be linted
                await self.run_fixes(self._prefetch_one, doc, finding)
        except asyncio.CancelledError:
            raise
        except Exception:  # a failure here is the code action's to report, if it is asked
            logger.exception("computing the fixes of %s failed", doc.uri)
        finally:
            if self.prefetching.get(doc.uri) is asyncio.current_task():
                del self.prefetching[doc.uri]

    def _prefetch_one(self, doc: LintedDocument, finding: Finding) -> None:
        if self.newest.get(doc.uri, doc.version) == doc.version:  # else: stale, skipped
            self._edits(doc, [finding])

    def _relint_others(self, changed: LintedDocument) -> None:
        others = [
            uri
            for uri, doc in self.linted.items()
            if uri != changed.uri and doc.settings.project_root == changed.settings.project_root
        ]
        for uri in others[:MAX_DEPENDENT_RELINTS]:
            if uri in self.workspace.text_documents:
                self.schedule(uri, DEPENDENT_DELAY_SECONDS)

    async def current(self, uri: str) -> LintedDocument | None:
        """The findings for the document's current version (linting it now if needed)."""
        document = self.workspace.text_documents.get(uri)
        if document is None:
            return None
        doc = self.linted.get(uri)
        if doc is not None and doc.version == document.version and doc.text == document.source:
            return doc
        pending = self.pending.pop(uri, None)
        if pending is not None:
            pending.cancel()
        return await self.lint_now(uri)

    # -- conversions ------------------------------------------------------------------------

    @property
    def encoding(self) -> str:
        encoding = self.workspace.position_encoding
        return str(getattr(encoding, "value", encoding) or UTF16)

    def lsp_range(self, lines: list[str], start, end) -> types.Range:
        (line, char), (end_line, end_char) = (
            to_lsp(lines, start.row, start.column, self.encoding),
            to_lsp(lines, end.row, end.column, self.encoding),
        )
        return types.Range(types.Position(line, char), types.Position(end_line, end_char))

    def diagnostic(self, doc: LintedDocument, finding: Finding) -> types.Diagnostic:
        severity = (
            types.DiagnosticSeverity.Error
            if finding.code in ENGINE_CODES
            else types.DiagnosticSeverity.Warning
        )
        data: dict[str, Any] = {"name": finding.name, "url": rule_url(finding.code)}
        if finding.fix is not None:
            data["fix"] = {
                "applicability": finding.fix.applicability,
                "message": finding.fix.message,
            }
        return types.Diagnostic(
            range=self.lsp_range(doc.lines, finding.location, finding.end_location),
            message=finding.message,
            severity=severity,
            code=finding.code,
            code_description=types.CodeDescription(href=rule_url(finding.code)),
            source=SOURCE,
            data=data,
            related_information=self.related_information(doc, finding) or None,
        )

    def related_information(
        self, doc: LintedDocument, finding: Finding
    ) -> list[types.DiagnosticRelatedInformation]:
        """The hops of a finding's chain and the definitions it refers to, each a location an
        editor lists under the diagnostic (jumping there opens the file)."""
        items = [
            (hop.filename, hop.row, hop.column, f"calls `{hop.call}`") for hop in finding.chain
        ]
        items.extend((r.filename, r.row, r.column, r.message) for r in finding.related)
        found = []
        lines_of: dict[str, list[str]] = {}
        for filename, row, column, message in items:
            if filename not in lines_of:
                lines_of[filename] = (
                    doc.lines if filename == str(doc.path) else _file_lines(filename)
                )
            lines = lines_of[filename]
            start = to_lsp(lines, row, column, self.encoding) if lines else (row - 1, column - 1)
            position = types.Position(*start)
            location = types.Location(Path(filename).as_uri(), types.Range(position, position))
            found.append(types.DiagnosticRelatedInformation(location, message))
        return found

    def diagnostics(self, doc: LintedDocument) -> list[types.Diagnostic]:
        return [self.diagnostic(doc, f) for f in doc.findings]

    def edit_for(self, doc: LintedDocument, edits: list[types.TextEdit]) -> types.WorkspaceEdit:
        capabilities = self.client_capabilities.workspace
        versioned = bool(
            capabilities
            and capabilities.workspace_edit
            and capabilities.workspace_edit.document_changes
        )
        if versioned:
            identifier = types.OptionalVersionedTextDocumentIdentifier(doc.uri, doc.version)
            return types.WorkspaceEdit(
                document_changes=[types.TextDocumentEdit(identifier, list(edits))]
            )
        return types.WorkspaceEdit(changes={doc.uri: list(edits)})

    def replacement(self, doc: LintedDocument, new_text: str) -> types.TextEdit:
        """One edit covering the lines that differ between the document and `new_text`."""
        old = doc.text.splitlines(keepends=True)
        new = new_text.splitlines(keepends=True)
        head = 0
        while head < min(len(old), len(new)) and old[head] == new[head]:
            head += 1
        tail = 0
        while tail < min(len(old), len(new)) - head and old[-1 - tail] == new[-1 - tail]:
            tail += 1
        start = to_lsp(doc.lines, head + 1, 1, self.encoding)
        end_row = len(old) - tail
        if tail:
            end = to_lsp(doc.lines, end_row + 1, 1, self.encoding)
        else:
            last = doc.lines[-1] if doc.lines else ""
            end = to_lsp(doc.lines, len(doc.lines), len(last) + 1, self.encoding)
        content = "".join(new[head : len(new) - tail])
        return types.TextEdit(types.Range(types.Position(*start), types.Position(*end)), content)

    # -- code actions -----------------------------------------------------------------------

    async def code_actions(self, params: types.CodeActionParams) -> list[types.CodeAction]:
        if not self.is_python(params.text_document.uri):
            return []
        doc = await self.current(params.text_document.uri)
        if doc is None:
            return []
        only = params.context.only

        def wanted(kind: str) -> bool:
            return only is None or any(kind == k or kind.startswith(f"{k}.") for k in only)

        actions: list[types.CodeAction] = []
        start = from_lsp(
            doc.lines, params.range.start.line, params.range.start.character, self.encoding
        )
        end = from_lsp(doc.lines, params.range.end.line, params.range.end.character, self.encoding)
        if wanted(types.CodeActionKind.QuickFix):
            here = [f for f in doc.findings if _overlaps(f, start, end)]
            missing = [f for f in here if f.fix is not None and id(f) not in doc.edits]
            if missing:
                await self.run_fixes(self._edits, doc, missing)
            for finding in here:
                diagnostic = self.diagnostic(doc, finding)
                fix_edits = doc.edits.get(id(finding), ())
                if finding.fix is not None and fix_edits:
                    unsafe = finding.fix.applicability == "unsafe"
                    edits = [
                        types.TextEdit(
                            self.lsp_range(doc.lines, e.location, e.end_location), e.content
                        )
                        for e in fix_edits
                    ]
                    actions.append(
                        types.CodeAction(
                            title=f"{finding.fix.message}{' (unsafe)' if unsafe else ''}",
                            kind=types.CodeActionKind.QuickFix,
                            diagnostics=[diagnostic],
                            edit=self.edit_for(doc, edits),
                            is_preferred=not unsafe,
                        )
                    )
                if finding.code not in ENGINE_CODES and finding.noqa_row is not None:
                    noqa_text = add_noqa_comments(doc.text, [finding])
                    if noqa_text != doc.text:
                        actions.append(
                            types.CodeAction(
                                title=f"Disable {finding.code} for this line",
                                kind=types.CodeActionKind.QuickFix,
                                diagnostics=[diagnostic],
                                edit=self.edit_for(doc, [self.replacement(doc, noqa_text)]),
                            )
                        )
        if wanted(FIX_ALL_KIND) and (
            only is not None
            or any(f.fix is not None and f.fix.applicability == "safe" for f in doc.findings)
        ):
            if only is None and self.resolves_edits and doc.fix_all is False:
                # Asked for whatever applies at the cursor: offered now, computed on resolve.
                actions.append(
                    types.CodeAction(
                        title=FIX_ALL_TITLE,
                        kind=FIX_ALL_KIND,
                        data={"uri": doc.uri, "version": doc.version},
                    )
                )
            else:
                action = await self.fix_all_action(doc)
                if action is not None:
                    actions.append(action)
        return actions

    @property
    def resolves_edits(self) -> bool:
        """The client fills in a code action's edit with `codeAction/resolve`."""
        text_document = self.client_capabilities.text_document
        code_action = text_document.code_action if text_document else None
        support = code_action.resolve_support if code_action else None
        return bool(support and "edit" in support.properties)

    async def fix_all_action(self, doc: LintedDocument) -> types.CodeAction | None:
        if doc.fix_all is False:
            doc.fix_all = await self.run_engine(self._fix_all, doc)
        fixed = doc.fix_all
        if not isinstance(fixed, str) or fixed == doc.text:
            return None
        return types.CodeAction(
            title=FIX_ALL_TITLE,
            kind=FIX_ALL_KIND,
            edit=self.edit_for(doc, [self.replacement(doc, fixed)]),
        )

    async def resolve_action(self, action: types.CodeAction) -> types.CodeAction:
        data = action.data if isinstance(action.data, dict) else {}
        uri = data.get("uri")
        doc = await self.current(uri) if isinstance(uri, str) else None
        if action.kind != FIX_ALL_KIND or doc is None or doc.version != data.get("version"):
            return action  # the document moved on: the client asks again
        resolved = await self.fix_all_action(doc)
        if resolved is not None:
            action.edit = resolved.edit
        return action


def _advance(steps) -> bool:
    """One step of a generator of steps (engine thread); True once it is done."""
    try:
        next(steps)
    except StopIteration:
        return True
    return False


def _overlaps(finding: Finding, start: tuple[int, int], end: tuple[int, int]) -> bool:
    first = (finding.location.row, finding.location.column)
    last = (finding.end_location.row, finding.end_location.column)
    return first <= end and start <= last


def create_server() -> FastAPILintServer:
    server = FastAPILintServer()

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    async def did_open(ls: FastAPILintServer, params: types.DidOpenTextDocumentParams) -> None:
        ls.newest[params.text_document.uri] = params.text_document.version
        ls.schedule(params.text_document.uri, 0)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    async def did_change(ls: FastAPILintServer, params: types.DidChangeTextDocumentParams) -> None:
        ls.newest[params.text_document.uri] = params.text_document.version
        ls.schedule(params.text_document.uri, 0, dependents=True)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    async def did_save(ls: FastAPILintServer, params: types.DidSaveTextDocumentParams) -> None:
        ls.schedule(params.text_document.uri, 0)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    async def did_close(ls: FastAPILintServer, params: types.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        pending = ls.pending.pop(uri, None)
        if pending is not None:
            pending.cancel()
        prefetch = ls.prefetching.pop(uri, None)
        if prefetch is not None:
            prefetch.cancel()
        doc = ls.linted.pop(uri, None)
        ls.newest.pop(uri, None)
        ls.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, diagnostics=[])
        )
        if doc is not None:
            await ls.run_engine(ls._forget_buffer, doc)

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    async def did_change_watched_files(
        ls: FastAPILintServer, params: types.DidChangeWatchedFilesParams
    ) -> None:
        # Files changed on disk behind the editor's back (a checkout, a formatter): rebuild the
        # index of their projects at the next lint, and lint the open documents again.
        for change in params.changes:
            path = to_fs_path(change.uri)
            if path:
                with contextlib.suppress(ConfigError):
                    ls.stale_roots.add(ls.settings_for(Path(path)).project_root)
        for uri in list(ls.linted):
            ls.schedule(uri, DEBOUNCE_SECONDS)

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(
            code_action_kinds=[types.CodeActionKind.QuickFix, FIX_ALL_KIND],
            resolve_provider=True,
        ),
    )
    async def code_action(
        ls: FastAPILintServer, params: types.CodeActionParams
    ) -> list[types.CodeAction]:
        return await ls.code_actions(params)

    @server.feature(types.CODE_ACTION_RESOLVE)
    async def code_action_resolve(
        ls: FastAPILintServer, params: types.CodeAction
    ) -> types.CodeAction:
        return await ls.resolve_action(params)

    return server


def serve() -> None:
    """Runs the server on stdin/stdout until the client says exit."""
    create_server().start_io()


def _file_lines(filename: str) -> list[str]:
    """Lines of another file, to count its columns in the client's encoding (none: columns
    are taken as they are, right for ASCII lines)."""
    from .source import SourceError, read_source

    try:
        return split_lines(read_source(Path(filename))[1].text)
    except (OSError, SourceError):
        return []
